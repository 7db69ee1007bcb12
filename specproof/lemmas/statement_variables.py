"""The variables of a statement: their order, their names, and their being real.

Helpers of :mod:`specproof.lemmas.statement`: the variable list a user gives, the order
of the variables (as given, else scalars then matrices by name), plain sympy symbols made
real (and symbols with other assumptions refused), and the test for a polynomial with
rational coefficients.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sympy

from specproof.lemmas.errors import ArgumentTypeError, StatementError
from specproof.lemmas.matrices import MATRIX_OF as _MATRIX_OF
from specproof.lemmas.matrices import Matrix, MatrixEntry, real_symbol


def _is_rational_polynomial(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> bool:
    if not variables:
        return bool(expr.is_Rational)
    if not expr.is_polynomial(*variables):
        return False
    try:
        sympy.Poly(expr, *variables, domain="QQ")
    except (sympy.PolynomialError, sympy.CoercionFailed, ValueError, TypeError):
        return False
    return not (expr.free_symbols - set(variables))


def _variable_list(variables: Any) -> list[Any]:
    if variables is None:
        return []
    if isinstance(variables, str):
        return [v.strip() for v in variables.replace(" ", ",").split(",") if v.strip()]
    if isinstance(variables, (sympy.Symbol, Matrix)):
        return [variables]
    if isinstance(variables, Mapping):
        return list(variables.items())
    if isinstance(variables, Iterable):
        return list(variables)
    raise ArgumentTypeError(f"variables must be symbols, Matrix variables or names, "
                            f"got {type(variables).__name__}")


def _order(free: Iterable[sympy.Symbol], given: list[Any]) -> tuple[tuple[sympy.Symbol, ...],
                                                                     tuple[Matrix, ...]]:
    """The variable order: as given, else scalars by name then matrices by name, row-major."""
    order: dict[sympy.Symbol, None] = {}
    mats: dict[str, Matrix] = {}

    def add(m: Matrix) -> None:
        if mats.setdefault(m.label, m) is not m:
            # its entries would be dropped from the variables (a NameError later) or
            # merged with the other's by name
            raise StatementError(f"two different Matrix variables are both named "
                                 f"{m.label!r}: give them different names")

    named: set[str] = set()

    def once(name: str) -> str:
        # variables=[x, x] was taken silently (the command line's --vars x,x is refused)
        if name in named:
            raise StatementError(f"variables: {name} is given twice; give each variable once")
        named.add(name)
        return name

    for g in given:
        if isinstance(g, Matrix):
            if g.label not in mats:
                once(g.label)
            add(g)
            for s in g.symbols:
                order.setdefault(s)
        elif isinstance(g, sympy.Symbol):
            order.setdefault(real_symbol(once(g.name)))
        elif isinstance(g, str):
            if "__" in g or not g.isidentifier():
                raise StatementError(f"variable name {g!r} is not a plain identifier")
            order.setdefault(real_symbol(once(g)))
        else:
            raise ArgumentTypeError(f"variables: expected symbols, Matrix variables or names, "
                                    f"got {g!r}")
    rest = sorted(set(free) - set(order), key=lambda s: (s in _MATRIX_OF, s.name))
    scalars = [s for s in rest if s not in _MATRIX_OF]
    for s in scalars:
        order.setdefault(s)
    for s in rest:
        if s in _MATRIX_OF:
            add(_MATRIX_OF[s])
    for m in sorted(mats.values(), key=lambda m: m.label):
        for s in m.symbols:
            order.setdefault(s)
    if given and set(free) - set(order):
        missing = sorted(map(str, set(free) - set(order)))
        raise StatementError(f"the statement uses {', '.join(missing)}, which is not among "
                             f"the variables given ({', '.join(map(str, order))})")
    return tuple(order), tuple(mats.values())


_PLAIN = sympy.Symbol("x").assumptions0
_REAL = sympy.Symbol("x", real=True).assumptions0


def _realify(expr: sympy.Expr) -> sympy.Expr:
    """Plain ``sympy.symbols`` made real (every variable of a lemma is real).

    A symbol with other assumptions (``positive=True``, ``integer=True``, ...) is refused:
    sympy uses them when it simplifies, but the search and the certificates range over
    all reals, so ``p + 1/p >= 2`` for a positive ``p`` was refuted at ``p = -1``.
    """
    for s in expr.free_symbols:
        if isinstance(s, sympy.Symbol) and not isinstance(s, MatrixEntry) \
                and s.assumptions0 not in (_PLAIN, _REAL):
            # what the user wrote (sympy keeps it), else what differs from a real symbol
            given = dict(getattr(s, "_assumptions_orig", None) or {})
            given = {k: v for k, v in given.items() if k != "real"} or {
                k: v for k, v in s.assumptions0.items()
                if _REAL.get(k) != v and not k.startswith("extended_")}
            said = ", ".join(f"{k}={v}" for k, v in sorted(given.items())[:3])
            sign = set(given) <= {"positive", "negative", "nonnegative", "nonpositive",
                                  "nonzero", "zero"}
            hint = (f"declare {s.name} without them and state them in the domain, e.g. "
                    f"domain=constraints('{s.name} >= 0')" if sign else
                    "a lemma's variables are real: there are no integer or rational ones")
            raise StatementError(
                f"variable {s.name} carries the sympy assumptions {said}, which the search "
                f"and the certificates do not use (they range over all reals): {hint}")
    named: dict[str, Any] = {}
    for s in expr.free_symbols:
        if isinstance(s, sympy.Symbol):
            other = named.get(s.name)
            if other is not None and other != s and not (s.is_real and other.is_real):
                # Dummy('x') - Dummy('x'), or Symbol('x') - lm.symbols('x'): made real under
                # one name they were merged into one variable, and x1 - x2 >= 0 was PROVED
                # (two real ones of one name are refused after this, with their own words)
                raise StatementError(
                    f"two different variables are both named {s.name!r}; rename one of them")
            named[s.name] = s
    bad = {s: real_symbol(s.name) for s in expr.free_symbols
           if isinstance(s, sympy.Symbol) and not s.is_real}
    for s in bad:
        if "__" in s.name:
            raise StatementError(f"variable name {s.name!r} contains '__'")
    return expr.xreplace(bad) if bad else expr
