"""Read a statement string without evaluating it: a whitelisting walk over Python's AST.

The string is parsed by :func:`ast.parse` (which builds a tree and runs nothing) and the
tree is interpreted node by node: numbers, names, ``+ - * / ** ^ @``, unary minus, calls of
whitelisted functions and the attribute ``.T``; anything else (``__``, other attributes,
subscripts, lambdas, comprehensions ...) is refused with its column. Decimal literals
become the exact decimal written. ``=`` and ``==`` both mean an identity; ``^`` means a
power (as in most math notation); ``≥`` and ``≤`` are read as ``>=`` and ``<=``.

Examples
--------
>>> parse_statement("x^2 + 1 >= 2*x").difference()
x**2 - 2*x + 1
>>> parse_statement("x >= foo(x)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specproof.lemmas.errors.StatementError: unknown function 'foo'; known: abs, ... at column 6
>>> parse_statement("x > 1")
Traceback (most recent call last):
...
specproof.lemmas.errors.StatementError: relation '>' at column 3 is not supported; use >=, <= or =
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sympy

from specproof.lemmas import matrices as mx
from specproof.lemmas.errors import StatementError
from specproof.lemmas.parse_reader import (  # noqa: F401
    _REFUSED,
    _RELATIONS,
    CONSTANTS,
    FUNCTIONS,
    MAX_LENGTH,
    NOT_REAL_NAMES,
    _col,
    _first_line,
    _non_real_constant,
    _normalise,
    _Reader,
)
from specproof.lemmas.real_conditions import settle


def parse_statement(text: str, given: Sequence[Any] = ()) -> Any:
    """A :class:`~specproof.lemmas.statement.Statement` from a string; nothing is evaluated.

    ``given``: symbols, Matrix variables or names; when any scalar variable is given, every
    other name is an error (else each unknown name becomes a real variable).

    Examples
    --------
    >>> A = mx.Matrix("A", 2, 2)
    >>> parse_statement("norm(A.T @ A, 'fro') ** 2 <= norm(A, 'fro') ** 4", [A]).is_polynomial()
    True
    """
    from specproof.lemmas.statement import from_parts

    if not isinstance(text, str):
        raise StatementError(f"a statement string is expected, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise StatementError(f"the statement is {len(text)} characters; at most {MAX_LENGTH}")
    if "__" in text:
        raise StatementError(f"'__' is not allowed at column {text.index('__') + 1}")
    text = text.strip()
    src, cols = _normalise(text)
    if not src:
        raise StatementError("the statement is empty")
    try:
        tree = ast.parse(src, mode="eval")
    except (RecursionError, MemoryError):
        # Python's parser gives up on very deep nesting before any node is read
        raise StatementError("the statement is nested too deeply to read (simplify it: "
                             "fewer nested signs, parentheses or calls)") from None
    except SyntaxError as exc:
        col = cols[min(max((exc.offset or 1) - 1, 0), len(cols) - 1)] + 1
        long_literal = _long_literal(src, cols) if "integer string" in (exc.msg or "") \
            else None
        if long_literal is not None:
            # Python reads no decimal literal of over 4300 digits, and gives no column:
            # it was reported as "the statement ends before its expression is complete"
            raise StatementError(long_literal) from None
        if not exc.offset:
            # Python gives no column when the text ends early ("x**2 >= y +"): column 1
            # was named, where nothing is wrong
            col = len(text) + 1
            exc.msg = "the statement ends before its expression is complete"
        caret = " " * (col - 1) + "^"
        reserved = sorted({w for w in re.findall(r"[A-Za-z_]\w*", src)
                           if keyword.iskeyword(w) and w not in ("and", "or", "not", "in",
                                                                 "is", "if", "else")})
        hint = (f" ({', '.join(reserved)} is a reserved word of Python: name the variable "
                f"{reserved[0]}_ instead)" if reserved else "")
        raise StatementError(f"unparsable statement at column {col}: {exc.msg}{hint}\n"
                             f"  {text}\n  {caret}") from None
    names: dict[str, Any] = {}
    entries: dict[str, Any] = {}
    for g in given:
        if isinstance(g, mx.Matrix):
            names[g.label] = g
            if g.name is not None:
                # "A_0_1" in the text is the entry of the given A, as its name says (a fresh
                # symbol of that name was a different variable: a true statement about a
                # PSD matrix's entries was refuted at a point contradicting itself)
                rows, cols_ = g.shape
                for i in range(rows):
                    for j in range(cols_):
                        entries[f"{g.label}_{i}_{j}"] = g.entries[i, j]
        elif isinstance(g, sympy.Symbol):
            names[g.name] = mx.real_symbol(g.name)
        elif isinstance(g, str):
            if "__" in g or not g.isidentifier():
                # '1x' gave "unknown name 'x' (variables: 1x)" from the text's reading
                raise StatementError(f"variable name {g!r} is not a plain identifier")
            names[g] = mx.real_symbol(g)
    for name, entry in entries.items():
        if name in names:
            raise StatementError(f"the name {name!r} is both a variable of its own and the "
                                 f"entry of a Matrix; rename one of them")
        names[name] = entry
    reader = _Reader(src, names, strict=any(not isinstance(g, mx.Matrix) for g in given),
                     cols=cols)
    body = tree.body
    if not isinstance(body, ast.Compare):
        raise StatementError("a statement needs a relation: >=, <= or = (e.g. 'x**2 >= 0')")
    if len(body.ops) != 1:
        raise reader.fail(body.comparators[1], "chained relations are not supported; "
                                               "state one relation")
    op = body.ops[0]
    if type(op) in _REFUSED:
        where = cols[src.find(_REFUSED[type(op)], body.left.end_col_offset or 0)]
        raise StatementError(f"relation {_REFUSED[type(op)]!r} at column {where + 1} is not "
                             "supported; use >=, <= or =")
    try:
        lhs, rhs = reader.value(body.left), reader.value(body.comparators[0])
    except RecursionError:
        # 3000 unary minus signs: Python's own stack, not the statement, ran out
        raise StatementError("the statement is nested too deeply to read (simplify it: "
                             "fewer nested signs, parentheses or calls)") from None
    for side, node in ((lhs, body.left), (rhs, body.comparators[0])):
        if isinstance(side, list):
            # sympify of [x] was a raw SympifyError
            raise reader.fail(node, "a side of the relation is a list or tuple; compare "
                                    "scalar expressions")
        if isinstance(side, str):
            # sympify would hand it to parse_expr, i.e. to Python's eval ("'open(...)' >= 0"
            # wrote a file and was "PROVED" as 8 >= 0)
            raise reader.fail(node, "a string is only allowed as norm's ord, not as a side "
                                    "of the relation")
        if isinstance(side, sympy.Basic) and side.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
            # 1/0, 0/0, log(0), oo: not a real number, and a statement about it decides nothing
            token = next((n for n in reader.infinities
                          if any(n is m for m in ast.walk(node))), None)
            if token is not None:
                raise reader.fail(token, f"{token.id!r} is {NOT_REAL_NAMES[token.id]}, not a "
                                         "finite real number")
            why = (" (it divides by zero: sympy's complex infinity)" if side.has(sympy.zoo)
                   else " (0/0 or oo - oo: not a number)" if side.has(sympy.nan) else "")
            raise reader.fail(node, f"{sympy.sstr(side)[:60]} is not a finite real "
                                    f"number{why}")
        if isinstance(side, sympy.Basic) and (side.has(sympy.I) or _non_real_constant(side)):
            # sqrt(-1), log(-2), (-1)**(1/2): a statement is claimed where it is real
            raise reader.fail(node, f"{sympy.sstr(side)[:60]} is not real (it contains the "
                                    "imaginary unit)")
    mats = [v for v in names.values() if isinstance(v, mx.Matrix)]
    reader.nonzero = reader.cancelled(lhs, rhs)
    # a variable of a sqrt's or log's argument stays a variable even when sympy cancelled
    # it from both sides: sqrt(y - x**2)**2 + x**2 is y, but the statement is claimed only
    # where y >= x**2 (without x the rule was dropped and y = -1 "refuted" a true statement)
    also = set().union(*(a.free_symbols for a in [*reader.defined, *reader.positive,
                                                   *reader.nonzero]
                         if isinstance(a, sympy.Basic)))
    # and every variable written stays one when sympy cancelled it (x/x, x - x): a
    # witness is a point in all of the user's variables
    also |= {v for v in names.values() if isinstance(v, sympy.Symbol)}
    try:
        st = from_parts(lhs, _RELATIONS[type(op)], rhs, [*given, *mats], text, also)
        st = st.with_domain(_where_real(reader.defined, st.variables, reader.positive,
                                        reader.nonzero))
    except RecursionError:
        raise StatementError("the statement is nested too deeply to read (simplify it: "
                             "fewer nested signs, parentheses or calls)") from None
    return _with_conditions(st, reader)


_DECIMAL_RUN = re.compile(r"(?<![\w.])\d[\d_]*")
_PYTHON_DIGITS = 4300  # sys.get_int_max_str_digits() by default


def _long_literal(src: str, cols: list[int]) -> str | None:
    """The message for a decimal integer literal too long for Python to read, if any.

    Examples
    --------
    >>> _long_literal("x >= 1" + "0" * 5000, list(range(5007)))[:48]
    'the integer literal at column 6 has 5001 digits;'
    """
    for m in _DECIMAL_RUN.finditer(src):
        digits = len(m.group().replace("_", ""))
        if digits > _PYTHON_DIGITS:
            return (f"the integer literal at column {cols[m.start()] + 1} has {digits} "
                    f"digits; Python reads at most {_PYTHON_DIGITS}: write it as a power "
                    "(10**5000 as (10**1000)**5) or in hexadecimal (0x...)")
    return None


def read_constant(text: str, what: str) -> sympy.Expr:
    """A number written as text (``"1/3"``, ``"sqrt(2)/2"``, ``"1e-5"``), read like a
    statement's side: through Python's parser, with no variables and nothing run.

    Box bounds, radii and orders were read by ``sympy.sympify``, whose parser evaluates
    Python: ``box(x=("__import__('os').system(...)", 1))`` and ``--box`` ran commands.

    Examples
    --------
    >>> read_constant("sqrt(8)/2", "bound")
    sqrt(2)
    >>> read_constant("log(-2)", "bound")
    Traceback (most recent call last):
    ...
    specproof.lemmas.errors.StatementError: bound: log(-2) is not a real number at column 1
    """
    if len(text) > MAX_LENGTH:
        raise StatementError(f"{what}: {len(text)} characters; at most {MAX_LENGTH}")
    if "__" in text:
        raise StatementError(f"{what}: '__' is not allowed ({text!r})")
    src, cols = _normalise(text.strip())
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise StatementError(f"{what} must be a number, got {text!r}") from None
    reader = _Reader(src, {}, strict=True, cols=cols)
    try:
        value = reader.value(tree.body)
    except StatementError as exc:
        raise StatementError(f"{what}: {exc}") from None
    except RecursionError:
        raise StatementError(f"{what} is nested too deeply to read") from None
    if not (isinstance(value, sympy.Expr) and value.is_number):
        raise StatementError(f"{what} must be a number, got {text!r}")
    for cond, _node in reader.conditions:
        if settle(cond) is not True:
            # exp(log(c)) with a c whose sign is not certified: not a number to bound with
            raise StatementError(f"{what}: {cond.violation()}")
    return value


def _with_conditions(st: Any, reader: _Reader) -> Any:
    """``st`` with the constant conditions arb could not settle; refused where one is
    certified violated (``exp(log(c))`` for a c < 0 that sympy cannot sign is not real,
    as ``log(-2)`` is not)."""
    open_: list[Any] = []
    for cond, node in reader.conditions:
        if any(cond == c for c in open_):
            continue
        holds = settle(cond)
        if holds is False:
            raise reader.fail(node, cond.violation())
        if holds is None:
            open_.append(cond)
    return replace(st, conditions=tuple(open_)) if open_ else st


def _where_real(args: list[Any], variables: Sequence[Any], positive: Sequence[Any] = (),
                nonzero: Sequence[Any] = ()) -> Any:
    """The domain ``{a >= 0}`` for each sqrt argument, ``{a > 0}`` for each log argument
    and ``{b != 0}`` (as ``b**2 > 0``) for each cancelled denominator ``b`` over the
    statement's variables (None when there is none). A strict ``a > 0`` is searched as
    ``a >= 0`` and checked strictly at a point (a ``positive`` part)."""
    from specproof.lemmas.domains import _DEFINED_NOTE, _REAL_NOTE, Domain, Part

    strict = [sympy.expand(a) for a in positive if a.free_symbols <= set(variables)]
    pos_parts = tuple(Part("positive", tuple(sorted(a.free_symbols, key=str)),
                           (f"{sympy.sstr(a)} > 0{_REAL_NOTE}", a))
                      for a in dict.fromkeys(strict))
    squares = {sympy.expand(b**2): b for b in nonzero if b.free_symbols <= set(variables)}
    pos_parts += tuple(Part("positive", tuple(sorted(sq.free_symbols, key=str)),
                            (f"{sympy.sstr(b)} != 0{_DEFINED_NOTE}", sq))
                       for sq, b in squares.items() if sq not in strict)
    keep = []
    for a in dict.fromkeys(sympy.expand(a) for a in args):
        # every argument over the statement's variables, polynomial or not: sympy has
        # already rewritten sqrt(1/x)**2 to 1/x, which is real at x = -1, where the
        # statement as written is not (it was "refuted" there)
        if a.free_symbols <= set(variables):
            keep.append(a)
    keep = [a for a in keep if a not in strict]
    if not keep and not pos_parts:
        return None
    parts = tuple(Part("constraint", tuple(sorted(a.free_symbols, key=str)),
                       (f"{sympy.sstr(a)} >= 0{_REAL_NOTE}",)) for a in keep)
    return Domain(parts + pos_parts, tuple(keep) + tuple(p.params[1] for p in pos_parts), ())


__all__ = ["CONSTANTS", "FUNCTIONS", "parse_statement", "read_constant"]
