"""The pion claims pass on the quick profile with their controls failing, and the checks
reject the false variants an adversary would try."""

import numpy as np

import specproof.theory.pion.spectrum as pion
import specproof.theory.pion.spectrum_drift as pion_drift
import specproof.theory.pion.step as pion_step
import specproof.theory.pion.training as pion_training
from specproof.claims import Context

# each pion claim's quick profile passing with its control failing (seed 0) is tested once,
# with its figures, in test_registry's test of every built-in claim


def _ctx(claim_id):
    return Context(seed=0, profile="quick", claim_id=claim_id)


def test_spectrum_check_rejects_a_frozen_weight():
    # a learning rate so small that W does not move keeps its spectrum trivially
    ev = pion.spectrum_exact.check(
        _ctx("pion.spectrum-exact"), m=6, n=4, steps=20, lr=1e-14, tol=1e-12
    )
    assert ev.measured["max_relative_drift"] <= 1e-12 and not ev.holds


def test_spectrum_check_rejects_the_official_e2_at_1e12():
    # E2 is not exactly orthogonal: over many large steps its drift exceeds 1e-12
    ev = pion.spectrum_exact.check(
        _ctx("pion.spectrum-exact"), m=8, n=6, steps=200, lr=0.2, tol=1e-12, optimizer="pion-e2"
    )
    assert not ev.holds and ev.measured["max_relative_drift"] > 1e-10


def test_drift_order_is_two_for_first_order_and_exact_transform_has_no_slope():
    ctx = _ctx("pion.e2-drift-order")
    ev = pion_drift.e2_drift_order.check(
        ctx, m=8, n=5, seeds=2, lrs=[0.05, 0.1, 0.2, 0.4], transform="e1"
    )
    assert abs(ev.measured["slope"] - 2.0) < 0.3 and not ev.holds
    ev = pion_drift.e2_drift_order.check(
        ctx, m=8, n=5, seeds=2, lrs=[0.05, 0.1, 0.2, 0.4], transform="cayley"
    )
    assert ev.measured["max_drift"] < 1e-13 and not ev.holds


def test_e2_defect_residuals_are_exact_zero_and_general_nonzero():
    assert pion._e2_residuals([2], "skew")[0] == 0
    bad, rows = pion._e2_residuals([2], "general")
    assert bad == 2 and rows[0]["residual"] != "0"


def test_descent_rate_formula_is_sensitive_to_the_factor_one_half():
    # the finite difference must separate -1/2 (||G_in||^2 + ||G_out||^2) from -(...)
    rng = np.random.default_rng(0)
    X, Y, W = rng.standard_normal((8, 5)), rng.standard_normal((8, 3)), rng.standard_normal((5, 3))
    f, grad = pion_step._loss_and_grad(X, Y, lam=0.1)
    G = grad(W)
    from specproof.spectral import skew_generators

    G_out, G_in = skew_generators(W, G)
    import scipy.linalg as sla

    h = 1e-5
    fd = (
        f(sla.expm(-h * G_out) @ W @ sla.expm(-h * G_in))
        - f(sla.expm(h * G_out) @ W @ sla.expm(h * G_in))
    ) / (2 * h)
    half = -0.5 * (np.sum(G_in**2) + np.sum(G_out**2))
    assert abs(fd - half) < 1e-6 * abs(half)
    assert abs(fd - 2 * half) > 0.4 * abs(half)


def test_training_control_plateaus():
    # determined sensing: the target's spectrum is off Pion's orbit, so Pion cannot fit
    ctx = _ctx("pion.training")
    ev = pion_training.training.check(
        ctx,
        n=6,
        steps=200,
        lrs={"Pion (E2)": [0.05], "Adam": [0.03], "Muon": [0.03]},
        measurements=3.0,
    )
    assert ev.measured["pion_loss_reduction"] < 1000 and not ev.holds
    assert ev.measured["pion_max_spectrum_drift"] < 1e-3


def test_training_figure_and_spectra_reported():
    ev = pion_training.training.check(
        _ctx("pion.training"),
        n=6,
        steps=300,
        lrs={"Pion (E2)": [0.05], "Adam": [0.03], "Muon": [0.03]},
    )
    s = ev.measured["final_singular_values"]
    np.testing.assert_allclose(s["Pion (E2)"], np.linspace(3.0, 1.0, 6), atol=3e-3)
    assert ev.figure is not None and len(ev.figure.axes) == 2
