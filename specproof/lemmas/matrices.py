"""Matrix variables and the numpy-style functions over them, expanded entrywise into sympy.

A :class:`Matrix` holds a grid of scalar sympy expressions (its entries): a variable's
entries are real symbols named ``A_0_1``; ``A @ B``, ``A.T``, ``A * B`` (Hadamard, as in
numpy), sums and scalar multiples give new grids. The scalar functions return sympy
expressions: ``trace``, ``det`` and the Frobenius norm (``sqrt`` of a sum of squares, so
that its square is a polynomial) are explicit; the operator norm, Schatten norms, the
2->q norm and the entries of ``expm``/``logm`` are unevaluated nodes
(:class:`MatrixFunctional`), evaluated numerically and in interval arithmetic by
:mod:`specproof.lemmas.evaluate`.

Examples
--------
>>> A = Matrix("A", 2, 2, kind="symmetric")
>>> A[0, 1] == A[1, 0]
True
>>> trace(A @ A)
A_0_0**2 + 2*A_0_1**2 + A_1_1**2
>>> norm(A, "fro") ** 2
A_0_0**2 + 2*A_0_1**2 + A_1_1**2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy
from sympy.core.symbol import Str

from specproof.lemmas.errors import ArgumentTypeError, ShapeError, StatementError

KINDS = ("general", "symmetric", "psd", "orthogonal", "diagonal")
_KIND_ALIASES = {"gen": "general", "sym": "symmetric", "orth": "orthogonal", "diag": "diagonal",
                 "general": "general", "symmetric": "symmetric", "psd": "psd",
                 "orthogonal": "orthogonal", "diagonal": "diagonal"}


# from a matrix entry's symbol to the Matrix variable it belongs to (the latest made), so
# that a sympy relation built from Matrix objects can recover their kinds and shapes
MATRIX_OF: dict[sympy.Symbol, Matrix] = {}


# how the user wrote a scalar function of matrices (trace(A @ B), norm(A, 'fro')), keyed by
# the expression it expands to: only for printing a statement (str and LaTeX)
DISPLAY: dict[sympy.Basic, tuple[str, str]] = {}
_DISPLAY_MAX = 10_000


def tex_label(label: str) -> str:
    """A matrix label as LaTeX: ``A @ B.T`` -> ``A B^{\\top}``."""
    return (label.replace(" @ ", " ").replace(".T", "^{\\top}").replace(" * ", " \\circ "))


def shown(expr: Any, text: str, tex: str) -> Any:
    """Record how ``expr`` was written (not for atoms: a 1 x 1 trace is just its entry)."""
    if isinstance(expr, sympy.Basic) and not expr.is_Atom:
        if len(DISPLAY) > _DISPLAY_MAX:
            DISPLAY.clear()
        DISPLAY[expr] = (text, tex)
    return expr


def real_symbol(name: str) -> sympy.Symbol:
    """The real sympy symbol ``name`` (every variable of a statement is real)."""
    return sympy.Symbol(name, real=True)


class Matrix:
    """A matrix of scalar sympy expressions with numpy's operators.

    ``Matrix("A", n, m, kind=...)`` is a matrix *variable*; its kind is one of general,
    symmetric, psd (symmetric, with the principal minors >= 0 as domain constraints),
    orthogonal (with ``A.T @ A == I`` as constraints) and diagonal. Other matrices come out
    of operations on variables.

    Examples
    --------
    >>> A, B = Matrix("A", 2, 3), Matrix("B", 3, 2)
    >>> (A @ B).shape
    (2, 2)
    >>> A @ A  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.lemmas.errors.ShapeError: A @ A: shapes (2, 3) and (2, 3) do not fit ...
    """

    __array_priority__ = 100  # numpy scalars defer to our operators

    def __init__(self, name: str, n: int, m: int | None = None, kind: str = "general") -> None:
        if not isinstance(name, str) or not name.isidentifier() or "__" in name:
            raise StatementError(f"Matrix name must be an identifier without '__', got {name!r}")
        m = n if m is None else m
        for label, v in (("n", n), ("m", m)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise StatementError(f"Matrix {name}: {label} must be a positive int, got {v!r}")
        kind = _KIND_ALIASES.get(kind) if isinstance(kind, str) else None
        if kind is None:
            raise StatementError(f"Matrix {name}: kind must be one of {', '.join(KINDS)}")
        if kind != "general" and n != m:
            raise ShapeError(f"Matrix {name}: a {kind} matrix is square, got {n}x{m}")
        grid = [[sympy.S.Zero] * m for _ in range(n)]
        for i in range(n):
            for j in range(m):
                if kind == "diagonal" and i != j:
                    continue
                if kind in ("symmetric", "psd") and j < i:
                    grid[i][j] = grid[j][i]
                else:
                    grid[i][j] = real_symbol(f"{name}_{i}_{j}")
        self._entries = sympy.ImmutableMatrix(grid)
        self.label = name
        self.kind = kind
        self.name: str | None = name
        for s in self.symbols:
            MATRIX_OF[s] = self

    @classmethod
    def from_entries(cls, entries: Any, label: str = "") -> Matrix:
        """A matrix expression with the given entries (a sympy matrix or nested lists)."""
        out = cls.__new__(cls)
        out._entries = sympy.ImmutableMatrix(entries)
        out.label = label or "M"
        out.kind = "expression"
        out.name = None
        return out

    # -- data -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self._entries.shape)  # type: ignore[return-value]

    @property
    def entries(self) -> sympy.ImmutableMatrix:
        """The entries as an immutable sympy matrix."""
        return self._entries

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The distinct scalar symbols of a matrix variable, row-major."""
        seen: dict[sympy.Symbol, None] = {}
        for e in self._entries:
            if isinstance(e, sympy.Symbol):
                seen.setdefault(e)
        return tuple(seen)

    def constraints(self) -> tuple[tuple[sympy.Expr, ...], tuple[sympy.Expr, ...]]:
        """(inequalities g >= 0, equalities h == 0) that the kind puts on a variable."""
        n = self.shape[0]
        if self.kind == "psd":
            import itertools

            minors = tuple(
                sympy.expand(self._entries.extract(list(idx), list(idx)).det(method="berkowitz"))
                for k in range(1, n + 1)
                for idx in itertools.combinations(range(n), k)
            )
            return minors, ()
        if self.kind == "orthogonal":
            g = self._entries.T * self._entries
            return (), tuple(sympy.expand(g[i, j] - (1 if i == j else 0))
                             for i in range(n) for j in range(i, n))
        return (), ()

    def __getitem__(self, idx: Any) -> Any:
        return self._entries[idx]

    def __repr__(self) -> str:
        if self.name is not None:
            extra = "" if self.kind == "general" else f", kind={self.kind!r}"
            return f"Matrix({self.name!r}, {self.shape[0]}, {self.shape[1]}{extra})"
        return f"<Matrix {self.label} {self.shape[0]}x{self.shape[1]}>"

    # -- numpy-style operators --------------------------------------------------------
    @property
    def T(self) -> Matrix:  # noqa: N802 - numpy's name
        return Matrix.from_entries(self._entries.T, f"{_wrap(self.label)}.T")

    def __matmul__(self, other: Any) -> Matrix:
        other = _as_matrix(other, "@")
        b, c = self.shape[1], other.shape[0]
        if b != c:
            raise ShapeError(f"{self.label} @ {other.label}: shapes {self.shape} and "
                             f"{other.shape} do not fit ({b} columns, {c} rows)")
        return Matrix.from_entries(self._entries * other._entries,
                                   f"{_wrap(self.label)} @ {_wrap(other.label)}")

    def __rmatmul__(self, other: Any) -> Matrix:
        return _as_matrix(other, "@") @ self

    def _elementwise(self, other: Any, op: str, fn: Any, reflected: bool = False) -> Matrix:
        if isinstance(other, Matrix):
            if other.shape != self.shape:
                left, right = (other, self) if reflected else (self, other)
                raise ShapeError(f"{left.label} {op} {right.label}: shapes {left.shape} and "
                                 f"{right.shape} differ")
            vals = [fn(a, b) for a, b in zip(self._entries, other._entries)]
            label = f"{_wrap(self.label)} {op} {_wrap(other.label)}"
        else:
            s = _as_scalar(other, op)
            vals = [fn(s, a) if reflected else fn(a, s) for a in self._entries]
            label = (f"{s} {op} {_wrap(self.label)}" if reflected
                     else f"{_wrap(self.label)} {op} {s}")
        return Matrix.from_entries(sympy.ImmutableMatrix(*self.shape, vals), label)

    def __add__(self, other: Any) -> Matrix:
        return self._elementwise(other, "+", lambda a, b: a + b)

    def __radd__(self, other: Any) -> Matrix:
        return self._elementwise(other, "+", lambda a, b: a + b, reflected=True)

    def __sub__(self, other: Any) -> Matrix:
        return self._elementwise(other, "-", lambda a, b: a - b)

    def __rsub__(self, other: Any) -> Matrix:
        return self._elementwise(other, "-", lambda a, b: a - b, reflected=True)

    def __mul__(self, other: Any) -> Matrix:
        return self._elementwise(other, "*", lambda a, b: a * b)

    def __rmul__(self, other: Any) -> Matrix:
        return self._elementwise(other, "*", lambda a, b: a * b, reflected=True)

    def __truediv__(self, other: Any) -> Matrix:
        if isinstance(other, Matrix):
            raise StatementError(f"{self.label} / {other.label}: division by a matrix is "
                                 "not defined; use inv-free forms")
        return self._elementwise(other, "/", lambda a, b: a / b)

    def __pow__(self, other: Any) -> Matrix:  # numpy: elementwise
        return self._elementwise(other, "**", lambda a, b: a**b)

    def __neg__(self) -> Matrix:
        return Matrix.from_entries(-self._entries, f"-{_wrap(self.label)}")

    def __pos__(self) -> Matrix:
        return self

    def _no_compare(self, other: Any) -> Any:
        raise StatementError(f"{self.label} is a matrix: compare scalars such as norm(...), "
                             "trace(...) or an entry")

    __le__ = __ge__ = __lt__ = __gt__ = _no_compare

    __hash__ = object.__hash__


