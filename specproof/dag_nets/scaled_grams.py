"""Gram matrices of activations and cotangents whose product is right at any magnitude.

The empirical NTK of a block is ``(A^T A') * (Y^T Y')`` elementwise. Rescaling the input
by ``s`` and the first weights by ``1/s`` leaves the network, and its NTK, unchanged, but
at ``s = 1e170`` ``A^T A'`` overflowed while ``Y^T Y'`` underflowed: the block's term was
dropped (0.00406 instead of 0.0143), and at ``s = 1e-170`` it read NaN. Where a column
of ``A`` or ``Y`` (one example) is outside ``2^+-250`` in size, each column is scaled by a
power of two first (exact), and the exponents are added back to the product at the end.
Moderate columns take the plain product, bit for bit as before. The limits follow the
dtype: ``2^+-26`` in float32, whose Grams otherwise fell into the subnormals (3e-5
relative off at inputs scaled by 1e20 with the weights divided by it, against 1e-7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _limits(dtype: np.dtype) -> tuple[float, float]:
    """``(small, big)``: columns within them have Grams (squares summed over up to 2^20 rows)
    in the dtype's normal range: ``2^+-250`` in float64, ``2^+-26`` in float32."""
    e = int(np.finfo(dtype).maxexp) // 4 - 6
    return 2.0**-e, 2.0**e


@dataclass(frozen=True)
class ScaledGram:
    """``X1^T X2 = ldexp(G, e1[:, None] + e2[None, :])``; ``e1``, ``e2`` None when unscaled."""

    G: np.ndarray
    e1: np.ndarray | None = None
    e2: np.ndarray | None = None


def _moderate(X: np.ndarray) -> bool:
    if X.size == 0:
        return True
    small, big = _limits(X.dtype)
    colmax = np.abs(X).max(axis=0)
    return bool(np.all((colmax == 0.0) | ((colmax >= small) & (colmax <= big))))


def _column_exponents(X: np.ndarray) -> np.ndarray:
    if X.size == 0:
        return np.zeros(X.shape[1], dtype=np.int64)
    with np.errstate(invalid="ignore"):
        return np.frexp(np.abs(X).max(axis=0))[1].astype(np.int64)


def scaled_gram(X1: np.ndarray, X2: np.ndarray, same: bool) -> ScaledGram:
    """``X1^T X2`` (columns are examples), column-scaled where a column is extreme.

    Examples
    --------
    >>> X = np.array([[3e200, 1.0], [4e200, 0.0]])
    >>> g = scaled_gram(X, X, True)
    >>> float(np.ldexp(g.G, g.e1[:, None] + g.e2[None, :])[0, 1])   # 3e200 * 1
    3e+200
    """
    if same:
        # the Gram's diagonal holds the squared column norms: moderate columns are read off
        # it without a pass of their own (a 0 there must be a zero column, not underflow)
        with np.errstate(over="ignore", under="ignore"):  # looked at on the diagonal
            G = X1.T @ X1
        d = np.diagonal(G)
        small, big = _limits(X1.dtype)
        lo, hi = small * small, big * big
        if np.all(np.isfinite(d)) and np.all((d >= lo) & (d <= hi)):
            return ScaledGram(G)
        zero = d == 0.0
        if np.all(np.isfinite(d)) and np.all(zero | ((d >= lo) & (d <= hi))) \
                and not np.any(X1[:, zero]):
            return ScaledGram(G)
    elif _moderate(X1) and _moderate(X2):
        return ScaledGram(X1.T @ X2)
    e1 = _column_exponents(X1)
    e2 = e1 if same else _column_exponents(X2)
    S1 = np.ldexp(X1, -e1[None, :])
    S2 = S1 if same else np.ldexp(X2, -e2[None, :])
    return ScaledGram(S1.T @ S2, e1, e2)


def add_gram_product(K: np.ndarray, ga: ScaledGram, gy: ScaledGram) -> None:
    """``K += (A^T A') * (Y^T Y')``, overflowing only where the true product does."""
    if ga.e1 is None and gy.e1 is None:
        with np.errstate(over="ignore", invalid="ignore"):  # the caller's to report, too
            K += ga.G * gy.G
        return
    n1, n2 = K.shape
    E = np.zeros((n1, n2), dtype=np.int64)
    for g in (ga, gy):
        if g.e1 is not None:
            E += g.e1[:, None] + g.e2[None, :]
    # an overflowing entry is the caller's to report (require_finite); inf + -inf is nan
    # there, so "invalid" is silenced too (it leaked a RuntimeWarning before the error)
    with np.errstate(over="ignore", invalid="ignore"):
        K += np.ldexp(ga.G * gy.G, E)


__all__ = ["ScaledGram", "add_gram_product", "scaled_gram"]
