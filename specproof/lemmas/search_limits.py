"""When a statement is too large for the float search to compile within its budget
(:func:`too_big_to_search`, asked by :func:`~specproof.lemmas.refute.refute` before it
searches), and the size of one compiled sum (:class:`~specproof.lemmas.search.Searcher`).
"""

from __future__ import annotations

from typing import Any

import sympy

# Compiling for the float search (sympy.lambdify) costs about a millisecond per 4 to 8
# nodes of the expression tree, twice (the difference and the size of its terms): trace(A
# @ A @ A @ A) of a symmetric 12x12 A (68,000 nodes) took over 100 s before the first
# point, whatever the budget. A statement is searched when its nodes fit the budget at
# this rate (and always up to the minimum). Python's compiler recurses once per term of a
# sum: lambdify of det(A) for a 7x7 A (5040 terms) ended in a RecursionError.
_NODES_PER_SECOND = 2_000
_NODES_ALWAYS = 5_000
_WIDEST = 2_000


def expression_size(statement: Any, stop_at: int | None = None) -> tuple[int, int]:
    """The nodes of the expressions the search compiles (both sides, the domain's
    constraints), counted up to ``stop_at``, and the most arguments of one product or of
    one sum below the top (a sum at the top is compiled in parts).

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> expression_size(as_statement("x**2 + 3*x*y >= -1"))
    (9, 3)
    """
    if statement.is_black_box:
        return 0, 0
    exprs = [statement.lhs, statement.rhs, *statement.domain.inequalities,
             *statement.domain.equalities]
    nodes = widest = 0
    for e in exprs:
        top = sympy.sympify(e)
        for node in sympy.preorder_traversal(top):
            nodes += 1
            # a sum at the top is compiled in parts (Searcher.compile)
            if (node.is_Add and node is not top) or node.is_Mul:
                widest = max(widest, len(node.args))
            if stop_at is not None and nodes > stop_at:
                return nodes, widest
    return nodes, widest


def too_big_to_search(statement: Any, budget: float) -> str | None:
    """Why the float search cannot compile ``statement`` within ``budget`` seconds, or None.

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> too_big_to_search(as_statement("x**2 >= 0"), 1.0) is None
    True
    """
    limit = max(_NODES_ALWAYS, int(budget * _NODES_PER_SECOND))
    counted = max(limit, 10 * _NODES_ALWAYS)  # enough to say how far beyond the limit
    nodes, widest = expression_size(statement, stop_at=counted)
    if widest > _WIDEST:
        return (f"not searched: the statement has a sum (or product) of {widest} terms, more "
                f"than the float search can compile ({_WIDEST}); nothing was evaluated")
    if nodes > limit:
        size = f"over {counted}" if nodes > counted else str(nodes)
        return (f"not searched: the statement's expression tree has {size} nodes, too many "
                f"to compile for the float search within the budget of {budget:.3g} s (at "
                f"most {limit}, about {_NODES_PER_SECOND} per second of budget); nothing "
                "was evaluated")
    return None


__all__ = ["expression_size", "too_big_to_search"]
