"""Mutation tests for pion.spectrum-exact, pion.e2-drift-order and lin-sn-gan.homogeneity
(the s19b mutation probe).

Each test patches one plausibly wrong variant of the library in where the claim (or the
library code it runs) looks it up, and asserts that the verdict is FAIL. Every one of
these variants used to PASS: a drift of the singular values cannot see a factor that keeps
them but is not the exponential (Cayley, ``exp(-sA)``, one side skipped, a step whose
singular values are put back); a fitted slope cannot see a factor that drifts at order 4
with another coefficient, or a step that is E2 only at first; and the homogeneity check
was a proof about its own sympy definitions, so no change to the library's activations
or layers could reach it. The tests also assert which pin caught the variant, and that
the rest of the check still held, so that a change making it fail for an unrelated reason
does not hide a weaker pin.

Variants found equivalent (no observable wrong answer, so no test): the exponential as
its Taylor series cut at degree 6 or 8 (at the check's rotations, at most 0.035 rad, the
next term is below 1e-15: step error 3e-16, as the exact factor's); the in-side E2 factor
transposed, ``E2(-B)`` for ``E2(B)`` (the same ``E^T E = I + B^4/4``, so the same drift;
``pion.update-rms`` fails on it, step error 2.0); a leaky ReLU built with another slope
that it also reports (homogeneous for every slope, and equal to the definition with that
slope).
"""

from __future__ import annotations

import importlib

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.linalg as sla

from specproof.claims import Context, run_claim
from specproof.theory import get_claim
from specproof.theory.lin_sn_gan import LIBRARY_TOL
from specproof.theory.pion.spectrum_drift import PREDICTION_TOL

pion_update = importlib.import_module("specproof.spectral.optimizers.pion_update")
pion_module = importlib.import_module("specproof.spectral.optimizers.pion")
activations = importlib.import_module("specproof.dag_nets.activations")
discriminator = importlib.import_module("specproof.dag_nets.discriminator")


def _check(claim_id):
    """The quick check alone, seed 0, as run_claim runs it (without the control and the
    figures' finishing); the ``*_verdict_is_fail`` tests go through run_claim once per
    claim."""
    c = get_claim(claim_id)
    evidence = c.check(Context(seed=0, profile="quick", claim_id=c.id), **c.profiles["quick"])
    if evidence.figure is not None:
        plt.close(evidence.figure)  # the runner closes its figures; this runs without it
    return evidence


# --- the library variants ----------------------------------------------------------------


def _e2(B):
    return np.eye(len(B)) + B + 0.5 * (B @ B)


def _e3(B):
    """The exponential's series cut after B^3/6: E3^T E3 - I = -B^4/12, also order 4."""
    return _e2(B) + (B @ B @ B) / 6.0


def _cayley(B):
    I = np.eye(len(B))
    return np.linalg.solve(I - 0.5 * B, I + 0.5 * B)


def _replace_factor(monkeypatch, transform, factor, scale=1.0):
    """Pion's factor for ``transform`` computed as ``factor(scale * s * A)``, both sides."""
    dense, dense_right = pion_update.apply_dense, pion_update.apply_dense_right

    def left(A, s, X, tr, AX=None, **kwargs):
        if tr == transform:
            return factor(scale * s * A) @ X
        return dense(A, s, X, tr, AX, **kwargs)

    def right(X, A, s, tr, XA=None, **kwargs):
        if tr == transform:
            return X @ factor(scale * s * A)
        return dense_right(X, A, s, tr, XA, **kwargs)

    monkeypatch.setattr(pion_update, "apply_dense", left)
    monkeypatch.setattr(pion_update, "apply_dense_right", right)
    # the even/odd route of expm's out side would bypass apply_dense
    monkeypatch.setattr(pion_update, "squared_out_side", lambda *a, **k: None)


def _skip_in_factor(monkeypatch, transform):
    """The in-side (right) factor of ``transform`` never applied."""
    dense_right = pion_update.apply_dense_right

    def right(X, A, s, tr, XA=None, **kwargs):
        if tr == transform:
            return X.copy()
        return dense_right(X, A, s, tr, XA, **kwargs)

    monkeypatch.setattr(pion_update, "apply_dense_right", right)


def _wrap_update(monkeypatch, hyper=None, post=None):
    """Pion's step with its hyperparameters changed (``hyper(h, state)``), or its new
    weight changed (``post(W, new_W)``)."""
    original = pion_module.pion_update

    def update(W, G, state, h, inplace, **kwargs):
        new_W, new, diagnostics = original(W, G, state, hyper(h, state) if hyper else h,
                                           inplace, **kwargs)
        return (post(W, new_W) if post else new_W), new, diagnostics

    monkeypatch.setattr(pion_module, "pion_update", update)


