"""Lower bounds on ``||X||_{2->q}`` by the power method (Boyd 1974; Higham's ``pnorm``).

For ``f(v) = ||X v||_q^q`` (convex for q >= 1) the iteration

    v <- X^T psi(X v) / ||X^T psi(X v)||_2,   psi(y) = sign(y) |y|^{q-1},

is the fixed-point iteration of the Lagrange condition; by convexity
``f(v_new) >= f(v) + <grad f(v), v_new - v> >= f(v)`` (the gradient is ``q X^T psi(Xv)``
and ``v_new`` maximises the linear term over the unit sphere), so the objective never
decreases. It finds a local maximum only, hence restarts. For q = 4 this is the
symmetric higher-order power method on ``T = sum_i x_i^{(x)4}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ResourceLimitError,
    as_flag,
    as_float,
    as_generator,
    as_int,
    as_matrix,
    as_vector,
)
from specproof.certificates.rational_text import directed_text
from specproof.certificates.rigorous import _ldexp, lq_ratio_bounds, pow2_scale
from specproof.certificates.rounding import lq_norms
from specproof.certificates.validation import as_q

DEFAULT_RESTARTS = 20
DEFAULT_ROW_STARTS = 10


@dataclass(frozen=True)
class PowerResult:
    """Best value found by the power method, its unit witness and run statistics.

    Attributes
    ----------
    value : float
        ``||X witness||_q`` evaluated in floating point: an *estimate* of the value at
        the witness (it may exceed the exact value by an ulp or so).
    lower : float
        A certified lower bound on ``||X||_{2->q}``: ``lower <= ||X w||_q / ||w||_2``
        in exact arithmetic for the float witness ``w`` (rigorous error bound, any
        magnitude; :func:`~specproof.certificates.rigorous.lq_ratio_bounds`).

    Examples
    --------
    >>> power_method(np.eye(3), q=4)
    PowerResult(q=4, value=1, lower=0.9999999999999, starts=24, iterations=7, converged=True)
    """

    q: float
    value: float
    witness: np.ndarray = field(repr=False)
    starts: int
    iterations: int
    converged: bool
    history: np.ndarray | None = field(default=None, repr=False)
    lower: float = 0.0

    def __repr__(self) -> str:
        q = "inf" if math.isinf(self.q) else f"{self.q:g}"
        return (
            # value is an estimate (to nearest); lower a certified bound (rounded down:
            # to nearest, 1.234567890124 was shown for a norm of 1.23456789012358)
            f"PowerResult(q={q}, value={self.value:.12g}, "
            f"lower={directed_text(self.lower, 13, up=False)}, "
            f"starts={self.starts}, "
            f"iterations={self.iterations}, converged={self.converged})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": "inf" if math.isinf(self.q) else self.q,
            "value": self.value,
            "lower": self.lower,
            "witness": self.witness.tolist(),
            "starts": self.starts,
            "iterations": self.iterations,
            "converged": self.converged,
        }


def _lq(Y: np.ndarray, q: float) -> np.ndarray:
    return lq_norms(Y, q)


def _psi(Y: np.ndarray, q: float) -> np.ndarray:
    # divide by the column max first: the direction is unchanged and |y|^{q-1} cannot overflow
    scale = np.max(np.abs(Y), axis=0, keepdims=True)
    scale[scale == 0] = 1.0
    Z = Y / scale
    if q == 4.0:
        return Z * Z * Z
    return np.sign(Z) * np.abs(Z) ** (q - 1.0)


def default_starts(X: np.ndarray, restarts: int, seed: Any, row_starts: int) -> np.ndarray:
    """Start vectors (columns): top right singular vector, largest rows, random directions.

    Examples
    --------
    >>> default_starts(np.eye(3), 2, 0, 1).shape
    (3, 4)
    """
    n, d = X.shape
    rng = as_generator(seed)
    cols = []
    if d <= 600:
        # a start needs no accuracy: the d x d Gram matrix is much cheaper than an SVD of X
        _, vecs = np.linalg.eigh(X.T @ X)
        cols.append(vecs[:, -1])
    else:
        from specproof.certificates.operator import spectral_norm

        cols.append(spectral_norm(X, seed=rng).witness)
    norms = np.linalg.norm(X, axis=1)
    k = min(row_starts, n)
    if k > 0:
        top = np.argpartition(-norms, k - 1)[:k] if k < n else np.arange(n)
        for i in top:
            if norms[i] > 0:
                cols.append(X[i] / norms[i])
    R = rng.standard_normal((d, restarts))
    V = np.column_stack(cols + [R[:, j] for j in range(restarts)])
    nv = np.linalg.norm(V, axis=0)
    nv[nv == 0] = 1.0
    return V / nv


def power_iterations(
    X: np.ndarray,
    q: float,
    V: np.ndarray,
    max_iter: int = 1000,
    tol: float = 1e-12,
    prune_after: int | None = None,
    prune_gap: float = 1e-2,
) -> tuple[np.ndarray, np.ndarray, int, bool, np.ndarray]:
    """Run the power method from every column of ``V`` at once.

    Returns ``(V_final, values, iterations, converged, history)`` where ``history`` has
    one row per iteration with the objective ``||X v||_q`` of every column. With
    ``prune_after = k``, starts whose value is more than a relative ``prune_gap`` below
    the best after k iterations are stopped (they are climbing a worse local maximum);
    this only makes the lower bound cheaper, never invalid.

    Examples
    --------
    >>> V, vals, it, ok, hist = power_iterations(np.diag([2.0, 1.0]), 4.0,
    ...                                           np.array([[0.6], [0.8]]))
    >>> round(float(vals[0]), 12), ok
    (2.0, True)
    """
    V = V.copy()
    Y = X @ V
    vals = _lq(Y, q)
    history = [vals.copy()]
    converged = False
    it = 0
    active = np.ones(V.shape[1], dtype=bool)
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        W = X.T @ _psi(Y[:, idx], q)
        wn = np.linalg.norm(W, axis=0)
        ok = wn > 0
        Vn = V[:, idx].copy()
        Vn[:, ok] = W[:, ok] / wn[ok]
        Yn = X @ Vn
        new = _lq(Yn, q)
        # keep the step only where it did not lose (it never should, up to rounding)
        better = new >= vals[idx]
        upd = idx[better]
        V[:, upd] = Vn[:, better]
        Y[:, upd] = Yn[:, better]
        rel = (new - vals[idx]) / np.maximum(vals[idx], np.finfo(float).tiny)
        vals[upd] = new[better]
        history.append(vals.copy())
        active[idx[(rel <= tol) | ~better]] = False
        if prune_after is not None and it >= prune_after and it % 5 == 0:
            active &= vals >= vals.max() * (1.0 - prune_gap)
        if not active.any():
            converged = True
            break
    return V, vals, it, converged, np.array(history)


def _unit_start(u: np.ndarray) -> np.ndarray:
    """``u / ||u||_2``, scaled by a power of two first (largest entry in ``[1/2, 1)``):
    the norm of ``[1e-200, 0]`` underflowed to 0 ("v0 must be non-zero") and that of
    ``[1e308, 1e308]`` overflowed to inf (a zero start)."""
    big = float(np.max(np.abs(u)))
    if big == 0:
        raise ArgumentError("v0 must be non-zero, got the zero vector")
    u = np.ldexp(u, -int(np.frexp(big)[1]))  # exact for every entry not far below big
    return u / np.linalg.norm(u)


def _check_work(n: int, d: int, restarts: int, starts: int, max_iter: int) -> None:
    """Refuse, before anything is allocated, starts whose iterates would not fit in the
    available memory (``restarts=10**9`` asked numpy for 22 GiB of start vectors and was
    OOM-killed): each start holds about six length-d and four length-n vectors (``V``,
    ``X V``, the step, the random draw) and one history entry per iteration."""
    from specproof.certificates.solver_choice import available_memory

    need = 8 * starts * (6 * d + 4 * n + max_iter + 1)
    have = available_memory()
    limit = have if have is not None else 64 * 2**30
    if need > limit:
        raise ResourceLimitError(
            f"restarts={restarts} ({starts} starts of the power method) on X of shape "
            f"{n}x{d} with max_iter={max_iter} need about {need / 2**30:.3g} GiB, more than the "
            f"{limit / 2**30:.3g} GiB {'available' if have is not None else 'limit'}; use "
            f"fewer restarts (the default is {DEFAULT_RESTARTS}) or a smaller max_iter")


def power_method(
    X: Any,
    q: Any = 4,
    restarts: int = DEFAULT_RESTARTS,
    seed: Any = 0,
    max_iter: int = 1000,
    tol: float = 1e-12,
    prune_after: int | None = 30,
    row_starts: int = DEFAULT_ROW_STARTS,
    v0: Any = None,
    keep_history: bool = False,
) -> PowerResult:
    """Lower bound on ``||X||_{2->q}`` by the power method with restarts.

    Parameters
    ----------
    X : array_like (n, d)
    q : float or "inf"
        Exponent, ``2 <= q <= inf``. q = inf is solved exactly (largest row norm).
    restarts : int
        Number of random Gaussian starts (seeded), besides the good starts. Their
        iterates (about ``8 (restarts + row_starts) (6d + 4n + max_iter)`` bytes) must
        fit in the available memory, checked before anything is allocated.
    seed : int, Generator or None
        Seeds the random starts.
    max_iter : int
        Iteration cap per start (>= 0; 0 evaluates the starts only).
    tol : float
        A start stops when its objective improves by a relative amount <= tol (>= 0).
    prune_after : int or None
        After this many iterations, starts more than 1% below the best are dropped
        (None: run every start to convergence).
    row_starts : int
        How many of the largest rows of X (normalised) are used as starts.
    v0 : array_like (d,), optional
        One extra start (e.g. a rounded SoS vector to polish); non-zero, of any size
        (it is scaled by a power of two before it is normalised).
    keep_history : bool
        Keep the per-iteration objective of every start (for the monotonicity check).

    Returns
    -------
    PowerResult
        ``value = ||X witness||_q`` in floating point (an estimate) and ``lower``, a
        certified lower bound on the norm from the witness. The iterations run on
        ``X * 2^-e`` (largest entry in ``[1/2, 1)``), so tiny and huge data behave
        like any other.

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, -1.0]])   # 2x2 Hadamard: sqrt(2) for every q
    >>> round(power_method(X, q=3).value, 12)
    1.414213562373
    """
    X = as_matrix(X)
    q = as_q(q)
    restarts = as_int(restarts, "restarts", minimum=0)
    max_iter = as_int(max_iter, "max_iter", minimum=0)
    tol = as_float(tol, "tol", minimum=0.0)  # NaN stopped nothing: every start ran max_iter
    if prune_after is not None:
        prune_after = as_int(prune_after, "prune_after", minimum=0)
    row_starts = as_int(row_starts, "row_starts", minimum=0)
    keep_history = as_flag(keep_history, "keep_history")
    n, d = X.shape
    X0 = X
    X, e = pow2_scale(X0)
    if math.isinf(q):
        norms = np.linalg.norm(X, axis=1)
        i = int(np.argmax(norms))
        w = X[i] / norms[i] if norms[i] > 0 else np.eye(d)[0]
        return PowerResult(q, _ldexp(float(norms[i]), e), w, 1, 0, True,
                           lower=float(lq_ratio_bounds(X0, w, q)[0][0]))
    # q = inf above needs no starts; here they are counted before any is drawn
    _check_work(n, d, restarts, restarts + min(row_starts, n) + 2, max_iter)
    V = default_starts(X, restarts, seed, row_starts)
    if v0 is not None:
        V = np.column_stack([_unit_start(as_vector(v0, d, name="v0")), V])
    V, vals, it, converged, hist = power_iterations(
        X, q, V, max_iter=max_iter, tol=tol, prune_after=prune_after
    )
    k = int(np.argmax(vals))
    w = V[:, k] / np.linalg.norm(V[:, k])
    if w[np.argmax(np.abs(w))] < 0:
        w = -w
    y = X @ w
    value = _ldexp(float(lq_norms(y, q)[0]), e)
    return PowerResult(
        q=q,
        value=value,
        lower=float(lq_ratio_bounds(X0, w, q)[0][0]),
        witness=w,
        starts=V.shape[1],
        iterations=it,
        converged=converged,
        history=hist if keep_history else None,
    )
