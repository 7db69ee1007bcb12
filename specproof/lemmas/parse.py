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
from typing import Any

import sympy

from specproof.lemmas import matrices as mx
from specproof.lemmas.errors import StatementError


def _max(*args: Any) -> Any:
    return sympy.Max(*args)


def _min(*args: Any) -> Any:
    return sympy.Min(*args)


FUNCTIONS: dict[str, Any] = {
    "sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "abs": sympy.Abs,
    "Abs": sympy.Abs, "max": _max, "min": _min,
    "norm": mx.norm, "trace": mx.trace, "det": mx.det, "expm": mx.expm, "logm": mx.logm,
    "two_to_q": mx.two_to_q, "schatten": mx.schatten,
}
CONSTANTS: dict[str, Any] = {"pi": sympy.pi, "E": sympy.E, "inf": sympy.oo, "oo": sympy.oo}
_RELATIONS = {ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "=="}
_REFUSED = {ast.Gt: ">", ast.Lt: "<", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
            ast.In: "in", ast.NotIn: "not in"}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a**b, ast.BitXor: lambda a, b: a**b,
           ast.MatMult: lambda a, b: a @ b}
MAX_LENGTH = 20_000
MAX_EXPONENT = 1000


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text in Python syntax, and for each of its characters the column it came from."""
    text = text.replace("≥", ">=").replace("≤", "<=").replace("−", "-").replace("·", "*")
    out: list[str] = []
    cols: list[int] = []
    for i, c in enumerate(text):
        prev, nxt = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
        if c == "^":  # a power: "x^2 + 1" must not parse as Python's xor x ^ (2 + 1)
            rep = "**"
        elif c == "=" and prev not in "<>=!" and nxt != "=":  # a lone "=" is an identity
            rep = "=="
        else:
            rep = c
        out.append(rep)
        cols += [i] * len(rep)
    cols.append(len(text))
    return "".join(out), cols


def _col(node: ast.AST, cols: list[int] | None = None) -> int:
    c = getattr(node, "col_offset", 0)
    return (cols[min(c, len(cols) - 1)] if cols else c) + 1


class _Reader:
    def __init__(self, text: str, names: dict[str, Any], strict: bool, cols: list[int]) -> None:
        self.text = text
        self.cols = cols
        self.names = names
        self.strict = strict  # only the given variables may appear
        # arguments of sqrt / log that sympy cannot show nonnegative: the statement is
        # claimed where it is real, so they join the domain (sympy rewrites sqrt(x)**2 to
        # x, and without this x = -1 would "refute" the true sqrt(x)**2 >= 0)
        self.defined: list[Any] = []
        self.positive: list[Any] = []  # log's arguments: real where > 0

    def fail(self, node: ast.AST, what: str) -> StatementError:
        return StatementError(f"{what} at column {_col(node, self.cols)}")

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None:
                raise self.fail(node, f"unexpected constant {v!r}")
            if isinstance(v, int):
                return sympy.Integer(v)
            if isinstance(v, float):
                seg = ast.get_source_segment(self.text, node) or repr(v)
                return sympy.Rational(seg.replace("_", ""))
            if isinstance(v, str):
                return v  # norm(X, "fro")
            raise self.fail(node, f"unsupported constant {v!r}")
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            v = self.value(node.operand)
            if isinstance(v, str):
                raise self.fail(node, "a string is only allowed as norm's ord")
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
            a, b = self.value(node.left), self.value(node.right)
            if isinstance(a, str) or isinstance(b, str):
                raise self.fail(node, "a string is only allowed as norm's ord")
            if isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(a, mx.Matrix):
                # numpy reads A**2 entrywise, math notation (A^2) as A @ A: a statement
                # that means one and is read as the other can be proved while false
                raise self.fail(node, f"a power of the matrix {a.label} is ambiguous: write "
                                      f"{a.label} @ {a.label} for the matrix product or "
                                      f"{a.label} * {a.label} for the entrywise one")
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and b.is_number and abs(b) > MAX_EXPONENT):
                # 9**9**9 would take sympy hours and all memory to expand exactly
                raise self.fail(node, f"exponent {b} is larger than {MAX_EXPONENT} in size")
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and b.is_number and b.is_integer is False and isinstance(a, sympy.Expr)
                    and a.free_symbols and a.is_nonnegative is not True):
                self.defined.append(a)  # x**(1/2) is sqrt(x): real where x >= 0
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and not b.is_number and isinstance(a, sympy.Expr)
                    and a.is_positive is not True):
                # x**y for a variable exponent is real for every y only where x > 0:
                # sympy rewrote (x**y)**2 to x**(2y), which is real at x = -1, y = 1/2,
                # and a true statement was "refuted" there (x**y = I)
                self.positive.append(a)
            return self.real(node, op(a, b))
        if isinstance(node, ast.Attribute):
            if "__" in node.attr:
                raise self.fail(node, f"'__' is not allowed ({node.attr!r})")
            if node.attr != "T":
                raise self.fail(node, f"attribute access .{node.attr} is not allowed "
                                      "(only .T, the transpose)")
            base = self.value(node.value)
            if not isinstance(base, mx.Matrix):
                raise self.fail(node, ".T needs a matrix")
            return base.T
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare):
            raise self.fail(node, "a relation may appear only once, at the top")
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        raise self.fail(node, f"{type(node).__name__} is not allowed in a statement")

    def real(self, node: ast.AST, value: Any) -> Any:
        """``value``, unless it is a non-real constant: sqrt(-1) or log(-2) would vanish
        from the statement once squared or cancelled (x**2 + sqrt(-1)**2 >= 0 was refuted
        at x = 0), so it is refused where it is written."""
        if isinstance(value, sympy.Expr) and value.has(sympy.I):
            seg = ast.get_source_segment(self.text, node) or sympy.sstr(value)
            raise self.fail(node, f"{seg} is not a real number")
        return value

    def name(self, node: ast.Name) -> Any:
        n = node.id
        if "__" in n:
            raise self.fail(node, f"'__' is not allowed ({n!r})")
        if n in self.names:
            return self.names[n]
        if n in CONSTANTS:
            return CONSTANTS[n]
        if n in FUNCTIONS:
            raise self.fail(node, f"{n} is a function; call it as {n}(...)")
        if self.strict:
            raise self.fail(node, f"unknown name {n!r} (variables: {', '.join(self.names)})")
        s = mx.real_symbol(n)
        self.names[n] = s
        return s

    def call(self, node: ast.Call) -> Any:
        f = node.func
        if not isinstance(f, ast.Name):
            if isinstance(f, ast.Attribute):
                raise self.fail(f, f"attribute access .{f.attr} is not allowed "
                                   "(only .T, the transpose)")
            raise self.fail(node, "only named functions can be called")
        if "__" in f.id:
            raise self.fail(node, f"'__' is not allowed ({f.id!r})")
        fn = FUNCTIONS.get(f.id)
        if fn is None:
            raise self.fail(node, f"unknown function {f.id!r}; known: "
                                  f"{', '.join(sorted(FUNCTIONS, key=str.lower))}")
        if node.keywords and not all(k.arg == "ord" and f.id == "norm" for k in node.keywords):
            raise self.fail(node, f"{f.id}: keyword arguments are not allowed (except norm's ord)")
        args = [self.value(a) for a in node.args]
        kwargs = {k.arg: self.value(k.value) for k in node.keywords}
        ords = [*args[1:2], *kwargs.values()] if f.id == "norm" else []
        if any(isinstance(a, str) for a in [*args, *kwargs.values()]
               if not any(a is o for o in ords)):
            # a string handed to sympy is parsed by sympy's parse_expr, which evaluates
            # Python: exp('open(...)') ran code (and so did a certificate file's text)
            raise self.fail(node, f"{f.id}: a string is only allowed as norm's ord")
        if f.id == "sqrt" and len(args) == 1 and isinstance(args[0], sympy.Expr) \
                and args[0].free_symbols and args[0].is_nonnegative is not True:
            self.defined.append(args[0])
        if f.id == "sqrt" and (len(args) != 1 or kwargs):
            # sympy's sqrt(x, e) reads e as its evaluate flag: sqrt(x, 0) is a square root
            # that escaped the "x >= 0" rule
            raise self.fail(node, f"sqrt takes one argument, got {len(args) + len(kwargs)}")
        if f.id == "log" and len(args) in (1, 2):
            # log(x, b) = log(x) / log(b): real where x > 0 and b > 0 (b = 1 divides by 0,
            # which the finiteness check refuses). log(0) is not real either: sympy rewrites
            # exp(log(x)) to x, which is 0 at x = 0
            for arg in args:
                if isinstance(arg, sympy.Expr) and arg.free_symbols \
                        and arg.is_positive is not True:
                    self.positive.append(arg)
        try:
            out = fn(*args, **kwargs)
        except StatementError as exc:
            raise self.fail(node, str(exc)) from None
        except TypeError as exc:
            raise self.fail(node, f"{f.id}: {exc}") from None
        return self.real(node, out)


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
    except SyntaxError as exc:
        col = cols[min(max((exc.offset or 1) - 1, 0), len(cols) - 1)] + 1
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
    lhs, rhs = reader.value(body.left), reader.value(body.comparators[0])
    for side, node in ((lhs, body.left), (rhs, body.comparators[0])):
        if isinstance(side, str):
            # sympify would hand it to parse_expr, i.e. to Python's eval ("'open(...)' >= 0"
            # wrote a file and was "PROVED" as 8 >= 0)
            raise reader.fail(node, "a string is only allowed as norm's ord, not as a side "
                                    "of the relation")
        if isinstance(side, sympy.Basic) and side.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
            # 1/0, 0/0, log(0), oo: not a real number, and a statement about it decides nothing
            raise reader.fail(node, f"{sympy.sstr(side)[:60]} is not a finite real number")
        if isinstance(side, sympy.Basic) and side.has(sympy.I):
            # sqrt(-1), log(-2), (-1)**(1/2): a statement is claimed where it is real
            raise reader.fail(node, f"{sympy.sstr(side)[:60]} is not real (it contains the "
                                    "imaginary unit)")
    mats = [v for v in names.values() if isinstance(v, mx.Matrix)]
    # a variable of a sqrt's or log's argument stays a variable even when sympy cancelled
    # it from both sides: sqrt(y - x**2)**2 + x**2 is y, but the statement is claimed only
    # where y >= x**2 (without x the rule was dropped and y = -1 "refuted" a true statement)
    also = set().union(*(a.free_symbols for a in [*reader.defined, *reader.positive]
                         if isinstance(a, sympy.Basic)))
    st = from_parts(lhs, _RELATIONS[type(op)], rhs, [*given, *mats], text, also)
    return st.with_domain(_where_real(reader.defined, st.variables, reader.positive))


def _where_real(args: list[Any], variables: Sequence[Any], positive: Sequence[Any] = ()) -> Any:
    """The domain ``{a >= 0}`` for each sqrt argument and ``{a > 0}`` for each log argument
    ``a`` over the statement's variables (None when there is none). A strict ``a > 0`` is
    searched as ``a >= 0`` and checked strictly at a point (a ``positive`` part)."""
    from specproof.lemmas.domains import Domain, Part

    strict = [sympy.expand(a) for a in positive if a.free_symbols <= set(variables)]
    pos_parts = tuple(Part("positive", tuple(sorted(a.free_symbols, key=str)),
                           (f"{sympy.sstr(a)} > 0 (where the statement is real)", a))
                      for a in dict.fromkeys(strict))
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
                       (f"{sympy.sstr(a)} >= 0 (where the statement is real)",)) for a in keep)
    return Domain(parts + pos_parts, tuple(keep) + tuple(p.params[1] for p in pos_parts), ())


__all__ = ["CONSTANTS", "FUNCTIONS", "parse_statement"]
