"""Gram bases from the Newton polytope: which monomials an SoS decomposition can use.

If ``p = sum_i q_i^2`` then every monomial of every ``q_i`` lies in half the Newton
polytope of ``p`` (Reznick, *Extremal PSD forms with few terms*, 1978): ``2 beta`` must be
in ``conv(supp p)``. So the Gram basis of ``p`` needs only those ``beta``. Membership is
a small linear program (scipy's HiGHS), after a cheap filter by the affine hull of the
support: for a form bilinear in two groups of variables (what a matrix inequality
expands to) the hull fixes the degree in each group, which leaves exactly the
*bihomogeneous* monomials (degree k in each group), never the full basis.

A second, combinatorial pruning: a monomial ``beta`` whose square ``2 beta`` is not in the
support and is no product of two *other* basis monomials has ``G_bb = 0`` forced, so its
whole row of a PSD Gram matrix vanishes; it is dropped, and the test repeats.

Examples
--------
>>> motzkin = [(4, 2), (2, 4), (2, 2), (0, 0)]
>>> sorted(half_newton_basis(motzkin))
[(0, 0), (1, 1), (1, 2), (2, 1)]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np

Exponent = tuple[int, ...]


def affine_hull_equations(support: Sequence[Exponent]) -> tuple[np.ndarray, np.ndarray]:
    """``W, c`` with ``W alpha = c`` for every ``alpha`` of the support (``W`` spans all such
    equations; numerically, with an exact integer recheck by the caller's LP).

    Examples
    --------
    >>> W, c = affine_hull_equations([(2, 0, 1, 1), (0, 2, 1, 1), (1, 1, 2, 0)])
    >>> [bool(np.allclose(W @ np.array(e), c)) for e in [(2, 0, 2, 0), (4, 0, 0, 0)]]
    [True, False]
    """
    P = np.asarray(support, dtype=float)
    D = P - P[0]
    if D.shape[0] == 1:
        W = np.eye(P.shape[1])
    else:
        # the right singular vectors only: full_matrices=True also made the m x m left ones,
        # 18.8 GiB for a 20-variable support of 50281 points; vt is n x n either way when
        # m >= n, and full_matrices is needed (and cheap) only for m < n
        _, s, vt = np.linalg.svd(D, full_matrices=D.shape[0] < D.shape[1])
        rank = int(np.sum(s > 1e-9 * max(1.0, s[0] if s.size else 1.0)))
        W = vt[rank:]
    return W, W @ P[0]


def _candidates(support: Sequence[Exponent]) -> Iterable[Exponent]:
    P = np.asarray(support, dtype=np.int64)
    lo = np.ceil(P.min(axis=0) / 2).astype(int)
    hi = np.floor(P.max(axis=0) / 2).astype(int)
    degs = P.sum(axis=1)
    dmin, dmax = math.ceil(degs.min() / 2), int(degs.max() // 2)
    n = P.shape[1]

    def rec(i: int, prefix: list[int], used: int):
        if i == n:
            if dmin <= used <= dmax:
                yield tuple(prefix)
            return
        for e in range(lo[i], min(hi[i], dmax - used) + 1):
            prefix.append(e)
            yield from rec(i + 1, prefix, used + e)
            prefix.pop()

    yield from rec(0, [], 0)


def in_hull(point: np.ndarray, P: np.ndarray) -> bool:
    """Whether ``point`` lies in ``conv(rows of P)`` (an LP feasibility test, HiGHS).

    Examples
    --------
    >>> P = np.array([[0, 0], [2, 0], [0, 2]])
    >>> in_hull(np.array([1, 1]), P), in_hull(np.array([2, 2]), P)
    (True, False)
    """
    from scipy.optimize import linprog

    m = P.shape[0]
    A = np.vstack([P.T.astype(float), np.ones((1, m))])
    b = np.concatenate([point.astype(float), [1.0]])
    res = linprog(np.zeros(m), A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    return bool(res.status == 0)


def half_newton_basis(support: Sequence[Exponent], prune: bool = True) -> list[Exponent]:
    """The monomials ``beta`` with ``2 beta`` in the Newton polytope of ``support``.

    Parameters
    ----------
    support : sequence of exponent tuples
        The monomials of the polynomial to decompose.
    prune : bool
        Also drop monomials whose diagonal Gram entry is forced to 0 (see the module).

    Returns
    -------
    list of exponent tuples

    Examples
    --------
    >>> half_newton_basis([(2, 0), (1, 1), (0, 2)])
    [(0, 1), (1, 0)]
    """
    support = [tuple(int(a) for a in e) for e in support]
    if not support:
        return []
    P = np.asarray(support, dtype=np.int64)
    W, c = affine_hull_equations(support)
    supp = set(support)
    out = []
    for beta in _candidates(support):
        two = 2 * np.asarray(beta, dtype=np.int64)
        if tuple(two) in supp:
            out.append(beta)
            continue
        if W.size and not np.allclose(W @ two, c, atol=1e-7):
            continue
        if in_hull(two, P):
            out.append(beta)
    return prune_forced_zeros(out, supp) if prune else out


def prune_forced_zeros(basis: Sequence[Exponent], support: set[Exponent]) -> list[Exponent]:
    """Drop ``beta`` while ``2 beta`` is neither in ``support`` nor a product of two other
    basis monomials (its Gram row is then forced to zero).

    Examples
    --------
    >>> prune_forced_zeros([(0, 0), (1, 0), (3, 0)], {(0, 0), (6, 0)})
    [(0, 0), (3, 0)]
    """
    basis = list(basis)
    while True:
        sums: dict[Exponent, int] = {}
        for a, b in itertools.combinations(basis, 2):
            e = tuple(x + y for x, y in zip(a, b, strict=True))
            sums[e] = sums.get(e, 0) + 1
        keep = [b for b in basis
                if tuple(2 * x for x in b) in support or tuple(2 * x for x in b) in sums]
        if len(keep) == len(basis):
            return keep
        basis = keep


def all_monomials(n: int, max_degree: int) -> list[Exponent]:
    """Every exponent tuple of length ``n`` and degree ``<= max_degree`` (graded order).

    Examples
    --------
    >>> all_monomials(2, 1)
    [(0, 0), (1, 0), (0, 1)]
    """
    out: list[Exponent] = []
    for deg in range(max_degree + 1):
        for combo in itertools.combinations_with_replacement(range(n), deg):
            e = [0] * n
            for j in combo:
                e[j] += 1
            out.append(tuple(e))
    return out
