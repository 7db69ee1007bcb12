"""Applying ``T(sA)`` for a skew-symmetric ``A`` to a block, dense or low rank, numpy or torch.

Every function here works on numpy arrays and on torch tensors alike (only ``@``,
``.T``, arithmetic and a solve are used), so the numpy optimizers and the torch ones in
:mod:`specproof.spectral.torch` run the same code and agree to rounding.

The exponential is never taken from a library routine. ``exp(sA) X`` (dense, normal
``sA``) is the Taylor series over ``p`` substeps, cut when a bound on all the remaining
terms (from ``r >= ||sA|| / p``, twice a power-iteration estimate) falls below the unit
roundoff of the dtype relative to the sum; a known ``A X`` is its first term. When the
block has more columns than ``A`` has rows, the factor itself is cheaper: the Taylor
polynomial of the degree the same bound asks for, on ``sA / 2^j`` (norm <= 1/2), by
Paterson-Stockmeyer, squared ``j`` times. E1, E2 and Cayley are likewise formed as
factors for such blocks and applied directly otherwise.

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

from specproof._core import ComputationError

# a series that has not converged after this many terms means a norm estimate was far off
MAX_TERMS = 80
_POWER_ITERATIONS = 6


def _is_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _eye(n: int, like: Any) -> Any:
    if _is_numpy(like):
        return np.eye(n, dtype=like.dtype)
    import torch

    return torch.eye(n, dtype=like.dtype, device=like.device)


def _solve(A: Any, B: Any) -> Any:
    if _is_numpy(A):
        import scipy.linalg as sla

        return sla.solve(A, B, check_finite=False)
    import torch

    return torch.linalg.solve(A, B)


def _addmm(C: Any, A: Any, B: Any, alpha: float) -> Any:
    """``C + alpha A B`` (``C`` may be overwritten): one pass less than the expression."""
    if _is_numpy(C):
        R = A @ B
        R *= alpha
        R += C
        return R
    import torch

    return torch.addmm(C, A, B, alpha=alpha)


def _axpy(X: Any, a: float, Y: Any) -> Any:
    """``X + a Y`` as a new array, in one pass where the library allows."""
    if _is_numpy(X):
        return X + a * Y
    import torch

    return torch.add(X, Y, alpha=a)


def unit_roundoff(x: Any) -> float:
    """Half the machine epsilon of ``x``'s dtype (2^-53 for float64, 2^-24 for float32)."""
    if _is_numpy(x):
        return float(np.finfo(x.dtype).eps) / 2.0
    import torch

    return float(torch.finfo(x.dtype).eps) / 2.0


def _maxabs(x: Any) -> float:
    return float(abs(x).max()) if x.shape[0] * x.shape[1] else 0.0


def _fro(x: Any) -> float:
    if _is_numpy(x):
        return float(np.linalg.norm(x))
    import torch

    return float(torch.linalg.norm(x))


def _start_vector(d: int, like: Any) -> Any:
    # deterministic (numpy and torch pick the same number of substeps) and generic: the
    # golden-angle phases do not line up with any structured subspace
    v = np.cos(np.arange(d) * 2.399963229728653 + 0.5).reshape(d, 1)
    if _is_numpy(like):
        return v.astype(like.dtype)
    import torch

    return torch.as_tensor(v, dtype=like.dtype, device=like.device)


def norm2_estimate(C: Any, power: int = 1) -> float:
    """A power-iteration estimate of ``||C^power||_2^(1/power)`` (usually within 10%, below).

    Examples
    --------
    >>> round(norm2_estimate(np.diag([3.0, 1.0])), 6)
    3.0
    >>> norm2_estimate(np.array([[0.0, 1e6], [0.0, 0.0]]), power=2)   # nilpotent
    0.0
    """
    d = C.shape[0]
    if d == 0:
        return 0.0

    def mul(v: Any) -> Any:
        for _ in range(power):
            v = C @ v
        return v

    def rmul(v: Any) -> Any:
        for _ in range(power):
            v = C.T @ v
        return v

    v = _start_vector(d, C)
    for _ in range(_POWER_ITERATIONS):
        w = rmul(mul(v))
        nw = _fro(w)
        if nw == 0.0 or not math.isfinite(nw):
            return 0.0 if nw == 0.0 else math.inf
        v = w / nw
    return _fro(mul(v)) ** (1.0 / power)