def _restore_spectrum(W, new_W):
    """The new weight's singular values put back to the old ones."""
    U, _, Vt = np.linalg.svd(new_W, full_matrices=False)
    return (U * np.linalg.svd(W, compute_uv=False)) @ Vt


def _restore_norm(W, new_W):
    """The new weight scaled back to the old Frobenius norm."""
    return new_W * (np.linalg.norm(W) / np.linalg.norm(new_W))


def _from_second_step(transform):
    """A hyperparameter change: the transform asked for at the first step, ``transform``
    (E2's drift-order run only) after it."""
    def hyper(h, state):
        if state["step"] == 0 or h["transform"] != "e2":
            return h
        return {**h, "transform": transform}
    return hyper


# --- pion.spectrum-exact ---------------------------------------------------------------

_SPECTRUM_MUTANTS = {
    # exactly orthogonal, 3e-7 of ||W|| from expm per step
    "expm-as-cayley": lambda mp: _replace_factor(mp, "expm", _cayley),
    # rotates the other way: orthogonal too
    "expm-of-minus-sA": lambda mp: _replace_factor(mp, "expm", lambda B: sla.expm(-B)),
    # the official E2, with the singular values put back after each step
    "e2-then-spectrum-restored": lambda mp: _wrap_update(
        mp, hyper=lambda h, st: {**h, "transform": "e2"}, post=_restore_spectrum),
    "in-side-factor-skipped": lambda mp: _skip_in_factor(mp, "expm"),
    # side="both" ignored: one side per step
    "sides-alternate": lambda mp: _wrap_update(mp, hyper=lambda h, st: {**h,
                                                                        "side": "alternate"}),
}


@pytest.mark.parametrize("mutant", list(_SPECTRUM_MUTANTS), ids=list(_SPECTRUM_MUTANTS))
def test_spectrum_exact_fails_on_a_step_that_is_not_the_exponential(monkeypatch, mutant):
    _SPECTRUM_MUTANTS[mutant](monkeypatch)
    ev = _check("pion.spectrum-exact")
    assert not ev.holds
    m = ev.measured
    # the spectrum is kept and W moves: only the step pin sees the variant
    assert m["max_relative_drift"] <= 1e-12 and m["relative_move"] > 0.1
    assert m["max_exp_step_error"] > 1e-7


def test_spectrum_exact_verdict_is_fail_with_cayley_factors(monkeypatch):
    _SPECTRUM_MUTANTS["expm-as-cayley"](monkeypatch)
    r = run_claim("pion.spectrum-exact", profile="quick", seed=0)
    assert r.verdict == "FAIL" and not r.control.holds
    assert 1e-7 < r.check.measured["max_exp_step_error"] < 1e-6
    assert r.check.measured["max_relative_drift"] < 1e-13


# --- pion.e2-drift-order -----------------------------------------------------------------

_DRIFT_MUTANTS = {
    # E3^T E3 - I = -B^4/12: slope 4, a third of the drift and of the other sign
    "e2-as-e3": lambda mp: _replace_factor(mp, "e2", _e3),
    # E2 of another step than the one reported: 1/16 and 16 times the drift
    "e2-at-half-the-step": lambda mp: _replace_factor(mp, "e2", _e2, scale=0.5),
    "e2-at-twice-the-step": lambda mp: _replace_factor(mp, "e2", _e2, scale=2.0),
    # the first step only is the one the check used to measure
    "e3-after-the-first-step": lambda mp: (_replace_factor(mp, "e3", _e3),
                                           _wrap_update(mp, hyper=_from_second_step("e3"))),
    "e2-norm-restored": lambda mp: _wrap_update(mp, post=_restore_norm),
    "e2-in-side-factor-skipped": lambda mp: _skip_in_factor(mp, "e2"),
}


@pytest.mark.parametrize("mutant", list(_DRIFT_MUTANTS), ids=list(_DRIFT_MUTANTS))
def test_e2_drift_order_fails_on_a_drift_of_order_four_with_another_coefficient(
        monkeypatch, mutant):
    _DRIFT_MUTANTS[mutant](monkeypatch)
    ev = _check("pion.e2-drift-order")
    assert not ev.holds
    m = ev.measured
    # the slope alone still passes: only the leading-term pin sees the variant
    assert 3.7 <= m["slope"] <= 4.3
    assert m["max_prediction_error"] > 100 * PREDICTION_TOL


def test_e2_drift_order_fails_on_a_step_that_is_e2_only_at_first(monkeypatch):
    # E1 from the second step on: the one-step check saw E2 only (slope 4.000); the steps
    # after the first now drift at O(eta^2), far from the B^4/8 term
    _replace_factor(monkeypatch, "e1-later", lambda B: np.eye(len(B)) + B)
    _wrap_update(monkeypatch, hyper=_from_second_step("e1-later"))
    m = _check("pion.e2-drift-order").measured
    assert m["slope"] < 3.0 and m["max_prediction_error"] > 1e3


