"""Exact numbers and real symbols for a user's lemma.

:func:`exact_number` reads a float as the shortest decimal it prints as (``0.1`` is
``1/10``), so that a statement means what its text says; :func:`rationalize_floats`
does the same inside an expression; :func:`symbols` makes real sympy symbols.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

import sympy

from specproof.lemmas.errors import StatementError


def symbols(names: str) -> tuple[sympy.Symbol, ...] | sympy.Symbol:
    """Real sympy symbols, as ``sympy.symbols`` (one name gives one symbol).

    Examples
    --------
    >>> x, y = symbols("x y")
    >>> x.is_real
    True
    """
    out = sympy.symbols(names, real=True)
    for s in out if isinstance(out, tuple) else (out,):
        if "__" in s.name:
            raise StatementError(f"variable name {s.name!r} contains '__'")
    return out


def exact_number(value: Any, what: str) -> sympy.Expr:
    """A real number as an exact sympy number; a float is read as its shortest decimal.

    Examples
    --------
    >>> exact_number(0.1, "bound")
    1/10
    >>> exact_number(float("nan"), "bound")
    Traceback (most recent call last):
    ...
    specproof.lemmas.errors.StatementError: bound must be a finite real number, got nan
    """
    if isinstance(value, bool):
        raise StatementError(f"{what} must be a number, got {value!r}")
    if isinstance(value, float) or isinstance(value, sympy.Float):
        if not math.isfinite(float(value)):
            raise StatementError(f"{what} must be a finite real number, got {value}")
        if isinstance(value, sympy.Float) and value._prec != 53:
            # a Float of another precision than a double is read as the decimal it prints
            # as at its own precision: float() would cut 1.00000000000000000001 to 1 (and
            # a false lemma could then be proved), and read Float("0.7", 5), a 20-bit
            # number, as 0.69999981
            return sympy.Rational(str(value))
        return sympy.Rational(repr(float(value)))
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, str):
        # never sympy.sympify: its parser evaluates Python (a box bound ran a command)
        from specproof.lemmas.parse import read_constant

        v = rationalize_floats(read_constant(value, what))
        if v.is_number and v.is_real and v.is_finite:
            return v
        raise StatementError(f"{what} must be a finite real number, got {value!r}")
    if isinstance(value, (numbers.Real, sympy.Expr)):
        try:
            v = sympy.sympify(value, rational=True, strict=True)
        except (sympy.SympifyError, TypeError, SyntaxError) as exc:
            raise StatementError(f"{what} must be a number, got {value!r}") from exc
        if v.is_number and v.is_real and v.is_finite:
            return v
        if v in (sympy.oo, -sympy.oo):
            return v
    raise StatementError(f"{what} must be a finite real number, got {value!r}")


def number_parameter(value: Any, what: str) -> sympy.Expr:
    """A functional's parameter (a norm's ord, a Schatten ``p``, ``q``) as sympy, a string
    read by the statement reader (never ``sympy.sympify``'s Python-evaluating parser)."""
    if isinstance(value, str):
        from specproof.lemmas.parse import read_constant

        return read_constant(value, what)
    try:
        return sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError) as exc:
        raise StatementError(f"{what} must be a number, got {value!r}") from exc


def rationalize_floats(expr: sympy.Expr) -> sympy.Expr:
    """Every sympy Float in ``expr`` replaced by the exact decimal it prints as."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: exact_number(f, "a constant") for f in floats})


__all__ = ["exact_number", "number_parameter", "rationalize_floats", "symbols"]
