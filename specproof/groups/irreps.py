"""Real irreducible representations with their type (R, C or H), for the families we know.

A real irrep ψ has endomorphism algebra End_G(ψ) ≅ R, C or H, of dimension
``c_ψ ∈ {1, 2, 4}``. Tables are provided for:

* ``cyclic(N)``: ``trivial``; ``alt`` (``r ↦ -1``, N even); ``rot_k`` for ``0 < k < N/2``,
  ``r ↦ R(2πk/N)`` (2-d, type C);
* ``dihedral(N)``: ``trivial``; ``flip`` (``r ↦ 1, s ↦ -1``); for N even ``alt``
  (``r ↦ -1, s ↦ 1``) and ``alt_flip`` (``r ↦ -1, s ↦ -1``); ``rot_k`` for ``0 < k < N/2``,
  ``r ↦ R(2πk/N), s ↦ diag(1, -1)`` (2-d, type R);
* ``klein_four()``: ``trivial``; ``sign_a`` (-1 on ``a`` and ``ab``), ``sign_b`` (-1 on
  ``b`` and ``ab``), ``sign_ab`` (-1 on ``a`` and ``b``), all type R;
* ``quaternion()``: ``trivial``, ``chi_i``, ``chi_j``, ``chi_k`` (+1 exactly on ``±1`` and
  ``±u``), and ``quaternion`` (ℍ acting on itself by left multiplication, 4-d, type H);
* ``symmetric(n)`` for ``n <= 4``: ``trivial``, ``sign``, ``standard``, and for n = 4
  ``standard_sign`` and ``two_dim`` (through S4 → S3);
* ``direct_product(G, H)`` when both factors have tables and one of them has only type-R
  irreps: ``(ψ,φ)`` = ``ψ ⊗ φ`` of type ``type(φ)`` (or ``type(ψ)``), since
  ``End(ψ ⊗ φ) = End(ψ) ⊗ End(φ)`` and ``End(ψ) = R``. When both factors have irreps of
  type C or H, tensor products can split and no table is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof.groups.finite import FiniteGroup
from specproof.groups.permutations import _parity
from specproof.groups.representations import Representation, default_tolerance

TYPES: dict[str, int] = {"R": 1, "C": 2, "H": 4}


class Irrep(Representation):
    """A real irreducible representation with its type.

    Parameters
    ----------
    group, matrices, name, check, atol
        As for :class:`~specproof.groups.Representation`.
    type : {"R", "C", "H"}
        Real, complex or quaternionic type; ``endomorphism_dim`` is 1, 2 or 4.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> psi = irreps(cyclic(5))[1]
    >>> psi.name, psi.dim, psi.type, psi.endomorphism_dim
    ('rot_1', 2, 'C', 2)
    """

    def __init__(
        self,
        group: FiniteGroup,
        matrices: Any,
        name: str,
        type: str,
        check: str = "auto",
        atol: float | None = None,
    ) -> None:
        if type not in TYPES:
            raise ValueError(f"type must be one of {list(TYPES)}, got {type!r}")
        super().__init__(group, matrices, name=name, check=check, atol=atol)
        self.type: str = type
        self.endomorphism_dim: int = TYPES[type]
        if self.dim % self.endomorphism_dim:
            raise ValueError(
                f"{name}: dimension {self.dim} is not a multiple of c = {self.endomorphism_dim} "
                f"(type {type})"
            )

    def __repr__(self) -> str:
        return (f"Irrep({self.name}, group={self.group.name}, dim={self.dim}, "
                f"type={self.type})")


def _rot(theta: np.ndarray) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


def _one_dim(G: FiniteGroup, values: np.ndarray, name: str) -> Irrep:
    return Irrep(G, np.asarray(values, dtype=np.float64)[:, None, None], name=name, type="R")


def _cyclic_irreps(G: FiniteGroup, N: int) -> list[Irrep]:
    k = np.arange(N)
    out = [_one_dim(G, np.ones(N), "trivial")]
    if N % 2 == 0:
        out.append(_one_dim(G, (-1.0) ** k, "alt"))
    for f in range(1, (N + 1) // 2):
        if 2 * f == N:
            continue
        # reduce f·k mod N first: the angle's rounding error grows with its size
        out.append(Irrep(G, _rot(2 * np.pi * ((f * k) % N) / N), name=f"rot_{f}", type="C"))
    return out


def _dihedral_irreps(G: FiniteGroup, N: int) -> list[Irrep]:
    idx = np.arange(2 * N)
    k, j = idx % N, idx // N
    out = [_one_dim(G, np.ones(2 * N), "trivial"), _one_dim(G, (-1.0) ** j, "flip")]
    if N % 2 == 0:
        out.append(_one_dim(G, (-1.0) ** k, "alt"))
        out.append(_one_dim(G, (-1.0) ** (k + j), "alt_flip"))
    flip = np.where(j[:, None, None] == 1, np.diag([1.0, -1.0]), np.eye(2))
    for f in range(1, (N + 1) // 2):
        if 2 * f == N:
            continue
        mats = _rot(2 * np.pi * ((f * k) % N) / N) @ flip
        out.append(Irrep(G, mats, name=f"rot_{f}", type="R"))
    return out


def _klein_irreps(G: FiniteGroup) -> list[Irrep]:
    # Elements e, a, b, ab = 0, 1, 2, 3; a character is fixed by its values on a and b.
    bits_a = np.array([0, 1, 0, 1])
    bits_b = np.array([0, 0, 1, 1])
    return [
        _one_dim(G, np.ones(4), "trivial"),
        _one_dim(G, (-1.0) ** bits_a, "sign_a"),
        _one_dim(G, (-1.0) ** bits_b, "sign_b"),
        _one_dim(G, (-1.0) ** (bits_a + bits_b), "sign_ab"),
    ]


def _quaternion_irreps(G: FiniteGroup) -> list[Irrep]:
    from specproof.groups.named import quaternion_units

    unit = np.arange(8) % 4  # 0: ±1, 1: ±i, 2: ±j, 3: ±k
    out = [_one_dim(G, np.ones(8), "trivial")]
    for u, name in ((1, "chi_i"), (2, "chi_j"), (3, "chi_k")):
        out.append(_one_dim(G, np.where((unit == 0) | (unit == u), 1.0, -1.0), name))
    out.append(Irrep(G, quaternion_units(), name="quaternion", type="H"))
    return out


def _product_irreps(G: FiniteGroup, A: FiniteGroup, B: FiniteGroup) -> list[Irrep]:
    ia, ib = irreps(A), irreps(B)
    if not (all(p.type == "R" for p in ia) or all(p.type == "R" for p in ib)):
        raise ValueError(
            f"no irreps table for {G.name}: both {A.name} and {B.name} have irreps of type C "
            "or H, whose tensor products can be reducible"
        )
    g = np.repeat(np.arange(A.order), B.order)
    h = np.tile(np.arange(B.order), A.order)
    out = []
    for p in ia:
        for q in ib:
            mats = np.einsum("gij,gkl->gikjl", p.matrices[g], q.matrices[h]).reshape(
                G.order, p.dim * q.dim, p.dim * q.dim)
            kind = q.type if p.type == "R" else p.type
            out.append(Irrep(G, mats, name=f"({p.name},{q.name})", type=kind))
    return out


def _sum_zero_basis(n: int) -> np.ndarray:
    """Orthonormal basis (n, n-1) of the vectors in R^n with zero sum."""
    q, _ = np.linalg.qr(np.eye(n) - 1.0 / n)
    return q[:, : n - 1]


def _standard_matrices(perms: np.ndarray) -> np.ndarray:
    n_el, n = perms.shape
    P = np.zeros((n_el, n, n))
    P[np.repeat(np.arange(n_el), n), perms.reshape(-1), np.tile(np.arange(n), n_el)] = 1.0
    Q = _sum_zero_basis(n)
    return Q.T @ P @ Q


def _symmetric_irreps(G: FiniteGroup, n: int) -> list[Irrep]:
    perms = G.permutations
    assert perms is not None
    parity = np.array([_parity(p) for p in perms], dtype=np.float64)
    out = [_one_dim(G, np.ones(G.order), "trivial")]
    if n >= 2:
        out.append(_one_dim(G, parity, "sign"))
    if n >= 3:
        std = _standard_matrices(perms)
        out.append(Irrep(G, std, name="standard", type="R"))
    if n == 4:
        out.append(Irrep(G, std * parity[:, None, None], name="standard_sign", type="R"))
        # S4 permutes the three pairings {01|23, 02|13, 03|12}; compose with S3's standard.
        pairings = [frozenset({frozenset({0, 1}), frozenset({2, 3})}),
                    frozenset({frozenset({0, 2}), frozenset({1, 3})}),
                    frozenset({frozenset({0, 3}), frozenset({1, 2})})]
        images = np.array([
            [pairings.index(frozenset(frozenset(int(p[x]) for x in pair) for pair in pr))
             for pr in pairings]
            for p in perms
        ])
        out.append(Irrep(G, _standard_matrices(images), name="two_dim", type="R"))
    return out


def irreps(G: FiniteGroup) -> list[Irrep]:
    """The real irreps of ``G`` (one per isomorphism class), trivial first.

    Parameters
    ----------
    G : FiniteGroup
        A group built by :func:`~specproof.groups.cyclic`, :func:`~specproof.groups.dihedral`,
        :func:`~specproof.groups.klein_four` or :func:`~specproof.groups.symmetric` (n <= 4).

    Raises
    ------
    ValueError
        For other groups (the message lists the families with irreps tables).

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> [(p.name, p.dim, p.type) for p in irreps(dihedral(4))]  # doctest: +NORMALIZE_WHITESPACE
    [('trivial', 1, 'R'), ('flip', 1, 'R'), ('alt', 1, 'R'), ('alt_flip', 1, 'R'),
     ('rot_1', 2, 'R')]
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    cached = getattr(G, "_irreps_cache", None)
    if cached is not None:
        return list(cached)
    fam = G.family
    if fam[0] == "cyclic":
        out = _cyclic_irreps(G, fam[1])
    elif fam[0] == "dihedral":
        out = _dihedral_irreps(G, fam[1])
    elif fam[0] == "klein":
        out = _klein_irreps(G)
    elif fam[0] == "quaternion":
        out = _quaternion_irreps(G)
    elif fam[0] == "symmetric" and fam[1] <= 4:
        out = _symmetric_irreps(G, fam[1])
    elif fam[0] == "product":
        out = _product_irreps(G, fam[1], fam[2])
    else:
        raise ValueError(
            f"no irreps table for {G.name} (family {fam[0]!r}); tables exist for cyclic(N), "
            "dihedral(N), klein_four(), quaternion(), symmetric(n) with n <= 4, and their direct "
            "products when one factor has only type-R irreps"
        )
    G._irreps_cache = tuple(out)  # type: ignore[attr-defined]
    return list(out)


