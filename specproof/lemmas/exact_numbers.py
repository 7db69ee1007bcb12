"""Exact numbers and real symbols for a user's lemma.

:func:`exact_number` reads a float as the shortest decimal it prints as (``0.1`` is
``1/10``), so that a statement means what its text says; :func:`rationalize_floats`
does the same inside an expression; :func:`symbols` makes real sympy symbols.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath.libmp as mlib
import numpy as np
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

    A binary float of at most double precision (a Python float, a numpy float16 / float32
    scalar, a sympy ``Float`` of at most 53 bits) is read as the shortest decimal that
    rounds back to it at its own precision (``0.1`` is ``1/10``, ``numpy.float32(0.1)``
    too); a sympy ``Float`` of more precision (or a numpy long double) as the decimal it
    prints; a ``Decimal`` as its exact value. None of them is read through ``float()``,
    which flushed ``Float("1e-400")`` to 0 (and ``x**2 >= Float("1e-400")`` was PROVED).
    Their decimal exponent follows the limit of the statement's literals (1000 in size).

    Examples
    --------
    >>> exact_number(0.1, "bound")
    1/10
    >>> exact_number(sympy.Float("1e-400"), "bound") == sympy.Rational(1, 10**400)
    True
    >>> exact_number(float("nan"), "bound")
    Traceback (most recent call last):
    ...
    specproof.lemmas.errors.StatementError: bound must be a finite real number, got nan
    """
    if isinstance(value, (bool, np.bool_)):
        raise StatementError(f"{what} must be a number, got {value!r}")
    if isinstance(value, float):  # numpy's float64 too (a subclass of float)
        if not math.isfinite(value):
            raise StatementError(f"{what} must be a finite real number, got {value}")
        return sympy.Rational(repr(float(value)))
    if isinstance(value, np.floating):
        # float32 / float16 / long double: sympy converts them exactly, at their own
        # precision (as it does inside a relation), and the Float rule below reads them;
        # kept as a Float before, np.float32(0.1) was a bound printed "0.100000" that the
        # search and the exact check read as 0.100000001490116...
        if not np.isfinite(value):
            raise StatementError(f"{what} must be a finite real number, got {value}")
        value = sympy.sympify(value)
    if isinstance(value, sympy.Float):
        return _exact_float(value, what)
    if isinstance(value, Decimal):
        return _exact_decimal(value, what)
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
        if isinstance(v, sympy.Expr) and v.has(sympy.Float):
            v = rationalize_floats(v)  # 1 + Float("1e-400") * sqrt(2): no float() either
        if v.is_number and v.is_real and v.is_finite:
            return v
        if v in (sympy.oo, -sympy.oo):
            return v
    if isinstance(value, numbers.Number) or isinstance(value, sympy.Basic):
        raise StatementError(f"{what} must be a finite real number, got {value!r}")
    raise StatementError(f"{what} must be a real number (an int, float, Fraction, Decimal, "
                         f"sympy number or a string such as '1/3'), got "
                         f"{type(value).__name__} {value!r}")


def _exponent_limit(size: int, shown: str, what: str) -> None:
    """Refuse a number whose decimal exponent is beyond the statement literals' limit."""
    from specproof.lemmas.parse_reader import MAX_EXPONENT

    if abs(size) > MAX_EXPONENT:
        # 1e-5000 in a string is refused like 10**-5000: the same number given as a Float
        # or a Decimal is refused too (its 5000-digit denominator crashed the printing)
        raise StatementError(f"{what} is {shown}, whose decimal exponent {size} is larger "
                             f"than {MAX_EXPONENT} in size (the limit of a statement's "
                             "literals and powers)")


def _exact_float(value: sympy.Float, what: str) -> sympy.Expr:
    """A sympy Float as the decimal it stands for (see :func:`exact_number`)."""
    mpf = value._mpf_
    if mpf in (mlib.finf, mlib.fninf, mlib.fnan):
        raise StatementError(f"{what} must be a finite real number, got {value}")
    if mpf == mlib.fzero:
        return sympy.Integer(0)
    shown = mlib.to_str(mpf, 3)  # 3 digits: cheap at any exponent
    _exponent_limit(Decimal(shown).adjusted(), shown, what)
    prec = value._prec
    if prec > 53:
        # more than a double: the decimal it prints at its own precision (float() would
        # cut 1.00000000000000000001 to 1, and a false lemma could then be proved)
        return sympy.Rational(str(value))
    f = mlib.to_float(mpf)
    if prec == 53 and f != 0 and math.isfinite(f) and mlib.from_float(f) == mpf:
        return sympy.Rational(repr(f))  # a double: the Python float rule, exactly
    # at most 53 bits but no double (Float("1e-400") is 0.0 as a float, Float("0.7", 5)
    # a 20-bit number): the shortest decimal that rounds back to it at its precision
    for digits in range(1, 2 + int(prec * math.log10(2)) + 2):
        text = mlib.to_str(mpf, digits)
        if mlib.from_str(text, prec, mlib.round_nearest) == mpf:
            return sympy.Rational(text)
    return sympy.Rational(*mlib.to_rational(mpf))  # not reached: the exact value


def _exact_decimal(value: Decimal, what: str) -> sympy.Expr:
    """A Decimal as its exact value."""
    if not value.is_finite():
        raise StatementError(f"{what} must be a finite real number, got {value!r}")
    if value.is_zero():
        return sympy.Integer(0)
    _exponent_limit(value.adjusted(), str(value), what)
    p, q = value.as_integer_ratio()
    return sympy.Rational(p, q)


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
