"""Claims of Shi et al. (Pion) on one step: its generator, its flow and its size.

- ``pion.skew-momentum``: the preconditioned momentum -m / (sqrt(v) + eps) stays skew,
  and the optimizer's generator and moments equal the formula recomputed in the check
  (control: the optimizer without its second moment, A = -m);
- ``pion.descent-rate``: along the flow, df/deta = -(||G_in||^2 + ||G_out||^2) / 2, and
  one step of the optimizer lowers f at alpha times that rate (control: the
  gradient-descent flow);
- ``pion.update-rms``: the update's RMS is eta c, every step of the optimizer equals the
  formula recomputed in the check (E2 with both moments; expm without them on the first
  step), so a generator of the wrong sign or a wrong alpha fails (control: Adam).

The spectrum claims are in :mod:`specproof.theory.pion.spectrum`.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.linalg as sla
from threadpoolctl import ThreadpoolController

from specproof.claims import claim
from specproof.spectral import Adam, Pion, skew_generators
from specproof.theory.pion import PAPER


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # made once: threadpool_limits() rescans the loaded libraries on every call
    return ThreadpoolController()


def _one_blas_thread():
    """One BLAS thread for these tiny matrices: numpy's and scipy's OpenBLAS pools, used in
    turn (the optimizer, then scipy's expm), spin against each other on a loaded 2-core
    machine (descent-rate took 0.6 s with two threads, 0.02 s with one; same values)."""
    return _blas_controller().limit(limits=1)


# ------------------------------------------------------------------- skew momentum
# The tolerance on the optimizer's generator against the one recomputed here: both form
# -m / (sqrt(v) + eps) from the same EMAs, rounded in a different order (the optimizer forms
# the skew generators tile by tile), so they agree to a few ulps of max |A|.
GENERATOR_TOL = 1e-12


def _generator_reference(W, G, ref, momentum, betas, eps):
    """The generators of one Pion step recomputed from the paper's formula (both sides).

    Parameters
    ----------
    W, G : numpy.ndarray
        The weight before the step and the gradient.
    ref : dict
        The EMAs of the previous steps (``"m_out"``, ``"v_out"``, ... and the ambient
        ``"m"`` of transported momentum; missing: zero); updated in place.
    momentum : {"lie-lie", "transported"}
        EMAs of the skew generators, or the ambient EMA of ``G`` made skew at use.
    betas, eps :
        As in :class:`specproof.spectral.Pion`.

    Returns
    -------
    dict
        ``{side: A}`` with ``A = -m / (sqrt(v) + eps)`` elementwise, ``v`` the EMA of the
        squared skew generators of ``G``.
    """
    b1, b2 = betas
    S = dict(zip(("out", "in"), _generators(W, G), strict=True))
    if momentum == "transported":
        ref["m"] = b1 * ref.get("m", 0.0) + (1.0 - b1) * G
        moment = dict(zip(("out", "in"), _generators(W, ref["m"]), strict=True))
    else:
        for sd in ("out", "in"):
            ref[f"m_{sd}"] = b1 * ref.get(f"m_{sd}", 0.0) + (1.0 - b1) * S[sd]
        moment = {sd: ref[f"m_{sd}"] for sd in ("out", "in")}
    A = {}
    for sd in ("out", "in"):
        ref[f"v_{sd}"] = b2 * ref.get(f"v_{sd}", 0.0) + (1.0 - b2) * S[sd] * S[sd]
        A[sd] = -moment[sd] / (np.sqrt(ref[f"v_{sd}"]) + eps)
    return A


def _relative_error(got, ref) -> float:
    """``max |got - ref| / max |ref|`` (infinite for a missing array or another shape)."""
    if got is None or np.shape(got) != np.shape(ref):
        return float("inf")
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-300))


@claim(
    "pion.skew-momentum",
    paper=PAPER.key,
    kind="numerical",
    statement=r"The preconditioned momentum $A = -m / (\sqrt{v} + \epsilon)$, $m$ and $v$ EMAs "
              r"of the skew-symmetric generators and of their squares, is skew-symmetric at "
              r"every step.",
    labels={
        "max |A + A^T| / max |A|": r"$\max |A + A^\top| / \max |A|$",
        "max_generator_error": r"$\max |A - A_{\mathrm{ref}}| / \max |A_{\mathrm{ref}}|$",
        "A vs formula": r"$\max |A - A_{\mathrm{ref}}| / \max |A_{\mathrm{ref}}|$",
        "moments vs formula": r"$m$, $v$ vs the EMAs recomputed",
    },
    profiles={"quick": dict(m=9, n=6, steps=50), "paper": dict(m=64, n=40, steps=300)},
)
def skew_momentum(ctx, m, n, steps, second_moment=True):
    betas, eps = (0.9, 0.999), 1e-8
    rows, worst, worst_gen, worst_mom = [], 0.0, 0.0, 0.0
    for mode in ("lie-lie", "transported"):
        # the generators formed (never factored), so that the diagnostics report both;
        # the control switches the optimizer's second moment off
        opt = Pion(lr=0.02, betas=betas, eps=eps, momentum=mode, second_moment=second_moment,
                   low_rank="never")
        params = {"W": ctx.rng.standard_normal((m, n))}
        ref: dict = {}
        mode_worst = mode_gen = mode_mom = 0.0
        for _ in range(steps):
            W, G = params["W"].copy(), ctx.rng.standard_normal((m, n))
            opt.step(params, {"W": G})
            d = opt.diagnostics["W"]
            state = opt.state_dict()["state"]["W"]
            # the statement's A, m and v recomputed from W and G alone: a generator that
            # keeps skew-symmetry but is not -m / (sqrt(v) + eps) (no preconditioner, a
            # scalar v) fails here, which the asymmetry below cannot see
            A_ref = _generator_reference(W, G, ref, mode, betas, eps)
            keys = ["m"] if mode == "transported" else ["m_out", "m_in"]
            for key in keys + ["v_out", "v_in"]:
                mode_mom = max(mode_mom, _relative_error(state.get(key), ref[key]))
            for side in ("in", "out"):
                A = d[f"A_{side}"]
                mode_gen = max(mode_gen, _relative_error(A, A_ref[side]))
                err = (float(np.abs(A + A.T).max() / max(np.abs(A).max(), 1e-300))
                       if A is not None else float("inf"))
                mode_worst = max(mode_worst, err)
        rows.append({"momentum": mode, "max |A + A^T| / max |A|": mode_worst,
                     "A vs formula": mode_gen, "moments vs formula": mode_mom})
        worst, worst_gen = max(worst, mode_worst), max(worst_gen, mode_gen)
        worst_mom = max(worst_mom, mode_mom)
    return ctx.evidence(
        holds=worst <= 1e-15 and worst_gen <= GENERATOR_TOL and worst_mom <= GENERATOR_TOL,
        measured={
            "max_relative_asymmetry": worst,
            "max_generator_error": worst_gen,
            "max_moment_error": worst_mom,
            "steps": steps,
            "second_moment": second_moment,
        },
        expected=r"$\max |A + A^\top| / \max |A| \le 10^{-15}$ over every step, both sides, both "
        r"momentum modes (the generators are formed as $X - X^\top$, so exactly 0 is "
        r"expected), and the optimizer's $A$, $m$ and $v$ equal to $-m / (\sqrt{v} + "
        r"\epsilon)$ and the EMAs recomputed in the check from $W$ and $G$ (relative "
        r"$10^{-12}$)",
        table=rows,
        key="max_relative_asymmetry",
    )


@skew_momentum.control
def skew_momentum_without_second_moment(ctx, **params):
    r"""Pion with its second moment switched off, so $A = -m$: still skew-symmetric, but
    not the preconditioned momentum, so the comparison with $-m / (\sqrt{v} + \epsilon)$
    must fail."""
    return skew_momentum.check(ctx, **params, second_moment=False)


# ------------------------------------------------------------------- descent rate
def _loss_and_grad(X, Y, lam):
    def f(W):
        R = X @ W - Y
        return 0.5 * float(np.sum(R * R)) + 0.25 * lam * float(np.sum(W**4))

    def grad(W):
        return X.T @ (X @ W - Y) + lam * W**3

    return f, grad


@claim(
    "pion.descent-rate",
    paper=PAPER.key,
    kind="numerical",
    statement=r"Along the Pion flow $W(\eta) = \exp(-\eta G_{\mathrm{out}})\, W \exp(-\eta "
              r"G_{\mathrm{in}})$, $\mathrm{d}f/\mathrm{d}\eta$ at $\eta = 0$ equals "
              r"$-(\|G_{\mathrm{in}}\|_F^2 + \|G_{\mathrm{out}}\|_F^2)/2$.",
    labels={
        "optimizer rate error": r"Pion step: rate vs $-\alpha(\|G_{\mathrm{in}}\|_F^2 + "
                                r"\|G_{\mathrm{out}}\|_F^2)/2$",
    },
    profiles={
        "quick": dict(m=6, n=4, k=10, trials=5, h=1e-4),
        "paper": dict(m=32, n=20, k=50, trials=20, h=1e-4),
    },
)
def descent_rate(ctx, m, n, k, trials, h, flow="pion"):
    rows, worst, worst_opt = [], 0.0, 0.0
    with _one_blas_thread():
        for i in range(trials):
            X = ctx.rng.standard_normal((k, m)) / np.sqrt(k)
            Y = ctx.rng.standard_normal((k, n))
            W = ctx.rng.standard_normal((m, n))
            f, grad = _loss_and_grad(X, Y, lam=0.1)
            G = grad(W)
            G_out, G_in = skew_generators(W, G)

            def path(e, W=W, G=G, G_out=G_out, G_in=G_in):
                if flow == "pion":
                    return sla.expm(-e * G_out) @ W @ sla.expm(-e * G_in)
                return W - e * G

            # fourth-order central difference: truncation O(h^4), rounding O(eps f / h)
            fd = (-f(path(2 * h)) + 8 * f(path(h)) - 8 * f(path(-h)) + f(path(-2 * h))) / (12 * h)
            predicted = -0.5 * (np.sum(G_in**2) + np.sum(G_out**2))
            rel = abs(fd - predicted) / abs(predicted)
            worst = max(worst, rel)
            rows.append(
                {"trial": i, "finite difference": fd, "formula": predicted, "relative error": rel}
            )
            if flow != "pion":
                continue  # the control tests the difference quotient only, not the optimizer
            # the optimizer itself (its official E2 factor, no momentum or second moment, so
            # A = -G_side and its step is this flow at eta alpha up to O(eta^3)): the loss must
            # fall at alpha times the rate, with the generators and alpha = c sqrt(mn) /
            # (||G_out W + W G_in|| + eps) recomputed here from X - X^T
            S_out, S_in = (Z - Z.T for Z in (G @ W.T, W.T @ G))
            alpha = 0.2 * np.sqrt(W.size) / (np.linalg.norm(S_out @ W + W @ S_in) + 1e-8)
            norm2 = np.sum(S_in**2) + np.sum(S_out**2)
            rate = -0.5 * alpha * norm2
            # flow time eta alpha = 1e-4 / ||S||: the O(eta^2) term Richardson leaves is about
            # 1e-8 relative, rounding eps f / |f(W_+) - f(W)| about 1e-12
            lr = 1e-4 / (alpha * np.sqrt(norm2))

            def opt_loss(eta, W=W, G=G, f=f):
                p = {"W": W.copy()}
                Pion(lr=eta, betas=(0.0, 0.999), second_moment=False).step(
                    p, {"W": G.copy()})
                return f(p["W"])

            # Richardson on (f(W_+) - f(W)) / eta = rate + O(eta): second order from two steps
            f0 = f(W)
            r1, r2 = (opt_loss(lr) - f0) / lr, (opt_loss(2 * lr) - f0) / (2 * lr)
            opt_rel = abs((2 * r1 - r2) - rate) / abs(rate)
            worst_opt = max(worst_opt, opt_rel)
            rows[-1]["optimizer rate error"] = opt_rel
    return ctx.evidence(
        holds=worst <= 1e-6 and worst_opt <= 1e-6,
        measured={"max_relative_error": worst, "flow": flow, "h": h,
                  "max_optimizer_rate_error": worst_opt if flow == "pion" else None},
        expected=r"fourth-order central difference (step $h$) of $f$ along the flow equals "
        r"$-(\|G_{\mathrm{in}}\|_F^2 + \|G_{\mathrm{out}}\|_F^2)/2$ to relative $10^{-6}$, "
        r"and one Pion step (E2, no moments) lowers $f$ at $\alpha$ times that rate "
        r"(Richardson over $\eta$ and $2\eta$) to relative $10^{-6}$",
        table=rows,
        key="max_relative_error",
    )


@descent_rate.control
def descent_rate_gradient_flow(ctx, **params):
    r"""The gradient-descent flow $W - \eta G$, whose rate is $-\|G\|_F^2$, against the same
    formula."""
    return descent_rate.check(ctx, **params, flow="gd")


# ------------------------------------------------------------------- update RMS
def _generators(W, G):
    """``(S_out, S_in)``: the gradient's skew generators ``G W^T - W G^T`` and
    ``W^T G - G^T W``, formed here as ``X - X^T`` (independent of the library)."""
    X_out, X_in = G @ W.T, W.T @ G
    return X_out - X_out.T, X_in - X_in.T


def _reference_step(W, G, moments, k, lr, side, transform="e2", betas=(0.9, 0.999),
                    second_moment=True, eps=1e-8, c=0.2):
    """One Pion step recomputed from the paper's formula, independently of the optimizer.

    Parameters
    ----------
    W, G : numpy.ndarray
        Weight before the step and gradient.
    moments : dict
        ``{side: (m, v)}`` of the previous steps (missing: zero); updated in place.
    k : int
        The step's number, from 1 (under ``"alternate"`` odd steps act on the left).
    lr, side, transform, betas, second_moment, eps, c :
        As in :class:`specproof.spectral.Pion` (``c`` is ``rms``).

    Returns
    -------
    (numpy.ndarray, float)
        ``exp_T(s A_out) W exp_T(s A_in)`` with ``s = lr alpha``, ``alpha = c sqrt(mn) /
        (||A_out W + W A_in||_F + eps)`` over the acting sides, and the RMS of the
        first-order update ``s (A_out W + W A_in)``.
    """
    b1, b2 = betas
    S = dict(zip(("out", "in"), _generators(W, G), strict=True))
    sides = ("out", "in") if side in ("both", "alternate") else (side,)
    A = {}
    for sd in sides:
        m, v = moments.get(sd, (0.0, 0.0))
        m = b1 * m + (1.0 - b1) * S[sd]
        v = b2 * v + (1.0 - b2) * S[sd] * S[sd]
        moments[sd] = (m, v)
        A[sd] = -m / (np.sqrt(v) + eps) if second_moment else -m
    acting = (("out",) if k % 2 == 1 else ("in",)) if side == "alternate" else sides
    D = sum(A["out"] @ W if sd == "out" else W @ A["in"] for sd in acting)
    rms = np.sqrt(W.size)
    s = lr * c * rms / (np.linalg.norm(D) + eps)

    def factor(B):
        if transform == "expm":
            return sla.expm(B)
        return np.eye(len(B)) + B + 0.5 * (B @ B)  # E2, the official truncation

    new = W
    if "out" in acting:
        new = factor(s * A["out"]) @ new
    if "in" in acting:
        new = new @ factor(s * A["in"])
    return new, float(s * np.linalg.norm(D) / rms)


def _step_error(new, ref, before):
    """``||new - ref||_F / ||ref - before||_F``: the optimizer's step against the
    reference, relative to the step itself (a flipped sign gives 2)."""
    return float(np.linalg.norm(new - ref) / np.linalg.norm(ref - before))


@claim(
    "pion.update-rms",
    paper=PAPER.key,
    kind="numerical",
    statement=r"With $\alpha = c\sqrt{mn} / \|A_{\mathrm{out}} W + W A_{\mathrm{in}}\|_F$ the "
              r"update of an $m \times n$ matrix has RMS $\eta c$ ($c = 0.2$): exactly for its "
              r"first-order part, up to $O(\eta)$ for the $E_2$ step.",
    labels={
        "|rms/(eta c) - 1| full step": r"$|\mathrm{RMS}/(\eta c) - 1|$, full step",
        "step vs formula": r"$\|W_+ - W_+^{\mathrm{ref}}\|_F / \|W_+^{\mathrm{ref}} - W\|_F$",
        "first step vs expm": r"first step vs $e^{-s S_{\mathrm{out}}} W e^{-s S_{\mathrm{in}}}$",
    },
    profiles={
        "quick": dict(m=12, n=8, steps=20, lrs=[1e-3, 1e-2]),
        "paper": dict(m=96, n=64, steps=100, lrs=[1e-4, 1e-3, 1e-2]),
    },
)
def update_rms(ctx, m, n, steps, lrs, optimizer="pion"):
    pion = optimizer == "pion"
    rows, worst_first, worst_full, worst_step, worst_expm = [], 0.0, 0.0, 0.0, 0.0
    with _one_blas_thread():
        for side in ("both", "alternate", "in"):
            for lr in lrs:
                opt = Pion(lr=lr, side=side) if pion else Adam(lr=lr)
                params = {"W": ctx.rng.standard_normal((m, n))}
                first, full, step_err, expm_err, moments = 0.0, 0.0, 0.0, 0.0, {}
                for k in range(1, steps + 1):
                    before = params["W"].copy()
                    G = ctx.rng.standard_normal((m, n))
                    if pion:
                        # the step the formula gives, recomputed here (E2, both moments): the
                        # optimizer's own report of its first-order RMS is not evidence
                        ref, first_rms = _reference_step(before, G, moments, k, lr, side)
                    if pion and k == 1:
                        # momentum and second moment off, exact exponential: the first step is
                        # exp(-s S_out) W exp(-s S_in) with S = X - X^T (descent: minus sign)
                        flow = Pion(lr=lr, side=side, transform="expm", betas=(0.0, 0.999),
                                    second_moment=False)
                        p = {"W": before.copy()}
                        flow.step(p, {"W": G.copy()})
                        ref_x, _ = _reference_step(before, G, {}, 1, lr, side, "expm",
                                                   (0.0, 0.999), second_moment=False)
                        expm_err = _step_error(p["W"], ref_x, before)
                    opt.step(params, {"W": G})
                    rms = np.linalg.norm(params["W"] - before) / np.sqrt(m * n)
                    full = max(full, abs(rms / (lr * 0.2) - 1.0))
                    if pion:
                        step_err = max(step_err, _step_error(params["W"], ref, before))
                        first = max(first, abs(first_rms / (lr * 0.2) - 1.0))
                # the E2 terms beyond first order change the RMS by O(eta) at most
                worst_full = max(worst_full, full / lr)
                worst_first = max(worst_first, first)
                worst_step = max(worst_step, step_err)
                worst_expm = max(worst_expm, expm_err)
                rows.append(
                    {
                        "side": side,
                        "eta": lr,
                        "|rms/(eta c) - 1| full step": full,
                        "first-order part": first if pion else "-",
                        "step vs formula": step_err if pion else "-",
                        "first step vs expm": expm_err if pion else "-",
                    }
                )
    return ctx.evidence(
        holds=worst_first <= 1e-6 and worst_full <= 1.0 and worst_step <= 1e-9
        and worst_expm <= 1e-9,
        measured={
            "max_first_order_deviation": worst_first,
            "max_full_step_deviation_over_eta": worst_full,
            "max_step_error": worst_step,
            "max_first_step_expm_error": worst_expm,
            "optimizer": optimizer,
        },
        expected=r"every step equals $E_2(s A_{\mathrm{out}})\, W E_2(s A_{\mathrm{in}})$ "
                 r"recomputed from the formula ($A = -m/(\sqrt{v} + \epsilon)$, $s = \eta\alpha$) "
                 r"to $10^{-9}$ of the step, and the first step without moments "
                 r"$\exp(-s S_{\mathrm{out}})\, W \exp(-s S_{\mathrm{in}})$ (scipy expm) "
                 r"likewise; "
                 r"$|\mathrm{RMS}/(\eta c) - 1| \le 10^{-6}$ for the first-order part "
                 r"($\epsilon$ only) "
        r"and $\le \eta$ for the full step, every step, every side and $\eta$",
        table=rows,
        key="max_full_step_deviation_over_eta",
    )


@update_rms.control
def update_rms_adam(ctx, **params):
    r"""Adam on the same gradients: its update RMS is about $\eta$, not $\eta c$."""
    return update_rms.check(ctx, **params, optimizer="adam")
