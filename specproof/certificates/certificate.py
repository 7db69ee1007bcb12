"""Certificate files: the data type and its JSON reading/writing.

A certificate states ``||X||_{2->q}^q <= C`` (``q`` even, ``2 <= q <= 6``) and carries a
Gram matrix ``G`` in a monomial basis ``z`` with ``C||v||^q - sum_i <x_i,v>^q = z^T G z``
and ``G`` PSD. The file format is ``specproof.certificate/1``, described field by field
in ``docs/certificates.md`` and by the JSON schema ``certificate.schema.json`` beside
this module. Reading validates the structure (with a message naming the bad field);
whether the certificate *proves* its bound is decided by the checkers only, whose
verdict type is :class:`~specproof.certificates.check_result.CheckResult`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import Displayable
from specproof._core.files import atomic_write
from specproof.certificates import file_read

# the check result type was defined here first: its names stay importable from here
from specproof.certificates.check_result import CheckResult as CheckResult
from specproof.certificates.check_result import fail as fail
from specproof.certificates.check_result import passed as passed
from specproof.certificates.check_result import x_digest as x_digest
from specproof.certificates.constants import (
    MAX_MONOMIALS,
    MAX_Q,
    SCHEMA_VERSION,
)
from specproof.certificates.json_fields import (
    _check_depth,
    _finite_number,
    _float_matrix,
    _get,
    _json_float,
    _no_constant,
    _no_duplicates,
    _parse_int,
    _rational_matrix,
)

# the number helpers were defined here first: their names stay importable from here
from specproof.certificates.rational_text import (
    CertificateFormatError as CertificateFormatError,
)
from specproof.certificates.rational_text import _short, check_common_denominator
from specproof.certificates.rational_text import approximate as approximate
from specproof.certificates.rational_text import describe_rational as describe_rational
from specproof.certificates.rational_text import float_copies as float_copies
from specproof.certificates.rational_text import float_copy as float_copy
from specproof.certificates.rational_text import parse_rational as parse_rational
from specproof.certificates.rational_text import rational_str as rational_str
from specproof.certificates.rigorous import root_upper


def statement_text(q: int) -> str:
    """The one statement text a 2->q certificate file may carry.

    Examples
    --------
    >>> statement_text(4)
    '||X||_{2->4}^4 <= C'
    """
    return f"||X||_{{2->{q}}}^{q} <= C"


@dataclass(frozen=True, eq=False)
class Certificate(Displayable):
    """A certificate of ``||X||_{2->q}^q <= C``.

    Attributes
    ----------
    q : int
        Even degree, 2..6.
    X : ndarray, shape (n, d)
        The data as floats (NaN where the file writes ``null``: a value outside the
        float range). Informative only: both checkers work from ``X_rational``.
    X_rational : tuple of tuple of Fraction
        The exact data; the statement is about this matrix. ``X`` is its rounding.
    C : Fraction
        The bound (exact); its rounding is stored beside it.
    basis : tuple of tuple of int
        Exponent tuples of the monomials ``z`` (degree ``q/2`` each).
    gram : ndarray, shape (N, N)
        The Gram matrix as floats (NaN for a ``null`` copy of an exact entry).
    gram_rational : tuple of tuple of Fraction or None
        The exact Gram matrix (exact certificates), else None.
    provenance : dict
        Solver, timings, parameters, package versions, date.
    C_float : float or None
        The float C as written in the file (NaN for ``null``); None means the rounding
        of ``C``.
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
        """The float C of the file (the rounding of ``C`` for one built in memory; NaN
        where ``C`` is outside the float range)."""
        if self.C_float is not None:
            return float(self.C_float)
        f = float_copy(self.C)
        return math.nan if f is None else f

    @property
    def c_decimal(self) -> str:
        """``C`` to 12 significant digits rounded up, at any magnitude (for display).

        Examples
        --------
        >>> from specproof.certificates.known import boolean_cube_certificate
        >>> boolean_cube_certificate(3).c_decimal
        '18.6666666667'
        """
        return approximate(self.C, 12, round_up=True)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, d)`` of the data."""
        return (len(self.X_rational), len(self.X_rational[0]))

    @property
    def x_sha256(self) -> str:
        """SHA-256 of the exact data (:func:`x_digest`)."""
        return x_digest(self.X_rational)

    @property
    def norm_upper(self) -> float:
        """A float ``>= C^(1/q)`` in exact arithmetic: the bound on ``||X||_{2->q}`` itself.

        Examples
        --------
        >>> from specproof.certificates.known import boolean_cube_certificate
        >>> u = boolean_cube_certificate(2).norm_upper     # C = 8
        >>> Fraction(u) ** 4 >= 8 > Fraction(u) ** 4 * (1 - 1e-15)
        True
        """
        return root_upper(self.C, self.q)

    @property
    def exact(self) -> bool:
        """Whether the certificate carries an exact (rational) Gram matrix."""
        return self.gram_rational is not None

    def _display_items(self) -> list[tuple[str, Any]]:
        # the HTML table (the text repr is the class's own): what is proved, and by what.
        # C is an upper bound: shown rounded up (float(C) at 7 digits rounded to nearest,
        # below C half the time; and it overflowed for C past the float range)
        prov = self.provenance or {}
        return [("statement", self.short_statement),
                ("C", approximate(self.C, 7, round_up=True)),
                ("X", self.X), ("basis size", len(self.basis)), ("exact", self.exact),
                ("solver", prov.get("solver") or prov.get("construction")),
                ("date", prov.get("date"))]

    @property
    def statement(self) -> str:
        """The bound in words, e.g. ``'||X||_{2->4}^4 <= 12'``."""
        return f"||X||_{{2->{self.q}}}^{self.q} <= {rational_str(self.C)}"

    @property
    def short_statement(self) -> str:
        """The bound in words, with a long ``C`` shown by its value and size.

        Examples
        --------
        >>> from specproof.certificates.known import boolean_cube_certificate
        >>> boolean_cube_certificate(3).short_statement
        '||X||_{2->4}^4 <= 56/3'
        """
        text = rational_str(self.C) if self.C.numerator.bit_length() < 80 and \
            self.C.denominator.bit_length() < 80 else None
        if text is None:
            # rounded up: the number shown is itself a true bound
            text = f"{approximate(self.C, round_up=True)} (exactly: {describe_rational(self.C)})"
        return f"||X||_{{2->{self.q}}}^{self.q} <= {text}"

    def __repr__(self) -> str:
        n, d = self.shape
        kind = "exact" if self.exact else "numeric"
        return (f"Certificate({self.short_statement}, C~{approximate(self.C)}, X {n}x{d}, "
                f"basis {len(self.basis)}, {kind})")

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``specproof.certificate/1``)."""
        n, d = self.shape
        return {
            "schema": SCHEMA_VERSION,
            "statement": {
                "kind": "2-to-q-norm-upper-bound",
                "q": int(self.q),
                "text": statement_text(self.q),
            },
            "X": {
                "shape": [int(n), int(d)],
                "float": [[_json_float(x) for x in row] for row in self.X],
                "rational": [[rational_str(x) for x in row] for row in self.X_rational],
            },
            "C": {"rational": rational_str(self.C), "float": _json_float(self.c_float)},
            "basis": [[int(e) for e in b] for b in self.basis],
            "gram": {
                "float": [[_json_float(x) for x in row] for row in self.gram],
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
        return atomic_write(path, text, fsync=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Certificate:
        """Read and structurally validate a certificate file.

        Raises
        ------
        CertificateFormatError
            Unreadable JSON, wrong schema version, missing or ill-typed field (named).
        """
        try:  # once, a regular file of at most 256 MiB (file_read)
            text = file_read.read_certificate_text(path)
        except file_read.CertificateFileError as exc:
            raise CertificateFormatError(f"cannot read it: {exc}") from None
        except UnicodeDecodeError as exc:
            raise CertificateFormatError(
                f"cannot read certificate file {str(path)!r}: {exc}") from None
        return cls.from_json(text, source=str(path))

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> Certificate:
        """Parse and validate a certificate from JSON text.

        Duplicate keys, ``NaN``/``Infinity`` literals, integers beyond the float range and
        nesting deeper than the format allows are refused with the place named.
        """
        try:
            doc = json.loads(text, object_pairs_hook=_no_duplicates,
                             parse_constant=_no_constant, parse_int=_parse_int)
        except json.JSONDecodeError as exc:
            raise CertificateFormatError(
                f"certificate file {source!r} is not valid JSON (truncated?): {exc}"
            ) from None
        except RecursionError:
            raise CertificateFormatError(
                f"certificate file {source!r} is nested too deeply (the format needs 4 "
                "levels)") from None
        _check_depth(doc, source)
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Any) -> Certificate:
        """Build a certificate from its JSON document, validating every field."""
        if not isinstance(doc, dict):
            raise CertificateFormatError(
                f"certificate document must be a JSON object, got {_short(doc)}")
        version = doc.get("schema")
        if version != SCHEMA_VERSION:
            raise CertificateFormatError(
                f"unsupported schema {_short(version)}: this checker reads {SCHEMA_VERSION!r}"
            )
        for key in ("statement", "X", "C", "basis", "gram"):
            if key not in doc:
                raise CertificateFormatError(f"certificate has no field {key!r}")
            if not isinstance(doc[key], list if key == "basis" else dict):
                want = "a list" if key == "basis" else "an object"
                raise CertificateFormatError(f"{key} must be {want}, got {_short(doc[key])}")
        q = _get(doc["statement"], "q", "statement")
        kind = doc["statement"].get("kind", "2-to-q-norm-upper-bound")
        if kind != "2-to-q-norm-upper-bound":
            raise CertificateFormatError(
                f"statement.kind must be '2-to-q-norm-upper-bound', got {_short(kind)}")
        if not isinstance(q, int) or isinstance(q, bool) or q < 2 or q > MAX_Q or q % 2:
            raise CertificateFormatError(
                f"statement.q must be an even integer in 2..{MAX_Q}, got {_short(q)}"
            )
        text = doc["statement"].get("text", statement_text(q))
        if text != statement_text(q):
            # the checker verifies C, not prose: a file whose text says "<= 1" while C is
            # 60 would print VALID beside a false sentence
            raise CertificateFormatError(
                f"statement.text must be {statement_text(q)!r} (the bound is the field C), "
                f"got {_short(text)}")
        xs = doc["X"]
        shape = _get(xs, "shape", "X")
        if (not isinstance(shape, list) or len(shape) != 2
                or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1
                           for s in shape)):
            raise CertificateFormatError(
                f"X.shape must be [n, d] with n, d >= 1, got {_short(shape)}")
        n, d = shape
        monomials = math.comb(d + q - 1, q)
        if monomials > MAX_MONOMIALS:
            raise CertificateFormatError(
                f"X has d = {d} columns: the identity has C({d + q - 1}, {q}) = {monomials} "
                f"monomials of degree {q}, more than the checkers handle ({MAX_MONOMIALS}; "
                "certificates specproof writes have a few thousand)")
        X = _float_matrix(_get(xs, "float", "X"), n, d, "X.float", allow_null=True)
        Xr = _rational_matrix(_get(xs, "rational", "X"), n, d, "X.rational")
        C = parse_rational(_get(doc["C"], "rational", "C"), "C.rational")
        c_float = _get(doc["C"], "float", "C")
        if c_float is not None and not _finite_number(c_float):
            raise CertificateFormatError(
                f"C.float must be a finite number or null, got {_short(c_float)}")
        basis = doc["basis"]
        if not basis:
            raise CertificateFormatError("basis must be a non-empty list of exponent tuples")
        for a, b in enumerate(basis):
            if (not isinstance(b, list) or len(b) != d
                    or not all(isinstance(e, int) and not isinstance(e, bool) and 0 <= e <= q
                               for e in b)):
                raise CertificateFormatError(
                    f"basis[{a}] must be a list of {d} integers in 0..{q}, got {_short(b)}"
                )
            if sum(b) != q // 2:
                raise CertificateFormatError(
                    f"basis[{a}] = {_short(b)} has degree {sum(b)}, expected {q // 2}"
                )
        if len({tuple(b) for b in basis}) != len(basis):
            raise CertificateFormatError("basis has a repeated monomial")
        N = len(basis)
        gram = doc["gram"]
        gr = _get(gram, "rational", "gram")
        G = _float_matrix(_get(gram, "float", "gram"), N, N, "gram.float",
                          allow_null=gr is not None)
        Gr = None if gr is None else _rational_matrix(gr, N, N, "gram.rational")
        check_common_denominator(Xr, "X.rational")
        if Gr is not None:
            check_common_denominator(Gr, "gram.rational")
        prov = doc.get("provenance", {})
        if not isinstance(prov, dict):
            raise CertificateFormatError(f"provenance must be an object, got {_short(prov)}")
        return cls(q=q, X=X, X_rational=Xr, C=C, basis=tuple(tuple(b) for b in basis),
                   gram=G, gram_rational=Gr, provenance=prov,
                   C_float=math.nan if c_float is None else float(c_float))
