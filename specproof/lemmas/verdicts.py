"""What a lemma check concludes, each verdict with its trust level.

* :class:`Refuted`: a counterexample confirmed in exact rational arithmetic, or with
  certified interval enclosures (:class:`Interval`) that exclude the claimed side.
* :class:`NumericalCounterexample`: a violation seen in floating point that could not be
  confirmed; never called refuted.
* :class:`Undecided`: nothing found; what was tried and the tightest case seen.
* :class:`DecidedBySolver`: an SMT solver's answer, "decided by z3, not certified".

``Proved`` lives with the prover (:mod:`specproof.lemmas.prove`). Every verdict is a
small frozen dataclass with ``verdict`` (an upper-case word), ``trust`` (words), a
readable ``repr`` and ``to_dict()`` (the project's JSON conversion).

Examples
--------
>>> from fractions import Fraction as F
>>> r = Refuted(text="x >= 1", point={"x": F(1, 2)}, lhs=F(1, 2), rhs=F(1), margin=F(-1, 2),
...             how_found="gaussian samples")
>>> r
Refuted(x >= 1 fails at x = 1/2: lhs = 1/2, rhs = 1)
>>> r.to_dict()["point"]
{'x': '1/2'}
"""

from __future__ import annotations

import dataclasses
import decimal
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from specproof._core.jsonable import to_jsonable


@dataclass(frozen=True)
class Interval:
    """A certified enclosure ``[lo, hi]`` with exact rational (dyadic) endpoints.

    Examples
    --------
    >>> Interval(Fraction(1, 4), Fraction(1, 2)).excludes_zero()
    True
    """

    lo: Fraction
    hi: Fraction

    def excludes_zero(self) -> bool:
        return self.lo > 0 or self.hi < 0

    def __float__(self) -> float:
        return float((self.lo + self.hi) / 2)

    def __str__(self) -> str:
        """``mid ± rad`` that really contains ``[lo, hi]``.

        The midpoint was printed as a double (an error near 1e-16) beside the enclosure's
        radius (1e-19 for pi), so the printed interval missed the true value. Now the
        midpoint is a decimal with enough digits for the radius, and the radius is
        ``max(hi - m, m - lo)`` for that printed ``m``, rounded up.

        Examples
        --------
        >>> str(Interval(Fraction(1, 3), Fraction(1, 3)))
        '0.33333333333333333 ± 3.4e-18'
        """
        mid = (self.lo + self.hi) / 2
        digits = 17
        width = self.hi - self.lo
        if mid != 0 and width > 0:
            # enough digits that rounding the midpoint costs no more than the width
            digits = min(60, max(17, _exponent10(mid) - _exponent10(width) + 3))
        text = _decimal_round(mid, digits)
        m = Fraction(decimal.Decimal(text))
        rad = max(self.hi - m, m - self.lo)
        if rad <= 0:
            return f"{text} ± 0"
        up = decimal.Context(prec=2, rounding=decimal.ROUND_CEILING)
        r = up.divide(decimal.Decimal(rad.numerator), decimal.Decimal(rad.denominator))
        return f"{text} ± {r:.2g}"

    def to_dict(self) -> dict[str, str]:
        return {"lo": exact_text(self.lo), "hi": exact_text(self.hi)}


def _exponent10(q: Fraction) -> int:
    """log10(|q|) for a nonzero fraction, up to one or two (only a digit count uses it).

    From bit lengths: ``str`` of an integer of over 4300 digits raises (a proof of
    ``exp(exp(10)) >= 1`` ended in a traceback)."""
    q = abs(q)
    return int((q.numerator.bit_length() - q.denominator.bit_length()) * 0.30103)


