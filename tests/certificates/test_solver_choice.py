"""solver="auto": the choice, its measured-model estimate and its reason; explicit solvers."""

from __future__ import annotations

import numpy as np
import pytest

from specproof.certificates import conic
from specproof.certificates.conic import SolverError
from specproof.certificates.solver_choice import (
    AUTO_IP_MAX_SECONDS,
    choose_solver,
    estimate,
)
from specproof.certificates.sos import solve_sos


def test_estimates_are_the_documented_models():
    e = estimate(210)
    T = 210 * 211 // 2
    assert e.clarabel_bytes == 64 * T * T            # 29.3 GiB: the d = 20 refusal
    assert e.clarabel_seconds == pytest.approx(4e-8 * T**2.5)
    assert e.scs_seconds == pytest.approx(1e-7 * 210**3)
    assert e.scs_bytes == 3000 * T


@pytest.mark.parametrize(("N", "expected"), [(3, "clarabel"), (21, "clarabel"),
                                             (36, "clarabel"), (45, "scs"), (78, "scs"),
                                             (210, "scs"), (820, "scs")])
def test_auto_takes_interior_point_only_where_cheap(N, expected):
    c = choose_solver(N, "auto", memory=64 * 2**30)
    assert c.solver == expected and c.requested == "auto"
    assert (estimate(N).clarabel_seconds <= AUTO_IP_MAX_SECONDS) == (expected == "clarabel")
    assert f"N = {N}" in c.reason
    assert c.to_dict()["estimate"]["N"] == N


def test_auto_avoids_clarabel_when_memory_is_short():
    # N = 21 is cheap in time but 64 T^2 = 3.4 MB does not fit in a quarter of 4 MB
    assert choose_solver(21, "auto", memory=4 * 2**20).solver == "scs"
    assert choose_solver(21, "auto", memory=2**30).solver == "clarabel"


@pytest.mark.parametrize("solver", ["clarabel", "scs", "mosek"])
def test_explicit_solver_is_always_honoured(solver):
    c = choose_solver(820, solver, memory=1)
    assert c.solver == solver and c.reason == "requested explicitly"


def test_solve_sos_records_the_choice_and_both_solvers_agree():
    X = np.random.default_rng(3).standard_normal((15, 5))
    auto = solve_sos(X, 4)                       # N = 15: Clarabel
    scs = solve_sos(X, 4, solver="scs")
    assert auto.solver == "clarabel" and auto.choice["requested"] == "auto"
    assert scs.choice == {**scs.choice, "solver": "scs", "reason": "requested explicitly"}
    assert scs.value == pytest.approx(auto.value, rel=1e-6)
    X9 = np.random.default_rng(3).standard_normal((27, 9))   # N = 45: beyond Clarabel's 1 s
    r = solve_sos(X9, 4)
    assert r.solver == "scs" and "first order (SCS) at N = 45" in r.choice["reason"]


def test_clarabel_refusal_names_measured_alternatives(monkeypatch):
    monkeypatch.setattr(conic, "available_memory", lambda: 2**30)
    with pytest.raises(SolverError) as e:
        conic.check_clarabel_memory(210)
    msg = str(e.value)
    assert "about 29.3 GiB" in msg and "1.0 GiB are available" in msg
    assert "solver='auto' or 'scs' (first order: about 0.93 s" in msg
    assert isinstance(e.value, MemoryError) and e.value.status == "not-started"


def test_mosek_without_licence_is_an_error_not_a_switch(monkeypatch):
    monkeypatch.setattr(conic, "mosek_available", lambda: (False, "no licence (simulated)"))
    with pytest.raises(SolverError, match="never switches solvers silently") as e:
        solve_sos(np.eye(3), 4, solver="mosek")
    assert e.value.solver == "mosek"
