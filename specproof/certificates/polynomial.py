"""The checkers' own derivation of the certified polynomial, in exact integer arithmetic.

A certificate for ``||X||_{2->q}^q <= C`` (``q`` even) claims the polynomial identity

    p(v) = C ||v||_2^q - sum_i <x_i, v>^q = z(v)^T G z(v),

where ``z`` lists the monomials of the basis. This module computes both sides
coefficient by coefficient, from nothing but the certificate's ``X``, ``C`` and
basis: it never imports the SoS solver (the checkers must share no code path with it).

Coefficients, with ``k = q/2`` and ``alpha`` a multi-index of degree ``q``:

- ``||v||^q = (sum_j v_j^2)^k`` has coefficient ``k! / prod_j (alpha_j/2)!`` on
  ``v^alpha`` when every ``alpha_j`` is even, and 0 otherwise (multinomial theorem);
- ``<x, v>^q`` has coefficient ``q!/alpha! * prod_j x_j^alpha_j``.

Rational data are scaled to integers first (``X = Y / L`` with ``L`` the lcm of the
denominators), so every product and sum is a Python integer: no overflow, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import factorial, lcm, prod

import numpy as np

Exponent = tuple[int, ...]


def compositions(d: int, degree: int) -> list[Exponent]:
    """All exponent tuples of length ``d`` summing to ``degree``, in lexicographic order.

    Examples
    --------
    >>> compositions(2, 2)
    [(0, 2), (1, 1), (2, 0)]
    """
    if d == 1:
        return [(degree,)]
    out: list[Exponent] = []
    for first in range(degree + 1):
        for rest in compositions(d - 1, degree - first):
            out.append((first, *rest))
    return out


def multinomial(alpha: Sequence[int]) -> int:
    """The multinomial coefficient ``|alpha|! / prod alpha_j!`` as an exact integer.

    Examples
    --------
    >>> multinomial((2, 1, 1))
    12
    """
    return factorial(sum(alpha)) // prod(factorial(a) for a in alpha)


def norm_power_coefficient(alpha: Sequence[int]) -> int:
    """Coefficient of ``v^alpha`` in ``||v||_2^q`` with ``q = sum(alpha)`` even.

    Examples
    --------
    >>> [norm_power_coefficient(a) for a in [(2, 2), (4, 0), (3, 1)]]
    [2, 1, 0]
    """
    if any(a % 2 for a in alpha):
        return 0
    return multinomial([a // 2 for a in alpha])


def integer_scaling(X: Sequence[Sequence[Fraction]]) -> tuple[list[list[int]], int]:
    """Write a rational matrix as ``Y / L`` with ``Y`` integer and ``L >= 1`` the lcm of
    the denominators.

    Examples
    --------
    >>> integer_scaling([[Fraction(1, 2), Fraction(1, 3)]])
    ([[3, 2]], 6)
    """
    L = 1
    for row in X:
        for x in row:
            L = lcm(L, Fraction(x).denominator)
    Y = [[int(Fraction(x) * L) for x in row] for row in X]
    return Y, L


def target_coefficients(
    X: Sequence[Sequence[Fraction]], C: Fraction, q: int
) -> dict[Exponent, Fraction]:
    """Exact coefficients of ``C ||v||^q - sum_i <x_i, v>^q`` on every degree-``q`` monomial.

    Parameters
    ----------
    X : sequence of sequences of Fraction
        The rows ``x_i`` (``n x d``), exact rationals.
    C : Fraction
        The claimed bound.
    q : int
        Even degree.

    Returns
    -------
    dict
        ``alpha -> coefficient`` for all ``C(d+q-1, q)`` monomials (zeros included).

    Examples
    --------
    >>> f = target_coefficients([[Fraction(1), Fraction(0)]], Fraction(1), 2)
    >>> f[(2, 0)], f[(0, 2)], f[(1, 1)]
    (Fraction(0, 1), Fraction(1, 1), Fraction(0, 1))
    """
    Y, L = integer_scaling(X)
    d = len(Y[0])
    scale = L**q
    C = Fraction(C)
    alphas = compositions(d, q)
    # moments[alpha] = sum_i prod_j Y_ij^alpha_j, vectorised over the rows as Python ints
    cols = np.array(Y, dtype=object).T  # d x n
    powers = [[None] + [cols[j] ** e for e in range(1, q + 1)] for j in range(d)]
    out: dict[Exponent, Fraction] = {}
    for alpha in alphas:
        term = None
        for j, a in enumerate(alpha):
            if a:
                term = powers[j][a] if term is None else term * powers[j][a]
        moment = int(term.sum())
        out[alpha] = (C * norm_power_coefficient(alpha)
                      - Fraction(multinomial(alpha) * moment, scale))
    return out


def gram_classes(basis: Sequence[Exponent]) -> dict[Exponent, list[tuple[int, int]]]:
    """The sets ``S_alpha = {(a, b) : z_a z_b = v^alpha}`` of Gram positions, all ``(a, b)``.

    The ``S_alpha`` partition the ``N x N`` index pairs; ``z^T G z`` has coefficient
    ``sum_{(a,b) in S_alpha} G_ab`` on ``v^alpha``.

    Examples
    --------
    >>> gram_classes([(1, 0), (0, 1)])[(1, 1)]
    [(0, 1), (1, 0)]
    """
    alphas, inverse = _class_index(basis)
    N = len(basis)
    classes: dict[Exponent, list[tuple[int, int]]] = {alpha: [] for alpha in alphas}
    for flat, c in enumerate(inverse.tolist()):
        classes[alphas[c]].append((flat // N, flat % N))
    return classes


def _class_index(basis: Sequence[Exponent]) -> tuple[list[Exponent], np.ndarray]:
    """The distinct products ``z_a z_b`` and, for each flattened ``(a, b)``, its index."""
    B = np.array(basis, dtype=np.int64).reshape(len(basis), -1)
    sums = (B[:, None, :] + B[None, :, :]).reshape(-1, B.shape[1])
    uniq, inverse = np.unique(sums, axis=0, return_inverse=True)
    return [tuple(int(e) for e in u) for u in uniq], inverse.reshape(-1)


def identity_residuals(
    target: dict[Exponent, Fraction],
    gram: Sequence[Sequence[Fraction]],
    basis: Sequence[Exponent],
) -> dict[Exponent, Fraction]:
    """Exact residuals ``r_alpha = f_alpha - sum_{S_alpha} G_ab`` on the union of monomials.

    The sums run in Python integers: ``G`` is written over the lcm of its denominators.

    Examples
    --------
    >>> basis = [(1, 0), (0, 1)]
    >>> f = {(2, 0): Fraction(1), (1, 1): Fraction(0), (0, 2): Fraction(1)}
    >>> identity_residuals(f, [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]], basis)
    {(2, 0): Fraction(0, 1), (1, 1): Fraction(0, 1), (0, 2): Fraction(0, 1)}
    """
    flat = [x if isinstance(x, Fraction) else Fraction(x) for row in gram for x in row]
    den = 1
    for d in {x.denominator for x in flat}:
        den = lcm(den, d)
    ints = np.array([x.numerator * (den // x.denominator) for x in flat], dtype=object)
    alphas, inverse = _class_index(basis)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(alphas)))
    sums = np.add.reduceat(ints[order], starts) if ints.size else ints
    gram_sum = {alpha: int(s) for alpha, s in zip(alphas, sums, strict=True)}
    out: dict[Exponent, Fraction] = {}
    for alpha in {**target, **gram_sum}:
        out[alpha] = target.get(alpha, Fraction(0)) - Fraction(gram_sum.get(alpha, 0), den)
    return out
