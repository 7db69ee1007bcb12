"""Where a statement is claimed: a box, ball, sphere, simplex, orthant or polynomial constraints.

A :class:`Domain` is the intersection of its parts. Every part contributes polynomial
inequalities ``g >= 0`` and equalities ``h == 0`` (what a prover needs) and remembers its
shape (what the search needs to sample inside it). ``&`` intersects two domains.

Examples
--------
>>> import sympy
>>> x, y = sympy.symbols("x y", real=True)
>>> d = box({x: (-1, 1)}) & ball([x, y], radius=2)
>>> d.inequalities
(x + 1, 1 - x, -x**2 - y**2 + 4)
>>> d.contains({x: sympy.Rational(1, 2), y: 0})
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from specproof.lemmas.errors import StatementError

# the notes parse.py puts on the conditions under which a statement is real or defined
_REAL_NOTE = " (where the statement is real)"
_DEFINED_NOTE = " (where the statement is defined)"


@dataclass(frozen=True)
class Part:
    """One piece of a domain: ``kind`` in box/ball/sphere/simplex/orthant/constraint."""

    kind: str
    symbols: tuple[sympy.Symbol, ...]
    params: tuple[Any, ...] = ()

    def describe(self) -> str:
        names = ", ".join(map(str, self.symbols))
        if self.kind == "box":
            return ", ".join(f"{s} in [{lo}, {hi}]"
                             for s, (lo, hi) in zip(self.symbols, self.params))
        if self.kind in ("ball", "sphere"):
            r, c = self.params
            where = "" if all(v == 0 for v in c) else f" around {tuple(c)}"
            return f"||({names})|| {'<=' if self.kind == 'ball' else '='} {r}{where}"
        if self.kind == "simplex":
            return f"({names}) in the simplex"
        if self.kind == "orthant":
            return f"({names}) >= 0"
        if self.kind in ("psd", "orthogonal"):
            name = str(self.symbols[0]).rsplit("_", 2)[0] if self.symbols else "?"
            return f"{name} is {'PSD' if self.kind == 'psd' else 'orthogonal'}"
        return str(self.params[0]) if self.params else self.kind


@dataclass(frozen=True)
class Domain:
    """The intersection of parts; ``inequalities`` (g >= 0) and ``equalities`` (h == 0)."""

    parts: tuple[Part, ...] = ()
    inequalities: tuple[sympy.Expr, ...] = field(default=())
    equalities: tuple[sympy.Expr, ...] = field(default=())

    def __and__(self, other: Domain) -> Domain:
        if not isinstance(other, Domain):
            return NotImplemented
        return Domain(self.parts + other.parts, self.inequalities + other.inequalities,
                      self.equalities + other.equalities)

    @property
    def is_everywhere(self) -> bool:
        """True when there is no constraint (all of R^n)."""
        return not (self.inequalities or self.equalities)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        seen: dict[sympy.Symbol, None] = {}
        for g in self.inequalities + self.equalities:
            for s in sorted(g.free_symbols, key=str):
                seen.setdefault(s)
        return tuple(seen)

    def bounds(self) -> dict[sympy.Symbol, tuple[Any, Any]]:
        """Box bounds per symbol (the tightest of the box parts)."""
        out: dict[sympy.Symbol, tuple[Any, Any]] = {}
        for p in self.parts:
            if p.kind == "box":
                for s, (lo, hi) in zip(p.symbols, p.params):
                    a, b = out.get(s, (-sympy.oo, sympy.oo))
                    out[s] = (sympy.Max(a, lo), sympy.Min(b, hi))
        return out

    def contains(self, point: Mapping[sympy.Symbol, Any]) -> bool:
        """Exactly: every inequality >= 0 and every equality == 0 at a rational point.

        A constraint that does not evaluate to a rational there counts as not satisfied.
        """
        values = {s: sympy.Rational(v) if not isinstance(v, sympy.Basic) else v
                  for s, v in dict(point).items()}
        for g in self.inequalities:
            v = g.xreplace(values)
            if not v.is_Rational or v < 0:
                return False
        for h in self.equalities:
            v = h.xreplace(values)
            if not v.is_Rational or v != 0:
                return False
        return all(self._strictly_positive(p, values) is True for p in self.parts)

    @staticmethod
    def _strictly_positive(part: Part, values: Mapping[sympy.Symbol, Any]) -> bool | None:
        """For a ``positive`` part (log's argument): whether it is > 0 at the point (None
        when not rational there); True for every other part."""
        if part.kind != "positive":
            return True
        v = sympy.sympify(part.params[1]).xreplace(values)
        return bool(v > 0) if v.is_Rational else None

    def shown_parts(self) -> list[Part]:
        """The parts worth showing: a "where the statement is real" condition that a stated
        part says already (``x >= 0`` beside the orthant) is left out.

        Examples
        --------
        >>> from specproof.lemmas.statement import as_statement
        >>> st = as_statement("sqrt(x)*y**(3/2) >= 0")
        >>> len(st.domain.parts), len(st.with_domain(orthant(st.variables)).domain.shown_parts())
        (2, 1)
        """
        stated: set[str] = set()
        for p in self.parts:
            if p.kind == "orthant":
                stated.update(f"{s}>=0" for s in p.symbols)
            elif p.kind == "box":
                stated.update(f"{s}>=0" for s, (lo, _) in zip(p.symbols, p.params)
                              if sympy.sympify(lo).is_nonnegative)
            elif p.kind == "constraint" and not str(p.params[0]).endswith(_REAL_NOTE):
                stated.add(str(p.params[0]).replace(" ", ""))
        return [p for p in self.parts
                if not (p.kind == "constraint" and str(p.params[0]).endswith(_REAL_NOTE)
                        and str(p.params[0]).removesuffix(_REAL_NOTE).replace(" ", "")
                        in stated)]

    def describe(self) -> str:
        return "; ".join(p.describe() for p in self.shown_parts()) or "all real values"

    def __repr__(self) -> str:
        return f"Domain({self.describe()})"

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.describe(),
                "inequalities": [str(g) for g in self.inequalities],
                "equalities": [str(h) for h in self.equalities]}


EVERYWHERE = Domain()


def _syms(symbols: Iterable[Any], what: str) -> tuple[sympy.Symbol, ...]:
    from specproof.lemmas.matrices import Matrix

    out: list[sympy.Symbol] = []
    for s in symbols:
        if isinstance(s, Matrix):
            out += list(s.symbols)
        elif isinstance(s, sympy.Symbol):
            out.append(s)
        else:
            raise StatementError(f"{what}: expected sympy symbols or Matrix variables, got {s!r}")
    if not out:
        raise StatementError(f"{what}: needs at least one variable")
    return tuple(out)


def _number(v: Any, what: str) -> sympy.Expr:
    from specproof.lemmas.statement import exact_number

    out = exact_number(v, what)
    if not out.is_finite:
        # a box to oo was accepted, then prove called the statement "not polynomial" and
        # refute demoted a valid witness
        raise StatementError(f"{what} must be finite, got {out}; a half-line is a "
                             "constraint (constraints('x >= 0')), all of R no domain at all")
    try:
        if not out.is_comparable:  # sympy's own test, which Max/Min of the bounds apply
            raise ValueError
        beyond = bool(abs(out) > sympy.Float(1.7976931348623157e308))
    except (TypeError, ValueError):
        # exp(exp(1000)) cannot be evaluated, sqrt(5 + 2 sqrt(6)) - sqrt(2) - sqrt(3) (0)
        # not signed: a raw "cannot create mpf" / "not comparable" blamed the statement
        raise StatementError(f"{what} is {sympy.sstr(out)[:60]}, a number whose size or "
                             "sign sympy cannot decide; give a rational or decimal "
                             "bound") from None
    if beyond:
        # exact, but the search runs in floats: x + 10**400 was inf at every point, and a
        # domain with points in it was reported as having none
        try:
            shown = f"{sympy.Float(out, 3)}"
        except (TypeError, ValueError):  # exp(exp(1000)): too large to evaluate at all
            shown = sympy.sstr(out)[:60]
        raise StatementError(f"{what} is {shown}, beyond float64's range "
                             "(about 1.8e308), where the search cannot evaluate; give a "
                             "bound within it")
    return out


def _refuse_unresolved(s: sympy.Symbol, lo: sympy.Expr, hi: sympy.Expr) -> None:
    """Refuse a box on ``s`` that float64 shows as a single point other than itself.

    The search evaluates in floats: ``[0, 1e-400]`` was the single float 0.0, and
    ``refute("x <= 0")`` on it passed though ``x = 1e-400`` is a counterexample;
    ``[1, 1 + 1e-400]`` is the single float 1.0 in the same way. (``[1e-400, 1]`` is
    kept: its floats from 5e-324 up lie in it.)
    """
    a, b = float(lo), float(hi)
    if a != b or (lo == hi and (lo == 0 or a != 0)):
        return
    if a == 0:
        which = ("upper" if lo == 0 else "lower") if (lo == 0) != (hi == 0) else None
        bound = f"the {which} bound of {s}, {_shown(hi if which == 'upper' else lo)}, is" \
            if which else f"the bounds of {s}, [{_shown(lo)}, {_shown(hi)}], are"
        raise StatementError(f"box: {bound} nonzero but below float64's resolution "
                             "(it rounds to 0.0; the smallest float is about 4.9e-324), "
                             "and the search, which evaluates in floats, would see only "
                             "the point 0 of the box; give bounds float64 can tell "
                             "apart from 0")
    raise StatementError(f"box: the bounds of {s} differ by {_shown(hi - lo)}, less than "
                         f"float64 can resolve there (both round to {a!r}), and the "
                         "search, which evaluates in floats, would see a single point; "
                         "give a wider box, or lo == hi for a single value")


def _shown(v: sympy.Expr) -> str:
    """``v`` to 3 digits, or as written where that is long (``exp(-exp(1000))``)."""
    try:
        text = sympy.sstr(sympy.N(v, 3))
    except (TypeError, ValueError):
        text = ""
    return text if 0 < len(text) <= 30 else sympy.sstr(v)[:60]


def box(bounds: Mapping[Any, tuple[Any, Any]] | None = None, **named: tuple[Any, Any]) -> Domain:
    """``lo <= s <= hi`` for each symbol: ``box({x: (-1, 1)})`` or ``box(x=(-1, 1))``.

    Examples
    --------
    >>> box(x=(0, 1)).describe()
    'x in [0, 1]'
    """
    from specproof.lemmas.matrices import real_symbol

    items = list((bounds or {}).items()) + [(real_symbol(k), v) for k, v in named.items()]
    if not items:
        raise StatementError("box: give at least one bound, e.g. box(x=(-1, 1))")
    syms, params, ineqs = [], [], []
    for s, bd in items:
        s = real_symbol(s) if isinstance(s, str) else s
        if not isinstance(s, sympy.Symbol) or not isinstance(bd, (tuple, list)) or len(bd) != 2:
            raise StatementError(f"box: each bound is symbol: (lo, hi), got {s!r}: {bd!r}")
        lo = _number(bd[0], f"box lower bound of {s}")
        hi = _number(bd[1], f"box upper bound of {s}")
        try:
            ordered = bool(lo <= hi)
        except TypeError:
            raise StatementError(f"box: sympy cannot decide whether the bounds of {s} are in "
                                 f"order ({sympy.sstr(lo)[:40]} <= {sympy.sstr(hi)[:40]}); "
                                 "give rational or decimal bounds") from None
        if not ordered:
            raise StatementError(f"box: the bound of {s} is empty ({lo} > {hi})")
        _refuse_unresolved(s, lo, hi)
        syms.append(s)
        params.append((lo, hi))
        ineqs += [s - lo, hi - s]
    return Domain((Part("box", tuple(syms), tuple(params)),), tuple(ineqs))


def _round(kind: str, symbols: Iterable[Any], radius: Any, center: Any) -> Domain:
    syms = _syms(symbols, kind)
    r = _number(radius, f"{kind} radius")
    if kind == "sphere" and not (r.is_rational and all(
            _number(v, "sphere center").is_rational for v in (center or []))):
        # the search places exact points on the sphere through rationals ("Invalid literal
        # for Fraction: 'sqrt(2)'"); the squared radius as a constraint says the same
        raise StatementError(
            f"sphere: radius and center must be rational numbers, got radius {r}; write "
            f"an irrational sphere as a constraint, e.g. constraints('x**2 + y**2 == 2')")
    if not r > 0:
        raise StatementError(f"{kind}: radius must be > 0, got {r}")
    if float(r) == 0:
        # the search evaluates in floats: a radius of 1e-400 is a ball of one point
        raise StatementError(f"{kind}: radius {_shown(r)} is nonzero but below float64's "
                             "resolution (it rounds to 0.0), and the search, which "
                             "evaluates in floats, would see only the center; give a "
                             "radius float64 can tell from 0")
    center = center if center is not None else [0] * len(syms)
    c = tuple(_number(v, f"{kind} center") for v in center)
    if len(c) != len(syms):
        raise StatementError(f"{kind}: center has {len(c)} entries for {len(syms)} variables")
    g = r**2 - sympy.Add(*[(s - ci) ** 2 for s, ci in zip(syms, c)])
    g = sympy.expand(g)
    part = Part(kind, syms, (r, c))
    return Domain((part,), (g,), ()) if kind == "ball" else Domain((part,), (), (-g,))


def ball(symbols: Iterable[Any], radius: Any = 1, center: Any = None) -> Domain:
    """``sum (s - c)^2 <= radius^2``.

    Examples
    --------
    >>> import sympy
    >>> ball(sympy.symbols("x y", real=True)).inequalities
    (-x**2 - y**2 + 1,)
    """
    return _round("ball", symbols, radius, center)


def sphere(symbols: Iterable[Any], radius: Any = 1, center: Any = None) -> Domain:
    """``sum (s - c)^2 == radius^2``.

    Examples
    --------
    >>> import sympy
    >>> sphere(sympy.symbols("x y", real=True)).equalities
    (x**2 + y**2 - 1,)
    """
    return _round("sphere", symbols, radius, center)


def simplex(symbols: Iterable[Any]) -> Domain:
    """Every ``s >= 0`` and their sum ``== 1``.

    Examples
    --------
    >>> import sympy
    >>> simplex(sympy.symbols("x y", real=True)).equalities
    (x + y - 1,)
    """
    syms = _syms(symbols, "simplex")
    return Domain((Part("simplex", syms),), syms, (sympy.Add(*syms) - 1,))


def orthant(symbols: Iterable[Any]) -> Domain:
    """Every ``s >= 0`` (the nonnegative orthant).

    Examples
    --------
    >>> import sympy
    >>> orthant(sympy.symbols("x y", real=True)).inequalities
    (x, y)
    """
    syms = _syms(symbols, "orthant")
    return Domain((Part("orthant", syms),), syms, ())


def constraints(*relations: Any) -> Domain:
    """Polynomial constraints given as relations (``x**2 + y**2 <= 1``, ``x*y == 1``) or strings.

    Examples
    --------
    >>> constraints("x*y >= 1").inequalities
    (x*y - 1,)
    """
    from specproof.lemmas.statement import as_statement

    ineqs, eqs, parts = [], [], []
    for rel in relations:
        st = as_statement(rel)
        if not st.is_polynomial():
            raise StatementError(f"constraint {st.text!r} is not polynomial")
        if st.domain.parts:
            # the constraint holds only where it is real ('exp(log(x)) <= 1' is 1 - x >= 0
            # on x > 0): dropping that made x = -1 a "counterexample" outside the domain
            raise StatementError(
                f"constraint {st.text!r} is claimed only {st.domain.describe()}; state that "
                "as constraints of its own (e.g. 'x >= 0') and the "
                "constraint without the functions that need it")
        diff = st.difference()
        if diff.is_number and (diff.is_negative if st.relation != "==" else diff.is_zero is False):
            # 0*x >= 1: sympy reads -1 >= 0; prove then reported an "independent checker"
            # rejection instead of saying the domain is empty
            from specproof.lemmas.errors import EmptyDomainError

            raise EmptyDomainError(f"constraint {st.text!r} is never true (it reads "
                                   f"{sympy.sstr(diff)} {'= 0' if st.relation == '==' else '>= 0'}"
                                   "): the domain is empty")
        (eqs if st.relation == "==" else ineqs).append(diff)
        parts.append(Part("constraint", st.variables, (st.text,)))
    return Domain(tuple(parts), tuple(ineqs), tuple(eqs))


__all__ = ["EVERYWHERE", "Domain", "Part", "ball", "box", "constraints", "orthant", "simplex",
           "sphere"]
