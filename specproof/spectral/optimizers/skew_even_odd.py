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
    FLOAT32_SHARE,
    MAX_TERMS,
    _is_numpy,
    column_norms,
    column_ratio,
    norm2_estimate,
    substeps,
    unit_roundoff,
)
from specproof.spectral.optimizers.workspace import Workspace, scratch

# BLAS-3 calls the even/odd series needs, by numpy dtype (scipy's Fortran BLAS)
_BLAS3 = {np.dtype(np.float64): ("dsyrk", "dgemm", "daxpy"),
          np.dtype(np.float32): ("ssyrk", "sgemm", "saxpy")}
# syrk forms B^T B before scaling it, and 1 / norm^2 must be a normal number: outside this
# range of ||B|| the even/odd series is not used
_SQUARE_SAFE = (1e-150, 1e150)
# the lower triangle is mirrored from the upper in square blocks of this size: a 64-row
# strip copied at once reads its source a page apart per element (73 ms at d = 4096, one
# thread), square blocks keep both sides in cache (33 ms); a transposed copy of the whole
# triangle at once is ~8x slower still
_MIRROR_BLOCK = 64


def _blas(dtype: Any, which: int) -> Any:
    from scipy.linalg import blas

    return getattr(blas, _BLAS3[np.dtype(dtype)][which])


def even_odd_applies(B: Any, X: Any, norm: float) -> bool:
    """Whether :func:`_even_odd_action` can take ``exp(sB) X``: numpy, one BLAS dtype, and a
    norm whose square and inverse square are normal numbers."""
    return (_is_numpy(X) and _is_numpy(B) and X.dtype == B.dtype and X.dtype in _BLAS3
            and _SQUARE_SAFE[0] <= norm <= _SQUARE_SAFE[1])


def _mirror_upper(C: Any) -> Any:
    """Copy the upper triangle of the square ``C`` onto its lower triangle, in place."""
    n = C.shape[0]
    b = _MIRROR_BLOCK
    for i in range(0, n, b):
        end = i + b
        for j in range(end, n, b):
            C[j : j + b, i:end] = C[i:end, j : j + b].T
        diagonal = C[i:end, i:end]
        lower = np.tril_indices(diagonal.shape[0], -1)
        diagonal[lower] = diagonal.T[lower]
    return C


def square_skew(B: Any, norm: float, ws: Workspace | None = None) -> Any:
    """The symmetric ``(B / norm)^2 = -(B / norm)^T (B / norm)``, Fortran-ordered.

    ``B`` is a skew numpy matrix and ``norm`` its :func:`norm2_estimate` (within
    ``_SQUARE_SAFE``). One ``syrk`` forms the upper triangle (half a d x d x d product),
    which is then mirrored: the products with it run as ``gemm``, which is 8-12 % faster
    per flop than ``symm`` on the upper triangle alone (measured at d = 4096, one
    thread; the mirror costs about a tenth of one product). With a workspace ``ws`` the
    result is its array ``"square"``.

    Examples
    --------
    >>> B = np.array([[0.0, 2.0], [-2.0, 0.0]])
    >>> square_skew(B, 2.0)
    array([[-1.,  0.],
           [ 0., -1.]])
    """
    # B is C-ordered, so B.T is Fortran-ordered: syrk reads B in place
    syrk = _blas(B.dtype, 0)
    alpha = -((1.0 / norm) ** 2)
    if ws is None:
        return _mirror_upper(syrk(alpha, np.asarray(B).T, trans=0))
    C = ws.array("square", B.shape, B.dtype, order="F")
    # beta = 0: syrk does not read C's old contents
    return _mirror_upper(syrk(alpha, np.asarray(B).T, trans=0, c=C, overwrite_c=1))


def square_times(C1: Any, P: Any, alpha: float = 1.0, out: Any | None = None) -> Any:
    """``alpha C1 P`` for the symmetric ``C1`` of :func:`square_skew` (one ``gemm``), into
    the C-ordered ``out`` (of ``P``'s shape and dtype, not ``P`` itself) when given."""
    # (C P)^T = P^T C: P^T and C (symmetric) are Fortran-ordered, the result too, its .T
    # C-ordered like P
    C = C1 if C1.flags.f_contiguous else C1.T
    if out is None:
        return _blas(P.dtype, 1)(alpha, P.T, C).T
    return _blas(P.dtype, 1)(alpha, P.T, C, c=out.T, overwrite_c=1).T


