"""Training a compiled DAG network while tracking how far it moves from its linearisation.

Full-batch gradient descent on the square loss ``L(w) = 1/2 sum_i (f(x_i) - y_i)^2``
(a sum, as :meth:`DagNet.loss_and_grad`), so that in function space one step is
``f <- f - lr K (f - y)`` to first order and ``lr < 2 / lambda_max(K_0)`` is stable. The
default ``lr = 1 / lambda_max(K_0)`` is sub-critical: larger steps (the "catapult" phase,
above about ``2 / lambda_max``) leave the ball around ``w_0`` in which the network is
close to linear, and the NTK then changes by O(1) whatever the width.

Along the way :func:`train` records the relative NTK change
``||K_t - K_0||_F / ||K_0||_F``, the distance ``||w_t - w_0||`` and, if asked,
``||H(w_t)||`` (the Hessian norm of the output at one input). Any optimizer with a
``step(params, grads)`` method over a dict of named arrays (``"W[u->v]"`` blocks) can
replace gradient descent: ``specproof.spectral``'s SGD, Adam, Muon and Pion update the
arrays in place; an optimizer that returns a new dict is accepted too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    Displayable,
    as_array,
    as_float,
    as_int,
    as_vector,
)


@dataclass(frozen=True)
class TrainingRecord:
    """The state after ``step`` updates."""

    step: int
    loss: float
    ntk_change: float
    weight_change: float
    hessian_norm: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "loss": self.loss, "ntk_change": self.ntk_change,
                "weight_change": self.weight_change, "hessian_norm": self.hessian_norm}


@dataclass(frozen=True, repr=False)
class TrainingRun(Displayable):
    """What :func:`train` returns: the records, the final parameters and the setup.

    The network passed to :func:`train` is not modified; ``net.set_params(run.params)``
    loads the trained weights.
    """

    records: tuple[TrainingRecord, ...]
    params: np.ndarray
    params0: np.ndarray
    lr: float | None
    lambda_max0: float
    optimizer: str
    kernel0: np.ndarray
    kernel: np.ndarray

    def _display_items(self) -> list[tuple[str, Any]]:
        # a summary: the records, parameters and kernels are arrays (run.table() has all)
        return [("optimizer", self.optimizer), ("lr", self.lr), ("steps", self.final.step),
                ("records", len(self.records)), ("loss0", self.records[0].loss),
                ("loss", self.final.loss), ("ntk_change", self.ntk_change),
                ("weight_change", self.weight_change), ("lambda_max0", self.lambda_max0),
                ("params", self.params)]

    @property
    def final(self) -> TrainingRecord:
        """The last record (after the last step)."""
        return self.records[-1]

    @property
    def ntk_change(self) -> float:
        """``||K_T - K_0||_F / ||K_0||_F`` at the end."""
        return self.final.ntk_change

    @property
    def weight_change(self) -> float:
        """``||w_T - w_0||`` at the end."""
        return self.final.weight_change

    def table(self) -> list[dict[str, Any]]:
        """One dict per record."""
        return [r.to_dict() for r in self.records]

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.table(), "lr": self.lr, "lambda_max0": self.lambda_max0,
                "optimizer": self.optimizer, "steps": self.final.step}


def _flat(net, blocks: Mapping[str, Any], what: str, dtype: Any = float) -> np.ndarray:
    shapes = net.block_shapes
    missing = [k for k in shapes if k not in blocks]
    if missing:
        raise ArgumentError(f"the optimizer's {what} lack block {missing[0]!r}")
    parts = []
    for name, shape in shapes.items():
        arr = np.asarray(blocks[name], dtype=dtype)
        if arr.shape != tuple(shape):
            raise ArgumentError(f"the optimizer's {what} block {name!r} has shape {arr.shape}, "
                                f"expected {tuple(shape)}")
        parts.append(arr.ravel())
    return np.concatenate(parts)


def _norm(v: np.ndarray) -> float:
    """The Frobenius norm without overflowing its squares (weights grown by a diverging
    run are finite but ``sum(w**2)`` is not): ``max|v| * ||v / max|v|||``."""
    big = float(np.max(np.abs(v))) if v.size else 0.0
    return big * float(np.linalg.norm(v / big)) if big > 0.0 else 0.0


def _kernel(net, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    K = net.ntk(X, params=w)
    return np.asarray(K, dtype=float)


def train(
    net,
    X: Any,
    Y: Any,
    steps: int = 100,
    lr: float | None = None,
    optimizer: Any = None,
    record_every: int = 10,
    hessian: bool = False,
    hessian_input: Any = None,
    params: Any = None,
    progress: Callable[[str], Any] | None = None,
) -> TrainingRun:
    """Train ``net`` on ``(X, Y)`` and record NTK change, weight change and Hessian norm.

    Parameters
    ----------
    net : DagNet
        A compiled network with one output.
    X : array_like, shape (n, n_inputs)
    Y : array_like, shape (n,) or (n, 1)
    steps : int
        Number of updates.
    lr : float, optional
        Step size of gradient descent; default ``1 / lambda_max(K_0)`` (sub-critical).
        Ignored (must be None) when ``optimizer`` is given: the optimizer has its own.
    optimizer : object with ``step(params, grads)``, optional
        Replaces gradient descent; receives dicts ``{"W[u->v]": array}``.
    record_every : int
        Record every this many steps (the first and the last state are always recorded).
    hessian : bool
        Also record ``||H(w_t)||`` of the output at ``hessian_input`` (default ``X[0]``);
        needs smooth activations and costs a Lanczos run per record.
    params : array_like, optional
        Start from these parameters instead of the network's.
    progress : callable, optional
        Receives one line per record.

    Returns
    -------
    TrainingRun

    Raises
    ------
    ComputationError
        If the loss becomes non-finite (a step size above ``2 / lambda_max``, typically);
        the message names the step.

    Examples
    --------
    >>> from specproof.dag_nets import compile, mlp
    >>> net = compile(mlp(64, depth=2, d_in=3), activation="erf", seed=0)
    >>> X = np.random.default_rng(1).standard_normal((4, 3)); Y = np.sin(X[:, 0])
    >>> run = train(net, X, Y, steps=50)
    >>> run.final.loss < 0.5 * run.records[0].loss, run.ntk_change < 0.2
    (True, True)
    """
    if getattr(net, "n_outputs", 1) != 1:
        raise ArgumentError(f"train needs a network with one output, got {net.n_outputs}")
    # the network's own dtype (float32 nets train in float32; measurements are float64);
    # a floating X or Y of the other dtype is refused by the network's rule
    dtype = getattr(net, "dtype", np.dtype(np.float64))
    same_dtype = getattr(net, "_same_dtype", lambda value, name: None)
    same_dtype(X, "X")
    same_dtype(Y, "Y")
    X = as_array(X, "X", ndim=2).astype(dtype, copy=False)
    Y = as_array(Y, "Y").astype(dtype, copy=False)
    if Y.ndim == 2 and Y.shape[1] == 1:
        Y = Y[:, 0]
    if Y.shape != (X.shape[0],):
        raise ArgumentError(f"Y must have shape ({X.shape[0]},) to match X, got {Y.shape}")
    steps = as_int(steps, "steps", minimum=0)
    record_every = as_int(record_every, "record_every", minimum=1)
    if optimizer is not None:
        if not callable(getattr(optimizer, "step", None)):
            raise ArgumentTypeError(
                f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}"
            )
        if lr is not None:
            raise ArgumentError("lr is for gradient descent; the optimizer carries its own")
    w0 = np.array(net.params if params is None else as_vector(params, net.n_params, "params"),
                  dtype=dtype)
    K0 = _kernel(net, X, w0)
    k0_norm = float(np.linalg.norm(K0))
    lam0 = float(np.linalg.eigvalsh(0.5 * (K0 + K0.T))[-1])
    if optimizer is None:
        if lr is None:
            if not lam0 > 0:
                raise ComputationError("the NTK at initialisation is zero: no default step size")
            lr = 1.0 / lam0
        lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    xh = None
    if hessian:
        xh = X[0] if hessian_input is None else as_array(hessian_input, "hessian_input", ndim=1)
    say = progress or (lambda line: None)
    records: list[TrainingRecord] = []
    w = w0.copy()
    K = K0

    def record(t: int, loss: float) -> None:
        nonlocal K
        K = _kernel(net, X, w)
        h = None
        if xh is not None:
            h = float(net.hessian_norm(xh, params=w).value)
        rec = TrainingRecord(
            step=t,
            loss=loss,
            ntk_change=_norm(K - K0) / k0_norm if k0_norm else math.inf,
            weight_change=_norm(w - w0),
            hessian_norm=h,
        )
        records.append(rec)
        say(f"step {t:>6}  loss {loss:.4e}  ntk change {rec.ntk_change:.3e}  "
            f"|w - w0| {rec.weight_change:.3e}" + ("" if h is None else f"  |H| {h:.3e}"))

    def diverged(t: int, loss: float, cause: Exception | None = None) -> ComputationError:
        why = f"loss {loss}" if cause is None else f"{cause}"
        return ComputationError(
            f"training diverged at step {t} ({why}); lr = {lr} against "
            f"2 / lambda_max(K_0) = {2 / lam0 if lam0 > 0 else math.inf:.4g}"
        )

    params_dict = net.params_dict(w) if optimizer is not None else None
    for t in range(steps + 1):
        if not np.all(np.isfinite(w)):  # the last step overflowed the weights
            raise diverged(t, math.nan, ComputationError("the weights overflowed"))
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                loss, g = net.loss_and_grad(X, Y, params=w)
        except ComputationError as exc:
            if t == 0:  # the initial weights and inputs themselves: no training yet
                raise
            # an overflowed output or gradient mid-training is the divergence the docs
            # name, not "inputs too large": the weights grew step by step
            raise diverged(t, math.nan, exc) from exc
        if not math.isfinite(loss) or not np.all(np.isfinite(g)):
            raise diverged(t, loss)
        if t % record_every == 0 or t == steps:
            try:
                record(t, loss)
            except ComputationError as exc:
                raise diverged(t, loss, exc) from exc
        if t == steps:
            break
        if optimizer is None:
            with np.errstate(over="ignore", invalid="ignore"):  # refused at the loop's top
                w = (w - lr * g).astype(dtype, copy=False)
        else:
            out = optimizer.step(params_dict, net.params_dict(g))
            if isinstance(out, Mapping):
                params_dict = dict(out)
            w = _flat(net, params_dict, "parameters", dtype)
    return TrainingRun(
        records=tuple(records),
        params=w,
        params0=w0,
        lr=lr,
        lambda_max0=lam0,
        optimizer="gd" if optimizer is None else type(optimizer).__name__,
        kernel0=K0,
        kernel=K,
    )
