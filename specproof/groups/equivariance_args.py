"""The arguments of :func:`~specproof.groups.check_equivariance`: how ``rho_in`` and
``rho_out`` act (a :class:`Representation`, an array of matrices checked to be one, or an
:class:`Action`), and which group element each entry of ``elements`` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.groups.actions import Action
from specproof.groups.cayley import CayleyGroup
from specproof.groups.representations import Representation


class _MatrixAction:
    """A representation acting on the last axis of arrays ``(..., d)``."""

    linear = True

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
            # arrays that are no homomorphism (zeros, 2 * rho, ...) made every linear map
            # pass; Representation checks rho(e) = I and rho(a)rho(b) = rho(ab) and names
            # the worst pair
            mats = Representation(G, mats, name=what).matrices
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

    def operator_norm(self) -> float:
        """``max_g ||rho(g)||_2`` over all of ``G``."""
        if self.dim == 0:
            return 0.0
        return float(np.max(np.linalg.norm(self.matrices, 2, axis=(1, 2))))


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

    ``g`` may be an index, a label, or a matrix, which must equal ``rho(h)`` (to ``1e-12``
    relative) for exactly one ``h``, over the representations in ``reps``: a matrix that
    several elements share (a representation that is not faithful) is refused, naming them.

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
        actions = [r for r in reps if isinstance(r, _MatrixAction)]
        if not actions:
            raise ArgumentTypeError(
                f"{what} contains a matrix, but neither rho_in nor rho_out is a representation "
                "to match it against; pass an index or a label"
            )
        hits: dict[int, list[str]] = {}
        scale = max(1.0, float(np.max(np.abs(m), initial=0.0)))
        for r in actions:
            if r.matrices.shape[1:] != m.shape:
                continue
            diff = np.max(np.abs(r.matrices - m), axis=(1, 2))
            for h in np.flatnonzero(diff <= 1e-12 * scale):
                hits.setdefault(int(h), []).append(r.what)
        if len(hits) == 1:
            return next(iter(hits))
        if hits:
            # a representation that is not faithful maps several elements to this matrix;
            # taking the first (e for a trivial rho_out) silently checked the wrong element
            whats = " or ".join(dict.fromkeys(w for ws in hits.values() for w in ws))
            names = ", ".join(G.labels[h] for h in sorted(hits))
            raise ArgumentError(
                f"{what} contains a {m.shape} matrix that is {whats}(g) for {len(hits)} "
                f"elements g of {G.name} ({names}): the matrix does not say which element "
                "to check; pass indices or labels"
            )
        shapes = [tuple(r.matrices.shape[1:]) for r in actions]
        raise ArgumentError(
            f"{what} contains a {m.shape} matrix that is not rho(g) for any g in {G.name} "
            f"(representation matrices have shapes {shapes})"
        )
    raise ArgumentTypeError(
        f"{what} must be an element index, label or matrix, got {type(g).__name__}")


__all__ = ["as_action", "resolve_element"]
