"""Monomial bookkeeping for SoS relaxations of ``||X||_{2->q}^q`` (q even).

Exponent tuples ``alpha`` (length d, sum = degree) index monomials ``v^alpha``. The Gram
basis ``z`` holds the monomials of degree q/2; ``S_alpha`` is the set of ordered index
pairs ``(a, b)`` of the Gram matrix with ``z_a z_b = v^alpha``. The sets ``S_alpha``
partition the ``N x N`` entries, which is what makes the coefficient-matching equalities
(one per monomial of degree q, ``C(d+q-1, q)`` of them) the whole SoS constraint.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np


def exponents(d: int, degree: int) -> list[tuple[int, ...]]:
    """All exponent tuples of length ``d`` summing to ``degree``, in a fixed order.

    The order is that of ``itertools.combinations_with_replacement(range(d), degree)``
    (graded lexicographic on index multisets), so it is reproducible everywhere.

    Examples
    --------
    >>> exponents(2, 2)
    [(2, 0), (1, 1), (0, 2)]
    >>> len(exponents(5, 4)) == math.comb(5 + 3, 4)
    True
    """
    return [tuple(e) for e in _exponent_array(d, degree).tolist()]


@lru_cache(maxsize=32)
def _exponent_array(d: int, degree: int) -> np.ndarray:
    if d < 1 or degree < 0:
        raise ValueError(f"need d >= 1 and degree >= 0, got d={d}, degree={degree}")
    combos = list(itertools.combinations_with_replacement(range(d), degree))
    out = np.zeros((len(combos), d), dtype=np.int64)
    for r, c in enumerate(combos):
        for j in c:
            out[r, j] += 1
    out.setflags(write=False)
    return out


Exponent = tuple[int, ...]
PairMap = dict[Exponent, list[tuple[int, int]]]


def gram_basis(d: int, q: int) -> tuple[list[Exponent], PairMap]:
    """The Gram basis (monomials of degree q/2) and the map ``alpha -> S_alpha``.

    Parameters
    ----------
    d : int
        Number of variables.
    q : int
        Even degree of the polynomial.

    Returns
    -------
    basis : list of tuple
        Exponent tuples of the monomials ``z_a`` of degree q/2.
    pairs : dict
        For every exponent ``alpha`` of degree q, the list of ordered pairs ``(a, b)``
        with ``basis[a] + basis[b] == alpha``. Every ordered pair occurs exactly once.

    Examples
    --------
    >>> basis, pairs = gram_basis(2, 4)
    >>> basis
    [(2, 0), (1, 1), (0, 2)]
    >>> pairs[(2, 2)]
    [(0, 2), (1, 1), (2, 0)]
    """
    if q % 2 or q < 2:
        raise ValueError(f"q must be an even integer >= 2, got {q}")
    basis = exponents(d, q // 2)
    index = monomial_index(d, q)
    rows, _ = pair_structure(d, q)
    pairs: PairMap = {a: [] for a in index}
    alphas = list(index)
    N = len(basis)
    for flat, r in enumerate(rows.tolist()):
        pairs[alphas[r]].append((flat // N, flat % N))
    return basis, pairs


@lru_cache(maxsize=32)
def monomial_index(d: int, degree: int) -> dict[tuple[int, ...], int]:
    """Map each exponent tuple of the given degree to its row in :func:`exponents`.

    Examples
    --------
    >>> monomial_index(2, 2)[(1, 1)]
    1
    """
    return {tuple(e): i for i, e in enumerate(_exponent_array(d, degree).tolist())}


@lru_cache(maxsize=16)
def pair_structure(d: int, q: int) -> tuple[np.ndarray, int]:
    """For the row-major flattened ``N x N`` Gram matrix, the monomial row of each entry.

    Returns ``(rows, m)``: ``rows[a*N + b]`` is the index (in :func:`exponents` ``(d, q)``)
    of the monomial ``z_a z_b``; ``m`` is the number of monomials of degree q.

    Examples
    --------
    >>> rows, m = pair_structure(2, 2)
    >>> rows.tolist(), m
    ([0, 1, 1, 2], 3)
    """
    half = _exponent_array(d, q // 2)
    full = _exponent_array(d, q)
    # encode exponent tuples as integers in base (q+1): exact and vectorised
    weights = (q + 1) ** np.arange(d, dtype=np.int64)
    key_full = full @ weights
    order = np.argsort(key_full)
    key_half = half @ weights
    sums = (key_half[:, None] + key_half[None, :]).ravel()
    pos = np.searchsorted(key_full[order], sums)
    rows = order[pos]
    rows.setflags(write=False)
    return rows, full.shape[0]


def multinomial(alpha: tuple[int, ...] | np.ndarray) -> int:
    """The multinomial coefficient ``|alpha|! / prod(alpha_j!)``.

    Examples
    --------
    >>> multinomial((2, 1, 1))
    12
    """
    a = [int(x) for x in alpha]
    out = math.factorial(sum(a))
    for x in a:
        out //= math.factorial(x)
    return out


def power_sum_coefficients(X: np.ndarray, q: int) -> np.ndarray:
    """Coefficients of ``sum_i <x_i, v>^q`` in the monomials :func:`exponents` ``(d, q)``.

    The coefficient of ``v^alpha`` is ``(q!/alpha!) sum_i prod_j X[i, j]^alpha_j``.

    Examples
    --------
    >>> power_sum_coefficients(np.array([[1.0, 2.0]]), 2)   # (v1 + 2 v2)^2
    array([1., 4., 4.])
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    combos = np.array(
        list(itertools.combinations_with_replacement(range(d), q)), dtype=np.int64
    ).reshape(-1, q)
    m = combos.shape[0]
    sums = np.empty(m)
    # chunk so the n x chunk x q gather stays around 8 MB
    chunk = max(1, int(1_000_000 // max(1, n * q)))
    for s in range(0, m, chunk):
        c = combos[s : s + chunk]
        sums[s : s + chunk] = np.prod(X[:, c], axis=2).sum(axis=0)
    return _multinomials(d, q) * sums


@lru_cache(maxsize=16)
def _multinomials(d: int, q: int) -> np.ndarray:
    """``q!/alpha!`` for every exponent of degree q (exact in float64 for q <= 20)."""
    fact = np.array([math.factorial(k) for k in range(q + 1)], dtype=np.float64)
    out = math.factorial(q) / np.prod(fact[_exponent_array(d, q)], axis=1)
    out.setflags(write=False)
    return out


def norm_power_coefficients(d: int, q: int) -> np.ndarray:
    """Coefficients of ``||v||_2^q = (sum_j v_j^2)^{q/2}`` in :func:`exponents` ``(d, q)``.

    By the multinomial theorem the coefficient of ``v^{2 beta}`` is ``(q/2)!/beta!`` and
    every monomial with an odd exponent has coefficient 0.

    Examples
    --------
    >>> norm_power_coefficients(2, 4)   # v1^4 + 2 v1^2 v2^2 + v2^4
    array([1., 0., 2., 0., 1.])
    """
    full = _exponent_array(d, q)
    out = np.zeros(full.shape[0])
    even = np.all(full % 2 == 0, axis=1)
    for r in np.flatnonzero(even):
        out[r] = multinomial(full[r] // 2)
    return out
