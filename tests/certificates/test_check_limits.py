"""Small files that made the checkers run for hours are refused up front (``malformed``).

Before: a 2.9 KB certificate with X of shape 1 x 200 made both checkers walk all
C(203, 4) = 6.9e7 monomials (a 1.06 KB one with d = 60 took 60 s and 635 MB); Gram entries
with coprime 20000-digit denominators (each within the per-rational digit limit) took 39 s,
larger ones hours.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from specproof.certificates import certify, check
from specproof.certificates.constants import MAX_DENOMINATOR_BITS, MAX_MONOMIALS
from specproof.certificates.rational_text import rational_str


def _wide_doc(d: int, q: int = 4) -> dict:
    basis = [0] * d
    basis[0] = q // 2
    return {"schema": "specproof.certificate/1",
            "statement": {"kind": "2-to-q-norm-upper-bound", "q": q,
                          "text": f"||X||_{{2->{q}}}^{q} <= C"},
            "X": {"shape": [1, d], "float": [[1.0] + [0.0] * (d - 1)],
                  "rational": [["1"] + ["0"] * (d - 1)]},
            "C": {"rational": "1", "float": 1.0}, "basis": [basis],
            "gram": {"float": [[0.0]], "rational": [["0"]]}, "provenance": {}}


@pytest.mark.parametrize("d, q", [(200, 4), (60, 4), (30, 6)])
@pytest.mark.parametrize("exact", [False, True])
def test_a_tiny_file_with_many_columns_is_refused_at_once(tmp_path, d, q, exact):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(_wide_doc(d, q)))
    res = check(str(path), exact=exact)
    assert not res.ok and res.code == "malformed"
    assert f"more than the checkers handle ({MAX_MONOMIALS}" in res.reason


def test_the_cli_exits_2_on_it(tmp_path):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(_wide_doc(200)))
    res = subprocess.run([sys.executable, "-m", "specproof", "check", str(path), "--exact"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "monomials of degree 4" in res.stdout + res.stderr


def test_coprime_huge_denominators_are_refused_and_honest_ones_pass():
    X = np.random.default_rng(0).standard_normal((12, 4))
    cert = certify(X, q=4, exact=True)
    assert check(cert, exact=True).ok  # a few hundred bits of common denominator
    doc = cert.to_dict()
    primes = [2**127 - 1, 2**521 - 1, 2**607 - 1, 2**1279 - 1, 2**2203 - 1, 2**2281 - 1,
              2**3217 - 1, 2**4253 - 1, 2**4423 - 1, 2**9689 - 1, 2**9941 - 1,
              2**11213 - 1, 2**19937 - 1, 2**21701 - 1, 2**23209 - 1, 2**44497 - 1]
    N = len(doc["gram"]["rational"])
    k = 0
    for a in range(N):
        for b in range(a, N):
            if k < len(primes):
                g = Fraction(doc["gram"]["rational"][a][b]) + Fraction(1, primes[k])
                doc["gram"]["rational"][a][b] = doc["gram"]["rational"][b][a] = rational_str(g)
                k += 1
    assert sum(p.bit_length() for p in primes) > MAX_DENOMINATOR_BITS
    from specproof.certificates import Certificate
    from specproof.certificates.rational_text import CertificateFormatError

    with pytest.raises(CertificateFormatError, match="common denominator of gram.rational"):
        Certificate.from_dict(doc)
