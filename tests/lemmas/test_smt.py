"""The optional z3 cross-check: its own trust level, models confirmed exactly, clear errors."""

from __future__ import annotations

import builtins
from fractions import Fraction

import pytest

from specproof import lemmas as lm

z3 = pytest.importorskip("z3", reason="z3-solver (the smt extra) is not installed")


def test_unsat_is_decided_by_z3_never_proved():
    v = lm.smt_check("x**2 + y**2 >= 2*x*y")
    assert isinstance(v, lm.DecidedBySolver) and v.holds
    assert v.verdict == "DECIDED BY SOLVER" and v.trust == "decided by z3, not certified"
    assert v.to_dict()["trust"] == "decided by z3, not certified"


def test_a_model_is_confirmed_exactly():
    v = lm.smt_check("x**3 - x >= -0.38", domain=lm.box(x=(0, 1)))
    assert isinstance(v, lm.Refuted) and v.exact and "z3 model" in v.how_found
    x = v.point["x"]
    assert 0 <= x <= 1 and x**3 - x < Fraction(-19, 50)


def test_an_irrational_model_is_never_called_refuted():
    # on the domain x**2 == 2 the only counterexample to x <= 1 is sqrt(2): no rational point
    # lies in the domain, nothing can be confirmed, and z3's word stands alone
    v = lm.smt_check("x <= 1", domain=lm.constraints("x**2 = 2"))
    assert isinstance(v, lm.DecidedBySolver) and not v.holds
    assert abs(float(Fraction(v.model["x"])) - 2**0.5) < 1e-20
    v = lm.smt_check("x**2 = 2")  # an identity with a rational witness x = 0
    assert isinstance(v, lm.Refuted)


def test_non_polynomial_and_missing_z3_errors(monkeypatch):
    with pytest.raises(lm.StatementError, match="needs a polynomial statement"):
        lm.smt_check("sqrt(x) >= 0")
    real_import = builtins.__import__

    def no_z3(name, *args, **kwargs):
        if name == "z3":
            raise ImportError("no z3")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_z3)
    with pytest.raises(lm.MissingExtraError, match=r"pip install 'specproof\[smt\]'"):
        lm.smt_check("x >= 0")
