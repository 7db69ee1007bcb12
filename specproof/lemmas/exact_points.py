"""Exact evaluation at simple rational points, for a statement whose floats fail everywhere.

The search evaluates in float64, where ``10**400 + x**2``, ``x**2 * 10**400`` and
``exp(1000 + x**2)`` overflow (or raise) at every point: nothing finite was seen and a
statement false everywhere came back undecided. Here a few simple rational points of the
domain (0, 1, -1 in the search's parameters, some of its own draws, exactly and rounded,
then the integers and half-integers up to 10 on the diagonal) are decided by
:func:`~specproof.lemmas.confirm.confirm` instead: exact rational arithmetic for a
polynomial or rational statement, certified arb enclosures otherwise. A point outside the
domain (where the statement is not real: ``sqrt(-1 - x**2)``) decides nothing, so such a
statement stays undecided.

Examples
--------
>>> from specproof.lemmas.search import Searcher
>>> from specproof.lemmas.statement import as_statement
>>> found, note = exact_fallback(Searcher(as_statement("10**400 + x**2 <= 0"), seed=0))
>>> found.point, found.margin < 0
({'x': Fraction(0, 1)}, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import sympy

from specproof.lemmas.confirm import Unconfirmable, confirm
from specproof.lemmas.shrink import shrink
from specproof.lemmas.verdicts import Refuted

_DRAWS = ("rademacher", "integer", "uniform", "gaussian")


def _params(s: Any) -> list[list[Fraction]]:
    """Simple parameter vectors: 0, 1, -1, then the search's own draws (exactly, and rounded
    to one decimal, which is simpler to read but may leave the domain)."""
    n = s.layout.nparams
    out = [[Fraction(v)] * n for v in (0, 1, -1)]
    ensembles = [e for e in _DRAWS if e != "uniform" or s.st.domain.bounds()]
    for e in ensembles:
        z = s.draw(e)
        out.append([Fraction(round(float(v), 1)).limit_denominator(10) for v in z])
        out.append([Fraction(float(v)) for v in z])
    # then the diagonal at the integers and half-integers up to 10 in size: a violation
    # confined near x = 3 (10**400*(x-3)**2 >= 10**400) sits at one of them
    for k in [*range(2, 11), *(Fraction(2 * j + 1, 2) for j in range(10))]:
        out += [[Fraction(k)] * n, [-Fraction(k)] * n]
    if s.layout.identity:
        out = [_into_box(s, z) for z in out]
    return list(map(list, dict.fromkeys(tuple(z) for z in out)))


def _into_box(s: Any, z: list[Fraction]) -> list[Fraction]:
    """``z`` clipped into the search's box, whose float bounds lie inside the exact box."""
    out = []
    for v, bd in zip(z, s.box):
        lo, hi = bd if bd is not None else (-math.inf, math.inf)
        if math.isfinite(lo):
            v = max(v, Fraction(lo))
        if math.isfinite(hi):
            v = min(v, Fraction(hi))
        out.append(v)
    return out


def exact_fallback(s: Any, stop: Callable[[], bool] | None = None,
                   seconds: float | None = None) -> tuple[Refuted | None, str]:
    """A counterexample confirmed at a simple rational point, or None; and what was tried.

    Parameters
    ----------
    s : Searcher
        The search, for its statement, parametrisation and draws.
    stop : callable, optional
        Checked between points (the first point is always tried).
    seconds : float, optional
        A bound on each point's interval evaluation (``exp(exp(1000) + x**2)``), checked
        between its precisions.

    Returns
    -------
    (Refuted or None, str)
        The verdict, and a sentence for ``Undecided.tried``.
    """
    from specproof.lemmas.refute import user_point

    st = s.st
    tried = not_real = held = 0
    for z in _params(s):
        if tried and stop is not None and stop():
            break
        tried += 1
        x = z if s.layout.identity else s.layout.to_point_exact(z)
        try:
            c = confirm(st, dict(zip(st.variables, x)), seconds=seconds)
        except Unconfirmable:
            not_real += 1  # outside the domain, not real there, or not enclosable
            continue
        if not c.violated:
            held += 1
            continue
        how = ("exact evaluation at a simple point (the float64 evaluation overflowed or was "
               "undefined at every point searched); "
               + ("confirmed exactly in rational arithmetic" if c.exact
                  else "confirmed with certified interval enclosures (arb)"))
        return Refuted(st.text, user_point(st, list(x)), c.lhs, c.rhs, c.margin, how,
                       st.relation), ""
    head = f"exact evaluation at {tried} simple rational points: "
    if held == tried:
        # a handful of points is no search: this must not read as evidence on its own
        return None, head + "the statement held at each (a check of these points only)"
    if not_real == tried:
        return None, head + ("none is in the domain where the statement is real (or the "
                             "value could not be enclosed)")
    return None, head + (f"the statement held at {held}; {not_real} were outside the domain "
                         "where it is real (or could not be enclosed)")


