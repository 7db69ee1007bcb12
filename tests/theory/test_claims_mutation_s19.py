"""Mutation tests for pion.training, zhu-dag.ntk-change and group-appendix.hom-dimension
(the s19 mutation probe).

Each test patches one plausibly wrong variant of the library in where the claim (or the
library code it runs) looks it up, and asserts that the verdict is FAIL. Every one of
these variants used to PASS: the fit and spectrum conditions of pion.training hold for any
reasonable optimizer, a slope cannot see a constant factor or a slower descent, and three
computations of a Hom dimension that agree can still share one wrong input. The tests also
assert which pin caught the variant, and that the rest of the check still held, so that a
change making it fail for an unrelated reason does not hide a weaker pin.

Variants found equivalent (no observable wrong answer, so no test): ``hom_dimension`` with
``chi_2(g)`` in place of ``chi_2(g^-1)``, or the other factor conjugated (the characters of
real representations are real and ``chi(g^-1) = chi(g)``); ``intertwiners`` ignoring
``method="reynolds"`` (it returns the same canonical basis of the same space).
"""

from __future__ import annotations

import dataclasses
import importlib

import matplotlib.pyplot as plt
import numpy as np
import pytest

import specproof.theory.group_appendix.equivariance as ga_equivariance
import specproof.theory.pion.training as pion_training
from specproof.claims import Context, run_claim
from specproof.dag_nets import MEASURES
from specproof.dag_nets.maps import MapsMixin
from specproof.groups import Representation
from specproof.spectral import Adam, Muon, Pion
from specproof.theory import get_claim
from specproof.theory.zhu_dag.reference import GRAD_TOL, NTK_TOL

adam_module = importlib.import_module("specproof.spectral.optimizers.adam")
muon_module = importlib.import_module("specproof.spectral.optimizers.muon")
dag_measures = importlib.import_module("specproof.dag_nets.measures")
dag_ntk = importlib.import_module("specproof.dag_nets.ntk")
dag_training = importlib.import_module("specproof.dag_nets.training")


def _run(claim_id):
    return run_claim(claim_id, profile="quick", seed=0)


def _check(claim_id):
    """The quick check alone, seed 0, as run_claim runs it (0.5 s for pion.training and
    zhu-dag.ntk-change, against 1.5-2.5 s for run_claim, which also runs the control and
    finishes both figures). A check that does not hold is a FAIL whatever the control
    does; the ``*_verdict_is_fail`` tests go through run_claim once per claim."""
    c = get_claim(claim_id)
    evidence = c.check(Context(seed=0, profile="quick", claim_id=c.id), **c.profiles["quick"])
    plt.close(evidence.figure)  # the runner closes its figures; this runs without it
    return evidence


# --- pion.training ----------------------------------------------------------------------


def _factory(monkeypatch, name, make):
    monkeypatch.setitem(pion_training._FACTORIES, name, make)


def _adam_without_bias_correction(monkeypatch):
    def update(p, g, m, v, t, lr, betas, eps, weight_decay, decoupled):
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        return p - lr * m / (np.sqrt(v) + eps), m, v

    monkeypatch.setattr(adam_module, "adam_update", update)


def _muon_without_newton_schulz(monkeypatch):
    # the momentum only normalised, not orthogonalised
    monkeypatch.setattr(muon_module, "newton_schulz5",
                        lambda u, *a, **k: u / (np.linalg.norm(u) + 1e-7))


def _muon_exact_polar(monkeypatch):
    # U V^T by SVD instead of Muon's five quintic steps (singular values 0.7...1.2)
    def polar(u, *a, **k):
        U, _, Vt = np.linalg.svd(u, full_matrices=False)
        return U @ Vt

    monkeypatch.setattr(muon_module, "newton_schulz5", polar)


