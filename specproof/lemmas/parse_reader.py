"""The node-by-node reader of a statement's AST (:func:`specproof.lemmas.parse.parse_statement`).

Numbers, names, ``+ - * / ** ^ @``, unary minus, calls of whitelisted functions and the
attribute ``.T`` are read into sympy; anything else is refused with its column, and so
is a constant that is not real where it is written (``(-1)**(1/6)``: a statement that is
not about reals was REFUTED).
"""

from __future__ import annotations

import ast
import decimal
from typing import Any

import sympy

from specproof.lemmas import matrices as mx
from specproof.lemmas.errors import StatementError
from specproof.lemmas.matrix_functions import DECLARE_MATRIX
from specproof.lemmas.parse_defined import DefinedReader, _non_real_constant
from specproof.lemmas.parse_limits import (  # noqa: F401  (re-exported)
    MAX_CONSTANT_BITS,
    MAX_ROOT_BITS,
    _shorten,
)
from specproof.lemmas.parse_text import (  # noqa: F401  (re-exported for parse)
    _col,
    _decimal_exponent,
    _first_line,
    _keyword_before,
    _normalise,
)
from specproof.lemmas.real_conditions import Condition


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
# sympy's names for its real constants: read as those constants, never as variables (a
# statement about GoldenRatio was "refuted at GoldenRatio = 0")
CONSTANTS: dict[str, Any] = {
    "pi": sympy.pi, "π": sympy.pi, "E": sympy.E, "GoldenRatio": sympy.GoldenRatio,
    "EulerGamma": sympy.EulerGamma, "Catalan": sympy.Catalan, "inf": sympy.oo, "oo": sympy.oo,
}
# sympy's names of numbers that are not real: as unknown names they became real variables
# ("fails at nan = -1"), while oo was refused; a given variable of such a name still wins
NOT_REAL_NAMES: dict[str, str] = {
    "nan": "sympy's not-a-number", "zoo": "sympy's complex infinity",
    "I": "the imaginary unit", "oo": "infinity", "inf": "infinity",
}
INFINITIES = ("oo", "inf")  # allowed where an order is infinite: norm(X, inf)
_NOT_REAL_SPELLINGS = {"nan": "the floating-point not-a-number", "inf": "infinity",
                       "infinity": "infinity", "oo": "infinity"}
_RELATIONS = {ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "=="}
_REFUSED = {ast.Gt: ">", ast.Lt: "<", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
            ast.In: "in", ast.NotIn: "not in"}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a**b, ast.BitXor: lambda a, b: a**b,
           ast.MatMult: lambda a, b: a @ b}
# the functions of scalars: a Matrix argument is refused with a hint at its matrix cousin
_SCALAR_FUNCTIONS = ("sqrt", "exp", "log", "abs", "Abs", "max", "min")
# the functions that take roots or logs of (expressions of) their arguments' constants
_ROOT_FUNCTIONS = ("sqrt", "log", "norm", "schatten", "two_to_q")
def _scalar_names(values: list) -> str:
    """How a message names the scalar operands ``values`` of a matrix operation."""
    names = [str(v) for v in values if isinstance(v, sympy.Symbol)]
    if names:
        unique = sorted(set(names))
        verb = "is a scalar" if len(unique) == 1 else "are scalars"
        return f"{' and '.join(unique)} {verb} here"
    return "an operand is a scalar here"


_MATRIX_HINT = {"exp": "expm", "log": "logm", "abs": "norm", "Abs": "norm"}
MAX_LENGTH = 20_000
MAX_EXPONENT = 1000


