"""Findings of the tenth probe of the lemma search, each kept as a test.

A callable whose answer was ``-inf`` was never reported (the violation test
``-inf < -1e-12 * (1 + inf)`` is false), and one answering an exact integer beyond float64
ended in a traceback. Counterexamples only at large magnitudes were never found: the
draws stay within about 40 in size, so ``x <= 10**300`` was undecided although
``x = 10**301`` is a float, ``assert_no_counterexample`` passed, and a lemma claim on
``abs(x) <= 10**300`` PASSed; ``sqrt(x**2 + y**2) <= 10**200`` (whose floats overflow
before they violate) and ``x / 10**100 <= 10**250`` (false beyond float64 only) need the
exact evaluation of the magnitude sweep.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof.claims import Registry, lemma_claim, run_claim
from specproof.lemmas.magnitudes import MagnitudeSweep
from specproof.lemmas.search import Searcher
from specproof.lemmas.shrink import shrink
from specproof.testing import LemmaFailed, assert_no_counterexample

SCALAR = {"x": ()}


# -- a callable's infinities are its answers ---------------------------------------------

def _minus_inf_off_the_positives(x):
    return 1.0 if x > 0 else -np.inf


def test_a_callable_answering_minus_infinity_is_a_counterexample():
    r = lm.refute(_minus_inf_off_the_positives, variables=SCALAR, seed=0, budget=1)
    assert isinstance(r, lm.NumericalCounterexample)
    assert r.point["x"] <= 0
    assert r.lhs == -math.inf and r.margin == -math.inf and r.rhs == 0.0
    with pytest.raises(LemmaFailed) as err:
        assert_no_counterexample(_minus_inf_off_the_positives, variables=SCALAR, budget=1)
    assert err.value.verdict.verdict == "NUMERICAL COUNTEREXAMPLE"


def test_a_callable_that_is_minus_infinity_everywhere_is_a_counterexample():
    r = lm.refute(lambda x: -math.inf, variables=SCALAR, seed=0, budget=0.5)
    assert isinstance(r, lm.NumericalCounterexample) and r.margin == -math.inf


def test_a_callable_answering_plus_infinity_holds_there():
    # +inf >= 0: evaluated and held (it scored as "no value" and failed the assertion)
    r = lm.refute(lambda x: math.inf, variables=SCALAR, seed=0, budget=0.3)
    assert r.verdict == "UNDECIDED" and r.evaluated > 0
    assert r.tightest.lhs == math.inf
    assert assert_no_counterexample(lambda x: math.inf, variables=SCALAR,
                                    budget=0.3).verdict == "UNDECIDED"


def test_a_callable_answering_nan_everywhere_still_tests_nothing():
    r = lm.refute(lambda x: math.nan, variables=SCALAR, seed=0, budget=0.3)
    assert r.verdict == "UNDECIDED" and r.evaluated == 0
    with pytest.raises(LemmaFailed, match="no point could be evaluated"):
        assert_no_counterexample(lambda x: math.nan, variables=SCALAR, budget=0.3)


def test_a_callable_answering_an_exact_integer_beyond_float64_is_refuted():
    # float(-10**400) raised OverflowError out of the search
    r = lm.refute(lambda x: -10**400, variables=SCALAR, seed=0, budget=0.5)
    assert isinstance(r, lm.Refuted) and r.exact
    assert r.lhs == Fraction(-10**400) and r.margin == Fraction(-10**400)


def test_a_callable_answering_a_huge_positive_integer_holds():
    r = lm.refute(lambda x: 10**400, variables=SCALAR, seed=0, budget=0.3)
    assert r.verdict == "UNDECIDED" and r.evaluated > 0


# -- counterexamples only at large magnitudes --------------------------------------------

def _violated_at(text: str, point: dict) -> bool:
    """The statement's relation at ``point``, decided by sympy on its own."""
    st = lm.as_statement(text)
    vals = {v: sympy.Rational(Fraction(point[v.name]).numerator,
                              Fraction(point[v.name]).denominator) for v in st.variables}
    excess = (st.lhs - st.rhs).xreplace(vals)  # > 0 violates "<="
    # 1200 digits: sqrt(10**400 + 1) - 10**200 is 5e-201
    value = excess if excess.is_Rational else sympy.N(excess, 1200)
    return bool(value > 0) if st.relation == "<=" else bool(value < 0)


@pytest.mark.parametrize("text", [
    "x <= 10**300", "abs(x) <= 10**300", "sqrt(x) <= 10**100", "x*y*z <= 10**300",
    "sqrt(x**2 + y**2) <= 10**200", "x / 10**100 <= 10**250", "x**10 <= 10**300",
    "x <= 10**400", "x + y <= 10**309", "x**3 <= 10**600 * x**2 + 1",
])
def test_counterexamples_only_at_large_magnitudes_are_found(text):
    r = lm.refute(text, seed=0, budget=2)
    assert isinstance(r, lm.Refuted), r
    assert "magnitude sweep" in r.how_found
    assert max(abs(v) for v in r.point.values()) > 10**15
    assert _violated_at(text, r.point)


def test_a_witness_beyond_float64_is_exact():
    r = lm.refute("x / 10**100 <= 10**250", seed=0, budget=2)
    assert r.point == {"x": Fraction(10**401)}
    assert r.lhs == Fraction(10**301) and r.rhs == Fraction(10**250) and r.exact


