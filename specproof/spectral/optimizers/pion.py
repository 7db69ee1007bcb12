"""Pion (Shi, Li, Qiu, Wen, Buchholz, Liu, arXiv 2605.12492): spectrum-preserving updates.

For a matrix ``W`` (d_out x d_in) with gradient ``G`` one step is

    G_in = W^T G - G^T W,  G_out = G W^T - W G^T                  (skew-symmetric)
    m <- beta1 m + (1 - beta1) G_side,  v <- beta2 v + (1 - beta2) G_side * G_side
    A_side = -m / (sqrt(v) + eps)                                   (still skew)
    alpha = c sqrt(d_out d_in) / (||A_out W + W A_in||_F + eps)
    W <- T(eta alpha A_out) W T(eta alpha A_in)

with ``T`` the truncated exponential E2(B) = I + B + B^2/2 of the official code,
applied as a *product* (not the additive form W E_in + E_out W - W). The first-order
update eta alpha (A_out W + W A_in) has RMS exactly eta c (up to eps).

Options (as in the official code): ``side`` "both", "alternate" (steps 0, 2, ... of a
parameter, counting from 0, left only; steps 1, 3, ... right only), "in" or "out";
``momentum`` "lie-lie" (EMAs of the skew generators) or "transported" (an EMA of the
ambient gradient, made skew with the current W when used; the second moment is then of
the current skew generators); ``second_moment`` False drops v (A = -m); ``transform``
"expm" or "cayley" gives exactly orthogonal factors, "e1" the first-order truncation
(for comparison). Matrices get no weight decay. Parameters that are not 2-D (or are
named in ``exclude``) take AdamW.

Details the formula leaves open, fixed here (reconstructed, not read from the official
code): no bias correction of m and v (the RMS normalisation by alpha cancels any common
factor, eps aside); under "alternate" both sides' moments are updated every step and
the first step of a parameter acts on the left (output) side.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from specproof._core import ArgumentTypeError, as_choice, as_float
from specproof.spectral.optimizers.adam import AdamWRoute
from specproof.spectral.optimizers.base import Optimizer, State, beta_pair
from specproof.spectral.optimizers.skew import TRANSFORMS, skew_generator
from specproof.spectral.optimizers.skew_kernels import (
    apply_dense,
    apply_dense_right,
    apply_lowrank,
    apply_lowrank_right,
)

SIDES: tuple[str, ...] = ("both", "alternate", "in", "out")
MOMENTA: tuple[str, ...] = ("lie-lie", "transported")
LOW_RANK: tuple[str, ...] = ("auto", "never")


class Pion(Optimizer):
    """Pion for matrices, AdamW for everything else, over a dict of named arrays.

    Parameters
    ----------
    lr : float
        eta, the learning rate of the matrix parameters.
    rms : float
        c, the target RMS of the first-order update per unit learning rate (0.2).
    betas : (float, float)
        EMA rates of the first and second moments (0.9, 0.999).
    eps : float
        In the preconditioner and in alpha's denominator (1e-8).
    side : {"both", "alternate", "in", "out"}
        Which orthogonal factors act.
    momentum : {"lie-lie", "transported"}
        What the first moment averages.
    second_moment : bool
        Adam-style preconditioning by sqrt(v).
    transform : {"e2", "e1", "expm", "cayley"}
        The factor: truncated exponential (official), first order, exact exponential or
        Cayley transform.
    low_rank : {"auto", "never"}
        ``"auto"`` applies a low-rank generator in factored form when that is cheaper
        (see :meth:`low_rank_sides`; same result to rounding); ``"never"`` forms it.
    adamw_lr, adamw_betas, adamw_eps, adamw_weight_decay :
        The AdamW rule for the other parameters.
    exclude : collection of str
        Names of 2-D parameters that take AdamW anyway.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W = rng.standard_normal((4, 3))
    >>> s0 = np.linalg.svd(W, compute_uv=False)
    >>> opt = Pion(lr=0.05, transform="cayley")
    >>> for _ in range(10):
    ...     opt.step({"W": W}, {"W": W - 1.0})
    >>> float(np.abs(np.linalg.svd(W, compute_uv=False) - s0).max()) < 1e-13
    True
    >>> round(opt.diagnostics["W"]["first_order_rms"] / (0.05 * 0.2), 6)
    1.0
    """

    name = "Pion"

    def __init__(
        self,
        lr: float = 1e-2,
        rms: float = 0.2,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        side: str = "both",
        momentum: str = "lie-lie",
        second_moment: bool = True,
        transform: str = "e2",
        low_rank: str = "auto",
        adamw_lr: float = 1e-3,
        adamw_betas: tuple[float, float] = (0.9, 0.999),
        adamw_eps: float = 1e-8,
        adamw_weight_decay: float = 0.0,
        exclude: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
        self.rms = as_float(rms, "rms", minimum=0.0, strict_minimum=True)
        self.betas = beta_pair(betas)
        self.eps = as_float(eps, "eps", minimum=0.0)
        self.side = as_choice(side, SIDES, "side")
        self.momentum = as_choice(momentum, MOMENTA, "momentum")
        if not isinstance(second_moment, bool):
            raise ArgumentTypeError(f"second_moment must be a bool, got {second_moment!r}")
        self.second_moment = second_moment
        self.transform = as_choice(transform, TRANSFORMS, "transform")
        self.low_rank = as_choice(low_rank, LOW_RANK, "low_rank")
        self.adamw = AdamWRoute(adamw_lr, adamw_betas, adamw_eps, adamw_weight_decay, exclude)
        self.exclude = self.adamw.exclude
        self._hyper = {
            "lr": self.lr,
            "rms": self.rms,
            "betas": self.betas,
            "eps": self.eps,
            "side": self.side,
            "momentum": self.momentum,
            "second_moment": self.second_moment,
            "transform": self.transform,
            "low_rank": self.low_rank,
            **self.adamw.hyper(),
        }

    def routes_to_pion(self, name: str, shape: tuple[int, ...]) -> bool:
        """Whether parameter ``name`` of this shape takes the Pion rule (else AdamW)."""
        return self.adamw.takes_matrix_rule(name, shape)

    def _sides(self) -> tuple[str, ...]:
        return {"both": ("out", "in"), "alternate": ("out", "in"), "in": ("in",), "out": ("out",)}[
            self.side
        ]

    def _init_state(self, name: str, p: np.ndarray) -> State:
        if not self.routes_to_pion(name, p.shape):
            return self.adamw.init_state(p)
        d_out, d_in = p.shape
        dims = {"out": d_out, "in": d_in}
        state: State = {"rule": "pion", "shape": tuple(p.shape), "step": 0}
        if self.momentum == "transported":
            state["m"] = np.zeros(p.shape, dtype=p.dtype)
        for side in self._sides():
            if self.momentum == "lie-lie":
                state[f"m_{side}"] = np.zeros((dims[side], dims[side]), dtype=p.dtype)
            if self.second_moment:
                state[f"v_{side}"] = np.zeros((dims[side], dims[side]), dtype=p.dtype)
        return state

    def low_rank_sides(self, shape: tuple[int, int]) -> tuple[str, ...]:
        """The sides whose generator this optimizer applies in factored (low-rank) form.

        Only with ``momentum="transported"`` and ``second_moment=False`` is a generator
        low rank: ``A_out = W M^T - M W^T`` (rank <= 2 d_in), ``A_in = M^T W - W^T M``
        (rank <= 2 d_out). The elementwise division by ``sqrt(v)`` of the other modes, and
        the sum over past weights of "lie-lie", make it full rank. A side is factored when
        that is cheaper (its dimension exceeds twice the other) and ``low_rank="auto"``.
        """
        if self.low_rank == "never" or self.momentum != "transported" or self.second_moment:
            return ()
        d_out, d_in = shape
        return tuple(
            sd for sd, big, small in (("out", d_out, d_in), ("in", d_in, d_out))
            if sd in self._sides() and 2 * small < big
        )

    def _update(self, name, p, g, state, t) -> tuple[np.ndarray, State]:
        if state["rule"] == "adamw":
            return self.adamw.update(p, g, state)
        b1, b2 = self.betas
        k = int(state["step"]) + 1
        new: State = {**state, "step": k}
        sides = self._sides()
        factored = self.low_rank_sides(p.shape)
        need_gens = self.momentum == "lie-lie" or self.second_moment
        gens = {sd: skew_generator(p, g, sd) for sd in sides} if need_gens else {}
        A: dict[str, np.ndarray] = {}
        if self.momentum == "transported":
            M = b1 * state["m"] + (1.0 - b1) * g
            new["m"] = M
            # A = -skew(W, M): A_out = W M^T - M W^T, A_in = M^T W - W^T M
            moments = {sd: skew_generator(p, M, sd) for sd in sides if sd not in factored}
        else:
            moments = {}
            for side in sides:
                new[f"m_{side}"] = b1 * state[f"m_{side}"] + (1.0 - b1) * gens[side]
                moments[side] = new[f"m_{side}"]
        for side in sides:
            if side in factored:
                continue
            if self.second_moment:
                v = b2 * state[f"v_{side}"] + (1.0 - b2) * (gens[side] * gens[side])
                new[f"v_{side}"] = v
                A[side] = -moments[side] / (np.sqrt(v) + self.eps)
            else:
                A[side] = -moments[side]
        if self.side == "alternate":
            acting = ("out",) if k % 2 == 1 else ("in",)
        else:
            acting = sides
        lowrank = {sd: LowRankGenerator(p, new["m"], sd) for sd in factored if sd in acting}
        for sd in [sd for sd, gen in lowrank.items() if not gen.well_conditioned]:
            # the factors nearly cancel (M close to W times a symmetric matrix): the
            # factored core would amplify rounding, so this step forms A
            del lowrank[sd]
            A[sd] = -skew_generator(p, new["m"], sd)
        AW = WA = None
        if "out" in acting:
            AW = lowrank["out"].AW if "out" in lowrank else A["out"] @ p
        if "in" in acting:
            WA = lowrank["in"].WA if "in" in lowrank else p @ A["in"]
        D = AW if WA is None else (WA if AW is None else AW + WA)
        d_out, d_in = p.shape
        norm_D = float(np.linalg.norm(D))
        alpha = self.rms * np.sqrt(d_out * d_in) / (norm_D + self.eps)
        s = self.lr * alpha
        X = p
        if AW is not None:
            if "out" in lowrank:
                X = lowrank["out"].left(s, self.transform)
            else:
                X = apply_dense(A["out"], s, p, self.transform, AX=AW)
        new_p = X
        if WA is not None:
            if "in" in lowrank:
                new_p = lowrank["in"].right(X, s, self.transform, X_is_W=AW is None)
            else:
                new_p = apply_dense_right(X, A["in"], s, self.transform)
        self._current_diagnostics = {
            "A_out": A.get("out"),
            "A_in": A.get("in"),
            "factors": {sd: (lr.U, lr.V) for sd, lr in lowrank.items()},
            "acting": acting,
            "alpha": float(alpha),
            "step_size": float(s),
            "first_order_rms": float(s * norm_D / np.sqrt(d_out * d_in)),
        }
        return new_p, new


class LowRankGenerator:
    """One side's generator ``A = U V^T - V U^T`` from ``W`` and the transported moment ``M``.

    Out side (tall W): ``U = W, V = M`` (d_out x d_in); in side (wide W): ``U = M^T,
    V = W^T`` (d_in x d_out). The Gram blocks are computed once and shared by the
    first-order term (for alpha) and the factor.
    """

    def __init__(self, W: np.ndarray, M: np.ndarray, side: str) -> None:
        self.side = side
        self.U, self.V = (W, M) if side == "out" else (M.T, W.T)
        U, V = self.U, self.V
        self.grams = (U.T @ U, V.T @ V, V.T @ U)
        UU, VV, VU = self.grams
        # ||A||_F^2 = 2 (<UU, VV> - <VU, VU^T>); kappa = ||U|| ||V|| / ||A|| measures how
        # much the factors cancel (the factored route loses up to about kappa^2 u relative
        # to ||sA|| ||X||, measured); above kappa^2 = 1e3 the dense route is used
        big = float((UU * VV).sum())
        a2 = 2.0 * (big - float((VU * VU.T).sum()))
        self.well_conditioned = a2 >= 2e-3 * big

    @property
    def AW(self) -> np.ndarray:
        """``A_out W``: W is U, so U^T W and V^T W are Gram blocks."""
        UU, _, VU = self.grams
        return self.U @ VU - self.V @ UU

    @property
    def WA(self) -> np.ndarray:
        """``W A_in = -(A_in W^T)^T``: W^T is V, so U^T W^T and V^T W^T are Gram blocks."""
        _, VV, VU = self.grams
        return -(self.U @ VV - self.V @ VU.T).T

    def left(self, s: float, transform: str) -> np.ndarray:
        UU, _, VU = self.grams
        return apply_lowrank(self.U, self.V, s, self.U, transform, self.grams, (UU, VU))

    def right(self, X: np.ndarray, s: float, transform: str, X_is_W: bool) -> np.ndarray:
        _, VV, VU = self.grams
        proj = (VU.T, VV) if X_is_W else None
        return apply_lowrank_right(X, self.U, self.V, s, transform, self.grams, proj)
