"""``pion.e2-drift-order``: the per-step drift of Pion's official E2 step is O(eta^4), with
the leading term that ``E2^T E2 = I + B^4/4`` predicts (control: the first-order
truncation E1, O(eta^2)). Registered after the claims of
:mod:`specproof.theory.pion.spectrum` (modules load in name order)."""

from __future__ import annotations

import numpy as np

from specproof.claims import claim
from specproof.plotting import figure, loglog_fit
from specproof.spectral import Pion
from specproof.theory.pion import PAPER
from specproof.theory.pion.spectrum import _sv

# The tolerance on the per-step drift against its leading term B^4/8 (below): measured within
# 5e-5 on the quick profile (seeds 0-5), rounding at the smallest eta (drifts near 1e-10)
# and the O(B^4) relative remainder at the largest. A factor that drifts at the same order
# with another coefficient (I + B + B^2/2 + B^3/6 drifts by -B^4/12), a step of another
# size than the one reported, or a step whose norm is put back, is off by a fraction of 1.
PREDICTION_TOL = 1e-3


def _e2_drift_prediction(W: np.ndarray, diagnostics: dict) -> np.ndarray:
    r"""The change of each singular value of ``W`` under one E2 step, to leading order.

    For skew ``B``, ``E = E2(B)`` commutes with ``E^T`` and ``E^T E = I + B^4/4``
    (``pion.e2-defect``), so ``E = Q P`` with ``Q`` orthogonal and ``P = (I + B^4/4)^{1/2}
    = I + B^4/8 + O(B^8)`` commuting with it. The step ``E_out W E_in`` therefore has the
    singular values of ``P_out W P_in``, and first-order perturbation theory gives
    ``Delta sigma_k = sigma_k (u_k^T B_out^4 u_k + v_k^T B_in^4 v_k) / 8 + O(B^8)``
    (``u_k``, ``v_k`` the singular vectors of ``W``, ``B = s A`` with the generators and
    step the optimizer reports). Written out from the SVD of ``W`` in plain numpy, not
    from the factor.

    Parameters
    ----------
    W : numpy.ndarray
        The weight before the step.
    diagnostics : dict
        The optimizer's report of the step (``A_out``, ``A_in``, ``step_size``).

    Returns
    -------
    numpy.ndarray
        The predicted ``sigma_k(W_new) - sigma_k(W)``, in decreasing order of ``sigma_k``;
        NaN where a generator is not reported.
    """
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    A_out, A_in, s = diagnostics.get("A_out"), diagnostics.get("A_in"), diagnostics["step_size"]
    if A_out is None or A_in is None:
        return np.full_like(S, np.nan)
    B4_out = np.linalg.matrix_power(s * A_out, 4)
    B4_in = np.linalg.matrix_power(s * A_in, 4)
    quad = np.einsum("ik,ij,jk->k", U, B4_out, U) + np.einsum("ki,ij,kj->k", Vt, B4_in, Vt)
    return S * quad / 8.0


def _step_drifts(W, gradients, lr, transform):
    """Per-step drifts of a fresh Pion run from ``W``, and their errors against the
    leading term :func:`_e2_drift_prediction`.

    Parameters
    ----------
    W : numpy.ndarray
        The initial weight.
    gradients : list of numpy.ndarray
        One gradient per step.
    lr : float
        Pion's learning rate.
    transform : str
        Pion's factor (``"e2"``; ``"e1"`` for the control).

    Returns
    -------
    drifts : list of float
        ``max_k |Delta sigma_k| / sigma_1`` of each step.
    errors : list of float
        ``max_k |Delta sigma_k - predicted_k| / max_k |predicted_k|`` of each step
        (infinite where that is not a finite number, e.g. no generator reported).
    """
    opt = Pion(lr=lr, transform=transform)
    params = {"W": W.copy()}
    drifts, errors = [], []
    for G in gradients:
        before = params["W"].copy()
        opt.step(params, {"W": G})
        s_before = _sv(before)
        change = _sv(params["W"]) - s_before
        drifts.append(float(np.abs(change).max() / s_before[0]))
        predicted = _e2_drift_prediction(before, opt.diagnostics["W"])
        scale = float(np.abs(predicted).max())
        error = float(np.abs(change - predicted).max() / scale) if scale > 0 else np.inf
        # NaN as infinite: max() would skip it
        errors.append(error if np.isfinite(error) else float("inf"))
    return drifts, errors


