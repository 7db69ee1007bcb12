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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from specproof.certificates.rounding import best_candidate, candidates_from_matrix
from specproof.certificates.validation import check_even_q, check_matrix


@dataclass(frozen=True)
class BaselineResult:
    """Spectral baseline: ``lambda_max`` of the flattening and its rounded witness.

    Attributes
    ----------
    q : int
    lambda_max : float
        Upper bound on ``||X||_{2->q}^q``.
    upper : float
        ``lambda_max ** (1/q)``, upper bound on the norm.
    lower : float
        ``||X witness||_q`` for the rounded unit vector ``witness``.
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

    def __repr__(self) -> str:
        return (
            f"BaselineResult(q={self.q}, lambda_max={self.lambda_max:.10g}, "
            f"upper={self.upper:.10g}, lower={self.lower:.10g})"
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
    n, d = X.shape

    def matvec(w: np.ndarray) -> np.ndarray:
        W = w.reshape(d, d)
        y = np.einsum("ij,ij->i", X @ W, X)
        return ((X.T * y) @ X).ravel()

    op = LinearOperator((d * d, d * d), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(d * d)
    vals, vecs = eigsh(op, k=1, which="LA", v0=v0, tol=0)
    return float(vals[0]), vecs[:, 0]


def flattening_top(
    X: np.ndarray, q: int, dense_max: int = 1600, seed: int = 0
) -> tuple[float, np.ndarray]:
    """``lambda_max`` of the ``d^k x d^k`` flattening and its top eigenvector (unit).

    ``M = K^T K`` and ``K K^T`` (n x n, entries ``<x_i, x_j>^k``) share their nonzero
    eigenvalues; a dense eigensolver runs on the smaller of the two when it has at most
    ``dense_max`` rows. Otherwise (q = 4 only) Lanczos runs on the operator
    ``w -> K^T K w`` without forming K or M (O(n d^2) per product).

    Examples
    --------
    >>> lam, w = flattening_top(np.eye(2), 4)
    >>> round(lam, 12), w.shape
    (1.0, (4,))
    """
    n, d = X.shape
    k = q // 2
    D = d**k
    if min(n, D) > dense_max:
        if k != 2:
            raise ValueError(
                f"the q = {q} flattening is {D} x {D} with n = {n} rows: too large for a "
                f"dense eigensolver (limit {dense_max}); the matrix-free route exists for "
                "q = 4 only"
            )
        lam, w = _top_matrix_free_q4(X, seed)
    elif n <= D:
        G = (X @ X.T) ** k
        vals, vecs = np.linalg.eigh(G)
        lam, u = float(vals[-1]), vecs[:, -1]
        if k == 2:
            w = (X.T * u) @ X  # sum_i u_i x_i x_i^T, reshaped top eigenvector of M
        else:
            w = X.T @ (u[:, None] * _kron_rows(X, k - 1))
        w = w.ravel()
    else:
        K = _kron_rows(X, k)
        vals, vecs = np.linalg.eigh(K.T @ K)
        lam, w = float(vals[-1]), vecs[:, -1]
    nw = np.linalg.norm(w)
    w = w / nw if nw > 0 else np.eye(D)[0]
    return max(lam, 0.0), w


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
        ``lambda_max`` bounds ``||X||_{2->q}^q``; ``lower``/``witness`` is the rounding.

    Examples
    --------
    >>> import itertools
    >>> X = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))  # Boolean cube
    >>> r = spectral_baseline(X)
    >>> round(r.lambda_max, 9)          # 2^m m; the true 4th power is 2^m (3 - 2/m) = 18.67
    24.0
    >>> 24.0 / 3 <= r.lower**4 <= 18.67  # the rounded witness: within the factor d = 3
    True
    """
    X = check_matrix(X)
    q = check_even_q(q)
    lam, w = flattening_top(X, q)
    d = X.shape[1]
    U = candidates_from_matrix(w.reshape(d, -1), symmetrise=symmetrise)
    lower, u = best_candidate(X, float(q), U)
    return BaselineResult(
        q=q, lambda_max=lam, upper=lam ** (1.0 / q), lower=lower, witness=u, top_eigenvector=w
    )
