"""The shrinker: never loses the violation; prefers 0, ±1 and small denominators."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as hs

from specproof.lemmas.shrink import shrink, simplest_between

_fracs = hs.fractions(min_value=-50, max_value=50, max_denominator=500)


@settings(max_examples=100, deadline=None)
@given(_fracs, _fracs)
def test_simplest_between_is_inside_and_has_the_smallest_denominator(a, b):
    lo, hi = min(a, b), max(a, b)
    s = simplest_between(lo, hi)
    assert lo <= s <= hi
    # no fraction with a smaller denominator lies in [lo, hi]
    for q in range(1, s.denominator):
        assert math.ceil(lo * q) > hi * q


@settings(max_examples=100, deadline=None)
@given(hs.lists(hs.floats(-100, 100, allow_nan=False, allow_subnormal=True), min_size=1,
                max_size=4),
       hs.lists(hs.integers(-4, 4), min_size=4, max_size=4),
       hs.floats(-50, 50, allow_nan=False))
def test_shrink_never_loses_the_violation(z, coefs, c):
    def f(v):
        x = [float(t) for t in v]
        return sum(k * x[i % len(x)] ** (i % 3 + 1) for i, k in enumerate(coefs)) - c

    def violates(v):
        return f(v) < 0

    start = [Fraction(t) for t in z]
    assume(violates(start))
    out = shrink(z, violates)
    assert violates(out) and len(out) == len(z)
    assert all(isinstance(v, Fraction) for v in out)


def test_prefers_zero_and_units():
    assert shrink([0.3, -0.8], lambda v: v[0] + v[1] < 0) == [Fraction(0), Fraction(-1)]
    assert shrink([1e-300], lambda v: v[0] > 0) == [Fraction(1)]


def test_a_cubic_minimiser_comes_back_short():
    # x**3 - x < -0.3849 only within ~4e-4 of 1/sqrt(3) = 0.57735...
    out = shrink([0.5773502691896258], lambda v: float(v[0]) ** 3 - float(v[0]) < -0.3849)
    assert out[0].denominator < 500 and abs(float(out[0]) - 3**-0.5) < 5e-4
