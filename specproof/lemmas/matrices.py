"""Matrix variables and the numpy-style functions over them, expanded entrywise into sympy.

A :class:`Matrix` holds a grid of scalar sympy expressions (its entries): a variable's
entries are real symbols named ``A_0_1``; ``A @ B``, ``A.T``, ``A * B`` (Hadamard, as in
numpy), sums and scalar multiples give new grids. The scalar functions return sympy
expressions: ``trace``, ``det`` and the Frobenius norm (``sqrt`` of a sum of squares, so
that its square is a polynomial) are explicit; the operator norm, Schatten norms, the
2->q norm and the entries of ``expm``/``logm`` are unevaluated nodes
(:class:`MatrixFunctional`), evaluated numerically and in interval arithmetic by
:mod:`specproof.lemmas.numeric` and :mod:`specproof.lemmas.confirm` (the functions are in
:mod:`specproof.lemmas.matrix_functions`, importable from here too).

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

from specproof.lemmas.errors import ArgumentTypeError, ShapeError, StatementError

KINDS = ("general", "symmetric", "psd", "orthogonal", "diagonal")
_KIND_ALIASES = {"gen": "general", "sym": "symmetric", "orth": "orthogonal", "diag": "diagonal",
                 "general": "general", "symmetric": "symmetric", "psd": "psd",
                 "orthogonal": "orthogonal", "diagonal": "diagonal"}


# from a matrix entry's symbol (unique to its Matrix: MatrixEntry) to that Matrix, so
# that a sympy relation built from Matrix objects can recover their kinds and shapes
MATRIX_OF: dict[sympy.Symbol, Matrix] = {}

def real_symbol(name: str) -> sympy.Symbol:
    """The real sympy symbol ``name`` (every variable of a statement is real)."""
    return sympy.Symbol(name, real=True)


class MatrixEntry(sympy.Dummy):
    """An entry of one Matrix variable: real, printed as its name (``A_0_1``), and
    distinct from the entries of every other Matrix, even one of the same name. (Plain
    symbols of one name are equal, so a relation built from a general ``A`` took the kind
    of a later ``Matrix("A", kind="psd")`` and a false lemma was proved.)"""

    def __new__(cls, name: str, dummy_index: int | None = None,
                **assumptions: Any) -> MatrixEntry:
        assumptions.setdefault("real", True)  # pickling passes the index and assumptions
        return super().__new__(cls, name, dummy_index=dummy_index, **assumptions)

    def _sympystr(self, printer: Any) -> str:
        return self.name

    def _latex(self, printer: Any) -> str:
        return printer._print_Symbol(sympy.Symbol(self.name))

    def _pretty(self, printer: Any) -> Any:
        return printer._print_Symbol(sympy.Symbol(self.name))


MAX_MATRIX_ENTRIES = 10_000
"""Most entries a matrix variable of a statement may have (each is a sympy symbol)."""

MAX_PSD_SIZE = 6
"""Largest psd matrix variable: its domain is its 2^n - 1 principal minors (63 at 6,
built in about 4 s)."""


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
        if n * m > MAX_MATRIX_ENTRIES:
            # every entry is a sympy symbol: 600 x 600 took 7 s, 3000 x 3000 did not return
            raise StatementError(
                f"Matrix {name}: {n}x{m} has {n * m} entries, more than the "
                f"{MAX_MATRIX_ENTRIES} a statement's matrix variable may have")
        if kind == "psd" and n > MAX_PSD_SIZE:
            # its domain is all 2^n - 1 principal minors, each a symbolic determinant: a
            # 20 x 20 psd matrix declared in an 850-byte certificate hung the checker
            raise StatementError(
                f"Matrix {name}: a psd matrix variable is at most {MAX_PSD_SIZE}x"
                f"{MAX_PSD_SIZE} (its 2^n - 1 = {2**n - 1} principal minors would be its "
                "constraints); use a symmetric matrix with constraints of your own")
        grid = [[sympy.S.Zero] * m for _ in range(n)]
        for i in range(n):
            for j in range(m):
                if kind == "diagonal" and i != j:
                    continue
                if kind in ("symmetric", "psd") and j < i:
                    grid[i][j] = grid[j][i]
                else:
                    grid[i][j] = MatrixEntry(f"{name}_{i}_{j}")
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

    def __pow__(self, other: Any) -> Matrix:
        # numpy reads A**2 entrywise, math notation as A @ A: a statement meant one way and
        # read the other was PROVED while false (trace(A**2) >= trace(A)**2/2), and its
        # certificate then failed `specproof check`, whose parser refuses the power
        raise StatementError(
            f"a power of the matrix {self.label} is ambiguous: write {self.label} @ "
            f"{self.label} for the matrix product or {self.label} * {self.label} for the "
            "entrywise one")

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


# the numpy-style functions live in their own module; importable from here as well
from specproof.lemmas.matrix_functions import (  # noqa: E402
    MatrixFunctional,
    det,
    expm,
    functionals,
    logm,
    norm,
    schatten,
    trace,
    two_to_q,
)

__all__ = ["KINDS", "MATRIX_OF", "Matrix", "MatrixFunctional", "det", "expm", "eye",
           "functionals", "logm", "norm", "real_symbol", "schatten", "trace", "two_to_q",
           "vector"]
