"""Pion beside Adam and Muon on a small training problem (paper ``pion``).

Matrix sensing: y_k = <A_k, W*> for K = 3 n^2 Gaussian measurements of an n x n target
W* with singular values spread over [1, 3]; the loss is f(W) = mean_k (<A_k, W> -
y_k)^2 / 2. Training starts from a matrix with the *target's* singular values in random
singular directions, so that the target lies on the start's isospectral orbit, the set
Pion moves on. Each optimizer runs with the best learning rate of a small grid (the
grids are in the profiles).
"""

from __future__ import annotations

import numpy as np

from specproof.claims import claim
from specproof.plotting import figure
from specproof.spectral import Adam, Muon, Pion
from specproof.theory.pion import PAPER

_FACTORIES = {"Pion (E2)": Pion, "Adam": Adam, "Muon": Muon}


def _sensing_problem(rng, n, spectrum_scale):
    def orth():
        return np.linalg.qr(rng.standard_normal((n, n)))[0]

    sigma = np.linspace(3.0, 1.0, n)
    target = orth() @ np.diag(sigma) @ orth().T
    A = rng.standard_normal((3 * n * n, n * n)) / n
    y = A @ target.ravel()
    W0 = orth() @ np.diag(spectrum_scale * sigma) @ orth().T

    def loss_grad(W):
        r = A @ W.ravel() - y
        return 0.5 * float(np.mean(r * r)), (A.T @ r / len(y)).reshape(n, n)

    return W0, sigma, loss_grad


def _train(make, W0, loss_grad, steps, every=5):
    opt = make()
    params = {"W": W0.copy()}
    s0 = np.linalg.svd(W0, compute_uv=False)
    losses, drift = [], 0.0
    for t in range(steps):
        f, g = loss_grad(params["W"])
        losses.append(f)
        opt.step(params, {"W": g})
        if t % every == 0 or t == steps - 1:
            s = np.linalg.svd(params["W"], compute_uv=False)
            drift = max(drift, float(np.abs(s - s0).max() / s0[0]))
    losses.append(loss_grad(params["W"])[0])
    return np.array(losses), drift, np.linalg.svd(params["W"], compute_uv=False)


@claim(
    "pion.training",
    paper=PAPER.key,
    kind="statistical",
    statement="Pion trains while keeping each weight matrix's spectrum: on matrix sensing "
    "started from the target's singular values, Pion (E2) lowers the loss at least 100-fold "
    "with every singular value within 1e-3 (relative) of its start, while the singular "
    "values of Adam and Muon move by more than 1e-2 on the way.",
    profiles={
        "quick": dict(n=8, steps=300, lrs={"Pion (E2)": [0.05], "Adam": [0.03], "Muon": [0.03]}),
        "paper": dict(
            n=16,
            steps=1000,
            lrs={
                "Pion (E2)": [0.02, 0.05, 0.1],
                "Adam": [0.003, 0.01, 0.03],
                "Muon": [0.01, 0.03, 0.1],
            },
        ),
    },
)
def training(ctx, n, steps, lrs, spectrum_scale=1.0):
    W0, sigma, loss_grad = _sensing_problem(ctx.rng, n, spectrum_scale)
    runs, rows = {}, []
    for name, grid in lrs.items():
        best = None
        for lr in grid:
            make = _FACTORIES[name]
            losses, drift, s_final = _train(
                lambda lr=lr, make=make: make(lr=lr), W0, loss_grad, steps
            )
            rows.append(
                {
                    "optimizer": name,
                    "lr": lr,
                    "initial loss": losses[0],
                    "final loss": losses[-1],
                    "reduction": losses[0] / losses[-1],
                    "max spectrum drift": drift,
                }
            )
            if best is None or losses[-1] < best[0][-1]:
                best = (losses, drift, s_final, lr)
        runs[name] = best
    pion_losses, pion_drift = runs["Pion (E2)"][0], runs["Pion (E2)"][1]
    reduction = float(pion_losses[0] / pion_losses[-1])
    other_drift = {k: runs[k][1] for k in ("Adam", "Muon")}
    holds = reduction >= 100 and pion_drift <= 1e-3 and min(other_drift.values()) > 1e-2

    fig, (ax1, ax2) = figure(width="page", aspect=0.8, ncols=2)
    for name, (losses, _, s_final, lr) in runs.items():
        ax1.semilogy(losses, label=f"{name}, $\\eta$ = {lr:g}")
        ax2.plot(np.arange(1, n + 1), s_final, "o-", label=name, alpha=0.8)
    ax2.plot(np.arange(1, n + 1), spectrum_scale * sigma, "k--", label="initial", lw=0.8)
    if spectrum_scale != 1.0:
        ax2.plot(np.arange(1, n + 1), sigma, "k:", label="target", lw=0.8)
    ax1.set_xlabel(r"step $t$")
    ax1.set_ylabel(r"loss $f(W_t)$")
    ax1.legend(frameon=False, loc="lower left")
    ax2.set_xlabel(r"index $i$")
    ax2.set_ylabel(r"final singular value $\sigma_i(W_T)$")
    ax2.legend(frameon=False, loc="upper right")
    return ctx.evidence(
        holds=holds,
        measured={
            "pion_loss_reduction": reduction,
            "pion_max_spectrum_drift": pion_drift,
            "adam_max_spectrum_drift": other_drift["Adam"],
            "muon_max_spectrum_drift": other_drift["Muon"],
            "final_loss": {k: float(v[0][-1]) for k, v in runs.items()},
            "best_lr": {k: v[3] for k, v in runs.items()},
            "spectrum_scale": spectrum_scale,
        },
        expected="Pion: loss reduction >= 100 and max relative spectrum drift <= 1e-3; "
        "Adam and Muon: max relative spectrum drift > 1e-2",
        table=rows,
        figure=fig,
        key="pion_loss_reduction",
    )


@training.control
def training_wrong_spectrum(ctx, **params):
    """The start has twice the target's singular values: Pion keeps them and cannot fit."""
    return training.check(ctx, **params, spectrum_scale=2.0)
