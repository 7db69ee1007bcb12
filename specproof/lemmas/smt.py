"""An optional SMT cross-check with z3 (``pip install 'specproof[smt]'``): never a proof.

The negation of a polynomial statement (``f < 0``, or ``f != 0`` for an identity) is
handed to z3's nonlinear real arithmetic together with the domain. ``unsat`` is reported
as :class:`DecidedBySolver` with ``holds=True``: "decided by z3, not certified" (SMT
solvers have had unsound answers; no checkable certificate comes back). A ``sat`` model
is confirmed like any counterexample: exactly (rationals, or a short rational near an
algebraic model value), and then it is :class:`Refuted`; a model that cannot be confirmed
is reported as decided by z3 only. ``unknown`` (or a timeout) is :class:`Undecided`.

Examples
--------
>>> smt_check("x**2 + y**2 >= 2*x*y")
DecidedBySolver(x**2 + y**2 >= 2*x*y holds; decided by z3, not certified)
>>> smt_check("x**3 - x >= -0.38").verdict
'REFUTED'
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

from specproof._core.errors import SpecproofError
from specproof.lemmas.errors import StatementError
from specproof.lemmas.verdicts import DecidedBySolver, Refuted, Undecided


class MissingExtraError(SpecproofError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def _z3() -> Any:
    try:
        import z3
    except ImportError as exc:
        raise MissingExtraError("the SMT cross-check needs z3: pip install 'specproof[smt]' "
                                "(the z3-solver package)") from exc
    return z3


def _to_z3(e: sympy.Basic, env: dict[sympy.Symbol, Any], z3: Any) -> Any:
    if e.is_Rational:
        return z3.RealVal(f"{e.p}/{e.q}")
    if isinstance(e, sympy.Symbol):
        if e not in env:  # keyed by the symbol itself: a namesake is another variable
            raise StatementError(f"the SMT cross-check met {e}, which is not among the "
                                 "statement's variables")
        return env[e]
    if isinstance(e, sympy.Add):
        return z3.Sum([_to_z3(a, env, z3) for a in e.args])
    if isinstance(e, sympy.Mul):
        return z3.Product([_to_z3(a, env, z3) for a in e.args])
    if isinstance(e, sympy.Pow) and e.exp.is_Integer and int(e.exp) >= 0:
        base = _to_z3(e.base, env, z3)
        out = z3.RealVal(1)
        for _ in range(int(e.exp)):
            out = out * base
        return out
    raise StatementError(f"the SMT cross-check needs a polynomial statement; {e} is not")


def _model_value(v: Any, z3: Any) -> Fraction:
    if z3.is_rational_value(v):
        return Fraction(v.numerator_as_long(), v.denominator_as_long())
    # an algebraic number: a decimal approximation, then the shortest nearby fraction
    from specproof.lemmas.shrink import simplest_between

    approx = Fraction(v.approx(30).as_fraction())
    return simplest_between(approx - Fraction(1, 10**25), approx + Fraction(1, 10**25))


def smt_check(statement: Any, variables: Any = None, domain: Any = None, *,
              timeout_ms: int = 10_000) -> DecidedBySolver | Refuted | Undecided:
    """Ask z3 whether the negation of a polynomial ``statement`` is satisfiable.

    Returns ``DecidedBySolver(holds=True)`` for unsat (not certified), ``Refuted`` for an
    exactly confirmed model, ``DecidedBySolver(holds=False)`` for a model that could not be
    confirmed, and ``Undecided`` for unknown. Raises :class:`MissingExtraError` without z3.
    Each sympy symbol is its own z3 unknown, even where two print alike (a scalar ``A_0_0``
    beside the entry ``A[0, 0]`` of a matrix ``A``).
    """
    z3 = _z3()
    from specproof.lemmas.confirm import Unconfirmable, confirm
    from specproof.lemmas.refute import user_point
    from specproof.lemmas.statement import as_statement

    st = as_statement(statement, variables, domain)
    if st.is_black_box or not st.is_polynomial():
        raise StatementError(f"the SMT cross-check needs a polynomial statement; {st.text!r} "
                             "is not (use refute)")
    # one z3 variable per sympy symbol, never per name: z3 identifies constants by name,
    # and a scalar A_0_0 beside the entry A[0, 0] (or two matrices both named A) would
    # become one unknown, so that a false statement "held"
    env = {s: z3.Real(f"{s.name}#{i}") for i, s in enumerate(st.variables)}
    if len(env) != len(st.variables):
        raise StatementError(f"the statement lists a variable twice: "
                             f"{', '.join(map(str, st.variables))}")
    f = _to_z3(sympy.expand(st.difference()), env, z3)
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    for g in st.domain.inequalities:
        solver.add(_to_z3(sympy.expand(g), env, z3) >= 0)
    for h in st.domain.equalities:
        solver.add(_to_z3(sympy.expand(h), env, z3) == 0)
    solver.add(f != 0 if st.relation == "==" else f < 0)
    answer = solver.check()
    if answer == z3.unsat:
        return DecidedBySolver(st.text, True, "z3", "unsat: no counterexample exists")
    if answer != z3.sat:
        return Undecided(st.text, (f"z3: {answer} ({solver.reason_unknown()}) within "
                                   f"{timeout_ms} ms",))
    model = solver.model()
    x = [_model_value(model.eval(env[s], model_completion=True), z3) for s in st.variables]
    try:
        c = confirm(st, dict(zip(st.variables, x)))
    except Unconfirmable:
        c = None
    point = user_point(st, x)
    if c is not None and c.violated:
        return Refuted(st.text, point, c.lhs, c.rhs, c.margin,
                       "z3 model; confirmed exactly in rational arithmetic", st.relation)
    return DecidedBySolver(st.text, False, "z3", "sat: the model could not be confirmed",
                           {k: str(v) for k, v in point.items()})


__all__ = ["MissingExtraError", "smt_check"]
