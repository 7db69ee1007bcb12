"""A user's lemma as one object: variables, the two sides, the relation and the domain.

:func:`as_statement` accepts a sympy relation (``x**2 + 1 >= 2*x``), a string read by the
whitelisting parser (:mod:`specproof.lemmas.parse`), a plain Python callable over numpy
arrays (a black box: it can be refuted, never proved) or a :class:`Statement`. Every
variable is a real sympy symbol; a matrix variable ``Matrix("A", n, m, kind=...)``
expands into its entries ``A_0_1`` (a symmetric one shares ``A_i_j`` and ``A_j_i``, a
diagonal one has zeros off the diagonal) and its kind adds domain constraints (psd: the
principal minors are >= 0; orthogonal: ``A.T @ A == I``).

Decimal numbers are read as the exact decimal written (``0.38`` is ``19/50``), so that a
statement means what its text says.

Examples
--------
>>> x, y = symbols("x y")
>>> st = as_statement(x**2 + y**2 >= 2*x*y)
>>> st.variables, st.relation, st.difference()
((x, y), '>=', x**2 - 2*x*y + y**2)
>>> as_statement("x**3 - x >= -0.38").rhs
-19/50
>>> st.is_polynomial()
True
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy

from specproof.lemmas.display import as_written
from specproof.lemmas.domains import EVERYWHERE, Domain, Part
from specproof.lemmas.errors import ArgumentTypeError, EmptyDomainError, StatementError
from specproof.lemmas.exact_numbers import exact_number, rationalize_floats, symbols
from specproof.lemmas.matrices import MATRIX_OF as _MATRIX_OF
from specproof.lemmas.matrices import Matrix, functionals, real_symbol
from specproof.lemmas.statement_checks import _bind_by_name, _refuse_out_of_range_entries
from specproof.lemmas.statement_variables import (
    _is_rational_polynomial,
    _order,
    _realify,
    _variable_list,
)

RELATIONS = (">=", "<=", "==")
_REL_OF = {sympy.GreaterThan: ">=", sympy.LessThan: "<=", sympy.Equality: "=="}


def _rational_tree(expr: Any, variables: Sequence[sympy.Symbol], negative: bool) -> bool:
    """Whether ``expr`` is built from rationals and ``variables`` by ``+``, ``*`` and integer
    powers (non-negative unless ``negative``): then it is a polynomial (a rational function)
    over Q, seen without expanding it.

    Examples
    --------
    >>> x = real_symbol("x")
    >>> _rational_tree((x + 1) ** 1000 * (x - sympy.Rational(1, 3)), (x,), negative=False)
    True
    >>> _rational_tree(sympy.sqrt(2) * x, (x,), negative=False)
    False
    """
    wanted = set(variables)
    stack = [sympy.sympify(expr)]
    while stack:
        e = stack.pop()
        if e.is_Rational or e in wanted:
            continue
        if e.is_Add or e.is_Mul:
            stack.extend(e.args)
        elif e.is_Pow and e.exp.is_Integer and (negative or int(e.exp) >= 0):
            stack.append(e.base)
        else:
            return False
    return True


def _polynomial_over_q(expr: Any, variables: Sequence[sympy.Symbol]) -> bool:
    """:func:`_is_rational_polynomial`, bounded: sympy's ``Poly`` expands the whole
    expression, and ``(x+1)**1000*(x+2)**1000`` (degree 2000) or ``(x+y+z+1)**60`` (40,000
    monomials) took from 15 s to minutes there, beyond every budget of ``refute``. A tree
    of rationals, variables, ``+``, ``*`` and powers is a polynomial over Q as it stands;
    anything else (an irrational constant that might cancel) is expanded only while its
    expansion is small, and is otherwise not taken for one."""
    if _rational_tree(expr, variables, negative=False):
        return True
    from specproof.lemmas.prove_limits import MAX_EXPANSION_MONOMIALS, degree_bound

    d = degree_bound(expr, variables)
    if d is not None and variables and (
            d > MAX_EXPANSION_MONOMIALS
            or math.comb(len(variables) + d, d) > MAX_EXPANSION_MONOMIALS):
        return False
    return _is_rational_polynomial(expr, variables)


def _register(m: Matrix) -> None:
    for s in m.symbols:
        _MATRIX_OF[s] = m


@dataclass(frozen=True)
class Statement:
    """``lhs relation rhs`` for every point of ``domain``; ``relation`` in ``>=, <=, ==``.

    ``variables`` is the fixed order of the scalar unknowns (matrix entries included);
    ``matrices`` the matrix variables (for showing a point in the user's own terms). A
    black-box statement has ``lhs = rhs = None`` and ``function`` set: it is called with
    one numpy array per entry of ``shapes`` and returns a number claimed to be ``>= 0``.
    """

    variables: tuple[sympy.Symbol, ...]
    lhs: sympy.Expr | None
    rhs: sympy.Expr | None
    relation: str
    domain: Domain = EVERYWHERE
    text: str = ""
    matrices: tuple[Matrix, ...] = ()
    function: Callable[..., Any] | None = field(default=None, compare=False)
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # constants that must be >= 0, > 0 or != 0 for the statement to be real and that
    # certified arithmetic could not settle (real_conditions): nothing is decided then
    conditions: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise StatementError(f"relation must be one of >=, <=, ==, got {self.relation!r}")

    # -- what kind of statement ---------------------------------------------------------
    @property
    def is_black_box(self) -> bool:
        """True for a statement given as a Python callable (refutable, never provable)."""
        return self.function is not None

    def difference(self) -> sympy.Expr:
        """f with the statement "f >= 0 on the domain" (or "f == 0" for an identity).

        Examples
        --------
        >>> as_statement("x <= 1").difference()
        1 - x
        """
        if self.is_black_box:
            raise StatementError("a black-box statement (a Python callable) has no symbolic "
                                 "form; only refutation applies")
        return self.rhs - self.lhs if self.relation == "<=" else self.lhs - self.rhs

    def functionals(self) -> set[Any]:
        """The non-polynomial matrix functions (operator norms, expm, ...) it contains."""
        if self.is_black_box:
            return set()
        return functionals(self.lhs) | functionals(self.rhs)

    def is_polynomial(self) -> bool:
        """True when the difference and the domain constraints are polynomials over Q.

        Examples
        --------
        >>> as_statement("sqrt(x) >= 0").is_polynomial()
        False
        """
        if self.is_black_box or self.functionals():
            return False
        return all(_polynomial_over_q(e, self.variables)
                   for e in (self.difference(), *self.domain.inequalities,
                             *self.domain.equalities))

    def is_rational_function(self) -> bool:
        """True when the difference is a ratio of polynomials over Q (exact in Fraction).

        Examples
        --------
        >>> as_statement("(x+1)**1000 * (x+2)**1000 / (x**2 + 1) >= -1").is_rational_function()
        True
        """
        if self.is_black_box or self.functionals():
            return False
        diff = self.difference()
        if _rational_tree(diff, self.variables, negative=True):
            return True
        num, den = sympy.fraction(sympy.together(diff))
        return (_polynomial_over_q(num, self.variables)
                and _polynomial_over_q(den, self.variables))

    def matrix_of(self, symbol: sympy.Symbol) -> Matrix | None:
        for m in self.matrices:
            if symbol in m.symbols:
                return m
        return None

    def with_domain(self, domain: Domain | None) -> Statement:
        """The same statement on ``self.domain & domain``."""
        if domain is None:
            return self
        if not isinstance(domain, Domain):
            raise ArgumentTypeError(f"domain must be a Domain (box, ball, ...), got "
                                    f"{type(domain).__name__}")
        domain = _by_name(domain, self.variables)
        extra = [s for s in domain.symbols if s not in self.variables]
        if extra:
            raise StatementError(f"the domain names {', '.join(map(str, extra))}, which the "
                                 f"statement does not use (variables: "
                                 f"{', '.join(map(str, self.variables))})")
        combined = self.domain & domain
        for sym, (lo, hi) in combined.bounds().items():
            if lo.is_number and hi.is_number and bool(lo > hi):
                # every statement holds on the empty set: a proof there says nothing
                raise EmptyDomainError(f"the domain is empty: its boxes leave {sym} in "
                                     f"[{lo}, {hi}]")
        return replace(self, domain=combined)

    def latex(self) -> str:
        """The statement as LaTeX (without dollars)."""
        if self.is_black_box:
            return rf"\texttt{{{self.text}}}"
        rel = {">=": r"\geq", "<=": r"\leq", "==": "="}[self.relation]
        return f"{as_written(self.lhs, tex=True)} {rel} {as_written(self.rhs, tex=True)}"

    def __str__(self) -> str:
        where = "" if self.domain.is_everywhere else f" on {self.domain.describe()}"
        return f"{self.text}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "relation": self.relation,
                "lhs": None if self.lhs is None else str(self.lhs),
                "rhs": None if self.rhs is None else str(self.rhs),
                "variables": [str(v) for v in self.variables],
                "matrices": [repr(m) for m in self.matrices],
                "domain": self.domain.to_dict()}


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
    from specproof.lemmas.domains import Part

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


def _by_name(domain: Domain, variables: Sequence[sympy.Symbol]) -> Domain:
    """``domain`` with each symbol that names exactly one variable replaced by it: a box on
    ``A_0_0`` (a plain symbol, or a keyword) bounds the entry of the statement's Matrix
    ``A``, whose entries are symbols of their own (:class:`MatrixEntry`)."""
    by_name: dict[str, list[sympy.Symbol]] = {}
    for v in variables:
        by_name.setdefault(v.name, []).append(v)
    swap = {s: by_name[s.name][0] for s in domain.symbols
            if s not in variables and len(by_name.get(s.name, ())) == 1}
    if not swap:
        return domain
    return Domain(
        tuple(Part(p.kind, tuple(swap.get(x, x) for x in p.symbols),
                   tuple(sympy.sympify(q).xreplace(swap) if isinstance(q, sympy.Basic) else q
                         for q in p.params))
              for p in domain.parts),
        tuple(g.xreplace(swap) for g in domain.inequalities),
        tuple(h.xreplace(swap) for h in domain.equalities),
    )


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


def as_statement(obj: Any, variables: Any = None, domain: Domain | None = None) -> Statement:
    """A :class:`Statement` from a sympy relation, a string, a callable or a Statement.

    Parameters
    ----------
    obj
        ``x**2 >= 0`` (sympy), ``"x**2 >= 0"`` (string; ``=`` or ``==`` for identities,
        ``A @ B``, ``A.T``, ``norm``, ``trace``, ... for matrices), a callable returning a
        number claimed to be ``>= 0``, or a Statement.
    variables
        The variable order: symbols, ``Matrix`` variables or names (``"x,y"``); for a string
        they also say which names are matrices. For a callable a mapping name -> shape;
        each variable is passed to the callable's parameter of the same name (a callable
        whose parameters are named otherwise is refused, unless it takes ``*args``).
    domain
        Where the statement is claimed (default: everywhere).

    Examples
    --------
    >>> A = Matrix("A", 2, 2, kind="psd")
    >>> st = as_statement("trace(A @ A) >= 0", variables=[A])
    >>> st.variables
    (A_0_0, A_0_1, A_1_1)
    >>> st.domain.inequalities[:2]
    (A_0_0, A_1_1)
    """
    given = _variable_list(variables)
    if isinstance(obj, Statement):
        # one this function made is taken as it is: checking it again parses its text
        # again, and det(A) of a 7x7 A took 40 s to read (the command line asked three
        # times: refute, prove, refute)
        st = obj if _made_here(obj) else _checked_statement(obj)
    elif isinstance(obj, str):
        from specproof.lemmas.parse import parse_statement

        st = parse_statement(obj, given)
    elif callable(obj) and not isinstance(obj, sympy.Basic):
        st = _from_callable(obj, given)
    else:
        for g in given:
            if isinstance(g, Matrix):
                _register(g)
        st = _from_relation(obj, given)
    return _mark_made(st.with_domain(domain))


# the statements as_statement returned, by id (a weak reference: a frozen dataclass whose
# fields are sympy expressions may not be hashable, and none is kept alive by this)
_MADE: dict[int, weakref.ref[Statement]] = {}


def _mark_made(st: Statement) -> Statement:
    key = id(st)

    def forget(ref: weakref.ref[Statement], key: int = key) -> None:
        if _MADE.get(key) is ref:
            del _MADE[key]

    _MADE[key] = weakref.ref(st, forget)
    return st


def _made_here(st: Statement) -> bool:
    """Whether ``st`` is a statement :func:`as_statement` returned (so checked already)."""
    ref = _MADE.get(id(st))
    return ref is not None and ref() is st


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


def register_matrix(m: Matrix) -> Matrix:
    """Record ``m`` so that statements built from its entries know its kind and shape."""
    _register(m)
    return m


__all__ = ["RELATIONS", "Statement", "as_statement", "exact_number", "from_parts",
           "rationalize_floats", "register_matrix", "symbols"]
