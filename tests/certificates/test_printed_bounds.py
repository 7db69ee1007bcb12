"""Printed bounds are rounded outward: the printed upper is >= the norm, the lower <= it.

Before: ``two_to_q(cube3, 4)`` printed ``upper=2.078579755`` for the norm
``(56/3)^(1/4) = 2.07857975525...`` (rounded to nearest), and ``specproof certify`` printed a
lower bound above the true norm of a 4-cube.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates import two_to_q
from specproof.certificates.rational_text import directed_text


def _cube(d: int) -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=d)))


@pytest.mark.parametrize("d, true_q4", [(3, Fraction(56, 3))])
def test_repr_of_the_cube_brackets_the_exact_norm(d, true_q4):
    # ||C_3||_{2->4}^4 = 56/3 (attained at v = (1, 1, 1) / sqrt(3)): to nearest, the
    # printed upper 2.078579755 was below (56/3)^(1/4) = 2.07857975525...
    X = _cube(d)
    b = two_to_q(X, q=4)
    text = repr(b)
    lower = Fraction(re.search(r"lower=([0-9.e+-]+)", text).group(1))
    upper = Fraction(re.search(r"upper=([0-9.e+-]+)", text).group(1))
    # the witness value is a lower bound of the norm; the float bounds bracket it
    assert Fraction(b.lower) >= lower and Fraction(b.upper) <= upper
    assert upper**4 >= true_q4 >= lower**4


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, 17))
def test_directed_text_rounds_outward(x, digits):
    up, down = directed_text(x, digits, up=True), directed_text(x, digits, up=False)
    assert Fraction(up) >= Fraction(x) >= Fraction(down)
    # and by no more than one unit in the last printed digit
    assert len(re.sub(r"[^0-9]", "", up.split("e")[0]).lstrip("0")) <= digits
