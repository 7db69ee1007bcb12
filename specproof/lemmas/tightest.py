"""The search's tightest point: decided exactly at nearby simple rationals, and reported.

A violation smaller than float rounding hides from the float search: ``(x - 1/3)**2 >=
1e-40`` fails at ``x = 1/3`` alone. The normalised margin the search minimises is flat
there (about 1 everywhere but within 1e-20 of 1/3), so the search stopped far away and
reported "tightest: x = -1.32, lhs/rhs = 2.7e40". So the tightest points are also
descended on the raw margin ``lhs - rhs`` (plain variables only: a line search per
coordinate with a finite box, then a simplex), and each point is tried exactly at itself,
at 0, 2 and 4 decimals, and at its best rational approximations with denominators up to
10^6, simplest first, before the statement is called undecided; the search's tightest
candidates are decided exactly at their own points too. A violation found so is shrunk
with exact arithmetic deciding each step.

The tightest case reported (:func:`_tightest`) is a point of the domain, decided exactly
where it is rational, whose float margin agrees with its exact or certified value: not a
point the search's float tolerance let in (``x = -1e-120`` for ``x >= 0``), nor one where
the floats underflowed (``A = 1e-280`` for ``norm(A, 2) <= norm(A, 'fro')``).
"""

from __future__ import annotations

import math
import time
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from specproof.lemmas.confirm import Unconfirmable, confirm
from specproof.lemmas.exact_points import shrink_exactly
from specproof.lemmas.search import Candidate, Searcher
from specproof.lemmas.verdicts import CERTIFIED_NOTE, EXACT_NOTE, Refuted, Tightest

# the raw descent's share of the time: a fraction of the budget, at most this many seconds
_DESCENT_SECONDS = 1.0
# a line search's value outside the domain: finite, as Brent's parabolas need numbers
_OUTSIDE = 1e300


def _user_point(st: Any, x: list[Any]) -> dict[str, Any]:
    from specproof.lemmas.refute import user_point

    return user_point(st, x)


def _raw_descent(s: Searcher, seconds: float) -> list[np.ndarray]:
    """Local minima of the raw margin from the best feasible points (plain variables)."""
    if not s.layout.identity or s.st.relation == "==" or seconds <= 0:
        return []
    from scipy.optimize import minimize

    end = time.monotonic() + seconds
    starts = [c.x for c in s.best if c.value <= 1.0][:3]
    out = []

    def raw(x: np.ndarray) -> float:
        if time.monotonic() > end:
            raise TimeoutError
        if s.infeasibility_all(x) > 0.0:
            return math.inf
        d = s.margin(x)
        return d if math.isfinite(d) else math.inf

    for x0 in starts:
        try:
            # infinite values outside the domain make the simplex compute inf - inf: a
            # RuntimeWarning (an error under -W error), not a problem for the descent
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                # first the line searches: a few dozen evaluations per boxed coordinate
                lines = _coordinate_descent(raw, np.asarray(x0, dtype=float), s.box)
                if lines is not None:
                    out.append(lines)
                r = minimize(raw, np.asarray(x0, dtype=float), method="Nelder-Mead",
                             options={"xatol": 1e-13, "fatol": 0.0, "maxfev": 2000})
        except TimeoutError:
            break
        if np.all(np.isfinite(r.x)) and math.isfinite(r.fun):
            out.append(np.asarray(r.x, dtype=float))
    return out


