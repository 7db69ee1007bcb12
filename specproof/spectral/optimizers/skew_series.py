"""The Taylor machinery behind Pion's exponential, for numpy arrays and torch tensors alike.

``exp(B) X`` for a dense normal (skew) ``B`` is the Taylor series over ``p`` substeps,
cut when a bound on all the remaining terms (from ``r >= ||B|| / p``, twice a
power-iteration estimate) falls below the unit roundoff of the dtype relative to the sum;
the factor ``exp(B)`` is the Taylor polynomial of the degree the same bound asks for, on
``B / 2^j`` (norm <= 1/2), by Paterson-Stockmeyer, squared ``j`` times; ``x' = C x + R``
(the low-rank core) is integrated by the same series with a two-term stopping rule.
:mod:`specproof.spectral.optimizers.skew_kernels` applies these to Pion's factors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError

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


def _taylor_action(
    B: Any, X: Any, BX: Any | None = None, s: float = 1.0, norm: float | None = None
) -> Any:
    """``exp(sB) X`` for a normal (skew) ``B``: Taylor series over substeps, cut by a tail bound.

    With ``r >= ||sB||_2 / p`` (twice the power-iteration estimate, ``p`` substeps making
    ``r <= 1/2``) the terms ``w_k = (sB/p)^k X / k!`` of a substep satisfy
    ``||w_(j+1)|| <= r / (j + 1) ||w_j||`` (``B`` normal), so after term ``k`` everything
    left is at most ``||w_k|| q / (1 - q)``, ``q = r / (k + 1)``; the series stops once
    that is below the unit roundoff relative to ``||X||`` (``= ||exp(sB) X||``, the factor
    being orthogonal). ``BX = B @ X``, when known, gives the first term of the first
    substep. ``s`` scales the vectors, never ``B`` (a copy of a d x d matrix saved);
    ``norm``, when known, is ``norm2_estimate(B)``.
    """
    tol = unit_roundoff(X) * _fro(X)
    rho = 2.0 * abs(s) * (norm2_estimate(B) if norm is None else norm)
    p = max(1, math.ceil(2.0 * rho))
    h = s / p
    r = rho / p
    x = X
    for step in range(p):
        w = BX if step == 0 and BX is not None else B @ x
        w = w * h  # a new array: X (and BX) are never written
        x = x + w
        k = 1
        while True:
            q = r / (k + 1)
            if _fro(w) * q <= (1.0 - q) * tol:
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


# BLAS-3 calls the even/odd series needs, by numpy dtype (scipy's Fortran BLAS)
_SYRK_SYMM = {np.dtype(np.float64): ("dsyrk", "dsymm"), np.dtype(np.float32): ("ssyrk", "ssymm")}


def _even_odd_action(B: Any, X: Any, s: float = 1.0, norm: float | None = None) -> Any:
    """``exp(sB) X`` for a skew numpy ``B``, two degrees per product: ``C = (hB)^2`` once.

    ``exp(hB) x = sum_k C^k x / (2k)! + hB sum_k C^k x / (2k+1)!`` with ``C = (hB)^2 =
    -(hB)^T (hB)`` symmetric, formed by one ``syrk`` (half a d x d x d product) and applied
    by ``symm``: a substep of degree ``2K + 1`` costs ``K + 1`` products instead of
    ``2K``. After ``P_K = C^K x`` the omitted terms, from degree ``2K + 2`` on, are at most
    ``||P_K|| r^2 / (2K+2)! / (1 - r / (2K+3))`` with ``r >= ||hB||`` (the same bound and
    tolerance as :func:`_taylor_action`).
    """
    from scipy.linalg import blas

    syrk_name, symm_name = _SYRK_SYMM[X.dtype]
    syrk, symm = getattr(blas, syrk_name), getattr(blas, symm_name)
    tol = unit_roundoff(X) * _fro(X)
    rho = 2.0 * abs(s) * (norm2_estimate(B) if norm is None else norm)
    p = max(1, math.ceil(2.0 * rho))
    h = s / p
    r = rho / p
    # B is C-ordered, so B.T is Fortran-ordered: syrk on it reads B in place and returns
    # the upper triangle of -h^2 B^T B = (hB)^2
    C = syrk(-h * h, np.asarray(B).T, trans=0)
    x = X
    for _ in range(p):
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
            # (C P)^T = P^T C: P^T is Fortran-ordered, the result too, its .T C-ordered
            P = symm(1.0, C, P.T, side=1, lower=0).T
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


def expm_apply(A: Any, s: float, X: Any, AX: Any | None = None) -> Any:
    """``exp(sA) X`` for a skew ``A``: the action (d > columns of X) or the factor times X.

    The action is a Taylor series (:func:`_taylor_action`), or, for numpy arrays where it
    needs fewer flops (a high expected degree, as in float64 at ``||sA||`` above about
    0.06, and ``X`` not too narrow against ``A``), the even/odd series
    (:func:`_even_odd_action`).

    Examples
    --------
    >>> import scipy.linalg as sla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((6, 6)); A = A - A.T
    >>> X = rng.standard_normal((6, 2))
    >>> bool(np.abs(expm_apply(A, 0.3, X) - sla.expm(0.3 * A) @ X).max() < 1e-14)
    True
    """
    if X.shape[1] >= A.shape[0]:
        return expm_skew(s * A) @ X
    norm = norm2_estimate(A)
    if not math.isfinite(abs(s) * norm):
        raise ArgumentError(
            f"exp(sA) X needs a finite step s and a finite A: s = {s!r}, ||A|| estimated "
            f"{norm!r}"
        )
    if _is_numpy(X) and X.dtype == A.dtype and X.dtype in _SYRK_SYMM:
        p = max(1, math.ceil(4.0 * abs(s) * norm))
        m = _taylor_products(abs(s) * norm, unit_roundoff(X), p)
        taylor_cost = p * m - (AX is not None)
        # in units of one d x d x c product: syrk has d^3 flops against its 2 d^2 c, and
        # runs about 5 % slower per flop (measured at d = 4096)
        syrk_cost = 1.05 * A.shape[0] / (2.0 * max(1, X.shape[1]))
        even_odd_cost = syrk_cost + p * ((m + 1) // 2 + 1)
        if even_odd_cost < taylor_cost:
            return _even_odd_action(A, X, s, norm)
    return _taylor_action(A, X, AX, s, norm)


__all__ = [
    "MAX_TERMS",
    "expm_apply",
    "expm_skew",
    "norm2_estimate",
    "taylor_degree",
    "unit_roundoff",
]
