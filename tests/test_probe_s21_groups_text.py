"""Findings of the session-21 review of groups and certificate text, each kept as a test."""

from __future__ import annotations

import math
from decimal import Context, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentTypeError
from specproof.certificates.rational_text import approximate
from specproof.groups import Action, check_equivariance, cyclic, verify_action


class _Times(Action):
    """``r`` (the generator of C2) multiplies by ``factor``: an action iff factor^2 = 1."""

    linear = True

    def __init__(self, factor):
        self.group, self.factor = cyclic(2), factor

    def act(self, g, x):
        return np.asarray(x) * (self.factor ** int(g))

    def random_point(self, rng):
        return 1j * rng.standard_normal(3)


def test_an_action_failing_only_in_the_imaginary_part_fails():
    # r.(r.x) = -x but (r r).x = x: the cast to float64 dropped the imaginary parts and
    # every error read 0
    x = 1j * np.arange(1.0, 4.0)
    check = verify_action(_Times(1j), samples=[x])
    assert not check.ok and check.code == "compatibility_fails"
    assert check.max_error == pytest.approx(6.0, rel=1e-15)
    assert not verify_action(_Times(1j), samples=3, rng=0).ok
    # the same points under a true action (multiplication by -1) pass
    assert verify_action(_Times(-1.0), samples=[x]).ok


class _NaNAction(_Times):
    def act(self, g, x):
        return np.asarray(x) * np.nan


def test_a_nan_image_is_reported_as_such_not_as_error_zero():
    check = verify_action(_NaNAction(1.0), samples=1, rng=0)
    assert not check.ok and check.code == "identity_fails"
    assert math.isnan(check.identity_error) and math.isnan(check.max_error)
    assert "nan (an image is not finite)" in check.reason
    assert "0.000e+00" not in check.reason


@pytest.mark.parametrize("call", [
    lambda: verify_action(_Times(-1.0), samples=1, rng="0"),
    lambda: verify_action(_Times(-1.0), samples=1, rng=1.5),
    lambda: check_equivariance(lambda x: x, cyclic(2), cyclic(2).regular_representation(),
                               cyclic(2).regular_representation(), rng="0"),
])
def test_a_bad_rng_is_named_rng(call):
    with pytest.raises(ArgumentTypeError, match=r"^rng must be an int, a numpy Generator"):
        call()


def test_approximate_rounds_once():
    # the numerator rounded to 10 digits, then divided: 92.17355776 for 92.173557737984
    assert approximate(Fraction(180026479957, 1953125000)) == "92.17355774"
    x = Fraction(1108592251, 10256383281250000000000000000000000000)
    assert approximate(x, 8) == "1.0808803E-28"


@settings(max_examples=300, deadline=None)
@given(num=st.integers(-10**40, 10**40).filter(bool), den=st.integers(1, 10**40),
       digits=st.integers(1, 20), shift=st.integers(-400, 400))
def test_approximate_is_the_correctly_rounded_decimal(num, den, digits, shift):
    x = Fraction(num, den) * Fraction(10) ** shift
    exact_ctx = Context(prec=digits, Emax=10**6, Emin=-10**6)
    ref = exact_ctx.divide(Decimal(x.numerator), Decimal(x.denominator))
    assert Decimal(approximate(x, digits)) == ref
    up = Decimal(approximate(x, digits, round_up=True))
    ulp = abs(Fraction(ref)) * Fraction(10) ** (1 - digits)
    assert x <= Fraction(up) <= x + ulp
