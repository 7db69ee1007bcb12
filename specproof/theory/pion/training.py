"""Pion beside Adam and Muon on a small training problem (paper ``pion``).

Matrix sensing: y_k = <A_k, W*> for K Gaussian measurements of an n x n target W*
(Gaussian, entries of variance 4/n); the loss is f(W) = mean_k (<A_k, W> - y_k)^2 / 2.
Training starts from a matrix with singular values 3 ... 1 (evenly spaced) in random
singular directions. With K = n^2/2 measurements the problem is underdetermined: the
solutions form an affine space that meets the start's isospectral orbit (the set Pion
moves on), so every optimizer can fit, each ending with its own spectrum. With K = 3 n^2
the only solution is W*, whose spectrum differs from the start's: Pion cannot reach it
(the control). Each optimizer runs with the best learning rate of a small grid.
"""

from __future__ import annotations

import math

import numpy as np

from specproof.claims import claim
from specproof.plotting import figure, place_legend
from specproof.spectral import Adam, Muon, Pion
from specproof.theory.pion import PAPER

_FACTORIES = {"Pion (E2)": Pion, "Adam": Adam, "Muon": Muon}

# "fits": initial loss / mean loss over the last tenth of the run at least FIT_FACTOR, the
# same criterion for Pion and for the "also fit" of Adam and Muon. Measured on the quick
# profile, seeds 0..5: Pion 2.8e3 ... 2.1e4, Muon (which oscillates around a floor near
# 5e-5) 5.0e3 ... 1.6e4, Adam above 1e14.
FIT_FACTOR = 1000

# The fit and spectrum conditions cannot tell Pion (E2) from Pion with another factor
# (Cayley), another side schedule or no second moment, nor Muon without its Newton-Schulz
# step or momentum, nor Adam without bias correction: every such optimizer still fits, and
# only the spectrum-preserving ones keep the spectrum. So each optimizer's first
# REFERENCE_STEPS iterates on the claim's problem are pinned to an implementation of its
# published update written out below (numpy only, nothing from specproof.spectral).
# Five steps: at step 1 Nesterov and plain momentum, and lie-lie and transported momenta,
# give the same update; from step 2 on they differ. Measured (quick, seeds 0..5): the library
# is within 6e-16 of the references; at seed 0 those variants are 1.6e-6 (Cayley), 1.3e-3
# (Muon without Nesterov) ... 0.6 (Adam without bias correction) away.
REFERENCE_STEPS = 5
REFERENCE_TOL = 1e-10

#: The published hyperparameters the claim runs with (the library's defaults): Pion's
#: target RMS c, betas and eps; Adam's betas and eps; Muon's momentum, Newton-Schulz
#: coefficients and normalisation eps.
PION_RMS, PION_BETAS, PION_EPS = 0.2, (0.9, 0.999), 1e-8
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
MUON_MOMENTUM, MUON_NS, MUON_NS_EPS = 0.95, (3.4445, -4.7750, 2.0315), 1e-7


def _sensing_problem(rng, n, measurements):
    def orth():
        return np.linalg.qr(rng.standard_normal((n, n)))[0]

    sigma = np.linspace(3.0, 1.0, n)
    target = 2.0 * rng.standard_normal((n, n)) / np.sqrt(n)
    A = rng.standard_normal((max(1, int(measurements * n * n)), n * n)) / n
    y = A @ target.ravel()
    W0 = orth() @ np.diag(sigma) @ orth().T

    def loss_grad(W):
        r = A @ W.ravel() - y
        return 0.5 * float(np.mean(r * r)), (A.T @ r / len(y)).reshape(n, n)

    return W0, sigma, np.linalg.svd(target, compute_uv=False), loss_grad


def _reference_pion(W, grad, lr, steps):
    """Pion (E2, both sides, lie-lie momentum, second moment) from its formula.

    ``G_out = G W^T - W G^T``, ``G_in = W^T G - G^T W``; per side ``m <- b1 m + (1 - b1)
    G_side``, ``v <- b2 v + (1 - b2) G_side^2``, ``A = -m / (sqrt(v) + eps)`` (no bias
    correction); ``alpha = c sqrt(d_out d_in) / (||A_out W + W A_in||_F + eps)`` and
    ``W <- E2(s A_out) W E2(s A_in)`` with ``s = lr alpha``, ``E2(B) = I + B + B^2 / 2``.
    """
    b1, b2 = PION_BETAS
    m = {"out": 0.0, "in": 0.0}
    v = {"out": 0.0, "in": 0.0}
    for _ in range(steps):
        G = grad(W)
        A = {}
        for side, X in (("out", G @ W.T - W @ G.T), ("in", W.T @ G - G.T @ W)):
            m[side] = b1 * m[side] + (1 - b1) * X
            v[side] = b2 * v[side] + (1 - b2) * X * X
            A[side] = -m[side] / (np.sqrt(v[side]) + PION_EPS)
        D = A["out"] @ W + W @ A["in"]
        s = lr * PION_RMS * math.sqrt(W.size) / (np.linalg.norm(D) + PION_EPS)
        W = _e2(s * A["out"]) @ W @ _e2(s * A["in"])
    return W


