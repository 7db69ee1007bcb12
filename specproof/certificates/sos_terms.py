"""The terms of a general SoS certificate (:mod:`specproof.certificates.sos_certificate`)
and their JSON fields: exponents, polynomials, the Gram blocks ``g_j * z_j^T G_j z_j`` and
the equality multipliers ``h_k * tau_k``, each validated as it is read, within the format's
limits on degree, basis size and generator length.

Like the document reader it belongs to, it imports nothing of the producer side (the
import-linter contract on ``sos_certificate`` covers what that module imports).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from specproof.certificates.rational_text import (
    CertificateFormatError,
    _short,
    check_common_denominator,
    parse_rational,
    rational_str,
)

MAX_DEGREE = 64
MAX_BASIS = 4000
MAX_GENERATOR_FACTORS = 8

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]


@dataclass(frozen=True)
class Block:
    """One SoS term ``g * z^T G z``: ``generator`` indexes the domain inequalities whose
    product is ``g`` (empty: ``g = 1``)."""

    generator: tuple[int, ...]
    basis: tuple[Exponent, ...]
    gram: tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class EqualityTerm:
    """One term ``h_k * tau``: ``generator`` indexes the domain equalities."""

    generator: int
    polynomial: Poly


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _exponent(e: Any, n: int, where: str) -> Exponent:
    if (not isinstance(e, list) or len(e) != n
            or not all(_is_int(a) and 0 <= a <= MAX_DEGREE for a in e)):
        raise CertificateFormatError(f"{where} must be a list of {n} integers in "
                                     f"0..{MAX_DEGREE}, got {_short(e)}")
    return tuple(e)


def _block(b: Any, n: int, n_ineq: int, i: int) -> Block:
    where = f"blocks[{i}]"
    if not isinstance(b, dict):
        raise CertificateFormatError(f"{where} must be an object, got {_short(b)}")
    gen = b.get("generator")
    if (not isinstance(gen, list) or len(gen) > MAX_GENERATOR_FACTORS
            or not all(_is_int(g) and 0 <= g < n_ineq for g in gen)):
        raise CertificateFormatError(f"{where}.generator must be a list of at most "
                                     f"{MAX_GENERATOR_FACTORS} indices of the {n_ineq} domain "
                                     f"inequalities, got {_short(gen)}")
    basis = b.get("basis")
    if not isinstance(basis, list) or not basis or len(basis) > MAX_BASIS:
        raise CertificateFormatError(f"{where}.basis must be a list of 1..{MAX_BASIS} "
                                     f"exponent lists, got {_short(basis)}")
    z = tuple(_exponent(e, n, f"{where}.basis[{a}]") for a, e in enumerate(basis))
    if len(set(z)) != len(z):
        raise CertificateFormatError(f"{where}.basis has a repeated monomial")
    gram = b.get("gram")
    N = len(z)
    if not isinstance(gram, list) or len(gram) != N:
        raise CertificateFormatError(f"{where}.gram must be a list of {N} rows, got {_short(gram)}")
    rows = []
    for r, row in enumerate(gram):
        if not isinstance(row, list) or len(row) != N:
            raise CertificateFormatError(f"{where}.gram[{r}] must be a list of {N} rational "
                                         f"strings, got {_short(row)}")
        rows.append(tuple(parse_rational(x, f"{where}.gram[{r}][{c}]") for c, x in enumerate(row)))
    # the exact LDL^T runs over the lcm of the entries' denominators: coprime 8000-digit
    # ones in a 16 x 16 block ran for minutes (each within the per-number digit limit)
    check_common_denominator(rows, f"{where}.gram")
    return Block(tuple(gen), z, tuple(rows))


def poly_to_json(p: Poly) -> list[list[Any]]:
    """``[[exponent list, "p/q"], ...]`` sorted by exponent, zero coefficients left out."""
    return [[list(e), rational_str(c)] for e, c in sorted(p.items()) if c != 0]


def poly_from_json(terms: Any, n: int, where: str) -> Poly:
    """Read ``[[exponent list, "p/q"], ...]``; a repeated exponent is refused."""
    if not isinstance(terms, list):
        raise CertificateFormatError(f"{where} must be a list of [exponents, 'p/q'] terms, got "
                                     f"{_short(terms)}")
    out: Poly = {}
    for t, term in enumerate(terms):
        if not isinstance(term, list) or len(term) != 2:
            raise CertificateFormatError(f"{where}[{t}] must be [exponents, 'p/q'], got "
                                         f"{_short(term)}")
        e = _exponent(term[0], n, f"{where}[{t}][0]")
        if e in out:
            raise CertificateFormatError(f"{where} lists the monomial {list(e)} twice")
        out[e] = parse_rational(term[1], f"{where}[{t}][1]")
    return out