def _integrate(C: Any, x: Any, R: Any | None, rate: float) -> Any:
    """``x(1)`` for ``x' = C x + R`` from ``x(0) = x``, by Taylor series over substeps.

    ``rate`` estimates ``||C^2||^(1/2)``: the terms ``w_k = h^k C^(k-1) (C x + R) / k!``
    shrink as ``||w_(k+2)|| <= (h rate)^2 / ((k+1)(k+2)) ||w_k||``. (``||C||`` itself can be
    far larger, for the non-normal core of a low-rank generator whose factors nearly
    cancel, so it does not set the substeps.) With ``p >= 2 rate`` substeps that factor is
    below 1/2 from the start; once two consecutive terms are below the unit roundoff
    times the sum, the rest of the series is smaller than them.
    """
    tol = unit_roundoff(x)
    p = max(1, math.ceil(2.0 * rate))
    h = 1.0 / p
    q = (2.0 * rate * h) ** 2  # doubled estimate of ||(hC)^2||
    for _ in range(p):
        w = C @ x
        if R is not None:
            w = w + R
        w = h * w
        x = x + w
        last_small = False
        for k in range(2, MAX_TERMS + 1):
            w = (h / k) * (C @ w)
            x = x + w
            small = _fro(w) <= tol * _fro(x)
            if small and last_small and q / ((k + 1) * (k + 2)) <= 0.5:
                break
            last_small = small
        else:
            raise ComputationError(
                f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                f"(||C^2||^(1/2) estimated {rate:.3g}); please report this matrix"
            )
    return x


def taylor_degree(r: float, tol: float) -> int:
    """The smallest ``m`` with ``r^(m+1) / (m+1)! / (1 - r / (m+2)) <= tol`` (``r <= 1/2``).

    For ``||B|| <= r`` that bounds ``||exp(B) - sum_(k <= m) B^k / k!||``.

    Examples
    --------
    >>> taylor_degree(0.5, 2.0**-53), taylor_degree(0.5, 2.0**-24), taylor_degree(0.0, 1e-16)
    (14, 8, 0)
    """
    m, term = 0, 1.0
    while True:
        term *= r / (m + 1)
        if term <= (1.0 - r / (m + 2)) * tol:
            return m
        m += 1
        if m > MAX_TERMS:
            raise ComputationError(f"no Taylor degree reaches {tol:.3g} at ||B|| <= {r:.3g}")


def _taylor_polynomial(C: Any, m: int) -> Any:
    """``sum_(k <= m) C^k / k!`` by Paterson-Stockmeyer: about ``2 sqrt(m)`` products."""
    n = C.shape[0]
    I = _eye(n, C)
    coef = [1.0 / math.factorial(k) for k in range(m + 1)]
    q = max(1, math.isqrt(m) + (0 if math.isqrt(m) ** 2 == m else 1))
    powers = [I, C]
    for _ in range(2, q + 1):
        powers.append(powers[-1] @ C)
    chunks = [coef[i : i + q] for i in range(0, m + 1, q)]

    def block(cs: list[float]) -> Any:
        out = cs[0] * I
        for power, c in zip(powers[1:], cs[1:]):
            out = out + c * power
        return out

    P = block(chunks[-1])
    for cs in reversed(chunks[:-1]):
        P = P @ powers[q] + block(cs)
    return P


def expm_skew(B: Any) -> Any:
    """``exp(B)`` for a (skew-symmetric) square ``B``: Taylor on ``B / 2^j``, squared j times.

    ``B / 2^j`` has norm at most 1/2 (twice the power-iteration estimate, taken as the
    bound); the Taylor degree is the smallest whose remainder is below the unit roundoff
    (:func:`taylor_degree`), evaluated by Paterson-Stockmeyer.

    Examples
    --------
    >>> import scipy.linalg as sla
    >>> B = np.array([[0.0, 2.0], [-2.0, 0.0]])
    >>> bool(np.abs(expm_skew(B) - sla.expm(B)).max() < 1e-15)
    True
    """
    rho = 2.0 * norm2_estimate(B)
    j = max(0, math.ceil(math.log2(rho / 0.5))) if rho > 0.5 else 0
    E = _taylor_polynomial(B * (0.5**j), taylor_degree(rho * 0.5**j, unit_roundoff(B)))
    for _ in range(j):
        E = E @ E
    return E


def _taylor_action(B: Any, X: Any, BX: Any | None = None) -> Any:
    """``exp(B) X`` for a normal (skew) ``B``: Taylor series over substeps, cut by a tail bound.

    With ``r >= ||B||_2 / p`` (twice the power-iteration estimate, ``p`` substeps making
    ``r <= 1/2``) the terms ``w_k = (B/p)^k X / k!`` of a substep satisfy
    ``||w_(j+1)|| <= r / (j + 1) ||w_j||`` (``B`` normal), so after term ``k`` everything
    left is at most ``||w_k|| q / (1 - q)``, ``q = r / (k + 1)``; the series stops once
    that is below the unit roundoff relative to the sum. ``BX = B @ X``, when known, is
    the first term of the first substep.
    """
    tol = unit_roundoff(X)
    rho = 2.0 * norm2_estimate(B)
    p = max(1, math.ceil(2.0 * rho))
    h = 1.0 / p
    r = rho * h
    x = X
    for step in range(p):
        w = h * (BX if step == 0 and BX is not None else B @ x)
        x = x + w  # a new array: X itself is never written
        k = 1
        while True:
            q = r / (k + 1)
            if _fro(w) * q <= (1.0 - q) * tol * _fro(x):
                break
            k += 1
            if k > MAX_TERMS:
                raise ComputationError(
                    f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                    f"(||B|| estimated {rho / 2:.3g}); please report this matrix"
                )
            w = B @ w
            w *= h / k
            x += w
    return x


