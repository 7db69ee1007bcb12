"""One entry point for both checkers."""

from __future__ import annotations

import os

from specproof._core import ArgumentTypeError
from specproof.certificates.certificate import Certificate, CheckResult
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric


def check(source: str | os.PathLike | Certificate, exact: bool = False) -> CheckResult:
    """Check a certificate file (or object): numerically (default) or exactly.

    Parameters
    ----------
    source : path or Certificate
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
    if not isinstance(source, (str, Certificate)):
        raise ArgumentTypeError(
            f"source must be a path or a Certificate, got {type(source).__name__}")
    return check_exact(source) if exact else check_numeric(source)
