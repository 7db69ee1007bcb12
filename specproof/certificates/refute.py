"""A bound ``||X||_{2->q}^q <= C`` shown false: a witness and an exact evaluation.

When :func:`~specproof.certificates.certify.certify` cannot certify a bound ``C`` that the
user gave, it looks for a vector ``v`` with ``||Xv||_q^q > C ||v||_2^q``: the power
method's best vector, evaluated in exact rational arithmetic (the float ``v`` and the data
are rationals, and for even ``q`` so is ``||v||_2^q``). Everything is stated in the units
of the user's data.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import ArgumentError
from specproof.certificates.errors import FalseBoundError
from specproof.certificates.rational_text import _str_to_int

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def exact_ratio(rows: Any, v: Any, q: int) -> Fraction:
    """``||Xv||_q^q / ||v||_2^q`` exactly, for rational rows, a float vector and even q.

    Examples
    --------
    >>> exact_ratio([[Fraction(1), Fraction(1)]], np.array([1.0, 1.0]), 4)  # (2)^4 / 2^2
    Fraction(4, 1)
    """
    vr = [Fraction(float(x)) for x in np.asarray(v, dtype=np.float64).ravel()]
    total = sum((sum((x * y for x, y in zip(row, vr)), Fraction(0)) ** q for row in rows),
                Fraction(0))
    norm2 = sum((y * y for y in vr), Fraction(0))
    if norm2 == 0:
        raise ValueError("the witness is the zero vector")
    return total / norm2 ** (q // 2)


def significant(x: Fraction, digits: int) -> str:
    """``x`` to ``digits`` significant digits, at any magnitude (no float overflow).

    Examples
    --------
    >>> significant(Fraction(24266, 100), 5), significant(Fraction(-1, 3), 3)
    ('242.66', '-0.333')
    >>> significant(Fraction(10) ** 400 / 3, 4)
    '3.333e+399'
    """
    if x == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits  # the division rounds to `digits` significant digits
        dec = (Decimal(x.numerator) / Decimal(x.denominator)).normalize()
    exponent = dec.adjusted()
    if -5 <= exponent < 16:
        return f"{dec:f}"
    mantissa = f"{dec.scaleb(-exponent):f}"
    return f"{mantissa}e{exponent:+03d}"


def distinct_pair(a: Fraction, b: Fraction, digits: int = 5) -> tuple[str, str]:
    """``a`` and ``b`` (``a != b``) with the fewest significant digits (at least
    ``digits``) that tell them apart; rounding is monotone, so the order shows too.

    Examples
    --------
    >>> distinct_pair(Fraction(2426601, 10000), Fraction(2426600, 10000))
    ('242.6601', '242.66')
    """
    for k in range(digits, 60):
        sa, sb = significant(a, k), significant(b, k)
        if sa != sb:
            return sa, sb
    return str(a), str(b)


def false_bound_message(q: int, value: Fraction, C: Fraction) -> str:
    """The one-line verdict on a false bound, in the user's units.

    Examples
    --------
    >>> false_bound_message(4, Fraction(24266, 100), Fraction(2402, 10))
    'FALSE: the witness v gives ‖Xv‖₄⁴ = 242.66 > C = 240.2 (v scaled to ‖v‖₂ = 1; \
decided in exact arithmetic)'
    """
    a, b = distinct_pair(value, C)
    sub, sup = str(q).translate(_SUB), str(q).translate(_SUP)
    return (f"FALSE: the witness v gives ‖Xv‖{sub}{sup} = {a} > C = {b} "
            "(v scaled to ‖v‖₂ = 1; decided in exact arithmetic)")


def refute_bound(rows: Any, q: int, C: Fraction, seed: Any = 0) -> tuple[np.ndarray, Fraction]:
    """The power method's best witness for ``||X||_{2->q}^q`` and its exact value.

    Raises
    ------
    FalseBoundError
        When the witness's exact value exceeds ``C``: the bound is false.

    Examples
    --------
    >>> rows = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
    >>> v, value = refute_bound(rows, 4, Fraction(2))   # ||I||_{2->4}^4 = 1 <= 2
    >>> value
    Fraction(1, 1)
    >>> refute_bound(rows, 4, Fraction(1, 2))
    Traceback (most recent call last):
    ...
    specproof.certificates.errors.FalseBoundError: FALSE: the witness v gives ‖Xv‖₄⁴ = 1 > \
