"""The strategies of :func:`specproof.lemmas.prove`: global SoS with multipliers, the
orthant by ``x = y^2``, Putinar / Schmuedgen on a domain; and the certificate they make.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations_with_replacement
from typing import Any

from specproof.certificates.check_sos import check_sos
from specproof.certificates.sos_certificate import Block, EqualityTerm, SoSCertificate
from specproof.lemmas.exact_gram import poly_mul
from specproof.lemmas.newton import affine_hull_equations, all_monomials, half_newton_basis
from specproof.lemmas.prove import Proved, to_poly
from specproof.lemmas.prove_limits import gram_too_big
from specproof.lemmas.prove_scaled import scaled_global, square_proof
from specproof.lemmas.sos_program import FreeTerm, SoSTerm
from specproof.lemmas.sos_search import Attempt, attempt
from specproof.lemmas.symmetry import character, invariant_flips, split_by_character
from specproof.lemmas.verdicts import Undecided

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]


class Tried(list):
    """The list of attempts; with ``echo`` each one is printed to stderr as it finishes
    (progress on a terminal: an attempt can take seconds to minutes)."""

    def __init__(self, echo: bool) -> None:
        super().__init__()
        self.echo = echo

    def append(self, line: str) -> None:
        super().append(line)
        if self.echo:
            print(f"prove: {line}", file=sys.stderr, flush=True)


@dataclass
class Success:
    attempt: Attempt
    target: Poly
    constant: Fraction
    power: int
    method: str
    free: list[FreeTerm]
    note: str


def _degree(p: Poly) -> int:
    return max((sum(e) for e in p), default=0)


def _reznick(n: int, c: int, k: int) -> Poly:
    zero = (0,) * n
    base: Poly = {zero: Fraction(c)} if c else {}
    for i in range(n):
        base[tuple(2 * (j == i) for j in range(n))] = Fraction(1)
    m: Poly = {zero: Fraction(1)}
    for _ in range(k):
        m = poly_mul(m, base)
    return m


def _grading_note(support: list[Exponent], basis: list[Exponent], n: int) -> str:
    W, _ = affine_hull_equations(support)
    full = len(all_monomials(n, max((sum(b) for b in basis), default=0)))
    kind = "bihomogeneous" if W.shape[0] >= 2 else ("homogeneous" if W.shape[0] == 1 else
                                                    "affine")
    return f"Newton basis {len(basis)} of {full} monomials ({kind} support)"


def _global(f: Poly, n: int, multiplier: str, max_power: int, degree: int | None,
            solver: str, bits: int | None, tried: list[str], label: str,
            zero_constant_ok: bool = True) -> Success | None:
    if not f:
        return Success(Attempt(True), f, Fraction(0), 0, "sos" + label, [], "zero polynomial")
    homogeneous = len({sum(e) for e in f}) == 1
    plans: list[tuple[int, int]] = []
    if multiplier in ("auto", "none"):
        plans.append((0, 0))
    if multiplier in ("auto", "reznick"):
        c = 0 if homogeneous and zero_constant_ok else 1
        plans += [(c, k) for k in range(1, max_power + 1)]
    for c, k in plans:
        target = poly_mul(_reznick(n, c, k), f) if k else dict(f)
        target = {e: v for e, v in target.items() if v != 0}
        D = _degree(target)
        mtext = "none" if k == 0 else f"({c} + sum x_i^2)^{k}" if c else f"(sum x_i^2)^{k}"
        if degree is not None and D > degree:
            tried.append(f"SoS{label} with multiplier {mtext}: degree {D} exceeds degree="
                         f"{degree}")
            continue
        if D % 2 or any(sum(e) % 2 == 1 and sum(e) == D for e in target):
            tried.append(f"SoS{label}: the polynomial has odd degree {D}, so it takes "
                         "negative values somewhere (refute finds where)")
            return None
        support = list(target)
        basis = half_newton_basis(support)
        flips = invariant_flips(support)
        blocks = split_by_character(basis, flips)
        note = (f"{_grading_note(support, basis, n)}, {len(blocks)} sign-symmetry blocks "
                f"{sorted((len(b) for b in blocks), reverse=True)[:8]}")
        zero = (0,) * n
        skip = gram_too_big([len(b) for b in blocks])
        if skip is not None:
            tried.append(f"SoS{label}, multiplier {mtext}, degree {D}, {note}: {skip}")
            continue
        a = attempt(target, [SoSTerm((), {zero: Fraction(1)}, blocks)], [], solver, bits)
        tried.append(f"SoS{label}, multiplier {mtext}, degree {D}, {note}: "
                     f"{'proved' if a.ok else a.reason}")
        if a.ok:
            return Success(a, target, Fraction(c), k, "sos" + label, [], note)
    return None


def _putinar(f: Poly, ineqs: list[tuple[int, Poly]], eqs: list[tuple[int, Poly]], n: int,
             degree: int | None, generators: str, solver: str, bits: int | None,
             tried: list[str], label: str) -> Success | None:
    gens: list[tuple[tuple[int, ...], Poly]] = [((i,), g) for i, g in ineqs]
    if generators == "schmudgen":
        for (i, g), (j, h) in combinations_with_replacement(ineqs, 2):
            if i != j:
                gens.append(((i, j), poly_mul(g, h)))
    d0 = max([_degree(f)] + [_degree(g) for _, g in gens] + [_degree(h) for _, h in eqs])
    d0 += d0 % 2
    top = degree if degree is not None else d0 + 2
    support = list(f) + [e for _, g in gens for e in g] + [e for _, h in eqs for e in h]
    flips = invariant_flips(support)
    trivial = tuple(0 for _ in flips)
    zero = (0,) * n
    for D in range(d0, top + 1, 2):
        terms = [SoSTerm((), {zero: Fraction(1)},
                         split_by_character(all_monomials(n, D // 2), flips))]
        for gen, g in gens:
            k = (D - _degree(g)) // 2
            if k >= 0:
                terms.append(SoSTerm(gen, g, split_by_character(all_monomials(n, k), flips)))
        free = [FreeTerm(i, h, [e for e in all_monomials(n, D - _degree(h))
                                if character(e, flips) == trivial]) for i, h in eqs]
        free = [ft for ft in free if ft.basis]
        what = "Schmuedgen" if generators == "schmudgen" else "Putinar"
        sizes = [len(b) for t in terms for b in t.blocks]
        skip = gram_too_big(sizes)
        if skip is not None:  # a higher degree only grows the blocks
            tried.append(f"{what}{label} at degree {D}: {skip}")
            break
        a = attempt(f, terms, free, solver, bits)
        tried.append(f"{what}{label} at degree {D} (sigma_0 and {len(terms) - 1} constraint "
                     f"multipliers, "
                     f"{len(free)} equality multipliers, Gram blocks {sizes[:8]}"
                     f"{'...' if len(sizes) > 8 else ''}): {'proved' if a.ok else a.reason}")
        if a.ok:
            return Success(a, f, Fraction(0), 0, what.lower() + label, free, "")
    return None


def _coordinate(g: Poly) -> int | None:
    items = [(e, c) for e, c in g.items() if c != 0]
    if len(items) == 1 and items[0][1] == 1 and sum(items[0][0]) == 1:
        return items[0][0].index(1)
    return None


def _squares(p: Poly) -> Poly:
    return {tuple(2 * a for a in e): c for e, c in p.items()}


def _diagonal_proof(st: Any, text: str, p: dict, t0: float,
                    tried: list[str]) -> Proved | None:
    """``p`` as a sum of ``c x^(2a)`` with every ``c >= 0``: a diagonal Gram matrix, no
    solver. Tried when the solver's search failed: ``x**2 + 1e-6 >= 0`` and ``10**6*x**2
    + 1 >= 0`` stayed UNDECIDED (the solver called the badly scaled 1 x 1 blocks
    infeasible), though every term is a non-negative multiple of a square."""
    terms = [(e, Fraction(c)) for e, c in p.items() if c]
    if not terms or any(c < 0 or any(k % 2 for k in e) for e, c in terms):
        return None
    basis = tuple(tuple(k // 2 for k in e) for e, _ in terms)
    gram = tuple(tuple(c if i == j else Fraction(0) for j, (_, c) in enumerate(terms))
                 for i in range(len(terms)))
    cert = SoSCertificate(text=text, variables=tuple(str(v) for v in st.variables),
                          polynomial=dict(terms), blocks=(Block((), basis, gram),),
                          provenance={"method": "diagonal"},
                          matrices=tuple((m.label, int(m.shape[0]), int(m.shape[1]), m.kind)
                                         for m in getattr(st, "matrices", ())))
    verdict = check_sos(cert)
    if not verdict.ok:  # pragma: no cover - a sum of squares by construction
        return None
    tried.append("every term is a non-negative multiple of a square: a diagonal Gram matrix")
    return Proved(text=text, certificate=cert, method="diagonal", degree=_degree(p),
                  basis_sizes=(len(basis),), seconds=time.perf_counter() - t0,
                  check_message=verdict.message, details={"tried": list(tried)})


def _constant_set_aside(p: Poly, n: int, degree: int | None, solver: str, bits: int | None,
                        tried: list[str]) -> Success | None:
    """``p = q + c`` with a constant ``c > 0``: a plain SoS proof of ``q >= 0``, with ``c``
    added to the Gram entry of the monomial 1 (or as a block ``[c]`` of its own).

    Tried on all of R^n after the search failed: ``x**2 + y**2 >= 2*x*y - 1e-300`` stayed
    UNDECIDED, the solver lost in the scale of the tiny constant, though ``(x - y)^2`` is a
    square. Adding ``c >= 0`` to a diagonal entry keeps the Gram matrix PSD, exactly.
    """
    zero = (0,) * n
    c = Fraction(p.get(zero, 0))
    if c <= 0 or not any(v for e, v in p.items() if e != zero):
        return None
    q = {e: v for e, v in p.items() if e != zero and v}
    found = _global(q, n, "none", 0, degree, solver, bits, tried,
                    " (its positive constant set aside)")
    if found is None or found.power or not found.attempt.terms:
        return None
    a, term = found.attempt, found.attempt.terms[0]
    for b, basis in enumerate(term.blocks):
        if zero in basis:
            i = list(basis).index(zero)
            rows = [list(r) for r in a.grams[0][b]]
            rows[i][i] += c
            a.grams[0][b] = rows
            break
    else:
        term.blocks.append([zero])
        a.grams[0].append([[c]])
    shown = str(c) if len(str(c)) <= 24 else \
        format(Decimal(c.numerator) / Decimal(c.denominator), ".3g")
    return Success(a, p, Fraction(0), 0, found.method, found.free,
                   f"{found.note}; the constant {shown} added to the Gram entry of 1")


def _constraint_multiple(st: Any, text: str, p: Poly, ineqs: list[Poly], eqs: list[Poly],
                         t0: float, tried: list[str]) -> Proved | None:
    """``p = c g_i + d`` for a domain inequality ``g_i >= 0`` and rationals ``c, d >= 0``:
    a certificate with the 1 x 1 Gram blocks ``[c]`` (multiplier of ``g_i``) and ``[d]``,
    no solver (see the caller)."""
    zero = (0,) * len(st.variables)
    for i, g in enumerate(ineqs):
        moving = [e for e in set(p) | set(g) if e != zero and (p.get(e, 0) or g.get(e, 0))]
        if not moving or not g.get(moving[0]):
            continue
        c = Fraction(p.get(moving[0], 0)) / Fraction(g[moving[0]])
        d = Fraction(p.get(zero, 0)) - c * Fraction(g.get(zero, 0))
        if c <= 0 or d < 0 or any(p.get(e, 0) != c * g.get(e, 0) for e in moving):
            continue
        blocks = [Block((i,), (zero,), ((c,),))]
        if d:
            blocks.append(Block((), (zero,), ((d,),)))
        cert = SoSCertificate(text=text, variables=tuple(str(v) for v in st.variables),
                              polynomial=dict(p), inequalities=tuple(ineqs),
                              equalities=tuple(eqs), blocks=tuple(blocks),
                              provenance={"method": "constraint multiple"},
                              matrices=tuple((m.label, int(m.shape[0]), int(m.shape[1]), m.kind)
                                             for m in getattr(st, "matrices", ())))
        verdict = check_sos(cert)
        if not verdict.ok:  # pragma: no cover - an identity by construction
            continue
        tried.append(f"lhs - rhs is {c} times constraint {i + 1} plus {d}: 1 x 1 Gram blocks")
        return Proved(text=text, certificate=cert, method="constraint multiple", degree=_degree(p),
                      basis_sizes=tuple(1 for _ in blocks), seconds=time.perf_counter() - t0,
                      check_message=verdict.message, details={"tried": list(tried)})
    return None


def run_paths(st: Any, text: str, t0: float, *, degree: int | None, multiplier: str,
              solver: str, max_power: int, generators: str,
              bits: int | None, progress: bool = False) -> Proved | Undecided:
    """Try the strategies in order and return the first exact, checked proof."""
    variables = st.variables
    n = len(variables)
    p = to_poly(st.difference(), variables)
    ineqs = [to_poly(g, variables) for g in st.domain.inequalities]
    eqs = [to_poly(h, variables) for h in st.domain.equalities]
    tried: list[str] = Tried(progress)
    substitution = "none"
    zero = (0,) * n
    if all(e == zero for e, c in p.items() if c) and p.get(zero, 0) >= 0:
        # lhs - rhs is a constant c >= 0 (e.g. ``0 >= 0`` over a PSD matrix): the
        # certificate is the 1x1 Gram matrix [c] on the basis {1}; no solver needed
        # (a zero target used to reach the solver and raise)
        c = Fraction(p.get(zero, 0))
        cert = SoSCertificate(text=text, variables=tuple(str(v) for v in variables),
                              polynomial={zero: c} if c else {}, inequalities=tuple(ineqs),
                              equalities=tuple(eqs), blocks=(Block((), (zero,), ((c,),)),),
                              provenance={"method": "constant"},
                              matrices=tuple((m.label, int(m.shape[0]), int(m.shape[1]),
                                              m.kind) for m in getattr(st, "matrices", ())))
        verdict = check_sos(cert)
        if verdict.ok:
            return Proved(text=text, certificate=cert, method="constant", degree=0,
                          basis_sizes=(1,), seconds=time.perf_counter() - t0,
                          check_message=verdict.message,
                          details={"tried": [f"lhs - rhs is the constant {c} >= 0"]})
    if not ineqs and not eqs:
        found = _global(p, n, multiplier, max_power, degree, solver, bits, tried, "")
    else:
        if ineqs and (degree is None or _degree(p) <= degree):
            # exact and at once: the solver, asked first, failed to allocate its work for
            # x >= 0 on [0, 1e308] (the hypothesis itself), which stayed UNDECIDED
            multiple = _constraint_multiple(st, text, p, ineqs, eqs, t0, tried)
            if multiple is not None:
                return multiple
        found = None
        coords = {_coordinate(g) for g in ineqs}
        if coords >= set(range(n)) and not eqs:
            others = [(i, _squares(g)) for i, g in enumerate(ineqs) if _coordinate(g) is None]
            if not others:
                found = _global(_squares(p), n, multiplier, max_power, degree, solver, bits,
                                tried, " (x = y^2)")
            else:
                found = _putinar(_squares(p), others, [], n, degree, generators, solver, bits,
                                 tried, " (x = y^2)")
            substitution = "squares" if found else "none"
        if found is None:
            found = _putinar(p, list(enumerate(ineqs)), list(enumerate(eqs)), n, degree,
                             generators, solver, bits, tried, "")
    # after a search that ran and failed, within the options asked for (no multiplier,
    # the degree), not in place of them
    if (found is None and tried and not ineqs and not eqs and multiplier != "reznick"
            and (degree is None or _degree(p) <= degree)):
        diagonal = _diagonal_proof(st, text, p, t0, tried)
        if diagonal is not None:
            return diagonal
        found = _constant_set_aside(p, n, degree, solver, bits, tried)
        if found is None:
            found = square_proof(p, n, tried, Success)
        if found is None:
            found = scaled_global(p, n, degree, solver, bits, tried, _global)
    if found is None:
        if not tried:  # say why, rather than "tried " with nothing after it
            tried.append(f"no attempt fits degree={degree}, multiplier={multiplier!r}, "
                         f"max_power={max_power} (the statement has degree {_degree(p)}; "
                         "raise degree or max_power)")
        return Undecided(text=text, tried=tuple(tried))
    a = found.attempt
    blocks = tuple(Block(term.generator, tuple(basis), tuple(tuple(r) for r in a.grams[t][b]))
                   for t, term in enumerate(a.terms) for b, basis in enumerate(term.blocks))
    eq_terms = tuple(EqualityTerm(ft.generator, tau)
                     for ft, tau in zip(found.free, a.taus, strict=True))
    prov = {"method": found.method, "solver": a.solver, "t_star": a.t_star,
            "facial_reductions": a.faces, "bits": a.bits, "solve_seconds": a.solve_seconds,
            "round_seconds": a.round_seconds, "basis": found.note}
    cert = SoSCertificate(text=text, variables=tuple(str(v) for v in variables), polynomial=p,
                          inequalities=tuple(ineqs), equalities=tuple(eqs),
                          multiplier_constant=found.constant, multiplier_power=found.power,
                          substitution=substitution, blocks=blocks, equality_terms=eq_terms,
                          provenance=prov,
                          matrices=tuple((m.label, int(m.shape[0]), int(m.shape[1]), m.kind)
                                         for m in getattr(st, "matrices", ())))
    t_check = time.perf_counter()
    verdict = check_sos(cert)
    prov["check_seconds"] = time.perf_counter() - t_check
    if not verdict.ok:  # pragma: no cover - the producer and checker disagree: a bug
        tried.append(f"the independent checker rejected the certificate: {verdict.reason}")
        return Undecided(text=text, tried=tuple(tried))
    return Proved(text=text, certificate=cert, method=found.method,
                  multiplier=cert.multiplier_text, degree=_degree(found.target),
                  basis_sizes=tuple(len(b.basis) for b in blocks),
                  seconds=time.perf_counter() - t0, check_message=verdict.message,
                  details={**prov, "tried": list(tried)})
