"""Exact checker of general SoS certificates (``specproof.sos-certificate/1``).

The file claims ``m * p = sum_j g_j (z_j^T G_j z_j) + sum_k h_k tau_k`` (see
:mod:`specproof.certificates.sos_certificate`). This checker, with no tolerance anywhere:

1. recomputes the statement's SHA-256 (a statement edited after the certificate was made
   is reported as such);
2. checks the side conditions that make the identity a proof: ``m > 0`` off the origin
   (``c = 0`` only on all of R^n, where continuity covers the origin), every generator an
   index of a domain inequality or equality, and for ``x_i = y_i^2`` that the domain holds
   every ``x_i >= 0``;
3. expands both sides in its own dictionary arithmetic over :class:`fractions.Fraction`
   (nothing shared with the producer, which multiplies with sympy) and requires equality
   on every monomial;
4. requires each ``G_j`` exactly symmetric and PSD by the exact LDL^T of
   :mod:`specproof.certificates.ldl`.

Why this proves ``p >= 0`` on the domain: at a point of the domain every ``g_j >= 0``,
every ``h_k = 0`` and every ``z^T G z >= 0``, so ``m p >= 0``, and ``m > 0`` there (or the
point is the origin, a limit of points where it is). With ``x_i = y_i^2``, take
``y = sqrt(x)`` at a point ``x >= 0``.
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from specproof.certificates import file_read
from specproof.certificates.certificate import (
    CertificateFormatError,
    CheckResult,
    describe_rational,
)
from specproof.certificates.ldl import ldl_psd
from specproof.certificates.sos_certificate import (
    Block,
    Exponent,
    Poly,
    SoSCertificate,
    parse_json,
    statement_digest,
)
from specproof.certificates.sos_domain import CONSTANT_NAMES, contradictory_bounds

__all__ = ["Block", "SoSCertificate", "SoSCheckResult", "check_sos"]


@dataclass(frozen=True)
class SoSCheckResult(CheckResult):
    """A :class:`CheckResult` for a general SoS certificate; ``statement`` holds the
    user's statement and ``x_sha256`` the statement's SHA-256."""

    @property
    def verdict_line(self) -> str:
        """``VALID: <statement> (statement sha256 ...): <why>`` or ``INVALID: <reason>``."""
        if not self.ok:
            return _printable(" ".join(f"INVALID: {self.reason}".split()))
        return _printable(" ".join(f"VALID: {self.statement} (statement sha256 "
                                   f"{self.x_sha256[:16]}): {self.message}".split()))


def _printable(line: str) -> str:
    """``line`` with control characters shown as escapes: a statement text holding
    terminal escape codes drew a forged ``VALID:`` line over the real one."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in line)


def _fail(code: str, reason: str, cert: SoSCertificate | None = None,
          **details: Any) -> SoSCheckResult:
    ident = {} if cert is None else {"statement": cert.text, "x_sha256": cert.statement_sha256}
    return SoSCheckResult(ok=False, reason=reason, code=code, message=reason, exact=True,
                          details=details, **ident)


