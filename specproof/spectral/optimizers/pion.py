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
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, as_choice, as_float
from specproof.spectral.optimizers.adam import AdamWRoute
from specproof.spectral.optimizers.base import Optimizer, OptimizerStateError, State, beta_pair
from specproof.spectral.optimizers.pion_update import (
    SIDES_OF,
    LowRankGenerator,
    complete_moments,
    init_pion_state,
    is_moment_key,
    low_rank_sides,
    moment_structure_error,
    pion_update,
)
from specproof.spectral.optimizers.skew import TRANSFORMS
from specproof.spectral.optimizers.workspace import ParameterWorkspaces

SIDES: tuple[str, ...] = ("both", "alternate", "in", "out")
MOMENTA: tuple[str, ...] = ("lie-lie", "transported")
LOW_RANK: tuple[str, ...] = ("auto", "never")
# the hyperparameters of the matrix rule (the rest configure AdamW)
PION_KEYS: tuple[str, ...] = (
    "lr", "rms", "betas", "eps", "side", "momentum", "second_moment", "transform", "low_rank",
)


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
        In the preconditioner and in alpha's denominator (1e-8; > 0 with the second
        moment).
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
    # its rules neither keep nor change p: Optimizer.step may pass a read-only view
    _reads_parameters_only = True

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
        self._workspaces = ParameterWorkspaces()
        # per parameter: a set of moment arrays no state holds (free to write), and the sets
        # the step in progress wrote into
        self._free: dict[str, dict[str, np.ndarray]] = {}
        self._written: dict[str, list[dict[str, np.ndarray]]] = {}
        self.lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
        self.rms = as_float(rms, "rms", minimum=0.0, strict_minimum=True)
        self.betas = beta_pair(betas)
        self.eps = as_float(eps, "eps", minimum=0.0)
        self.side = as_choice(side, SIDES, "side")
        self.momentum = as_choice(momentum, MOMENTA, "momentum")
        if not isinstance(second_moment, bool):
            raise ArgumentTypeError(f"second_moment must be a bool, got {second_moment!r}")
        self.second_moment = second_moment
        if second_moment and self.eps == 0.0:
            raise ArgumentError(
                "eps must be > 0 when second_moment=True: the diagonal of every skew "
                "generator is 0, so v has zeros and m / sqrt(v) would be 0/0 there"
            )
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

    def step(self, params: Any, grads: Any) -> None:
        """As :meth:`Optimizer.step`; at a step with no state yet every name in
        ``exclude`` must name a parameter (``ArgumentError``, nothing changed)."""
        if not self._state:
            self.adamw.check_exclude(params)
        self._written = {}
        before = {name: _moments(st) for name, st in self._state.items()}
        try:
            super().step(params, grads)
        except BaseException:
            # nothing landed: the state is as it was, and what the step wrote is free
            for name, sets in self._written.items():
                self._free[name] = sets[0]
            raise
        finally:
            written, self._written = self._written, {}
        for name, sets in written.items():
            # the state now holds one of these sets; another one is free (the state the
            # step replaced, or a set a subclass's extra sub-step wrote)
            held = {id(a) for a in _moments(self._state.get(name, {})).values()}
            for candidate in [before.get(name, {})] + sets:
                if candidate and not any(id(a) in held for a in candidate.values()):
                    self._free[name] = candidate
                    break

    def routes_to_pion(self, name: str, shape: tuple[int, ...]) -> bool:
        """Whether parameter ``name`` of this shape takes the Pion rule (else AdamW)."""
        return self.adamw.takes_matrix_rule(name, shape)

    def _sides(self) -> tuple[str, ...]:
        return SIDES_OF[self.side]

    def _pion_hyper(self) -> dict:
        return {k: self._hyper[k] for k in PION_KEYS}

    def _init_state(self, name: str, p: np.ndarray) -> State:
        if not self.routes_to_pion(name, p.shape):
            return self.adamw.init_state(p)
        return init_pion_state(p, self._pion_hyper())

    def low_rank_sides(self, shape: tuple[int, int]) -> tuple[str, ...]:
        """The sides whose generator this optimizer applies in factored (low-rank) form.

        Only with ``momentum="transported"`` and ``second_moment=False`` is a generator
        low rank: ``A_out = W M^T - M W^T`` (rank <= 2 d_in), ``A_in = M^T W - W^T M``
        (rank <= 2 d_out). The elementwise division by ``sqrt(v)`` of the other modes, and
        the sum over past weights of "lie-lie", make it full rank. A side is factored when
        that is cheaper (its dimension exceeds twice the other) and ``low_rank="auto"``.
        """
        return low_rank_sides(tuple(shape), self.side, self.momentum, self.second_moment,
                              self.low_rank)

    def load_state_dict(self, state_dict, params=None) -> None:
        """As :meth:`Optimizer.load_state_dict`, and the moment matrices must have Pion's
        structure (``m`` exactly skew, ``v`` exactly symmetric and >= 0)."""
        states = state_dict.get("state") if isinstance(state_dict, dict) else None
        if isinstance(states, dict):
            for pname, st in states.items():
                for key, value in (st.items() if isinstance(st, dict) else ()):
                    why = moment_structure_error(key, value)
                    if why is not None:
                        raise OptimizerStateError(f"state_dict['state'][{pname!r}]: {why}")
        super().load_state_dict(state_dict, params)

    def _export_state(self, state: State) -> State:
        # the step keeps only the upper block triangle of the moment matrices current
        return complete_moments(state) if state.get("rule") == "pion" else state

    def _update(self, name, p, g, state, t) -> tuple[np.ndarray, State]:
        if state["rule"] == "adamw":
            return self.adamw.update(p, g, state)
        # the dense exponential's large temporaries are reused from step to step (fresh
        # 4096 x 4096 arrays page-fault through all their memory on every step), shared by
        # the parameters of one shape and dtype; what a step hands out (generators, the new
        # weight) comes from each parameter's own pools
        ws = self._workspaces.of(name, p.shape, p.dtype)
        spare = self._spare_moments(name, state)
        self._written.setdefault(name, []).append(spare)
        new_p, new, self._current_diagnostics = pion_update(
            p, g, state, self._pion_hyper(), inplace=False, buffers=spare, workspace=ws,
            keep_generators=True)
        # a low-rank factor may be W itself, which the step reads in place from the
        # parameter (overwritten once the step lands): reported as a copy
        factors = self._current_diagnostics.get("factors") or {}
        for sd, pair in factors.items():
            factors[sd] = tuple(np.array(f) if np.shares_memory(f, p) else f for f in pair)
        return new_p, new

    def release_buffers(self) -> None:
        """Give back the arrays kept between steps for speed (the dense exponential's
        temporaries and the spare moments); the next step makes them again.

        Examples
        --------
        >>> opt = Pion(lr=0.01)
        >>> opt.step({"W": np.eye(3)}, {"W": np.ones((3, 3))})
        >>> opt.release_buffers()
        """
        self._workspaces.clear()
        self._free.clear()

    def _spare_moments(self, name: str, state: State) -> dict[str, np.ndarray]:
        """Arrays for the new moment matrices, which become the state if the step lands.

        The step writes its moments into these rather than new arrays, so the state passed
        in stays as it was if the step (or another parameter's) raises. :meth:`step` keeps
        track of which set is free: after a step lands, the one the state no longer holds.
        """
        keys = list(_moments(state))
        free = self._free.pop(name, {})
        held = {id(a) for a in _moments(state).values()}
        if any(id(a) in held for a in free.values()):
            free = {}  # never the arrays being read (a sub-step's state, a stale set)
        return {k: (free[k] if k in free and free[k].shape == state[k].shape
                    and free[k].dtype == state[k].dtype else np.empty_like(state[k]))
                for k in keys}


def _moments(state: State) -> dict[str, np.ndarray]:
    """The state's moment matrices (``m_out``, ``v_out``, ``m_in``, ``v_in``)."""
    return {k: v for k, v in state.items()
            if is_moment_key(k) and isinstance(v, np.ndarray)}


__all__ = ["LOW_RANK", "MOMENTA", "PION_KEYS", "SIDES", "LowRankGenerator", "Pion"]
