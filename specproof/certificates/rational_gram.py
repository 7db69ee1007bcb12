"""Exact Gram matrices at scale: integer arithmetic on one common denominator, vectorised.

The producer's exact pipeline (:func:`specproof.certificates.certify` with ``exact=True``):

1. :func:`exact_power_sums` — the integers ``F_alpha`` with
   ``sum_i <x_i, v>^q = sum_alpha (F_alpha / L^q) v^alpha``, ``X = Y / L`` (``L`` the lcm of
   the denominators, a power of two for float data). They come from *squaring the square*:
   ``<y, v>^q = (<y, v>^k)^2 = sum_{a,b} w_a w_b z_a z_b`` with ``w_a = (k!/beta_a!) y^beta_a``
   (``k = q/2``), so ``F_alpha = sum_{(a,b) in S_alpha} (W^T W)_ab``; a different
   computation from the checker's multinomial formula
   (:mod:`specproof.certificates.polynomial`), so one bug cannot make both agree on a
   wrong polynomial. ``W^T W`` is computed exactly with floating-point BLAS on 20-bit
   limbs (every partial sum is an integer below ``2^53``, so exact), which took 0.1 s
   where numpy's object-array product took 11 s (N = 465, n = 90, 120-bit entries).
2. :func:`round_and_project` — round a float Gram matrix to the grid ``2^-bits`` and
   project it exactly onto ``{G : z^T G z = C||v||^q - sum_i <x_i,v>^q}`` (Peyrl-Parrilo
   step 5: spread each coefficient's residual evenly over ``S_alpha``), returning integer
   numerators over one common denominator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from specproof.certificates.monomials import exponents, pair_structure

LIMB_BITS = 20
_EXACT_FLOAT = 2**53


def _limbs(W: np.ndarray, count: int) -> list[np.ndarray]:
    """Signed 20-bit limbs of an integer object array: ``W = sum_j limb_j 2^(20 j)``."""
    sign = np.where(W < 0, -1, 1).astype(np.float64)
    mag = np.abs(W)
    mask = (1 << LIMB_BITS) - 1
    return [sign * ((mag >> (LIMB_BITS * j)) & mask).astype(np.float64) for j in range(count)]


def exact_gram_of_rows(W: np.ndarray) -> list[np.ndarray]:
    """``W^T W`` for an integer matrix, exactly, as limb-diagonal float blocks.

    Returns float arrays ``P_s`` (s = 0 .. 2 count - 2) of exact integers with
    ``W^T W = sum_s P_s 2^(20 s)``.

    Examples
    --------
    >>> W = np.array([[2**70 + 3, -5], [7, 2**40]], dtype=object)
    >>> P = exact_gram_of_rows(W)
    >>> sum(int(p[0, 1]) << (20 * s) for s, p in enumerate(P)) == (2**70 + 3) * -5 + 7 * 2**40
    True
    """
    W = np.asarray(W, dtype=object)
    bits = max((int(abs(x)).bit_length() for x in W.ravel()), default=0)
    count = max(1, math.ceil(bits / LIMB_BITS))
    n, N = W.shape
    # rows per chunk so that every partial sum stays below 2^53 (exact in float64)
    per = max(1, _EXACT_FLOAT // (count * 2 ** (2 * LIMB_BITS)))
    out = [np.zeros((N, N)) for _ in range(2 * count - 1)]
    chunks = []
    for s in range(0, n, per):
        chunks.append(_limbs(W[s : s + per], count))
    if len(chunks) > 1:  # sums over chunks would not stay exact: combine in integers
        total = [np.zeros((N, N), dtype=object) for _ in range(2 * count - 1)]
        for limbs in chunks:
            for a in range(count):
                for b in range(count):
                    total[a + b] += (limbs[a].T @ limbs[b]).astype(np.int64).astype(object)
        return total
    limbs = chunks[0]
    for a in range(count):
        for b in range(count):
            out[a + b] += limbs[a].T @ limbs[b]
    return out


def _class_sums(M: np.ndarray, pair_rows: np.ndarray, m: int) -> np.ndarray:
    """Exact ``sum_{S_alpha} M_ab`` for an integer-valued matrix, as Python ints."""
    order = np.argsort(pair_rows, kind="stable")
    counts = np.bincount(pair_rows, minlength=m)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = np.asarray(M).ravel()[order]
    if flat.dtype != object:
        flat = flat.astype(np.int64)  # exact: the float blocks hold integers below 2^53
        if np.abs(flat).max(initial=0) >= 2**62 // max(1, int(counts.max())):
            flat = flat.astype(object)
    return np.add.reduceat(flat, starts).astype(object)


def integer_data(X: Sequence[Sequence[Fraction]]) -> tuple[np.ndarray, int]:
    """``X = Y / L`` with ``Y`` an integer object array and ``L`` the lcm of denominators.

    Examples
    --------
    >>> Y, L = integer_data([[Fraction(1, 2), Fraction(3, 4)]])
    >>> Y.tolist(), L
    ([[2, 3]], 4)
    """
    L = 1
    for row in X:
        for x in row:
            L = math.lcm(L, x.denominator)
    Y = np.array([[x.numerator * (L // x.denominator) for x in row] for row in X], dtype=object)
    return Y, L


def exact_power_sums(X: Sequence[Sequence[Fraction]], q: int) -> tuple[np.ndarray, int]:
    """Integers ``F`` and ``Lq = L^q`` with ``sum_i <x_i,v>^q = sum_alpha F_alpha/Lq v^alpha``.

    ``alpha`` runs over :func:`~specproof.certificates.monomials.exponents` ``(d, q)``.

    Examples
    --------
    >>> F, Lq = exact_power_sums([[Fraction(1), Fraction(1, 2)]], 2)   # (v1 + v2/2)^2
    >>> [Fraction(int(f), Lq) for f in F]
    [Fraction(1, 1), Fraction(1, 1), Fraction(1, 4)]
    """
    Y, L = integer_data(X)
    d = Y.shape[1]
    k = q // 2
    half = np.array(exponents(d, k), dtype=np.int64).reshape(-1, d)
    coef = [math.factorial(k) // math.prod(math.factorial(int(e)) for e in beta)
            for beta in half]
    # W[i, a] = (k!/beta_a!) y_i^beta_a: the coefficients of <y_i, v>^k
    W = np.empty((Y.shape[0], half.shape[0]), dtype=object)
    for a, beta in enumerate(half):
        col = np.full(Y.shape[0], coef[a], dtype=object)
        for j in np.flatnonzero(beta):
            col = col * Y[:, j] ** int(beta[j])
        W[:, a] = col
    pair_rows, m = pair_structure(d, q)
    F = np.zeros(m, dtype=object)
    for s, block in enumerate(exact_gram_of_rows(W)):
        F = F + _class_sums(block, pair_rows, m) * (1 << (LIMB_BITS * s))
    return F, L**q


def norm_gram_diagonal(d: int, q: int) -> np.ndarray:
    """The diagonal ``k!/beta!`` of the Gram matrix of ``||v||^q`` (``k = q/2``): PD, >= 1.

    ``z^T diag(k!/beta!) z = sum_beta (k!/beta!) (v^2)^beta = (sum_j v_j^2)^k``.

    Examples
    --------
    >>> norm_gram_diagonal(2, 4).tolist()    # v1^4 + 2 v1^2 v2^2 + v2^4
    [1, 2, 1]
    """
    half = np.array(exponents(d, q // 2), dtype=np.int64).reshape(-1, d)
    k = q // 2
    return np.array([math.factorial(k) // math.prod(math.factorial(int(e)) for e in beta)
                     for beta in half], dtype=object)


def target_numerators(
    F: np.ndarray, Lq: int, C: Fraction, d: int, q: int
) -> tuple[np.ndarray, int]:
    """Numerators ``p`` and denominator ``den`` of ``C||v||^q - sum_i <x_i,v>^q``.

    Examples
    --------
    >>> F, Lq = exact_power_sums([[Fraction(1), Fraction(0)]], 2)
    >>> p, den = target_numerators(F, Lq, Fraction(3), 2, 2)
    >>> [Fraction(int(x), den) for x in p]     # 3(v1^2 + v2^2) - v1^2
    [Fraction(2, 1), Fraction(0, 1), Fraction(3, 1)]
    """
    C = Fraction(C)
    pair_rows, m = pair_structure(d, q)
    N = math.comb(d + q // 2 - 1, q // 2)
    diag = norm_gram_diagonal(d, q)
    nv = np.zeros(m, dtype=object)
    for a in range(N):
        nv[pair_rows[a * N + a]] += diag[a]
    return nv * (C.numerator * Lq) - F * C.denominator, C.denominator * Lq


def round_and_project(
    G: np.ndarray, bits: int, p: np.ndarray, den: int, d: int, q: int
) -> tuple[np.ndarray, int]:
    """Round ``G`` to ``2^-bits`` and project exactly onto ``z^T G z = p / den``.

    Returns integer numerators ``E`` (object array, N x N, symmetric) and the common
    denominator ``D``: the exact Gram matrix is ``E / D``. Each coefficient's residual
    ``r_alpha`` is spread evenly over ``S_alpha`` (the ``S_alpha`` partition the entries,
    so this is the orthogonal projection), which needs the lcm of the class sizes in
    ``D``.

    Examples
    --------
    >>> F, Lq = exact_power_sums([[Fraction(1), Fraction(1)]], 2)
    >>> p, den = target_numerators(F, Lq, Fraction(2), 2, 2)   # 2|v|^2 - (v1+v2)^2
    >>> E, D = round_and_project(np.array([[1.0, -1.0], [-1.0, 1.0]]), 8, p, den, 2, 2)
    >>> [[Fraction(int(x), D) for x in row] for row in E]
    [[Fraction(1, 1), Fraction(-1, 1)], [Fraction(-1, 1), Fraction(1, 1)]]
    """
    pair_rows, m = pair_structure(d, q)
    N = G.shape[0]
    S = (np.asarray(G, dtype=np.float64) + np.asarray(G, dtype=np.float64).T) / 2
    with np.errstate(over="ignore"):
        # exact: a power-of-two scaling, then integer rounding
        scaled = np.rint(np.ldexp(S, bits))
    if not np.all(np.isfinite(scaled)):
        # entries beyond 2^(1024 - bits) (a C near 2^1000 times the data's scale with
        # bits = 64 raised OverflowError): exact Python arithmetic, rounding half to even
        # as numpy does
        R = np.array([[round(Fraction(float(x)) * (1 << bits)) for x in row] for row in S],
                     dtype=object)
    elif np.abs(scaled).max(initial=0) < 2**52:
        R = scaled.astype(np.int64)
    else:  # huge entries: go through Python ints (float -> int is exact)
        R = np.array([[int(x) for x in row] for row in scaled], dtype=object)
    counts = np.bincount(pair_rows, minlength=m)
    lam = math.lcm(*{int(c) for c in counts if c})
    rsum = _class_sums(R, pair_rows, m)
    # residual over den * 2^bits, shared evenly by the |S_alpha| entries of its class
    res = p * (1 << bits) - rsum * den
    share = res * np.array([lam // int(c) if c else 0 for c in counts], dtype=object)
    E = R.astype(object) * (den * lam) + share[pair_rows].reshape(N, N)
    return E, den * (1 << bits) * lam