def _e2(B):
    """Pion's truncated exponential ``I + B + B^2 / 2``."""
    return np.eye(len(B)) + B + 0.5 * (B @ B)


def _reference_adam(W, grad, lr, steps):
    """Adam with bias correction: ``W <- W - lr m_hat / (sqrt(v_hat) + eps)``."""
    b1, b2 = ADAM_BETAS
    m = v = 0.0
    for t in range(1, steps + 1):
        G = grad(W)
        m = b1 * m + (1 - b1) * G
        v = b2 * v + (1 - b2) * G * G
        W = W - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + ADAM_EPS)
    return W


def _reference_muon(W, grad, lr, steps):
    """Muon (Keller Jordan's reference): Nesterov momentum ``b <- mu b + (1 - mu) G``,
    ``u = (1 - mu) G + mu b``, five quintic Newton-Schulz steps on ``u / (||u||_F +
    1e-7)`` and ``W <- W - lr max(1, rows / cols)^(1/2) O``."""
    mu, (a, b, c) = MUON_MOMENTUM, MUON_NS
    buf = 0.0
    for _ in range(steps):
        G = grad(W)
        buf = mu * buf + (1 - mu) * G
        u = (1 - mu) * G + mu * buf
        tall = u.shape[0] > u.shape[1]
        X = (u.T if tall else u) / (np.linalg.norm(u) + MUON_NS_EPS)
        for _ in range(5):
            S = X @ X.T
            X = a * X + (b * S + c * S @ S) @ X
        W = W - lr * max(1.0, W.shape[0] / W.shape[1]) ** 0.5 * (X.T if tall else X)
    return W


_REFERENCES = {"Pion (E2)": _reference_pion, "Adam": _reference_adam, "Muon": _reference_muon}


