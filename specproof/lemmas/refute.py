"""``refute``: search for a counterexample, shrink it, confirm it exactly.

The search (:mod:`~specproof.lemmas.search`) draws from structured ensembles and runs
multistart local optimisation of the normalised margin within a time budget, and sweeps
magnitudes (:class:`~specproof.lemmas.magnitudes.MagnitudeSweep`: ``x <= 10**300`` is false
only beyond every draw). Every violation seen is shrunk to the simplest rational point
that still violates (:mod:`~specproof.lemmas.shrink`) and confirmed in exact or interval
arithmetic (:mod:`~specproof.lemmas.confirm`). A confirmed one is :class:`Refuted`; one
that cannot be confirmed is a :class:`NumericalCounterexample`; none is
:class:`Undecided`, with the tightest case seen (a point of the domain whose float value
agrees with its exact one). A box, ball or sphere is also tried at its own exact numbers
(:func:`~specproof.lemmas.exact_points.exact_domain_search`). A statement too large to
compile within the budget is not searched (``Undecided``, saying so). Ctrl-C stops the
search and returns what was found so far.

Examples
--------
>>> from specproof.lemmas.domains import box
>>> r = refute("x**3 - x >= -0.38", domain=box(x=(0, 1)), seed=0, budget=5)
>>> r
Refuted(x**3 - x >= -0.38 fails at x = 3/5: lhs = -48/125, rhs = -19/50)
>>> r.margin
Fraction(-1, 250)
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np

from specproof.lemmas.closed import decide_closed, is_closed
from specproof.lemmas.confirm import confirm
from specproof.lemmas.exact_points import exact_domain_search, exact_fallback, has_exact_domain
from specproof.lemmas.magnitudes import SWEPT, MagnitudeSweep
from specproof.lemmas.real_conditions import undecided_reason
from specproof.lemmas.refute_confirm import _try_confirm, user_point
from specproof.lemmas.search import Candidate, Searcher, too_big_to_search
from specproof.lemmas.statement import Statement, as_statement
from specproof.lemmas.tightest import _confirm_tightest, _tightest
from specproof.lemmas.verdicts import NumericalCounterexample, Refuted, Undecided

_SCALAR_ENSEMBLES = ("gaussian", "rademacher", "integer")
_MATRIX_ENSEMBLES = ("rank_one", "low_rank", "near_commuting", "ill_conditioned",
                     "orthogonal", "psd")
# seconds at most for deciding the tightest case's candidates exactly (tightest.py)
_TIGHTEST_SECONDS = 0.5
_TIGHTEST_SECONDS_INTERRUPTED = 0.1


class _Progress:
    def __init__(self, show: bool) -> None:
        self.show = show
        self.last = 0.0

    def __call__(self, s: Searcher, t0: float, phase: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.show or (now - self.last < 0.2 and not force):
            return
        self.last = now
        best = s.best_value()
        sys.stderr.write(f"\rrefute: {phase}, {s.evaluations} points, best normalised margin "
                         f"{best:+.3g}, {now - t0:.1f} s   ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.show:
            sys.stderr.write("\n")


def _sweep_round(s: Searcher, sweep: MagnitudeSweep, out_of_time: Any, seconds: float,
                 check_best: Any) -> Refuted | None:
    """One slice of the magnitude sweep: its float points (a violation is shrunk and
    confirmed by ``check_best``, as any other), then its exact points."""
    end = time.monotonic() + seconds

    def stop() -> bool:
        return out_of_time() or time.monotonic() > end

    done = sweep.run_floats(stop)
    if s.best_value() < 0:
        found = check_best()
        if found:
            return found
    if not done or s.st.is_black_box:  # a callable's float is its own answer
        return None
    points = sweep.exact_points()
    while sweep.exact_position < len(points) and not stop():
        z = points[sweep.exact_position]
        sweep.exact_position += 1
        x = z if s.layout.identity else s.layout.to_point_exact(z)
        began = time.monotonic()
        try:
            c = confirm(s.st, dict(zip(s.st.variables, x)), seconds=seconds / 4)
        except (ValueError, ArithmeticError):
            # Unconfirmable (outside the domain, not real there, not enclosable in time),
            # or sympy's own evaluation of a huge point raising (1.14's factorint: "... is
            # not a prime factor of ..." for sqrt of a 600-digit integer): no decision
            c = None
        sweep.exact_tried += 1
        if time.monotonic() - began > seconds:
            # sympy's exact evaluation is not bounded by confirm's seconds: a point that
            # took longer than the whole slice says the others may as well. Only the
            # second says so: one stall (a garbage collection, a loaded machine) dropped
            # every exact point of x + y <= 10**309, which then ended UNDECIDED
            sweep.slow_exact += 1
            if sweep.slow_exact >= 2:
                sweep.exact_position = len(points)
        if c is not None and c.violated:
            how = ("magnitude sweep, exact evaluation at a point where float64 overflowed or "
                   "beyond its range; "
                   + ("confirmed exactly in rational arithmetic" if c.exact
                      else "confirmed with certified interval enclosures (arb)"))
            return Refuted(s.st.text, user_point(s.st, list(x)), c.lhs, c.rhs, c.margin, how,
                           s.st.relation)
    return None


def _until(out_of_time: Any, end: float) -> Any:
    """A stop test: the budget is spent, or the monotonic clock is past ``end``."""
    return lambda: out_of_time() or time.monotonic() > end


def _sweep_note(sweep: MagnitudeSweep) -> str:
    exact = sweep.exact_tried
    return (f"magnitude sweep: {sweep.evaluated} points at ±10^k (k from -320 to 308)"
            + (f" and {exact} evaluated exactly where float64 overflowed or beyond it"
               if exact else ""))


def _refute_closed(st: Statement, budget: float) -> Refuted | Undecided:
    """A statement without variables, decided by evaluation: ``Refuted`` at the empty point
    when false; a true one is ``Undecided`` here (refute finds counterexamples, ``prove``
    returns the proof), and says that it holds."""
    found = decide_closed(st, seconds=budget)
    if found.verdict != "PROVED":
        return found
    how = found.method.removesuffix(", no variables")
    said = found.check_message.removeprefix("no variables: ")
    return Undecided(st.text, (f"no variables: {said}, by {how}: the statement holds, so "
                               "there is no counterexample (prove returns the proof)",),
                     evaluated=1)


def refute(statement: Any, variables: Any = None, domain: Any = None, *, seed: Any = 0,
           budget: float = 10.0, progress: bool | None = None,
           ensembles: tuple[str, ...] | None = None
           ) -> Refuted | NumericalCounterexample | Undecided:
    """Search for a counterexample to ``statement`` and confirm it exactly.

    Parameters
    ----------
    statement, variables, domain
        As for :func:`~specproof.lemmas.statement.as_statement`.
    seed
        Seed or ``numpy.random.Generator``: the same seed gives the same search.
    budget
        Seconds of search (the search stops early once a counterexample is confirmed).
    progress
        Show progress on stderr (default: when stderr is a terminal).
    ensembles
        Which ensembles to draw from (default: all that apply).

    Returns
    -------
    Refuted | NumericalCounterexample | Undecided

    Examples
    --------
    >>> refute("x**2 + 1 >= 2*x", budget=0.5)  # doctest: +ELLIPSIS
    Undecided(x**2 + 1 >= 2*x: tried ...; tightest: Tightest(margin ... at x = ...))
    """
    from specproof.lemmas.errors import StatementError

    st = as_statement(statement, variables, domain)
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (int, np.integer))
                                      or isinstance(seed, np.random.Generator)):
        raise StatementError(f"seed must be an int, None or a numpy.random.Generator, got "
                             f"{seed!r}")
    if isinstance(seed, (int, np.integer)) and seed < 0:
        # numpy's "expected non-negative integer" did not name the argument
        raise StatementError(f"seed must be a non-negative int, got {seed!r}")
    if isinstance(budget, bool) or not (isinstance(budget, (int, float)) and budget > 0
                                        and math.isfinite(budget)):
        raise StatementError(f"budget must be a positive number of seconds, got {budget!r}")
    if is_closed(st):
        # no variables: nothing to search (67,000 points of an empty space were "tried")
        return _refute_closed(st, float(budget))
    unreal = undecided_reason(st)
    if unreal is not None:  # every value found would be sympy's rewriting, not the statement
        return Undecided(st.text, (unreal,), evaluated=0)
    big = too_big_to_search(st, float(budget))
    if big is not None:  # compiling alone would take the budget many times over
        return Undecided(st.text, (big,), evaluated=0)
    try:
        s = Searcher(st, seed=seed)
    except RecursionError:
        # Python's compiler recurses once per level of the compiled expression
        return Undecided(st.text, ("not searched: the statement is nested too deeply to "
                                   "compile for the float search; nothing was evaluated",),
                         evaluated=0)
    show = _Progress(sys.stderr.isatty() if progress is None else bool(progress))
    t0 = time.monotonic()
    deadline = t0 + float(budget)

    def out_of_time() -> bool:
        return time.monotonic() > deadline

    if ensembles is None:
        ensembles = _SCALAR_ENSEMBLES + (("uniform",) if st.domain.bounds() else ())
        if st.matrices:
            ensembles += _MATRIX_ENSEMBLES
    tried_confirm: set[bytes] = set()
    numerical: NumericalCounterexample | None = None
    rounds = starts = 0
    exact_note: str | None = None
    sweep: MagnitudeSweep | None = None
    domain_tried: int | None = None  # points of the domain's exact numbers decided
    # the magnitude sweep's share of each round: it must not crowd out the draws
    sweep_slice = max(0.02, float(budget) / 20)

    def nothing_finite() -> bool:  # as _tightest: no feasible point with a finite value
        return not any(c.value <= 1.0 for c in s.best)

    def check_best() -> Refuted | None:
        nonlocal numerical
        for cand in [c for c in s.best if c.value < 0][:3]:
            with np.errstate(over="ignore"):  # z * 1e9 overflows past 1.8e299
                rounded = np.round(cand.z, 9)
            key = np.where(np.isfinite(rounded), rounded, cand.z).tobytes()
            if key in tried_confirm:
                continue
            tried_confirm.add(key)
            v = _try_confirm(s, cand)
            if isinstance(v, Refuted):
                return v
            if v is not None and numerical is None:
                numerical = v
        return None

    try:
        while not out_of_time():
            rounds += 1
            for e in ensembles:
                s.sample(e, 32, out_of_time)
                show(s, t0, "sampling")
                if s.best_value() < 0:  # confirm as soon as anything violates
                    found = check_best()
                    if found:
                        show.done()
                        return found
                if out_of_time():
                    break
            if exact_note is None and nothing_finite():
                # floats overflowed or were undefined at every point of a whole round
                # (10**400 + x**2 <= 0): decide simple rational points exactly instead
                found, exact_note = exact_fallback(
                    s, out_of_time, seconds=max(0.5, deadline - time.monotonic()))
                if found:
                    show.done()
                    return found
            if sweep is None:  # after a round, so that its base is the best point so far
                sweep = MagnitudeSweep(s)
            found = _sweep_round(s, sweep, out_of_time, sweep_slice, check_best)
            if found:
                show.done()
                return found
            if domain_tried is None and has_exact_domain(st) and not st.is_black_box:
                # once, after a round of draws: the domain's exact bounds, centre and
                # radius, which the floats round (a box [1, 1 + 2e-16] is 1.0) or
                # underflow at (a sphere of radius 1e-300)
                found, domain_tried = exact_domain_search(
                    s, _until(out_of_time, time.monotonic() + sweep_slice), sweep_slice)
                if found:
                    show.done()
                    return found
            # not from the sweep's points at 1e308: their finite differences overflow, and
            # one that was not confirmed would be a start again in every round
            pool = [c for c in s.best if c.how != SWEPT][:2] + [
                Candidate(z, s.layout.to_point(z), s.objective(z), "restart")
                for z in [s.draw("gaussian")]]
            for cand in pool:
                if out_of_time():
                    break
                starts += 1
                s.optimise(cand, out_of_time)
                show(s, t0, "local optimisation")
                found = check_best()
                if found:
                    show.done()
                    return found
    except KeyboardInterrupt:
        show.done()
        if numerical is not None:
            return numerical
        return Undecided(st.text, (f"interrupted after {s.evaluations} points",),
                         _tightest(s, _TIGHTEST_SECONDS_INTERRUPTED),
                         evaluated=0 if nothing_finite() else s.evaluations)
    show.done()
    if numerical is not None:
        return numerical
    # choosing the tightest case decides its candidates exactly: a share of the budget
    tight_seconds = min(_TIGHTEST_SECONDS, max(0.05, float(budget) / 10))
    found = _confirm_tightest(s, float(budget))
    if found is not None:
        return found
    tried = (f"{s.evaluations} points from {', '.join(ensembles)} ({rounds} rounds)",
             f"{starts} local optimisations of the normalised margin",
             f"budget {budget:.3g} s, seed {seed!r}")
    if sweep is not None and sweep.evaluated:
        tried += (_sweep_note(sweep),)
    if domain_tried:
        tried += (f"exact evaluation at {domain_tried} points built from the domain's exact "
                  "bounds, centres and radii (the statement held at each that is in the "
                  "domain)",)
    if nothing_finite() and exact_note is None:
        # past the budget: a few more seconds at most, each point bounded as well
        extra = max(1.0, float(budget) / 4)
        end = time.monotonic() + extra
        found, exact_note = exact_fallback(s, lambda: time.monotonic() > end, seconds=extra)
        if found:
            return found
    if exact_note:
        tried += (exact_note,)
    if not nothing_finite():
        return Undecided(st.text, tried, _tightest(s, tight_seconds), evaluated=s.evaluations)
    # nothing finite anywhere: a callable that returns NaN or raises everywhere, or a
    # statement real nowhere, must not read as "searched and found nothing"; nor may a
    # handful of exact points that held (10**400*(x-3)**2 >= 10**400 held at 6 of them)
    tried += ("no point gave a finite value in the domain: the statement was NaN, "
              "raised or was outside the domain at every point tried"
              + ("; the search could not evaluate the statement in floating point at any "
                 "point, and the exact points that held are not a search"
                 if exact_note and "held" in exact_note else ""),)
    return Undecided(st.text, tried, _tightest(s, tight_seconds), evaluated=0)


__all__ = ["refute", "user_point"]