def _wrap(label: str) -> str:
    return f"({label})" if any(c in label for c in " +-*/") else label


def _as_scalar(value: Any, op: str) -> sympy.Expr:
    try:
        s = sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError) as exc:
        raise ArgumentTypeError(f"operand of {op} must be a scalar or a Matrix, "
                                f"got {type(value).__name__}") from exc
    if not isinstance(s, sympy.Expr):
        raise ArgumentTypeError(f"operand of {op} must be a scalar or a Matrix, got {s!r}")
    return s


def _as_matrix(value: Any, what: str) -> Matrix:
    if isinstance(value, Matrix):
        return value
    if isinstance(value, sympy.MatrixBase):
        return Matrix.from_entries(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        rows = [list(r) if isinstance(r, Sequence) else [r] for r in value]
        return Matrix.from_entries(rows, "vector")
    raise ArgumentTypeError(f"{what} needs a Matrix, got {type(value).__name__}")


def eye(n: int) -> Matrix:
    """The ``n`` x ``n`` identity.

    Examples
    --------
    >>> trace(eye(3))
    3
    """
    return Matrix.from_entries(sympy.eye(n), "I")


def vector(name: str, n: int) -> Matrix:
    """A column vector variable ``name`` with ``n`` entries (symbols ``name_i_0``).

    Examples
    --------
    >>> norm(vector("v", 2)) ** 2
    v_0_0**2 + v_1_0**2
    """
    return Matrix(name, n, 1)


# -- unevaluated functionals ---------------------------------------------------------------
class MatrixFunctional(sympy.Expr):
    """An unevaluated scalar function of a matrix: ``(kind, matrix, *params)``.

    Kinds: ``opnorm`` (largest singular value), ``schatten`` (param p), ``two_to_q``
    (param q), ``expm`` / ``logm`` (params i, j: that entry of the matrix function). The
    label (how the user wrote the matrix) is kept only for printing.
    """

    is_commutative = True
    is_real = True
    is_extended_real = True
    is_finite = True

    def __new__(cls, kind: Any, matrix: sympy.ImmutableMatrix, *params: Any,
                label: str = "M") -> MatrixFunctional:
        kind = kind if isinstance(kind, Str) else Str(kind)
        if params and isinstance(params[0], Str):  # rebuilt by sympy (xreplace, subs)
            label_arg, params = params[0], params[1:]
        else:
            label_arg = Str(label)
        return sympy.Expr.__new__(cls, kind, sympy.ImmutableMatrix(matrix), label_arg,
                                  *[sympy.sympify(p) for p in params])

    @property
    def kind(self) -> str:
        return self.args[0].name

    @property
    def matrix(self) -> sympy.ImmutableMatrix:
        return self.args[1]

    @property
    def label(self) -> str:
        """How the user wrote the matrix (``A @ B``), for printing."""
        return self.args[2].name

    @property
    def params(self) -> tuple[Any, ...]:
        return self.args[3:]

    @property
    def is_nonnegative(self) -> bool | None:  # type: ignore[override]
        return True if self.kind in ("opnorm", "schatten", "two_to_q") else None

    def _sympystr(self, printer: Any) -> str:
        p = [printer.doprint(x) for x in self.params]
        if self.kind == "opnorm":
            return f"norm({self.label}, 2)"
        if self.kind == "schatten":
            return (f"norm({self.label}, 'nuc')" if self.params[0] == 1
                    else f"schatten({self.label}, {p[0]})")
        if self.kind == "two_to_q":
            return f"two_to_q({self.label}, {p[0]})"
        return f"{self.kind}({self.label})[{p[0]}, {p[1]}]"

    def _latex(self, printer: Any) -> str:
        m = self.label.replace("@", "").replace(".T", "^T").replace("  ", " ")
        if self.kind == "opnorm":
            return rf"\left\| {m} \right\|_{{2}}"
        if self.kind == "schatten":
            return rf"\left\| {m} \right\|_{{S_{{{printer.doprint(self.params[0])}}}}}"
        if self.kind == "two_to_q":
            return rf"\left\| {m} \right\|_{{2\to {printer.doprint(self.params[0])}}}"
        i, j = self.params
        return rf"\left(\operatorname{{{self.kind}}} {m}\right)_{{{i}{j}}}"


def _functional_matrix(kind: str, X: Matrix, *params: Any) -> Matrix:
    n, _ = X.shape
    grid = [[MatrixFunctional(kind, X.entries, i, j, label=X.label) for j in range(n)]
            for i in range(n)]
    return Matrix.from_entries(grid, f"{kind}({X.label})")


def _square(X: Any, what: str) -> Matrix:
    X = _as_matrix(X, what)
    if X.shape[0] != X.shape[1]:
        raise ShapeError(f"{what}({X.label}) needs a square matrix, got shape {X.shape}")
    return X


def trace(X: Any) -> sympy.Expr:
    """The trace of a square matrix (a polynomial in its entries).

    Examples
    --------
    >>> trace(Matrix("A", 2, 2, kind="diagonal"))
    A_0_0 + A_1_1
    """
    X = _square(X, "trace")
    return shown(sympy.Add(*[X.entries[i, i] for i in range(X.shape[0])]),
                 f"trace({X.label})", rf"\operatorname{{tr}}({tex_label(X.label)})")


def det(X: Any) -> sympy.Expr:
    """The determinant of a square matrix (a polynomial in its entries).

    Examples
    --------
    >>> det(Matrix("A", 2, 2, kind="diagonal"))
    A_0_0*A_1_1
    """
    X = _square(X, "det")
    return shown(sympy.expand(X.entries.det(method="berkowitz")), f"det({X.label})",
                 rf"\det({tex_label(X.label)})")


def expm(X: Any) -> Matrix:
    """The matrix exponential, entrywise unevaluated (``trace(expm(A))`` is a scalar).

    Examples
    --------
    >>> expm(Matrix("A", 2, 2)).shape
    (2, 2)
    """
    return _functional_matrix("expm", _square(X, "expm"))


def logm(X: Any) -> Matrix:
    """The matrix logarithm of a PSD matrix variable (kind ``"psd"``).

    Examples
    --------
    >>> logm(Matrix("A", 2, 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.lemmas.errors.StatementError: logm(A) needs a PSD matrix variable ...
    """
    X = _square(X, "logm")
    if X.kind != "psd":
        raise StatementError(f"logm({X.label}) needs a PSD matrix variable (kind='psd'), "
                             f"got kind {X.kind!r}")
    return _functional_matrix("logm", X)


def schatten(X: Any, p: Any) -> sympy.Expr:
    """The Schatten-p norm (p >= 1): p=1 nuclear, p=2 Frobenius, p=oo operator norm.

    Examples
    --------
    >>> schatten(Matrix("A", 1, 1), 2)
    Abs(A_0_0)
    """
    X = _as_matrix(X, "schatten")
    p = sympy.sympify(p)
    if p == sympy.oo:
        return _opnorm(X)
    if not (p.is_number and p.is_real and p >= 1):
        raise StatementError(f"schatten({X.label}, p): p must be a number >= 1 or oo, got {p}")
    if p == 2:
        return _frobenius(X)
    return MatrixFunctional("schatten", X.entries, p, label=X.label)


def _frobenius(X: Matrix, name: str = "'fro'") -> sympy.Expr:
    """sqrt of the sum of squares (its square is a polynomial), remembered as a norm."""
    squares = sympy.Add(*[e**2 for e in X.entries])
    text = f"norm({X.label})" if name == "" else f"norm({X.label}, {name})"
    sub = "" if name == "" else "_F"
    shown(squares, f"{text}**2", rf"\left\| {tex_label(X.label)} \right\|{sub}^2")
    return shown(sympy.sqrt(squares), text, rf"\left\| {tex_label(X.label)} \right\|{sub}")


def _opnorm(X: Matrix) -> sympy.Expr:
    if 1 in X.shape:  # a vector: its Euclidean length
        return _frobenius(X, "")
    return MatrixFunctional("opnorm", X.entries, label=X.label)


def norm(X: Any, ord: Any = None) -> sympy.Expr:  # noqa: A002 - numpy's name
    """numpy's ``norm``: for a matrix ``ord`` in None/"fro", 2, "nuc", 1, inf; for a vector
    None/2, 1, inf; for a scalar its absolute value.

    Examples
    --------
    >>> norm([3, 4])
    5
    >>> norm(Matrix("A", 2, 2), 2)
    norm(A, 2)
    """
    if not isinstance(X, (Matrix, sympy.MatrixBase, Sequence)) or isinstance(X, str):
        return sympy.Abs(_as_scalar(X, "norm"))
    X = _as_matrix(X, "norm")
    key = ord if isinstance(ord, str) else (None if ord is None else sympy.sympify(ord))
    vector_like = 1 in X.shape
    ents = list(X.entries)
    if key in (None, "fro") or (vector_like and key == 2):
        if key == "fro" and vector_like and X.kind == "expression" and X.label == "vector":
            raise StatementError("norm(v, 'fro'): 'fro' is for matrices; use norm(v) or ord=2")
        return _frobenius(X, "" if vector_like else "'fro'")
    if key == 2:
        return _opnorm(X)
    if key == "nuc":
        return MatrixFunctional("schatten", X.entries, 1, label=X.label)
    if key == 1 or key == sympy.oo:
        if vector_like:
            absv = [sympy.Abs(e) for e in ents]
            return sympy.Add(*absv) if key == 1 else sympy.Max(*absv)
        n, m = X.shape
        if key == 1:
            return sympy.Max(*[sympy.Add(*[sympy.Abs(X[i, j]) for i in range(n)])
                               for j in range(m)])
        return sympy.Max(*[sympy.Add(*[sympy.Abs(X[i, j]) for j in range(m)]) for i in range(n)])
    raise StatementError(f"norm({X.label}, ord={ord!r}): ord must be one of None, 'fro', 2, "
                         "'nuc', 1, inf (Schatten-p: schatten(X, p); 2->q: two_to_q(X, q))")


def two_to_q(X: Any, q: Any) -> sympy.Expr:
    """The 2->q norm max over unit v of ``||X v||_q`` (q >= 2).

    Examples
    --------
    >>> two_to_q(Matrix("A", 3, 2), 4).kind
    'two_to_q'
    """
    X = _as_matrix(X, "two_to_q")
    q = sympy.sympify(q)
    if not (q.is_number and q.is_real and q >= 1):
        raise StatementError(f"two_to_q({X.label}, q): q must be a number >= 1, got {q}")
    if q == 2:
        return _opnorm(X)
    return MatrixFunctional("two_to_q", X.entries, q, label=X.label)


def functionals(expr: Any) -> set[MatrixFunctional]:
    """Every :class:`MatrixFunctional` node in ``expr`` (nested ones included)."""
    if not isinstance(expr, sympy.Basic):
        return set()
    return set(expr.atoms(MatrixFunctional)) | {
        f for node in expr.atoms(MatrixFunctional) for e in node.matrix for f in functionals(e)
    }


__all__ = ["KINDS", "Matrix", "MatrixFunctional", "det", "expm", "eye", "functionals", "logm",
           "norm", "real_symbol", "schatten", "trace", "two_to_q", "vector"]
