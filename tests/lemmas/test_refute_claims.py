"""A lemma in tests (assert helpers) and as a claim (evidence carries witness or certificate)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from specproof.claims import Registry, lemma_claim, run_claim
from specproof.testing import LemmaFailed, assert_no_counterexample, assert_proved


def test_assert_no_counterexample_fails_with_the_exact_witness():
    with pytest.raises(LemmaFailed, match=r"Refuted\(x\*\*3 - x >= -0.38 fails at x = ") as exc:
        assert_no_counterexample("x**3 - x >= -0.38", domain=None, budget=5)
    x = exc.value.verdict.point["x"]
    assert isinstance(x, Fraction) and x**3 - x < Fraction(-19, 50)
    ok = assert_no_counterexample("x**2 + 1 >= 2*x", budget=0.3)
    assert ok.verdict == "UNDECIDED" and ok.tightest is not None


def test_assert_proved():
    assert assert_proved("x**2 + y**2 >= 2*x*y").verdict == "PROVED"
    with pytest.raises(LemmaFailed, match="not proved"):
        assert_proved("x**2 + y**2 >= 3*x*y", max_power=0)


def test_a_proved_lemma_claim_passes_and_carries_its_certificate():
    reg = Registry()
    c = lemma_claim("notes.amgm", "x**2 + y**2 >= 2*x*y", paper="notes",
                    control="x**2 + y**2 >= 3*x*y", registry=reg)
    assert c.kind == "exact" and c.statement.startswith("$") and c.statement.endswith("$")
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == "PASS"
    assert r.check.measured["verdict"] == "PROVED"
    assert r.control.measured["verdict"] == "REFUTED"
    assert r.control.measured["counterexample"]  # the witness is in the evidence
    assert "x^{2}" in r.control_description


def test_a_false_lemma_claim_fails_with_the_counterexample_in_the_evidence():
    reg = Registry()
    c = lemma_claim("notes.cubic", "x**3 - x >= -0.38", paper="notes", control="x >= 1",
                    registry=reg)
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == "FAIL"
    assert r.check.measured["verdict"] == "REFUTED"
    x = Fraction(r.check.measured["counterexample"]["x"])
    assert x**3 - x < Fraction(-19, 50)


def test_a_non_polynomial_lemma_is_a_numerical_claim():
    reg = Registry()
    c = lemma_claim("notes.root", "sqrt(x**2 + 1) >= x", paper="notes",
                    control="sqrt(x**2 + 1) >= x + 1", registry=reg,
                    profiles={"quick": {"budget": 0.5}, "paper": {"budget": 5}})
    assert c.kind == "numerical"
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == "PASS" and r.check.measured["verdict"] == "UNDECIDED"