_PION_MUTANTS = {
    # a step that skips the Adam-style preconditioner (A = -m)
    "pion-no-second-moment": lambda mp: _factory(
        mp, "Pion (E2)", lambda lr: Pion(lr=lr, second_moment=False)),
    # exactly orthogonal factors: no drift at all, and 1.6e-6 away after 5 steps
    "pion-cayley-not-e2": lambda mp: _factory(
        mp, "Pion (E2)", lambda lr: Pion(lr=lr, transform="cayley")),
    "pion-alternating-sides": lambda mp: _factory(
        mp, "Pion (E2)", lambda lr: Pion(lr=lr, side="alternate")),
    # alpha normalising the first-order move to half the target RMS
    "pion-half-rms": lambda mp: _factory(mp, "Pion (E2)", lambda lr: Pion(lr=lr, rms=0.1)),
    "pion-transported-momentum": lambda mp: _factory(
        mp, "Pion (E2)", lambda lr: Pion(lr=lr, momentum="transported")),
    "muon-no-newton-schulz": _muon_without_newton_schulz,
    "muon-exact-polar": _muon_exact_polar,
    "muon-no-nesterov": lambda mp: _factory(mp, "Muon",
                                            lambda lr: Muon(lr=lr, nesterov=False)),
    "muon-no-momentum": lambda mp: _factory(mp, "Muon", lambda lr: Muon(lr=lr, momentum=0.0)),
    "adam-no-bias-correction": _adam_without_bias_correction,
    # an Adam that does not use the learning rate it is given
    "adam-third-of-lr": lambda mp: _factory(mp, "Adam", lambda lr: Adam(lr=lr / 3)),
}


@pytest.mark.parametrize("mutant", list(_PION_MUTANTS), ids=list(_PION_MUTANTS))
def test_pion_training_fails_with_another_optimizer(monkeypatch, mutant):
    _PION_MUTANTS[mutant](monkeypatch)
    ev = _check("pion.training")
    assert not ev.holds
    m = ev.measured
    # every other part of the check still holds: only the reference pin sees the change
    assert m["pion_loss_reduction"] >= pion_training.FIT_FACTOR
    assert m["pion_max_spectrum_drift"] <= 1e-3
    assert min(m["adam_loss_reduction"], m["muon_loss_reduction"]) >= pion_training.FIT_FACTOR
    assert min(m["adam_final_spectrum_change"], m["muon_final_spectrum_change"]) > 0.1
    wrong = {"pion": "Pion (E2)", "muon": "Muon", "adam": "Adam"}[mutant.split("-")[0]]
    errors = m["max_reference_error"]
    assert errors[wrong] > 1e-7
    assert all(e <= pion_training.REFERENCE_TOL for k, e in errors.items() if k != wrong)


def test_pion_training_verdict_is_fail_with_cayley_factors(monkeypatch):
    # the closest of the variants: 1.6e-6 from the reference, and no drift at all
    _PION_MUTANTS["pion-cayley-not-e2"](monkeypatch)
    r = _run("pion.training")
    assert r.verdict == "FAIL"
    assert 1e-7 < r.check.measured["max_reference_error"]["Pion (E2)"] < 1e-5
    assert r.check.measured["pion_max_spectrum_drift"] < 1e-12


def test_pion_training_references_agree_with_the_library_to_rounding():
    errors = _check("pion.training").measured["max_reference_error"]
    assert max(errors.values()) <= 1e-14


# --- zhu-dag.ntk-change -----------------------------------------------------------------

_NTK_CHANGE = MEASURES["ntk-change"]


def doubled_ntk_change(config, seed):
    """The ntk-change measurement reporting twice the change (module level: the sweep
    keys its cache by the measurement's name and refuses a closure)."""
    out = _NTK_CHANGE(config, seed)
    return {**out, "value": 2.0 * out["value"]}


def _ntk_biased(monkeypatch):
    """Every empirical NTK 5 % too large (the relative change cannot see it; the step
    1 / lambda_max shrinks by 1/1.05)."""
    original = dag_ntk.ntk
    monkeypatch.setattr(dag_ntk, "ntk", lambda *a, **k: 1.05 * original(*a, **k))


