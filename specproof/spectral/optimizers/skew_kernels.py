"""Applying ``T(sA)`` for a skew-symmetric ``A`` to a block, dense or low rank, numpy or torch.

Every function here works on numpy arrays and on torch tensors alike (only ``@``,
``.T``, arithmetic and a solve are used), so the numpy optimizers and the torch ones in
:mod:`specproof.spectral.torch` run the same code and agree to rounding.

The exponential is never taken from a library routine: it is the Taylor machinery of
:mod:`~specproof.spectral.optimizers.skew_series` (the action ``exp(sA) X`` with a known
``A X`` as its first term, or the factor). When the block has more columns than ``A``
has rows, the factor ``T(sA)`` is formed and multiplied (cheaper); otherwise every
transform acts on the block directly.

Low rank. A skew matrix ``A = U V^T - V U^T`` (U, V: d x r, r < d/2) is ``Y Z^T`` with
``Y = [U V]``, ``Z = [V -U]``. Its powers are ``A^k = Y (Z^T Y)^{k-1} Z^T``, so

    exp(sA) = I + Y phi(C) s Z^T,    C = s Z^T Y  (2r x 2r),  phi(z) = (e^z - 1) / z,

and ``phi(C) R`` (``R = s Z^T X``) is ``x(1)`` for ``x' = C x + R``, ``x(0) = 0``, summed
the same way. Cayley follows from Woodbury,
``(I - h Y Z^T)^{-1} = I + h Y (I - h Z^T Y)^{-1} Z^T`` (h = s/2; ``I - h Z^T Y`` has the
eigenvalues ``1 - h lambda`` with ``lambda`` those of ``A``, imaginary, or 0: never
singular), and E1/E2 from ``A X = U (V^T X) - V (U^T X)``. Nothing of size d x d is formed:
the cost is O(d r k + r^2 k) per product with a d x k block instead of O(d^2 k).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.spectral.optimizers.skew_core_series import _integrate
from specproof.spectral.optimizers.skew_even_odd import _times_plus
from specproof.spectral.optimizers.skew_numerics import (
    MAX_TERMS,
    _addmm,
    _axpy,
    _cayley_solve,
    _eye,
    _is_numpy,
    _solve,
    norm2_estimate,
    unit_roundoff,
)
from specproof.spectral.optimizers.skew_series import (
    expm_apply,
    expm_skew,
    taylor_degree,
)
from specproof.spectral.optimizers.workspace import Workspace


def dense_factor(A: Any, s: float, transform: str, overwrite_a: bool = False,
                 ws: Workspace | None = None) -> Any:
    """The matrix ``T(sA)`` (numpy or torch), as the optimizers compute it.

    ``overwrite_a`` lets the Cayley solve use ``A``'s memory (see :func:`apply_dense`).

    Examples
    --------
    >>> A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> Q = dense_factor(A, 0.3, "cayley")
    >>> bool(np.allclose(Q.T @ Q, np.eye(2), atol=1e-15))
    True
    """
    if transform == "expm":
        if ws is not None and _is_numpy(A):
            # the exponential's temporaries and result in the workspace
            return expm_skew(np.multiply(A, s, out=ws.array("expm_scaled", A.shape, A.dtype)),
                             ws)
        return expm_skew(s * A)
    I = _eye(A.shape[0], A)
    if transform == "e1":
        return I + s * A
    if transform == "e2":
        # (sA)(sA), not s^2 (A A): A A alone can overflow where the factor is moderate
        B = s * A
        return I + B + 0.5 * (B @ B)
    return _cayley_solve(A, 0.5 * s, I + (0.5 * s) * A, overwrite_b=True,
                         overwrite_a=overwrite_a)


def apply_dense(A: Any, s: float, X: Any, transform: str, AX: Any | None = None,
                overwrite_a: bool = False, overwrite_ax: bool = False,
                factor_out: Any | None = None, ws: Workspace | None = None) -> Any:
    """``T(sA) X`` for a dense skew ``A`` (``AX = A @ X`` may be passed when known).

    With ``overwrite_a`` the Cayley solve may use ``A``'s memory (torch's blocked route
    builds ``I - sA/2`` in place: one d x d pass and allocation less); ``A`` is then lost.
    With ``overwrite_ax`` E2 scales the given ``AX`` in place (an ``AX`` computed here
    always is).

    ``A`` must be skew-symmetric exactly (``A^T == -A`` bit for bit, as every generator
    Pion forms is): the torch Cayley solve reads ``I - sA/2`` as ``(I + sA/2)^T``.

    When ``X`` has more columns than ``A`` has rows, the factor ``T(sA)`` is formed and
    multiplied (E2: one ``d x d x d`` product and one application instead of two
    applications), into the numpy array ``factor_out`` when given; otherwise it acts on
    ``X`` directly. A workspace ``ws`` (numpy) holds the exponential factor's temporaries.
    """
    if X.shape[1] > A.shape[0]:
        factor = dense_factor(A, s, transform, overwrite_a, ws)
        if factor_out is not None:
            return np.matmul(factor, X, out=factor_out)
        return factor @ X
    if transform == "expm":
        return expm_apply(A, s, X, AX)
    if AX is None:
        AX, overwrite_ax = A @ X, True
    if transform == "e1":
        return _axpy(X, s, AX)
    if transform == "e2":
        # A (s AX) scaled by s/2, not A AX by s^2/2: A AX is about |G|^2 and overflowed
        # float32 for gradients from ~1e19 although the step does not depend on the
        # gradient's scale (without the second moment)
        if overwrite_ax:
            AX *= s  # no new array: as fast as the unscaled form (17 ms at 4096 x 1024)
            sAX = AX
        else:
            sAX = s * AX
        return _addmm(X + sAX, A, sAX, 0.5 * s)
    # Cayley: (I - sA/2) Z = (I + sA/2) X
    return _cayley_solve(A, 0.5 * s, _axpy(X, 0.5 * s, AX), overwrite_b=True,
                         overwrite_a=overwrite_a)


def apply_dense_right(X: Any, A: Any, s: float, transform: str, XA: Any | None = None,
                      overwrite_a: bool = False, factor_out: Any | None = None,
                      ws: Workspace | None = None) -> Any:
    """``X T(sA)`` for a dense skew ``A``: ``T(sA)^T = T(-sA)``, so it is ``(T(-sA) X^T)^T``.

    ``XA = X @ A``, when known, gives ``A X^T = -(XA)^T``. ``factor_out`` (numpy, of
    ``X.T``'s shape, C-ordered) takes ``T(-sA) X^T`` where the factor is formed.
    """
    AX = None if XA is None else -XA.T  # a new array: E2 may scale it in place
    return apply_dense(A, -s, X.T, transform, AX, overwrite_a, overwrite_ax=True,
                       factor_out=factor_out, ws=ws).T


def lowrank_product(U: Any, V: Any, X: Any) -> Any:
    """``(U V^T - V U^T) X`` without forming the d x d matrix."""
    return U @ (V.T @ X) - V @ (U.T @ X)


def apply_lowrank(
    U: Any,
    V: Any,
    s: float,
    X: Any,
    transform: str,
    grams: tuple[Any, Any, Any] | None = None,
    projections: tuple[Any, Any] | None = None,
    out: Any | None = None,
    ws: Workspace | None = None,
) -> Any:
    """``T(sA) X`` for ``A = U V^T - V U^T`` (d x d, rank <= 2r), in O(d r k) work.

    Every transform maps ``X`` to ``X + Y c`` with ``Y = [U V]`` and a 2r x k coefficient
    block ``c`` computed from r x r and r x k products only (``z = Z^T X``, ``core = Z^T Y``):
    e1 ``c = s z``; e2 ``c = s z + s^2 core z / 2``; expm ``c = phi(s core) s z``; Cayley
    ``c = h z + h (I - h core)^{-1} (z + h core z)`` with ``h = s / 2``. ``U`` and ``V`` are
    balanced first (``U V^T = (tU)(V/t)^T``, ``t`` the power of two nearest to equal
    norms: every scaling by it is exact), so ``core`` is well scaled.

    Parameters
    ----------
    U, V : array (d, r)
        The factors of the skew generator.
    s : float
        The step.
    X : array (d, k)
        The block it acts on.
    transform : {"e1", "e2", "cayley", "expm"}
        The factor (see :mod:`specproof.spectral.optimizers.skew`).
    grams : (U^T U, V^T V, V^T U), optional
        When already known (they are, in Pion, where ``X`` is ``U``).
    projections : (U^T X, V^T X), optional
        When already known.
    out : array (d, k), optional
        Numpy: the result goes into this C-ordered array (not overlapping ``U``, ``V`` or
        ``X``), and the two d x r products add into it (``gemm``, ``beta = 1``): no d x k
        temporaries, each of which is fresh memory that page-faults (32 MB at 4096 x 1024).
    ws : Workspace, optional
        Numpy: the exponential's 2r x 2r core ``s Z^T Y`` and its series' terms are made in
        its arrays (the same values), not in fresh ones.

    Examples
    --------
    >>> import scipy.linalg as sla
    >>> rng = np.random.default_rng(0)
    >>> U, V, X = (rng.standard_normal((7, 2)) for _ in range(3))
    >>> A = U @ V.T - V @ U.T
    >>> bool(np.abs(apply_lowrank(U, V, 0.2, X, "expm") - sla.expm(0.2 * A) @ X).max() < 1e-14)
    True
    """
    UU, VV, VU = grams if grams is not None else (U.T @ U, V.T @ V, V.T @ U)
    UX, VX = projections if projections is not None else (U.T @ X, V.T @ X)
    tr_u, tr_v = float(_trace(UU)), float(_trace(VV))
    # log2 of each: their ratio could overflow
    t = (_power_of_two((math.log2(tr_v) - math.log2(tr_u)) / 4.0)
         if tr_u > 0.0 and tr_v > 0.0 else 1.0)
    # balanced: U' = tU, V' = V/t; z = Z'^T X = [V'^T X; -U'^T X], core = Z'^T Y'
    z = _vstack(VX * (1.0 / t), UX * (-t))
    if transform != "expm" or ws is None:
        core = _vstack(_concat(VU, VV * (1.0 / (t * t))), _concat(UU * (-t * t), -VU.T))
    # the step scales core and z before their product: core ~ |U||V| and z ~ |X||U| can
    # overflow together (a weight of 1e150 in float64, 1e16 in float32) where s core z,
    # the update's own scale, is moderate (as the dense E2 forms (sA)(sA), not s^2 A A)
    if transform == "e1":
        c = s * z
    elif transform == "e2":
        sz = s * z
        c = sz + 0.5 * ((s * core) @ sz)
    elif transform == "cayley":
        h = 0.5 * s
        hC = h * core
        K = _eye(core.shape[0], core) - hC
        hz = h * z
        c = hz + _solve(K, hz + hC @ hz)
    else:
        C = s * core if ws is None else _scaled_core(VU, VV, UU, t, s, ws)
        R = s * z
        # from zero: the first product (with zero) is skipped; ||C|| lets numpy's float64
        # series form its last terms in float32 (Pion at 4096 x 1024: 5 of 10 products)
        norm = norm2_estimate(C) if _is_numpy(C) and C.dtype == np.float64 else None
        c = _integrate(C, None, R, norm2_estimate(C, power=2), norm, ws=ws)
    r = U.shape[1]
    if out is None:
        return X + U @ (c[:r] * t) + V @ (c[r:] * (1.0 / t))
    if any(np.shares_memory(out, a) for a in (U, V, X)):
        raise ValueError("apply_lowrank's out must not overlap U, V or X")
    if out.size == 0 or out.dtype not in (np.float32, np.float64):
        # nothing for gemm to do, or a dtype BLAS does not take: the expression
        np.copyto(out, X + U @ (c[:r] * t) + V @ (c[r:] * (1.0 / t)))
        return out
    np.copyto(out, X)
    # t is a power of two: t (U c) is U (c t), bit for bit
    _times_plus(U, np.ascontiguousarray(c[:r]), t, out)
    return _times_plus(V, np.ascontiguousarray(c[r:]), 1.0 / t, out)


def _scaled_core(VU: Any, VV: Any, UU: Any, t: float, s: float, ws: Workspace) -> Any:
    """``s`` times the balanced core ``[[VU, VV / t^2], [-t^2 UU, -VU^T]]``, in the array
    ``"lowrank_core"`` of ``ws``: with ``t`` a power of two, ``(s / t^2) VV`` is
    ``s (VV / t^2)`` bit for bit, so this equals ``s * core``."""
    r = VU.shape[0]
    C = ws.array("lowrank_core", (2 * r, 2 * r), VU.dtype)
    np.multiply(VU, s, out=C[:r, :r])
    np.multiply(VV, s / (t * t), out=C[:r, r:])
    np.multiply(UU, -s * t * t, out=C[r:, :r])
    np.multiply(VU.T, -s, out=C[r:, r:])
    return C


# the balance's largest exponent: t^2 and 1 / t^2 stay finite and normal
_BALANCE_EXPONENT = 511


def _power_of_two(exponent: float) -> float:
    """``2^round(exponent)`` with the exponent within ``+-_BALANCE_EXPONENT`` (a trace that
    overflowed gives the largest; NaN gives 1)."""
    if math.isnan(exponent):
        return 1.0
    if math.isinf(exponent):
        exponent = math.copysign(_BALANCE_EXPONENT, exponent)
    return math.ldexp(1.0, max(-_BALANCE_EXPONENT, min(_BALANCE_EXPONENT, round(exponent))))


def _trace(M: Any) -> Any:
    return M.diagonal().sum()


def _concat(a: Any, b: Any) -> Any:
    if _is_numpy(a):
        return np.concatenate([a, b], axis=1)
    import torch

    return torch.cat([a, b], dim=1)


def _vstack(a: Any, b: Any) -> Any:
    if _is_numpy(a):
        return np.concatenate([a, b], axis=0)
    import torch

    return torch.cat([a, b], dim=0)


def apply_lowrank_right(
    X: Any,
    U: Any,
    V: Any,
    s: float,
    transform: str,
    grams: tuple[Any, Any, Any] | None = None,
    projections: tuple[Any, Any] | None = None,
    ws: Workspace | None = None,
) -> Any:
    """``X T(sA)`` for ``A = U V^T - V U^T``: ``(T(-sA) X^T)^T``, and ``-A = V U^T - U V^T``.

    ``grams``, ``projections`` and ``ws`` are those of ``(U, V)`` and ``X^T``, as in
    :func:`apply_lowrank`.
    """
    g = None if grams is None else (grams[1], grams[0], grams[2].T)
    pr = None if projections is None else (projections[1], projections[0])
    return apply_lowrank(V, U, s, X.T, transform, g, pr, ws=ws).T


__all__ = [
    "MAX_TERMS",
    "apply_dense",
    "apply_dense_right",
    "apply_lowrank",
    "apply_lowrank_right",
    "dense_factor",
    "expm_apply",
    "expm_skew",
    "lowrank_product",
    "norm2_estimate",
    "taylor_degree",
    "unit_roundoff",
]
