"""Proofs of badly scaled polynomials: an exact square, or a proof found in balanced
variables ``x_i = 2^e_i y_i`` (coefficients of one size), mapped back to ``x`` exactly.

``(x - 10**8)**2 >= 0`` is ``x^2 - 2e8 x + 1e16``: its Gram matrix on ``(1, x)`` is
``[[1e16, -1e8], [-1e8, 1]]``, whose entries span 16 orders of magnitude, and the solver
(its data scaled to ~1 as a whole) lost the small ones: UNDECIDED, "rounding failed
although t* = 0.555 > 0", and a NumericalError with a multiplier. In ``y = x / 2^27`` the
coefficients are within a factor 4 of each other and the proof is plain. The certificate
stays one of the statement itself: if ``p(2^e y) = m(y)^T G m(y)``, then ``p(x) =
m(x)^T D G D m(x)`` with ``D = diag(2^-<e, beta>)`` over the basis monomials ``beta``, exact
in rationals, and the independent checker reads it like any other.

A perfect square ``c q^2`` (``c > 0``) has a unique, singular Gram matrix ``c v v^T``,
which the solver's interior-point search only approaches: ``(16777216 x - 12500000)^2 >= 0``
was UNDECIDED ("the equations are infeasible") at no scale problem at all. Its square root
is taken exactly, term by term (:func:`square_root`), and its rank-one Gram matrix written.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from specproof.lemmas.exact_gram import Poly
from specproof.lemmas.sos_program import SoSTerm
from specproof.lemmas.sos_search import Attempt

# the most terms of a square root tried (each step is one pass over the terms found)
_FACTOR_TERMS = 2000
# variables are scaled only when the balancing moves some coefficient by at least this
# many binary orders (a scaling by a few powers of two is within what the solver handles)
_MIN_SHIFT = 8


def balancing_exponents(p: Poly, n: int) -> tuple[list[int], int]:
    """Integers ``(e, m)`` minimising the spread of ``log2 |c_alpha 2^(<e, alpha> - m)|``
    (least squares), the coefficients of ``2^-m p(2^e y)``: of one size, and about 1.

    Examples
    --------
    >>> p = {(2,): Fraction(1), (1,): Fraction(-2 * 10**8), (0,): Fraction(10**16)}
    >>> balancing_exponents(p, 1)
    ([27], 53)
    """
    terms = [(e, c) for e, c in p.items() if c]
    if n == 0 or not terms:
        return [0] * n, 0
    # columns: e_1 .. e_n, then minus the common level; rows: one per coefficient
    A = np.array([[*map(float, e), -1.0] for e, _ in terms])
    b = np.array([-_log2(c) for _, c in terms])
    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
    rounded = [int(round(v)) if math.isfinite(v) else 0 for v in sol]
    return rounded[:n], rounded[n]


def _log2(c: Fraction) -> float:
    c = abs(c)
    return math.log2(c.numerator) - math.log2(c.denominator)


def scaled_poly(p: Poly, e: list[int], m: int = 0) -> Poly:
    """``2^-m p(2^e y)``: each coefficient times ``2^(<e, alpha> - m)`` (exact)."""
    out = {}
    for alpha, c in p.items():
        k = sum(ei * ai for ei, ai in zip(e, alpha)) - m
        out[alpha] = c * (Fraction(2) ** k)
    return out


def unscaled_grams(grams: list, terms: list, e: list[int], m: int = 0) -> list:
    """The Gram matrices of ``p`` from those of ``2^-m p(2^e y)`` on the same bases:
    ``2^m G_jk 2^-<e, beta_j + beta_k>``."""
    out = []
    half = Fraction(2) ** m
    for t, term in enumerate(terms):
        blocks = []
        for b, basis in enumerate(term.blocks):
            w = [Fraction(2) ** -sum(ei * bi for ei, bi in zip(e, beta)) for beta in basis]
            G = grams[t][b]
            blocks.append([[half * G[j][k] * w[j] * w[k] for k in range(len(basis))]
                           for j in range(len(basis))])
        out.append(blocks)
    return out


def scaled_global(p: Poly, n: int, degree: int | None, solver: str, bits: int | None,
                  tried: list[str], global_search) -> object | None:
    """A plain SoS proof of ``p >= 0`` on R^n found in balanced variables, as a Success of
    ``p`` itself (``global_search`` is prove_paths' ``_global``); None when the balancing
    moves nothing much or the search fails there too."""
    e, m = balancing_exponents(p, n)
    if max((abs(k) for k in e), default=0) < _MIN_SHIFT:
        return None
    shown = ", ".join(f"x{i + 1} = 2^{k} y{i + 1}" for i, k in enumerate(e) if k)
    shown += f", lhs - rhs divided by 2^{m}" if m else ""
    inner: list[str] = []
    found = global_search(scaled_poly(p, e, m), n, "none", 0, degree, solver, bits, inner,
                          " (balanced variables)")
    inner[:] = [f"{t} [{shown}]" for t in inner]
    tried.extend(inner)
    if found is None or found.power or found.free:
        return None
    a = found.attempt
    attempt = replace(a, grams=unscaled_grams(a.grams, a.terms, e, m))
    return replace(found, attempt=attempt, target=dict(p),
                   note=f"{found.note}; found in balanced variables {shown}, mapped back")


def _graded(e: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The graded lexicographic key of a monomial's exponents."""
    return (sum(e), e)


def square_root(p: Poly, n: int) -> tuple[Fraction, Poly] | None:
    """``(c, q)`` with ``p = c q^2``, ``c > 0`` rational and ``q`` monic with rational
    coefficients; None when ``p`` is not such a square.

    The square root is taken term by term in the graded lexicographic order, as for
    integers: ``q``'s leading term is the square root of ``p / c``'s (``c`` its leading
    coefficient), and each next term is the leading term of the remainder ``p / c - q^2``
    divided by ``2 LT(q)``. No factoring: sympy's ``factor_list`` spent minutes on
    ``x**2*y**2 + x**2 - 10**-1000`` (a false statement that was to end UNDECIDED). At
    most :data:`_FACTOR_TERMS` terms of ``q`` are tried.

    Examples
    --------
    >>> c, q = square_root({(2,): Fraction(9), (1,): Fraction(-24), (0,): Fraction(16)}, 1)
    >>> c, sorted(q.items())   # 9 (x - 4/3)^2
    (Fraction(9, 1), [((0,), Fraction(-4, 3)), ((1,), Fraction(1, 1))])
    >>> square_root({(2,): Fraction(1), (0,): Fraction(1)}, 1) is None   # x^2 + 1
    True
    """
    terms = {e: c for e, c in p.items() if c}
    if not terms or n == 0:
        return None
    lead = max(terms, key=_graded)
    c = terms[lead]
    if c <= 0 or any(k % 2 for k in lead):
        return None
    # p / c - q^2, kept as a dict; q's terms found so far
    rest = {e: v / c for e, v in terms.items()}
    q: Poly = {}
    first = tuple(k // 2 for k in lead)
    bottom = min(sum(e) for e in terms)
    for _ in range(_FACTOR_TERMS):
        if not rest:
            return c, q
        top = max(rest, key=_graded)
        if not q:
            t, coeff = first, Fraction(1)
        else:
            t = tuple(a - b for a, b in zip(top, first))
            if min(t) < 0 or 2 * sum(t) < bottom or _graded(t) >= _graded(first):
                return None
            coeff = rest[top] / 2
        # rest -= (2 q t + t^2): the cross terms with every term found so far, and t^2
        change = {tuple(a + b for a, b in zip(e, t)): 2 * v * coeff for e, v in q.items()}
        sq = tuple(2 * k for k in t)
        change[sq] = change.get(sq, Fraction(0)) + coeff * coeff
        for e, v in change.items():
            left = rest.get(e, Fraction(0)) - v
            if left:
                rest[e] = left
            else:
                rest.pop(e, None)
        q[t] = coeff
    return None


def square_proof(p: Poly, n: int, tried: list[str], success) -> object | None:
    """A Success of ``p >= 0`` with the rank-one Gram matrix ``c v v^T`` on the monomials of
    ``q`` when ``p = c q^2`` (``success`` builds prove_paths' Success); None otherwise."""
    found = square_root(p, n)
    if found is None:
        return None
    c, q = found
    basis = sorted(q)
    v = [q[b] for b in basis]
    G = [[c * a * b for b in v] for a in v]
    zero = (0,) * n
    term = SoSTerm((), {zero: Fraction(1)}, [basis])
    attempt = Attempt(True, grams=[[G]], taus=[], terms=[term], t_star=0.0,
                      solver="exact (square root)")
    note = f"lhs - rhs = {c} q^2 for a polynomial q with {len(basis)} terms (exact square root)"
    tried.append(f"exact square: {note}")
    return success(attempt, dict(p), Fraction(0), 0, "sos (exact square)", [], note)


__all__ = ["balancing_exponents", "scaled_global", "scaled_poly", "square_proof", "square_root",
           "unscaled_grams"]
