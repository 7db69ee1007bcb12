"""numpy-style functions of matrices: trace, det, norm, schatten, two_to_q, expm, logm.

``trace``, ``det`` and the Frobenius norm (``sqrt`` of a sum of squares, so that its square
is a polynomial) expand into the entries; the operator norm, Schatten norms, the 2->q norm
and the entries of ``expm``/``logm`` are unevaluated :class:`MatrixFunctional` nodes,
evaluated in floating point by :mod:`specproof.lemmas.numeric` and enclosed rigorously by
:mod:`specproof.lemmas.confirm`.

Examples
--------
>>> from specproof.lemmas.matrices import Matrix
>>> A = Matrix("A", 2, 2, kind="symmetric")
>>> trace(A @ A)
A_0_0**2 + 2*A_0_1**2 + A_1_1**2
>>> norm(A, 2)
norm(A, 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy
from sympy.core.symbol import Str

from specproof.lemmas.display import shown, tex_label
from specproof.lemmas.errors import ShapeError, StatementError
from specproof.lemmas.exact_numbers import number_parameter
from specproof.lemmas.matrices import Matrix, _as_matrix, _as_scalar


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
                                  *[number_parameter(p, f"{kind} parameter") for p in params])

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


# the most products a symbolic determinant may expand to
MAX_DET_TERMS = 1000


def det(X: Any) -> sympy.Expr:
    """The determinant of a square matrix (a polynomial in its entries).

    Examples
    --------
    >>> det(Matrix("A", 2, 2, kind="diagonal"))
    A_0_0*A_1_1
    """
    X = _square(X, "det")
    n = X.entries.shape[0]
    nonzero = [sum(1 for j in range(n) if X.entries[i, j] != 0) for i in range(n)]
    terms = min(math.factorial(n), math.prod(nonzero))
    if terms > MAX_DET_TERMS:
        # a dense 7 x 7 determinant expands to 5040 products: 35 s before any search, and
        # an 8 x 8 never returned
        raise StatementError(
            f"det({X.label}) of a {n} x {n} matrix with these entries expands to up to "
            f"{terms} products, more than {MAX_DET_TERMS} (a dense 6 x 6 has 720): use a "
            "smaller or structured (diagonal, triangular, banded) matrix")
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
    p = number_parameter(p, "schatten's p")
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


# how a matrix is declared, for messages about a name read as a scalar
DECLARE_MATRIX = ("declare a matrix with --matrix NAME=NxM on the command line, or "
                  "variables={'NAME': (n, m)} in Python")


def norm(X: Any, ord: Any = None) -> sympy.Expr:  # noqa: A002 - numpy's name
    """numpy's ``norm``: for a matrix ``ord`` in None/"fro", 2, "nuc", 1, inf; for a vector
    None/2, 1, inf; for a scalar (no ``ord``, as in numpy) its absolute value.

    Examples
    --------
    >>> norm([3, 4])
    5
    >>> norm(Matrix("A", 2, 2), 2)
    norm(A, 2)
    """
    key = ord if isinstance(ord, str) else (None if ord is None else
                                            number_parameter(ord, "norm's ord"))
    if not isinstance(X, (Matrix, sympy.MatrixBase, Sequence)) or isinstance(X, str):
        if key is not None:
            # as numpy refuses it: norm(A, 2) of an undeclared A was |A| <= |A|, "proved"
            # for a user who forgot to declare the matrix
            name = f"{X} is" if isinstance(X, sympy.Symbol) else "its argument is"
            raise StatementError(
                f"norm(scalar, ord={ord!r}): {name} a scalar here, and an ord is for "
                f"vectors and matrices only (as in numpy); for an absolute value write "
                f"norm(x) or abs(x); {DECLARE_MATRIX}")
        return sympy.Abs(_as_scalar(X, "norm"))
    X = _as_matrix(X, "norm")
    vector_like = 1 in X.shape
    if key in (None, "fro") or (vector_like and key == 2):
        if key == "fro" and vector_like and X.kind == "expression" and X.label == "vector":
            raise StatementError("norm(v, 'fro'): 'fro' is for matrices; use norm(v) or ord=2")
        return _frobenius(X, "" if vector_like else "'fro'")
    if key == 2:
        return _opnorm(X)
    if key == "nuc":
        return MatrixFunctional("schatten", X.entries, 1, label=X.label)
    if key == 1 or key == sympy.oo:
        # numpy's matrix norms (max column / row sum) for every 2-D shape: on a column
        # vector they are its 1- and max-norm; a 1 x n row read as a vector had them swapped
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
    q = number_parameter(q, "two_to_q's q")
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


__all__ = ["DECLARE_MATRIX", "MatrixFunctional", "det", "expm", "functionals", "logm", "norm",
           "schatten", "trace", "two_to_q"]
