"""Check that a map is equivariant: ``f(g . x) = g . f(x)`` on the elements of a finite group.

``g . x`` is either a representation acting on the last axis of ``x`` (``rho(g) x`` for
vectors, ``x @ rho(g)^T`` for a batch of row vectors) or an
:class:`~specproof.groups.Action` (image grids, signals over G, feature maps, ...).
Only elements of the declared group are used; anything else is refused.

The error of one element is the worst *relative* error over the inputs,
``||f(g.x) - g.f(x)|| / max(||f(g.x)||, ||g.f(x)||)`` in the Frobenius norm (0 when both
are exactly 0). The default tolerance is derived from the output dtype:

``tol = 64 * eps(dtype) * sqrt(n_in * n_out) * kappa_in * kappa_out``

with ``n_in``, ``n_out`` the numbers of entries of one input and one output: a
floating-point linear map's relative error is at most about ``eps`` times the number of
terms summed per output entry (at most ``n_in``), and the square root of
``n_in * n_out`` is a stable, conservative stand-in for it. ``kappa`` is the
conditioning of the action: ``max_g ||rho(g)||_2^2`` for a matrix representation (which
bounds the condition number of every ``rho(g)``, since ``rho(g)^-1 = rho(g^-1)``), and 1
for an :class:`Action` (permutations, rotations, flips: exact). A representation in a
non-orthogonal basis amplifies rounding by its condition number, so the tolerance must
too; for orthogonal representations ``kappa = 1``. For float64, 100-entry vectors and
orthogonal actions that is ~1.4e-12; a map that breaks equivariance is off by O(1).
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
from specproof.groups.actions import Action
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.representations import Representation

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


class _MatrixAction:
    """A representation acting on the last axis of arrays ``(..., d)``."""

    def __init__(self, rho: Any, G: CayleyGroup, what: str) -> None:
        if isinstance(rho, Representation):
            if rho.group is not G and rho.group != G:
                raise ArgumentError(
                    f"{what} is a representation of {rho.group.name}, not of {G.name}")
            mats = rho.matrices
        else:
            mats = np.asarray(rho)
            if mats.ndim != 3 or mats.shape[1] != mats.shape[2] or mats.shape[0] != G.order:
                raise ArgumentError(
                    f"{what} must be a Representation, an Action or an array of shape "
                    f"(|G|, d, d) = ({G.order}, d, d); got shape {mats.shape}"
                )
        self.matrices = mats
        self.dim = int(mats.shape[1])
        self.what = what

    def act(self, g: int, x: Any) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ArgumentError(
                f"{self.what} acts on arrays of shape (..., {self.dim}); got shape {x.shape}"
            )
        return x @ self.matrices[g].T

    def random_point(self, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal(self.dim)

    def conditioning(self) -> float:
        """``max_g ||rho(g)||_2^2``: bounds the condition number of every ``rho(g)``."""
        norms = np.linalg.norm(np.asarray(self.matrices, dtype=np.float64), ord=2, axis=(1, 2))
        return max(1.0, float(np.max(norms)) ** 2)


def as_action(rho: Any, G: CayleyGroup, what: str = "rho") -> Any:
    """Turn a Representation, a matrix array or an Action into an object with ``act(g, x)``.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(3)
    >>> as_action(G.regular_representation(), G).act(1, np.array([1.0, 0.0, 0.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    if isinstance(rho, Action):
        if rho.group is not G and rho.group != G:
            raise ArgumentError(f"{what} is an action of {rho.group.name}, not of {G.name}")
        return rho
    if isinstance(rho, (Representation, np.ndarray, list, tuple)):
        return _MatrixAction(rho, G, what)
    raise ArgumentTypeError(
        f"{what} must be a Representation, an ndarray (|G|, d, d) or an Action, "
        f"got {type(rho).__name__}"
    )


def resolve_element(
    G: CayleyGroup, g: Any, reps: Sequence[Any] = (), what: str = "elements"
) -> int:
    """The index of ``g`` in ``G``; refuses anything that is not an element of ``G``.

    ``g`` may be an index, a label, or a matrix, which must equal ``rho(h)`` for some
    ``h`` (to ``1e-12`` relative) for one of the representations in ``reps``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(4)
    >>> resolve_element(G, "rs"), resolve_element(G, 3)
    (5, 3)
    """
    if isinstance(g, str):
        if g not in G.labels:
            raise ArgumentError(
                f"{what} contains {g!r}, which is not an element of {G.name}; labels: {G.labels}"
            )
        return G.index(g)
    if isinstance(g, (bool, np.bool_)):
        raise ArgumentTypeError(f"{what} must be an element index, label or matrix, got {g!r}")
    if isinstance(g, (int, np.integer)):
        if not 0 <= int(g) < G.order:
            raise ArgumentError(
                f"{what} contains {int(g)}, which is not an element of {G.name}: indices "
                f"run over 0..{G.order - 1}"
            )
        return int(g)
    m = np.asarray(g)
    if m.ndim == 2 and m.dtype.kind in "biufc":
        mats_list = [r.matrices for r in reps if isinstance(r, _MatrixAction)]
        if not mats_list:
            raise ArgumentTypeError(
                f"{what} contains a matrix, but neither rho_in nor rho_out is a representation "
                "to match it against; pass an index or a label"
            )
        for mats in mats_list:
            if mats.shape[1:] != m.shape:
                continue
            diff = np.max(np.abs(mats - m), axis=(1, 2))
            scale = max(1.0, float(np.max(np.abs(m))))
            hit = np.flatnonzero(diff <= 1e-12 * scale)
            if hit.size:
                return int(hit[0])
        shapes = [tuple(mats.shape[1:]) for mats in mats_list]
        raise ArgumentError(
            f"{what} contains a {m.shape} matrix that is not rho(g) for any g in {G.name} "
            f"(representation matrices have shapes {shapes})"
        )
    raise ArgumentTypeError(
        f"{what} must be an element index, label or matrix, got {type(g).__name__}")


def default_equivariance_tolerance(dtype: Any, n_in: int, n_out: int) -> float:
    """``64 * eps(dtype) * sqrt(n_in * n_out)`` (see the module docstring).

    Examples
    --------
    >>> default_equivariance_tolerance(np.float64, 100, 100) < 2e-12
    True
    """
    dt = np.dtype(dtype)
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)
    eps = float(np.finfo(dt).eps)
    return 64.0 * eps * float(np.sqrt(max(1, n_in) * max(1, n_out)))


def _conditioning(action: Any) -> float:
    conditioning = getattr(action, "conditioning", None)
    return float(conditioning()) if callable(conditioning) else 1.0


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        raise ArgumentError(
            f"f(g.x) has shape {a.shape} but g.f(x) has shape {b.shape}: rho_out does not "
            "match the output of f"
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.nan  # the caller names the non-finite output
    den = max(float(np.linalg.norm(a.ravel())), float(np.linalg.norm(b.ravel())))
    if 1e-150 < den < 1e150:
        return float(np.linalg.norm((a - b).ravel())) / den
    # outside that range the squares in the norms underflow (at 1e-170 the error read
    # 0) or overflow (at 1e160 it read nan): norms of a / big and b / big instead
    big = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if big == 0.0:
        return 0.0
    a, b = a / big, b / big
    den = max(float(np.linalg.norm(a.ravel())), float(np.linalg.norm(b.ravel())))
    return float(np.linalg.norm((a - b).ravel())) / den


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
        How ``G`` acts on inputs and on outputs. Representations act on the last axis.
    elements : sequence, optional
        Elements to check (indices, labels or matrices of ``rho_in``/``rho_out``). Default:
        all of ``G`` when ``|G| <= 1000``, else the generators plus ``max_elements``
        random elements.
    samples : int
        Number of random inputs (ignored when ``inputs`` is given).
    inputs : sequence, optional
        The inputs to check on.
    rng : Generator, int or None
        Randomness for inputs and element sampling.
    tol : float, optional
        Relative tolerance; default from the output dtype and the conditioning of the
        representations (module docstring).
    max_elements : int
        Sample size for groups larger than 1000.

    Returns
    -------
    EquivarianceReport

    Raises
    ------
    ArgumentError
        For an element not in ``G`` (index out of range, unknown label, matrix equal to
        no ``rho(g)``) or representations of another group.

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
    gen = as_generator(rng)
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
    fx = [np.asarray(f(x)) for x in xs]
    if tol is None:
        dtype = np.result_type(*[y.dtype for y in fx])
        kappa = _conditioning(act_in) * _conditioning(act_out)
        tol = kappa * max(default_equivariance_tolerance(dtype, xs[i].size, fx[i].size)
                          for i in range(len(xs)))
    else:
        tol = as_float(tol, "tol", minimum=0.0, strict_minimum=True)
    errors: dict[str, float] = {}
    worst_g, worst = idx[0], -1.0
    non_finite = None
    for g in idx:
        err = 0.0
        for i, (x, y) in enumerate(zip(xs, fx, strict=True)):
            lhs = np.asarray(f(act_in.act(g, x)))
            rhs = np.asarray(act_out.act(g, y))
            e = _rel_error(lhs, rhs)
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
