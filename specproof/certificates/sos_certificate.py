"""The general SoS certificate file: ``m * p = sum_j g_j sigma_j + sum_k h_k tau_k``.

Format ``specproof.sos-certificate/1`` (``docs/certificates.md``, section "General SoS
certificates"). It proves a polynomial statement ``p >= 0`` on a domain
``{g_i >= 0, h_k == 0}`` with

* ``m = (c + sum_i y_i^2)^k`` (the *multiplier*, ``c >= 0`` rational, ``k >= 0``): strictly
  positive when ``c > 0``, positive off the origin when ``c = 0``;
* each ``sigma_j = z_j^T G_j z_j`` with a monomial basis ``z_j`` and an exact rational Gram
  matrix ``G_j`` (PSD, checked exactly), multiplied by the *generator* ``g_j``: a product of
  the domain's inequalities (the empty product is 1: Putinar's ``sigma_0``; a product of
  several is a Schmuedgen term);
* each ``tau_k`` a polynomial with rational coefficients times a domain equality;
* an optional substitution ``x_i = y_i^2`` (``"squares"``) for statements on the orthant:
  the identity is then about ``p(y^2)`` and ``g(y^2)``, ``h(y^2)``.

This module reads and writes the document and validates its structure (its terms, the
exponents, polynomials, blocks and equality multipliers, in
:mod:`specproof.certificates.sos_terms`); whether it proves its statement is decided by
:mod:`specproof.certificates.check_sos` only. It imports nothing of the producer side (an
import-linter contract).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from specproof._core.files import atomic_write
from specproof.certificates import file_read
from specproof.certificates.json_fields import (
    _check_depth,
    _no_constant,
    _no_duplicates,
    _parse_int,
)
from specproof.certificates.rational_text import (  # noqa: F401  (re-exported)
    CertificateFormatError,
    _short,
    check_common_denominator,
    parse_rational,
    rational_str,
)
from specproof.certificates.sos_terms import (  # noqa: F401  (re-exported)
    MAX_BASIS,
    MAX_DEGREE,
    MAX_GENERATOR_FACTORS,
    Block,
    EqualityTerm,
    Exponent,
    Poly,
    _block,
    _exponent,
    _is_int,
    poly_from_json,
    poly_to_json,
)

SOS_SCHEMA = "specproof.sos-certificate/1"
"""The general SoS certificate format this version writes and reads."""

# the limits on the terms (degree, basis size, generator length) are in sos_terms
MAX_VARIABLES = 400
MAX_MULTIPLIER_POWER = 16
MAX_MULTIPLIER_TERMS = 2_000_000
"""Largest number of monomials of ``(c + sum y_i^2)^k`` a reader expands (C(n + k, k)):
a forged file must not make the checker run for ages."""
SUBSTITUTIONS = ("none", "squares")


@dataclass(frozen=True, eq=False)
class SoSCertificate:
    """An exact certificate of ``p >= 0`` on ``{g_i >= 0, h_k == 0}`` (see the module).

    Attributes
    ----------
    text : str
        The user's statement, as written.
    variables : tuple of str
        The variable order of every exponent tuple in the file.
    polynomial : dict
        ``p`` (exponent tuple -> Fraction): the statement is ``p >= 0`` on the domain.
    inequalities, equalities : tuple of dict
        The domain's ``g_i`` (``g_i >= 0``) and ``h_k`` (``h_k == 0``).
    multiplier_constant : Fraction
        ``c`` of ``m = (c + sum y_i^2)^k``.
    multiplier_power : int
        ``k``.
    substitution : str
        ``"none"`` or ``"squares"`` (``x_i = y_i^2``).
    blocks : tuple of Block
    equality_terms : tuple of EqualityTerm
    provenance : dict
    statement_sha256 : str
        The hash as read from a file (computed afresh by :meth:`to_dict`).
    matrices : tuple of (name, rows, cols, kind)
        The matrix variables of a matrix statement (their entries are among
        ``variables``), so that the statement text can be parsed again.
    """

    text: str
    variables: tuple[str, ...]
    polynomial: Poly
    inequalities: tuple[Poly, ...] = ()
    equalities: tuple[Poly, ...] = ()
    multiplier_constant: Fraction = Fraction(0)
    multiplier_power: int = 0
    substitution: str = "none"
    blocks: tuple[Block, ...] = ()
    equality_terms: tuple[EqualityTerm, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    statement_sha256: str = ""
    matrices: tuple[tuple[str, int, int, str], ...] = ()

    def statement_dict(self) -> dict[str, Any]:
        """The ``statement`` object without its hash (what the hash covers)."""
        return {
            "text": self.text,
            "relation": ">=",
            "variables": list(self.variables),
            "matrices": [[m[0], int(m[1]), int(m[2]), m[3]] for m in self.matrices],
            "polynomial": poly_to_json(self.polynomial),
            "domain": {"inequalities": [poly_to_json(g) for g in self.inequalities],
                       "equalities": [poly_to_json(h) for h in self.equalities]},
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema :data:`SOS_SCHEMA`); the hash is computed here."""
        statement = self.statement_dict()
        statement["sha256"] = statement_digest(statement)
        return {
            "schema": SOS_SCHEMA,
            "statement": statement,
            "multiplier": {"constant": rational_str(self.multiplier_constant),
                           "power": int(self.multiplier_power)},
            "substitution": self.substitution,
            "blocks": [{"generator": list(b.generator),
                        "basis": [list(e) for e in b.basis],
                        "gram": [[rational_str(x) for x in row] for row in b.gram]}
                       for b in self.blocks],
            "equality_multipliers": [{"generator": t.generator,
                                      "polynomial": poly_to_json(t.polynomial)}
                                     for t in self.equality_terms],
            "provenance": dict(self.provenance),
        }

    @property
    def sha256(self) -> str:
        """SHA-256 of the statement (:func:`statement_digest`)."""
        return statement_digest(self.statement_dict())

    @property
    def multiplier_text(self) -> str:
        """The multiplier in words, e.g. ``'(1 + x^2 + y^2)^1'`` (``'1'`` when none)."""
        if self.multiplier_power == 0:
            return "1"
        # with x = y^2 the multiplier's y_i^2 are the statement's x_i
        squares = " + ".join(f"{v}^2" if self.substitution == "none" else v
                             for v in self.variables)
        c = self.multiplier_constant
        inner = squares if c == 0 else f"{rational_str(c)} + {squares}"
        return f"({inner})^{self.multiplier_power}"

    def save(self, path: str | os.PathLike) -> Path:
        """Write the certificate as JSON, atomically (a temporary file, then a rename)."""
        path = Path(path)
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        return atomic_write(path, text, fsync=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SoSCertificate:
        """Read and structurally validate a file (:class:`CertificateFormatError` if bad)."""
        try:  # once, a regular file of at most 256 MiB (file_read)
            text = file_read.read_certificate_text(path)
        except file_read.CertificateFileError as exc:
            raise CertificateFormatError(f"cannot read it: {exc}") from None
        except UnicodeDecodeError as exc:
            raise CertificateFormatError(f"cannot read certificate file {str(path)!r}: {exc}") \
                from None
        return cls.from_dict(parse_json(text, str(path)))

    @classmethod
    def from_dict(cls, doc: Any) -> SoSCertificate:
        """Build from a JSON document, validating every field (the hash is *not* judged
        here: the checker compares it, so that a changed statement is reported as such)."""
        if not isinstance(doc, dict):
            raise CertificateFormatError(f"certificate document must be a JSON object, got "
                                         f"{_short(doc)}")
        if doc.get("schema") != SOS_SCHEMA:
            raise CertificateFormatError(f"unsupported schema {_short(doc.get('schema'))}: "
                                         f"this checker reads {SOS_SCHEMA!r}")
        for key, typ in (("statement", dict), ("multiplier", dict), ("blocks", list),
                         ("equality_multipliers", list), ("substitution", str)):
            if not isinstance(doc.get(key), typ):
                raise CertificateFormatError(f"field {key!r} must be a JSON "
                                             f"{'object' if typ is dict else typ.__name__}, "
                                             f"got {_short(doc.get(key))}")
        st = doc["statement"]
        text = st.get("text")
        if not isinstance(text, str):
            raise CertificateFormatError(f"statement.text must be a string, got {_short(text)}")
        if st.get("relation") != ">=":
            raise CertificateFormatError("statement.relation must be '>=' (the statement is "
                                         f"p >= 0 on the domain), got {_short(st.get('relation'))}")
        names = st.get("variables")
        if (not isinstance(names, list) or not names or len(names) > MAX_VARIABLES
                or not all(isinstance(v, str) and v for v in names)):
            raise CertificateFormatError(f"statement.variables must be a list of 1..{MAX_VARIABLES}"
                                         f" names, got {_short(names)}")
        if len(set(names)) != len(names):
            raise CertificateFormatError("statement.variables has a repeated name")
        n = len(names)
        mats = st.get("matrices", [])
        if not isinstance(mats, list) or not all(
                isinstance(m, list) and len(m) == 4 and isinstance(m[0], str)
                and _is_int(m[1]) and _is_int(m[2]) and 1 <= m[1] and 1 <= m[2]
                and m[1] * m[2] <= MAX_VARIABLES and isinstance(m[3], str) for m in mats):
            raise CertificateFormatError("statement.matrices must be a list of [name, rows, "
                                         f"cols, kind], got {_short(mats)}")
        sha = st.get("sha256")
        if not isinstance(sha, str):
            raise CertificateFormatError(f"statement.sha256 must be a string, got {_short(sha)}")
        p = poly_from_json(st.get("polynomial"), n, "statement.polynomial")
        dom = st.get("domain")
        if not isinstance(dom, dict) or not isinstance(dom.get("inequalities"), list) \
                or not isinstance(dom.get("equalities"), list):
            raise CertificateFormatError("statement.domain must be an object with lists "
                                         "'inequalities' and 'equalities'")
        ineqs = tuple(poly_from_json(g, n, f"statement.domain.inequalities[{i}]")
                      for i, g in enumerate(dom["inequalities"]))
        eqs = tuple(poly_from_json(h, n, f"statement.domain.equalities[{i}]")
                    for i, h in enumerate(dom["equalities"]))
        mult = doc["multiplier"]
        c = parse_rational(mult.get("constant"), "multiplier.constant")
        k = mult.get("power")
        if not _is_int(k) or not 0 <= k <= MAX_MULTIPLIER_POWER:
            raise CertificateFormatError(f"multiplier.power must be an integer in "
                                         f"0..{MAX_MULTIPLIER_POWER}, got {_short(k)}")
        if c < 0:
            raise CertificateFormatError(f"multiplier.constant must be >= 0, got {rational_str(c)}")
        if math.comb(n + k, k) > MAX_MULTIPLIER_TERMS:
            raise CertificateFormatError(
                f"multiplier (c + sum of {n} squares)^{k} has {math.comb(n + k, k)} terms (limit "
                f"{MAX_MULTIPLIER_TERMS}): too large to expand")
        sub = doc["substitution"]
        if sub not in SUBSTITUTIONS:
            raise CertificateFormatError(f"substitution must be one of {list(SUBSTITUTIONS)}, "
                                         f"got {_short(sub)}")
        blocks = tuple(_block(b, n, len(ineqs), i) for i, b in enumerate(doc["blocks"]))
        terms = []
        for i, t in enumerate(doc["equality_multipliers"]):
            where = f"equality_multipliers[{i}]"
            if not isinstance(t, dict):
                raise CertificateFormatError(f"{where} must be an object")
            g = t.get("generator")
            if not _is_int(g) or not 0 <= g < len(eqs):
                raise CertificateFormatError(f"{where}.generator must index one of the "
                                             f"{len(eqs)} domain equalities, got {_short(g)}")
            terms.append(EqualityTerm(g, poly_from_json(t.get("polynomial"), n,
                                                        f"{where}.polynomial")))
        prov = doc.get("provenance", {})
        if not isinstance(prov, dict):
            raise CertificateFormatError(f"provenance must be an object, got {_short(prov)}")
        return cls(text=text, variables=tuple(names), polynomial=p, inequalities=ineqs,
                   equalities=eqs, multiplier_constant=c, multiplier_power=int(k),
                   substitution=sub, blocks=blocks, equality_terms=tuple(terms),
                   provenance=prov, statement_sha256=sha,
                   matrices=tuple(tuple(m) for m in mats))



def statement_digest(statement: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the statement object (its ``sha256`` key left out).

    Examples
    --------
    >>> statement_digest({"text": "x >= 0"}) == statement_digest({"text": "x >= 0", "sha256": "?"})
    True
    """
    body = {k: v for k, v in statement.items() if k != "sha256"}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canon.encode()).hexdigest()


def parse_json(text: str, source: str = "<string>") -> Any:
    """Strict JSON: duplicate keys, NaN/Infinity, huge integer literals and deep nesting
    are refused (the same rules as the 2->q format)."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                         parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise CertificateFormatError(f"certificate file {source!r} is not valid JSON "
                                     f"(truncated?): {exc}") from None
    except RecursionError:
        raise CertificateFormatError(f"certificate file {source!r} is nested too deeply") \
            from None
    _check_depth(doc, source)
    return doc


def is_sos_document(text: str) -> bool:
    """Whether JSON text declares the general SoS schema (a cheap test used for dispatch;
    the reader then validates everything).

    Examples
    --------
    >>> is_sos_document('{"schema": "specproof.sos-certificate/1"}')
    True
    """
    if SOS_SCHEMA not in text:
        return False
    try:
        doc = parse_json(text)
    except CertificateFormatError:
        return True  # declared, but broken: the SoS reader reports what is wrong
    return not isinstance(doc, dict) or doc.get("schema") == SOS_SCHEMA


def from_two_to_q(cert) -> SoSCertificate:
    """The 2->q certificate ``||X||_{2->q}^q <= C`` in the general format.

    It is the special case ``p(v) = C||v||^q - sum_i <x_i, v>^q`` of ``p = sigma`` (one
    block, generator 1, no multiplier), with the same basis and Gram matrix; the general
    checker then re-derives the identity from ``p`` (here computed by the 2->q checker's
    own :func:`~specproof.certificates.polynomial.target_coefficients`).

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> from specproof.certificates.check_sos import check_sos
    >>> check_sos(from_two_to_q(boolean_cube_certificate(3))).ok
    True
    """
    from specproof.certificates.polynomial import target_coefficients

    if cert.gram_rational is None:
        raise ValueError("only an exact 2->q certificate (with gram.rational) converts")
    d = len(cert.basis[0])
    p = {e: c for e, c in target_coefficients(cert.X_rational, cert.C, cert.q).items() if c}
    return SoSCertificate(
        text=f"{cert.statement} (as C||v||^{cert.q} - sum_i <x_i,v>^{cert.q} >= 0, X sha256 "
             f"{cert.x_sha256[:16]})",
        variables=tuple(f"v{j}" for j in range(d)), polynomial=p,
        blocks=(Block((), tuple(cert.basis), tuple(tuple(r) for r in cert.gram_rational)),),
        provenance={"converted_from": "specproof.certificate/1"})
