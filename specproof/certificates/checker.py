"""One entry point for both checkers."""

from __future__ import annotations

import os

from specproof._core import ArgumentTypeError
from specproof.certificates import file_read
from specproof.certificates.certificate import (
    Certificate,
    CertificateFormatError,
    CheckResult,
    fail,
)
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.check_sos import SoSCheckResult, check_sos
from specproof.certificates.sos_certificate import SOS_SCHEMA, SoSCertificate, parse_json


def check(source: str | os.PathLike | Certificate | SoSCertificate,
          exact: bool = False) -> CheckResult:
    """Check a certificate file (or object): numerically (default) or exactly.

    A file is read once (:mod:`specproof.certificates.file_read`: a regular file of at
    most 256 MiB; anything else is ``"malformed"``, saying why) and dispatched by its
    ``schema``: ``specproof.certificate/1`` (a 2->q norm bound)
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
    if isinstance(source, Certificate):
        return check_exact(source) if exact else check_numeric(source)
    try:
        # read once: the checker choice and the proof judge the same bytes (a file
        # swapped between two reads served a forged file to one and the honest to the other)
        data = file_read.read_certificate_bytes(source)
    except file_read.CertificateFileError as exc:
        return fail("malformed", f"malformed certificate: cannot read it: {exc}")
    return check_bytes(data, exact=exact, source=source)


def check_bytes(data: bytes | str, exact: bool = False,
                source: str = "<bytes>") -> CheckResult:
    """Check a certificate file's content (what :func:`check` does after reading it once).

    The schema picks the checker, and that checker gets the document parsed from these
    bytes: nothing is read again. ``source`` names the file in messages.

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> import json
    >>> data = json.dumps(boolean_cube_certificate(2).to_dict()).encode()
    >>> check_bytes(data, exact=True).ok
    True
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return fail("malformed", f"malformed certificate: cannot read it: {source!r} is "
                                     f"not UTF-8 text: {exc}")
    declared_sos = SOS_SCHEMA in data  # a broken file that says so: the SoS reader's words
    try:
        doc = parse_json(data, source)
    except (CertificateFormatError, ValueError, RecursionError, MemoryError) as exc:
        reason = f"malformed certificate: {exc}"
        if declared_sos:
            return SoSCheckResult(ok=False, reason=reason, code="malformed", message=reason,
                                  exact=True)
        return fail("malformed", reason)
    if not isinstance(doc, dict):
        # the checkers take a str as a path to read: a file holding only "c.json" was
        # judged on that other file's bytes (VALID, exit 0), and [] or 5 read as Python's
        # own TypeError
        reason = (f"malformed certificate: a certificate is a JSON object, got a JSON "
                  f"{_json_kind(doc)}")
        if declared_sos:
            return SoSCheckResult(ok=False, reason=reason, code="malformed", message=reason,
                                  exact=True)
        return fail("malformed", reason)
    if doc.get("schema") == SOS_SCHEMA:
        return check_sos(doc)
    return check_exact(doc) if exact else check_numeric(doc)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {str: "string", list: "array", int: "number", float: "number"}.get(
        type(value), type(value).__name__)