def _decimal_round(q: Fraction, digits: int) -> str:
    """``q`` as a decimal string with ``digits`` significant digits (nearest)."""
    ctx = decimal.Context(prec=digits, rounding=decimal.ROUND_HALF_EVEN,
                          Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    d = ctx.divide(decimal.Decimal(q.numerator), decimal.Decimal(q.denominator))
    return f"{d:.{digits}g}" if d != 0 else "0"


_MAX_EXACT_BITS = 13_000  # about 3900 digits: below Python's 4300-digit str limit


def exact_text(q: Fraction) -> str:
    """``q`` as ``p/q`` when it can be written out, else its leading digits (says so).

    Examples
    --------
    >>> exact_text(Fraction(1, 3))
    '1/3'
    >>> exact_text(Fraction(10**5000))
    '1E+5000 (rounded: too long to write out exactly)'
    """
    if max(q.numerator.bit_length(), q.denominator.bit_length()) <= _MAX_EXACT_BITS:
        return str(q)
    from specproof.certificates.rational_text import approximate

    return f"{approximate(q, 20)} (rounded: too long to write out exactly)"


def _writable(value: Any) -> Any:
    """``value`` with each fraction too long for ``str`` replaced by :func:`exact_text`."""
    if isinstance(value, Fraction):
        return value if max(value.numerator.bit_length(),
                            value.denominator.bit_length()) <= _MAX_EXACT_BITS \
            else exact_text(value)
    if isinstance(value, dict):
        return {k: _writable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_writable(v) for v in value)
    return value


def show(value: Any) -> str:
    """A value as a user reads it: fractions as p/q, matrices as nested lists."""
    if isinstance(value, Fraction):
        return exact_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def show_point(point: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {show(v)}" for k, v in point.items())


@dataclass(frozen=True)
class Verdict:
    """Base of the verdicts: the statement's text and the point of view of ``to_dict``."""

    verdict: ClassVar[str] = ""
    trust: ClassVar[str] = ""
    code: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict, "trust": self.trust}
        for f in dataclasses.fields(self):
            out[f.name] = to_jsonable(_writable(getattr(self, f.name)))
        return out


@dataclass(frozen=True)
class Refuted(Verdict):
    """The statement is false: at ``point`` (exact, in the user's variables) it fails.

    ``lhs``, ``rhs`` and ``margin`` (how far the claimed side is violated; negative) are
    exact fractions, or certified :class:`Interval` enclosures where irrational.
    """

    text: str
    point: dict[str, Any]
    lhs: Any
    rhs: Any
    margin: Any
    how_found: str = ""
    relation: str = ">="

    verdict: ClassVar[str] = "REFUTED"
    code: ClassVar[str] = "refuted"

    @property
    def exact(self) -> bool:
        """True when lhs and rhs are exact rationals (not intervals)."""
        return not any(isinstance(v, Interval) for v in (self.lhs, self.rhs, self.margin))

    @property  # type: ignore[override]
    def trust(self) -> str:
        return ("counterexample confirmed exactly" if self.exact
                else "counterexample confirmed with certified interval arithmetic")

    def __repr__(self) -> str:
        at = f" at {show_point(self.point)}" if self.point else ""
        return (f"Refuted({self.text} fails{at}: "
                f"lhs = {show(self.lhs)}, rhs = {show(self.rhs)})")


@dataclass(frozen=True)
class NumericalCounterexample(Verdict):
    """A violation seen in floating point only: numerical counterexample, not confirmed."""

    text: str
    point: dict[str, Any]
    lhs: float
    rhs: float
    margin: float
    how_found: str = ""
    why_not_confirmed: str = ""

    verdict: ClassVar[str] = "NUMERICAL COUNTEREXAMPLE"
    trust: ClassVar[str] = "numerical counterexample, not confirmed"
    code: ClassVar[str] = "numerical_counterexample"

    def __repr__(self) -> str:
        at = f" at {show_point(self.point)}" if self.point else ""
        return (f"NumericalCounterexample({self.text} seems to fail{at}: "
                f"lhs ≈ {self.lhs:.10g}, rhs ≈ {self.rhs:.10g}; not confirmed: "
                f"{self.why_not_confirmed})")


FLOAT_NOTE = "float64 evaluation, not certified"
EXACT_NOTE = "exact at this point"
CERTIFIED_NOTE = "midpoint of a certified enclosure at this point"


@dataclass(frozen=True)
class Tightest:
    """The closest a search came to a violation: the smallest normalised margin and where.

    ``how`` says what the numbers are: a float64 evaluation (:data:`FLOAT_NOTE`), or the
    exact (:data:`EXACT_NOTE`) or certified (:data:`CERTIFIED_NOTE` and the enclosure's
    radius) values at the point, rounded to floats once. ``difference`` is ``lhs - rhs``
    from those values (not the difference of the rounded sides: at ``exp(x) >= 1 + x``,
    x = -1.9e-9, the floats give -1.1e-16 where the value is +1.7e-18).
    """

    point: dict[str, Any]
    lhs: float
    rhs: float
    margin: float
    ratio: float | None = None
    how: str = FLOAT_NOTE
    difference: float | None = None

    @property
    def lhs_minus_rhs(self) -> float:
        """``lhs - rhs``, from the exact or certified values where the point has them."""
        return self.lhs - self.rhs if self.difference is None else self.difference

    def __repr__(self) -> str:
        # a float64 margin (the float logm of a nearly singular matrix was off by 1.2 on a
        # true identity) must not read as a measured violation: it says what it is
        approx = "≈" if self.how != EXACT_NOTE else "="
        ratio = "" if self.ratio is None else f", lhs/rhs ≈ {self.ratio:.10g}"
        at = f" at {show_point(self.point)}" if self.point else ""  # no variables: no point
        return f"Tightest(margin {approx} {self.margin:.6g}{at}{ratio}; {self.how})"


@dataclass(frozen=True)
class Undecided(Verdict):
    """No counterexample and no proof: ``tried`` lists what ran, ``tightest`` the closest case."""

    text: str
    tried: tuple[str, ...] = ()
    tightest: Tightest | None = None
    # points where the statement was evaluated to a decision (held there): 0 says nothing
    # was tested (a closed statement left undecided, a float search that evaluated no
    # point), which assert_no_counterexample must not pass; None where not counted
    evaluated: int | None = None

    verdict: ClassVar[str] = "UNDECIDED"
    trust: ClassVar[str] = "nothing decided"
    code: ClassVar[str] = "undecided"

    def __repr__(self) -> str:
        t = f"; tightest: {self.tightest!r}" if self.tightest else ""
        return f"Undecided({self.text}: tried {'; '.join(self.tried)}{t})"

    @property
    def nothing_evaluated(self) -> bool:
        """Whether the verdict rests on no evaluation of the statement at all.

        ``evaluated`` says so where the verdict counts it: 0 for a statement without
        variables that could not be decided, for one that is not certified real, and for
        a float search that evaluated no point, even where a few exact rational points
        then held (``10**400*(x-3)**2 >= 10**400`` held at 6 such points and is false at
        x = 3: a handful of points is not a search). A verdict that does not count
        (None, built elsewhere) is read from its notes in ``tried``.

        Examples
        --------
        >>> Undecided("x >= 0", evaluated=0).nothing_evaluated
        True
        """
        if self.evaluated is not None:
            return self.evaluated == 0
        if self.tightest is not None:
            return False
        return any(t.startswith("no point gave a finite value") for t in self.tried)


@dataclass(frozen=True)
class DecidedBySolver(Verdict):
    """An SMT solver's answer (``holds`` True/False): decided by z3, not certified."""

    text: str
    holds: bool
    solver: str = "z3"
    answer: str = ""
    model: dict[str, Any] = field(default_factory=dict)

    verdict: ClassVar[str] = "DECIDED BY SOLVER"
    code: ClassVar[str] = "decided_by_solver"

    @property  # type: ignore[override]
    def trust(self) -> str:
        return f"decided by {self.solver}, not certified"

    def __repr__(self) -> str:
        what = "holds" if self.holds else "fails"
        return f"DecidedBySolver({self.text} {what}; decided by {self.solver}, not certified)"


__all__ = ["DecidedBySolver", "Interval", "NumericalCounterexample", "Refuted", "Tightest",
           "Undecided", "Verdict", "exact_text", "show", "show_point"]
