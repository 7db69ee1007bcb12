"""Floating-point evaluation of a statement, for the search: compiled once, called often.

A sympy expression is compiled with :func:`sympy.lambdify`; every matrix functional
(operator norm, Schatten norm, 2->q norm, expm/logm entries) is cut out and replaced by a
placeholder whose value numpy/scipy computes from the (recursively compiled) entries of its
matrix. A black-box statement is its callable, fed with the arrays in the user's shapes.

Examples
--------
>>> import numpy as np
>>> from specproof.lemmas.statement import as_statement
>>> f = margin_function(as_statement("x**3 - x >= -0.38"))
>>> round(f(np.array([0.5])), 6)
0.005
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from specproof.lemmas.errors import StatementError
from specproof.lemmas.matrices import MatrixFunctional


def _outermost(expr: sympy.Basic) -> list[MatrixFunctional]:
    found: list[MatrixFunctional] = []

    def walk(e: sympy.Basic) -> None:
        if isinstance(e, MatrixFunctional):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found


def _two_to_q(M: np.ndarray, q: float, starts: int = 8) -> float:
    """A lower estimate of max_{|v|=1} ||M v||_q by the nonlinear power method."""
    return two_to_q_witness(M, q, starts)[0]


def two_to_q_witness(M: np.ndarray, q: float, starts: int = 8) -> tuple[float, np.ndarray]:
    """(||M v||_q, v) for the best unit v the nonlinear power method finds (a lower bound)."""
    rng = np.random.default_rng(0)
    n = M.shape[1]
    best, best_v = 0.0, np.eye(n)[0]
    cands = [np.linalg.svd(M)[2][0]] + [rng.standard_normal(n) for _ in range(starts)]
    for v in cands:
        v = v / (np.linalg.norm(v) or 1.0)
        for _ in range(60):
            y = M @ v
            g = M.T @ (np.sign(y) * np.abs(y) ** (q - 1))
            nv = np.linalg.norm(g)
            if nv == 0:
                break
            v = g / nv
        value = float(np.linalg.norm(M @ v, ord=q))
        if value > best:
            best, best_v = value, v
    return best, best_v


# matrix functions by (kind, matrix bytes): the margin, both sides and the scale of one
# point all need expm(A) (say), and a search visits each point once or twice
_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 512


def _functional_value(node: MatrixFunctional, M: np.ndarray, cache: dict[Any, Any]) -> float:
    kind = node.kind
    if kind in ("expm", "logm"):
        cache = _SHARED
        if len(cache) > _SHARED_MAX:
            cache.clear()
    if kind == "opnorm":
        return float(np.linalg.norm(M, 2))
    if kind == "schatten":
        p = float(node.params[0])
        return float(np.sum(np.linalg.svd(M, compute_uv=False) ** p) ** (1 / p))
    if kind == "two_to_q":
        return _two_to_q(M, float(node.params[0]))
    key = (kind, M.tobytes())
    if key not in cache:
        if kind == "expm":
            import scipy.linalg

            cache[key] = scipy.linalg.expm(M)
        else:  # logm of a symmetric PSD matrix
            w, V = np.linalg.eigh((M + M.T) / 2)
            cache[key] = (V * np.log(np.where(w > 0, w, np.nan))) @ V.T
    i, j = (int(p) for p in node.params)
    return float(cache[key][i, j])


# numpy's integers hold 64 bits: a larger Python int reached numpy as an object array,
# whose log and exp are missing ("x <= log(2**64)" ended in a TypeError), and Python
# prints no integer of over 4300 digits (x >= 10**-1000 * ... ended in a traceback). The
# search is in floats (every witness is confirmed exactly afterwards), so such a number
# is printed as its float, an infinity of its sign beyond float range.
_INT64_BITS = 62  # |n| < 2**62 passes as an exact numpy integer (int64 holds below 2**63)


def _nearest_float(r: sympy.Rational) -> float:
    """``r`` as a float (to a unit in the last place), from its exact numerator and
    denominator; beyond float range, the infinity of its sign.

    Through mpmath's binary numbers: ``float(p) / q`` raises past 1e308, and ``str`` of a
    huge ``p`` raises past 4300 digits.

    Examples
    --------
    >>> _nearest_float(sympy.Integer(2)**64), _nearest_float(-sympy.Integer(10)**400)
    (1.8446744073709552e+19, -inf)
    """
    import mpmath

    with mpmath.workprec(53):
        return float(mpmath.mpf(int(r.p)) / int(r.q))


class _FloatPrinter(NumPyPrinter):
    """numpy's printer for lambdify, with each rational too big for numpy's integers
    printed as its float (or the infinity of its sign, as sympy's oo prints)."""

    def _big(self, r: sympy.Rational) -> bool:
        return max(int(r.p).bit_length(), int(r.q).bit_length()) > _INT64_BITS

    def _as_float(self, r: sympy.Rational) -> str:
        v = _nearest_float(r)
        if math.isinf(v):
            return self._print(sympy.oo if v > 0 else -sympy.oo)
        return repr(v)

    def _print_Integer(self, expr: sympy.Integer, **kwargs: Any) -> str:
        return self._as_float(expr) if self._big(expr) else super()._print_Integer(expr)

    def _print_Rational(self, expr: sympy.Rational, **kwargs: Any) -> str:
        return self._as_float(expr) if self._big(expr) else super()._print_Rational(expr)


def _lambdify(args: Sequence[Any], expr: Any) -> Callable[..., Any]:
    """:func:`sympy.lambdify` over numpy with :class:`_FloatPrinter` (lambdify's own
    settings for numpy, which it uses when no printer is given), and no docstring: it
    would hold ``str(expr)``, which raises for an integer of over 4300 digits."""
    import builtins

    from sympy.printing.codeprinter import PrintMethodNotImplementedError

    printer = _FloatPrinter({"fully_qualified_modules": False, "inline": True,
                             "allow_unknown_functions": True, "user_functions": {}})
    try:
        fn = sympy.lambdify(list(args), expr, modules="numpy", printer=printer,
                            docstring_limit=0)
    except (PrintMethodNotImplementedError, ValueError) as exc:
        # an unevaluated Integral, Product, Limit or Derivative built in Python: sympy's
        # printer error was the traceback a user saw
        kind = next((type(a).__name__ for a in sympy.preorder_traversal(expr)
                     if isinstance(a, _UNEVALUATED)), None)
        what = f"an unevaluated {kind}" if kind else f"a part numpy cannot evaluate ({exc})"
        raise StatementError(f"the statement holds {what}, which specproof cannot evaluate "
                             "in floats: evaluate it first (.doit()) or write it with "
                             "elementary functions") from None
    # a function numpy lacks (sympy.Function("f")(x), besselj, LambertW) is printed as its
    # bare name and failed as a NameError at the first point searched
    missing = [n for n in fn.__code__.co_names
               if n not in fn.__globals__ and not hasattr(builtins, n)]
    if missing:
        raise StatementError(f"the statement uses {', '.join(sorted(set(missing)))}, which has "
                             "no numerical definition here (an undefined sympy Function, or "
                             "one numpy lacks): write it with elementary functions")
    return fn


# the sympy objects that stand for a computation not done yet
_UNEVALUATED = (sympy.Integral, sympy.Product, sympy.Limit, sympy.Derivative)


class _Compiled:
    """A scalar expression (or a matrix of them) as a function of the variable vector."""

    def __init__(self, expr: Any, variables: Sequence[sympy.Symbol]) -> None:
        self.nodes = _outermost(expr)
        holders = [sympy.Dummy(f"f{k}") for k in range(len(self.nodes))]
        body = expr.xreplace(dict(zip(self.nodes, holders))) if self.nodes else expr
        if isinstance(body, sympy.MatrixBase):
            body = sympy.Matrix(body)
        self.fn = _lambdify([*variables, *holders], body)
        self.inner = [_Compiled(n.matrix, variables) for n in self.nodes]
        self.is_matrix = isinstance(expr, sympy.MatrixBase)

    def __call__(self, x: np.ndarray, cache: dict[Any, Any]) -> Any:
        vals = [
            _functional_value(node, np.asarray(inner(x, cache), dtype=float), cache)
            for node, inner in zip(self.nodes, self.inner)
        ]
        out = self.fn(*x, *vals)
        return np.asarray(out, dtype=float) if self.is_matrix else out


def compile_expr(expr: sympy.Expr,
                 variables: Sequence[sympy.Symbol]) -> Callable[[np.ndarray], float]:
    """``expr`` as a function of one float vector (in the order of ``variables``).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> compile_expr(x * y + 1, [x, y])(np.array([2.0, 3.0]))
    7.0
    """
    c = _Compiled(sympy.sympify(expr), list(variables))

    def value(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            try:
                return float(c(x, {}))
            except (ValueError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError):
                return float("nan")

    return value


def batch_function(expr: sympy.Expr, variables: Sequence[sympy.Symbol]
                   ) -> Callable[[np.ndarray], np.ndarray] | None:
    """A vectorised version over rows of a 2-d array, when ``expr`` has no matrix functional."""
    if _outermost(expr):
        return None
    fn = _lambdify(variables, expr)

    def values(X: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = fn(*X.T)
        return np.broadcast_to(np.asarray(out, dtype=float), (X.shape[0],)).copy()

    return values


def unflatten(statement: Any, x: Sequence[Any], as_object: bool = False) -> list[Any]:
    """A black-box statement's arguments (arrays in the user's shapes) from the flat vector."""
    pos = {s: k for k, s in enumerate(statement.variables)}
    args = []
    for name, shape in statement.shapes:
        if not shape:
            args.append(x[pos[sympy.Symbol(name, real=True)]])
            continue
        m = next(m for m in statement.matrices if m.label == name)
        grid = np.empty(m.shape, dtype=object if as_object else float)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                e = m.entries[i, j]
                grid[i, j] = x[pos[e]] if e in pos else 0
        args.append(grid.reshape(shape))
    return args


def margin_function(statement: Any) -> Callable[[np.ndarray], float]:
    """The difference f (claimed >= 0, or == 0) as a function of the flat variable vector."""
    if statement.is_black_box:
        fn = statement.function

        def call(x: np.ndarray) -> float:
            try:
                with np.errstate(all="ignore"):
                    value = fn(*unflatten(statement, x))
            except (ValueError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError):
                return float("nan")
            # None, an array or a complex gave a bare TypeError from float(); a bool or a
            # string ("3") would have been read as a number
            ok = not isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating))
            try:
                out = float(value) if ok and np.ndim(value) == 0 else None
            except OverflowError:
                # an exact integer or Fraction beyond float64 (-10**400): its float is an
                # infinity of its sign, the answer it gives (float() raised a traceback)
                out = -math.inf if value < 0 else math.inf
            except (TypeError, ValueError):
                out = None
            if out is None:
                raise StatementError(
                    f"the statement callable {statement.text} must return one real number "
                    f"(the quantity claimed >= 0), got {type(value).__name__}"
                    + (f" of shape {np.shape(value)}" if np.ndim(value) else ""))
            return out

        return call
    return compile_expr(statement.difference(), statement.variables)


def side_functions(statement: Any) -> tuple[Callable[[np.ndarray], float], ...] | None:
    """(lhs, rhs) as functions, or None for a black box."""
    if statement.is_black_box:
        return None
    return (compile_expr(statement.lhs, statement.variables),
            compile_expr(statement.rhs, statement.variables))


__all__ = ["batch_function", "compile_expr", "margin_function", "side_functions", "unflatten"]