def test_e2_drift_order_verdict_is_fail_with_e3(monkeypatch):
    _DRIFT_MUTANTS["e2-as-e3"](monkeypatch)
    r = run_claim("pion.e2-drift-order", profile="quick", seed=0)
    assert r.verdict == "FAIL" and not r.control.holds
    assert abs(r.check.measured["max_prediction_error"] - 4 / 3) < 1e-3  # -1/12 against 1/4


# --- lin-sn-gan.homogeneity ----------------------------------------------------------------


def _relu_computing(monkeypatch, f):
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", activations.Activation(
        "relu", f, lambda z: (z > 0).astype(z.dtype), np.zeros_like, smooth=False))


def _leaky_computing(monkeypatch, f):
    monkeypatch.setattr(activations, "_leaky", f)


def _spectrally_normalised_layers(monkeypatch):
    """The discriminator dividing each weight by its spectral norm: D_{cw} = D_w."""
    original = discriminator.MLPDiscriminator._compile
    monkeypatch.setattr(discriminator.MLPDiscriminator, "_compile", lambda self, ws, bs: original(
        self, tuple(w / np.linalg.norm(w, 2) for w in ws), bs))


# name: (mutation, caught by the value pin, caught by the homogeneity pin)
_HOMOGENEITY_MUTANTS = {
    # homogeneous, but with PyTorch's default slope 0.01 instead of the net's 0.2
    "leaky-slope-0.01": (lambda mp: _leaky_computing(
        mp, lambda z, slope: np.where(z > 0, z, 0.01 * z)), True, False),
    "leaky-ignores-the-given-slope": (lambda mp: mp.setattr(
        discriminator, "leaky_relu", lambda slope=0.2: activations.leaky_relu(0.01)),
        True, False),
    # homogeneous, and positive where it should be negative
    "leaky-of-abs": (lambda mp: _leaky_computing(
        mp, lambda z, slope: np.where(z > 0, z, slope * np.abs(z))), True, False),
    "leaky-max-with-slope": (lambda mp: _leaky_computing(
        mp, lambda z, slope: np.maximum(z, slope)), True, True),
    "relu-as-abs": (lambda mp: _relu_computing(mp, np.abs), True, False),
    "relu-floor-1e-6": (lambda mp: _relu_computing(mp, lambda z: np.maximum(z, 1e-6)),
                        True, True),
    "relu-smoothed": (lambda mp: _relu_computing(
        mp, lambda z: np.logaddexp(0.0, 100.0 * z) / 100.0), True, True),
    # homogeneous of degree 2: a(cz) = c a(z) only at c = 1
    "relu-squared": (lambda mp: _relu_computing(mp, lambda z: np.maximum(z, 0.0) ** 2),
                     True, True),
    "layers-spectrally-normalised": (_spectrally_normalised_layers, False, True),
}


@pytest.mark.parametrize("mutant", list(_HOMOGENEITY_MUTANTS), ids=list(_HOMOGENEITY_MUTANTS))
def test_homogeneity_fails_on_a_library_that_computes_something_else(monkeypatch, mutant):
    mutate, by_value, by_homogeneity = _HOMOGENEITY_MUTANTS[mutant]
    mutate(monkeypatch)
    ev = _check("lin-sn-gan.homogeneity")
    assert not ev.holds
    m = ev.measured
    assert m["nonzero_residuals"] == 0  # the proof about the definitions still holds
    assert (m["library_value_error"] > LIBRARY_TOL) == by_value
    assert (m["library_homogeneity_error"] > LIBRARY_TOL) == by_homogeneity


def test_homogeneity_verdict_is_fail_with_a_wrong_leaky_slope(monkeypatch):
    _HOMOGENEITY_MUTANTS["leaky-slope-0.01"][0](monkeypatch)
    r = run_claim("lin-sn-gan.homogeneity", profile="quick", seed=0)
    assert r.verdict == "FAIL" and not r.control.holds
    assert r.check.measured["library_value_error"] > 0.1


# --- the unmutated library -----------------------------------------------------------------


def test_the_pins_are_at_rounding_on_the_library():
    assert _check("pion.spectrum-exact").measured["max_exp_step_error"] < 1e-15
    assert _check("pion.e2-drift-order").measured["max_prediction_error"] < 1e-4
    m = _check("lin-sn-gan.homogeneity").measured
    assert m["library_value_error"] == 0.0 and m["library_homogeneity_error"] < 1e-14