def _train_with(monkeypatch, change):
    original = dag_measures.train
    monkeypatch.setattr(dag_measures, "train",
                        lambda net, X, Y, **k: original(net, X, Y, **change(k)))


def _lr_third(monkeypatch):
    _train_with(monkeypatch, lambda k: {**k, "lr": k["lr"] / 3})


def _tenth_of_the_steps(monkeypatch):
    # K_T taken early: the change measured at the wrong point of the run
    _train_with(monkeypatch, lambda k: {**k, "steps": k["steps"] // 10,
                                        "record_every": k["steps"] // 10})


def _relative_to_final_kernel(monkeypatch):
    """||K_T - K_0|| / ||K_T|| instead of / ||K_0||."""
    original = dag_measures.train

    def train(net, X, Y, **k):
        run = original(net, X, Y, **k)
        last = run.records[-1]
        ratio = float(np.linalg.norm(run.kernel0) / np.linalg.norm(run.kernel))
        last = dataclasses.replace(last, ntk_change=last.ntk_change * ratio)
        return dataclasses.replace(run, records=run.records[:-1] + (last,))

    monkeypatch.setattr(dag_measures, "train", train)


def _spectral_norm(monkeypatch):
    """||K_T - K_0||_2 / ||K_0||_F: the change in the wrong norm."""
    original = dag_training._norm
    monkeypatch.setattr(dag_training, "_norm", lambda v: float(np.linalg.norm(v, 2))
                        if np.ndim(v) == 2 else original(v))


def _gradient_scaled(monkeypatch, factor):
    original = MapsMixin.loss_and_grad

    def loss_and_grad(self, X, Y, params=None):
        loss, g = original(self, X, Y, params)
        f = factor(np.shape(X)[0])
        return f * loss, f * g

    monkeypatch.setattr(MapsMixin, "loss_and_grad", loss_and_grad)


_NTK_MUTANTS = {
    # name: (mutate, the pin that catches it)
    "ntk-times-1.05": (_ntk_biased, "fd_ntk_error"),
    "lr-a-third": (_lr_third, "fd_lr_error"),
    "tenth-of-the-steps": (_tenth_of_the_steps, "fd_value_error"),
    "value-times-2": (lambda mp: mp.setitem(MEASURES, "ntk-change", doubled_ntk_change),
                      "fd_value_error"),
    "relative-to-final-kernel": (_relative_to_final_kernel, "fd_value_error"),
    "spectral-norm": (_spectral_norm, "fd_value_error"),
    # descent on the mean loss: the same step then moves 1/n as far
    "mean-loss-gradient": (lambda mp: _gradient_scaled(mp, lambda n: 1.0 / n),
                           "fd_grad_error"),
    "gradient-10-percent-short": (lambda mp: _gradient_scaled(mp, lambda n: 0.9),
                                  "fd_grad_error"),
}


@pytest.mark.parametrize("mutant", list(_NTK_MUTANTS), ids=list(_NTK_MUTANTS))
def test_ntk_change_fails_when_the_change_is_measured_wrong(monkeypatch, mutant):
    mutate, pin = _NTK_MUTANTS[mutant]
    mutate(monkeypatch)
    ev = _check("zhu-dag.ntk-change")
    assert not ev.holds
    m = ev.measured
    assert m["worst_slope"] < -0.35  # the weakness: the slope alone still passed
    tol = GRAD_TOL if pin == "fd_grad_error" else NTK_TOL
    assert m[pin] > 1e4 * tol


def test_ntk_change_verdict_is_fail_with_a_biased_kernel(monkeypatch):
    _ntk_biased(monkeypatch)
    r = _run("zhu-dag.ntk-change")
    assert r.verdict == "FAIL"
    m = r.check.measured
    assert m["fd_ntk_error"] == pytest.approx(0.05, rel=1e-6)
    assert m["fd_lr_error"] == pytest.approx(1 - 1 / 1.05, rel=1e-6)


def test_ntk_change_pins_far_inside_their_tolerances():
    m = _check("zhu-dag.ntk-change").measured
    assert m["fd_width"] == 10
    assert m["fd_grad_error"] <= GRAD_TOL / 100
    for key in ("fd_ntk_error", "fd_lr_error", "fd_value_error"):
        assert m[key] <= NTK_TOL / 100


# --- group-appendix.hom-dimension -------------------------------------------------------

_irreps = ga_equivariance.irreps


def _irreps_without_last(G):
    irs = _irreps(G)
    return irs[:-1] if len(irs) > 1 else irs


def _irreps_one_dimensional_only(G):
    return [p for p in _irreps(G) if p.dim == 1]


def _irreps_with_a_copy(G):
    """The last one-dimensional irrep replaced by a second trivial one."""
    irs = list(_irreps(G))
    ones = [k for k, p in enumerate(irs) if p.dim == 1]
    if len(ones) > 1:
        irs[ones[-1]] = irs[0]
    return irs


_HOM_MUTANTS = {
    "irreps-missing-the-last": lambda mp: mp.setattr(ga_equivariance, "irreps",
                                                     _irreps_without_last),
    "irreps-one-dimensional-only": lambda mp: mp.setattr(ga_equivariance, "irreps",
                                                         _irreps_one_dimensional_only),
    "irreps-with-a-copy": lambda mp: mp.setattr(ga_equivariance, "irreps",
                                                _irreps_with_a_copy),
    "direct-sum-drops-summands": lambda mp: mp.setattr(ga_equivariance, "direct_sum",
                                                       lambda *reps, **k: reps[0]),
    "change-of-basis-does-nothing": lambda mp: mp.setattr(
        Representation, "change_of_basis", lambda self, P, name=None: self),
    "residual-always-zero": lambda mp: mp.setattr(ga_equivariance, "intertwiner_residual",
                                                  lambda *a: 0.0),
    "subspace-gap-always-zero": lambda mp: mp.setattr(ga_equivariance, "subspace_gap",
                                                      lambda *a: 0.0),
}


def _caught(mutant, m):
    """Whether the pin meant for ``mutant`` is what fails."""
    if mutant.startswith("irreps-missing") or mutant == "irreps-one-dimensional-only":
        return len(m["incomplete_irreps"]) > 0 and m["schur_mismatches"] == 0
    if mutant == "irreps-with-a-copy":
        return m["schur_mismatches"] > 0 and m["incomplete_irreps"] == []
    if mutant == "direct-sum-drops-summands":
        return m["schur_mismatches"] > 0 and m["max_construction_error"] == np.inf
    if mutant == "change-of-basis-does-nothing":
        return m["max_construction_error"] > 1.0 and m["schur_mismatches"] == 0
    if mutant == "residual-always-zero":
        return m["instrument_pins"] == {"residual": 0.0, "gap": 1.0}
    return m["instrument_pins"]["gap"] == 0.0 and m["instrument_pins"]["residual"] > 1.99


@pytest.mark.parametrize("mutant", list(_HOM_MUTANTS), ids=list(_HOM_MUTANTS))
def test_hom_dimension_fails_when_its_inputs_or_instruments_are_wrong(monkeypatch, mutant):
    _HOM_MUTANTS[mutant](monkeypatch)
    r = _run("group-appendix.hom-dimension")
    assert r.verdict == "FAIL"
    m = r.check.measured
    # characters, nullspace and Reynolds range still agree with each other everywhere
    assert m["mismatches"] == 0
    assert _caught(mutant, m), m


def test_hom_dimension_pins_hold_exactly_when_unmutated():
    m = _run("group-appendix.hom-dimension").check.measured
    assert m["schur_mismatches"] == 0 and m["incomplete_irreps"] == []
    assert m["max_construction_error"] <= 1e-12
    assert m["instrument_pins"]["residual"] == pytest.approx(2.0, abs=1e-14)
    assert m["instrument_pins"]["gap"] == pytest.approx(1.0, abs=1e-14)
