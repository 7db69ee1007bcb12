"""Where a statement is defined: the conditions its reader collects beside its value.

A statement is claimed where it is real and defined. sympy rewrites ``sqrt(x)**2`` to
``x``, ``x/x`` to 1 and ``exp(log(c))`` to ``c``, so what it drops is noted while the
statement is read (:class:`DefinedReader`, a base of the parser's node reader): the
arguments of roots and logs, the denominators it cancelled, and the constants whose sign
it cannot find (certified later with arb, :mod:`specproof.lemmas.real_conditions`).
"""

from __future__ import annotations

import ast
from typing import Any

import sympy

from specproof.lemmas.parse_limits import SizedReader
from specproof.lemmas.real_conditions import Condition


class DefinedReader(SizedReader):
    """The domain notes of a statement being read (see the module)."""

    def __init__(self, text: str, cols: list[int]) -> None:
        super().__init__(text, cols)
        # arguments of sqrt / log that sympy cannot show nonnegative: the statement is
        # claimed where it is real, so they join the domain (sympy rewrites sqrt(x)**2 to
        # x, and without this x = -1 would "refute" the true sqrt(x)**2 >= 0)
        self.defined: list[Any] = []
        self.positive: list[Any] = []  # log's arguments: real where > 0
        # denominators sympy cancelled (x/x is 1 to it): defined where != 0, and their
        # variables stay variables ("x/x + y >= 5" was refuted at y = 0, without an x);
        # every denominator written is noted, and cancelled() keeps those cancelled
        self.denominators: list[Any] = []
        self.nonzero: list[Any] = []
        # the same for a constant whose sign sympy cannot find (it still rewrites
        # exp(log(c)) to c): certified later with arb (real_conditions), with its node
        self.conditions: list[tuple[Condition, ast.AST]] = []

    def need(self, node: ast.AST, kind: str, a: Any, role: str = "its argument") -> None:
        """Record ``a kind`` for a constant ``a`` whose sign sympy does not know (a
        variable's argument goes to the domain instead); refuse it where sympy knows it
        fails although it did not say so in the value (``Z/Z`` is 1 to sympy, which
        knows that Z is 0)."""
        if not (isinstance(a, sympy.Expr) and a.is_number and not a.free_symbols):
            return
        if a.is_Rational:
            # by its sign: sympy may decide "nonnegative" of a big integer by testing it
            # for primality (``0/((10**1000)**300 + 1)`` ran for hours, at random)
            known = {">= 0": a.p >= 0, "> 0": a.p > 0, "!= 0": a.p != 0}[kind]
        elif kind == ">= 0":  # only the property asked: each may take long to settle
            known = a.is_nonnegative
        elif kind == "> 0":
            known = a.is_positive
        else:
            known = None if a.is_zero is None else not a.is_zero
        if known is True:
            return
        seg = ast.get_source_segment(self.text, node) or sympy.sstr(a)
        cond = Condition(kind, a, seg, role)
        if known is None:
            self.conditions.append((cond, node))
        elif not a.is_Rational:  # 1/0 and sqrt(-2) are named by the checks of the value
            raise self.fail(node, cond.violation("sympy"))

    def _denominator(self, b: Any) -> None:
        """Note ``b``, a denominator as written (of a ``/``, or the base of a negative
        power), when it has variables and may be 0: :meth:`cancelled` decides at the end
        whether sympy cancelled it (``x/x``, ``x*x**-1`` and ``1/(1/x)`` are 1, 1 and x
        to it)."""
        if isinstance(b, sympy.Expr) and b.free_symbols and b.is_zero is not False:
            self.denominators.append(b)

    def cancelled(self, lhs: Any, rhs: Any) -> list[Any]:
        """The denominators written whose zeros the statement as read no longer has: each
        is kept as ``b != 0`` (where the statement is defined).

        Decided once both sides are read, since a denominator is cancelled by what is
        around it (``x * x**-1``: the power alone still divides by x), and against the
        denominator of ``lhs - rhs``, where the search and the exact check evaluate. A
        rational ``b`` is kept as its numerator (``x + 1/y != 0`` as ``x*y + 1 != 0``;
        ``y != 0`` is a denominator of its own).
        """
        if not self.denominators or not all(isinstance(v, sympy.Expr) for v in (lhs, rhs)):
            return []
        den = sympy.fraction(sympy.together(lhs - rhs))[1]
        kept: list[Any] = []
        for b in dict.fromkeys(self.denominators):
            num = sympy.fraction(sympy.together(b))[0]
            if not num.free_symbols or _vanishes_with(den, num):
                continue
            # the bases of its factors: (x + y)**40 != 0 is x + y != 0, whose square the
            # domain expands (the 80th power took a minute)
            simple = sympy.Mul(*sorted(_bases(num), key=sympy.default_sort_key))
            if simple not in kept:
                kept.append(simple)
        return kept


_FACTOR_MONOMIALS = 2_000  # beyond this a polynomial test is not tried at parse time


def _bases(e: Any) -> set[Any]:
    """The bases of the factors of a product (``x**2*(x + y)``: x and x + y)."""
    return {a.base if a.is_Pow and a.exp.is_positive else a for a in sympy.Mul.make_args(e)
            if a.free_symbols}


def _vanishes_with(den: Any, num: Any) -> bool:
    """True when ``den`` is 0 wherever ``num`` is: each factor of ``num`` is a factor of
    ``den`` as written, or (polynomials of moderate size) each irreducible factor of it
    divides ``den``; for what is neither, when ``den`` has all of ``num``'s variables (the
    rule before: ``1/sqrt(x)`` keeps x). A False keeps ``num != 0``, which is then only
    redundant where the statement is undefined anyway."""
    from math import comb

    from specproof.lemmas.prove_limits import degree_bound

    pending = [f for f in _bases(num) if f not in _bases(den) and -f not in _bases(den)]
    if not pending:
        return True
    gens = sorted(num.free_symbols | den.free_symbols, key=str)
    sizes = [degree_bound(e, gens) for e in (den, *pending)]
    if all(d is not None and comb(len(gens) + d, d) <= _FACTOR_MONOMIALS for d in sizes):
        try:
            d = sympy.Poly(den, *gens)
            return all(d.rem(sympy.Poly(g, *gens)).is_zero for f in pending
                       for g, _ in sympy.factor_list(f, *gens)[1] if g.free_symbols)
        except (sympy.polys.polyerrors.BasePolynomialError, NotImplementedError,
                ValueError, TypeError):
            pass  # a coefficient sympy cannot factor over: the variables decide
    return num.free_symbols <= den.free_symbols


def _non_real_constant(value: Any) -> bool:
    """True for a constant that sympy knows is not real: ``(-8)**(1/3)`` is
    ``2*(-1)**(1/3)``, a complex cube root. zoo and nan are left to the finiteness check of
    the sides, which names them as such; oo is extended-real, and refused there too."""
    if not (isinstance(value, sympy.Expr) and value.is_number):
        return False
    if value.has(sympy.zoo, sympy.nan):
        return False
    return value.is_extended_real is False


__all__ = ["DefinedReader"]
