"""Rounding a (pseudo-)moment matrix over ``v^{(x)k}`` to a unit vector.

Both the spectral baseline and the SoS relaxation produce a symmetric ``d^k x d^k``
matrix whose top eigenvector ``w`` "wants" to be ``v^{(x)k}``. Reshaping ``w`` to
``d x d^{k-1}`` gives a matrix ``W``; for k = 2 we symmetrise it and try every
eigenvector ``u`` of ``W``; for k > 2 we try the left singular vectors. The candidate with
the largest ``||X u||_q`` wins. Any unit vector is a valid lower-bound witness, so this is
a heuristic only in how good the bound is, never in whether it is a bound.
"""

from __future__ import annotations

import numpy as np


def lq_norms(Y: np.ndarray, q: float) -> np.ndarray:
    """Column-wise ``||y||_q`` without overflow: ``max|y| * ||y / max|y| ||_q``.

    Examples
    --------
    >>> lq_norms(np.array([[3.0e200], [4.0e200]]), 2.0)
    array([5.e+200])
    """
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    m = np.max(np.abs(Y), axis=0)
    if np.isinf(q):
        return m
    safe = np.where(m > 0, m, 1.0)
    Z = Y / safe
    if q == 4.0:  # the common case, without the generic power
        Z = Z * Z
        return m * np.sqrt(np.sqrt(np.einsum("ij,ij->j", Z, Z)))
    return m * np.sum(np.abs(Z) ** q, axis=0) ** (1.0 / q)


def lq_value(X: np.ndarray, v: np.ndarray, q: float) -> float:
    """``||X v||_q`` for a vector ``v`` (q may be ``inf``).

    Examples
    --------
    >>> round(lq_value(np.eye(2), np.array([0.6, 0.8]), 4.0), 4)
    0.8569
    """
    return float(lq_norms(X @ v, q)[0])


def candidates_from_matrix(W: np.ndarray, symmetrise: bool = True) -> np.ndarray:
    """Unit candidate vectors (columns) from a reshaped top eigenvector ``W`` (d x d^{k-1}).

    Examples
    --------
    >>> candidates_from_matrix(np.diag([1.0, 2.0])).shape
    (2, 2)
    """
    d = W.shape[0]
    if W.shape[1] == d and symmetrise:
        _, U = np.linalg.eigh((W + W.T) / 2)
        return U
    if W.shape[1] == d:
        # without symmetrising: real parts of the eigenvectors of W itself
        vals, U = np.linalg.eig(W)
        U = np.real(U)
        norms = np.linalg.norm(U, axis=0)
        norms[norms == 0] = 1.0
        return U / norms
    U, _, _ = np.linalg.svd(W, full_matrices=False)
    return U


def best_candidate(X: np.ndarray, q: float, U: np.ndarray) -> tuple[float, np.ndarray]:
    """The column of ``U`` (normalised) with the largest ``||X u||_q``, and that value.

    Examples
    --------
    >>> val, u = best_candidate(np.diag([1.0, 3.0]), 4.0, np.eye(2))
    >>> val, u.tolist()
    (3.0, [0.0, 1.0])
    """
    U = U / np.linalg.norm(U, axis=0, keepdims=True)
    vals = lq_norms(X @ U, q)
    k = int(np.argmax(vals))
    u = U[:, k].copy()
    # sign convention: largest-magnitude entry positive, so witnesses are reproducible
    if u[np.argmax(np.abs(u))] < 0:
        u = -u
    return float(vals[k]), u


def round_top_eigenvector(
    X: np.ndarray, q: float, w: np.ndarray, symmetrise: bool = True
) -> tuple[float, np.ndarray]:
    """Round the top eigenvector ``w`` (length ``d^k``) of a moment-like matrix.

    Examples
    --------
    >>> X = np.diag([1.0, 2.0]); w = np.kron([0.0, 1.0], [0.0, 1.0])
    >>> round_top_eigenvector(X, 4.0, w)[0]
    2.0
    """
    d = X.shape[1]
    W = np.asarray(w, dtype=np.float64).reshape(d, -1)
    return best_candidate(X, q, candidates_from_matrix(W, symmetrise=symmetrise))
