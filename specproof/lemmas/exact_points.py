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
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from specproof.lemmas.confirm import Unconfirmable, confirm
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


__all__ = ["exact_fallback"]
