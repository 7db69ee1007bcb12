"""Small numerics shared by Pion's series, for numpy arrays and torch tensors alike.

The unit roundoff of a dtype, Frobenius norms, a deterministic power-iteration estimate
of the spectral norm, and the few array operations whose numpy and torch spellings
differ (identity, solve, fused multiply-add).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError

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


def _cayley_solve(A: Any, h: float, B: Any, overwrite_b: bool = False,
                  overwrite_a: bool = False) -> Any:
    """``(I - hA)^{-1} B`` for an *exactly* skew-symmetric ``A`` (as Pion's generators are).

    For torch tensors of size ≥ 512 and ``h ||A||_F ≤ 10`` the solve is a block
    elimination without pivots (:mod:`.skew_solve`; ``I - hA`` needs none, its
    symmetric part being ``I``), made of matrix products; ``B`` is then overwritten
    when ``overwrite_b``, and ``A`` (turned into ``I - hA``) when ``overwrite_a``.
    Otherwise, for torch the matrix is passed as the transposed view of ``I + hA``,
    which equals ``I - hA`` bit for bit when ``A^T = -A`` exactly: torch's LU wants
    column-major storage and would otherwise transpose a d x d copy (0.37 of a
    d x d x k product at d = 4096, k = 1024, one thread; the solution is the same
    bits). numpy/scipy gain nothing from it, so they solve ``I - hA`` as written.

    Examples
    --------
    >>> A = np.array([[0.0, 2.0], [-2.0, 0.0]])
    >>> _cayley_solve(A, 0.5, np.array([[2.0], [0.0]]))
    array([[ 1.],
           [-1.]])
    """
    if _is_numpy(A):
        return _solve(_eye(A.shape[0], A) - h * A, B)
    import torch

    from .skew_solve import blocked_applies, solve_blocked

    if blocked_applies(A, h):
        M = A.mul_(-h) if overwrite_a else A * (-h)
        M.diagonal().add_(1.0)
        return solve_blocked(M, B if overwrite_b else B.clone())
    # hA with 1 added on the diagonal: one pass over d x d instead of an identity and a sum
    # (the diagonal of an exactly skew A is 0, so the bits are those of I + hA)
    M = A * h
    M.diagonal().add_(1.0)
    return torch.linalg.solve(M.mT, B)


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


# float32's share of a float64 series: a last term (with everything after it) whose bound
# is below (u64 / u32) of ||x|| is formed in float32. A product's rounding grows with its
# length alike in both precisions, so that term's float32 rounding stays at the float64
# rounding of x itself; the series' own float64 rounding, from its products and sums, is
# several times that (Pion at 4096 x 1024: 6.8e-16 of ||W|| against scipy's expm, where
# the float32 third and fourth powers add 6e-17). Until 2026-12-07 this was an eighth of it.
FLOAT32_SHARE = 2.0**-53 / 2.0**-24

# the largest ||sA|| (radians of rotation) whose exponential is computed
MAX_ROTATION = 1e6


def substeps(rho: float, what: str = "exp(sA)") -> int:
    """The number ``p >= 2 rho`` of substeps that make each one's norm at most 1/2.

    ``rho`` bounds ``||sA||``; past :data:`MAX_ROTATION` it is an error, not a loop of
    ``2 rho`` substeps: the rotation angle itself is then known in float64 only to about
    ``rho u`` radians.

    Examples
    --------
    >>> substeps(0.09), substeps(3.2)
    (1, 7)
    >>> substeps(2e170)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: exp(sA) with ||sA|| up to 2e+170: a rotation by ...
    """
    if not rho <= MAX_ROTATION:
        raise ArgumentError(
            f"{what} with ||sA|| up to {rho:.3g}: a rotation by more than {MAX_ROTATION:.0e} "
            f"radians is not computed (its angle is known in float64 only to about "
            f"{rho * 2.0**-53:.2g} radians, and the series would need {2.0 * rho:.2g} "
            "substeps)"
        )
    return max(1, math.ceil(2.0 * rho))


# below this a sum of squares may have lost entries to underflow
_TINY_NORM = 1e-140


def _plain_fro(x: Any) -> float:
    if _is_numpy(x):
        with np.errstate(over="ignore", under="ignore"):  # _fro rescues both
            if x.dtype != np.float64:
                return float(np.linalg.norm(x))  # float32 sums in BLAS, wider than einsum
            # einsum's own loop, not BLAS: numpy and scipy each load an OpenBLAS, and a
            # call into one while the other's threads still spin after its last call
            # (they do for a while) runs at about one thread's speed (measured: two-thread
            # products took 2x as long between scipy axpy calls as in a row)
            flat = x.reshape(-1)
            return math.sqrt(float(np.einsum("i,i->", flat, flat)))
    import torch

    return float(torch.linalg.norm(x))


def _fro(x: Any) -> float:
    """The Frobenius norm, right also where the sum of squares over- or underflows.

    Examples
    --------
    >>> [f"{_fro(np.array([[3.0], [4.0]]) * t):.15g}" for t in (1e200, 1e-200)]
    ['5e+200', '5e-200']
    """
    # the libraries square without scaling (1e200^2 is inf, 1e-200^2 is 0); only then
    # is the extra pass for the largest entry made
    plain = _plain_fro(x)
    if _TINY_NORM < plain < math.inf or math.isnan(plain):
        return plain
    big = _maxabs(x)
    if big == 0.0 or not math.isfinite(big):
        return plain if big == 0.0 else math.inf
    return _plain_fro(x / big) * big


def column_norms(x: Any) -> Any:
    """The 2-norm of every column of the 2-D ``x`` (numpy array or torch tensor, float64
    numpy for either), right also where a column's sum of squares over- or underflows.

    Examples
    --------
    >>> x = np.array([[3e200, 0.0, 3e-200], [4e200, 0.0, 4e-200]])
    >>> [f"{v:.15g}" for v in column_norms(x)]
    ['5e+200', '0', '5e-200']
    """
    if x.ndim == 1:
        x = x[:, None]  # one column
    if _is_numpy(x):
        with np.errstate(over="ignore", under="ignore"):
            sq = np.einsum("ij,ij->j", x, x, dtype=np.float64)
        lib_abs, lib_max = np.abs, (lambda a: np.max(a, axis=0))
    else:
        import torch

        # the product and a column sum: torch's einsum took 67 ms at 4096 x 1024 (float32,
        # one thread), this 2.6 ms
        sq = (x * x).sum(0).double().cpu().numpy()
        lib_abs, lib_max = torch.abs, (lambda a: torch.amax(a, dim=0).double().cpu().numpy())
    out = np.sqrt(sq)
    info = np.finfo(np.float64 if str(x.dtype) in ("float64", "torch.float64") else np.float32)
    # a column whose squares may have left the dtype's normal range is divided by its
    # largest entry first (a zero column is left at 0)
    tiny = math.sqrt(float(info.tiny)) / float(info.eps)
    risky = ~(np.isfinite(out) & ((out > tiny) | (out == 0.0)))
    if out.size and (out == 0.0).any():
        # 0 is right only for a column of zeros, not one whose squares all underflowed
        zero = out == 0.0
        risky |= zero & (np.asarray(lib_max(lib_abs(x))) > 0.0)
    for j in np.flatnonzero(risky):
        col = x[:, j]
        big = float(lib_max(lib_abs(col[:, None]))[0])
        if big == 0.0 or not math.isfinite(big):
            out[j] = big if big == 0.0 or math.isnan(big) else math.inf
            continue
        scaled = col / big  # |entries| <= 1, also for a subnormal big (2^-e overflows)
        out[j] = math.sqrt(float((scaled * scaled).sum())) * big
    return out


def column_ratio(p_cols: Any, x_cols: Any, u: float = 2.0**-53) -> float:
    """``max_j ||P_j|| / ref_j`` with ``ref_j = max(||x_j||, u max_i ||x_i||)``: the largest
    size of a column of ``P`` relative to its own column of ``x`` (floored at the unit
    roundoff ``u`` of the series' dtype times the largest, where relative accuracy ends
    anyway: a float32 series is not asked for float64's; 0 when ``x`` is 0).

    The exponential acts column by column, so its series is cut and its last terms are
    put in float32 by this measure: a bound relative to ``||x||_F`` let a column that the
    generator rotates come out with the rounding of the whole block (2.9e-14 of its
    size with a few hundred columns it leaves alone).

    Examples
    --------
    >>> column_ratio(np.array([1e-3, 0.0]), np.array([1.0, 1e3]))
    0.001
    """
    top = float(np.max(x_cols)) if np.size(x_cols) else 0.0
    if top == 0.0 or not math.isfinite(top):
        return 0.0 if top == 0.0 and not np.any(p_cols) else math.inf
    ref = np.maximum(x_cols, u * top)
    return float(np.max(p_cols / ref))


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
    >>> f"{norm2_estimate(np.diag([3e200, 1.0])):.3g}"   # C^T C would overflow
    '3e+200'
    """
    d = C.shape[0]
    if d == 0:
        return 0.0
    # normalised after every product: the growth is kept as a logarithm, so a finite C
    # of norm 1e200 is estimated, where C^T C v would overflow
    v = _start_vector(d, C)
    log_growth = 0.0
    for last in [False] * _POWER_ITERATIONS + [True]:
        for M in (C,) if last else (C, C.T):
            log_growth = 0.0
            for _ in range(power):
                v = M @ v
                n = _fro(v)
                if n == 0.0 or not math.isfinite(n):
                    return 0.0 if n == 0.0 else math.inf
                v = v / n
                log_growth += math.log(n)
    return math.exp(log_growth / power)


__all__ = [
    "FLOAT32_SHARE",
    "column_norms",
    "column_ratio",
    "MAX_ROTATION",
    "MAX_TERMS",
    "norm2_estimate",
    "substeps",
    "unit_roundoff",
]
