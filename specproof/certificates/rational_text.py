"""How certificate files write numbers: exact rationals as ``"p/q"`` text, their float
copies and short displays, and the format error a malformed number raises.

Rationals of any size are read and written (through ``decimal`` past Python's
4300-digit limit on int/str conversion), never through a float.
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import SpecproofError
from specproof.certificates.constants import MAX_DENOMINATOR_BITS, MAX_RATIONAL_DIGITS


class CertificateFormatError(SpecproofError, ValueError):
    """A certificate file or document is malformed (names the offending field)."""


# Python refuses int <-> decimal-string conversions past 4300 digits (a guard against
# quadratic-time parsing); exact Gram matrices can exceed that, so convert through
# ``decimal`` with unbounded precision instead of lifting the process-wide limit.
_DEC = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _int_to_str(n: int) -> str:
    # 13000 bits < 4000 digits; comparing against 10**4000 built that power on every call
    return str(n) if n.bit_length() < 13000 else format(decimal.Decimal(n), "f")


def _str_to_int(s: str) -> int:
    return int(s) if len(s) < 4000 else int(_DEC.create_decimal(s))


def parse_rational(text: Any, name: str) -> Fraction:
    """Parse a ``"p/q"`` or ``"p"`` string into a Fraction, naming ``name`` on failure.

    Examples
    --------
    >>> parse_rational("-3/4", "C")
    Fraction(-3, 4)
    """
    if not isinstance(text, str):
        raise CertificateFormatError(
            f"{name} must be a rational string 'p/q', got {_short(text)}")
    num, slash, den = text.partition("/")
    digits = num[1:] if num.startswith("-") else num
    if not (digits.isascii() and digits.isdigit()) or (
        slash and not (den.isascii() and den.isdigit())
    ):
        raise CertificateFormatError(
            f"{name} must be a rational string 'p/q', got {_short(text)}")
    if den and not den.strip("0"):
        raise CertificateFormatError(f"{name} has a zero denominator: {_short(text)}")
    if max(len(digits), len(den)) > MAX_RATIONAL_DIGITS:
        raise CertificateFormatError(
            f"{name} has {max(len(digits), len(den))} digits (limit {MAX_RATIONAL_DIGITS})")
    return Fraction(_str_to_int(num), _str_to_int(den) if den else 1)


def _short(x: Any, limit: int = 60) -> str:
    """``repr`` of a value from a file, cut to ``limit`` characters (never a huge line).

    Big integers are described by their size, not converted (Python refuses to print
    more than 4300 digits).
    """
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 200:
        return f"an integer of {x.bit_length()} bits"
    if isinstance(x, (list, dict)):
        text = f"a JSON {'array' if isinstance(x, list) else 'object'} of {len(x)} items"
    else:
        try:
            text = repr(x)
        except ValueError:
            text = type(x).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def float_copy(r: Fraction) -> float | None:
    """The float written beside the rational ``r``: its correct rounding, or None where no
    float is faithful to it (``|r|`` above the float range, or nonzero below ``2^-1074``).

    Examples
    --------
    >>> float_copy(Fraction(1, 4)), float_copy(Fraction(1, 10**400))
    (0.25, None)
    """
    try:
        f = float(r)  # int/int true division: correctly rounded, subnormals included
    except OverflowError:
        return None
    if (f == 0.0 and r != 0) or not math.isfinite(f):
        return None
    return f


def approximate(x: Fraction, digits: int = 10, round_up: bool = False) -> str:
    """``x`` to ``digits`` significant digits, at any magnitude (no float overflow).

    With ``round_up`` the digits are rounded toward +infinity, so the decimal shown is
    itself a true upper bound when ``x`` is one (what a verdict line states); otherwise
    to nearest.

    Examples
    --------
    >>> approximate(Fraction(1, 3) / 10**400)
    '3.333333333E-401'
    >>> approximate(1 + Fraction(1, 2**101), 12, round_up=True)
    '1.00000000001'
    >>> approximate(Fraction(60), 12, round_up=True), approximate(Fraction(400), 12, round_up=True)
    ('60', '400')
    >>> approximate(Fraction(10**13), 12, round_up=True)
    '1E+13'
    >>> approximate(Fraction(2 * 10**300), 12), approximate(Fraction(2, 10**300), 12)
    ('2E+300', '2E-300')
    >>> approximate(Fraction(60)), approximate(Fraction(3, 2)), approximate(Fraction(10**12, 3))
    ('60', '1.5', '3.333333333E+11')
    >>> approximate(Fraction(180026479957, 1953125000))   # 92.173557737984, rounded once
    '92.17355774'
    """
    x = Fraction(x)
    if x == 0:
        return "0"
    # exact integer arithmetic: k with 10^(digits-1) <= |x| 10^k < 10^digits, then one
    # rounding of x 10^k to an integer (a decimal division of the rounded numerator by the
    # denominator rounded twice: 92.173557737984 read 92.17355776)
    mag = abs(x)
    # estimate from bit lengths (str() of a huge int is refused), then adjust exactly
    k = digits - 1 - int((mag.numerator.bit_length() - mag.denominator.bit_length()) * 0.30103)
    while mag * Fraction(10) ** k >= 10**digits:
        k -= 1
    while mag * Fraction(10) ** k < 10 ** (digits - 1):
        k += 1
    scaled = x * Fraction(10) ** k
    if round_up:
        digits_int = -((-scaled.numerator) // scaled.denominator)  # ceil, either sign
    else:
        digits_int = round(scaled)  # to nearest, ties to even
    ctx = decimal.Context(prec=digits + 2, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    value = ctx.create_decimal(digits_int).scaleb(-k, ctx).normalize(ctx)
    # normalize() writes 60 as "6E+1": plain digits wherever they are as short; without
    # the zeros rounding left (2*10**300 reads 2E+300 beside a 2E-300)
    return format(value, "f") if -7 < value.adjusted() < digits else str(value)


def float_copies(rows) -> np.ndarray:
    """The float copy of a rational matrix (:func:`float_copy` entrywise; NaN for null).

    Examples
    --------
    >>> float_copies([[Fraction(1, 2), Fraction(1, 10**400)]])
    array([[0.5, nan]])
    """
    out = [[float_copy(Fraction(x)) for x in row] for row in rows]
    return np.array([[math.nan if f is None else f for f in row] for row in out],
                    dtype=np.float64)


def describe_rational(x: Fraction) -> str:
    """Short display of a possibly huge rational: exact when short, else its size.

    Examples
    --------
    >>> describe_rational(Fraction(3, 4))
    '3/4'
    >>> describe_rational(Fraction(3**200, 2**300))
    'a rational of 317/301 bits, about 2^16'
    """
    x = Fraction(x)
    if x.numerator.bit_length() + x.denominator.bit_length() < 200:
        return rational_str(x)
    mag = abs(x.numerator).bit_length() - x.denominator.bit_length()
    sign = "-" if x < 0 else ""
    return (f"a rational of {abs(x.numerator).bit_length()}/{x.denominator.bit_length()} bits, "
            f"about {sign}2^{mag}")


def rational_str(x: Fraction) -> str:
    """``"p/q"`` (or ``"p"`` for integers) for a Fraction.

    Examples
    --------
    >>> rational_str(Fraction(6, 4)), rational_str(Fraction(2))
    ('3/2', '2')
    """
    x = Fraction(x)
    if x.denominator == 1:
        return _int_to_str(x.numerator)
    return f"{_int_to_str(x.numerator)}/{_int_to_str(x.denominator)}"


__all__ = [
    "CertificateFormatError",
    "approximate",
    "describe_rational",
    "float_copies",
    "float_copy",
    "parse_rational",
    "rational_str",
]


def directed_text(x: float, digits: int, up: bool) -> str:
    """``x`` to ``digits`` significant digits, rounded toward +inf (``up``) or -inf.

    What a printed bound needs: an upper bound shown to nearest can fall below the true
    value it bounds (``2.078579755`` for ``(56/3)^(1/4) = 2.07857975525...``), a lower bound
    above it. The float's exact binary value is rounded, once.

    Examples
    --------
    >>> directed_text(2.0785797552508, 10, up=True), directed_text(2.0785797552508, 10, up=False)
    ('2.078579756', '2.078579755')
    >>> directed_text(1e75, 12, up=True), directed_text(-0.5, 3, up=False)
    ('1.00000000000e+75', '-0.5')
    """
    if not math.isfinite(x) or x == 0.0:
        return f"{x:.{digits}g}"
    ctx = decimal.Context(prec=digits, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                          rounding=decimal.ROUND_CEILING if up else decimal.ROUND_FLOOR)
    d = ctx.plus(decimal.Decimal(x))
    exponent = d.adjusted()
    if -5 <= exponent < digits:  # plain notation, as %g prints it, without trailing zeros
        text = format(d, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return format(d, "e").replace("E", "e")


def check_common_denominator(rows: Any, name: str) -> None:
    """Refuse entries whose common denominator exceeds ``MAX_DENOMINATOR_BITS``.

    The exact checks sum the entries over that lcm; coprime huge denominators (each one
    within the per-rational digit limit) made it grow to millions of bits and a check of
    a few-megabyte file take hours. The lcm is built incrementally and stops at the limit.
    """
    den = 1
    for row in rows:
        for x in row:
            den = math.lcm(den, x.denominator)
            if den.bit_length() > MAX_DENOMINATOR_BITS:
                raise CertificateFormatError(
                    f"the common denominator of {name} exceeds {MAX_DENOMINATOR_BITS} bits: "
                    "beyond what the exact checks handle (certificates specproof writes "
                    "have a few hundred bits)")
