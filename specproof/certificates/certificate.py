"""Certificate files: the data type, JSON reading/writing and the check result type.

A certificate states ``||X||_{2->q}^q <= C`` (``q`` even, ``2 <= q <= 6``) and carries a
Gram matrix ``G`` in a monomial basis ``z`` with ``C||v||^q - sum_i <x_i,v>^q = z^T G z``
and ``G`` PSD. The file format is ``specproof.certificate/1``, described field by field
in ``docs/certificates.md`` and by the JSON schema ``certificate.schema.json`` beside
this module. Reading validates the structure (with a message naming the bad field);
whether the certificate *proves* its bound is decided by the checkers only.
"""

from __future__ import annotations

import decimal
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = "specproof.certificate/1"
MAX_Q = 6


class CertificateFormatError(ValueError):
    """A certificate file or document is malformed (names the offending field)."""


@dataclass(frozen=True)
class CheckResult:
    """Verdict of a checker.

    Attributes
    ----------
    ok : bool
        True only if the certificate proves its stated bound.
    reason : str
        Why, in one sentence (the first failed test when ``ok`` is False).
    details : dict
        Measured quantities (residuals, eigenvalue, margins, pivots ...).

    Examples
    --------
    >>> r = CheckResult(False, "identity fails at v^(4, 0)")
    >>> bool(r), r.reason
    (False, 'identity fails at v^(4, 0)')
    """

    ok: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ok)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"ok": bool(self.ok), "reason": self.reason, "details": dict(self.details)}


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
        raise CertificateFormatError(f"{name} must be a rational string 'p/q', got {text!r}")
    num, slash, den = text.partition("/")
    digits = num[1:] if num.startswith("-") else num
    if not (digits.isascii() and digits.isdigit()) or (
        slash and not (den.isascii() and den.isdigit())
    ):
        raise CertificateFormatError(f"{name} must be a rational string 'p/q', got {text!r}")
    if den and not den.strip("0"):
        raise CertificateFormatError(f"{name} has a zero denominator: {text!r}")
    return Fraction(_str_to_int(num), _str_to_int(den) if den else 1)


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


