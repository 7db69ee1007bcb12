"""Claims of Shi et al. (Pion) on one step: its generator, its flow and its size.

- ``pion.skew-momentum``: the preconditioned momentum -m / (sqrt(v) + eps) stays skew
  (control: a row-wise second moment);
- ``pion.descent-rate``: along the flow, df/deta = -(||G_in||^2 + ||G_out||^2) / 2
  (control: the gradient-descent flow);
- ``pion.update-rms``: the update's RMS is eta c (control: Adam).

The spectrum claims are in :mod:`specproof.theory.pion.spectrum`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from specproof.claims import claim
from specproof.spectral import Adam, Pion, skew_generators
from specproof.theory.pion import PAPER


# ------------------------------------------------------------------- skew momentum
@claim(
    "pion.skew-momentum",
    paper=PAPER.key,
    kind="numerical",
    statement=r"The preconditioned momentum $A = -m / (\sqrt{v} + \epsilon)$, $m$ and $v$ EMAs "
              r"of the skew-symmetric generators and of their squares, is skew-symmetric at "
              r"every step.",
    labels={
        "max |A + A^T| / max |A|": r"$\max |A + A^\top| / \max |A|$",
    },
    profiles={"quick": dict(m=9, n=6, steps=50), "paper": dict(m=64, n=40, steps=300)},
)
def skew_momentum(ctx, m, n, steps, preconditioner="elementwise"):
    rows, worst = [], 0.0
    for mode in ("lie-lie", "transported"):
        opt = Pion(lr=0.02, momentum=mode)
        params = {"W": ctx.rng.standard_normal((m, n))}
        mode_worst = 0.0
        for _ in range(steps):
            opt.step(params, {"W": ctx.rng.standard_normal((m, n))})
            d = opt.diagnostics["W"]
            for side in ("in", "out"):
                A = d[f"A_{side}"]
                if preconditioner == "row":
                    # Adafactor-like variant: one scale per row of the second moment
                    st = opt.state_dict()["state"]["W"]
                    mom = -A * (np.sqrt(st[f"v_{side}"]) + opt.eps)
                    A = -mom / (np.sqrt(st[f"v_{side}"].mean(axis=1, keepdims=True)) + opt.eps)
                err = float(np.abs(A + A.T).max() / max(np.abs(A).max(), 1e-300))
                mode_worst = max(mode_worst, err)
        rows.append({"momentum": mode, "max |A + A^T| / max |A|": mode_worst})
        worst = max(worst, mode_worst)
    return ctx.evidence(
        holds=worst <= 1e-15,
        measured={
            "max_relative_asymmetry": worst,
            "steps": steps,
            "preconditioner": preconditioner,
        },
        expected=r"$\max |A + A^\top| / \max |A| \le 10^{-15}$ over every step, both sides, both "
        r"momentum modes (the generators are formed as $X - X^\top$, so exactly 0 is expected)",
        table=rows,
        key="max_relative_asymmetry",
    )


@skew_momentum.control
def skew_momentum_rowwise(ctx, **params):
    """A row-wise (Adafactor-like) second moment: one scale per row breaks skew-symmetry."""
    return skew_momentum.check(ctx, **params, preconditioner="row")


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
    profiles={
        "quick": dict(m=6, n=4, k=10, trials=5, h=1e-4),
        "paper": dict(m=32, n=20, k=50, trials=20, h=1e-4),
    },
)
def descent_rate(ctx, m, n, k, trials, h, flow="pion"):
    rows, worst = [], 0.0
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
    return ctx.evidence(
        holds=worst <= 1e-6,
        measured={"max_relative_error": worst, "flow": flow, "h": h},
        expected=r"fourth-order central difference (step $h$) of $f$ along the flow equals "
        r"$-(\|G_{\mathrm{in}}\|_F^2 + \|G_{\mathrm{out}}\|_F^2)/2$ to relative $10^{-6}$",
        table=rows,
        key="max_relative_error",
    )


@descent_rate.control
def descent_rate_gradient_flow(ctx, **params):
    r"""The gradient-descent flow $W - \eta G$, whose rate is $-\|G\|_F^2$, against the same
    formula."""
    return descent_rate.check(ctx, **params, flow="gd")


# ------------------------------------------------------------------- update RMS
@claim(
    "pion.update-rms",
    paper=PAPER.key,
    kind="numerical",
    statement=r"With $\alpha = c\sqrt{mn} / \|A_{\mathrm{out}} W + W A_{\mathrm{in}}\|_F$ the "
              r"update of an $m \times n$ matrix has RMS $\eta c$ ($c = 0.2$): exactly for its "
              r"first-order part, up to $O(\eta)$ for the $E_2$ step.",
    labels={
        "|rms/(eta c) - 1| full step": r"$|\mathrm{RMS}/(\eta c) - 1|$, full step",
    },
    profiles={
        "quick": dict(m=12, n=8, steps=20, lrs=[1e-3, 1e-2]),
        "paper": dict(m=96, n=64, steps=100, lrs=[1e-4, 1e-3, 1e-2]),
    },
)
def update_rms(ctx, m, n, steps, lrs, optimizer="pion"):
    rows, worst_first, worst_full = [], 0.0, 0.0
    for side in ("both", "alternate", "in"):
        for lr in lrs:
            opt = Pion(lr=lr, side=side) if optimizer == "pion" else Adam(lr=lr)
            params = {"W": ctx.rng.standard_normal((m, n))}
            first, full = 0.0, 0.0
            for _ in range(steps):
                before = params["W"].copy()
                opt.step(params, {"W": ctx.rng.standard_normal((m, n))})
                rms = np.linalg.norm(params["W"] - before) / np.sqrt(m * n)
                full = max(full, abs(rms / (lr * 0.2) - 1.0))
                if optimizer == "pion":
                    first = max(
                        first, abs(opt.diagnostics["W"]["first_order_rms"] / (lr * 0.2) - 1.0)
                    )
            # the E2 terms beyond first order change the RMS by O(eta) at most
            worst_full = max(worst_full, full / lr)
            worst_first = max(worst_first, first)
            rows.append(
                {
                    "side": side,
                    "eta": lr,
                    "|rms/(eta c) - 1| full step": full,
                    "first-order part": first if optimizer == "pion" else "-",
                }
            )
    return ctx.evidence(
        holds=worst_first <= 1e-6 and worst_full <= 1.0,
        measured={
            "max_first_order_deviation": worst_first,
            "max_full_step_deviation_over_eta": worst_full,
            "optimizer": optimizer,
        },
        expected=r"$|\mathrm{RMS}/(\eta c) - 1| \le 10^{-6}$ for the first-order part "
                 r"($\epsilon$ only) "
        r"and $\le \eta$ for the full step, every step, every side and $\eta$",
        table=rows,
        key="max_full_step_deviation_over_eta",
    )


@update_rms.control
def update_rms_adam(ctx, **params):
    r"""Adam on the same gradients: its update RMS is about $\eta$, not $\eta c$."""
    return update_rms.check(ctx, **params, optimizer="adam")