def _coordinate_descent(raw: Any, x0: np.ndarray, box: list[Any]) -> np.ndarray | None:
    """One pass of line minimisations of ``raw`` over the coordinates with a finite box.

    The simplex of 20 variables in [0, 1]^20 started at the box's corners, where the
    search's points lie, and its 2000 evaluations never moved ``x7`` of ``(x7 - 1/3)**2 >=
    1e-30`` to 1/3: a bounded line search per coordinate does, in a few dozen evaluations
    each. None when no coordinate has a finite box or nothing improved.
    """
    from scipy.optimize import minimize_scalar

    x = np.array(x0, dtype=float)
    best = raw(x)
    moved = False
    for i, bd in enumerate(box):
        if bd is None or not (math.isfinite(bd[0]) and math.isfinite(bd[1])) or bd[0] >= bd[1]:
            continue

        def along(t: float, i: int = i, x: np.ndarray = x) -> float:
            y = x.copy()
            y[i] = t
            v = raw(y)
            return v if math.isfinite(v) else _OUTSIDE

        r = minimize_scalar(along, bounds=bd, method="bounded",
                            options={"xatol": 1e-15 * max(1.0, abs(bd[0]), abs(bd[1])),
                                     "maxiter": 100})
        y = x.copy()
        y[i] = float(r.x)
        v = raw(y)  # not _OUTSIDE: a margin above 1e300 inside the domain is no reason
        if math.isfinite(v) and v < best:
            x, best, moved = y, v, True
    return x if moved else None


def _size(x: tuple[Fraction, ...]) -> int:
    """How long a point is to write: the bits of its numerators and denominators."""
    return sum(q.numerator.bit_length() + q.denominator.bit_length() for q in x)


def _rational_tries(x: np.ndarray) -> list[tuple[Fraction, ...]]:
    exact = [Fraction(float(v)) for v in x]
    tries = [exact] + [[Fraction(round(float(v), d)) for v in x] for d in (0, 2, 4)]
    tries += [[q.limit_denominator(10**k) for q in exact] for k in (1, 2, 3, 4, 6)]
    return list(dict.fromkeys(tuple(t) for t in tries))


def _confirm_tightest(s: Searcher, budget: float = 0.0) -> Refuted | None:
    """The tightest points, decided exactly: a violation below every float tolerance
    (``x**2 + 1 >= 1 + 1e-20`` at x = 0) is still a counterexample if exact arithmetic
    says so."""
    if s.st.is_black_box:  # its values at a point are the function's own floats
        return None
    seconds = min(_DESCENT_SECONDS, max(0.1, budget / 8))
    found = _confirm_tight_candidates(s, seconds / 2)
    if found is not None:
        return found
    feasible = [c for c in s.best if c.value <= 1.0]
    points = []
    if feasible and s.margin(feasible[0].x) <= 0.0:
        points.append(np.asarray(feasible[0].x, dtype=float))
    descended = _raw_descent(s, seconds)
    points += descended
    for p in descended:
        # a candidate for the tightest case too: where lhs - rhs is one square the
        # normalised margin is 1 everywhere, and (x - 1/3)**2 >= 0 reported x = -1.32
        # (margin 2.7) while the descent had reached 1/3
        v = s.objective(p)
        if math.isfinite(v):
            s.remember_tight(Candidate(p.copy(), s.layout.to_point(p), v, "raw descent"))
    for p in points:
        # the simplest try that violates: the point as found comes first, and in 20
        # variables x7 = 6004799503160661/18014398509481984 was reported, although the
        # rounded x7 = 1/3 violates too
        found = None
        for x in sorted(_rational_tries(p), key=_size):
            try:
                c = confirm(s.st, dict(zip(s.st.variables, x)))
            except Unconfirmable:
                continue
            if c.violated:
                found = (x, c)
                break
        if found:
            x, c = found
            x, c, shrunk = shrink_exactly(s.st, list, list(x), c, seconds)
            return _refuted(s, x, c, "the tightest point of the search, "
                            + ("shrunk to small rationals, " if shrunk else ""))
    return None


def _refuted(s: Searcher, x: Any, c: Any, how: str) -> Refuted:
    """The REFUTED verdict at ``x`` with its confirmation ``c``; ``how`` says where from."""
    how += ("confirmed exactly in rational arithmetic" if c.exact
            else "confirmed with certified interval enclosures (arb)")
    return Refuted(s.st.text, _user_point(s.st, list(x)), c.lhs, c.rhs, c.margin, how,
                   s.st.relation)


