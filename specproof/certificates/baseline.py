"""The spectral (flattening) baseline for ``||X||_{2->q}``, q even.

q = 4: with ``M = sum_i (x_i (x) x_i)(x_i (x) x_i)^T`` (d^2 x d^2),
``||X v||_4^4 = (v (x) v)^T M (v (x) v) <= lambda_max(M)`` since ``||v (x) v|| = 1``.
Rounding: the top eigenvector ``w`` of ``M`` reshaped to ``W`` (d x d), symmetrised, has
eigen-decomposition ``sum_k mu_k u_k u_k^T`` with ``sum mu_k^2 = 1``; by Cauchy-Schwarz
``lambda_max = sum_i <x_i, W x_i>^2 <= sum_i sum_k <x_i,u_k>^4 <= d max_k ||X u_k||_4^4``,
so the best ``u_k`` loses at most a factor d on the 4th power (d^{1/4} on the norm).

Even q = 2k (reconstructed; the paper's text only names the q = 4 case): flatten
``T = sum_i x_i^{(x)q}`` to the ``d^k x d^k`` matrix ``sum_i (x_i^{(x)k})(x_i^{(x)k})^T``;
the same argument bounds ``||X||_{2->q}^q``; rounding uses the left singular vectors of
the top eigenvector reshaped to ``d x d^{k-1}``.

``M`` is never needed explicitly: ``M = K^T K`` with ``K`` the n x d^k matrix of rows
``x_i^{(x)k}``, so ``lambda_max(M) = lambda_max(K K^T)`` and ``(K K^T)_{ij} = <x_i,x_j>^k``.
We use whichever of the two is smaller, and the top eigenvector of ``M`` is
``K^T u / ||K^T u||`` for the top eigenvector ``u`` of ``K K^T``, i.e.
``W = X^T diag(u) X`` (already symmetric) for q = 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ResourceLimitError, as_flag, as_matrix
from specproof.certificates.constants import ETA, POW_ULPS, UNIT
from specproof.certificates.rational_text import directed_text
from specproof.certificates.rigorous import (
    _ldexp,
    gamma,
    lq_ratio_bounds,
    pow2_scale,
    root_upper,
    scale_up,
    up,
)
from specproof.certificates.rounding import candidates_from_matrix
from specproof.certificates.validation import as_even_q


@dataclass(frozen=True)
class BaselineResult:
    """Spectral baseline: ``lambda_max`` of the flattening and its rounded witness.

    Attributes
    ----------
    q : int
    lambda_max : float
        ``lambda_max`` of the flattening as computed: a float *estimate* of the bound
        on ``||X||_{2->q}^q`` (``inf`` where the q-th power leaves the float range).
    upper : float
        A certified upper bound on ``||X||_{2->q}``: ``lambda_max^(1/q)`` plus the
        rigorous error of forming the matrix and of the eigensolver, rounded up
        (``inf`` when the flattening was only estimated by Lanczos: no bound).
    lower : float
        A certified lower bound ``<= ||X witness||_q`` for the rounded unit vector.
    witness : ndarray
    top_eigenvector : ndarray
        The top eigenvector of the flattening (length ``d^k``).
    """

    q: int
    lambda_max: float
    upper: float
    lower: float
    witness: np.ndarray = field(repr=False)
    top_eigenvector: np.ndarray = field(repr=False)

    @property
    def certified(self) -> bool:
        """Whether ``upper`` is a rigorous bound (False after the matrix-free estimate)."""
        return math.isfinite(self.upper)

    def __repr__(self) -> str:
        # lambda_max is an estimate (to nearest); the bounds are rounded outward: to
        # nearest, upper=1.414213562 was shown for sqrt(2) = 1.41421356237...
        return (
            f"BaselineResult(q={self.q}, lambda_max={self.lambda_max:.10g}, "
            f"upper={directed_text(self.upper, 10, up=True)}, "
            f"lower={directed_text(self.lower, 10, up=False)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "lambda_max": self.lambda_max,
            "upper": self.upper,
            "lower": self.lower,
            "witness": self.witness.tolist(),
        }


def _kron_rows(X: np.ndarray, k: int) -> np.ndarray:
    """The n x d^k matrix with rows ``x_i^{(x)k}``."""
    K = X
    for _ in range(k - 1):
        K = (K[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)
    return K


def _top_matrix_free_q4(X: np.ndarray, seed: int) -> tuple[float, np.ndarray]:
    """Top eigenpair of ``M = K^T K`` by Lanczos, never forming K or M (q = 4).

    ``(K w)_i = x_i^T W x_i`` and ``K^T y = X^T diag(y) X`` (both reshaped), so one
    product costs O(n d^2) and memory stays O(n d + d^2).
    """
    from scipy.sparse.linalg import LinearOperator, eigsh  # loaded only for large d

    n, d = X.shape

    def matvec(w: np.ndarray) -> np.ndarray:
        W = w.reshape(d, d)
        y = np.einsum("ij,ij->i", X @ W, X)
        return ((X.T * y) @ X).ravel()

    op = LinearOperator((d * d, d * d), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(d * d)
    vals, vecs = eigsh(op, k=1, which="LA", v0=v0, tol=0)
    return float(vals[0]), vecs[:, 0]


# the longest flattening eigenvector the baseline will form (16 M entries, 128 MB)
MAX_FLATTENING_VECTOR = 1 << 24


def flattening_too_long(d: int, k: int) -> bool:
    """Whether ``d^k`` exceeds :data:`MAX_FLATTENING_VECTOR`, without forming ``d^k`` when
    it is huge (``3^500000000`` for q = 1e9 took longer than any caller would wait).

    Examples
    --------
    >>> flattening_too_long(3, 2), flattening_too_long(3, 500_000_000)
    (False, True)
    """
    if d <= 1:
        return False
    if k * math.log2(d) > math.log2(MAX_FLATTENING_VECTOR) + 1.0:
        return True
    return d**k > MAX_FLATTENING_VECTOR


def _flattening_scaled(
    X: np.ndarray, q: int, dense_max: int, seed: int
) -> tuple[float, np.ndarray, float]:
    """On data with entries at most 1: the computed ``lambda_max``, the top eigenvector
    and a rigorous upper bound on the exact ``lambda_max`` (``inf`` for Lanczos)."""
    n, d = X.shape
    k = q // 2
    if flattening_too_long(d, k):
        # the top eigenvector has d^(q/2) entries: at q = 50 and d = 3, 8.5e11 (the
        # n <= D branch built a 6 x 3^24 array and ran out of memory)
        digits = k * math.log10(d)
        size = f"{float(d**k):.3g}" if digits < 300 else f"10^{digits:.4g}"
        raise ResourceLimitError(
            f"the q = {q} flattening's eigenvector has d^(q/2) = {d}^{k} = {size} entries, "
            f"more than {MAX_FLATTENING_VECTOR:.3g}: use method='power' (and 'sos' for q "
            "<= 8) instead of the baseline"
        )
    D = d**k
    if min(n, D) > dense_max:
        if k != 2:
            raise ArgumentError(
                f"the q = {q} flattening is {D} x {D} with n = {n} rows: too large for a "
                f"dense eigensolver (limit {dense_max}); the matrix-free route exists for "
                "q = 4 only"
            )
        lam, w = _top_matrix_free_q4(X, seed)
        return lam, w, math.inf
    if n <= D:
        A = (X @ X.T) ** k
        vals, vecs = np.linalg.eigh(A)
        lam, u = float(vals[-1]), vecs[:, -1]
        if k == 2:
            w = (X.T * u) @ X  # sum_i u_i x_i x_i^T, reshaped top eigenvector of M
        else:
            w = X.T @ (u[:, None] * _kron_rows(X, k - 1))
        w = w.ravel()
    else:
        K = _kron_rows(X, k)
        A = K.T @ K
        vals, vecs = np.linalg.eigh(A)
        lam, w = float(vals[-1]), vecs[:, -1]
    m = A.shape[0]
    # ||fl(A) - A||_F <= gamma * sum_i ||x_i||^(2k) (= ||K||_F^2; |<x_i,x_j>| <= ||x_i|| ||x_j||)
    T = float(np.sum(np.sum(X * X, axis=1) ** k))
    T = T * (1 + gamma(n + d + k + POW_ULPS + 4)) + n * ETA
    form = gamma(k * d + n + 2 * k + POW_ULPS + 4) * T + (n * n + n * D) * (k + 2) * d**k * ETA
    AF = float(np.sqrt(np.sum(A * A))) * (1 + gamma(m * m + 2)) + m * ETA
    eig = 2 * m * UNIT * AF + m * m * ETA
    upper = up((lam + eig + form) * (1 + 4 * UNIT))
    return lam, w, upper


def flattening_top(
    X: np.ndarray, q: int, dense_max: int = 1600, seed: int = 0
) -> tuple[float, np.ndarray]:
    """``lambda_max`` of the ``d^k x d^k`` flattening (a float estimate) and its top
    eigenvector (unit).

    ``M = K^T K`` and ``K K^T`` (n x n, entries ``<x_i, x_j>^k``) share their nonzero
    eigenvalues; a dense eigensolver runs on the smaller of the two when it has at most
    ``dense_max`` rows. Otherwise (q = 4 only) Lanczos runs on the operator
    ``w -> K^T K w`` without forming K or M (O(n d^2) per product). The data are
    rescaled by a power of two first; the value is scaled back (``inf`` on overflow).

    Examples
    --------
    >>> lam, w = flattening_top(np.eye(2), 4)
    >>> round(lam, 12), w.shape
    (1.0, (4,))
    """
    Xs, e = pow2_scale(X)
    lam, w, _ = _flattening_scaled(Xs, q, dense_max, seed)
    D = X.shape[1] ** (q // 2)
    nw = np.linalg.norm(w)
    w = w / nw if nw > 0 else np.eye(D)[0]
    return _ldexp(max(lam, 0.0), q * e), w


def spectral_baseline(X: Any, q: int = 4, symmetrise: bool = True) -> BaselineResult:
    """Spectral baseline upper bound on ``||X||_{2->q}`` (q even) with its rounding.

    Parameters
    ----------
    X : array_like (n, d)
    q : int
        Even exponent (4 is the paper's case; 2k is reconstructed, see the module doc).
    symmetrise : bool
        Symmetrise the reshaped eigenvector before taking eigenvectors (q = 4). Only a
        switch for experiments; the guarantee is proved for the symmetrised rounding.

    Returns
    -------
    BaselineResult
        ``lambda_max`` estimates the bound on ``||X||_{2->q}^q``; ``upper`` is the
        certified bound on the norm; ``lower``/``witness`` is the rounding.

    Examples
    --------
    >>> import itertools
    >>> X = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))  # Boolean cube
    >>> r = spectral_baseline(X)
    >>> round(r.lambda_max, 9)          # 2^m m; the true 4th power is 2^m (3 - 2/m) = 18.67
    24.0
    >>> 18.66 / 3 <= r.lower**4 <= 18.67   # the rounded witness: within the factor d = 3
    True
    """
    X = as_matrix(X)
    q = as_even_q(q)
    symmetrise = as_flag(symmetrise, "symmetrise",
                         "True: symmetrise the reshaped eigenvector, as the bound assumes")
    Xs, e = pow2_scale(X)
    lam, w, lam_upper = _flattening_scaled(Xs, q, 1600, 0)
    d = X.shape[1]
    nw = np.linalg.norm(w)
    w = w / nw if nw > 0 else np.eye(d ** (q // 2))[0]
    U = candidates_from_matrix(w.reshape(d, -1), symmetrise=symmetrise)
    U = U / np.linalg.norm(U, axis=0, keepdims=True)
    lo, _ = lq_ratio_bounds(X, U, float(q))
    j = int(np.argmax(lo))
    u = U[:, j].copy()
    if u[np.argmax(np.abs(u))] < 0:
        u = -u
    upper = scale_up(root_upper(Fraction(lam_upper), q), e) if math.isfinite(lam_upper) \
        else math.inf
    return BaselineResult(
        q=q, lambda_max=_ldexp(max(lam, 0.0), q * e), upper=upper, lower=float(lo[j]),
        witness=u, top_eigenvector=w,
    )