@dataclass(frozen=True, eq=False)
class Certificate:
    """A certificate of ``||X||_{2->q}^q <= C``.

    Attributes
    ----------
    q : int
        Even degree, 2..6.
    X : ndarray, shape (n, d)
        The data as floats.
    X_rational : tuple of tuple of Fraction
        The exact data; the statement is about this matrix. ``X`` is its rounding.
    C : Fraction
        The bound (exact); ``float(C)`` is stored beside it.
    basis : tuple of tuple of int
        Exponent tuples of the monomials ``z`` (degree ``q/2`` each).
    gram : ndarray, shape (N, N)
        The Gram matrix as floats.
    gram_rational : tuple of tuple of Fraction or None
        The exact Gram matrix (exact certificates), else None.
    provenance : dict
        Solver, timings, parameters, package versions, date.
    C_float : float or None
        The float C as written in the file; None means ``float(C)``.
    """

    q: int
    X: np.ndarray
    X_rational: tuple[tuple[Fraction, ...], ...]
    C: Fraction
    basis: tuple[tuple[int, ...], ...]
    gram: np.ndarray
    gram_rational: tuple[tuple[Fraction, ...], ...] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    C_float: float | None = None

    @property
    def c_float(self) -> float:
        """The float C of the file (``float(C)`` for a certificate built in memory)."""
        return float(self.C) if self.C_float is None else float(self.C_float)

    @property
    def exact(self) -> bool:
        """Whether the certificate carries an exact (rational) Gram matrix."""
        return self.gram_rational is not None

    @property
    def statement(self) -> str:
        """The bound in words, e.g. ``'||X||_{2->4}^4 <= 12'``."""
        return f"||X||_{{2->{self.q}}}^{self.q} <= {rational_str(self.C)}"

    def __repr__(self) -> str:
        n, d = self.X.shape
        kind = "exact" if self.exact else "numeric"
        return (f"Certificate({self.statement}, C~{float(self.C):.6g}, X {n}x{d}, "
                f"basis {len(self.basis)}, {kind})")

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``specproof.certificate/1``)."""
        n, d = self.X.shape
        return {
            "schema": SCHEMA_VERSION,
            "statement": {
                "kind": "2-to-q-norm-upper-bound",
                "q": int(self.q),
                "text": f"||X||_{{2->{self.q}}}^{self.q} <= C",
            },
            "X": {
                "shape": [int(n), int(d)],
                "float": [[float(x) for x in row] for row in self.X],
                "rational": [[rational_str(x) for x in row] for row in self.X_rational],
            },
            "C": {"rational": rational_str(self.C), "float": self.c_float},
            "basis": [[int(e) for e in b] for b in self.basis],
            "gram": {
                "float": [[float(x) for x in row] for row in self.gram],
                "rational": None
                if self.gram_rational is None
                else [[rational_str(x) for x in row] for row in self.gram_rational],
            },
            "provenance": dict(self.provenance),
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the certificate as JSON, atomically.

        The document goes to a temporary file in the same folder, which then replaces
        ``path`` with :func:`os.replace`: a reader never sees a partial file.

        Examples
        --------
        >>> import tempfile, os
        >>> from specproof.certificates.known import boolean_cube_certificate
        >>> cert = boolean_cube_certificate(2)
        >>> p = cert.save(os.path.join(tempfile.mkdtemp(), "cube.json"))
        >>> Certificate.load(p).C
        Fraction(8, 1)
        """
        path = Path(path)
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Certificate:
        """Read and structurally validate a certificate file.

        Raises
        ------
        CertificateFormatError
            Unreadable JSON, wrong schema version, missing or ill-typed field (named).
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CertificateFormatError(
                f"cannot read certificate file {str(path)!r}: {exc}"
            ) from exc
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CertificateFormatError(
                f"certificate file {str(path)!r} is not valid JSON (truncated?): {exc}"
            ) from exc
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Any) -> Certificate:
        """Build a certificate from its JSON document, validating every field."""
        if not isinstance(doc, dict):
            raise CertificateFormatError("certificate document must be a JSON object")
        version = doc.get("schema")
        if version != SCHEMA_VERSION:
            raise CertificateFormatError(
                f"unsupported schema {version!r}: this checker reads {SCHEMA_VERSION!r}"
            )
        for key in ("statement", "X", "C", "basis", "gram"):
            if key not in doc:
                raise CertificateFormatError(f"certificate has no field {key!r}")
        q = _get(doc["statement"], "q", "statement")
        kind = doc["statement"].get("kind", "2-to-q-norm-upper-bound")
        if kind != "2-to-q-norm-upper-bound":
            raise CertificateFormatError(
                f"statement.kind must be '2-to-q-norm-upper-bound', got {kind!r}")
        if not isinstance(q, int) or isinstance(q, bool) or q < 2 or q > MAX_Q or q % 2:
            raise CertificateFormatError(
                f"statement.q must be an even integer in 2..{MAX_Q}, got {q!r}"
            )
        xs = doc["X"]
        shape = _get(xs, "shape", "X")
        if (not isinstance(shape, list) or len(shape) != 2
                or not all(isinstance(s, int) and s >= 1 for s in shape)):
            raise CertificateFormatError(f"X.shape must be [n, d] with n, d >= 1, got {shape!r}")
        n, d = shape
        X = _float_matrix(_get(xs, "float", "X"), n, d, "X.float")
        Xr = _rational_matrix(_get(xs, "rational", "X"), n, d, "X.rational")
        C = parse_rational(_get(doc["C"], "rational", "C"), "C.rational")
        c_float = _get(doc["C"], "float", "C")
        if not _finite_number(c_float):
            raise CertificateFormatError(f"C.float must be a finite number, got {c_float!r}")
        basis = doc["basis"]
        if not isinstance(basis, list) or not basis:
            raise CertificateFormatError("basis must be a non-empty list of exponent tuples")
        for a, b in enumerate(basis):
            if (not isinstance(b, list) or len(b) != d
                    or not all(isinstance(e, int) and not isinstance(e, bool) and e >= 0
                               for e in b)):
                raise CertificateFormatError(
                    f"basis[{a}] must be a list of {d} non-negative integers, got {b!r}"
                )
            if sum(b) != q // 2:
                raise CertificateFormatError(
                    f"basis[{a}] = {b} has degree {sum(b)}, expected {q // 2}"
                )
        if len({tuple(b) for b in basis}) != len(basis):
            raise CertificateFormatError("basis has a repeated monomial")
        N = len(basis)
        gram = doc["gram"]
        G = _float_matrix(_get(gram, "float", "gram"), N, N, "gram.float")
        gr = _get(gram, "rational", "gram")
        Gr = None if gr is None else _rational_matrix(gr, N, N, "gram.rational")
        prov = doc.get("provenance", {})
        if not isinstance(prov, dict):
            raise CertificateFormatError("provenance must be an object")
        return cls(q=q, X=X, X_rational=Xr, C=C, basis=tuple(tuple(b) for b in basis),
                   gram=G, gram_rational=Gr, provenance=prov, C_float=float(c_float))


def _finite_number(x: Any) -> bool:
    """A JSON number that is a finite float (bools and out-of-range integers are not)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    return abs(x) <= sys.float_info.max if isinstance(x, int) else math.isfinite(x)


def _get(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise CertificateFormatError(f"field {where}.{key} is missing")
    return obj[key]


def _float_matrix(rows: Any, n: int, m: int, name: str) -> np.ndarray:
    if not isinstance(rows, list) or len(rows) != n:
        raise CertificateFormatError(f"{name} must be a list of {n} rows")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != m:
            raise CertificateFormatError(f"{name}[{i}] must be a list of {m} numbers")
        for j, x in enumerate(row):
            if not isinstance(x, (int, float)) or isinstance(x, bool):
                raise CertificateFormatError(f"{name}[{i}][{j}] must be a number, got {x!r}")
    try:
        arr = np.array(rows, dtype=float)
    except OverflowError as exc:
        raise CertificateFormatError(f"{name} has a number too large for a float") from exc
    if not np.all(np.isfinite(arr)):
        i, j = np.argwhere(~np.isfinite(arr))[0]
        raise CertificateFormatError(f"{name}[{i}][{j}] is not finite")
    return arr


def _rational_matrix(rows: Any, n: int, m: int, name: str) -> tuple[tuple[Fraction, ...], ...]:
    if not isinstance(rows, list) or len(rows) != n:
        raise CertificateFormatError(f"{name} must be a list of {n} rows")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != m:
            raise CertificateFormatError(f"{name}[{i}] must be a list of {m} strings")
        out.append(tuple(parse_rational(x, f"{name}[{i}][{j}]") for j, x in enumerate(row)))
    return tuple(out)
