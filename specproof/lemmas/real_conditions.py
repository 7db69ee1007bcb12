"""Where a constant is real: the sign conditions of constant arguments, certified with arb.

sympy's ``is_nonnegative`` is None for a constant whose sign it cannot find
(``sqrt(5 + 2*sqrt(6)) - sqrt(2) - sqrt(3) - 10**-700`` is exactly ``-10**-700``), and
it still rewrites ``exp(log(c))`` to ``c`` and ``sqrt(c)**2`` to ``c``. Such a statement
was PROVED or REFUTED although it is not real. So the parser records each constant
``sqrt`` or fractional-power argument (``>= 0``), ``log`` argument or base of a variable
power (``> 0``) and denominator (``!= 0``) whose sign sympy does not know, and
:func:`settle` decides each with certified interval arithmetic (python-flint's arb, at the
precisions :func:`~specproof.lemmas.confirm.confirm` uses): a condition certified to hold
is dropped, one certified violated makes the statement not real (the parser refuses it,
as it refuses ``log(-2)``), and one that arb cannot decide stays on the statement
(``Statement.conditions``), where it makes every verdict Undecided and says why.

Examples
--------
>>> import sympy
>>> c = Condition("> 0", sympy.sqrt(5 + 2*sympy.sqrt(6)) - sympy.sqrt(2) - sympy.sqrt(3)
...               - sympy.Rational(1, 10**700), "log(...)")
>>> settle(c)
False
>>> settle(Condition("!= 0", sympy.sqrt(2) + sympy.sqrt(3) - sympy.sqrt(5 + 2*sympy.sqrt(6)),
...                  "1/(...)")) is None
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sympy

KINDS = (">= 0", "> 0", "!= 0")
_WHAT = {">= 0": "is negative", "> 0": "is not positive", "!= 0": "is 0"}
SETTLE_SECONDS = 5.0  # per condition: arb at 64 .. 4096 bits is milliseconds for sane input


@dataclass(frozen=True)
class Condition:
    """``expr kind`` (``kind`` in :data:`KINDS`), needed where ``where`` is written."""

    kind: str
    expr: sympy.Expr
    where: str
    role: str = "its argument"  # or "its denominator", "its base"

    def describe(self) -> str:
        return f"{_short(self.expr)} {self.kind} ({self.role} in {self.where[:80]})"

    def violation(self, how: str = "certified interval evaluation") -> str:
        """Why the statement is not real when the condition is known violated."""
        return f"{self.where[:80]} is not a real number: {self.role} {_WHAT[self.kind]} ({how})"


def _short(e: sympy.Expr) -> str:
    text = sympy.sstr(e)
    return text if len(text) <= 120 else text[:100] + " ..."


def _decide(kind: str, v: Any) -> bool | None:
    """The condition at one arb ball: True / False when certified, None when the ball
    straddles the boundary (or is NaN)."""
    if kind == ">= 0":
        return True if v >= 0 else False if v < 0 else None
    if kind == "> 0":
        return True if v > 0 else False if v <= 0 else None
    if v > 0 or v < 0:
        return True
    return False if v.is_exact() and v == 0 else None


def settle(cond: Condition, seconds: float = SETTLE_SECONDS) -> bool | None:
    """True when ``cond`` is certified to hold, False when certified violated, None when
    certified interval arithmetic decides neither (within ``seconds``, checked between
    precisions)."""
    from specproof.lemmas.confirm import PRECISIONS, Unconfirmable, _arb, _precision

    try:
        import flint  # noqa: F401
    except ImportError:
        return None
    deadline = time.monotonic() + seconds
    for bits in PRECISIONS:
        if time.monotonic() > deadline:
            return None
        with _precision(bits):
            try:
                found = _decide(cond.kind, _arb(cond.expr, {}))
            except (Unconfirmable, ValueError, ZeroDivisionError, TypeError,
                    ArithmeticError):
                return None  # not enclosable: decided nowhere
        if found is not None:
            return found
    return None


def undecided_reason(statement: Any) -> str | None:
    """Why nothing about ``statement`` can be decided: a condition for it to be real that
    certified interval arithmetic did not settle; None when there is none."""
    conds = tuple(getattr(statement, "conditions", ()) or ())
    if not conds:
        return None
    listed = "; ".join(c.describe() for c in conds[:3])
    return (f"the statement is real only where {listed}, which certified interval "
            "evaluation (arb, up to 4096 bits) does not decide: nothing is decided")


__all__ = ["KINDS", "Condition", "settle", "undecided_reason"]
