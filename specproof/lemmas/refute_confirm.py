"""From a float violation to a verdict: shrink the point, confirm it exactly.

A violation the search saw (:class:`~specproof.lemmas.search.Candidate`) is shrunk to the
simplest rational point that still violates in floats, inside the domain decided exactly
(:mod:`~specproof.lemmas.shrink`), then confirmed in rational arithmetic or with arb
enclosures (:mod:`~specproof.lemmas.confirm`): a :class:`Refuted`, or a
:class:`NumericalCounterexample` when the exact value cannot be had, or nothing when
exact arithmetic says the float violation was rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from specproof.lemmas.confirm import Unconfirmable, confirm
from specproof.lemmas.search import Candidate, Searcher
from specproof.lemmas.shrink import shrink
from specproof.lemmas.statement import Statement
from specproof.lemmas.verdicts import NumericalCounterexample, Refuted

_TOLERANCES = (1e-12, 1e-8, 1e-5)


def user_point(st: Statement, x: list[Any]) -> dict[str, Any]:
    """A point in the user's own variables: scalars by name, matrices as nested lists."""
    val = dict(zip(st.variables, x))
    zero = Fraction(0) if x and isinstance(x[0], Fraction) else 0.0
    out: dict[str, Any] = {}
    in_matrix = {s for m in st.matrices for s in m.symbols}
    for s in st.variables:
        if s not in in_matrix:
            out[s.name] = val[s]
    for m in st.matrices:
        rows = [[val.get(m.entries[i, j], zero) if m.entries[i, j] != 0 else zero
                 for j in range(m.shape[1])] for i in range(m.shape[0])]
        if len(dict(st.shapes).get(m.label, ())) == 1:  # a black box's vector
            rows = [r[0] for r in rows]
        out[m.label] = rows
    return out


def _try_confirm(s: Searcher, cand: Candidate) -> Refuted | NumericalCounterexample | None:
    st = s.st
    lay = s.layout
    reason = ""
    shrunk: list[Fraction] | None = None
    for tol in _TOLERANCES:
        if cand.value >= -tol:
            # the float violation is below this tolerance: if a stricter one could not be
            # confirmed either, it was float noise at a tie (log det P == trace logm P was
            # a "numerical counterexample" at a relative 1e-11), not evidence
            reason, shrunk = "", None
            break

        def violates(zq: list[Fraction], tol: float = tol) -> bool:
            z = np.array([float(v) for v in zq])
            if not lay.identity:
                x = np.array([float(v) for v in lay.to_point_exact(zq)])
            else:
                x = z
            if s.infeasibility(x) > 0 or not s.normalised(x) < -tol:
                return False
            # the float test rounds the point: x = 1 passed for a box from
            # 1.00000000000000001 and was reported outside the domain
            return _exactly_inside(st, lay.to_point_exact(zq) if not lay.identity else zq)

        if not violates([Fraction(float(v)) for v in cand.z]):
            reason, shrunk = "", None
            continue
        zq = shrink(list(cand.z), violates)
        x = lay.to_point_exact(zq)
        c = None
        polished = _polish(s, x, tol)
        if polished is not None:  # simpler entries of a PSD matrix, if they still violate
            try:
                c = confirm(st, dict(zip(st.variables, polished)))
                x = polished if c.violated else x
                c = c if c.violated else None
            except Unconfirmable:
                c = None
        try:
            c = c or confirm(st, dict(zip(st.variables, x)))
        except Unconfirmable as exc:
            xf = np.array([float(v) for v in x])
            claimed = abs(s.margin(xf))
            if exc.bound is not None and math.isfinite(claimed) and claimed > exc.bound:
                # the certified enclosure says |lhs - rhs| <= bound < what the floats
                # claim: the float violation is rounding (a near-singular logm), not evidence
                reason, shrunk = "", None
                continue
            reason = str(exc)
            shrunk = x  # report the simple point, though its value stays unconfirmed
            if st.is_black_box:
                # a callable's float is its own answer, never confirmable: climbing to a
                # larger tolerance dropped every violation below 1e-5 as "noise", and
                # assert_no_counterexample passed on a function that was -1e-6 everywhere
                break
            continue  # does the violation survive a larger tolerance?
        if c.violated:
            how = (f"{cand.how}; shrunk to small rationals; "
                   + ("confirmed exactly in rational arithmetic" if c.exact
                      else "confirmed with certified interval enclosures (arb)"))
            return Refuted(st.text, user_point(st, x), c.lhs, c.rhs, c.margin, how, st.relation)
        # exact arithmetic says the float violation was rounding: try a stricter tolerance
    if not reason:
        return None
    x = shrunk if shrunk is not None else list(cand.x)
    xf = np.array([float(v) for v in x])
    lhs, rhs = (s.sides[0](xf), s.sides[1](xf)) if s.sides else (s.margin(xf), 0.0)
    return NumericalCounterexample(st.text, user_point(st, x), float(lhs), float(rhs),
                                   float(s.margin(xf)), cand.how, reason)


def _exactly_inside(st: Any, x: Sequence[Fraction]) -> bool:
    """Whether the rational point ``x`` lies in the statement's domain, decided exactly.

    The search's float test rounds the point and the bounds (a bound of 1e-400 is 0.0 in
    floats), so a shrunk point could leave the domain. Called only once the float test
    passed. A constraint that is not rational at the point (an irrational coefficient)
    cannot be decided here: the float answer stands, and the exact confirmation decides.
    """
    from specproof.lemmas.confirm import _point_ok

    values = {v: sympy.Rational(Fraction(q).numerator, Fraction(q).denominator)
              for v, q in zip(st.variables, x)}
    try:
        return not _point_ok(st, values)
    except Unconfirmable:
        return True


def _polish(s: Searcher, x: list[Fraction], tol: float) -> list[Fraction] | None:
    """Shrink the variables themselves after a parametrised search (a PSD matrix ``Z Z^T``
    has entries like 1021/1089); only without equality constraints, which a change of one
    coordinate would break."""
    if s.layout.identity or s.st.domain.equalities:
        return None

    def violates(xq: list[Fraction]) -> bool:
        xf = np.array([float(v) for v in xq])
        return (s.infeasibility_all(xf) == 0 and s.normalised(xf) < -tol
                and _exactly_inside(s.st, xq))

    if not violates(x):
        return None
    return shrink(x, violates)


__all__ = ["user_point"]