def shrink_exactly(st: Any, to_point: Callable[[list[Fraction]], list[Fraction]],
                   z: list[Fraction], found: Any, seconds: float
                   ) -> tuple[list[Fraction], Any, bool]:
    """The parameters ``z`` (violating exactly, as ``found`` confirmed) shrunk to the
    simplest rationals whose point ``to_point(z)`` still violates exactly, for ``seconds``
    at most; returns the point, its confirmation and whether anything changed.

    For violations the floats cannot see (below rounding, or where they underflow), whose
    shrinking the search's float test cannot guide: ``(x - 1/3)**2 * (y + 5/7)**2 >=
    1e-30 * (1 + x**2)`` was refuted at a 111-digit x, where x = 0 fails as well. Shrinking
    the parameters keeps a point of a sphere on it.
    """
    end = time.monotonic() + seconds
    confirmed: dict[tuple[Fraction, ...], Any] = {tuple(z): found}

    def violates(w: list[Fraction]) -> bool:
        key = tuple(w)
        if key not in confirmed:
            if time.monotonic() > end:
                return False  # out of time: nothing more changes
            try:
                confirmed[key] = confirm(st, dict(zip(st.variables, to_point(w))),
                                         seconds=max(0.01, end - time.monotonic()))
            except (ValueError, ArithmeticError):  # Unconfirmable, or sympy raising
                confirmed[key] = None
        c = confirmed[key]
        return c is not None and c.violated

    w = shrink(z, violates)
    return to_point(w), confirmed[tuple(w)], w != list(z)


# -- the domain's own exact numbers ------------------------------------------------------
# The float search sees a box, a ball or a sphere through floats: x <= 1 on the box [1,
# 1 + 2e-16] met only x = 1.0 (the bound rounds inward to it), x <= 0 on a ball of radius
# 1e-320 and x*y <= 0 on a sphere of radius 1e-300 underflowed (x*y = 0.0), and
# assert_no_counterexample passed all three. A few rational points built from the exact
# bounds, centres and radii (and simple parameters of a sphere, a simplex, a PSD or
# orthogonal matrix, which the layout maps to exact points of them) are decided exactly.
_DOMAIN_POINTS = 64
_BLOCK_VALUES = tuple(Fraction(v) for v in ("1/2", "-1/2", "2", "-2", "1", "-1", "3", "1/3"))
_DOMAIN_KINDS = ("box", "ball", "sphere", "simplex")


def _rational(v: Any) -> Fraction | None:
    v = sympy.sympify(v)
    return Fraction(int(v.p), int(v.q)) if v.is_Rational else None


