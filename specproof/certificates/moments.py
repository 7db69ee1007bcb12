"""Pseudo-moment matrices from the moments ``E~[v^alpha]`` of degree q."""

from __future__ import annotations

import math

import numpy as np

from specproof.certificates.monomials import exponents, pair_structure


def moment_matrix(moments: np.ndarray, d: int, q: int) -> np.ndarray:
    """The ``N x N`` pseudo-moment matrix ``M_ab = y_{alpha(a,b)}`` over the Gram basis.

    Examples
    --------
    >>> y = np.arange(5.0)          # d = 2, q = 4: moments of v1^4, v1^3 v2, ..., v2^4
    >>> moment_matrix(y, 2, 4)
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    """
    rows, m = pair_structure(d, q)
    N = int(round(math.sqrt(rows.size)))
    return np.asarray(moments, dtype=np.float64)[rows].reshape(N, N)


def full_moment_matrix(moments: np.ndarray, d: int, q: int) -> np.ndarray:
    """The ``d^k x d^k`` (k = q/2) matrix ``E~[(v^{(x)k})(v^{(x)k})^T]`` from the moments.

    It is invariant under every permutation of the q tensor indices by construction.

    Examples
    --------
    >>> full_moment_matrix(np.arange(5.0), 2, 4).shape
    (4, 4)
    """
    k = q // 2
    idx = np.array(np.unravel_index(np.arange(d**k), (d,) * k)).T  # d^k x k
    counts = np.zeros((d**k, d), dtype=np.int64)
    for col in range(k):
        counts[np.arange(d**k), idx[:, col]] += 1
    weights = (q + 1) ** np.arange(d, dtype=np.int64)
    key_half = counts @ weights
    full = np.array(exponents(d, q), dtype=np.int64).reshape(-1, d)
    key_full = full @ weights
    order = np.argsort(key_full)
    sums = key_half[:, None] + key_half[None, :]
    pos = order[np.searchsorted(key_full[order], sums)]
    return np.asarray(moments, dtype=np.float64)[pos]
