"""Exact PSD test of a rational symmetric matrix by LDL^T elimination (no pivoting).

Why no pivoting is enough: if ``A`` is PSD then (i) a zero diagonal entry forces its
whole row and column to vanish (a 2x2 principal minor ``[[0, b], [b, c]]`` has
determinant ``-b^2``), and (ii) the Schur complement of a positive pivot is again PSD.
So eliminating in the given order either finishes with pivots ``D >= 0`` — and then
``A = L D L^T`` is PSD — or meets a negative pivot, or a zero pivot whose column is not
zero, and each of those is a proof that ``A`` is not PSD.

Elimination back ends: fraction-free Bareiss elimination in Python integers, and the same
LDL^T loop over Python's :class:`fractions.Fraction` or python-flint's ``fmpq``
(optional: ``pip install specproof[flint]``). All are cubic in N with integers that grow
to ~N times the entries' size: at N = 78 with the ~250-bit entries of a certificate for
float data, Bareiss took 46 s.

The default ``"auto"`` first tries a *factor-and-dominance proof* (``"factor-dd"``),
which is exact but needs only ``O(N^2)`` big-integer operations: a floating-point
Cholesky factor of ``A - s I`` (``s`` half the smallest eigenvalue) is rounded to a dyadic
lower-triangular ``K`` with a positive diagonal, ``R = A - K K^T`` is computed exactly
(``K K^T`` by floating-point BLAS on 18-bit limbs, every partial sum an integer below
``2^53``), and ``R`` is checked, exactly, to be diagonally dominant with a non-negative
diagonal. Then ``A = K K^T + R`` is a sum of a positive definite and a PSD matrix
(Gershgorin), so ``A`` is positive definite: floating point only *proposes* ``K``; the
verdict rests on exact integer comparisons. A clearly indefinite ``A`` is rejected
without elimination when the float eigenvector of its smallest eigenvalue, scaled and
rounded to an integer vector ``w``, gives ``w^T A w < 0`` in exact arithmetic (a proof
that ``A`` is not PSD). When neither goes through (``A`` singular, or within float
resolution of it), the elimination decides. ``benchmarks/bench_sos.py`` measures them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np

from specproof.certificates.rational_text import describe_rational

BACKENDS: tuple[str, ...] = ("auto", "bareiss", "factor-dd", "flint", "fraction")
LIMB = 18  # bits per limb of the exact K K^T: N * 4 limbs * 2^36 stays below 2^53


@dataclass(frozen=True)
class LDLResult:
    """Outcome of the exact PSD test.

    Attributes
    ----------
    psd : bool
        Whether the matrix is positive semidefinite (exactly).
    reason : str
        Why, in words (the offending pivot when not PSD).
    index : int or None
        Index of the offending pivot, or None when PSD.
    rank : int
        Number of positive pivots met (the rank when PSD).
    min_pivot : Fraction or None
        Smallest positive pivot met (None if there was none).
    backend : str
        ``"bareiss"``, ``"flint"`` or ``"fraction"``.
    """

    psd: bool
    reason: str
    index: int | None
    rank: int
    min_pivot: Fraction | None = field(default=None)
    backend: str = "fraction"

    def __post_init__(self) -> None:
        # every backend reports a Fraction, whatever its arithmetic (flint's fmpq)
        if self.min_pivot is not None and not isinstance(self.min_pivot, Fraction):
            object.__setattr__(self, "min_pivot", _to_fraction(self.min_pivot))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the pivot as a ``"p/q"`` string)."""
        return {
            "psd": self.psd,
            "reason": self.reason,
            "index": self.index,
            "rank": self.rank,
            "min_pivot": None if self.min_pivot is None else describe_rational(self.min_pivot),
            "backend": self.backend,
        }


def default_backend() -> str:
    """``"auto"``: the factor-and-dominance proof, with Bareiss elimination behind it.

    Examples
    --------
    >>> default_backend() in BACKENDS
    True
    """
    return "auto"


def _to_backend(A: Sequence[Sequence[Fraction]], backend: str) -> list[list[Any]]:
    if backend == "fraction":
        return [[Fraction(x) for x in row] for row in A]
    try:  # optional accelerator, imported when asked for: the default paths never need it
        import flint as _flint
    except ImportError:  # pragma: no cover - exercised only where python-flint is missing
        raise ValueError("backend='flint' needs python-flint, which is not installed") from None
    fmpq = _flint.fmpq
    return [[fmpq(Fraction(x).numerator, Fraction(x).denominator) for x in row] for row in A]


def _to_fraction(x: Any) -> Fraction:
    if isinstance(x, Fraction):
        return x
    return Fraction(int(x.p), int(x.q))


