"""Constructions of representations: trivial, sign, permutation and regular
representations, direct sums and tensor products.

Constructions that are exact by design (block sums, Kronecker products, permutation
matrices of the group law) skip the homomorphism check; those built from user data
(``sign`` values, permutation images) run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from specproof.groups.finite import FiniteGroup
from specproof.groups.permutations import _as_permutation_images, _parity
from specproof.groups.representations import Representation

# Dense regular representations hold |G|³ floats; refuse beyond this many (1.6 GB).
_MAX_DENSE_ENTRIES = 2e8


def _check_same_group(reps: Sequence[Representation], what: str) -> FiniteGroup:
    if not reps:
        raise ValueError(f"{what} needs at least one representation")
    for i, r in enumerate(reps):
        if not isinstance(r, Representation):
            raise TypeError(f"{what}: argument {i} must be a Representation, "
                            f"got {type(r).__name__}")
    G = reps[0].group
    for i, r in enumerate(reps[1:], start=1):
        if r.group is not G and r.group != G:
            raise ValueError(
                f"{what}: argument {i} is a representation of {r.group.name}, "
                f"argument 0 of {G.name}"
            )
    return G


def direct_sum(*reps: Representation, name: str | None = None) -> Representation:
    """Block-diagonal direct sum ``ρ₁ ⊕ ρ₂ ⊕ ...`` (also ``rho1 + rho2``).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(4)
    >>> (trivial(G) + G.regular_representation()).dim
    5
    """
    G = _check_same_group(reps, "direct_sum")
    d = sum(r.dim for r in reps)
    dtype = np.result_type(*[r.matrices.dtype for r in reps])
    out = np.zeros((G.order, d, d), dtype=dtype)
    k = 0
    for r in reps:
        out[:, k:k + r.dim, k:k + r.dim] = r.matrices
        k += r.dim
    return Representation(G, out, name=name or " ⊕ ".join(r.name for r in reps), check="none")


def tensor(r1: Representation, r2: Representation, name: str | None = None) -> Representation:
    """Tensor product ``ρ₁ ⊗ ρ₂``: ``g ↦ kron(ρ₁(g), ρ₂(g))``.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(3)
    >>> tensor(G.regular_representation(), G.regular_representation()).dim
    9
    """
    G = _check_same_group([r1, r2], "tensor")
    a, b = r1.matrices, r2.matrices
    out = np.einsum("gij,gkl->gikjl", a, b).reshape(G.order, r1.dim * r2.dim, r1.dim * r2.dim)
    return Representation(G, out, name=name or f"{r1.name} ⊗ {r2.name}", check="none")


def trivial(G: FiniteGroup, dim: int = 1) -> Representation:
    """The trivial representation ``ρ(g) = I_dim``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> trivial(dihedral(3)).character().tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    m = np.broadcast_to(np.eye(dim), (G.order, dim, dim)).copy()
    return Representation(G, m, name="trivial", check="none")


def sign(G: FiniteGroup, values: Any = None, name: str = "sign") -> Representation:
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
    if values is None:
        if G.permutations is None:
            raise ValueError(
                f"{G.name} is not a permutation group: pass values, the ±1 value of each "
                "element"
            )
        values = np.array([_parity(p) for p in G.permutations], dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (G.order,):
        raise ValueError(f"values must have shape ({G.order},), got shape {v.shape}")
    if not np.all(np.abs(v) == 1):
        bad = int(np.argmax(np.abs(v) != 1))
        raise ValueError(f"values must be ±1; values[{bad}] = {v[bad]}")
    return Representation(G, v[:, None, None], name=name)


def permutation_representation(
    G: FiniteGroup, perms: Any, name: str = "perm"
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
    p = _as_permutation_images(perms, G.order)
    m = p.shape[1]
    mats = np.zeros((G.order, m, m))
    g_idx = np.repeat(np.arange(G.order), m)
    x_idx = np.tile(np.arange(m), G.order)
    mats[g_idx, p.reshape(-1), x_idx] = 1.0
    return Representation(G, mats, name=name)


def _dense_regular_size(G: FiniteGroup) -> int:
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    n = G.order
    if float(n) ** 3 > _MAX_DENSE_ENTRIES:
        raise ValueError(
            f"the dense regular representation of {G.name} would hold |G|³ = {n**3:.3g} "
            f"entries (> {_MAX_DENSE_ENTRIES:.0e}); act with SignalAction or G.table instead"
        )
    return n


def regular_representation(G: FiniteGroup) -> Representation:
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


def right_regular_representation(G: FiniteGroup) -> Representation:
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