@claim(
    "pion.e2-drift-order",
    paper=PAPER.key,
    kind="statistical",
    statement=r"With the truncated exponential $E_2$ the singular values drift by $O(\eta^4)$ "
              r"per step, to leading order $\Delta\sigma_k = \sigma_k (u_k^\top B_{\mathrm{out}}^4 "
              r"u_k + v_k^\top B_{\mathrm{in}}^4 v_k)/8$ with $B = \eta\alpha A$ (first-order "
              r"truncations drift by $O(\eta^2)$).",
    labels={
        "slope": r"slope $\hat\alpha$",
        "interval": r"95% interval of $\hat\alpha$",
        "max_prediction_error": r"max $|\Delta\sigma - \Delta\sigma_{B^4/8}| / "
                                r"\max |\Delta\sigma_{B^4/8}|$",
    },
    profiles={
        "quick": dict(m=10, n=7, seeds=3, lrs=[0.05, 0.08, 0.13, 0.2, 0.32, 0.5], steps=3),
        "paper": dict(m=48, n=32, seeds=8, lrs=list(np.geomspace(0.03, 0.5, 10)), steps=3),
    },
)
def e2_drift_order(ctx, m, n, seeds, lrs, steps=3, transform="e2"):
    xs, ys, worst, table = [], [], 0.0, []
    for k in range(seeds):
        W = ctx.rng.standard_normal((m, n))
        # several steps per run, not only the first: the statement is per step, and the
        # later steps have moments (a step that is E2 only at the start shows there)
        gradients = [ctx.rng.standard_normal((m, n)) for _ in range(steps)]
        for lr in lrs:
            drifts, errors = _step_drifts(W, gradients, lr, transform)
            xs.extend([lr] * steps)
            ys.extend(drifts)
            worst = max(worst, *errors)
            if k == 0:
                table.extend({"eta": float(lr), "step": t + 1, "drift": d,
                              "vs B^4/8 prediction": e}
                             for t, (d, e) in enumerate(zip(drifts, errors)))
    fig, ax = figure()
    # the reference is the order the statement gives E2: O(eta^4)
    fit = loglog_fit(ax, xs, ys, label=transform, xlabel=r"learning rate $\eta$",
                     ylabel=r"per-step drift $\max_i |\Delta\sigma_i| / \sigma_1$",
                     reference_slope=4, reference_label=r"slope 4 ($O(\eta^4)$, E2)")
    return ctx.evidence(
        # the slope alone passes any factor drifting at order 4 (I + B + B^2/2 + B^3/6,
        # E2 with half the step): the drift is also held to its leading term
        holds=fit.within(3.7, 4.3) and worst <= PREDICTION_TOL,
        measured={
            "slope": fit.slope,
            "interval": [fit.low, fit.high],
            "max_prediction_error": worst,
            "transform": transform,
            "min_drift": min(ys),
            "max_drift": max(ys),
        },
        expected=r"fitted log-log slope of the per-step drift against $\eta$ in $[3.7, 4.3]$ "
        f"({steps} steps per run), and every step's $\\Delta\\sigma$ within {PREDICTION_TOL:g} "
        r"(relative) of $\sigma_k (u_k^\top B_{\mathrm{out}}^4 u_k + v_k^\top "
        r"B_{\mathrm{in}}^4 v_k)/8$, from the SVD of $W$ and the generators and step the "
        r"optimizer reports",
        table=table,
        figure=fig,
        key="slope",
    )


@e2_drift_order.control
def e2_drift_order_first_order(ctx, **params):
    r"""The first-order truncation $E_1 = I + \eta\alpha A$: its drift is $O(\eta^2)$."""
    return e2_drift_order.check(ctx, **params, transform="e1")
