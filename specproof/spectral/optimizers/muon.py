"""Muon: momentum orthogonalised by a quintic Newton-Schulz iteration (Keller Jordan, 2024).

For a matrix parameter with gradient g (reference ``muon_update``):

    b <- b + (1 - mu)(g - b)                      (an EMA, torch's ``lerp``)
    u = g + mu (b - g)  (Nesterov)  or  u = b
    O = NS5(u),  p <- p (1 - lr wd) - lr max(1, rows / cols)^(1/2) O

NS5: X = u / (||u||_F + 1e-7) (transposed when rows > cols; ``eps_placement="clamp"``
divides by ``max(||u||_F, 1e-7)`` instead, as ``torch.optim.Muon``), then five times
A = X X^T, X <- a X + (b A + c A^2) X with (a, b, c) = (3.4445, -4.7750, 2.0315).
The reference runs NS5 in bfloat16; here it runs in the weight's dtype (float32 or float64).
Parameters that are not matrices take the AdamW rule, as in the reference setup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, as_choice, as_float, as_int
from specproof.spectral.optimizers.adam import AdamWRoute
from specproof.spectral.optimizers.base import NonFiniteUpdateError, Optimizer, State
from specproof.spectral.optimizers.workspace import ParameterWorkspaces, Workspace, scratch

NS_COEFFICIENTS: tuple[float, float, float] = (3.4445, -4.7750, 2.0315)
EPS_PLACEMENTS = ("add", "clamp")


def newton_schulz5(
    G: np.ndarray,
    steps: int = 5,
    coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
    eps: float = 1e-7,
    eps_placement: str = "add",
    ws: Workspace | None = None,
) -> np.ndarray:
    """Approximate the orthogonal polar factor of ``G`` by Muon's quintic iteration.

    The result is ``U S' V^T`` with ``S'`` roughly in [0.7, 1.2], not exactly ``U V^T``
    (the coefficients trade accuracy for a steep slope at zero).

    Parameters
    ----------
    G : numpy.ndarray
        A 2-D array.
    steps : int
        Number of iterations (5 in Muon).
    coefficients : (a, b, c)
        The quintic's coefficients.
    eps : float
        Added to the Frobenius norm before normalising.
    eps_placement : {"add", "clamp"}
        ``X / (||X||_F + eps)`` (the reference Muon) or ``X / max(||X||_F, eps)``
        (``torch.optim.Muon``); they differ visibly only for gradients of norm near eps.
    ws : Workspace, optional
        The iteration's arrays are its arrays (the same values; the result is one of them,
        overwritten by the next call with ``ws``): fresh arrays of the weight's size
        page-fault through their memory on every call.

    Examples
    --------
    >>> G = np.diag([3.0, 1.0, 0.1])
    >>> s = np.linalg.svd(newton_schulz5(G), compute_uv=False)
    >>> bool(np.all((s > 0.6) & (s < 1.25)))
    True
    """
    X = np.asarray(G)
    if X.dtype.kind not in "biuf":
        # a complex G lost its imaginary part (and came back all zeros)
        raise ArgumentTypeError(f"G must be a real array, got dtype {X.dtype}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ArgumentError(f"G must be a 2-D array, got shape {X.shape}")
    eps_placement = as_choice(eps_placement, EPS_PLACEMENTS, "eps_placement")
    steps = as_int(steps, "steps", minimum=0)
    eps = as_float(eps, "eps", minimum=0.0)
    if isinstance(coefficients, (str, bytes)) or len(tuple(coefficients)) != 3:
        raise ArgumentError(f"coefficients must be three numbers (a, b, c), got "
                            f"{coefficients!r}")
    a, b, c = (as_float(x, f"coefficients[{i}]") for i, x in enumerate(coefficients))
    # the sum first (one pass, no boolean array): finite only if every entry is; a sum of
    # finite entries that overflows falls through to the entrywise check
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(X))
    if not math.isfinite(total) and not np.all(np.isfinite(X)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise ArgumentError(f"G has a non-finite entry {X[bad]} at index {bad}")
    transpose = X.shape[0] > X.shape[1]
    if transpose:
        X = X.T
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(X))
    if math.isfinite(norm) or not np.all(np.isfinite(X)):
        denominator = norm + eps if eps_placement == "add" else max(norm, eps)
    else:
        # finite entries whose squares overflow (float32 from ~1.8e19): the same quotient
        # as (X / big) / ((||X|| + eps) / big), never X / inf = 0, a silent zero update
        big = float(np.abs(X).max())
        X = X / big
        norm = float(np.linalg.norm(X))
        denominator = norm + eps / big if eps_placement == "add" else max(norm, eps / big)
    if denominator == 0.0:
        # G = 0 with eps = 0: 0 / 0 was a NaN matrix. The quintic maps 0 to 0 (as any
        # eps > 0 gives), so the result is 0
        X = scratch(ws, "ns_x", X.shape, X.dtype)
        X[...] = 0.0
        return X.T if transpose else X
    # into a C-ordered array of our own (a transposed G is F-ordered), which the
    # iteration overwrites
    X = np.divide(X, denominator, out=scratch(ws, "ns_x", X.shape, X.dtype))
    return _quintic_steps(X, steps, (a, b, c), transpose, ws)


def _quintic_steps(X: np.ndarray, steps: int, coefficients: tuple[float, float, float],
                   transpose: bool, ws: Workspace | None = None) -> np.ndarray:
    """``steps`` times ``X <- a X + (b A + c A^2) X`` with ``A = X X^T``, overwriting ``X``
    (a C-ordered array of the caller's own): three arrays for all the steps instead of a
    new one for every term, the same operations in the same order as
    ``a * X + (b * A + c * (A @ A)) @ X`` (equal to it bit for bit on a C-ordered ``X``;
    a transposed ``G`` used to enter the first products F-ordered, 8e-16 apart)."""
    a, b, c = coefficients
    if steps == 0:
        return X.T if transpose else X
    k = X.shape[0]
    A, B = (scratch(ws, name, (k, k), X.dtype) for name in ("ns_a", "ns_b"))
    # X is the workspace's "ns_x" when ws is given (newton_schulz5)
    Y = scratch(ws, "ns_y", X.shape, X.dtype)
    for _ in range(steps):
        np.matmul(X, X.T, out=A)
        np.matmul(A, A, out=B)
        B *= c
        A *= b
        B += A  # b A + c A^2 (addition commutes exactly)
        np.matmul(B, X, out=Y)
        X *= a
        Y += X
        X, Y = Y, X
    return X.T if transpose else X


class Muon(Optimizer):
    """Muon for matrices, AdamW for everything else, over a dict of named arrays.

    Parameters
    ----------
    lr : float
        Learning rate of the matrix parameters.
    momentum : float
        mu (0.95 in the reference).
    nesterov : bool
        Nesterov momentum (reference default True).
    ns_steps : int
        Newton-Schulz iterations.
    weight_decay : float
        Decoupled weight decay of the matrix parameters.
    adamw_lr, adamw_betas, adamw_eps, adamw_weight_decay :
        The AdamW rule for parameters that are not 2-D or are named in ``exclude``.
    exclude : collection of str
        Names of 2-D parameters that take AdamW anyway (embeddings, heads).
    eps_placement : {"add", "clamp"}
        Newton-Schulz's normalisation ``u / (||u||_F + 1e-7)`` (the reference Muon;
        default) or ``u / max(||u||_F, 1e-7)`` (``torch.optim.Muon``); see
        :func:`newton_schulz5`.

    Examples
    --------
    >>> opt = Muon(lr=0.1)
    >>> W = np.eye(3); b = np.zeros(3)
    >>> opt.step({"W": W, "b": b}, {"W": np.diag([1.0, 2.0, 3.0]), "b": np.ones(3)})
    >>> bool(np.all(np.diag(W) < 1.0)), b.round(3)
    (True, array([-0.001, -0.001, -0.001]))
    """

    name = "Muon"
    # its rules neither keep nor change p: Optimizer.step may pass a read-only view
    _reads_parameters_only = True

    def __init__(
        self,
        lr: float = 0.02,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_steps: int = 5,
        weight_decay: float = 0.0,
        adamw_lr: float = 1e-3,
        adamw_betas: tuple[float, float] = (0.9, 0.999),
        adamw_eps: float = 1e-8,
        adamw_weight_decay: float = 0.0,
        exclude: Iterable[str] = (),
        eps_placement: str = "add",
    ) -> None:
        super().__init__()
        # the arrays a step reuses instead of fresh ones (see _update): Newton-Schulz's
        # scratch shared by the parameters of one shape and dtype, each parameter's own
        # pools for what a step hands out
        self._workspaces = ParameterWorkspaces()
        self.lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
        self.momentum = as_float(momentum, "momentum", minimum=0.0)
        if self.momentum >= 1.0:
            raise ArgumentError(f"momentum must be in [0, 1), got {self.momentum}")
        if not isinstance(nesterov, bool):
            raise ArgumentTypeError(f"nesterov must be a bool, got {nesterov!r}")
        self.nesterov = nesterov
        self.ns_steps = as_int(ns_steps, "ns_steps", minimum=0)
        self.weight_decay = as_float(weight_decay, "weight_decay", minimum=0.0)
        self.eps_placement = as_choice(eps_placement, EPS_PLACEMENTS, "eps_placement")
        self.adamw = AdamWRoute(adamw_lr, adamw_betas, adamw_eps, adamw_weight_decay, exclude)
        self.exclude = self.adamw.exclude
        self._hyper = {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "ns_steps": self.ns_steps,
            "weight_decay": self.weight_decay,
            "eps_placement": self.eps_placement,
            **self.adamw.hyper(),
        }

    def step(self, params: Any, grads: Any) -> None:
        """As :meth:`Optimizer.step`; at a step with no state yet every name in
        ``exclude`` must name a parameter (``ArgumentError``, nothing changed)."""
        if not self._state:
            self.adamw.check_exclude(params)
        super().step(params, grads)

    def release_buffers(self) -> None:
        """Give back the arrays kept between steps for speed; the next step makes them again.

        Examples
        --------
        >>> opt = Muon(lr=0.1)
        >>> opt.step({"W": np.eye(3)}, {"W": np.ones((3, 3))})
        >>> opt.release_buffers()
        """
        self._workspaces.clear()

    def routes_to_muon(self, name: str, shape: tuple[int, ...]) -> bool:
        """Whether parameter ``name`` of this shape takes the Muon rule (else AdamW)."""
        return self.adamw.takes_matrix_rule(name, shape)

    def _init_state(self, name: str, p: np.ndarray) -> State:
        if not self.routes_to_muon(name, p.shape):
            return self.adamw.init_state(p)
        return {"rule": "muon", "shape": tuple(p.shape), "buffer": np.zeros(p.shape, dtype=p.dtype)}

    def _update(self, name, p, g, state, t) -> tuple[np.ndarray, State]:
        if state["rule"] == "adamw":
            return self.adamw.update(p, g, state)
        mu = self.momentum
        old = state["buffer"]
        # fresh arrays of the weight's size page-fault through their memory on every step
        # (5 of 32 MB at 4096 x 1024); the workspace's are reused. What the step hands out
        # (the new buffer, the new weight) comes from pools that never reuse an array
        # something else still refers to (the state, a caller)
        ws = self._workspaces.of(name, g.shape, g.dtype)
        # the same operations as b + (1 - mu) (g - b) and g + mu (buf - g), each into one
        # array instead of three (additions commute exactly)
        with np.errstate(over="ignore", invalid="ignore"):
            buf = np.subtract(g, old, out=ws.unshared("buffer", g.shape, g.dtype))
            buf *= 1.0 - mu
            buf += old
            if self.nesterov:
                u = np.subtract(buf, g, out=ws.array("nesterov", g.shape, g.dtype))
                u *= mu
                u += g
            else:
                u = buf
        if not (np.all(np.isfinite(buf)) and np.all(np.isfinite(u))):
            # finite gradients of +max then -max overflow the average; this was reported
            # as "G has a non-finite entry", although the user's gradient was finite
            raise NonFiniteUpdateError(
                f"the momentum buffer of {name!r} overflows (gradients near the dtype's "
                "largest value); nothing was changed")
        O = newton_schulz5(u, self.ns_steps, eps_placement=self.eps_placement, ws=ws)
        scale = max(1.0, p.shape[0] / p.shape[1]) ** 0.5
        # p (1 - lr wd) - (lr scale) O, with O (our own array) scaled in place
        O *= self.lr * scale
        decay = 1.0 - self.lr * self.weight_decay
        if p.flags.c_contiguous:
            new_p = np.multiply(p, decay, out=ws.unshared("weight", p.shape, p.dtype))
        else:  # laid out as p, as p * decay would be
            new_p = p * decay
        new_p -= O
        # into O's memory laid out as new_p is (a tall O is the transpose of a C-ordered
        # array, new_p follows the parameter's order): the norm then sums new_p - p in
        # the order it always did
        order = "F" if new_p.flags.f_contiguous and not new_p.flags.c_contiguous else "C"
        moved = np.subtract(new_p, p, out=O.ravel(order="K").reshape(p.shape, order=order))
        self._current_diagnostics = {
            "update_rms": float(np.linalg.norm(moved) / np.sqrt(p.size))
        }
        return new_p, {**state, "buffer": buf}
