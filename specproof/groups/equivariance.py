"""Check that a map is equivariant: ``f(g . x) = g . f(x)`` on the elements of a finite group.

``g . x`` is either a representation acting on the last axis of ``x`` (``rho(g) x`` for
vectors, ``x @ rho(g)^T`` for a batch of row vectors) or an
:class:`~specproof.groups.Action` (image grids, signals over G, feature maps, ...).
Only elements of the declared group are used; anything else is refused.

The error of an element ``g`` on one input ``x`` is

``max_rows ||f(g.x) - g.f(x)|| / max_rows max(||f(g.x)||, ||g.f(x)||, N ||f(x)||)``,
``N = max_h max(||rho_in(h)||_2, ||rho_out(h)||_2)`` over all of ``G``

(Euclidean norms of the rows of the output: vectors along the last axis when ``rho_out``
is a representation, the whole output when it is an :class:`Action`; 0 when all are 0;
``N = 1`` for actions that only move entries, ``max_h ||rho(h)||_2`` for a
:class:`FeatureMapAction`), and the element's error is the worst over the inputs. It
passes when at most

``tol = 64 * eps(dtype) * max(sqrt(max(n_in, n_out)), min(sqrt(n_in * n_out), 64))``

with ``n_in``, ``n_out`` the length of one input row and one output row (the
representation's dimension; all entries of one input or output for an Action) and
``dtype`` the outputs' dtype (for long double outputs of float64 inputs or matrices,
float64: the inputs' rounding is float64's).

Why. For an exactly equivariant linear ``f = M`` computed in floating point, ``f(g.x)``
rounds ``rho_in(g) x`` (an error of at most ``gamma ||rho_in(g)|| ||x||``, then carried
through ``M``) and ``M (rho_in(g) x)`` (``gamma ||M|| ||rho_in(g)|| ||x||``); ``g.f(x)``
rounds ``M x`` (``gamma ||M|| ||x||``, carried through ``rho_out(g)``) and ``rho_out(g)
f(x)`` (``gamma ||rho_out(g)|| ||f(x)||``), with ``gamma ~ n eps`` for sums of ``n``
terms: the residual is at most ``4 gamma N ||M|| ||x||``. Rounding errors of a sum of
``n`` terms grow like ``sqrt(n) eps`` (the probabilistic bound of Higham and Mary, 2019,
which holds with probability ``1 - 2 exp(-lambda^2/2)`` for ``lambda sqrt(n) eps``; the
worst case ``n eps`` needs every rounding to go one way), so beyond ``sqrt(n_in n_out) =
64`` the factor is ``sqrt(max(n_in, n_out))``: the worst-case ``sqrt(n_in n_out)`` it used
throughout before let a float32 map on 64 x 64 images that is 3 % off equivariance pass
(tolerance 0.031). Up to 64 the worst case stays (an exact 8 -> 3 layer reads 1.6e-14,
within 4.4 times of its 7.0e-14). The matrices themselves are
rounded too: ``P rho(h) P^-1`` carries an error ``eps ||P|| ||P^-1||``, at least ``eps N``
and the same for every ``h`` (``rho(e)`` of a skewed basis is off ``I`` by that much),
hence the maximum over ``G`` rather than ``||rho(g)||``. ``f`` is a black box: its gain on
``x``, ``||f(x)|| / ||x||``, stands in for ``||M||``, and the 64 covers the 4, ``f``'s own
rounding and a gain on ``x`` up to 16 times below ``||M||``. No power of a condition
number enters: the old tolerance, times
``max ||rho||^2`` of each side, passed a map off by 4.7e-4 in bases of condition number
1000. Each row's residual is at most ``gamma N ||M|| ||x_row||``, so the largest residual
is compared with the largest scale; the tolerance does not grow with the batch (it
counted every entry of a batch), zero rows change nothing, and a row near ``f``'s kernel
is not judged against its own tiny ``||f(x_row)||``. For float64, 100-entry vectors and
orthogonal actions the tolerance is ~9e-13; a map that breaks equivariance is off by
O(1). Not covered: error a map carries from its construction (an
:class:`EquivariantLinear` solved for in a skewed basis read 2.8 times the default), and a
basis far worse conditioned than ``N`` shows (a trivial representation ``P P^-1`` has
``N = 1``); pass ``tol`` for those. Nor is the converse: ``N`` is one number for the
whole representation, so a block of norm 1e10 lets an error of 1e-6 in an unrelated,
well-conditioned component pass (C2 on ``[[1, 1e10], [0, -1]] (+) [1]``, ``f(x) = x_2 +
1e-6 x_1``). ``f`` being a black box, its sensitivity to the badly rounded block cannot be
told from its sensitivity to the rest, so no sound smaller normaliser is known here;
check such components separately, or pass ``tol``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    Displayable,
    Result,
    as_float,
    as_generator,
    first_nonfinite,
)
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.equivariance_args import _MatrixAction, as_action, resolve_element

MAX_EXHAUSTIVE = 1000
"""Groups up to this order are checked on every element; larger ones on a sample."""


@dataclass(frozen=True, repr=False)
class EquivarianceReport(Displayable, Result):
    """Result of :func:`check_equivariance` (the :class:`specproof.Result` convention).

    Attributes
    ----------
    ok : bool
        Every checked element's relative error is within ``tolerance``.
    reason : str
        Empty when ``ok``; otherwise names the worst element and its error.
    code : str
        ``"ok"`` or ``"not_equivariant"``.
    worst_element : str
        Label of the element with the largest error.
    worst_error : float
        Its relative error.
    tolerance : float
        The threshold used.
    errors : dict of str to float
        Relative error per checked element (label -> worst over inputs).
    n_inputs : int
        How many inputs each element was checked on.
    sampled : bool
        True when only a sample of the group's elements was checked.
    """

    worst_element: str = ""
    worst_error: float = 0.0
    tolerance: float = 0.0
    errors: dict[str, float] = field(default_factory=dict, repr=False)
    n_inputs: int = 0
    sampled: bool = False


#: a default tolerance at or above this cannot fail a map (its relative error is at most
#: about 2): refused, rather than a check that passes everything
MAX_DEFAULT_TOLERANCE = 0.1


def default_equivariance_tolerance(dtype: Any, n_in: int, n_out: int) -> float:
    """``64 * eps(dtype) * max(sqrt(max(n_in, n_out)), min(sqrt(n_in n_out), 64))`` for
    one row (module docstring).

    Examples
    --------
    >>> default_equivariance_tolerance(np.float64, 100, 100) < 1e-12
    True
    """
    dt = np.dtype(dtype)
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)
    eps = float(np.finfo(dt).eps)
    return 64.0 * eps * _length_factor(n_in, n_out)


def _length_factor(n_in: int, n_out: int) -> float:
    """``max(sqrt(max(n_in, n_out)), min(sqrt(n_in n_out), 64))``: the worst case
    ``sqrt(n_in n_out)`` up to 64 (small representations keep the margin they had: an
    exact 8 -> 3 layer reads 1.6e-14 against 7.0e-14), the probabilistic ``sqrt(n)``
    beyond (a float32 map on 64 x 64 images 3 % off equivariance passed at 0.031)."""
    n_in, n_out = max(1, n_in), max(1, n_out)
    return max(math.sqrt(max(n_in, n_out)), min(math.sqrt(n_in * n_out), 64.0))


def _operator_norm(action: Any) -> float:
    norm = getattr(action, "operator_norm", None)
    return float(norm()) if callable(norm) else 1.0


def _row_length(action: Any, arrays: Sequence[np.ndarray]) -> int:
    """Entries of one row: a representation's dimension, else a whole array's size."""
    if isinstance(action, _MatrixAction):
        return action.dim
    # a set action's random point is a Python int (LeftMultiplication, Conjugation)
    return max(int(np.size(a)) for a in arrays)


def _all_long_double(act_in: Any, act_out: Any, xs: Sequence[np.ndarray]) -> bool:
    """Whether the inputs and every representation's matrices are long double."""
    eps64 = np.finfo(np.float64).eps
    dtypes = [x.dtype for x in xs] + [a.matrices.dtype for a in (act_in, act_out)
                                      if isinstance(a, _MatrixAction)]
    return all(d.kind in "fc" and np.finfo(d).eps < eps64 for d in dtypes)


