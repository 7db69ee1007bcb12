"""Findings of a review of the certified bounds and their checker, each kept as a test."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest

import specproof.certificates as sc
from specproof import SpecproofError


def test_numeric_checker_answers_out_of_range_instead_of_raising(tmp_path):
    # ||X||^2 = 1e-400 <= 1 for X = [[1e-200]] with the exact G = [[1 - x^2]]: a true,
    # exact certificate whose C is 2^1328 times the data's scale; the numeric checker
    # raised OverflowError (int too large to convert to float)
    x = F(1e-200)
    g = 1 - x * x
    doc = {
        "schema": "specproof.certificate/1",
        "statement": {"kind": "2-to-q-norm-upper-bound", "q": 2, "text": "||X||_{2->2}^2 <= C"},
        "X": {"shape": [1, 1], "float": [[1e-200]],
              "rational": [[f"{x.numerator}/{x.denominator}"]]},
        "C": {"rational": "1", "float": 1.0},
        "basis": [[1]],
        "gram": {"float": [[float(g)]], "rational": [[f"{g.numerator}/{g.denominator}"]]},
        "provenance": {},
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    assert sc.check(str(path), exact=True).ok
    numeric = sc.check(str(path))
    assert not numeric.ok and numeric.code == "out_of_range"


@pytest.mark.skipif(np.finfo(np.longdouble).bits <= 64,
                    reason="this platform's longdouble is float64: nothing is lost in the cast")
@pytest.mark.parametrize("exponent", [-13000, 5000])
def test_extended_precision_that_float64_cannot_hold_is_refused(exponent):
    # 2^-13000 in longdouble became 0 in float64: "upper bound" 0 for a nonzero matrix;
    # 1e5000 became inf and was called non-finite
    X = np.array([[1, -1], [1, 1]], dtype=np.longdouble) * np.longdouble(2) ** exponent
    with pytest.raises(SpecproofError, match="which float64 cannot hold"):
        sc.two_to_q(X, 4)
    with pytest.raises(SpecproofError, match="which float64 cannot hold"):
        sc.spectral_norm(X)
    ok = np.array([[1, -1], [1, 1]], dtype=np.longdouble) / 3  # rounding only: accepted
    assert sc.spectral_norm(ok).value == pytest.approx(np.sqrt(2) / 3, rel=1e-15)