class _Reader(DefinedReader):
    def __init__(self, text: str, names: dict[str, Any], strict: bool, cols: list[int]) -> None:
        super().__init__(text, cols)
        self.names = names
        self.strict = strict  # only the given variables may appear
        self.infinities: list[ast.Name] = []  # oo and inf, named if a side is infinite

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None:
                raise self.fail(node, f"unexpected constant {v!r}")
            if isinstance(v, int):
                return sympy.Integer(v)
            if isinstance(v, float):
                seg = ast.get_source_segment(self.text, node) or repr(v)
                digits = seg.replace("_", "")
                size = _decimal_exponent(digits)
                if abs(size) > MAX_EXPONENT:
                    # 1e-5000 is 10**-5000, which is refused: the same cap, or its
                    # 5000-digit denominator crashed the printing of every verdict
                    raise self.fail(node, f"the literal {_shorten(seg)} has exponent "
                                          f"{size}, larger than {MAX_EXPONENT} in size")
                # through decimal, not sympy.Rational(str): a literal of over 4300 digits
                # ("1.000...") passes through int(str), which refuses it (a TypeError)
                p, q = decimal.Decimal(digits).as_integer_ratio()
                return sympy.Rational(p, q)
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
            if isinstance(a, list) or isinstance(b, list):
                # [x] * 2 is Python's list repetition, [x] + 1 a crash in sympy
                raise self.fail(node, "a list or tuple is not a number; write a scalar "
                                      "expression")
            if isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(a, mx.Matrix):
                # numpy reads A**2 entrywise, math notation (A^2) as A @ A: a statement
                # that means one and is read as the other can be proved while false
                raise self.fail(node, f"a power of the matrix {a.label} is ambiguous: write "
                                      f"{a.label} @ {a.label} for the matrix product or "
                                      f"{a.label} * {a.label} for the entrywise one")
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and b.is_number and abs(b) > MAX_EXPONENT):
                # 9**9**9 would take sympy hours and all memory to expand exactly; the
                # exponent as written (str of an integer of over 4300 digits raises)
                seg = ast.get_source_segment(self.text, node.right) or "the exponent"
                raise self.fail(node, f"exponent {_shorten(seg)} is larger than "
                                      f"{MAX_EXPONENT} in size")
            if isinstance(node.op, (ast.Pow, ast.BitXor)):
                self.power_size(node, a, b)
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and b.is_number and b.is_integer is False and isinstance(a, sympy.Expr)
                    and a.free_symbols and a.is_nonnegative is not True):
                self.defined.append(a)  # x**(1/2) is sqrt(x): real where x >= 0
            constant_base = False  # a constant base of a variable power: a condition
            if isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr):
                if b.is_number and b.is_integer is not True:
                    self.need(node, ">= 0", a, "its base")  # c**(1/3): real where c >= 0
                if b.is_number and b.is_negative is not False:
                    self.need(node, "!= 0", a, "its base")  # c**-1 divides by c
                if not b.is_number and isinstance(a, sympy.Expr) and a.is_number \
                        and a.is_positive is None:
                    self.need(node, "> 0", a, "its base")  # c**x, as x**y below
                    constant_base = True
            if isinstance(node.op, ast.Div):
                self.need(node, "!= 0", b, "its denominator")  # Z/Z: 1 to sympy
                self._denominator(b)
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and b.is_number and b.is_negative):
                self._denominator(a)  # x**-2 divides by x (x**-2 * x**2 is 1 to sympy)
            if (isinstance(node.op, (ast.Pow, ast.BitXor)) and isinstance(b, sympy.Expr)
                    and not b.is_number and isinstance(a, sympy.Expr)
                    and a.is_positive is not True and not constant_base):
                # x**y for a variable exponent is real for every y only where x > 0:
                # sympy rewrote (x**y)**2 to x**(2y), which is real at x = -1, y = 1/2,
                # and a true statement was "refuted" there (x**y = I)
                self.positive.append(a)
            if isinstance(b, mx.Matrix) and isinstance(node.op, (ast.Div, ast.Pow,
                                                                  ast.BitXor)) \
                    and not isinstance(a, mx.Matrix):
                # 2 / A and 2 ** A have no meaning here (a raw TypeError before)
                sym = "/" if isinstance(node.op, ast.Div) else "**"
                raise self.fail(node, f"a scalar {sym} the matrix {b.label} is not defined; "
                                      "divide by or raise to scalars only")
            if isinstance(node.op, ast.MatMult):
                scalars = [v for v in (a, b) if not isinstance(v, mx.Matrix)]
                if scalars:
                    # A @ B of two undeclared names: sympy's "unsupported operand" said
                    # nothing of the cause
                    seg = ast.get_source_segment(self.text, node) or "@"
                    raise self.fail(node, f"{seg}: @ multiplies matrices, and "
                                          f"{_scalar_names(scalars)}; {DECLARE_MATRIX}")
            try:
                value = op(a, b)
            except StatementError:
                raise
            except (TypeError, ValueError, AttributeError) as exc:
                # A @ 2, or an operand sympy cannot combine: one line naming the operation,
                # not a traceback (the CLI's exit status 1 would read as REFUTED)
                seg = ast.get_source_segment(self.text, node) or type(node.op).__name__
                raise self.fail(node, f"{seg}: {_first_line(exc)}") from None
            return self.real(node, self.sized(node, value))
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
        at x = 0), so it is refused where it is written. ``(-1)**(1/6)`` holds no literal
        ``I`` but is not real either (``((-1)**(1/6))**6`` is -1: refuted at x = 0), so a
        constant whose ``is_extended_real`` is False is refused too."""
        if isinstance(value, sympy.Expr) and (value.has(sympy.I) or _non_real_constant(value)):
            seg = ast.get_source_segment(self.text, node) or sympy.sstr(value)
            raise self.fail(node, f"{seg} is not a real number")
        return value

    def name(self, node: ast.Name) -> Any:
        n = node.id
        if "__" in n:
            raise self.fail(node, f"'__' is not allowed ({n!r})")
        written = ast.get_source_segment(self.text, node)
        if written is not None and written != n:
            # Python folds identifiers to NFKC: 'ℯ' became the variable e, and "ℯ >= 2" was
            # refuted "at e = 0", a name the user never wrote
            raise self.fail(node, f"{written!r} is read by Python as the name {n!r}; write "
                                  f"E for Euler's number, pi for π, or a plain name for a "
                                  f"variable")
        if n in self.names:
            return self.names[n]
        if n in NOT_REAL_NAMES and n not in INFINITIES:
            raise self.fail(node, f"{n!r} is {NOT_REAL_NAMES[n]}, not a finite real number "
                                  f"(a variable of this name must be given in variables= "
                                  f"or --vars)")
        if n.lower() in _NOT_REAL_SPELLINGS and n not in INFINITIES:
            # NaN, Inf, Infinity: numpy's and JavaScript's spellings, read as variables
            # before ("x <= Infinity" was refuted at Infinity = 0)
            raise self.fail(node, f"{n!r} is {_NOT_REAL_SPELLINGS[n.lower()]}, not a finite "
                                  f"real number (a variable of this name must be given in "
                                  f"variables= or --vars)")
        if n in INFINITIES:
            self.infinities.append(node)
        if n in CONSTANTS:
            return CONSTANTS[n]
        if n in FUNCTIONS:
            raise self.fail(node, f"{n} is a function; call it as {n}(...)")
        if self.strict and not self.names:
            raise self.fail(node, f"unknown name {n!r}: a number holds no variables (its "
                                  f"constants: pi, E, GoldenRatio, EulerGamma, Catalan)")
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
        if f.id in _SCALAR_FUNCTIONS:
            for a in [*args, *kwargs.values()]:
                if isinstance(a, mx.Matrix):
                    # sympy's sqrt / Abs / Max of our Matrix object was a SympifyError
                    hint = f" (for a matrix: {_MATRIX_HINT[f.id]}(...))" \
                        if f.id in _MATRIX_HINT else ""
                    raise self.fail(node, f"{f.id} of the matrix {a.label} is not defined: "
                                          f"{f.id} takes scalars such as trace(...), "
                                          f"norm(...) or an entry{hint}")
                if isinstance(a, list):
                    raise self.fail(node, f"{f.id}: a list or tuple is not a number; give "
                                          "scalar arguments")
        if f.id in _ROOT_FUNCTIONS:
            for a in [*args, *kwargs.values()]:
                self.root_size(node, a, "a log" if f.id == "log" else "a root")
        if f.id in ("max", "min") and not args:
            # sympy's Max() is -oo: "-oo is not a finite real number" named no call
            raise self.fail(node, f"{f.id} needs at least one argument")
        if f.id == "sqrt" and len(args) == 1:
            self.need(node, ">= 0", args[0])
        if f.id == "log" and len(args) in (1, 2):
            for arg, role in zip(args, ("its argument", "its base")):
                if role == "its base" and isinstance(arg, sympy.Rational) \
                        and not arg.is_positive:
                    # log(2, 0) is 0 to sympy (log(2) / zoo): no value check sees it, and
                    # "log(2, 0) >= 0" and "<= 0" were both proved (log(0) itself is zoo,
                    # which the value check names)
                    seg = ast.get_source_segment(self.text, node) or sympy.sstr(arg)
                    raise self.fail(node, Condition("> 0", arg, seg, role).violation("sympy"))
                self.need(node, "> 0", arg, role)
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
            if len(args) == 2 and isinstance(args[1], sympy.Expr) and args[1].free_symbols:
                # log(x, b) divides by log(b), 0 at b = 1: sympy cancels it from
                # log(8, b)*log(b), which was "refuted at b = 1" (log(8, 1) is 1/0)
                self._denominator(args[1] - 1)
        try:
            out = fn(*args, **kwargs)
        except StatementError as exc:
            raise self.fail(node, str(exc)) from None
        except (TypeError, ValueError, AttributeError) as exc:
            # a SympifyError (a ValueError) or a TypeError from an argument sympy cannot
            # take: one line naming the call
            raise self.fail(node, f"{f.id}: {_first_line(exc)}") from None
        return self.real(node, self.sized(node, out))
