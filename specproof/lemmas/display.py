"""How a statement built in Python is printed: trace(A @ B), not the sum of its entries.

``trace``, ``det`` and the Frobenius norm return the polynomial they expand to (what the
prover and the evaluators need); :func:`shown` returns a fresh copy of that polynomial and
records how the user wrote it *for that copy only*, and :func:`as_written` prints an
expression with the records of the very objects in it (str and LaTeX). Only for printing:
nothing is computed from it.

Why a copy, and why by identity: sympy hands one cached object to every construction of an
equal expression, so a record keyed by the expression (as before) renamed an ordinary
``x**2 + y**2`` written later as ``norm(vector)**2``. A name is recorded only where the
text reads back to the same expression: every name in it a matrix variable that owns the
expression's symbols, every call one the statement parser knows (``norm(vector)``,
``trace(A + I)`` or ``trace(M)`` for a relabelled matrix would not parse again, and a
certificate whose text does not parse to its polynomial is reported invalid).
"""

from __future__ import annotations

import re
from typing import Any

import sympy

# id(expr) -> (expr, str, LaTeX) for each copy made by shown(); the object is held, so its
# id is not reused while the record lives
_SHOWN: dict[int, tuple[sympy.Basic, str, str]] = {}
# the newest recorded copy equal to an expression: sqrt(sum of squares) is recorded on top of
# the recorded sum, so that norm(A)**2 (sympy returns the base) prints as a norm again
_NEWEST: dict[sympy.Basic, sympy.Basic] = {}
_SHOWN_MAX = 10_000
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(\s*\()?")


def tex_label(label: str) -> str:
    """A matrix label as LaTeX: ``A @ B.T`` -> ``A B^{\\top}``."""
    return (label.replace(" @ ", " ").replace(".T", "^{\\top}").replace(" * ", " \\circ "))


def shown(expr: Any, text: str, tex: str) -> Any:
    """A copy of ``expr`` that prints as ``text`` (``tex`` in LaTeX); ``expr`` itself where
    the text would not read back (atoms too: a 1 x 1 trace is just its entry).

    Parameters
    ----------
    expr
        The expanded value of ``trace(...)``, ``det(...)`` or a Frobenius norm.
    text, tex
        How the user wrote it, as the statement parser reads it and in LaTeX.

    Returns
    -------
    sympy.Basic
        Equal to ``expr`` (same hash, same arithmetic); only :func:`as_written` tells it
        apart, by identity.
    """
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or not _reads_back(expr, text):
        return expr
    copy = _fresh(expr)
    if copy is None:
        return expr
    if len(_SHOWN) > _SHOWN_MAX:  # dropping records only loses pretty printing
        _SHOWN.clear()
        _NEWEST.clear()
    _SHOWN[id(copy)] = (copy, text, tex)
    _NEWEST[copy] = copy
    return copy


def _fresh(expr: sympy.Basic) -> sympy.Basic | None:
    """A new object equal to ``expr``, built without sympy's cache (which would hand back
    the object that an equal expression written by the user also gets)."""
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return type(expr)._from_args(expr.args, expr.is_commutative)
    if isinstance(expr, sympy.Pow):
        obj = sympy.Expr.__new__(sympy.Pow, _NEWEST.get(expr.base, expr.base), expr.exp)
        obj.is_commutative = expr.is_commutative
        return obj
    return None  # other shapes (Abs of a 1 x 1 Frobenius norm) print as sympy prints them


def _reads_back(expr: sympy.Basic, text: str) -> bool:
    """True when ``text`` can be read back by the statement parser over the matrices of
    ``expr``: its symbols are all entries of matrix variables of distinct names, the names
    in the text are those variables and its calls are the parser's functions.

    A syntactic check of the label: a matrix built with ``Matrix.from_entries`` and given
    the name of a variable it is not would still pass.
    """
    from specproof.lemmas.matrices import MATRIX_OF
    from specproof.lemmas.parse import FUNCTIONS

    owners: dict[str, Any] = {}
    for s in expr.free_symbols:
        m = MATRIX_OF.get(s)
        if m is None or m.name is None or s not in m.symbols:
            return False  # a plain scalar, or an entry of a matrix built from scalars
        if owners.setdefault(m.label, m) is not m:
            return False  # two matrices of one name: the text could not say which
    for name, call in _NAME.findall(_QUOTED.sub("''", text)):
        if (name not in FUNCTIONS) if call else (name not in owners):
            return False
    return True


def _record(e: Any) -> tuple[sympy.Basic, str, str] | None:
    """The record of this very object, if :func:`shown` made it."""
    rec = _SHOWN.get(id(e)) if isinstance(e, sympy.Basic) and not e.is_Atom else None
    return rec if rec is not None and rec[0] is e else None


def _digits(n: int, tex: bool) -> str:
    """``n`` in decimal; in hexadecimal where Python refuses to write it in decimal (over
    4300 digits: ``x >= 10**1000*10**1000*10**1000*10**1000*10**1000`` ended in a
    traceback). Hexadecimal is exact and reads back as the same statement (``0x...`` is an
    integer to the parser), which a rounded decimal would not.

    Examples
    --------
    >>> _digits(255, False), _digits(-(16**5000), False)[:6]
    ('255', '-0x100')
    """
    try:
        return str(n)
    except ValueError:
        sign, text = "-" if n < 0 else "", hex(abs(n))
        return sign + (f"\\mathtt{{{text}}}" if tex else text)


def _big_rational(e: Any, tex: bool) -> str | None:
    """How a rational too long for decimal is printed (None for any other ``e``)."""
    if not isinstance(e, sympy.Rational) or max(int(e.p).bit_length(),
                                                int(e.q).bit_length()) <= _DECIMAL_BITS:
        return None
    p, q = _digits(int(e.p), tex), _digits(int(e.q), tex)
    if e.q == 1:
        return p
    if tex:
        sign, p = ("- ", p[1:]) if e.p < 0 else ("", p)
        return f"{sign}\\frac{{{p}}}{{{q}}}"
    return f"{p}/{q}"


# below this many bits every integer prints in decimal (Python's limit is 4300 digits,
# about 14284 bits); above it _digits decides
_DECIMAL_BITS = 14_000


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
    slot = 2 if tex else 1

    class _Written(base):  # type: ignore[misc, valid-type]
        def _print(self, e: Any, **kwargs: Any) -> str:
            rec = _record(e)
            if rec is not None:
                return rec[slot]
            big = _big_rational(e, tex)
            return big if big is not None else super()._print(e, **kwargs)

        def parenthesize(self, item: Any, level: Any, *args: Any, **kwargs: Any) -> str:
            rec = _record(item)
            if rec is not None:
                return rec[slot]  # a function call needs no parentheses
            return super().parenthesize(item, level, *args, **kwargs)

        def _needs_mul_brackets(self, e: Any, *args: Any, **kwargs: Any) -> bool:  # LaTeX
            if _record(e) is not None:
                return False
            return super()._needs_mul_brackets(e, *args, **kwargs)

    return _Written().doprint(expr)


def plain_text(expr: Any) -> str:
    """``expr`` as sympy's ``str`` writes it, with integers over Python's 4300-digit limit
    in hexadecimal (sympy's own ``str`` raises there).

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> plain_text(x + 1), plain_text(x - sympy.Integer(16) ** 5000)[:10]
    ('x + 1', 'x - 0x1000')
    """
    from sympy.printing.str import StrPrinter

    class _Plain(StrPrinter):  # type: ignore[misc]
        def _print(self, e: Any, **kwargs: Any) -> str:
            big = _big_rational(e, tex=False)
            return big if big is not None else super()._print(e, **kwargs)

    return _Plain().doprint(expr)


__all__ = ["as_written", "plain_text", "shown", "tex_label"]
