"""Power-iteration claim of Lin, Sekar, Fanti (NeurIPS 2021), paper key ``lin-sn-gan``.

(The paper's metadata lives in :mod:`specproof.theory.lin_sn_gan`.)

- ``lin-sn-gan.power-iteration-converges``: torch's power iteration with a persistent
  ``u`` converges to the exact sigma, with torch's counts (16 iterations at registration,
  one per training step) checked against a numpy power iteration from the same start.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from specproof.claims import claim
from specproof.plotting import figure, place_legend
from specproof.spectral import PowerIterationSN
from specproof.theory.lin_sn_gan_normalization import PAPER_KEY

# torch's counts: 15 power iterations in _SpectralNorm's constructor, then the one of the
# training forward that register_parametrization runs, and one per training step after
REGISTRATION_ITERATIONS = 16
# how far the library's u, v and sigma may lie from the reference iteration run in the
# check with the same counts (rounding only: measured below 1e-13 on the quick shapes)
COUNT_TOL = 1e-10


def _reference_iterations(W: np.ndarray, u: np.ndarray, v: np.ndarray,
                          k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` steps of torch's ``u <- Wv / ||Wv||``, ``v <- W^T u / ||W^T u||``, in plain
    numpy (no library code), so the library's iteration counts can be checked against
    them."""
    for _ in range(k):
        u = W @ v
        u = u / np.linalg.norm(u)
        v = W.T @ u
        v = v / np.linalg.norm(v)
    return u, v


def _vector_gap(sn: PowerIterationSN, u: np.ndarray, v: np.ndarray) -> float:
    """Largest entry difference between the library's persistent vectors and ``u, v``."""
    return float(max(np.abs(sn.u - u).max(), np.abs(sn.v - v).max()))


@claim(
    "lin-sn-gan.power-iteration-converges",
    paper=PAPER_KEY,
    kind="numerical",
    statement=r"SN's power iteration with a persistent $u$ (torch: 16 iterations at "
              r"registration, then one per training step) converges to the exact $\sigma$ of "
              r"the reshaped weight.",
    labels={
        "sigma_1": r"$\sigma_1$",
        "sigma_2 / sigma_1": r"$\sigma_2/\sigma_1$",
    },
    profiles={
        "quick": {"shapes": [[16, 72], [32, 288]], "steps": 600},
        "paper": {"shapes": [[64, 576], [128, 1152], [256, 2304], [512, 4608]], "steps": 3000},
    },
)
def power_iteration_converges(ctx, shapes: list[list[int]], steps: int,
                              persistent: bool = True):
    fig, ax = figure()
    rows, finals = [], []
    # the counts: the library's u, v after registration against REGISTRATION_ITERATIONS
    # reference steps from the same start, then u, v and sigma after every training step
    # against one more reference step each. Convergence alone holds for any count
    count_gap = 0.0
    # how far 16 reference iterations lie from 15 and from 17: what an off-by-one count
    # would move u, v by, so that COUNT_TOL can see it (else the count check is vacuous)
    separation = math.inf
    for m, n in shapes:
        W = ctx.rng.standard_normal((m, n))
        s = np.linalg.svd(W, compute_uv=False)
        # PowerIterationSN draws u0 then v0 (standard normal) from the generator it gets:
        # a copy of its state gives the reference the same start
        start = copy.deepcopy(ctx.rng)
        sn = PowerIterationSN(W, seed=ctx.rng)
        if persistent:
            u, v = start.standard_normal(m), start.standard_normal(n)
            u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
            u15, v15 = _reference_iterations(W, u, v, REGISTRATION_ITERATIONS - 1)
            u, v = _reference_iterations(W, u15, v15, 1)
            u17, v17 = _reference_iterations(W, u, v, 1)
            separation = min(separation,
                             float(max(np.abs(u - u15).max(), np.abs(v - v15).max())),
                             float(max(np.abs(u - u17).max(), np.abs(v - v17).max())))
            count_gap = max(count_gap, _vector_gap(sn, u, v))
        errs = []
        for _ in range(steps):
            if not persistent:
                sn = PowerIterationSN(W, seed=ctx.rng, init_iterations=0)
            sn(W)
            if persistent:
                u, v = _reference_iterations(W, u, v, 1)
                sigma = float(u @ (W @ v))
                count_gap = max(count_gap, _vector_gap(sn, u, v),
                                abs(sn.sigma - sigma) / sigma)
            errs.append(abs(sn.sigma - s[0]) / s[0])
        errs = np.maximum(np.array(errs), 1e-17)
        finals.append(float(errs[-1]))
        t = np.arange(1, steps + 1)
        ax.semilogy(t, errs, "-", label=rf"${m}\times{n}$")
        rate = (s[1] / s[0]) ** 4  # sigma error ~ (vector error)^2 ~ (s2/s1)^(4t)
        ax.semilogy(t, errs[0] * rate ** (t - 1), ":", color="gray", lw=0.8)
        below = np.nonzero(errs < 1e-10)[0]
        rows.append({"shape": f"{m} x {n}", "sigma_1": float(s[0]),
                     "sigma_2 / sigma_1": float(s[1] / s[0]), "error after 1 step":
                     float(errs[0]), "final error": float(errs[-1]),
                     "steps to 1e-10": int(below[0]) + 1 if below.size else None})
    ax.set_xlabel(r"training step $t$ (one power iteration each)")
    ax.set_ylabel(r"$|\hat\sigma_t - \sigma_1| / \sigma_1$")
    ax.set_ylim(bottom=1e-17)
    place_legend(ax)
    worst = max(finals)
    measured = {"max_final_relative_error": worst, "persistent_u": persistent,
                "steps": steps}
    holds = worst < 1e-10
    expected = (r"relative error of $\sigma$ below $10^{-10}$ after the last step for every "
                r"shape (dotted: the $(\sigma_2/\sigma_1)^{4t}$ rate)")
    if persistent:
        measured.update(max_count_deviation=count_gap, off_by_one_separation=separation)
        holds = holds and count_gap <= COUNT_TOL and separation > 1e3 * COUNT_TOL
        expected += (
            rf"; the library's $u, v$ after registration equal {REGISTRATION_ITERATIONS} "
            r"reference iterations $u \leftarrow Wv/\|Wv\|$, $v \leftarrow W^\top u/\|W^\top "
            r"u\|$ (numpy, from the same $u_0, v_0$), and its $u, v, \hat\sigma$ after every "
            rf"step one more each, to {COUNT_TOL:g}; 15 or 17 reference iterations lie more "
            rf"than {1e3 * COUNT_TOL:g} away, so an off-by-one count shows")
    return ctx.evidence(
        holds=holds,
        measured=measured,
        expected=expected,
        table=rows,
        figure=fig,
        key="max_final_relative_error",
    )


@power_iteration_converges.control
def fresh_u_every_step(ctx, shapes: list[list[int]], steps: int):
    """Without a persistent $u$ (a fresh random $u$ and one iteration per step) the estimate
    never converges, so the check must fail."""
    return power_iteration_converges.check(ctx, shapes, min(steps, 100), persistent=False)
