"""Size limits of :func:`specproof.lemmas.prove`, checked before any expansion or solve.

Without them ``(x+y+z+w)**40 >= -1`` spent 40 s and 2.5 GB in ``sympy.expand``,
``x**998 + 1 >= 0`` 26 s before ending UNDECIDED, and ``a*b*...*h <= 1`` on a box over
50 s and 2 GB in the conic solver, none of it bounded by the CLI's ``--budget``. The
degree is bounded by a walk of the expression tree (no expansion): a sum takes the
largest degree of its terms, a product the sum, a power ``b**k`` k times ``b``'s.

Examples
--------
>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> degree_bound((x + y) ** 40 + x * y, (x, y))
40
>>> too_big_to_expand((x + y) ** 40, (x, y)) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy

from specproof.certificates.sos_certificate import MAX_DEGREE

MAX_EXPANSION_MONOMIALS = 50_000
"""Most monomials ``C(n + d, d)`` a statement of ``n`` variables and degree ``d`` may
have before :func:`~specproof.lemmas.prove` expands it (``(x+y+z+w)**40`` has 135751)."""

MAX_GRAM_SIZE = 200
"""Largest Gram block an SoS attempt may ask the conic solver for (the program has
about ``N^2 / 2`` unknowns per block: 200 is ~20000; ``(x+y)**60 + 1`` with two blocks
of 248 ran over 5 minutes in SCS)."""

MAX_BASIS_CANDIDATES = 2_000
"""Most monomials of half the degree (``C(n + d/2, n)``) the Newton-polytope pruning may
test, one LP each (``(x^2+y^2+z^2+1)^30`` has 5456: over 3 minutes)."""


def degree_bound(expr: Any, variables: Sequence[Any]) -> int | None:
    """An upper bound of the total degree of a polynomial expression in ``variables``,
    without expanding it; None when the tree holds something else (then no bound)."""
    wanted = set(variables)

    def walk(e: Any) -> int | None:
        if e in wanted:
            return 1
        if e.is_Number or not e.free_symbols & wanted:
            return 0
        if e.is_Add or e.is_Mul:
            parts = [walk(a) for a in e.args]
            if any(p is None for p in parts):
                return None
            return max(parts) if e.is_Add else sum(parts)
        if e.is_Pow and e.exp.is_Integer and int(e.exp) >= 0:
            base = walk(e.base)
            return None if base is None else base * int(e.exp)
        return None

    return walk(sympy.sympify(expr))


def too_big_to_expand(expr: Any, variables: Sequence[Any]) -> str | None:
    """Why ``expr`` is too big for :func:`~specproof.lemmas.prove` to expand, or None."""
    n = len(variables)
    d = degree_bound(expr, variables)
    if d is None or n == 0:
        return None
    if d > MAX_DEGREE:
        return (f"not attempted: lhs - rhs has degree up to {d}, above the degree "
                f"{MAX_DEGREE} a certificate file may hold; only refutation applies")
    count = math.comb(n + d, d)
    half = math.comb(n + (d + 1) // 2, n)
    if half > MAX_BASIS_CANDIDATES:
        return (f"not attempted: half the degree ({(d + 1) // 2}) in {n} variables gives "
                f"{half} candidate basis monomials, more than prove tests "
                f"({MAX_BASIS_CANDIDATES}); only refutation applies")
    if count <= MAX_EXPANSION_MONOMIALS:
        return None
    return (f"not attempted: lhs - rhs has degree up to {d} in {n} variables, so its "
            f"expansion may have up to {count} monomials, more than prove handles "
            f"({MAX_EXPANSION_MONOMIALS}); only refutation applies")


def gram_too_big(sizes: Sequence[int]) -> str | None:
    """Why an SoS attempt with Gram blocks of these sizes is not sent to the solver."""
    big = max(sizes, default=0)
    if big <= MAX_GRAM_SIZE:
        return None
    return (f"not attempted: a Gram block of size {big} exceeds the limit "
            f"{MAX_GRAM_SIZE} of what the conic solver is given")


__all__ = ["MAX_BASIS_CANDIDATES", "MAX_EXPANSION_MONOMIALS", "MAX_GRAM_SIZE", "degree_bound",
           "gram_too_big", "too_big_to_expand"]