# the tightest candidates decided exactly at their own points
_TIGHT_TRIES = 4


def _confirm_tight_candidates(s: Searcher, seconds: float) -> Refuted | None:
    """The tightest candidates decided exactly at their own (rational) points: where the
    floats underflow (``x*y <= 0`` on a sphere of radius 1e-300, where ``x*y`` is 0.0) or
    the normalised margin is a tie only by its floor (``x <= 0`` at x = 1e-320 scored
    -1e-20), a violation is not seen in floats. A violation is shrunk in the search's
    parameters, so that a point of a sphere stays on it."""
    if s.st.is_black_box:
        return None
    lay = s.layout
    end = time.monotonic() + seconds

    def to_point(z: list[Fraction]) -> list[Fraction]:
        return list(z) if lay.identity else lay.to_point_exact(z)

    for cand in s.tight[:_TIGHT_TRIES]:
        if time.monotonic() > end:
            break
        z = [Fraction(float(v)) for v in (cand.x if lay.identity else cand.z)]
        try:
            c = confirm(s.st, dict(zip(s.st.variables, to_point(z))),
                        seconds=max(0.01, end - time.monotonic()))
        except (ValueError, ArithmeticError):  # outside the domain, not real, or sympy
            continue
        if c.violated:
            x, c, shrunk = shrink_exactly(s.st, to_point, z, c, seconds)
            return _refuted(s, x, c, f"{cand.how}; decided exactly at the point (its float "
                            "margin was a tie or underflowed); "
                            + ("shrunk to small rationals; " if shrunk else ""))
    return None


def _exact_point(s: Searcher, c: Any) -> list[Fraction]:
    """The rational point of a candidate: its floats exactly, through the layout's exact
    map (a point of a sphere or of the PSD cone lies in it exactly)."""
    if s.layout.identity:
        return [Fraction(float(v)) for v in c.x]
    return s.layout.to_point_exact([Fraction(float(v)) for v in c.z])


def _inside_exactly(st: Any, x: list[Fraction]) -> bool:
    """Whether the rational point ``x`` satisfies the domain's inequalities (and the
    ``> 0`` of a log's argument) exactly; one that is not rational at the point (an
    irrational coefficient) leaves the float test standing. Equalities are not asked: a
    float point lies on ``x*y == 1`` only to rounding (the layout keeps a sphere's exactly).
    """
    values = {v: sympy.Rational(q.numerator, q.denominator)
              for v, q in zip(st.variables, x)}
    for g in st.domain.inequalities:
        v = sympy.sympify(g).xreplace(values)
        if v.is_Rational and v < 0:
            return False
    return all(st.domain._strictly_positive(p, values) is not False
               for p in st.domain.parts)


# where the decided point is the domain's rational point the floats shown round
NEARBY = "at the rational point of the domain that the point shown approximates"
# the float margin of a tightest case must agree with the exact (or certified) one to
# this fraction of the size of the terms (sum of |terms| of both sides, in floats)
_AGREE = Fraction(1, 10**6)


