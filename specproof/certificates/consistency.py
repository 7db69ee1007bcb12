"""Structural checks shared by both checkers (never by the solver).

A certificate stores its data twice, as floats and as exact rationals. The statement is
about the rationals; the floats must be their faithful roundings, tested here in exact
arithmetic (``Fraction(float)`` is exact), so tampering with either copy is caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from specproof.certificates.certificate import Certificate, CertificateFormatError, CheckResult

# |f - r| <= 2^-52 |r| + 2^-1074: within one unit in the last place of r (subnormals too)
_REL = Fraction(1, 2**52)
_ABS = Fraction(1, 2**1074)


def faithful(f: float, r: Fraction) -> bool:
    """Whether the float ``f`` is within one ulp of the rational ``r`` (exact test).

    Examples
    --------
    >>> faithful(0.1, Fraction(1, 10)), faithful(0.2, Fraction(1, 10))
    (True, False)
    """
    return abs(Fraction(f) - r) <= _REL * abs(r) + _ABS


def first_unfaithful(
    floats: np.ndarray, rationals: Sequence[Sequence[Fraction]]
) -> tuple[int, int] | None:
    """Index of the first float entry that is not a faithful rounding of its rational."""
    for i, row in enumerate(rationals):
        for j, r in enumerate(row):
            if not faithful(float(floats[i, j]), r):
                return i, j
    return None


def normalise(source) -> Certificate | CheckResult:
    """Load ``source`` (path or Certificate) and validate structure and float/rational
    consistency; return the certificate, or a failed :class:`CheckResult` saying why."""
    try:
        if isinstance(source, Certificate):
            # round trip through the document so that an in-memory object gets the same
            # validation as a file
            cert = Certificate.from_dict(source.to_dict())
        else:
            cert = Certificate.load(source)
    except CertificateFormatError as exc:
        return CheckResult(False, f"malformed certificate: {exc}")
    except (TypeError, ValueError, AttributeError) as exc:
        return CheckResult(False, f"malformed certificate: {type(exc).__name__}: {exc}")
    bad = first_unfaithful(cert.X, cert.X_rational)
    if bad is not None:
        i, j = bad
        return CheckResult(False, f"X.float[{i}][{j}] = {float(cert.X[i, j])!r} is not the "
                                  f"rounding of X.rational[{i}][{j}] = {cert.X_rational[i][j]}")
    if not faithful(cert.c_float, cert.C):
        return CheckResult(False, f"C.float = {cert.c_float!r} is not the rounding of "
                                  f"C.rational = {cert.C}")
    if cert.gram_rational is not None:
        bad = first_unfaithful(cert.gram, cert.gram_rational)
        if bad is not None:
            i, j = bad
            return CheckResult(False, f"gram.float[{i}][{j}] is not the rounding of "
                                      f"gram.rational[{i}][{j}]")
    return cert