def _add_scaled(y: Any, x: Any, a: float) -> None:
    """``y += a x`` for C-ordered arrays of one dtype, in one pass (BLAS ``axpy``)."""
    _blas(y.dtype, 2)(x.reshape(-1), y.reshape(-1), a=a)


def _float32_power(C32: Any, P: Any, scale: float, out: Any,
                   ws: Workspace | None = None, bound: float | None = None) -> Any:
    """``scale C P`` from float32 copies (``C32`` of ``C``; ``P`` float64), as float64 in
    ``out``.

    ``P`` is scaled by a power of two into float32's range first, so that a small ``P``
    (a weight of scale 1e-30) does not fall into float32's subnormals. ``bound`` (at least
    ``max |P|``: the series passes ``||P||_F``, already known) saves the passes for the
    largest entry.
    """
    if bound is None or not 0.0 < bound < math.inf:
        bound = max(float(np.max(P)), -float(np.min(P)))  # max |P| without an |P| array
    if bound == 0.0:
        out[...] = 0.0
        return out
    e = math.frexp(bound)[1]
    Q = scratch(ws, "power32", P.shape, np.float32)
    # P 2^-e is exact in float64 (|P 2^-e| < 1); the one rounding is to float32, as in
    # astype
    np.ldexp(P, -e, out=Q, casting="same_kind")
    R = square_times(C32, Q, 1.0, out=scratch(ws, "product32", P.shape, np.float32))
    # in float64 (a float32 R times a Python float would be float32 arithmetic)
    np.multiply(R, math.ldexp(scale, e), out=out, dtype=np.float64)
    return out


def _times_plus(B: Any, X: Any, h: float, Y: Any) -> Any:
    """``Y + h B X`` into ``Y`` by one ``gemm`` (``beta = 1``): no pass to scale ``B X`` and
    none to add ``Y`` (C-ordered numpy arrays of one BLAS dtype)."""
    if np.shares_memory(Y, X) or np.shares_memory(Y, B):
        raise ValueError("_times_plus writes Y while reading B and X: Y must not overlap them")
    if not (B.flags.c_contiguous and X.flags.c_contiguous and Y.flags.c_contiguous):
        Y += h * (B @ X)
        return Y
    # (h B X + Y)^T = h X^T B^T + Y^T, all three Fortran-ordered views: nothing is copied
    got = _blas(Y.dtype, 1)(h, X.T, B.T, beta=1.0, c=Y.T, overwrite_c=1).T
    if not np.shares_memory(got, Y):  # not expected (Y.T is Fortran-ordered)
        np.copyto(Y, got)
    return Y


def late_powers_bound(r: float, p_norm: float, k: int) -> float:
    """A bound on what ``P_k = C P_(k-1)`` and the later powers add to ``exp(hB) x``, for
    ``||C||_2 <= r^2`` and ``||P_(k-1)||_F = p_norm``.

    ``P_k`` enters the sum as ``P_k / (2k)! + hB P_k / (2k+1)!``; each later power adds at
    most ``q = r^2 / ((2k+1)(2k+2))`` times the one before, so all of them together at
    most ``1 / (1 - q)`` times ``P_k``'s part (inf for ``q >= 1``). Powers whose bound is
    below ``FLOAT32_SHARE = u64 / u32`` of ``||x||`` are formed in float32: a product's
    rounding grows with its length the same way in both precisions, so their float32
    rounding stays at the float64 rounding of ``x`` itself.

    Examples
    --------
    >>> r = 0.175   # Pion at 4096 x 1024: ||P_1|| = 3.7e-3, ||P_2|| = 2.2e-5 of ||x||
    >>> [late_powers_bound(r, p, k) < 2.0**-29 for p, k in ((3.7e-3, 2), (2.2e-5, 3))]
    [False, True]
    """
    q = r * r / ((2 * k + 1) * (2 * k + 2))
    if q >= 1.0:
        return math.inf
    part = r * r * p_norm * (1.0 / math.factorial(2 * k) + r / math.factorial(2 * k + 1))
    return part / (1.0 - q)


