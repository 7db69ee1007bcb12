"""How a :class:`~specproof.lemmas.statement_core.Statement` is built and checked: from
a sympy relation, from a Python callable (a black box), from its two sides (the parser's
route), or again from a Statement built by hand, so that what is shown is what is decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import sympy

from specproof.lemmas.display import as_written
from specproof.lemmas.domains import EVERYWHERE, Domain, Part
from specproof.lemmas.errors import ArgumentTypeError, StatementError
from specproof.lemmas.exact_numbers import rationalize_floats
from specproof.lemmas.matrices import MATRIX_OF as _MATRIX_OF
from specproof.lemmas.matrices import Matrix, real_symbol
from specproof.lemmas.statement_checks import _bind_by_name, _refuse_out_of_range_entries
from specproof.lemmas.statement_core import RELATIONS, Statement
from specproof.lemmas.statement_variables import _order, _realify

_REL_OF = {sympy.GreaterThan: ">=", sympy.LessThan: "<=", sympy.Equality: "=="}


def _register(m: Matrix) -> None:
    for s in m.symbols:
        _MATRIX_OF[s] = m


def _from_relation(rel: Any, given: list[Any], text: str = "",
                   also: Iterable[sympy.Symbol] = ()) -> Statement:
    if isinstance(rel, (bool, sympy.logic.boolalg.BooleanAtom)):
        raise StatementError(f"the relation was already decided ({rel}) before specproof saw "
                             "it (a Python == or a sympy simplification); write sympy.Eq(a, b) "
                             "or pass the statement as a string")
    if isinstance(rel, (sympy.StrictGreaterThan, sympy.StrictLessThan, sympy.Unequality)):
        sym = {sympy.StrictGreaterThan: ">", sympy.StrictLessThan: "<",
               sympy.Unequality: "!="}[type(rel)]
        raise StatementError(f"relation {sym!r} is not supported; use >=, <= or = (==)")
    relation = _REL_OF.get(type(rel))
    if relation is None:
        raise ArgumentTypeError(f"a statement is a relation (>=, <=, ==), a string, a callable "
                                f"or a Statement; got {type(rel).__name__}")
    for side, where in ((rel.lhs, "left"), (rel.rhs, "right")):
        _refuse_not_finite(side, where)
    lhs, rhs = (rationalize_floats(sympy.sympify(s)) for s in (rel.lhs, rel.rhs))
    _realify(lhs - rhs)  # refuses two variables of one name, across the sides too
    lhs, rhs = (_realify(e) for e in (lhs, rhs))
    free = (lhs.free_symbols | rhs.free_symbols | set(also))
    variables, mats = _order(free, given)
    named: dict[str, sympy.Symbol] = {}
    for v in variables:
        if named.setdefault(str(v), v) != v:
            # two Matrix("A", ...) objects, or a symbol A_0_0 beside a Matrix A: the text,
            # the certificate and the witnesses name variables, so they would be merged
            raise StatementError(f"two different variables are both named {v} (two Matrix "
                                 "objects of one name, or a symbol named like a matrix "
                                 "entry): give them different names")
    _refuse_out_of_range_entries(variables, mats)
    ineqs: list[sympy.Expr] = []
    eqs: list[sympy.Expr] = []
    for m in mats:
        g, h = m.constraints()
        ineqs += g
        eqs += h
    parts = tuple(Part(m.kind, m.symbols) for m in mats if m.kind in ("psd", "orthogonal"))
    domain = Domain(parts, tuple(ineqs), tuple(eqs))
    if not text:
        text = f"{as_written(lhs)} {relation} {as_written(rhs)}"
    return Statement(variables, lhs, rhs, relation, domain, text, mats)


_NOT_FINITE = ((sympy.nan, "nan", "sympy's not-a-number"),
               (sympy.zoo, "zoo", "sympy's complex infinity"),
               (sympy.oo, "oo", "infinity"), (-sympy.oo, "oo", "infinity"))


def _refuse_not_finite(side: Any, where: str) -> None:
    """Refuse a side built in Python that holds ``oo``, ``zoo`` or ``nan``, as the string
    reader refuses the names: ``GreaterThan(x, oo, evaluate=False)`` was UNDECIDED, and
    ``x >= zoo`` a raw KeyError 'ComplexInfinity' in the search."""
    if not isinstance(side, sympy.Basic):
        return
    for value, name, what in _NOT_FINITE:
        if side.has(value):
            raise StatementError(f"{name!r} is {what}, not a finite real number (the "
                                 f"{where} side is {sympy.sstr(side)[:60]})")


def _from_callable(fn: Callable[..., Any], given: list[Any]) -> Statement:
    if not given:
        raise StatementError("a callable statement needs variables: a mapping name -> shape "
                             "(e.g. {'A': (3, 3), 'x': 2}) or Matrix variables")
    shapes: list[tuple[str, tuple[int, ...]]] = []
    variables: list[sympy.Symbol] = []
    mats: list[Matrix] = []
    for g in given:
        if isinstance(g, tuple) and len(g) == 2 and isinstance(g[0], str):
            name, shape = g
            try:
                shape = (shape,) if isinstance(shape, int) else tuple(shape)
            except TypeError:
                raise StatementError(f"callable variables: the shape of {name!r} must be "
                                     f"(), an int or (rows, cols), got {shape!r}") from None
            if len(shape) > 2 or not all(isinstance(k, int) and not isinstance(k, bool)
                                         and k > 0 for k in shape):
                # (2, 2, 2) was a raw "too many values to unpack"
                raise StatementError(f"callable variables: the shape of {name!r} must be "
                                     f"() (a scalar), n (a vector) or (rows, cols) with "
                                     f"positive ints, got {shape!r}")
            if len(shape) == 0:
                m = None
                variables.append(real_symbol(name))
            else:
                rows, cols = (shape[0], 1) if len(shape) == 1 else shape
                m = Matrix(name, rows, cols)
        elif isinstance(g, Matrix):
            m, name, shape = g, g.label, g.shape
        elif isinstance(g, (sympy.Symbol, str)):
            name = g if isinstance(g, str) else g.name
            m, shape = None, ()
            variables.append(real_symbol(name))
        else:
            raise StatementError(f"callable variables: expected name -> shape, got {g!r}")
        if m is not None:
            _register(m)
            mats.append(m)
            variables += list(m.symbols)
        shapes.append((name, tuple(shape)))
    domain = EVERYWHERE
    for m in mats:
        g, h = m.constraints()
        domain = domain & Domain((), g, h)
    text = getattr(fn, "__name__", "callable")
    bound = _bind_by_name(fn, [name for name, _ in shapes], text)
    return Statement(tuple(variables), None, None, ">=", domain, f"{text}(...) >= 0",
                     tuple(mats), bound, tuple(shapes))


def _checked_statement(obj: Statement) -> Statement:
    """A Statement built by hand, made again through the checks a string or a relation
    goes through, so that what is shown is what is decided.

    A hand-built ``Statement(lhs=x**2 + 1, ..., text="x >= 0")`` was "proved" and shown as
    ``x >= 0``, and a variable declared ``positive=True`` escaped its refusal. Its text,
    when given, must read as its formula (the statements this package builds do); its
    domain and conditions are kept. A black-box statement (a callable) is shown by its
    function's name.
    """
    if obj.is_black_box:
        # what a refutation shows is the function's name: a text of its own ("x >= 0") was
        # shown as the statement that failed
        shown = f"{getattr(obj.function, '__name__', 'callable')}(...) >= 0"
        if obj.lhs is not None or obj.rhs is not None or obj.relation != ">=":
            raise StatementError("a black-box Statement (a function) claims function(...) "
                                 ">= 0: give it no lhs or rhs and relation '>='")
        for name, shape in obj.shapes:
            if not shape and sympy.Symbol(name, real=True) not in obj.variables:
                # the search looks the argument up as a real symbol: a KeyError before
                raise StatementError(f"a black-box Statement's scalar argument {name!r} "
                                     "needs the real variable symbols(name) among its "
                                     "variables (build it with as_statement)")
        if obj.text not in ("", shown):
            raise StatementError(f"a black-box Statement is shown as {shown!r}, got the "
                                 f"text {obj.text!r}; give text='' or {shown!r}")
        return replace(obj, text=shown)
    if not isinstance(obj.lhs, sympy.Basic) or not isinstance(obj.rhs, sympy.Basic):
        raise StatementError("a Statement needs sympy expressions as lhs and rhs (or a "
                             "function, for a black box)")
    given = list(obj.matrices) + [v for v in obj.variables
                                  if not any(v in m.symbols for m in obj.matrices)]
    # the formula's own checks first (a symbol declared positive=True is refused here)
    st = from_parts(obj.lhs, obj.relation, obj.rhs, given)
    if not obj.text:
        st = real_where_held(st)
    if obj.text:
        from specproof.lemmas.parse import parse_statement

        try:
            # with the statement's own variables: a variable named like a sympy constant
            # (E, I, pi; legal with variables=[...]) read as the constant without them, and
            # `specproof lemma "E**2 + 1 >= 2*E" --vars E` ended in a traceback
            read = parse_statement(obj.text, given)
        except StatementError as exc:
            raise StatementError(f"the Statement's text {obj.text!r} does not read as a "
                                 f"statement ({exc}); give text='' to show its formula, or "
                                 "build it with as_statement") from None
        if not _same_claim(read, st):
            said, formula = (f"{sympy.sstr(t.lhs)} {t.relation} {sympy.sstr(t.rhs)}"
                             for t in (read, st))
            same = " (the same text: its symbols differ)" if said == formula else ""
            raise StatementError(
                f"the Statement's text {obj.text!r} reads as {said}, but its formula is "
                f"{formula}{same}: what is shown would not be what is decided; give "
                "text='' or the text of the formula")
        st = read
    names = {v.name for v in obj.variables}
    missing = [v for v in st.variables if v.name not in names]
    if missing:
        raise StatementError(f"the Statement's formula uses {', '.join(map(str, missing))}, "
                             f"not among its variables {', '.join(map(str, obj.variables))}")
    # its own variables, in its order, as the checks made them (real symbols): a variable
    # the formula does not use is a variable of the statement all the same (a domain may
    # bound it)
    made = {v.name: v for v in st.variables}
    return replace(st, variables=tuple(made.get(v.name, v) for v in obj.variables),
                   conditions=st.conditions + tuple(c for c in obj.conditions
                                                    if c not in st.conditions)
                   ).with_domain(obj.domain)


def _same_claim(a: Statement, b: Statement) -> bool:
    """Whether two statements claim the same: ``lhs - rhs`` (oriented by the relation)
    equal as written, or after ``expand`` or ``simplify`` (``A_0_0*A_0_0`` against
    ``A_0_0**2``); a comparison sympy cannot settle counts as different."""
    def oriented(st: Statement) -> Any:
        return st.rhs - st.lhs if st.relation == "<=" else st.lhs - st.rhs

    if (a.relation == "==") != (b.relation == "=="):
        return False
    da, db = oriented(a), oriented(b)
    candidates = [da - db] + ([da + db] if a.relation == "==" else [])
    for diff in candidates:
        if diff == 0 or sympy.expand(diff) == 0:
            return True
    return any(sympy.simplify(diff) == 0 for diff in candidates)


def from_parts(lhs: Any, relation: str, rhs: Any, given: Sequence[Any] = (),
               text: str = "", also: Iterable[sympy.Symbol] = ()) -> Statement:
    """A statement from its two sides (used by the parser); ``also``: variables the sides
    may have lost to sympy (the parser's "where real" arguments use them)."""
    if relation not in RELATIONS:
        raise StatementError(f"relation {relation!r} is not supported; use >=, <= or =")
    for side, what in ((lhs, "left"), (rhs, "right")):
        if isinstance(side, Matrix):
            raise StatementError(f"the {what} side is a matrix ({side.label}); compare scalars "
                                 "such as norm(...), trace(...) or an entry")
    if isinstance(lhs, str) or isinstance(rhs, str):
        # sympify parses strings with eval: never on a statement's parts
        raise StatementError("a side of the relation is a string; give an expression")
    sides = []
    for side, what in ((lhs, "left"), (rhs, "right")):
        try:
            sides.append(sympy.sympify(side, strict=True))
        except sympy.SympifyError:
            # a list, a tuple or an object sympy cannot read: a raw SympifyError before
            raise StatementError(f"the {what} side of the relation is not a scalar "
                                 f"expression (got {type(side).__name__})") from None
    lhs, rhs = sides
    for side, what in zip(sides, ("left", "right")):
        if not isinstance(side, sympy.Expr) or isinstance(side, (sympy.MatrixBase,
                                                                 sympy.MatrixExpr)):
            raise StatementError(f"the {what} side of the relation is not a scalar "
                                 f"expression (got {type(side).__name__})")
    rel = {">=": sympy.GreaterThan, "<=": sympy.LessThan, "==": sympy.Equality}[relation]
    return _from_relation(rel(lhs, rhs, evaluate=False), list(given), text, also)


def real_where_held(st: Statement) -> Statement:
    """``st`` claimed only where the roots, logs and variable powers it still holds are
    real: a statement built in Python has no reader to note them as a string's has.

    ``sympy.sqrt(x)*sympy.sqrt(y) >= 0`` was "refuted at x = -100, y = -100" (sympy's
    principal roots: ``(10i)(10i) = -100``), true wherever it is real. What sympy has
    already simplified away (``sqrt(x)**2`` is ``x``) cannot be seen here: the docs say to
    write such a statement as a string.

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> st = _from_relation(sympy.sqrt(x) * sympy.log(x + 1) >= 0, [])
    >>> real_where_held(st).domain.inequalities
    (x, x + 1)
    """
    from specproof.lemmas.parse import _where_real

    if st.is_black_box:
        return st
    defined: list[Any] = []
    positive: list[Any] = []
    for side in (st.lhs, st.rhs):
        for node in sympy.preorder_traversal(side):
            if isinstance(node, sympy.Pow) and node.base.free_symbols:
                base, power = node.base, node.exp
                if power.is_number and power.is_integer is False \
                        and base.is_nonnegative is not True:
                    defined.append(base)  # x**(1/2), x**(1/3): real where x >= 0
                elif not power.is_number and base.is_positive is not True:
                    positive.append(base)  # x**y: real for every y where x > 0
            elif isinstance(node, sympy.log) and node.args[0].free_symbols \
                    and node.args[0].is_positive is not True:
                positive.append(node.args[0])
    return st.with_domain(_where_real(defined, st.variables, positive))


def register_matrix(m: Matrix) -> Matrix:
    """Record ``m`` so that statements built from its entries know its kind and shape."""
    _register(m)
    return m


__all__ = ["from_parts", "register_matrix"]