def _reliable(s: Searcher, x: np.ndarray, xq: list[Fraction], seconds: float,
              found: list | None = None) -> bool | None:
    """Whether the float margin at ``x`` agrees with the exact or certified one at its
    rational ``xq``; None when that cannot be decided (the float answer stands). The
    :class:`~specproof.lemmas.confirm.Confirmation` computed is appended to ``found``.

    The Frobenius norm of ``[[1e-280, ...]]`` underflows to 0 in numpy, and ``norm(A, 2)
    <= norm(A, 'fro')`` seemed tightest there (lhs - rhs = 2e-280), while it is tight at
    every rank-one matrix; ``x**4 + y**4 >= x**2*y**2`` is ``0 >= 0`` in floats at 1e-100.
    """
    d = s.margin(x)
    size = s.scale(x) if s.scale is not None else math.inf
    if not (math.isfinite(d) and math.isfinite(size)):
        return False
    try:
        c = confirm(s.st, dict(zip(s.st.variables, xq)), seconds=seconds)
    except Unconfirmable as exc:
        # outside the domain here means off an equality by rounding (the inequalities
        # were checked): no value to compare with
        if exc.bound is not None:  # |lhs - rhs| <= bound, certified
            agree = abs(d) <= exc.bound + float(_AGREE) * size
            if agree and found is not None:
                found.append(exc.bound)
            return agree
        return None
    except (ValueError, ArithmeticError):  # sympy's own evaluation raising
        return None
    if found is not None:
        found.append(c)
    tol = _AGREE * Fraction(size)
    df = Fraction(d)
    m = c.margin
    if isinstance(m, Fraction):
        return abs(df - m) <= tol
    return m.lo - tol <= df <= m.hi + tol


def _tightest(s: Searcher, seconds: float = 0.5) -> Tightest | None:
    """The tightest case of the search: the candidate of smallest normalised margin that
    lies in the domain (exactly, where the point is rational) and whose float value agrees
    with its exact or certified value (checked for ``seconds`` at most; then the float
    answer stands). None when no candidate qualifies."""
    end = time.monotonic() + seconds
    for c in s.tight:
        xq = _exact_point(s, c)
        if not _inside_exactly(s.st, xq):
            continue
        left = end - time.monotonic()
        found: list = []
        if not s.st.is_black_box and left > 0:
            if _reliable(s, c.x, xq, max(0.05, left), found) is False:
                continue
        point = _user_point(s.st, [float(v) for v in c.x])
        d = s.margin(c.x)
        sides = s.sides
        if sides:
            lhs, rhs = float(sides[0](c.x)), float(sides[1](c.x))
        else:
            lhs, rhs = float(d), 0.0
        if found and isinstance(found[0], float):
            # only |lhs - rhs| <= bound is certified (an identity's 0 at every precision):
            # the float difference (-3e-8 at exp(x+1) >= E exp(x), x = 15.6) is noise
            return Tightest(point, lhs, rhs, 0.0, _ratio(lhs, rhs),
                            how=f"certified only as |lhs - rhs| <= {found[0]:.2g} at this "
                                "point", difference=0.0)
        if found:
            # on a sphere, a simplex or a PSD cone the decided point is the rational point of
            # the domain the floats round (x*y - 1/2 is +6.6e-17 at the floats shown, off the
            # sphere by 1e-16, and -5.4e-18 there): said so, not "at this point"
            same = xq == [Fraction(float(v)) for v in c.x]
            return _decided_tightest(s.st, point, found[0], same)
        return Tightest(point, lhs, rhs, float(d), _ratio(lhs, rhs))
    return None


def _ratio(lhs: float, rhs: float) -> float | None:
    return lhs / rhs if rhs != 0 and math.isfinite(lhs / rhs) else None


def _decided_tightest(st: Any, point: dict[str, Any], c: Any, same: bool = True) -> Tightest:
    """The tightest case from the exact or certified values at its point: its float
    margin agreed with them to rounding, but a true statement's float margin of -1e-16
    read as a violation where the value is +1.7e-18."""
    with np.errstate(over="ignore"):
        lhs, rhs, margin = float(c.lhs), float(c.rhs), float(c.margin)
    # the margin is lhs - rhs, or rhs - lhs for <= (the side claimed the larger first)
    difference = -margin if st.relation == "<=" else margin
    if c.exact:
        how = EXACT_NOTE
    else:
        radius = float((c.margin.hi - c.margin.lo) / 2)
        how = f"{CERTIFIED_NOTE}, radius {radius:.2g}"
    if not same:
        how = how.replace("at this point", NEARBY)
    return Tightest(point, lhs, rhs, margin, _ratio(lhs, rhs), how=how, difference=difference)


__all__ = ["_confirm_tightest", "_tightest"]
