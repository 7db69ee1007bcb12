"""A statement with no variables (``pi >= 3``): decided by evaluation, not by a search.

There is no point to search and no polynomial to decompose: the statement is one real
number ``lhs - rhs`` compared with 0. It is evaluated exactly where sympy computes an
exact rational, else enclosed in certified interval arithmetic (python-flint's arb balls,
as counterexamples are confirmed: :func:`specproof.lemmas.confirm.confirm` at the empty
point), and where the enclosure cannot separate the difference from 0 (``pi >= pi`` as
``pi - pi`` unevaluated, or an equality) sympy's exact simplification may still decide it.
Nothing is guessed: a difference that none of these decide stays undecided, and says why.

Examples
--------
>>> from specproof.lemmas.statement import as_statement
>>> decide_closed(as_statement("pi >= 3"))
Proved(pi >= 3: certified interval evaluation, no variables)
>>> decide_closed(as_statement("sqrt(2) >= 1.5")).verdict
'REFUTED'
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import sympy

from specproof.lemmas.confirm import (
    Confirmation,
    Unconfirmable,
    _fraction,
    _point_ok,
    confirm,
)
from specproof.lemmas.real_conditions import undecided_reason
from specproof.lemmas.verdicts import Refuted, Undecided, show

INTERVAL = "certified interval evaluation, no variables"
EXACT = "exact evaluation"
SIMPLIFIED = "exact simplification, no variables"
# one evaluation, bounded between precisions: exp(exp(exp(5))) must not run unbounded
CONFIRM_SECONDS = 10.0


def is_closed(st: Any) -> bool:
    """True for a symbolic statement without variables (a black box always has some)."""
    return not st.is_black_box and not st.variables


def decide_closed(st: Any, seconds: float = CONFIRM_SECONDS) -> Any:
    """``Proved``, ``Refuted`` (at the empty point) or ``Undecided`` for a closed statement.

    Parameters
    ----------
    st : Statement
        A statement with no variables (:func:`is_closed`).
    seconds : float
        A bound on the interval evaluation, checked between its precisions (a statement
        it leaves undecided is Undecided).

    Returns
    -------
    Proved | Refuted | Undecided
        ``Proved`` has no certificate file: its proof is the evaluation itself, named by
        ``method`` (``"exact evaluation"``, ``"certified interval evaluation, no
        variables"`` or ``"exact simplification, no variables"``).
    """
    from specproof.lemmas.prove import Proved

    t0 = time.perf_counter()
    text = st.text or str(st)
    unreal = undecided_reason(st)
    if unreal is not None:
        # exp(log(c)) is c to sympy: its sign decides nothing until c > 0 is certified
        return Undecided(text, (f"no variables: {unreal}",), evaluated=0)
    try:
        broken = _point_ok(st, {})
    except Unconfirmable as exc:
        return Undecided(text, (f"no variables: {exc}: whether the domain is empty is not "
                                "decided, so nothing is",), evaluated=0)
    if broken:
        # every statement holds on the empty set: PROVED there would say nothing
        return Undecided(text, (f"no variables: the domain is empty ({broken} fails), so the "
                                "statement holds there vacuously and nothing is decided",),
                         evaluated=0)
    try:
        c = confirm(st, {}, seconds=seconds)
    except Unconfirmable as exc:
        # an enclosure that straddles 0 (an exactly true >= or ==), or a value arb cannot
        # enclose: only an exact rational from sympy may decide it, never a nearby guess
        return _simplified(st, text, t0, str(exc))
    method = EXACT if c.exact else INTERVAL
    if not c.violated:
        return Proved(text=text, certificate=None, method=method,
                      seconds=time.perf_counter() - t0, check_message=_holds(st, c))
    how = ("no variables: exact rational evaluation shows the statement false" if c.exact
           else "no variables: certified interval evaluation (arb) shows the statement false")
    return Refuted(text, {}, c.lhs, c.rhs, c.margin, how, st.relation)


def _difference_name(st: Any) -> str:
    return "rhs - lhs" if st.relation == "<=" else "lhs - rhs"


def _holds(st: Any, c: Confirmation) -> str:
    rel = "== 0" if st.relation == "==" else ">= 0"
    what = "exactly" if c.exact else "(certified enclosure)"
    return f"no variables: {_difference_name(st)} = {show(c.margin)} {rel} {what}"


def _simplified(st: Any, text: str, t0: float, why: str) -> Any:
    from specproof.lemmas.prove import Proved

    try:
        d = sympy.simplify(st.difference())
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        d = None
    name = _difference_name(st)
    if d is not None and d.is_Rational:
        if (d == 0) if st.relation == "==" else (d >= 0):
            rel = "== 0" if st.relation == "==" else ">= 0"
            return Proved(text=text, certificate=None, method=SIMPLIFIED,
                          seconds=time.perf_counter() - t0,
                          check_message=f"no variables: {name} simplifies to "
                                        f"{show(_fraction(d))} {rel} exactly (sympy)")
        # false exactly, though the sides have no certified enclosure to print: they are
        # shown as written (an Undecided here let assert_no_counterexample pass)
        how = (f"no variables: exact simplification (sympy) shows the statement false: {name} "
               f"simplifies to {show(_fraction(d))} (no enclosure of the sides: {why})")
        return Refuted(text, {}, sympy.sstr(st.lhs), sympy.sstr(st.rhs),
                       Fraction(int(d.p), int(d.q)), how, st.relation)
    shown = sympy.sstr(st.difference())[:200]
    tried = (f"{INTERVAL}: {why}; nor does sympy simplify {name} = {shown} to an exact "
             "rational: nothing decided",)
    return Undecided(text, tried, evaluated=0)


__all__ = ["EXACT", "INTERVAL", "SIMPLIFIED", "decide_closed", "is_closed"]