def _zero_pivot_failure(M, k: int, rank: int, min_pivot, backend: str) -> LDLResult | None:
    """A zero pivot is fine only if its column below it vanishes (else a 2x2 minor < 0)."""
    for i in range(k + 1, len(M)):
        if M[i][k] != 0:
            return LDLResult(
                False,
                f"zero pivot at index {k} with a nonzero entry below it (row {i}): "
                "a 2x2 minor is negative",
                k, rank, min_pivot, backend,
            )
    return None


def ldl_psd(A: Sequence[Sequence[Fraction]], backend: str | None = None) -> LDLResult:
    """Decide exactly whether the symmetric rational matrix ``A`` is PSD.

    Only the lower triangle is read; the caller checks symmetry.

    Parameters
    ----------
    A : square sequence of sequences of Fraction (or int)
        The matrix.
    backend : {"auto", "bareiss", "factor-dd", "flint", "fraction"} or None
        Arithmetic; None picks :func:`default_backend` (``"auto"``: the float-guided exact
        proofs, elimination behind them; ``"factor-dd"`` is the same).

    Returns
    -------
    LDLResult

    Examples
    --------
    >>> ldl_psd([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(1)]]).psd
    True
    >>> A = [[Fraction(0), Fraction(1)], [Fraction(1), Fraction(5)]]
    >>> ldl_psd(A, backend="bareiss").reason
    'zero pivot at index 0 with a nonzero entry below it (row 1): a 2x2 minor is negative'
    >>> ldl_psd(A).reason.startswith("a negative direction")   # auto: an exact witness
    True
    """
    backend = default_backend() if backend is None else backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if backend in ("auto", "factor-dd"):
        _check_square(A)
        verdict = _factor_dominance_psd(A)
        return verdict if verdict is not None else _bareiss_psd(A)
    if backend == "bareiss":
        return _bareiss_psd(A)
    M = _to_backend(A, backend)
    N = len(M)
    if any(len(row) != N for row in M):
        raise ValueError(f"A must be square, got {N} rows of lengths {sorted({len(r) for r in M})}")
    rank = 0
    min_pivot = None
    for k in range(N):
        p = M[k][k]
        if p < 0:
            why = f"negative pivot {describe_rational(_to_fraction(p))} at index {k}"
            return LDLResult(False, why, k, rank, min_pivot, backend)
        if p == 0:
            bad = _zero_pivot_failure(M, k, rank, min_pivot, backend)
            if bad is not None:
                return bad
            continue
        rank += 1
        if min_pivot is None or p < min_pivot:
            min_pivot = p
        col = [M[i][k] for i in range(N)]
        for i in range(k + 1, N):
            ci = col[i]
            if ci == 0:
                continue
            li = ci / p
            row = M[i]
            for j in range(k + 1, i + 1):
                cj = col[j]
                if cj != 0:
                    row[j] -= li * cj
    return LDLResult(
        True,
        f"PSD: {rank} positive and {N - rank} zero pivots",
        None,
        rank,
        None if min_pivot is None else _to_fraction(min_pivot),
        backend,
    )


def _bareiss_psd(A: Sequence[Sequence[Fraction]]) -> LDLResult:
    """Fraction-free (Bareiss) version of the same elimination, in Python integers.

    ``A`` is scaled to an integer matrix by the lcm of its denominators (a positive
    factor: pivot signs are unchanged). After step ``k`` the trailing entries are
    ``Delta_k`` times the rational Schur complement, where ``Delta_k > 0`` is the leading
    principal minor of the positive pivots kept so far; every division is exact. A zero
    pivot whose column vanishes is dropped, which leaves ``Delta`` unchanged.
    """
    N = len(A)
    if any(len(row) != N for row in A):
        raise ValueError(f"A must be square, got {N} rows of lengths {sorted({len(r) for r in A})}")
    D = 1
    for i in range(N):
        for j in range(i + 1):
            D = lcm(D, Fraction(A[i][j]).denominator)
    M = [[int(Fraction(A[i][j]) * D) for j in range(i + 1)] for i in range(N)]
    prev = 1  # Delta of the pivots kept so far
    rank = 0
    min_pivot: Fraction | None = None
    for k in range(N):
        p = M[k][k]
        if p < 0:
            why = f"negative pivot {describe_rational(Fraction(p, prev * D))} at index {k}"
            return LDLResult(False, why, k, rank, min_pivot, "bareiss")
        if p == 0:
            bad = _zero_pivot_failure(M, k, rank, min_pivot, "bareiss")
            if bad is not None:
                return bad
            continue
        rank += 1
        pivot = Fraction(p, prev * D)  # the rational pivot d_k = Delta_k / Delta_{k-1}
        if min_pivot is None or pivot < min_pivot:
            min_pivot = pivot
        col = [M[i][k] if i > k else 0 for i in range(N)]
        for i in range(k + 1, N):
            row = M[i]
            ci = col[i]
            if ci == 0:
                for j in range(k + 1, i + 1):
                    row[j] = (p * row[j]) // prev
            else:
                for j in range(k + 1, i + 1):
                    row[j] = (p * row[j] - ci * col[j]) // prev
        prev = p
    return LDLResult(True, f"PSD: {rank} positive and {N - rank} zero pivots", None, rank,
                     min_pivot, "bareiss")


