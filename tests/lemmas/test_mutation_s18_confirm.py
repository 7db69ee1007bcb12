"""Mutation-testing findings (s18): exact confirmation of a counterexample, point by point."""

from fractions import Fraction as F

import pytest

from specproof import lemmas as lm
from specproof.lemmas.confirm import Unconfirmable, confirm
from specproof.lemmas.statement import as_statement


def test_a_point_outside_the_box_by_less_than_one_confirms_nothing():
    # x >= 1 holds on [1, 2]; x = 1/2 breaks x - 1 >= 0 by 1/2 (and x = 0 by 1)
    st = as_statement("x >= 1", domain=lm.box(x=(1, 2)))
    for x in (F(1, 2), F(99, 100), F(0), F(-5)):
        with pytest.raises(Unconfirmable, match="outside the domain"):
            confirm(st, {st.variables[0]: x})


def test_a_counterexample_on_the_boundary_of_the_domain_is_confirmed():
    # x >= 1/2 fails on [0, 1] at x = 0, where the constraint x >= 0 holds with equality
    st = as_statement("x >= 1/2", domain=lm.box(x=(0, 1)))
    c = confirm(st, {st.variables[0]: F(0)})
    assert c.violated and c.exact and c.margin == F(-1, 2)


def test_a_point_off_a_domain_equality_confirms_nothing():
    st = as_statement("x + y >= 1", domain=lm.constraints("x + y == 1"))
    with pytest.raises(Unconfirmable, match="outside the domain"):
        confirm(st, dict(zip(st.variables, [F(0), F(0)])))


def test_a_tight_point_is_not_a_violation():
    # equality is no counterexample of >= (nor of <=), exactly or in intervals
    st = as_statement("x**2 >= 0")
    c = confirm(st, {st.variables[0]: F(0)})
    assert not c.violated and c.margin == 0
    st = as_statement("x**2 <= x")
    c = confirm(st, {st.variables[0]: F(1)})
    assert not c.violated and c.margin == 0


def test_an_interval_confirmation_is_not_reported_as_exact():
    # sqrt(1/2) <= 1/2 is false; sqrt(1/2) is irrational, so the margin is an enclosure
    st = as_statement("sqrt(x) <= x")
    c = confirm(st, {st.variables[0]: F(1, 2)})
    assert c.violated and not c.exact
    assert c.margin.lo < c.margin.hi < 0  # a proper interval, below 0
    assert c.lhs.lo < c.lhs.hi  # sqrt(1/2) is no rational: its enclosure has width


@pytest.mark.parametrize("text", ["x*y <= 1/4", "x + y >= 1", "x**2 + y**2 >= 1/2"])
def test_refute_never_refutes_a_true_statement_on_an_equality_domain(text):
    # each holds on the line x + y = 1; points off the line (x = y = 0, x = y = 10**300)
    # break them, and must never be confirmed as counterexamples
    r = lm.refute(text, domain=lm.constraints("x + y == 1"), budget=3.0)
    assert r.verdict != "REFUTED", r


def _square(x):
    return x * x


def test_a_black_box_that_returns_exactly_zero_is_not_violated():
    # the callable is read as f(x) >= 0: the value 0 is the statement holding, not failing
    st = as_statement(_square, variables=[("x", ())])
    c = confirm(st, {st.variables[0]: F(0)})
    assert not c.violated and c.exact and c.lhs == 0
    c = confirm(st, {st.variables[0]: F(1, 3)})
    assert not c.violated and c.lhs == F(1, 9)


def _cancels(x):
    return (x + 10**16) - 10**16 - x  # exactly 0; in floats -x rounded, e.g. -1 at x = 1


def test_refute_does_not_refute_a_black_box_that_is_exactly_zero():
    # the floats see violations everywhere, exact Fraction arithmetic sees 0 >= 0: at most
    # a numerical counterexample, never a confirmed one
    r = lm.refute(_cancels, variables=[("x", ())], budget=2.0)
    assert r.verdict != "REFUTED", r


def test_min_is_enclosed_as_the_minimum_in_interval_arithmetic():
    # x**(1/100) has a root index beyond the exact limit, so the sides are enclosed in arb
    # balls: Min(2**(1/100), 2) = 1.0069... <= 3/2 holds at x = 2 (Max would be 2 > 3/2),
    # and Max(2**(1/100), 1/2) = 1.0069... >= 1 holds (Min would be 1/2 < 1)
    st = as_statement("min(x**(1/100), 2) <= 3/2")
    c = confirm(st, {st.variables[0]: F(2)})
    assert not c.violated and not c.exact
    st = as_statement("max(x**(1/100), 1/2) >= 1")
    c = confirm(st, {st.variables[0]: F(2)})
    assert not c.violated and not c.exact
    st = as_statement("min(x**(1/100), 2) >= 3/2")  # false at x = 2
    c = confirm(st, {st.variables[0]: F(2)})
    assert c.violated and not c.exact


def test_the_margin_of_an_identity_is_lhs_minus_rhs_in_intervals_as_in_rationals():
    # the exact path reports lhs - rhs for '=='; the interval path must use the same sign
    st = as_statement("x**2 == x")
    c = confirm(st, {st.variables[0]: F(1, 2)})
    assert c.violated and c.exact and c.margin == F(-1, 4)  # 1/4 - 1/2
    st = as_statement("sqrt(x) == x")
    c = confirm(st, {st.variables[0]: F(1, 2)})
    assert c.violated and not c.exact
    assert 0 < c.margin.lo < c.margin.hi  # sqrt(1/2) - 1/2 = 0.2071... > 0


def test_a_point_where_a_cancelled_denominator_vanishes_is_no_counterexample():
    # sympy reads x/x as 1 and keeps x != 0 (as x**2 > 0) as a 'positive' part of the
    # domain; with x <= 0 and x >= 0 the only candidate x = 0 is where x/x is undefined,
    # so the statement is vacuous there and must not be refuted
    st = as_statement("x/x >= 2", domain=lm.constraints("x <= 0", "x >= 0"))
    with pytest.raises(Unconfirmable, match="outside the domain"):
        confirm(st, {st.variables[0]: F(0)})
    r = lm.refute(st, budget=2.0)
    assert r.verdict != "REFUTED", r