def expm_apply(A: Any, s: float, X: Any, AX: Any | None = None) -> Any:
    """``exp(sA) X`` for a skew ``A``: the action (d > columns of X) or the factor times X.

    Examples
    --------
    >>> import scipy.linalg as sla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((6, 6)); A = A - A.T
    >>> X = rng.standard_normal((6, 2))
    >>> bool(np.abs(expm_apply(A, 0.3, X) - sla.expm(0.3 * A) @ X).max() < 1e-14)
    True
    """
    B = s * A
    if X.shape[1] >= B.shape[0]:
        return expm_skew(B) @ X
    return _taylor_action(B, X, None if AX is None else s * AX)


def dense_factor(A: Any, s: float, transform: str) -> Any:
    """The matrix ``T(sA)`` (numpy or torch), as the optimizers compute it.

    Examples
    --------
    >>> A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> Q = dense_factor(A, 0.3, "cayley")
    >>> bool(np.allclose(Q.T @ Q, np.eye(2), atol=1e-15))
    True
    """
    I = _eye(A.shape[0], A)
    if transform == "expm":
        return expm_skew(s * A)
    if transform == "e1":
        return I + s * A
    if transform == "e2":
        return I + s * A + (0.5 * s * s) * (A @ A)
    return _solve(I - (0.5 * s) * A, I + (0.5 * s) * A)


def apply_dense(A: Any, s: float, X: Any, transform: str, AX: Any | None = None) -> Any:
    """``T(sA) X`` for a dense skew ``A`` (``AX = A @ X`` may be passed when known).

    When ``X`` has more columns than ``A`` has rows, the factor ``T(sA)`` is formed and
    multiplied (E2: one ``d x d x d`` product and one application instead of two
    applications); otherwise it acts on ``X`` directly.
    """
    if X.shape[1] > A.shape[0]:
        return dense_factor(A, s, transform) @ X
    if transform == "expm":
        return expm_apply(A, s, X, AX)
    if AX is None:
        AX = A @ X
    if transform == "e1":
        return _axpy(X, s, AX)
    if transform == "e2":
        return _addmm(_axpy(X, s, AX), A, AX, 0.5 * s * s)
    # Cayley: (I - sA/2) Z = (I + sA/2) X
    M = _eye(A.shape[0], A) - (0.5 * s) * A
    return _solve(M, X + (0.5 * s) * AX)


def apply_dense_right(X: Any, A: Any, s: float, transform: str, XA: Any | None = None) -> Any:
    """``X T(sA)`` for a dense skew ``A``: ``T(sA)^T = T(-sA)``, so it is ``(T(-sA) X^T)^T``.

    ``XA = X @ A``, when known, gives ``A X^T = -(XA)^T``.
    """
    AX = None if XA is None else -XA.T
    return apply_dense(A, -s, X.T, transform, AX).T


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
) -> Any:
    """``T(sA) X`` for ``A = U V^T - V U^T`` (d x d, rank <= 2r), in O(d r k) work.

    Every transform maps ``X`` to ``X + Y c`` with ``Y = [U V]`` and a 2r x k coefficient
    block ``c`` computed from r x r and r x k products only (``z = Z^T X``, ``core = Z^T Y``):
    e1 ``c = s z``; e2 ``c = s z + s^2 core z / 2``; expm ``c = phi(s core) s z``; Cayley
    ``c = h z + h (I - h core)^{-1} (z + h core z)`` with ``h = s / 2``. ``U`` and ``V`` are
    balanced first (``U V^T = (tU)(V/t)^T`` with equal norms), so ``core`` is well scaled.

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
    t = math.sqrt(math.sqrt(tr_v / tr_u)) if tr_u > 0.0 and tr_v > 0.0 else 1.0
    # balanced: U' = tU, V' = V/t; z = Z'^T X = [V'^T X; -U'^T X], core = Z'^T Y'
    z = _vstack(VX * (1.0 / t), UX * (-t))
    core = _vstack(_concat(VU, VV * (1.0 / (t * t))), _concat(UU * (-t * t), -VU.T))
    if transform == "e1":
        c = s * z
    elif transform == "e2":
        c = s * z + (0.5 * s * s) * (core @ z)
    elif transform == "cayley":
        h = 0.5 * s
        K = _eye(core.shape[0], core) - h * core
        c = h * z + h * _solve(K, z + h * (core @ z))
    else:
        C = s * core
        R = s * z
        c = _integrate(C, 0.0 * R, R, norm2_estimate(C, power=2))
    r = U.shape[1]
    return X + U @ (c[:r] * t) + V @ (c[r:] * (1.0 / t))


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
) -> Any:
    """``X T(sA)`` for ``A = U V^T - V U^T``: ``(T(-sA) X^T)^T``, and ``-A = V U^T - U V^T``.

    ``grams`` and ``projections`` are those of ``(U, V)`` and ``X^T``, as in
    :func:`apply_lowrank`.
    """
    g = None if grams is None else (grams[1], grams[0], grams[2].T)
    pr = None if projections is None else (projections[1], projections[0])
    return apply_lowrank(V, U, s, X.T, transform, g, pr).T


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
