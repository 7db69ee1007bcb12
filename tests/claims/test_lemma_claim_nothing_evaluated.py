"""lemma_claim on a lemma that cannot be evaluated anywhere: nothing tested, no PASS.

The check held ("UNDECIDED" is not a counterexample) and the claim passed, where
``assert_no_counterexample`` on the same lemma fails ("no point could be evaluated").
"""

import numpy as np

import specproof.lemmas as lm
from specproof.claims import Registry, lemma_claim, run_claim

# the quick profile searches 3 s; what these tests see does not depend on how long
_ONE_SECOND = {"budget": 1.0}


def _nan(x):
    return np.full_like(np.asarray(x, dtype=float), np.nan)


def test_a_lemma_outside_its_domain_everywhere_does_not_pass():
    reg = Registry()
    c = lemma_claim("lem.empty", "log(x - 2) >= 100", paper="lem", control="x**2 >= 1",
                    domain=lm.box(x=(0, 1)), registry=reg)
    r = run_claim(c, profile="quick", seed=0, overrides=_ONE_SECOND)
    assert r.verdict == "FAIL"
    assert r.check.measured["evaluated"] == 0 and r.check.measured["verdict"] == "UNDECIDED"


def test_a_callable_nan_everywhere_does_not_pass():
    reg = Registry()
    c = lemma_claim("lem.nan", _nan, paper="lem", control="x**2 >= 1", variables=["x"],
                    registry=reg)
    assert run_claim(c, profile="quick", seed=0, overrides=_ONE_SECOND).verdict == "FAIL"


def test_an_unevaluable_control_still_makes_the_claim_vacuous_not_a_pass():
    # the control is false only when refuted: one that cannot be evaluated is not shown
    # false, so the claim cannot pass on it
    reg = Registry()
    c = lemma_claim("lem.ctl", "x**2 >= 0", paper="lem", control=_nan, variables=["x"],
                    registry=reg)
    r = run_claim(c, profile="quick", seed=0, overrides=_ONE_SECOND)
    assert r.verdict != "PASS"
    assert r.control.holds


def test_an_evaluable_true_lemma_still_passes():
    reg = Registry()
    c = lemma_claim("lem.ok", "exp(x) >= 1 + x", paper="lem", control="exp(x) >= 1 + 2*x",
                    registry=reg)
    r = run_claim(c, profile="quick", seed=0, overrides=_ONE_SECOND)
    assert r.verdict == "PASS" and "evaluated" not in r.check.measured