C = 0.5 (v scaled to ‖v‖₂ = 1; decided in exact arithmetic)
    """
    from specproof.certificates.power import power_method

    # scaled exactly so that the largest entry is about 1 (the witness does not depend
    # on the scale, and no float overflows); entries far below underflow to 0
    xmax = max(abs(x) for row in rows for x in row)
    if xmax == 0:
        raise ValueError("X is the zero matrix")
    f = Fraction(2) ** -(xmax.numerator.bit_length() - xmax.denominator.bit_length())
    Xs = np.array([[float(x * f) for x in row] for row in rows], dtype=np.float64)
    p = power_method(Xs, float(q), seed=seed)
    v = np.asarray(p.witness, dtype=np.float64)
    value = exact_ratio(rows, v, q)
    if value > C:
        raise FalseBoundError(false_bound_message(q, value, C), witness=v, value=value,
                              C=C, q=q)
    return v, value


MAX_C_EXPONENT = 100_000
"""``C``'s numerator and denominator are at most ``10^MAX_C_EXPONENT`` (a decimal exponent
within +-100000): beyond, printing and comparing ``C`` took minutes (``1e-5000000``) or
never ended (``1e99999999999``)."""

# ASCII only: Python's Fraction/float read Arabic-Indic digits ('١٢' was 12) and '1_000'
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_RATIO = re.compile(r"([+-]?)([0-9]+)/([0-9]+)", re.ASCII)


def _too_large(C: Any) -> ArgumentError:
    shown = C if len(C) <= 40 else f"{C[:20]}...{C[-10:]} ({len(C)} characters)"
    return ArgumentError(
        f"C must have a numerator and a denominator of at most 10^{MAX_C_EXPONENT} (a "
        f"decimal exponent within ±{MAX_C_EXPONENT}, e.g. 1e-{MAX_C_EXPONENT}), got {shown!r}")


def _parse_text(text: str) -> Fraction:
    """An ASCII decimal (``240.2``, ``-1e-5``, ``.5``) or ``p/q``, its size checked
    before any big integer is built."""
    body = text.strip(" \t")
    m = _RATIO.fullmatch(body)
    if m:
        sign, num, den = m.groups()
        if max(len(num.lstrip("0")), len(den.lstrip("0"))) > MAX_C_EXPONENT + 1:
            raise _too_large(text)
        return Fraction(_str_to_int(sign + num), _str_to_int(den))  # ZeroDivisionError: p/0
    m = _DECIMAL.fullmatch(body)
    if not m or not (m.group(2) or m.group(3)):
        raise ValueError
    sign, whole, frac, exp = m.groups()
    frac = frac or ""
    digits = (whole + frac).lstrip("0")
    if not digits:
        return Fraction(0)
    if exp is not None and len(exp.lstrip("+-").lstrip("0")) > 7:
        raise _too_large(text)
    k = (int(exp) if exp else 0) - len(frac)  # the value is int(digits) * 10^k
    if len(digits) > 2 * MAX_C_EXPONENT or abs(k) > 2 * MAX_C_EXPONENT:
        raise _too_large(text)
    mant = _str_to_int(sign + digits)  # past Python's 4300-digit int() limit
    return mant * Fraction(10) ** k


def as_bound(C: Any) -> Fraction:
    """A user's bound ``C`` as an exact Fraction (a float by its shortest decimal).

    Text is ASCII decimal (``240.2``, ``1e-5``) or ``p/q``; numerator and denominator at
    most ``10^100000`` (:data:`MAX_C_EXPONENT`), checked before any big number is built.

    Examples
    --------
    >>> as_bound(240.2), as_bound("1/3"), as_bound("-2.5e-3")
    (Fraction(1201, 5), Fraction(1, 3), Fraction(-1, 400))
    """
    if isinstance(C, (bool, np.bool_)):
        raise ArgumentError(f"C must be a number, got {C!r}")
    try:
        if isinstance(C, (float, np.floating)):
            if not math.isfinite(float(C)):
                raise ValueError
            value = Fraction(repr(float(C)))
        elif isinstance(C, str):
            value = _parse_text(C)
        elif isinstance(C, Decimal):
            if not C.is_finite():
                raise ValueError
            if abs(C.adjusted()) > 2 * MAX_C_EXPONENT or len(C.as_tuple().digits) > \
                    2 * MAX_C_EXPONENT:
                raise _too_large(str(C))
            value = Fraction(C)
        else:
            value = Fraction(C.item() if isinstance(C, np.integer) else C)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        if isinstance(exc, ArgumentError):
            raise
        shown = C if not isinstance(C, str) or len(C) <= 40 else f"{C[:40]}..."
        raise ArgumentError(
            f"C must be a finite number (ASCII digits: 240.2, 1e-5), a Fraction or a 'p/q' "
            f"string, got {shown!r}") from None
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    if bits > 332_000:  # 10^100000 has 332193 bits: compare exactly near the limit
        limit = 10 ** MAX_C_EXPONENT
        if abs(value.numerator) > limit or value.denominator > limit:
            raise _too_large(C if isinstance(C, str) else
                             f"a {type(C).__name__} of about {bits * 0.30103:.0f} digits")
    return value
