"""Adam (L2-coupled weight decay) and AdamW (decoupled weight decay), as in ``torch.optim``.

With bias corrections b1 = 1 - beta1^t, b2 = 1 - beta2^t:

    m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g*g,
    p <- p - lr (m / b1) / (sqrt(v / b2) + eps).

Adam adds ``weight_decay * p`` to the gradient first; AdamW multiplies ``p`` by
``1 - lr * weight_decay`` before the step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, as_float
from specproof.spectral.optimizers.base import (
    NonFiniteUpdateError,
    Optimizer,
    State,
    beta_pair,
    second_moment_overflow,
)


def adam_update(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam / AdamW step on one array; returns ``(new_p, new_m, new_v)``, inputs untouched.

    Examples
    --------
    >>> p, g = np.array([1.0]), np.array([0.5])
    >>> z = np.zeros(1)
    >>> new_p, m, v = adam_update(p, g, z, z, 1, 0.1, (0.9, 0.999), 0.0, 0.0, True)
    >>> float(new_p[0])  # first step moves by lr * sign(g)
    0.9
    """
    b1, b2 = betas
    if decoupled:
        p = p * (1.0 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    m = b1 * m + (1.0 - b1) * g
    with np.errstate(under="ignore"):
        square = (1.0 - b2) * (g * g)
    _refuse_underflowed_square(g, square, eps)
    v = b2 * v + square
    if not np.isfinite(np.sum(v)) and not np.all(np.isfinite(v)):
        # g * g overflowed: v = inf makes m / sqrt(v) = 0, a silent zero step (torch's too)
        raise second_moment_overflow("Adam's second moment v = b2 v + (1 - b2) g*g", v, g, "g")
    bc1 = 1.0 - b1**t
    bc2 = 1.0 - b2**t
    # the same association as torch: step_size * m / (sqrt(v)/sqrt(bc2) + eps)
    # math.sqrt: a Python float keeps a float32 step in float32 (np.sqrt gives an
    # np.float64, which promoted the whole update to float64)
    denom = np.sqrt(v) / math.sqrt(bc2) + eps
    if eps == 0.0 and not np.all(denom > 0.0):
        # m / denom is 0/0 there (torch gives NaN); "lower the learning rate" would not help
        idx = tuple(int(i) for i in np.argwhere(~(denom > 0.0))[0])
        raise NonFiniteUpdateError(
            f"eps = 0 and the second moment is 0 at index {idx} (a gradient entry that has "
            "been 0 so far, or so small that its square underflowed the dtype): Adam's "
            "step m / (sqrt(v) + eps) is 0/0 there; nothing was changed (use eps > 0, "
            "e.g. torch's default 1e-8)"
        )
    return p - (lr / bc1) * (m / denom), m, v


def _refuse_underflowed_square(g: np.ndarray, square: np.ndarray, eps: float) -> None:
    """Refuse a step where ``(1 - b2) g^2`` underflowed while ``eps < |g|``.

    There ``sqrt(v)`` is about 0 instead of about ``|g|``, so the step ``m / (sqrt(v) +
    eps)`` is about ``g / eps`` instead of about ``+-1``: ``eps = 1e-300`` with gradients
    of 1e-200 moved a weight by 1e97 (torch.optim.Adam too). With ``eps >= |g|`` (the
    default 1e-8 against such gradients) the step is the small one eps makes it, as in
    exact arithmetic, and goes ahead.
    """
    tiny = np.finfo(square.dtype).tiny if square.dtype.kind == "f" else 0.0
    lost = (square < tiny) & (np.abs(g) > eps)
    if np.any(lost):
        idx = tuple(int(i) for i in np.argwhere(lost)[0])
        raise NonFiniteUpdateError(
            f"the square of the gradient entry at index {idx} (|g| = {abs(g[idx]):.3g}) "
            f"underflows {square.dtype} while eps = {eps:g} is smaller than |g|: Adam's "
            "step m / (sqrt(v) + eps) would be about g / eps there instead of about 1; "
            "nothing was changed (use eps >= |g|, e.g. 1e-8, or scale the loss up)")


class Adam(Optimizer):
    """Adam over a dict of named arrays (weight decay added to the gradient, as torch's Adam).

    Parameters
    ----------
    lr : float
        Learning rate (> 0).
    betas : (float, float)
        EMA rates of the first and second moment.
    eps : float
        Added to the denominator.
    weight_decay : float
        L2 coefficient (Adam) or decoupled decay rate (AdamW).

    Examples
    --------
    >>> opt = Adam(lr=0.1)
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt.step(params, {"w": np.array([3.0, -0.5])})
    >>> params["w"]
    array([ 0.9, -1.9])
    """

    name = "Adam"
    # its rules neither keep nor change p: Optimizer.step may pass a read-only view
    _reads_parameters_only = True
    _decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
        self.betas = beta_pair(betas)
        self.eps = as_float(eps, "eps", minimum=0.0)
        self.weight_decay = as_float(weight_decay, "weight_decay", minimum=0.0)
        self._hyper = {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }

    def _init_state(self, name: str, p: np.ndarray) -> State:
        return {
            "rule": "adam",
            "shape": tuple(p.shape),
            "step": 0,
            "m": np.zeros(p.shape, dtype=p.dtype),
            "v": np.zeros(p.shape, dtype=p.dtype),
        }

    def _update(self, name, p, g, state, t) -> tuple[np.ndarray, State]:
        # each parameter counts its own steps (as torch does), so that the bias
        # correction of a parameter that joins late starts from its first step
        k = int(state["step"]) + 1
        new_p, m, v = adam_update(
            p,
            g,
            state["m"],
            state["v"],
            k,
            self.lr,
            self.betas,
            self.eps,
            self.weight_decay,
            self._decoupled,
        )
        return new_p, {**state, "step": k, "m": m, "v": v}


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay ``p <- p (1 - lr wd)`` (torch's default wd 0.01).

    Examples
    --------
    >>> opt = AdamW(lr=0.1, weight_decay=0.5)
    >>> params = {"w": np.array([1.0])}
    >>> opt.step(params, {"w": np.array([2.0])})
    >>> params["w"]  # 1 * (1 - 0.05) - 0.1
    array([0.85])
    """

    name = "AdamW"
    # its rules neither keep nor change p: Optimizer.step may pass a read-only view
    _reads_parameters_only = True
    _decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


def _names(exclude: Iterable[str]) -> tuple[str, ...]:
    if isinstance(exclude, str):
        raise ArgumentTypeError(f"exclude must be a collection of names, got the str {exclude!r}")
    out = tuple(exclude)
    for n in out:
        if not isinstance(n, str):
            raise ArgumentTypeError(f"exclude must hold parameter names (str), got {n!r}")
    return out


class AdamWRoute:
    """The AdamW rule that Muon and Pion apply to parameters that are not matrices.

    It also owns the routing both share: a non-empty 2-D parameter not named in
    ``exclude`` takes the matrix rule, everything else AdamW.
    """

    def __init__(
        self, lr: Any, betas: Any, eps: Any, weight_decay: Any, exclude: Iterable[str] = ()
    ) -> None:
        self.lr = as_float(lr, "adamw_lr", minimum=0.0, strict_minimum=True)
        self.betas = beta_pair(betas, "adamw_betas")
        self.eps = as_float(eps, "adamw_eps", minimum=0.0)
        self.weight_decay = as_float(weight_decay, "adamw_weight_decay", minimum=0.0)
        self.exclude = _names(exclude)

    def check_exclude(self, params: Any) -> None:
        """Every name in ``exclude`` names a parameter of ``params`` (called at a step
        with no state yet, when the parameters are first seen): a typo left its matrix
        on the matrix rule without a word."""
        if not isinstance(params, Mapping):
            return  # the step's own checks name this
        for n in self.exclude:
            if n not in params:
                raise ArgumentError(
                    f"exclude names {n!r}, which is not a parameter of params (names: "
                    f"{sorted(map(str, params))}); nothing was changed")

    def takes_matrix_rule(self, name: str, shape: tuple[int, ...]) -> bool:
        """Whether parameter ``name`` of this shape takes the matrix rule (else AdamW)."""
        return len(shape) == 2 and min(shape) > 0 and name not in self.exclude

    def hyper(self) -> dict[str, Any]:
        return {
            "adamw_lr": self.lr,
            "adamw_betas": self.betas,
            "adamw_eps": self.eps,
            "adamw_weight_decay": self.weight_decay,
            "exclude": list(self.exclude),
        }

    def init_state(self, p: np.ndarray) -> State:
        return {
            "rule": "adamw",
            "shape": tuple(p.shape),
            "step": 0,
            "m": np.zeros(p.shape, dtype=p.dtype),
            "v": np.zeros(p.shape, dtype=p.dtype),
        }

    def update(self, p: np.ndarray, g: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        k = int(state["step"]) + 1
        new_p, m, v = adam_update(
            p,
            g,
            state["m"],
            state["v"],
            k,
            self.lr,
            self.betas,
            self.eps,
            self.weight_decay,
            True,
        )
        return new_p, {**state, "step": k, "m": m, "v": v}
