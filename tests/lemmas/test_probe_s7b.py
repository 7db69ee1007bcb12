"""Probe s7b: constants sympy cannot sign, huge values, float-literal exponents, and
assertions that passed on nothing evaluated."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from specproof.lemmas.errors import StatementError
from specproof.lemmas.prove import prove
from specproof.lemmas.refute import refute
from specproof.lemmas.statement import as_statement
from specproof.lemmas.verdicts import Interval, Refuted, show
from specproof.testing import LemmaFailed, assert_no_counterexample, assert_proved

pytest.importorskip("flint")

# exactly -10**-700, and exactly 0: sympy finds the sign of neither
C = "(sqrt(5+2*sqrt(6)) - sqrt(2) - sqrt(3) - 10**-700)"
Z = "(sqrt(2)+sqrt(3)-sqrt(5+2*sqrt(6)))"


@pytest.mark.parametrize("text", [
    f"exp(log({C})) <= 0", f"exp(log({C})) >= 0", f"sqrt({C})**2 <= -10**-701",
    f"sqrt({C})**2 >= 0", f"(({C})**(1/3))**3 >= 0",
    "exp(log(sqrt(2)+sqrt(3)-sqrt(5+2*sqrt(6)) - 10**-200)) <= 0",
    f"{Z}/{Z} <= 0", f"{Z}/{Z} >= 1", f"x**2 >= sqrt({C})**2",
])
def test_constant_not_real_is_refused(text):
    with pytest.raises(StatementError, match="is not a real number"):
        as_statement(text)


def test_constant_not_real_never_proved_nor_refuted():
    with pytest.raises(StatementError):
        assert_proved(f"exp(log({C})) <= 0")
    with pytest.raises(StatementError):
        refute(f"sqrt({C})**2 >= 0", budget=0.5)


def test_certified_real_constant_still_decided():
    # the same near-cancellation, now positive: certified, so the statement is decided
    pos = "(sqrt(5+2*sqrt(6)) - sqrt(2) - sqrt(3) + 10**-700)"
    assert prove(f"exp(log({pos})) >= 0").verdict == "PROVED"
    assert refute(f"sqrt({pos})**2 <= 0", budget=1).verdict == "REFUTED"


L0 = "(log(6) - log(2) - log(3))"  # exactly 0, and sympy does not know it


def test_undecidable_condition_is_undecided():
    # sqrt(L0) needs L0 >= 0, and L0 is exactly 0: arb cannot certify its sign
    text = f"sqrt({L0})**2 >= 0"
    st = as_statement(text)
    assert st.conditions
    v = prove(text)
    assert v.verdict == "UNDECIDED" and v.evaluated == 0
    assert "real only where" in v.tried[0]
    assert refute(text, budget=0.5).verdict == "UNDECIDED"
    assert refute(f"x**2 + sqrt({L0})**2 >= 0", budget=0.5).verdict == "UNDECIDED"
    assert prove(f"x**2 >= 1/{L0} - 1/{L0}").verdict == "UNDECIDED"
    with pytest.raises(LemmaFailed):
        assert_no_counterexample(text, budget=0.5)


@pytest.mark.parametrize("text", ["exp(exp(10)) >= 1", "exp(-exp(10)) >= 0",
                                  "(10**1000)**5 >= 1"])
def test_huge_values_are_decided_not_a_traceback(text):
    v = prove(text)
    assert v.verdict == "PROVED"
    assert isinstance(v.check_message, str)


def test_huge_refuted_values_print():
    v = refute("(10**1000)**5 <= 1", budget=1)
    assert isinstance(v, Refuted)
    assert "e+5000" in repr(v) and "e+5000" in str(v.to_dict()["lhs"]).lower()
    assert "E+5000" in show(Fraction(10**5000))
    assert "e+5000" in str(Interval(Fraction(10**5000), Fraction(10**5000 + 1)))


@pytest.mark.parametrize("text", ["exp(exp(1000)) >= 1", "exp(1e20) >= 1",
                                  "exp(exp(exp(5))) >= 1"])
def test_huge_exponent_is_bounded(text):
    t0 = time.monotonic()
    v = refute(text, budget=2)
    assert v.verdict == "UNDECIDED"
    assert time.monotonic() - t0 < 30


def test_huge_exponent_with_variables_respects_budget():
    t0 = time.monotonic()
    v = refute("exp(exp(1000) + x**2) >= 0", budget=2)
    assert v.verdict == "UNDECIDED"
    assert time.monotonic() - t0 < 30


@pytest.mark.parametrize("text", ["1e5000 >= 1", "1e-5000 >= 0", "sqrt(2) + 1e-5000 >= sqrt(2)",
                                  "x**2 + 1e-5000 >= 0", "x >= 2.5E-1001"])
def test_float_literal_exponent_cap(text):
    with pytest.raises(StatementError, match="larger than 1000"):
        as_statement(text)
    assert as_statement("x >= 1e-1000").rhs == Fraction(1, 10**1000)


@pytest.mark.parametrize("text", ["exp((10**-1000)**2) <= 1", "exp((10**-1000)**2) == 1",
                                  "norm([[1,0],[0,1]], 2) == 1 + (10**-1000)**2"])
def test_closed_undecided_fails_the_assertion(text):
    with pytest.raises(LemmaFailed):
        assert_no_counterexample(text, budget=1)


def test_closed_true_passes_the_assertion():
    assert assert_no_counterexample("pi >= 3", budget=1).evaluated == 1


@pytest.mark.parametrize("text", ["10**400*(x-3)**2 >= 10**400",
                                  "exp(1000 + (x-5)**2) >= exp(1001)",
                                  "10**400*(x**2-3)**2 >= 10**390"])
def test_false_statement_with_float_overflow_fails_the_assertion(text):
    with pytest.raises(LemmaFailed):
        assert_no_counterexample(text, budget=2)


def test_overflow_everywhere_true_statement_is_not_a_pass():
    # true, but the float search evaluates nothing: exact points that held are no search
    v = refute("10**400*x**2 + 10**400 >= 0", budget=1)
    assert v.verdict == "UNDECIDED" and v.evaluated == 0
    assert "not a search" in v.tried[-1]
    with pytest.raises(LemmaFailed):
        assert_no_counterexample("10**400*x**2 + 10**400 >= 0", budget=1)


def test_fallback_points_refute_at_integers():
    v = refute("10**400*(x-3)**2 >= 10**400", budget=2)
    assert v.verdict == "REFUTED" and v.point == {"x": Fraction(3)}


@pytest.mark.parametrize("text", ["norm([[1,0],[0,1]], 2) == 1",
                                  "trace(expm([[0,0],[0,0]])) == 2"])
def test_exact_zero_ball_proves_identity(text):
    assert prove(text).verdict == "PROVED"
