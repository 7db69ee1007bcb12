"""The magnitude sweep of the refutation search: points at +-10^k over float64's range.

The search's draws stay within about 40 in size, so a statement false only at large
magnitudes (``x <= 10**300``, ``abs(x) <= 10**300``, ``sqrt(x) <= 10**100``) was undecided,
``assert_no_counterexample`` passed and a lemma claim PASSed. :class:`MagnitudeSweep`
proposes float points at every magnitude (violations there are shrunk and confirmed like
any other candidate) and, for plain arithmetic, a few exact points beyond float64.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from specproof.lemmas.search import Candidate, Searcher

# -- magnitude sweep ----------------------------------------------------------------------
# The draws stay within about 40 in size, so a statement false only at large magnitudes
# (x <= 10**300, abs(x) <= 10**300, sqrt(x) <= 10**100, false at 10**301 and 10**201) was
# undecided, assert_no_counterexample passed and a lemma claim PASSed. Exponents of ten
# over float64's whole range, coarse (a violation that grows with the magnitude holds over
# a range of them), finer near the top, where little range is left before overflow, and
# the largest floats themselves.
_SWEEP_EXPONENTS = (-320, -280, -240, -200, -160, -120, -80, -40, -20, -10, -5, -3,
                    2, 3, 4, 6, 8, 11, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 175,
                    200, 225, 250, 275, 300, 303, 306, 308)
_SWEEP_TOP = (Fraction(2) ** 1020, Fraction(2) ** 1023, Fraction(sys.float_info.max))
# beyond float64, decided exactly only: x / 10**100 <= 10**250 is false at x = 10**401,
# and at no float. Up to 401 only for a statement that is not a rational function: sympy
# looks for square factors in sqrt of an integer, 0.6 s at 1400 digits (the square of
# 10**701), and its time is not bounded by confirm's seconds
_SWEEP_BEYOND = (320, 401, 501, 701, 1001)
_SWEEP_BEYOND_IRRATIONAL = 401
_SWEEP_FLOATS = 320  # float points at most: a few milliseconds for a plain statement
_SWEEP_EXACT = 64  # exact points at most (about a millisecond each for a polynomial)
# a coordinate is swept when its box reaches beyond this in size, or it has no box
_SWEEP_HUGE = 1e6
SWEPT = "magnitude sweep"  # the ``how`` of a float point of the sweep
_SWEEP_TWO_BASES = 4  # swept coordinates up to which each is also swept with the others at 1


# what the exact stage may evaluate at a huge point: sympy's exact arithmetic on these is
# bounded by the point's size
_BOUNDED_NODES = (sympy.Symbol, sympy.Number, sympy.NumberSymbol, sympy.Add, sympy.Mul,
                  sympy.Abs, sympy.Max, sympy.Min, sympy.exp, sympy.log)


def _bounded_exactly(st: Any) -> bool:
    """Whether the statement and its domain are plain arithmetic (``+``, ``*``, powers with
    a constant exponent, ``abs``, ``max``, ``min``, ``exp``, ``log``), whose exact value at
    a point of 10**401 takes a time bounded by the point's size.

    Not so a matrix functional: the exact singular values of ``[[10**401, 1], [0,
    10**401]]``, whose norm is within 1e-401 of 10**401, took 25 s in one step that
    confirm's ``seconds`` do not bound; nor ``x**y`` at ``x = y = 10**20`` (10**21 digits)
    or ``gamma(x)`` at 10**20, which sympy would compute exactly.

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> _bounded_exactly(as_statement("sqrt(x**2 + y**2) <= 10**200"))
    True
    >>> _bounded_exactly(as_statement("x**y >= 0"))
    False
    """
    if st.is_black_box or st.functionals():
        return False
    exprs = [st.lhs, st.rhs, *st.domain.inequalities, *st.domain.equalities]
    exprs += [p.params[1] for p in st.domain.parts if p.kind == "positive"]
    for e in exprs:
        for node in sympy.preorder_traversal(sympy.sympify(e)):
            if isinstance(node, sympy.Pow):
                if node.exp.free_symbols:
                    return False
            elif not isinstance(node, _BOUNDED_NODES):
                return False
    return True


def _simple(v: Fraction, bound: tuple[float, float] | None) -> Fraction:
    """``v`` rounded to one decimal, as a fraction, kept in ``bound`` (inward floats)."""
    q = Fraction(round(float(v), 1)).limit_denominator(10)
    if bound is not None:
        lo, hi = bound
        if q < lo:
            q = Fraction(lo)
        if q > hi:
            q = Fraction(hi)
    return q


class MagnitudeSweep:
    """Points whose coordinates are ``±10^k`` over float64's range, and a few beyond it.

    Each coordinate without a box (or with a huge one) is swept alone, the others at a base
    point (the search's best so far, and 1), and all of them together. A float point that
    violates joins the search's candidates, to be shrunk and confirmed like every other
    (:func:`~specproof.lemmas.refute.refute`); :meth:`exact_points` gives those where
    floats could not decide (the value overflowed: ``sqrt(x**2 + y**2) <= 10**200`` has
    no float witness, as ``x**2`` overflows first) and those beyond float64, with the
    base rounded to simple rationals, for exact decision (not for a callable, whose
    float is its answer). Both stages run in slices (``stop``), across a search's rounds.

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> s = Searcher(as_statement("x <= 10**300"), seed=0)
    >>> sweep = MagnitudeSweep(s)
    >>> sweep.run_floats(lambda: False)
    True
    >>> s.best_value() < 0, s.best[0].how
    (True, 'magnitude sweep')
    """

    def __init__(self, searcher: Searcher, floats: int = _SWEEP_FLOATS,
                 exact: int = _SWEEP_EXACT) -> None:
        s = self.s = searcher
        free = s.layout.blocks[0] if s.layout.blocks and s.layout.blocks[0].kind == "free" \
            else None
        # z index k of the free block is its k-th symbol (the free block comes first)
        self.bounds = {} if free is None else {
            k: s.box[i] for k, i in enumerate(free.index)
            if s.box[i] is None or max(abs(s.box[i][0]), abs(s.box[i][1])) > _SWEEP_HUGE}
        coords = list(self.bounds)
        feasible = [c for c in s.best if c.value <= 1.0]
        first = ([Fraction(float(v)) for v in feasible[0].z] if feasible
                 else [Fraction(0)] * s.layout.nparams)
        ones = list(first)
        for k, i in enumerate(free.index if free is not None else ()):
            ones[k] = _simple(Fraction(1), s.box[i])
        # the second base only in few variables: the grid is shared between the directions
        bases = [first] + ([ones] if ones != first and len(coords) <= _SWEEP_TWO_BASES else [])
        # the bases of the exact points: the free coordinates rounded, the others (the
        # parameters of a sphere or a PSD factor) exact as they are
        nfree = len(free.index) if free is not None else 0
        self.simple = [[_simple(v, s.box[free.index[k]]) if k < nfree else v
                        for k, v in enumerate(b)] for b in bases]
        mags = sorted([Fraction(10) ** k for k in _SWEEP_EXPONENTS] + list(_SWEEP_TOP))
        # directions: (coordinates set together, base); all together first
        directions = [(tuple(coords), 0)] if coords else []
        directions += [((k,), b) for k in coords for b in range(len(bases))]
        singles = len(directions) - 1
        room = max(0, floats - 2 * len(mags))
        stride = 1  # the least that fits: each direction takes both signs of
        while singles and stride < len(mags) and \
                2 * singles * (-(-(len(mags) - 1) // stride) + 1) > room:
            stride += 1  # every stride-th magnitude and the largest float
        self.directions = directions
        self.floats: list[tuple[int, Fraction, list[Fraction]]] = []
        seen: set[tuple[Fraction, ...]] = set()
        for d, (ks, b) in enumerate(directions):
            for j, m in enumerate(mags):
                # alone: every stride-th magnitude, shifted with the direction, so that
                # the coordinates share the grid between them; and always the largest float
                if d and j % stride != d % stride and j < len(mags) - 1:
                    continue
                for v in (m, -m):
                    z = self._point(bases[b], ks, v)
                    if z is not None and tuple(z) not in seen:
                        seen.add(tuple(z))
                        self.floats.append((d, v, z))
        del self.floats[floats:]
        self.overflowed: dict[int, list[Fraction]] = {}
        self.exact_limit = exact
        self.position = 0
        self.exact_position = 0
        self._exact: list[list[Fraction]] | None = None
        self.exact_tried = 0  # exact points evaluated (the caller counts)
        self.slow_exact = 0  # of them, those that took longer than their slice

    def _point(self, base: list[Fraction], ks: tuple[int, ...], v: Fraction
               ) -> list[Fraction] | None:
        z = list(base)
        moved = False
        for k in ks:
            bd = self.bounds[k]
            if bd is None or bd[0] <= v <= bd[1]:
                z[k] = v
                moved = True
        return z if moved else None

    @property
    def evaluated(self) -> int:
        """Float points evaluated so far."""
        return self.position

    def run_floats(self, stop: Callable[[], bool]) -> bool:
        """Evaluate float points until ``stop()``; True once all are done."""
        s = self.s
        while self.position < len(self.floats):
            if stop():
                return False
            d, m, zq = self.floats[self.position]
            self.position += 1
            z = np.array([float(v) for v in zq])
            v = s.objective(z)
            if v < -1e-12:  # below the smallest tolerance a confirmation starts from
                s.remember(Candidate(z, s.layout.to_point(z), v, SWEPT))
            elif math.isfinite(v):
                # a candidate for the tightest case: (x - 10**8)**2 >= 0 is 0 at the swept
                # 10**8, and its tightest case was x = -1.32, lhs - rhs = 1e16
                s.remember_tight(Candidate(z, s.layout.to_point(z), v, SWEPT))
            elif not math.isfinite(v) and abs(m) > 1:
                self.overflowed.setdefault(d, []).append(m)
        return True

    def exact_points(self) -> list[list[Fraction]]:
        """Points for exact decision, once the float points are done (empty before)."""
        if self._exact is not None:
            return self._exact
        if self.position < len(self.floats):
            return []
        if not _bounded_exactly(self.s.st):
            self._exact = []
            return self._exact
        rational = self.s.st.is_rational_function()
        beyond = [k for k in _SWEEP_BEYOND if rational or k <= _SWEEP_BEYOND_IRRATIONAL]
        per: list[list[list[Fraction]]] = []
        for d, (ks, b) in enumerate(self.directions):
            over = sorted(self.overflowed.get(d, []), key=abs)
            pos = [m for m in over if m > 0]
            neg = [m for m in over if m < 0]
            # the first magnitude that overflowed (the violation may go on past float64),
            # then ever larger steps above it, then past float64 itself
            values = [m for side in (pos, neg)
                      for j, m in enumerate(side) if j & (j + 1) == 0]
            values += [sign * Fraction(10) ** k for k in beyond for sign in (1, -1)]
            values.sort(key=abs)
            points = [self._point(self.simple[b], ks, v) for v in values]
            per.append([z for z in points if z is not None])
        out: list[list[Fraction]] = []
        seen: set[tuple[Fraction, ...]] = set()
        for j in range(max(map(len, per), default=0)):  # round robin over the directions
            for points in per:
                if j < len(points) and tuple(points[j]) not in seen:
                    seen.add(tuple(points[j]))
                    out.append(points[j])
        self._exact = out[:self.exact_limit]
        return self._exact


__all__ = ["SWEPT", "MagnitudeSweep"]
