"""The search's tightest point: decided exactly at nearby simple rationals, and reported.

A violation smaller than float rounding hides from the float search: ``(x - 1/3)**2 >=
1e-40`` fails at ``x = 1/3`` alone. The normalised margin the search minimises is flat
there (about 1 everywhere but within 1e-20 of 1/3), so the search stopped far away and
reported "tightest: x = -1.32, lhs/rhs = 2.7e40". So the tightest points are also
descended on the raw margin ``lhs - rhs`` (plain variables only: a line search per
coordinate with a finite box, then a simplex), and each point is tried exactly at itself,
at 0, 2 and 4 decimals, and at its best rational approximations with denominators up to
10^6, simplest first, before the statement is called undecided.
"""

from __future__ import annotations

import math
import time
import warnings
from fractions import Fraction
from typing import Any

import numpy as np

from specproof.lemmas.confirm import Unconfirmable, confirm
from specproof.lemmas.search import Searcher
from specproof.lemmas.verdicts import Refuted, Tightest

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
    feasible = [c for c in s.best if c.value <= 1.0]
    points = []
    if feasible and s.margin(feasible[0].x) <= 0.0:
        points.append(np.asarray(feasible[0].x, dtype=float))
    points += _raw_descent(s, min(_DESCENT_SECONDS, max(0.1, budget / 8)))
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
            how = ("the tightest point of the search, "
                   + ("confirmed exactly in rational arithmetic" if c.exact
                      else "confirmed with certified interval enclosures (arb)"))
            return Refuted(s.st.text, _user_point(s.st, list(x)), c.lhs, c.rhs, c.margin,
                           how, s.st.relation)
    return None


def _tightest(s: Searcher) -> Tightest | None:
    feasible = [c for c in s.best if c.value <= 1.0]
    if not feasible:
        return None
    c = feasible[0]
    d = s.margin(c.x)
    if s.sides:
        lhs, rhs = float(s.sides[0](c.x)), float(s.sides[1](c.x))
    else:
        lhs, rhs = float(d), 0.0
    ratio = lhs / rhs if rhs != 0 and math.isfinite(lhs / rhs) else None
    return Tightest(_user_point(s.st, [float(v) for v in c.x]), lhs, rhs, float(d), ratio)


__all__ = ["_confirm_tightest", "_tightest"]
