"""Constructions of representations: trivial, sign, permutation and regular
representations, direct sums and tensor products.

Constructions that are exact by design (block sums, Kronecker products, permutation
matrices of the group law) skip the homomorphism check; those built from user data
(``sign`` values, permutation images) run it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError, ResourceLimitError, as_positive_int
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.permutations import _as_permutation_images, _parity
from specproof.groups.representations import Representation, block_diagonal_sum, same_group

# Dense regular representations hold |G|³ floats; refuse beyond this many (1.6 GB).
_MAX_DENSE_ENTRIES = 2e8


def direct_sum(*reps: Representation, name: str | None = None) -> Representation:
    """Block-diagonal direct sum ``ρ₁ ⊕ ρ₂ ⊕ ...`` (also ``rho1 + rho2``).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(4)
    >>> (trivial(G) + G.regular_representation()).dim
    5
    """
    return block_diagonal_sum(reps, "direct_sum", name=name)


def tensor(r1: Representation, r2: Representation, name: str | None = None) -> Representation:
    """Tensor product ``ρ₁ ⊗ ρ₂``: ``g ↦ kron(ρ₁(g), ρ₂(g))``.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(3)
    >>> tensor(G.regular_representation(), G.regular_representation()).dim
    9
    """
    G = same_group([r1, r2], "tensor")
    a, b = r1.matrices, r2.matrices
    out = np.einsum("gij,gkl->gikjl", a, b).reshape(G.order, r1.dim * r2.dim, r1.dim * r2.dim)
    return Representation(G, out, name=name or f"{r1.name} ⊗ {r2.name}", check="none")


def trivial(G: CayleyGroup, dim: int = 1) -> Representation:
    """The trivial representation ``ρ(g) = I_dim``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> trivial(dihedral(3)).character().tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    G = as_group(G)
    dim = as_positive_int(dim, "dim")
    m = np.broadcast_to(np.eye(dim), (G.order, dim, dim)).copy()
    return Representation(G, m, name="trivial", check="none")


def sign(G: CayleyGroup, values: Any = None, name: str = "sign") -> Representation:
    """A one-dimensional representation with values ±1.

    Parameters
    ----------
    G : FiniteGroup
        The group.
    values : array_like of ±1, shape (|G|,), optional
        ``ρ(g)``; the homomorphism property is checked. Omitted: the parity of the
        permutation, for permutation groups (e.g. :func:`~specproof.groups.symmetric`).

    Examples
    --------
    >>> from specproof.groups import symmetric
    >>> sign(symmetric(3)).character().tolist()
    [1.0, -1.0, -1.0, 1.0, 1.0, -1.0]
    """
    G = as_group(G)
    if values is None:
        if G.permutations is None:
            raise ArgumentError(
                f"{G.name} is not a permutation group: pass values, the ±1 value of each "
                "element"
            )
        values = np.array([_parity(p) for p in G.permutations], dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (G.order,):
        raise ArgumentError(f"values must have shape ({G.order},), got shape {v.shape}")
    if not np.all(np.abs(v) == 1):
        bad = int(np.argmax(np.abs(v) != 1))
        raise ArgumentError(f"values must be ±1; values[{bad}] = {v[bad]}")
    return Representation(G, v[:, None, None], name=name)


def permutation_representation(
    G: CayleyGroup, perms: Any, name: str = "perm"
) -> Representation:
    """The representation of a permutation action: ``ρ(g) e_x = e_{g.x}``.

    Parameters
    ----------
    perms : array_like of int, shape (|G|, m)
        ``perms[g][x] = g.x``; must be a left action (checked through the homomorphism
        property).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(2)
    >>> permutation_representation(G, [[0, 1, 2], [1, 0, 2]]).character().tolist()
    [3.0, 1.0]
    """
    G = as_group(G)
    p = _as_permutation_images(perms, G.order)
    m = p.shape[1]
    mats = np.zeros((G.order, m, m))
    g_idx = np.repeat(np.arange(G.order), m)
    x_idx = np.tile(np.arange(m), G.order)
    mats[g_idx, p.reshape(-1), x_idx] = 1.0
    return Representation(G, mats, name=name)


def _dense_regular_size(G: CayleyGroup) -> int:
    G = as_group(G)
    n = G.order
    if float(n) ** 3 > _MAX_DENSE_ENTRIES:
        raise ResourceLimitError(
            f"the dense regular representation of {G.name} would hold |G|³ = {n**3:.3g} "
            f"entries (> {_MAX_DENSE_ENTRIES:.0e}); act with SignalAction or G.table instead"
        )
    return n


def regular_representation(G: CayleyGroup) -> Representation:
    """Left regular representation: ``ρ(g) e_h = e_{g·h}``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> rho = regular_representation(dihedral(3))
    >>> rho.dim, float(rho.character()[0])
    (6, 6.0)
    """
    n = _dense_regular_size(G)
    mats = np.zeros((n, n, n))
    g = np.repeat(np.arange(n), n)
    h = np.tile(np.arange(n), n)
    mats[g, G.table[g, h], h] = 1.0
    return Representation(G, mats, name=f"regular({G.name})", check="none")


def right_regular_representation(G: CayleyGroup) -> Representation:
    """Right regular representation on functions on G: ``(R_h f)(g) = f(g·h)``.

    As a matrix, ``R_h[g, g·h] = 1``; ``R_h R_k = R_{hk}``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(3)
    >>> R = right_regular_representation(G)
    >>> f = np.arange(6.0)
    >>> bool((R(1) @ f)[4] == f[G.mul(4, 1)])
    True
    """
    n = _dense_regular_size(G)
    mats = np.zeros((n, n, n))
    h = np.repeat(np.arange(n), n)
    g = np.tile(np.arange(n), n)
    mats[h, g, G.table[g, h]] = 1.0
    return Representation(G, mats, name=f"right_regular({G.name})", check="none")


__all__ = [
    "direct_sum",
    "permutation_representation",
    "regular_representation",
    "right_regular_representation",
    "sign",
    "tensor",
    "trivial",
]