def check_sos(source: str | os.PathLike | SoSCertificate | dict) -> SoSCheckResult:
    """Check a general SoS certificate exactly.

    Parameters
    ----------
    source : path, SoSCertificate or dict
        The file, the object, or its JSON document.

    Returns
    -------
    SoSCheckResult
        ``ok`` iff every step above holds; never raises on a bad file (``code`` is
        ``"malformed"``, ``"statement_mismatch"``, ``"bad_multiplier"``,
        ``"bad_generator"``, ``"not_symmetric"``, ``"identity_mismatch"`` or ``"not_psd"``).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> cert = SoSCertificate(text="x^2 - 2x + 1 >= 0", variables=("x",),
    ...     polynomial={(2,): F(1), (1,): F(-2), (0,): F(1)},
    ...     blocks=(Block((), ((0,), (1,)), ((F(1), F(-1)), (F(-1), F(1)))),))
    >>> check_sos(cert).ok
    True
    """
    try:
        if isinstance(source, SoSCertificate):
            doc = source.to_dict()
        elif isinstance(source, dict):
            doc = source
        else:
            # once, a regular file of at most 256 MiB
            doc = parse_json(file_read.read_certificate_text(source), os.fspath(source))
        cert = SoSCertificate.from_dict(doc)
        # inside: a dict given in Python may hold what JSON cannot (a set beside the
        # statement's fields), and the digest raised TypeError out of a checker that
        # never raises
        digest = statement_digest(doc["statement"])
    except CertificateFormatError as exc:
        return _fail("malformed", f"malformed certificate: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail("malformed", f"malformed certificate: cannot read it: {exc}")
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            RecursionError, MemoryError) as exc:
        return _fail("malformed", f"malformed certificate: {type(exc).__name__}: "
                                  f"{str(exc)[:200]}")
    if digest != cert.statement_sha256:
        return _fail("statement_mismatch", "the statement was changed after the certificate "
                     f"was made: its SHA-256 is {digest[:16]}..., the file records "
                     f"{cert.statement_sha256[:16]}...", cert)
    bad = _relation_in_text(cert.text) or _side_conditions(cert)
    if bad is not None:
        return _fail(*bad, cert)
    t0 = time.perf_counter()
    try:
        work = _Work(MAX_PRODUCTS)
        lhs, rhs = _lhs(cert, work), _rhs(cert, work)
    except (_TooMuchWork, MemoryError):
        return _fail("malformed", "malformed certificate: expanding its identity takes more "
                     f"than {MAX_PRODUCTS:,} coefficient products (counted per "
                     f"{WORK_VARIABLES} variables; a product of generators or a multiplier "
                     "power this large is refused rather than run for ages)", cert)
    wrong = sorted(e for e in set(lhs) | set(rhs) if lhs.get(e, 0) != rhs.get(e, 0))
    checked = len(set(lhs) | set(rhs))
    details: dict[str, Any] = {"monomials_checked": checked,
                               "identity_seconds": time.perf_counter() - t0,
                               "blocks": [len(b.basis) for b in cert.blocks]}
    if wrong:
        e = wrong[0]
        diff = lhs.get(e, Fraction(0)) - rhs.get(e, Fraction(0))
        return _fail("identity_mismatch", f"identity fails at {len(wrong)} of {checked} "
                     f"monomials, e.g. {_monomial(cert.variables, e, cert.substitution)}: "
                     f"m*p - sum g sigma - sum h tau has coefficient {describe_rational(diff)}",
                     cert, **details)
    t0 = time.perf_counter()
    ranks = []
    for j, b in enumerate(cert.blocks):
        N = len(b.gram)
        for a in range(N):
            for c in range(a):
                if b.gram[a][c] != b.gram[c][a]:
                    return _fail("not_symmetric", f"blocks[{j}].gram is not symmetric: entry "
                                 f"({a}, {c}) = {describe_rational(b.gram[a][c])} but ({c}, {a}) "
                                 f"= {describe_rational(b.gram[c][a])}", cert, **details)
        ldl = ldl_psd(b.gram)
        if not ldl.psd:
            return _fail("not_psd", f"identity holds but blocks[{j}].gram is not PSD: "
                         f"{ldl.reason}", cert, **details)
        ranks.append(ldl.rank)
    details["ldl_seconds"] = time.perf_counter() - t0
    details["ranks"] = ranks
    where = "on all of R^n" if not (cert.inequalities or cert.equalities) else \
        f"on the domain {_domain_text(cert)}"
    if cert.substitution == "squares":
        where += " by x_i = y_i^2"
    shadowing = [v for v in cert.variables if v in CONSTANT_NAMES]
    if shadowing:
        # "VALID: I**2 >= 0" read as -1 >= 0 by anyone who takes I for the imaginary unit
        where += (f" ({shadowing[0]} is a real variable here, not the constant of that name)"
                  if len(shadowing) == 1 else f" ({', '.join(shadowing)} are real variables "
                  "here, not the constants of those names)")
    deg = max((sum(e) for e in cert.polynomial), default=0)
    msg = (f"certified exactly {where} for the file's p ({len(cert.polynomial)} terms, degree "
           f"{deg}): (multiplier {cert.multiplier_text}) * p = "
           f"{_terms_text(cert)} holds on all {checked} monomials and every Gram matrix is "
           f"PSD (exact LDL^T; sizes {[len(b.basis) for b in cert.blocks]})")
    return SoSCheckResult(ok=True, message=msg, exact=True, details=details,
                          statement=cert.text, x_sha256=cert.statement_sha256)


