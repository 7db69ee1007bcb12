"""Structural checks shared by both checkers (never by the solver).

A certificate stores its data twice, as floats and as exact rationals. The statement is
about the rationals, and both checkers compute from the rationals only; the floats are a
readable copy that must be *faithful*, tested here exactly (``Fraction(float)`` is exact):

* a rational 0 has the float 0, and a nonzero rational never has the float 0 (no flush
  to zero: a value below ``2^-1074`` is written ``null`` or as the smallest subnormal);
* otherwise the float is one of the two floats adjacent to the rational (equal to it
  when the rational is a float), with the same sign;
* ``null`` (NaN in memory) only where no float is faithful: ``|r|`` beyond the largest
  float, or nonzero below ``2^-1074``.

So editing either copy alone is caught, at every magnitude.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from specproof.certificates.certificate import (
    Certificate,
    CertificateFormatError,
    CheckResult,
    describe_rational,
    fail,
)

_MAX = Fraction(sys.float_info.max)
_TINY = Fraction(2) ** -1074


def faithful(f: float, r: Fraction) -> bool:
    """Whether the float ``f`` (NaN for "no copy") is a faithful copy of ``r`` (exact test).

    Examples
    --------
    >>> faithful(0.1, Fraction(1, 10)), faithful(0.2, Fraction(1, 10))
    (True, False)
    >>> faithful(0.0, Fraction(1, 10**400)), faithful(float("nan"), Fraction(1, 10**400))
    (False, True)
    >>> faithful(5e-324, Fraction(1, 10**400))
    True
    """
    f = float(f)
    if math.isnan(f):
        return r != 0 and (abs(r) > _MAX or abs(r) < _TINY)
    if math.isinf(f):
        return False
    if f != 0:
        # fast path: r's correct rounding is f, so r lies within half an ulp of f (strictly
        # between f's neighbours): faithful. 3x cheaper than the Fraction comparisons below
        try:
            if r.numerator / r.denominator == f:
                return True
        except OverflowError:
            pass
    F = Fraction(f)
    if F == r:
        return True
    if r == 0 or f == 0 or (f > 0) != (r > 0):
        return False
    # the float is adjacent to r: r lies strictly between f and its neighbour toward r
    toward = math.inf if F < r else -math.inf
    nxt = math.nextafter(f, toward)
    if math.isinf(nxt):  # f is the largest float and r lies beyond it, below 2^1024
        return F < r < Fraction(2) ** 1024
    return (F < r < Fraction(nxt)) or (Fraction(nxt) < r < F)


def first_unfaithful(
    floats: np.ndarray, rationals: Sequence[Sequence[Fraction]]
) -> tuple[int, int] | None:
    """Index of the first float entry that is not a faithful copy of its rational."""
    for i, row in enumerate(rationals):
        for j, r in enumerate(row):
            if not faithful(float(floats[i, j]), r):
                return i, j
    return None


def _show(f: float) -> str:
    return "null" if math.isnan(f) else repr(float(f))


def normalise(source) -> Certificate | CheckResult:
    """Load ``source`` (path, Certificate or parsed JSON document) and validate structure
    and float/rational consistency; return the certificate, or a failed
    :class:`CheckResult` saying why (code ``"malformed"`` or ``"inconsistent"``)."""
    try:
        if isinstance(source, Certificate):
            # round trip through the document so that an in-memory object gets the same
            # validation as a file
            cert = Certificate.from_dict(source.to_dict())
        elif isinstance(source, dict):  # a parsed document (the file was read once)
            cert = Certificate.from_dict(source)
        else:
            cert = Certificate.load(source)
    except CertificateFormatError as exc:
        return fail("malformed", f"malformed certificate: {exc}")
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            RecursionError, MemoryError) as exc:
        return fail("malformed", f"malformed certificate: {type(exc).__name__}: "
                                 f"{str(exc)[:200]}")
    bad = first_unfaithful(cert.X, cert.X_rational)
    if bad is not None:
        i, j = bad
        return fail("inconsistent", f"X.float[{i}][{j}] = {_show(cert.X[i, j])} is not a "
                                    f"faithful copy of X.rational[{i}][{j}] = "
                                    f"{describe_rational(cert.X_rational[i][j])}", cert)
    if not faithful(cert.c_float, cert.C):
        return fail("inconsistent", f"C.float = {_show(cert.c_float)} is not a faithful copy "
                                    f"of C.rational = {describe_rational(cert.C)}", cert)
    if cert.gram_rational is not None:
        bad = first_unfaithful(cert.gram, cert.gram_rational)
        if bad is not None:
            i, j = bad
            return fail("inconsistent", f"gram.float[{i}][{j}] = {_show(cert.gram[i, j])} is "
                                        f"not a faithful copy of gram.rational[{i}][{j}]", cert)
    return cert
