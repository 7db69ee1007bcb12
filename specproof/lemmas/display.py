"""How a statement built in Python is printed: trace(A @ B), not the sum of its entries.

``trace``, ``det`` and the Frobenius norm return the polynomial they expand to (what the
prover and the evaluators need); :func:`shown` records, per expression, how the user wrote
it, and :func:`as_written` prints an expression with those records (str and LaTeX). Only
for printing: nothing is computed from it.
"""

from __future__ import annotations

from typing import Any

import sympy

# how the user wrote a scalar function of matrices (trace(A @ B), norm(A, 'fro')), keyed by
# the expression it expands to: only for printing a statement (str and LaTeX)
DISPLAY: dict[sympy.Basic, tuple[str, str]] = {}
_DISPLAY_MAX = 10_000


def tex_label(label: str) -> str:
    """A matrix label as LaTeX: ``A @ B.T`` -> ``A B^{\\top}``."""
    return (label.replace(" @ ", " ").replace(".T", "^{\\top}").replace(" * ", " \\circ "))


def shown(expr: Any, text: str, tex: str) -> Any:
    """Record how ``expr`` was written (not for atoms: a 1 x 1 trace is just its entry)."""
    if isinstance(expr, sympy.Basic) and not expr.is_Atom:
        if len(DISPLAY) > _DISPLAY_MAX:
            DISPLAY.clear()
        DISPLAY[expr] = (text, tex)
    return expr


def as_written(expr: sympy.Expr, tex: bool = False) -> str:
    """``expr`` printed with trace, det and Frobenius norms as the user wrote them.

    Only for printing. A sum of two such terms is flattened by sympy into one sum of
    entries, and then prints entrywise.

    Examples
    --------
    >>> from specproof.lemmas.matrices import Matrix, norm, trace
    >>> A, B = Matrix("A", 2, 2), Matrix("B", 2, 2)
    >>> as_written(trace(A @ B) * norm(A, "fro")**2)
    "norm(A, 'fro')**2*trace(A @ B)"
    """
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.str import StrPrinter

    base = LatexPrinter if tex else StrPrinter
    slot = 1 if tex else 0

    class _Written(base):  # type: ignore[misc, valid-type]
        def _print(self, e: Any, **kwargs: Any) -> str:
            if isinstance(e, sympy.Basic) and not e.is_Atom:
                shown = DISPLAY.get(e)
                if shown is not None:
                    return shown[slot]
            return super()._print(e, **kwargs)

        def parenthesize(self, item: Any, level: Any, *args: Any, **kwargs: Any) -> str:
            if isinstance(item, sympy.Basic) and not item.is_Atom and item in DISPLAY:
                return DISPLAY[item][slot]  # a function call needs no parentheses
            return super().parenthesize(item, level, *args, **kwargs)

        def _needs_mul_brackets(self, e: Any, *args: Any, **kwargs: Any) -> bool:  # LaTeX
            if isinstance(e, sympy.Basic) and not e.is_Atom and e in DISPLAY:
                return False
            return super()._needs_mul_brackets(e, *args, **kwargs)

    return _Written().doprint(expr)


__all__ = ["DISPLAY", "as_written", "shown", "tex_label"]
