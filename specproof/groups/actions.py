"""Group actions: on finite sets, on the group itself, on signals over G, on square image
grids and on feature maps that carry a representation per pixel.

Every action is a *left* action: ``e.x = x`` and ``a.(b.x) = (a·b).x``;
:func:`~specproof.groups.action_check.verify_action` checks both on every pair of
elements.

Image-grid convention (matches :func:`~specproof.groups.cyclic` and
:func:`~specproof.groups.dihedral` indexing): an image is an array whose axes ``axes``
(default ``(0, 1)``) are (row, column), row 0 at the top. ``r`` is ``np.rot90`` — a
counter-clockwise quarter turn as the array is displayed — raised to the power ``4/N``;
``s`` is the left-right mirror ``x[:, ::-1]`` (``np.flip`` along the column axis).
``r^k s^j`` acts as ``rot^k(flip^j(x))``: the flip first. Rotations by ``2π/N`` are exact
on a pixel grid only for N dividing 4, so only ``cyclic(N)`` and ``dihedral(N)`` with
``N ∈ {1, 2, 4}`` are accepted. Images may be rectangular: a quarter turn maps an
``H × W`` image to a ``W × H`` one, and the action axioms hold exactly all the same.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    as_positive_int,
)
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.errors import NotAHomomorphismError
from specproof.groups.finite import FiniteGroup
from specproof.groups.permutations import _as_permutation_images
from specproof.groups.representations import Representation, default_tolerance


class Action(ABC):
    """A left action of ``group`` on some set of points.

    Subclasses implement :meth:`act` and :meth:`random_point`; :meth:`tolerance` says how
    far ``a.(b.x)`` may be from ``(ab).x`` (0 for actions that only move entries).
    """

    group: CayleyGroup
    name: str = "action"
    linear: bool = False
    """True when points are arrays acted on linearly (``g.0 = 0``): an all-zero point then
    tests nothing, and :func:`~specproof.groups.check_equivariance` refuses it."""

    @abstractmethod
    def act(self, g: int, x: Any) -> Any:
        """``g.x``."""

    @abstractmethod
    def random_point(self, rng: np.random.Generator) -> Any:
        """A random point of the set acted on."""

    def tolerance(self, x: Any) -> float:
        """Allowed ``max|a.(b.x) − (ab).x|`` for this point (exact actions: 0)."""
        return 0.0

    def operator_norm(self) -> float:
        """``max_g ||g.||₂`` on linear points: 1 for actions that only move entries.

        :func:`~specproof.groups.check_equivariance` measures rounding against it.
        """
        return 1.0

    def __call__(self, g: int | str, x: Any) -> Any:
        return self.act(self.group._check_element(g, "g"), x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.group.name})"


class PermutationAction(Action):
    """``G`` acting on ``{0, ..., m-1}`` through ``perms[g][x] = g.x``.

    Points may be ints or integer arrays (acted on entrywise).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> act = PermutationAction(cyclic(3), [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    >>> int(act(1, 2))
    0
    """

    def __init__(self, group: CayleyGroup, perms: Any, name: str = "permutation") -> None:
        group = as_group(group, "group")
        p = _as_permutation_images(perms, group.order).astype(np.int64)
        m = p.shape[1]
        _refuse_non_action(group, p)
        self.group = group
        self.perms = p
        self.degree = m
        self.name = name

    def act(self, g: int, x: Any) -> Any:
        return self.perms[g][np.asarray(x)]

    def random_point(self, rng: np.random.Generator) -> Any:
        return int(rng.integers(self.degree))


def _refuse_non_action(group: CayleyGroup, p: np.ndarray) -> None:
    """Raise :class:`~specproof.groups.NotAHomomorphismError` unless ``g -> p[g]`` is an
    action: ``p[e]`` the identity and ``p[s][p[b]] = p[s·b]`` for every generator ``s``
    and element ``b`` (exact integers, so the generators prove it for every pair).
    ``[[0, 1, 2], [1, 2, 0]]`` for C2 (r sent to a 3-cycle) was taken as an action."""
    m = p.shape[1]
    if not np.array_equal(p[group.identity], np.arange(m)):
        raise NotAHomomorphismError(
            f"perms: the identity {group.labels[group.identity]!r} moves points "
            f"({p[group.identity].tolist()[:8]}): not an action")
    for s in group.generators:
        composed = p[s][p]  # row b: p[s] after p[b]
        bad = np.flatnonzero((composed != p[group.table[s]]).any(axis=1))
        if bad.size:
            b = int(bad[0])
            raise NotAHomomorphismError(
                f"perms: p[a] after p[b] is not p[ab] for (a, b) = "
                f"({group.labels[s]!r}, {group.labels[b]!r}): not an action of {group.name}")


class LeftMultiplication(Action):
    """``G`` acting on itself: ``g.h = g·h``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(3)
    >>> G.labels[LeftMultiplication(G)("s", G.index("r"))]
    'r^2s'
    """

    def __init__(self, group: CayleyGroup) -> None:
        self.group = as_group(group, "group")
        self.name = "left multiplication"

    def act(self, g: int, x: Any) -> Any:
        return self.group.table[g][np.asarray(x)]

    def random_point(self, rng: np.random.Generator) -> Any:
        return int(rng.integers(self.group.order))


class Conjugation(Action):
    """``G`` acting on itself by conjugation: ``g.h = g·h·g⁻¹``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(4)
    >>> G.labels[Conjugation(G)("s", G.index("r"))]
    'r^3'
    """

    def __init__(self, group: CayleyGroup) -> None:
        self.group = as_group(group, "group")
        self.name = "conjugation"

    def act(self, g: int, x: Any) -> Any:
        G = self.group
        return G.table[G.table[g][np.asarray(x)], G.inverses[g]]

    def random_point(self, rng: np.random.Generator) -> Any:
        return int(rng.integers(self.group.order))


class SignalAction(Action):
    """``G`` acting on signals ``x: G → R^c`` (arrays of shape ``(|G|, ...)``):
    ``[g.x](h) = x(g⁻¹·h)``.

    Its matrix is the left regular representation.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> SignalAction(cyclic(4))(1, np.array([10.0, 11.0, 12.0, 13.0])).tolist()
    [13.0, 10.0, 11.0, 12.0]
    """

    linear = True

    def __init__(self, group: CayleyGroup, channels: int | None = None) -> None:
        self.group = as_group(group, "group")
        # channels=0 made empty random points, on which any map "passed"
        self.channels = None if channels is None else as_positive_int(channels, "channels")
        self.name = "signals over G"

    def act(self, g: int, x: Any) -> Any:
        x = np.asarray(x)
        if x.ndim < 1 or x.shape[0] != self.group.order:
            raise ArgumentError(f"x must be a signal of shape (|G|, ...) = ({self.group.order}, "
                             f"...), got shape {x.shape}")
        return x[self.group.table[self.group.inverses[g]]]

    def random_point(self, rng: np.random.Generator) -> Any:
        shape = (self.group.order,) if self.channels is None else (self.group.order,
                                                                   self.channels)
        return rng.standard_normal(shape)


def _grid_plan(group: Any) -> tuple[int, int, bool]:
    """(N, quarter turns per r, whether s exists) for the groups that act exactly on a grid."""
    fam = group.family if isinstance(group, FiniteGroup) else ("table",)
    if fam[0] in ("cyclic", "dihedral") and fam[1] in (1, 2, 4):
        return fam[1], 4 // fam[1], fam[0] == "dihedral"
    name = getattr(group, "name", type(group).__name__)
    raise ArgumentError(
        f"{name} does not act exactly on a square grid: use cyclic(N) or dihedral(N) "
        "with N in {1, 2, 4} (rotations by other angles need interpolation)"
    )


def _grid_shape(size: Any) -> tuple[int, int]:
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ArgumentError(f"size must be an int or a pair (H, W), got {size!r}")
        return (as_positive_int(size[0], "size[0]"), as_positive_int(size[1], "size[1]"))
    n = as_positive_int(size, "size")
    return (n, n)


class GridAction(Action):
    """``C_N`` / ``D_N`` (N ∈ {1, 2, 4}) acting on images by quarter turns and a mirror.

    ``r`` = counter-clockwise rotation by ``2π/N`` (``np.rot90`` ``4/N`` times, as
    displayed with row 0 on top); ``s`` = left-right mirror (reverse the column axis);
    ``r^k s^j . x = rot^k(flip^j(x))``.

    Images may be rectangular: a quarter turn maps ``H × W`` to ``W × H`` (``np.rot90``),
    and ``a.(b.x) = (ab).x`` holds exactly on any shape.

    Parameters
    ----------
    group : FiniteGroup
        ``cyclic(N)`` or ``dihedral(N)`` with ``N ∈ {1, 2, 4}``.
    size : int or (int, int)
        Side, or ``(H, W)``, of the random images produced by :meth:`random_point`.
    axes : (int, int)
        The (row, column) axes of the arrays acted on; other axes ride along.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> x = np.arange(4).reshape(2, 2)
    >>> act = GridAction(dihedral(4))
    >>> act("r", x).tolist(), act("s", x).tolist()
    ([[1, 3], [0, 2]], [[1, 0], [3, 2]])
    """

    linear = True

    def __init__(self, group: FiniteGroup, size: int | tuple[int, int] = 5,
                 axes: tuple[int, int] = (0, 1)):
        self.N, self.quarter_turns, self.has_flip = _grid_plan(group)
        self.group = group
        self.shape = _grid_shape(size)
        self.size = self.shape[0]
        self.axes = (int(axes[0]), int(axes[1]))
        self.name = "image grid"

    def act(self, g: int, x: Any) -> Any:
        x = np.asarray(x)
        if x.ndim < 2:
            raise ArgumentError(
                f"x must have the two grid axes {self.axes}, got shape {x.shape}")
        k, j = g % self.N, g // self.N
        y = np.flip(x, axis=self.axes[1]) if j else x
        return np.rot90(y, k=k * self.quarter_turns, axes=self.axes)

    def random_point(self, rng: np.random.Generator) -> Any:
        return rng.standard_normal(self.shape)


class FeatureMapAction(Action):
    """Feature maps ``(H, W, C)`` with a representation ``ρ`` on the channels:
    ``(g.x)[p] = ρ(g) x[g⁻¹p]`` — the grid transform of :class:`GridAction`, then
    ``ρ(g)`` on every pixel's channel vector.

    Examples
    --------
    >>> from specproof.groups import cyclic, irrep
    >>> G = cyclic(4)
    >>> act = FeatureMapAction(G, irrep(G, "rot_1"))
    >>> x = np.zeros((3, 3, 2)); x[0, 1] = [1.0, 0.0]
    >>> y = act("r", x)
    >>> np.round(y[1, 0], 12).tolist()
    [0.0, 1.0]
    """

    linear = True

    def __init__(self, group: FiniteGroup, rho: Representation,
                 size: int | tuple[int, int] = 5) -> None:
        if not isinstance(rho, Representation):
            raise ArgumentTypeError(f"rho must be a Representation, got {type(rho).__name__}")
        if rho.group is not group and rho.group != group:
            raise ArgumentError(
                f"rho is a representation of {rho.group.name}, not of {group.name}")
        self.grid = GridAction(group, size=size, axes=(0, 1))
        self.group = group
        self.rho = rho
        self.shape = self.grid.shape
        self.size = self.shape[0]
        self.name = f"feature maps ({rho.name})"

    def act(self, g: int, x: Any) -> Any:
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.rho.dim:
            raise ArgumentError(
                f"x must have shape (H, W, C) with C = dim ρ = {self.rho.dim}, got {x.shape}"
            )
        return self.grid.act(g, x) @ self.rho.matrices[g].T

    def random_point(self, rng: np.random.Generator) -> Any:
        return rng.standard_normal((*self.shape, self.rho.dim))

    def operator_norm(self) -> float:
        """``max_g ||ρ(g)||₂``: moving pixels is exact, ``ρ(g)`` on the channels is not."""
        return float(np.max(np.linalg.norm(self.rho.matrices, 2, axis=(1, 2))))

    def tolerance(self, x: Any) -> float:
        scale = float(np.max(np.abs(x))) if np.size(x) else 1.0
        return default_tolerance(self.rho.matrices.dtype, self.rho.dim) * max(1.0, scale)


__all__ = [
    "Action",
    "Conjugation",
    "FeatureMapAction",
    "GridAction",
    "LeftMultiplication",
    "PermutationAction",
    "SignalAction",
]
