"""SGD with momentum and Nesterov momentum, with the conventions of ``torch.optim.SGD``.

g <- g + wd p;   b <- g (first step) else mu b + (1 - dampening) g;
d = g + mu b (Nesterov) or b;   p <- p - lr d.
"""

from __future__ import annotations

import numpy as np

from specproof._core import ArgumentError, as_float
from specproof.spectral.optimizers.base import Optimizer, State


class SGD(Optimizer):
    """Stochastic gradient descent over a dict of named arrays.

    Parameters
    ----------
    lr : float
        Learning rate (> 0).
    momentum : float
        Momentum coefficient mu in [0, 1).
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``, as in torch).
    dampening : float
        Dampening of the gradient in the momentum buffer.
    weight_decay : float
        L2 coefficient added to the gradient.

    Examples
    --------
    >>> opt = SGD(lr=0.1, momentum=0.9)
    >>> params = {"w": np.array([1.0])}
    >>> opt.step(params, {"w": np.array([1.0])})
    >>> opt.step(params, {"w": np.array([1.0])})
    >>> params["w"]  # 1 - 0.1 - 0.1 * 1.9
    array([0.71])
    """

    name = "SGD"
    # its rules neither keep nor change p: Optimizer.step may pass a read-only view
    _reads_parameters_only = True

    def __init__(
        self,
        lr: float = 1e-2,
        momentum: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
        self.momentum = as_float(momentum, "momentum", minimum=0.0)
        if self.momentum >= 1.0:
            raise ArgumentError(f"momentum must be in [0, 1), got {self.momentum}")
        if not isinstance(nesterov, bool):
            raise ArgumentError(f"nesterov must be a bool, got {nesterov!r}")
        self.nesterov = nesterov
        self.dampening = as_float(dampening, "dampening", minimum=0.0, maximum=1.0)
        self.weight_decay = as_float(weight_decay, "weight_decay", minimum=0.0)
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ArgumentError("nesterov=True needs momentum > 0 and dampening = 0")
        self._hyper = {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
        }

    def _init_state(self, name: str, p: np.ndarray) -> State:
        buffer = np.zeros(p.shape, dtype=p.dtype)
        return {"rule": "sgd", "shape": tuple(p.shape), "step": 0, "buffer": buffer}

    def _update(self, name, p, g, state, t) -> tuple[np.ndarray, State]:
        if self.weight_decay:
            g = g + self.weight_decay * p
        k = int(state["step"]) + 1
        if self.momentum == 0.0:
            return p - self.lr * g, {**state, "step": k}
        if k == 1:
            buf = g.copy()
        else:
            buf = self.momentum * state["buffer"] + (1.0 - self.dampening) * g
        d = g + self.momentum * buf if self.nesterov else buf
        return p - self.lr * d, {**state, "step": k, "buffer": buf}