def irrep(G: FiniteGroup, name: str) -> Irrep:
    """The irrep of ``G`` with this name.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> irrep(cyclic(6), "alt").character().tolist()
    [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    """
    table = irreps(G)
    for p in table:
        if p.name == name:
            return p
    raise ValueError(f"{G.name} has no irrep {name!r}; irreps: {[p.name for p in table]}")


def endomorphism_dimension(rho: Representation, rtol: float | None = None) -> int:
    """``dim End_G(ρ)``, computed by linear algebra (not from characters).

    The commutant is the nullspace of the stacked maps ``X ↦ ρ(g)X − Xρ(g)`` over the
    generators; singular values below ``rtol · σ_max`` count as zero.

    Examples
    --------
    >>> from specproof.groups import cyclic, dihedral
    >>> endomorphism_dimension(irrep(cyclic(5), "rot_1")), endomorphism_dimension(
    ...     irrep(dihedral(5), "rot_1"))
    (2, 1)
    """
    d = rho.dim
    eye = np.eye(d)
    blocks = [np.kron(rho.matrices[g], eye) - np.kron(eye, rho.matrices[g].T)
              for g in rho.group.generators]
    if not blocks:
        return d * d
    A = np.concatenate(blocks, axis=0)
    s = np.linalg.svd(A, compute_uv=False)
    if rtol is None:
        rtol = 1e3 * default_tolerance(rho.matrices.dtype, d)
    smax = s[0] if s.size and s[0] > 0 else 1.0
    return int(d * d - np.sum(s > rtol * smax))


__all__ = ["TYPES", "Irrep", "endomorphism_dimension", "irrep", "irreps"]