def _numeric_output(y: Any, what: str) -> np.ndarray:
    """``f``'s output as an array of numbers, else an error naming it (an object array
    raised numpy's bare "ufunc 'isfinite' not supported")."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "biufc":
        raise ArgumentTypeError(
            f"f returned an array of dtype {arr.dtype} for {what}; expected an array of "
            "real (or complex) numbers")
    return arr


def _input_error(lhs: np.ndarray, rhs: np.ndarray, fx: np.ndarray, row: int | None,
                 n_rho: float) -> float:
    """Normalised residual of one input (module docstring); NaN if not finite."""
    if lhs.shape != rhs.shape:
        raise ArgumentError(
            f"f(g.x) has shape {lhs.shape} but g.f(x) has shape {rhs.shape}: rho_out does not "
            "match the output of f"
        )
    if not (np.all(np.isfinite(lhs)) and np.all(np.isfinite(rhs))):
        return math.nan  # the caller names the non-finite output
    if lhs.size == 0:
        return 0.0
    # integers and booleans compared as floats: |int8(-128)| is -128 (every row read as
    # all zero, and a map off by 128 passed), uint8 differences wrap around, and numpy
    # does not subtract booleans
    lhs, rhs, fx = (v.astype(np.float64) if v.dtype.kind in "biu" else v
                    for v in (lhs, rhs, fx))
    width = row if row else lhs.size
    a, b = lhs.reshape(-1, width), rhs.reshape(-1, width)
    # g.f(x) has f(x)'s rows (a representation keeps the shape); an Action's output is
    # one row, and f(x) may have another shape (a quarter turn of a rectangle)
    y = fx.reshape(-1, width) if row else fx.reshape(1, -1)
    # each row scaled by its largest entry: squares near 1e-170 underflow (the error read
    # 0) and near 1e160 overflow (it read nan)
    big = np.maximum(np.maximum(np.max(np.abs(a), axis=1), np.max(np.abs(b), axis=1)),
                     np.max(np.abs(y), axis=1, initial=0.0))
    live = big > 0  # all-zero rows: both sides 0, nothing to compare
    if not np.any(live):
        return 0.0
    # the difference before the scaling: a / big - b / big would add a rounding of each
    # side, as large as the residual of an exactly equivariant map
    d, a, b, y, big = a[live] - b[live], a[live], b[live], y[live], big[live][:, None]
    d, a, b, y = d / big, a / big, b / big, y / big
    den = np.maximum(np.maximum(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)),
                     n_rho * np.linalg.norm(y, axis=1))
    # largest residual over largest scale, not the worst ratio: a row's rounding is
    # bounded by ||f|| ||x_row||, and a row near f's kernel (||f(x_row)|| << ||f|| ||x_row||)
    # read 2.9e-13 > 7e-14 for an equivariant layer on 1e5 random rows
    w = big[:, 0] / np.max(big)
    return float(np.max(w * np.linalg.norm(d, axis=1)) / np.max(w * den))


def check_equivariance(
    f: Callable[[Any], Any],
    G: CayleyGroup,
    rho_in: Any,
    rho_out: Any,
    elements: Sequence[Any] | None = None,
    samples: int = 3,
    inputs: Sequence[Any] | None = None,
    rng: np.random.Generator | int | None = None,
    tol: float | None = None,
    max_elements: int = 64,
) -> EquivarianceReport:
    """Check ``f(rho_in(g) x) = rho_out(g) f(x)`` on elements of ``G``.

    Parameters
    ----------
    f : callable
        The map; takes one input and returns one output.
    G : FiniteGroup
        The declared group.
    rho_in, rho_out : Representation, ndarray (|G|, d, d) or Action
        How ``G`` acts on inputs and on outputs. Representations act on the last axis
        (each vector along it is one row, judged on its own); an array of matrices must
        be a representation of ``G`` (checked as :class:`Representation` does).
    elements : sequence, optional
        Elements to check: indices, labels, or matrices equal to ``rho_in(g)`` or
        ``rho_out(g)`` for exactly one ``g``. Default: all of ``G`` when ``|G| <= 1000``,
        else the generators plus ``max_elements`` random elements.
    samples : int
        Number of random inputs (ignored when ``inputs`` is given).
    inputs : sequence, optional
        The inputs to check on; for a linear action none may be all zeros.
    rng : Generator, int or None
        Randomness for inputs and element sampling.
    tol : float, optional
        Tolerance on the normalised residual; default
        :func:`default_equivariance_tolerance` for one row (module docstring).
    max_elements : int
        Sample size for groups larger than 1000.

    Returns
    -------
    EquivarianceReport

    Raises
    ------
    ArgumentError
        For an element not in ``G`` (index out of range, unknown label, matrix equal to
        no ``rho(g)``), a matrix that several elements share (named), representations of
        another group, or an all-zero input to a linear action (the check would be
        vacuous).
    NotAHomomorphismError
        For an array of matrices that is not a representation: ``rho(e) != I`` or the
        worst pair with ``rho(a)rho(b) != rho(ab)``, and the error, named with
        ``rho_in``/``rho_out``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(4)
    >>> R = G.regular_representation()
    >>> w = sum(R.matrices)  # commutes with every R(g)
    >>> rep = check_equivariance(lambda x: w @ x, G, R, R, rng=0)
    >>> rep.ok, rep.worst_error < 1e-14
    (True, True)
    """
    G = as_group(G)
    if not callable(f):
        raise ArgumentTypeError(f"f must be callable, got {type(f).__name__}")
    act_in = as_action(rho_in, G, "rho_in")
    act_out = as_action(rho_out, G, "rho_out")
    gen = as_generator(rng, "rng")
    sampled = False
    if elements is None:
        if G.order <= MAX_EXHAUSTIVE:
            idx = list(range(G.order))
        else:
            sampled = True
            extra = gen.choice(G.order, size=min(max_elements, G.order), replace=False)
            idx = sorted(set(G.generators) | {int(e) for e in extra})
    else:
        elements = list(elements)
        if not elements:
            raise ArgumentError("elements must contain at least one group element")
        idx = [resolve_element(G, g, (act_in, act_out), "elements") for g in elements]
    if inputs is None:
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
            raise ArgumentError(f"samples must be a positive int, got {samples!r}")
        xs = [act_in.random_point(gen) for _ in range(int(samples))]
    else:
        xs = [np.asarray(x) for x in inputs]
        if not xs:
            raise ArgumentError("inputs must contain at least one input")
        for i, x in enumerate(xs):
            if np.issubdtype(x.dtype, np.number):
                first_nonfinite(x, f"inputs[{i}]")
                if getattr(act_in, "linear", False) and not np.any(x):
                    # g.0 = 0 and f(0) = g.f(0) for every linear f: nothing is tested
                    raise ArgumentError(
                        f"inputs[{i}] is all zeros: every linear map passes on it, so the "
                        "check would be vacuous; pass inputs that are not zero")
    fx = [_numeric_output(f(x), f"input {i}") for i, x in enumerate(xs)]
    if tol is None:
        dtype = np.result_type(*[y.dtype for y in fx])
        if dtype.kind in "fc" and np.finfo(dtype).eps < np.finfo(np.float64).eps and (
                not _all_long_double(
                act_in, act_out, xs)):
            # a long double f of float64 data carries float64's rounding of the data and
            # of rho (an exactly equivariant map read 9.3e-17 > 1.4e-17)
            dtype = np.dtype(np.float64)
        tol = default_equivariance_tolerance(dtype, _row_length(act_in, xs),
                                             _row_length(act_out, fx))
        if tol >= MAX_DEFAULT_TOLERANCE:
            # the relative error cannot exceed about 2: a float16 output (any of over two entries)
            # made the tolerance 2 and any map "equivariant"
            raise ArgumentError(
                f"the default tolerance for {np.dtype(dtype)} outputs of this size is "
                f"{tol:.3g} (see default_equivariance_tolerance), too large for the check "
                f"to fail "
                f"(relative errors are at most about 2); compute f in float64 or pass "
                f"tol= explicitly")
    else:
        tol = as_float(tol, "tol", minimum=0.0, strict_minimum=True)
    row = act_out.dim if isinstance(act_out, _MatrixAction) else None
    n_rho = max(_operator_norm(act_in), _operator_norm(act_out))
    errors: dict[str, float] = {}
    worst_g, worst = idx[0], -1.0
    non_finite = None
    for g in idx:
        err = 0.0
        for i, (x, y) in enumerate(zip(xs, fx, strict=True)):
            lhs = _numeric_output(f(act_in.act(g, x)), f"input {i} acted on by {G.labels[g]}")
            rhs = np.asarray(act_out.act(g, y))
            e = _input_error(lhs, rhs, y, row, n_rho)
            if math.isnan(e):
                # a NaN compares False with everything: max() would drop it and the
                # check pass; a non-finite output fails it, named
                e = math.inf
                if non_finite is None:
                    which = "f(x)" if not np.all(np.isfinite(y)) else "f(g.x)"
                    non_finite = f"{which} is not finite for input {i} at g = {G.labels[g]}"
            err = max(err, e)
        label = G.labels[g]
        errors[label] = max(err, errors.get(label, 0.0))
        if err > worst:
            worst, worst_g = err, g
    ok = bool(worst <= tol)
    reason = "" if ok else non_finite or (
        f"not equivariant at g = {G.labels[worst_g]}: relative error {worst:.3e} > "
        f"tolerance {tol:.3e}"
    )
    return EquivarianceReport(
        ok=ok,
        reason=reason,
        code="ok" if ok else "not_equivariant",
        worst_element=G.labels[worst_g],
        worst_error=float(worst),
        tolerance=float(tol),
        errors=errors,
        n_inputs=len(xs),
        sampled=sampled,
    )


__all__ = ["EquivarianceReport", "check_equivariance"]