def domain_points(s: Any) -> list[list[Fraction]]:
    """Rational parameter vectors at the domain's exact numbers (at most 64).

    The base point has each boxed coordinate at its box's midpoint, each coordinate of a
    ball at its centre, the others at 0; then every box corner on the diagonal (all
    coordinates at their lower, or upper, bounds), each coordinate alone at each bound,
    each ball coordinate at ``±r`` and ``±r/2`` from its centre and all of them at ``r/k``
    (``k`` the ball's dimension), and each parametrised block (sphere, simplex, PSD,
    orthogonal) at simple parameters.

    Examples
    --------
    >>> from specproof.lemmas.domains import box
    >>> from specproof.lemmas.search import Searcher
    >>> from specproof.lemmas.statement import as_statement
    >>> domain_points(Searcher(as_statement("x <= 1", domain=box(x=(0, "1/3")))))
    [[Fraction(1, 6)], [Fraction(0, 1)], [Fraction(1, 3)]]
    """
    st, lay = s.st, s.layout
    free = lay.blocks[0] if lay.blocks and lay.blocks[0].kind == "free" else None
    at = {sym: k for k, sym in enumerate(free.symbols)} if free is not None else {}
    base = [Fraction(0)] * lay.nparams
    boxes: dict[int, tuple[Fraction | None, Fraction | None]] = {}
    for sym, (lo, hi) in st.domain.bounds().items():
        if sym in at:
            a, b = _rational(lo), _rational(hi)
            boxes[at[sym]] = (a, b)
            if a is not None and b is not None:
                base[at[sym]] = (a + b) / 2
            elif a is not None or b is not None:
                base[at[sym]] = a if a is not None else b
    balls = []
    for p in st.domain.parts:
        if p.kind == "ball" and all(sym in at for sym in p.symbols):
            r, c = _rational(p.params[0]), [_rational(v) for v in p.params[1]]
            if r is not None and None not in c:
                ks = [at[sym] for sym in p.symbols]
                balls.append((r, ks))
                for k, ck in zip(ks, c):
                    base[k] = ck
    points = [base]

    def moved(changes: dict[int, Fraction]) -> None:
        p = list(base)
        for k, v in changes.items():
            p[k] = v
        points.append(p)

    if boxes:
        moved({k: a for k, (a, _) in boxes.items() if a is not None})
        moved({k: b for k, (_, b) in boxes.items() if b is not None})
        for k, (a, b) in boxes.items():
            for v in (a, b):
                if v is not None:
                    moved({k: v})
    for r, ks in balls:
        for k in ks:
            for t in (r, -r, r / 2, -r / 2):
                moved({k: base[k] + t})
        moved({k: base[k] + r / len(ks) for k in ks})
    k = 0
    for b in lay.blocks:
        if b.kind != "free":
            for v in _BLOCK_VALUES:
                moved({k + j: v for j in range(b.nparams)})
            for j in range(min(b.nparams, 4)):  # one parameter alone, the others at 0
                for v in _BLOCK_VALUES[:4]:
                    moved({k + j: v})
        k += b.nparams
    unique = list(map(list, dict.fromkeys(tuple(p) for p in points)))
    return unique[:_DOMAIN_POINTS]


def has_exact_domain(st: Any) -> bool:
    """Whether the domain has a box, ball, sphere or simplex, or the statement a PSD or
    orthogonal matrix: what :func:`domain_points` builds points from."""
    return any(p.kind in _DOMAIN_KINDS for p in st.domain.parts) or any(
        m.kind in ("psd", "orthogonal") for m in st.matrices)


def exact_domain_search(s: Any, stop: Callable[[], bool], seconds: float
                        ) -> tuple[Refuted | None, int]:
    """A counterexample among :func:`domain_points`, decided exactly and shrunk, or None;
    and how many points were decided.

    Parameters
    ----------
    s : Searcher
        The search, for its statement and parametrisation.
    stop : callable
        Checked between points (the first point is always tried).
    seconds : float
        A bound on each point's interval evaluation, and on the shrinking.
    """
    from specproof.lemmas.refute import user_point

    st, lay = s.st, s.layout

    def to_point(z: list[Fraction]) -> list[Fraction]:
        return list(z) if lay.identity else lay.to_point_exact(z)

    tried = 0
    for z in domain_points(s):
        if tried and stop():
            break
        tried += 1
        try:
            c = confirm(st, dict(zip(st.variables, to_point(z))), seconds=seconds)
        except (ValueError, ArithmeticError):  # outside the domain, not real, or sympy
            continue
        if not c.violated:
            continue
        x, c, shrunk = shrink_exactly(st, to_point, z, c, seconds)
        how = ("exact evaluation at the domain's own bounds, centre and radius (points the "
               "float search rounds or underflows at); "
               + ("shrunk to small rationals; " if shrunk else "")
               + ("confirmed exactly in rational arithmetic" if c.exact
                  else "confirmed with certified interval enclosures (arb)"))
        return Refuted(st.text, user_point(st, list(x)), c.lhs, c.rhs, c.margin, how,
                       st.relation), tried
    return None, tried


__all__ = ["domain_points", "exact_domain_search", "exact_fallback", "has_exact_domain",
           "shrink_exactly"]