def _poly_text(p: Poly, names, limit: int | None = 60) -> str:
    """A rendering of a polynomial, e.g. ``'1 - x^2 - y^2'`` (cut at ``limit``; None:
    whole)."""
    parts = []
    for e, c in sorted(p.items(), key=lambda t: (-sum(t[0]), t[0]), reverse=True):
        if c == 0:
            continue
        mono = "*".join(f"{v}^{a}" if a > 1 else v for v, a in zip(names, e, strict=True) if a)
        mag = abs(c)
        coef = "" if mono and mag == 1 else describe_rational(mag)
        term = f"{coef}*{mono}" if coef and mono else (coef or mono)
        parts.append(("- " if c < 0 else "+ ") + term)
    text = " ".join(parts).removeprefix("+ ") or "0"
    if text.startswith("- "):
        text = "-" + text[2:]
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def _domain_text(cert: SoSCertificate) -> str:
    names = cert.variables
    # in full: the domain is what the proof assumes, and the statement text does not carry
    # it, so a constraint cut off here (an added x - 2 = 0) would be hidden from the reader
    parts = [f"{_poly_text(g, names, limit=None)} >= 0" for g in cert.inequalities]
    parts += [f"{_poly_text(h, names, limit=None)} = 0" for h in cert.equalities]
    shown = "; ".join(parts)
    # a coefficient of 200 bits or more is shown by its size: a forged x >= 1 + 1/a next
    # to x**3 <= 1 with a = 10**400 + 1 read "about 2^1328" on both sides, an empty domain
    # (on which everything is VALID) that looked like the point x = 1
    sized = sum(1 for q in (*cert.inequalities, *cert.equalities) for c in q.values()
                if c and abs(Fraction(c).numerator).bit_length()
                + Fraction(c).denominator.bit_length() >= 200)
    warn = (f"; {sized} of its coefficients are shown by their size only (200 bits or "
            "more): read them in the file, for on an empty domain every statement is VALID"
            if sized else "")
    return f"{{{shown}}} ({len(cert.inequalities)} inequalities, {len(cert.equalities)} " \
        f"equalities{warn})"


def _terms_text(cert: SoSCertificate) -> str:
    plain = sum(1 for b in cert.blocks if not b.generator)
    parts = [f"{plain} SoS block{'s' if plain != 1 else ''}"] if plain else []
    gens = sorted({b.generator for b in cert.blocks if b.generator})
    parts += ["*".join(f"g{i}" for i in g) + " * SoS" for g in gens]
    parts += [f"h{t.generator} * tau" for t in cert.equality_terms]
    return " + ".join(parts) if parts else "0"


def _relation_in_text(text: str) -> tuple[str, str] | None:
    """The file proves an inequality: a text that states an identity (``==`` or a lone
    ``=``) or no inequality at all does not describe it. (``specproof check`` also parses
    the text; this is the part a checker without a parser can see.)"""
    t = text.replace("\u2265", ">=").replace("\u2264", "<=")
    rest = t.replace("<=", "").replace(">=", "")
    if "=" in rest or "\u2260" in rest:
        return ("statement_mismatch", f"the statement text {text[:80]!r} states an identity "
                "('=' or '=='); the certificate proves an inequality p >= 0")
    if rest == t:
        return ("statement_mismatch", f"the statement text {text[:80]!r} states no inequality "
                "(>= or <=); the certificate proves p >= 0")
    return None


def _side_conditions(cert: SoSCertificate) -> tuple[str, str] | None:
    n = len(cert.variables)
    zero = (0,) * n
    for i, g in enumerate(cert.inequalities):
        if all(e == zero for e, c in g.items() if c) and g.get(zero, 0) < 0:
            # {-1 >= 0} is empty: every p would be "proved" on it (p = sigma_0 - sigma_1)
            return ("bad_generator", f"domain inequality {i} is the constant "
                    f"{describe_rational(g[zero])} >= 0, so the domain is empty and the "
                    "certificate would prove anything")
    for i, h in enumerate(cert.equalities):
        if all(e == zero for e, c in h.items() if c) and h.get(zero, 0) != 0:
            return ("bad_generator", f"domain equality {i} is the constant "
                    f"{describe_rational(h[zero])} = 0, so the domain is empty and the "
                    "certificate would prove anything")
    empty = contradictory_bounds(cert)
    if empty is not None:
        return ("bad_generator", f"{empty}, so the domain is empty and the certificate would "
                "prove anything")
    if cert.multiplier_power > 0 and cert.multiplier_constant == 0:
        has_domain = cert.equalities or any(
            not _is_coordinate(g, n) for g in cert.inequalities) or (
            cert.inequalities and cert.substitution != "squares")
        if has_domain:
            return ("bad_multiplier", "the multiplier (sum y_i^2)^k vanishes at the origin, "
                    "which is allowed only on all of R^n (or the orthant with x = y^2), where "
                    "continuity covers it; this file has other domain constraints")
    if cert.substitution == "squares":
        coords = {_coordinate(g, n) for g in cert.inequalities} - {None}
        if coords != set(range(n)):
            missing = [cert.variables[j] for j in range(n) if j not in coords]
            return ("bad_generator", "substitution x = y^2 needs every x_i >= 0 in the "
                    f"domain; missing for {missing}")
    for t in cert.equality_terms:
        if not 0 <= t.generator < len(cert.equalities):  # pragma: no cover - reader checks
            return ("bad_generator", f"equality generator {t.generator} out of range")
    return None