def _check_square(A: Sequence[Sequence[Any]]) -> None:
    N = len(A)
    if any(len(row) != N for row in A):
        raise ValueError(f"A must be square, got {N} rows of lengths {sorted({len(r) for r in A})}")


def _exact_outer(K: np.ndarray) -> np.ndarray:
    """``K K^T`` exactly for an int64 matrix with ``|K| < 2^62``, as Python ints."""
    N = K.shape[0]
    count = max(1, -(-int(np.abs(K).max(initial=0)).bit_length() // LIMB))
    sign = np.where(K < 0, -1.0, 1.0)
    mag = np.abs(K)
    limbs = [sign * ((mag >> (LIMB * j)) & ((1 << LIMB) - 1)).astype(np.float64)
             for j in range(count)]
    out = np.zeros((N, N), dtype=object)
    for s in range(2 * count - 1):
        block = np.zeros((N, N))
        for a in range(max(0, s - count + 1), min(s, count - 1) + 1):
            block += limbs[a] @ limbs[s - a].T
        out = out + block.astype(np.int64).astype(object) * (1 << (LIMB * s))
    return out


def _negative_direction(M: np.ndarray, u: np.ndarray) -> LDLResult | None:
    """``A`` is not PSD if ``w^T A w < 0`` for the dyadic rounding ``w`` of ``u``, exactly."""
    scale = 60 - int(np.floor(np.log2(np.abs(u).max())))
    w = np.array([int(x) for x in np.rint(np.ldexp(u, scale))], dtype=object)
    value = int(w.dot(M.dot(w)))  # exact: Python integers
    if value >= 0:
        return None
    return LDLResult(
        False,
        "a negative direction: w^T A w < 0 for the integer vector w (the float eigenvector "
        f"of the smallest eigenvalue scaled by 2^{scale} and rounded), computed exactly",
        None, 0, None, "factor-dd",
    )


def _factor_dominance_psd(A: Sequence[Sequence[Any]]) -> LDLResult | None:
    """Prove ``A`` positive definite as ``K K^T + R`` (R diagonally dominant), or prove it
    is not PSD by an exact negative direction; None when neither goes through."""
    N = len(A)
    if N == 0 or N * 4 * 2 ** (2 * LIMB) >= 2**53:
        return None
    lower = [[Fraction(A[i][j]) for j in range(i + 1)] for i in range(N)]
    D = 1
    for den in {x.denominator for row in lower for x in row}:
        D = lcm(D, den)
    M = np.empty((N, N), dtype=object)
    Af = np.empty((N, N))
    for i, row in enumerate(lower):
        for j, x in enumerate(row):
            M[i, j] = M[j, i] = x.numerator * (D // x.denominator)
            try:
                Af[i, j] = Af[j, i] = float(x)
            except OverflowError:
                return None
    if not np.all(np.isfinite(Af)):
        return None
    with np.errstate(all="ignore"):
        try:
            eigs = np.linalg.eigvalsh(Af)  # the vectors only when a witness is wanted
            s = float(eigs[0]) / 2
            if not s > 0:
                if not eigs[0] < 0:
                    return None
                return _negative_direction(M, np.linalg.eigh(Af)[1][:, 0])
            Lf = np.linalg.cholesky(Af - s * np.eye(N))
        except np.linalg.LinAlgError:
            return None
    big = float(np.abs(Lf).max())
    # rounding K moves each row sum of K K^T by about N^2 big 2^-b: keep that below s/4
    b = int(np.ceil(np.log2(4.0 * N * N * big / s))) + 1
    if not (np.isfinite(big) and 0 < b < 1000) or big * 2.0**b >= 2.0**61:
        return None
    K = np.rint(np.ldexp(Lf, b)).astype(np.int64)
    if np.any(np.diagonal(K) <= 0):
        return None
    R = M * (1 << (2 * b)) - _exact_outer(K) * D  # = (A - K K^T 2^-2b) D 2^2b, exactly
    diag = np.diagonal(R)
    off = np.abs(R).sum(axis=1) - np.abs(diag)
    if not all(int(x) >= int(y) for x, y in zip(diag, off, strict=True)):
        return None
    return LDLResult(
        True,
        f"positive definite: A = K K^T + R with K dyadic lower triangular ({b} bits, "
        "positive diagonal) and R diagonally dominant with a non-negative diagonal, "
        "both checked exactly",
        None, N, None, "factor-dd",
    )