def _reference_error(name, lr, W0, loss_grad):
    """Relative Frobenius distance of the library optimizer's iterate after
    :data:`REFERENCE_STEPS` steps from the reference implementation's."""
    opt = _FACTORIES[name](lr=lr)
    params = {"W": W0.copy()}
    for _ in range(REFERENCE_STEPS):
        opt.step(params, {"W": loss_grad(params["W"])[1]})
    ref = _REFERENCES[name](W0.copy(), lambda W: loss_grad(W)[1], lr, REFERENCE_STEPS)
    return float(np.linalg.norm(params["W"] - ref) / np.linalg.norm(ref))


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
    statement=r"Pion trains while keeping each weight matrix's spectrum: on underdetermined "
              r"matrix sensing ($n^2/2$ measurements of an $n \times n$ matrix) Pion ($E_2$) "
              r"lowers the loss at least 1000-fold (mean over the last tenth of the run) and "
              r"ends with its initial singular values (relative drift $\le 10^{-3}$), while "
              r"Adam and Muon also fit (loss lowered at least 1000-fold in the same sense) "
              r"but end with singular values that differ from the initial ones by more than "
              r"0.1 (relative to the largest). Each optimizer is the published one: its "
              r"first 5 iterates match an independent implementation of its update rule "
              r"(Pion: $E_2$ factors on both sides, Adam-style preconditioned skew momenta, "
              r"RMS-normalised step; Adam with bias correction; Muon with Nesterov momentum "
              r"and 5 quintic Newton-Schulz steps) to $10^{-10}$.",
    profiles={
        "quick": dict(n=8, steps=400, lrs={"Pion (E2)": [0.05], "Adam": [0.03], "Muon": [0.03]}),
        "paper": dict(
            n=16,
            steps=1000,
            lrs={
                "Pion (E2)": [0.01, 0.02, 0.05],
                "Adam": [0.003, 0.01, 0.03],
                "Muon": [0.01, 0.03, 0.1],
            },
        ),
    },
)
def training(ctx, n, steps, lrs, measurements=0.5):
    W0, sigma, target_sigma, loss_grad = _sensing_problem(ctx.rng, n, measurements)
    runs, rows, worst_ref = {}, [], {}
    for name, grid in lrs.items():
        best = None
        for lr in grid:
            make = _FACTORIES[name]
            losses, drift, s_final = _train(
                lambda lr=lr, make=make: make(lr=lr), W0, loss_grad, steps
            )
            change = float(np.abs(s_final - sigma).max() / sigma[0])
            ref_err = _reference_error(name, lr, W0, loss_grad)
            worst_ref[name] = max(worst_ref.get(name, 0.0), ref_err)
            # normalised-step optimizers oscillate around a floor: judge the mean of the
            # last tenth of the run, not one lucky or unlucky final step
            tail = float(np.mean(losses[-max(1, steps // 10) :]))
            rows.append(
                {
                    "optimizer": name,
                    "lr": lr,
                    "initial loss": losses[0],
                    "final loss": losses[-1],
                    "mean loss, last 10%": tail,
                    "reduction": losses[0] / tail,
                    "max spectrum drift": drift,
                    "final spectrum change": change,
                    "distance from reference": ref_err,
                }
            )
            if best is None or tail < best[5]:
                best = (losses, drift, s_final, lr, change, tail)
        runs[name] = best
    pion_drift = runs["Pion (E2)"][1]
    # initial loss over the mean of the last tenth, for each optimizer's best run
    fit = {k: float(v[0][0] / v[5]) if v[5] > 0 else math.inf for k, v in runs.items()}
    reduction = fit["Pion (E2)"]
    change = {k: runs[k][4] for k in ("Adam", "Muon")}
    # Adam and Muon must fit as well as change their spectra: a baseline that did not move
    # far enough to fit would make "ends elsewhere" say nothing about where fitting leads
    others_fit = min(fit["Adam"], fit["Muon"])
    # and each optimizer is the one named, by its first steps (see REFERENCE_STEPS)
    holds = (reduction >= FIT_FACTOR and pion_drift <= 1e-3 and min(change.values()) > 0.1
             and others_fit >= FIT_FACTOR and max(worst_ref.values()) <= REFERENCE_TOL)

    # stacked in one column: side by side at column width each panel would print at half size
    fig, (ax1, ax2) = figure(aspect=0.62, nrows=2)
    idx = np.arange(1, n + 1)
    for name, (losses, _, s_final, lr, _, _) in runs.items():
        ax1.semilogy(losses, label=f"{name}, $\\eta$ = {lr:g}")
        ax2.plot(idx, s_final, "o-", label=name, alpha=0.8)
    ax2.plot(idx, sigma, "k--", label="initial", lw=0.8)
    ax2.plot(idx, target_sigma, "k:", label="target $W^*$", lw=0.8)
    ax1.set_xlabel(r"step $t$")
    ax1.set_ylabel(r"loss $f(W_t)$")
    place_legend(ax1)
    ax2.set_xlabel(r"index $i$")
    ax2.set_ylabel(r"final singular value $\sigma_i(W_T)$")
    place_legend(ax2)
    return ctx.evidence(
        holds=holds,
        measured={
            "pion_loss_reduction": reduction,
            "adam_loss_reduction": fit["Adam"],
            "muon_loss_reduction": fit["Muon"],
            "pion_max_spectrum_drift": pion_drift,
            "adam_final_spectrum_change": change["Adam"],
            "muon_final_spectrum_change": change["Muon"],
            "tail_mean_loss": {k: v[5] for k, v in runs.items()},
            "best_lr": {k: v[3] for k, v in runs.items()},
            "final_singular_values": {k: v[2].tolist() for k, v in runs.items()},
            "measurements_per_entry": measurements,
            "reference_steps": REFERENCE_STEPS,
            "max_reference_error": worst_ref,
        },
        expected=r"Pion: initial loss / mean loss over the last 10% of steps $\ge$ "
        f"{FIT_FACTOR:g} and max relative spectrum drift $\\le 10^{{-3}}$; "
        f"Adam and Muon: the same loss ratio $\\ge$ {FIT_FACTOR:g} and final "
        r"$\max_i |\sigma_i - \sigma_i(W_0)| / \sigma_1(W_0) > 0.1$; and each optimizer's "
        f"iterate after {REFERENCE_STEPS} steps (every learning rate of the grid) within "
        f"{REFERENCE_TOL:g} (relative, Frobenius) of an independent implementation of its "
        "published update",
        table=rows,
        figure=fig,
        key="pion_loss_reduction",
    )


@training.control
def training_determined(ctx, **params):
    r"""$3n^2$ measurements: the only solution is $W^\star$, whose spectrum differs from the
    start's, so Pion, keeping its spectrum, cannot fit."""
    return training.check(ctx, **params, measurements=3.0)
