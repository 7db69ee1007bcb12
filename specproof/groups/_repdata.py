"""Read the matrices, group and generators out of a representation or a plain array.

The numerical kernels of :mod:`equivariance`, :mod:`intertwiners` and :mod:`fourier` work
on plain arrays: a representation is an ndarray ``(|G|, d, d)`` whose ``g``-th slice is
``rho(g)``. These helpers let the public functions accept either a core
:class:`~specproof.groups.Representation` or such an array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, first_nonfinite


@dataclass(frozen=True)
class RepData:
    """A representation as arrays: all matrices, the group (or None) and generator indices."""

    matrices: np.ndarray
    group: Any
    generators: tuple[int, ...]
    name: str = "rho"

    @property
    def dim(self) -> int:
        return int(self.matrices.shape[1])

    @property
    def order(self) -> int:
        return int(self.matrices.shape[0])

    def inverse_matrices(self) -> np.ndarray:
        """``rho(g)^{-1}`` for every g: from the group's inverse table when known."""
        if self.group is not None:
            inv = np.asarray(_group_inverses(self.group), dtype=int)
            return self.matrices[inv]
        if is_permutation(self.matrices):
            return np.swapaxes(self.matrices, 1, 2)  # exact: P^-1 = P^T
        return self._inverted()

    def entry_scale(self) -> float:
        """``max |rho(g)_ij|`` (0 for dimension 0), without an ``|G| d^2`` temporary."""
        m = self.matrices
        if m.size == 0:
            return 0.0
        if np.iscomplexobj(m):
            return float(max(np.max(np.abs(g)) for g in m))
        return float(max(np.max(m), -np.min(m)))

    def characters(self) -> np.ndarray:
        """``chi(g) = tr rho(g)`` for every g."""
        return np.einsum("gii->g", self.matrices)

    def inverse_characters(self) -> np.ndarray:
        """``chi(g^-1)`` for every g, in ``O(|G| d)`` when the group or a permutation
        structure is known (the inverse matrices of a regular representation of order 500
        are 10^9 entries), else from ``rho(g)^{-1}``."""
        chi = self.characters()
        if self.group is not None:
            return chi[np.asarray(_group_inverses(self.group), dtype=int)]
        if is_permutation(self.matrices):
            return chi  # tr P^T = tr P
        return np.einsum("gii->g", self._inverted())

    def _inverted(self) -> np.ndarray:
        try:
            return np.linalg.inv(self.matrices)
        except np.linalg.LinAlgError:
            dets = np.abs(np.linalg.det(self.matrices))
            g = int(np.argmin(dets))
            raise ArgumentError(
                f"{self.name}[{g}] is singular (|det| = {dets[g]:.3g}): the matrices of a "
                "representation are invertible") from None


def is_permutation(mats: np.ndarray) -> bool:
    """Whether every matrix of the stack ``mats`` is a (real) permutation matrix.

    Examples
    --------
    >>> import numpy as np
    >>> is_permutation(np.eye(3)[None, [1, 0, 2]]), is_permutation(-np.eye(2)[None])
    (True, False)
    """
    if np.iscomplexobj(mats):
        return False
    ok = np.all((mats == 0) | (mats == 1))
    return bool(ok and np.all(mats.sum(axis=1) == 1) and np.all(mats.sum(axis=2) == 1))


def _group_inverses(group: Any) -> np.ndarray:
    inv = getattr(group, "inverses", None)
    if inv is None:
        table = np.asarray(group.table)
        e = int(group.identity)
        return np.argmax(table == e, axis=1)
    return np.asarray(inv() if callable(inv) else inv)


def group_generators(group: Any) -> tuple[int, ...]:
    """The generator indices of a core group (``generators`` may hold indices or labels)."""
    gens = group.generators
    gens = gens() if callable(gens) else gens
    out = []
    for g in gens:
        if isinstance(g, (int, np.integer)):
            out.append(int(g))
        else:
            out.append(int(group.index(g)))
    return tuple(out)


def rep_data(rho: Any, name: str, generators: Any = None) -> RepData:
    """Normalise ``rho`` (a Representation or an ndarray ``(n, d, d)``) to :class:`RepData`.

    Parameters
    ----------
    rho : Representation or ndarray
        The representation.
    name : str
        The argument name used in error messages.
    generators : sequence of int, optional
        Generator indices when ``rho`` is a plain array (default: every element).

    Examples
    --------
    >>> import numpy as np
    >>> rep_data(np.stack([np.eye(2), -np.eye(2)]), "rho").generators
    (0, 1)
    """
    group = getattr(rho, "group", None)
    if group is not None and hasattr(rho, "matrices"):
        mats = np.asarray(rho.matrices)
        gens = group_generators(group) if generators is None else tuple(generators)
    elif isinstance(rho, np.ndarray) or isinstance(rho, (list, tuple)):
        mats = np.asarray(rho)
        gens = tuple(range(mats.shape[0])) if generators is None else tuple(generators)
    else:
        raise ArgumentTypeError(
            f"{name} must be a Representation or an ndarray of shape (|G|, d, d), "
            f"got {type(rho).__name__}"
        )
    if mats.dtype.kind not in "biufc":
        raise ArgumentTypeError(f"{name} must be numeric, got dtype {mats.dtype}")
    if mats.dtype in (np.float16, np.longdouble, np.clongdouble) and mats.dtype not in (
            np.float64, np.complex128):
        # LAPACK has no float16 or long double: numpy's TypeError came from deep inside
        raise ArgumentTypeError(
            f"{name} has dtype {mats.dtype}, which linear algebra does not support: "
            "convert with .astype(np.float32) or .astype(np.float64)")
    if mats.ndim != 3 or mats.shape[1] != mats.shape[2] or mats.shape[0] == 0:
        raise ArgumentError(f"{name} must have shape (|G|, d, d) with |G| >= 1, got {mats.shape}")
    if mats.dtype.kind in "biu":
        # as Representation stores them: einsum("gii->g") of a bool stack is a bool (the
        # trace of the identity read 1), and integer products may wrap around
        mats = mats.astype(np.float64)
    elif mats.dtype.kind == "c" and mats.dtype.itemsize < 16:
        mats = mats.astype(np.complex128)
    first_nonfinite(mats, name)
    out = []
    for g in gens:
        if isinstance(g, (bool, np.bool_)) or not isinstance(g, (int, np.integer)):
            raise ArgumentTypeError(
                f"generators must hold element indices (int), got {g!r} for {name}")
        if not 0 <= int(g) < mats.shape[0]:
            raise ArgumentError(
                f"generator index {g} of {name} is outside 0..{mats.shape[0] - 1}"
            )
        out.append(int(g))
    return RepData(matrices=mats, group=group, generators=tuple(out), name=name)


def check_same_group(a: RepData, b: RepData, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` are representations of the same group (same order)."""
    if a.order != b.order:
        raise ArgumentError(
            f"{name_a} and {name_b} must represent the same group: {name_a} has "
            f"{a.order} matrices of shape {a.matrices.shape[1:]}, {name_b} has {b.order} "
            f"of shape {b.matrices.shape[1:]}"
        )
    if a.group is not None and b.group is not None and a.group is not b.group:
        if not np.array_equal(np.asarray(a.group.table), np.asarray(b.group.table)):
            raise ArgumentError(f"{name_a} and {name_b} are representations of different groups")
