"""One entry point for both checkers."""

from __future__ import annotations

import os

from specproof._core import ArgumentTypeError
from specproof.certificates.certificate import Certificate, CheckResult
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.check_sos import check_sos
from specproof.certificates.sos_certificate import SoSCertificate, is_sos_document


def check(source: str | os.PathLike | Certificate | SoSCertificate,
          exact: bool = False) -> CheckResult:
    """Check a certificate file (or object): numerically (default) or exactly.

    A file is dispatched by its ``schema``: ``specproof.certificate/1`` (a 2->q norm bound)
    goes to the numeric or the exact checker, ``specproof.sos-certificate/1`` (a general
    SoS certificate of a polynomial statement, :mod:`specproof.certificates.check_sos`)
    always to its exact checker, which is the only one that format has.

    Parameters
    ----------
    source : path, Certificate or SoSCertificate
        The certificate.
    exact : bool
        False: floating point with a rigorous error bound (works for every certificate).
        True: rational arithmetic (needs an exact certificate, with ``gram.rational``).

    Returns
    -------
    CheckResult
        ``ok``, ``code`` and a one-sentence ``reason``; never raises on a bad file (code
        ``"malformed"``, the reason says what is wrong). ``verdict_line`` is what
        ``specproof check`` prints: the bound verified, the shape and a hash of ``X``.

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> check(boolean_cube_certificate(4), exact=True).ok
    True
    """
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if isinstance(source, SoSCertificate):
        return check_sos(source)
    if not isinstance(source, (str, Certificate)):
        raise ArgumentTypeError(
            f"source must be a path or a Certificate, got {type(source).__name__}")
    if isinstance(source, str) and _declares_sos(source):
        return check_sos(source)
    return check_exact(source) if exact else check_numeric(source)


def _declares_sos(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return False  # the 2->q reader reports the unreadable file
    return is_sos_document(text)