def _even_odd_action(
    B: Any,
    X: Any,
    s: float = 1.0,
    norm: float | None = None,
    square: Any | None = None,
    CX: Any | None = None,
    ws: Workspace | None = None,
) -> Any:
    """``exp(sB) X`` for a skew numpy ``B``, two degrees per product: ``C = (hB)^2`` once.

    ``exp(hB) x = sum_k C^k x / (2k)! + hB sum_k C^k x / (2k+1)!`` with ``C = (hB)^2 =
    -(hB)^T (hB)`` symmetric, formed by one ``syrk`` (half a d x d x d product) and applied
    by ``symm``: a substep of degree ``2K + 1`` costs ``K + 1`` products instead of
    ``2K``. After ``P_K = C^K x`` the omitted terms, from degree ``2K + 2`` on, are at most
    ``||P_K|| r^2 / (2K+2)! / (1 - r / (2K+3))`` with ``r >= ||hB||`` (the same bound and
    tolerance as :func:`_taylor_action`). ``C`` is kept as ``(B / nu)^2`` (``nu`` the norm
    estimate, :func:`square_skew`) and scaled by ``(h nu)^2`` in each product; ``square``
    and ``CX = square_times(square, X)``, when known, are used instead of computing them
    (``CX`` is then overwritten). With a workspace ``ws`` the temporaries are its arrays,
    and the result one of :meth:`Workspace.unshared`'s (reused once nothing refers to it).
    """
    nu = norm2_estimate(B) if norm is None else norm
    if nu == 0.0 or s == 0.0:
        return X.copy()
    u = unit_roundoff(X)
    rho = 2.0 * abs(s) * nu
    p = substeps(rho)
    h = s / p
    r = rho / p
    C1 = square_skew(B, nu, ws) if square is None else square
    scale = (h * nu) ** 2
    # the last powers are far below the sum: where late_powers_bound says float32's
    # rounding of them stays at float64's in x they are formed in float32 (half a float64
    # product's time; at Pion's step the last two of four, 1.9e-10 and 2.5e-14 of the sum).
    # Both that test and the series' cut measure every column against its own column of
    # x (column_ratio): exp(hB) acts column by column, and a column the generator rotates
    # among many it leaves alone came out with the rounding of the whole block
    mixed = X.dtype == np.float64
    C32 = None
    x = X
    shape, dtype = X.shape, X.dtype
    for step in range(p):
        # the last substep's sum becomes the result: it comes from the pool that never
        # reuses an array still referenced (a caller that keeps it keeps its values);
        # earlier substeps alternate, so that the sum is never the x it starts from
        if ws is not None and step == p - 1:
            even = ws.unshared("result", shape, dtype)
        else:
            even = scratch(ws, f"even_{step % 2}", shape, dtype)
        odd = scratch(ws, "odd", shape, dtype)
        np.copyto(even, x)
        np.copyto(odd, x)
        # the powers alternate between two arrays (a product cannot overwrite its input)
        powers = [scratch(ws, name, shape, dtype) for name in ("power_a", "power_b")]
        P = x
        x_cols = p_cols = column_norms(x)
        p_ratio = 1.0 if np.any(x_cols) else 0.0
        k = 0
        while True:
            k += 1
            if k > MAX_TERMS // 2:
                raise ComputationError(
                    f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                    f"(||B|| estimated {rho / 2:.3g}); please report this matrix"
                )
            target = powers[k % 2]
            if step == 0 and k == 1 and CX is not None:
                P = np.multiply(CX, scale, out=CX)
            elif mixed and 0.0 < late_powers_bound(r, p_ratio, k) < FLOAT32_SHARE:
                if C32 is None:
                    C32 = scratch(ws, "square32", C1.shape, np.float32, order="F")
                    np.copyto(C32, C1 if C1.flags.f_contiguous else C1.T, casting="same_kind")
                P = _float32_power(C32, P, scale, target, ws, bound=float(np.max(p_cols)))
            else:
                P = square_times(C1, P, scale, out=target)
            _add_scaled(even, P, 1.0 / math.factorial(2 * k))
            _add_scaled(odd, P, 1.0 / math.factorial(2 * k + 1))
            p_cols = column_norms(P)
            p_ratio = column_ratio(p_cols, x_cols, u)
            tail = r * r / math.factorial(2 * k + 2) / (1.0 - r / (2 * k + 3))
            if p_ratio * tail <= u:
                break
        # exp(hB) x = even + h B odd, added into even by the product itself
        x = _times_plus(B, odd, h, even)
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
    "late_powers_bound",
    "even_odd_applies",
    "square_skew",
    "square_times",
]