def test_a_large_float_witness_is_shrunk_to_a_power_of_ten():
    r = lm.refute("x <= 10**300", seed=0, budget=2)
    x = r.point["x"]
    assert x.denominator == 1 and str(x.numerator).rstrip("0") == "1"
    assert x > 10**300 and r.margin == 10**300 - x


def test_the_shrink_rounds_a_huge_float_to_its_leading_digit():
    assert shrink([1e301], lambda z: z[0] > 10**300) == [Fraction(10**301)]
    assert shrink([-3.5e200], lambda z: z[0] < -10**200) == [Fraction(-3 * 10**200)]


def test_assert_no_counterexample_fails_on_a_large_magnitude_counterexample():
    with pytest.raises(LemmaFailed) as err:
        assert_no_counterexample("x <= 10**300", budget=1)
    assert err.value.verdict.verdict == "REFUTED"


@pytest.mark.parametrize("lemma", ["abs(x) <= 10**300", "sqrt(x**2 + y**2) <= 10**200"])
def test_a_lemma_claim_false_at_large_magnitudes_fails(lemma):
    c = lemma_claim("probe.s10.huge", lemma, paper="probe", control="abs(x) <= 1/2",
                    registry=Registry())
    assert run_claim(c, profile="quick", seed=0).verdict == "FAIL"


def test_the_sweep_stays_inside_a_box():
    r = lm.refute("x <= 10**300", domain=lm.box(x=(-10**300, 10**300)), seed=0, budget=0.5)
    assert r.verdict == "UNDECIDED"
    assert any(t.startswith("magnitude sweep: ") for t in r.tried)


def test_a_tight_true_statement_keeps_its_tightest_point():
    r = lm.refute("x**2 + 1 >= 2*x", seed=0, budget=0.5)
    assert r.verdict == "UNDECIDED" and round(r.tightest.point["x"], 3) == 1.0


def test_true_statements_at_every_magnitude_are_not_refuted():
    for text in ("x**2 + y**2 >= 2*x*y", "sqrt(x**2 + y**2) >= abs(x)", "x**4 + 1 >= x**2"):
        assert lm.refute(text, seed=0, budget=0.5).verdict == "UNDECIDED", text


def test_the_sweep_is_small_in_many_variables():
    names = " ".join(f"x{i}" for i in range(20))
    s = Searcher(lm.as_statement(" + ".join(names.split()) + " >= 0"), seed=0)
    s.sample("gaussian", 32)
    sweep = MagnitudeSweep(s)
    assert 200 <= len(sweep.floats) <= 320
    assert sweep.run_floats(lambda: False)
    assert 0 < len(sweep.exact_points()) <= 64
    # every coordinate is swept on its own, up to the largest float
    alone = {k for d, _, _ in sweep.floats for k in sweep.directions[d][0] if d}
    assert alone == set(range(20))
    top = Fraction(np.finfo(float).max)
    assert sum(1 for _, v, _ in sweep.floats if v == top) == 21


# -- one coordinate of a high-dimensional box --------------------------------------------

def _one_coordinate_in_a_box(n: int):
    xs = lm.symbols(" ".join(f"x{i}" for i in range(n)))
    return lm.as_statement((xs[7] - sympy.Rational(1, 3))**2 >= sympy.Rational(1, 10**30),
                           variables=list(xs), domain=lm.box({x: (0, 1) for x in xs}))


def test_a_violation_in_one_coordinate_of_a_20_dimensional_box_is_refuted():
    # the simplex of 20 variables started at the box's corners never reached x7 = 1/3;
    # a line search per boxed coordinate does
    # budget 8: the descent gets 1 s (a quarter second sufficed unloaded, not always
    # next to a parallel test run)
    r = lm.refute(_one_coordinate_in_a_box(20), seed=0, budget=8)
    assert isinstance(r, lm.Refuted) and r.exact
    assert r.point["x7"] == Fraction(1, 3) and r.lhs == 0
    assert r.rhs == Fraction(1, 10**30)
    assert all(v in (0, 1) or k == "x7" or v.denominator <= 10 for k, v in r.point.items())


def test_the_tightest_point_is_reported_at_its_simplest_violating_rational():
    # the float of 1/3 (3002399751580331/9007199254740992) violates too, and came first
    r = lm.refute("(x - 1/3)**2 >= 1e-30", seed=0, budget=1)
    assert r.point == {"x": Fraction(1, 3)} and r.lhs == 0


def test_one_stalled_exact_point_does_not_drop_the_sweeps_exact_stage(monkeypatch):
    # a clean-clone CI run ended x + y <= 10**309 UNDECIDED: one exact evaluation that
    # stalled past its slice (a garbage collection on a loaded machine) made the sweep
    # drop every exact point, and only those can refute it (float64 overflows first)
    import time

    refute_module = sys.modules[lm.refute.__module__]
    real = refute_module.confirm
    calls = []

    def stalls_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.3)   # longer than the sweep's slice of a 2 s budget (0.1 s)
        return real(*args, **kwargs)

    monkeypatch.setattr(refute_module, "confirm", stalls_once)
    r = lm.refute("x + y <= 10**309", seed=0, budget=2)
    assert isinstance(r, lm.Refuted), r
    assert "magnitude sweep" in r.how_found and len(calls) > 1