def _coordinate(g: Poly, n: int) -> int | None:
    """``i`` when ``g`` is exactly ``x_i`` (coefficient 1, a constraint ``x_i >= 0``)."""
    items = [(e, c) for e, c in g.items() if c != 0]
    if len(items) == 1 and items[0][1] == 1 and sum(items[0][0]) == 1:
        return items[0][0].index(1)
    return None


def _is_coordinate(g: Poly, n: int) -> bool:
    return _coordinate(g, n) is not None


def _monomial(names, e: Exponent, substitution: str) -> str:
    var = names if substitution == "none" else [f"y_{v}" for v in names]
    text = "*".join(f"{v}^{a}" if a > 1 else v for v, a in zip(var, e, strict=True) if a)
    return text or "the constant term"


MAX_PRODUCTS = 2_000_000
"""Most coefficient products the identity expansion may take (a few seconds to a minute):
a small file that multiplies eight copies of a dense generator must not run for hours."""

WORK_VARIABLES = 8
"""A product over ``n`` variables counts ``ceil(n / WORK_VARIABLES)`` times against
:data:`MAX_PRODUCTS` (its cost and its result grow with ``n``)."""


class _TooMuchWork(Exception):
    pass


class _Work:
    """Counts coefficient products and stops the expansion past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise _TooMuchWork


def _mul(a: Poly, b: Poly, work: _Work) -> Poly:
    # a product costs (and its result holds) one exponent entry per variable: a 22 KB
    # file with 400 variables stayed under the product count and took 6 GB; the budget
    # counts products of up to WORK_VARIABLES variables as one
    n = len(next(iter(a), ()))
    work.spend(len(a) * len(b) * max(1, -(-n // WORK_VARIABLES)))
    out: Poly = {}
    for ea, ca in a.items():
        if ca == 0:
            continue
        for eb, cb in b.items():
            if cb == 0:
                continue
            e = tuple(x + y for x, y in zip(ea, eb, strict=True))
            out[e] = out.get(e, Fraction(0)) + ca * cb
    return out


def _add_into(acc: Poly, b: Poly) -> None:
    for e, c in b.items():
        acc[e] = acc.get(e, Fraction(0)) + c


def _substituted(p: Poly, substitution: str) -> Poly:
    if substitution == "none":
        return p
    return {tuple(2 * a for a in e): c for e, c in p.items()}


def _lhs(cert: SoSCertificate, work: _Work) -> Poly:
    n = len(cert.variables)
    zero = (0,) * n
    base = {zero: Fraction(cert.multiplier_constant)}
    for i in range(n):
        e = tuple(2 if j == i else 0 for j in range(n))
        base[e] = base.get(e, Fraction(0)) + 1
    m: Poly = {zero: Fraction(1)}
    for _ in range(cert.multiplier_power):
        m = _mul(m, base, work)
    return _mul(m, _substituted(cert.polynomial, cert.substitution), work)


def _quadratic_form(basis: tuple[Exponent, ...], gram) -> Poly:
    # not counted as work: the file lists every one of the N^2 entries, so this is linear
    # in its size (products of generators and multiplier powers are not)
    out: Poly = {}
    for a, za in enumerate(basis):
        row = gram[a]
        for b, zb in enumerate(basis):
            g = row[b]
            if g:
                e = tuple(x + y for x, y in zip(za, zb, strict=True))
                out[e] = out.get(e, Fraction(0)) + g
    return out


def _rhs(cert: SoSCertificate, work: _Work) -> Poly:
    n = len(cert.variables)
    ineqs = [_substituted(g, cert.substitution) for g in cert.inequalities]
    eqs = [_substituted(h, cert.substitution) for h in cert.equalities]
    out: Poly = {}
    for b in cert.blocks:
        term = _quadratic_form(b.basis, b.gram)
        for i in b.generator:
            term = _mul(term, ineqs[i], work)
        _add_into(out, term)
    for t in cert.equality_terms:
        _add_into(out, _mul(eqs[t.generator], t.polynomial, work))
    return {e: c for e, c in out.items() if c != 0} if n else out
