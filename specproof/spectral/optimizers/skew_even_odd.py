"""The even/odd series for ``exp(sB) X`` with a skew numpy ``B``: two degrees per product.

``exp(hB) x = sum_k C^k x / (2k)! + hB sum_k C^k x / (2k+1)!`` with ``C = (hB)^2``
symmetric: ``C`` costs one ``syrk`` (half a d x d x d product) and each further pair of
degrees one ``symm``. :func:`~specproof.spectral.optimizers.skew_series.expm_apply` picks
this route over the plain Taylor series by :func:`action_costs`; Pion's out side also
reads ``||A W||`` off its first product
(:mod:`~specproof.spectral.optimizers.pion_expm`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ComputationError
from specproof.spectral.optimizers.skew_numerics import (
    MAX_TERMS,
    _fro,
    _is_numpy,
    norm2_estimate,
    substeps,
    unit_roundoff,
)

# BLAS-3 calls the even/odd series needs, by numpy dtype (scipy's Fortran BLAS)
_SYRK_SYMM = {np.dtype(np.float64): ("dsyrk", "dsymm"), np.dtype(np.float32): ("ssyrk", "ssymm")}
# syrk forms B^T B before scaling it, and 1 / norm^2 must be a normal number: outside this
# range of ||B|| the even/odd series is not used
_SQUARE_SAFE = (1e-150, 1e150)


def _blas(dtype: Any, which: int) -> Any:
    from scipy.linalg import blas

    return getattr(blas, _SYRK_SYMM[np.dtype(dtype)][which])


def even_odd_applies(B: Any, X: Any, norm: float) -> bool:
    """Whether :func:`_even_odd_action` can take ``exp(sB) X``: numpy, one BLAS dtype, and a
    norm whose square and inverse square are normal numbers."""
    return (_is_numpy(X) and _is_numpy(B) and X.dtype == B.dtype and X.dtype in _SYRK_SYMM
            and _SQUARE_SAFE[0] <= norm <= _SQUARE_SAFE[1])


def square_skew(B: Any, norm: float) -> Any:
    """The upper triangle of ``(B / norm)^2 = -(B / norm)^T (B / norm)``, by one ``syrk``.

    ``B`` is a skew numpy matrix and ``norm`` its :func:`norm2_estimate` (within
    ``_SQUARE_SAFE``); the lower triangle of the result is not referenced by ``symm``.

    Examples
    --------
    >>> B = np.array([[0.0, 2.0], [-2.0, 0.0]])
    >>> np.triu(square_skew(B, 2.0))
    array([[-1.,  0.],
           [ 0., -1.]])
    """
    # B is C-ordered, so B.T is Fortran-ordered: syrk reads B in place
    return _blas(B.dtype, 0)(-((1.0 / norm) ** 2), np.asarray(B).T, trans=0)


def square_times(C1: Any, P: Any, alpha: float = 1.0) -> Any:
    """``alpha C1 P`` for the upper-stored symmetric ``C1`` of :func:`square_skew` (``symm``)."""
    # (C P)^T = P^T C: P^T is Fortran-ordered, the result too, its .T C-ordered
    return _blas(P.dtype, 1)(alpha, C1, P.T, side=1, lower=0).T


def _even_odd_action(
    B: Any,
    X: Any,
    s: float = 1.0,
    norm: float | None = None,
    square: Any | None = None,
    CX: Any | None = None,
) -> Any:
    """``exp(sB) X`` for a skew numpy ``B``, two degrees per product: ``C = (hB)^2`` once.

    ``exp(hB) x = sum_k C^k x / (2k)! + hB sum_k C^k x / (2k+1)!`` with ``C = (hB)^2 =
    -(hB)^T (hB)`` symmetric, formed by one ``syrk`` (half a d x d x d product) and applied
    by ``symm``: a substep of degree ``2K + 1`` costs ``K + 1`` products instead of
    ``2K``. After ``P_K = C^K x`` the omitted terms, from degree ``2K + 2`` on, are at most
    ``||P_K|| r^2 / (2K+2)! / (1 - r / (2K+3))`` with ``r >= ||hB||`` (the same bound and
    tolerance as :func:`_taylor_action`). ``C`` is kept as ``(B / nu)^2`` (``nu`` the norm
    estimate, :func:`square_skew`) and scaled by ``(h nu)^2`` in each product; ``square``
    and ``CX = square_times(square, X)``, when known, are used instead of computing them.
    """
    nu = norm2_estimate(B) if norm is None else norm
    if nu == 0.0 or s == 0.0:
        return X.copy()
    tol = unit_roundoff(X) * _fro(X)
    rho = 2.0 * abs(s) * nu
    p = substeps(rho)
    h = s / p
    r = rho / p
    C1 = square_skew(B, nu) if square is None else square
    scale = (h * nu) ** 2
    x = X
    for step in range(p):
        even, odd, P = x.copy(), x.copy(), x
        scratch = np.empty_like(x)
        k = 0
        while True:
            k += 1
            if k > MAX_TERMS // 2:
                raise ComputationError(
                    f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                    f"(||B|| estimated {rho / 2:.3g}); please report this matrix"
                )
            if step == 0 and k == 1 and CX is not None:
                P = CX * scale
            else:
                P = square_times(C1, P, scale)
            np.multiply(P, 1.0 / math.factorial(2 * k), out=scratch)
            even += scratch
            np.multiply(P, 1.0 / math.factorial(2 * k + 1), out=scratch)
            odd += scratch
            tail = r * r / math.factorial(2 * k + 2) / (1.0 - r / (2 * k + 3))
            if _fro(P) * tail <= tol:
                break
        x = B @ odd
        x *= h
        x += even
    return x


def _taylor_products(norm: float, u: float, p: int) -> int:
    """The degree each of ``p`` substeps of norm ``norm / p`` is expected to need."""
    r, m, term = norm / p, 0, 1.0
    while term > u and m < MAX_TERMS:
        m += 1
        term *= r / m
    return m


def action_costs(d: int, c: int, step_norm: float, u: float) -> tuple[float, float]:
    """Expected ``(Taylor, even/odd)`` cost of ``exp(sA) X`` in ``d x d x c`` products.

    ``step_norm`` is ``|s| ||A||`` (an estimate), ``u`` the unit roundoff; the Taylor count
    includes the product ``A X`` (subtract 1 when it is known).

    Examples
    --------
    >>> taylor, even_odd = action_costs(4096, 1024, 0.09, 2.0**-53)
    >>> taylor, round(even_odd, 2)   # degree 10: 10 products, or a syrk and 6
    (10, 8.1)
    """
    p = max(1, math.ceil(4.0 * step_norm))
    m = _taylor_products(step_norm, u, p)
    # syrk has d^3 flops against a product's 2 d^2 c, and runs about 5 % slower per flop
    # (measured at d = 4096)
    syrk_cost = 1.05 * d / (2.0 * max(1, c))
    return p * m, syrk_cost + p * ((m + 1) // 2 + 1)


__all__ = [
    "_even_odd_action",
    "action_costs",
    "even_odd_applies",
    "square_skew",
    "square_times",
]
