"""The isotypic basis of the right-regular representation, and block-diagonalisation of
equivariant maps in it (the structure behind :func:`~specproof.groups.spectral_norm_equivariant`).

In the isotypic basis ``Q`` of ``R`` (columns grouped into copies of the real irreps), a
map ``W = Σ_h w(h) ⊗ R(h)`` becomes ``Σ_ψ ŵ(ψ) ⊗ I_copies``; :func:`block_diagonalize`
reads the blocks off and measures what is left outside them. A user-supplied irreps list
passes :func:`~specproof.groups.check_irreps` (orthonormal bases required) first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import ArgumentError, as_positive_int, first_nonfinite
from specproof.groups.finite import FiniteGroup
from specproof.groups.fourier import as_finite_group, fourier_irreps


@dataclass(frozen=True)
class IsotypicBasis:
    """Orthogonal ``Q`` with ``Q^T R(h) Q = diag(psi_1(h), psi_2(h), ...)``.

    Attributes
    ----------
    Q : ndarray (|G|, |G|)
        Columns grouped into copies of irreps.
    copies : list of (str, int, int)
        ``(irrep name, first column, dimension)`` per copy.
    """

    Q: np.ndarray = field(repr=False)
    copies: list[tuple[str, int, int]]

    def to_dict(self) -> dict[str, Any]:
        return {"copies": [list(c) for c in self.copies]}


def isotypic_basis(G: FiniteGroup, irreps: Any = None) -> IsotypicBasis:
    """Decompose the right-regular representation into copies of the real irreps.

    Copy ``i`` of ``psi`` is spanned by the matrix-coefficient functions
    ``g -> psi(g)_{i, j}`` (``j = 1..d``), which transform as ``psi`` under ``R``. For
    types C and H different rows ``i`` span the same space; we keep ``d / c`` rows that
    are independent after projecting out earlier copies (the projection commutes with
    ``R``, so what is left still transforms as ``psi``).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> B = isotypic_basis(cyclic(5))
    >>> [c[0] for c in B.copies], np.allclose(B.Q.T @ B.Q, np.eye(5))
    (['trivial', 'rot_1', 'rot_2'], True)
    """
    G = as_finite_group(G)
    irs = fourier_irreps(G, irreps)
    n = G.order
    cols: list[np.ndarray] = []
    copies: list[tuple[str, int, int]] = []
    for p in irs:
        d, want = p.dim, p.dim // p.endomorphism_dim
        kept: list[np.ndarray] = []
        for i in range(d):
            if len(kept) == want:
                break
            F = p.matrices[:, i, :].astype(float)  # (|G|, d)
            for K in kept:
                F = F - K @ (K.T @ F)
            norm = np.linalg.norm(F[:, 0])
            if norm < 1e-6 * np.sqrt(n / d):
                continue
            kept.append(F / norm)
        if len(kept) != want:  # pragma: no cover - impossible for a checked irreps list
            raise ArgumentError(f"could not find {want} independent copies of {p.name}")
        for K in kept:
            copies.append((p.name, sum(c.shape[1] for c in cols), d))
            cols.append(K)
    Q = np.concatenate(cols, axis=1)
    if Q.shape != (n, n):  # pragma: no cover - impossible for a checked irreps list
        raise ArgumentError(f"isotypic basis has shape {Q.shape}, expected {(n, n)}")
    return IsotypicBasis(Q=Q, copies=copies)


@dataclass(frozen=True)
class BlockDiagonalization:
    """Result of :func:`block_diagonalize`.

    Attributes
    ----------
    blocks : dict of str to ndarray
        The Fourier block per irrep, read off from the transformed matrix (first copy).
    residual : float
        Largest absolute entry of the transformed matrix outside the diagonal blocks
        and largest difference between copies of the same irrep (0 in exact arithmetic).
    basis : IsotypicBasis
    """

    blocks: dict[str, np.ndarray] = field(repr=False)
    residual: float
    basis: IsotypicBasis = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"residual": self.residual, "copies": self.basis.to_dict()["copies"],
                "block_shapes": {k: list(v.shape) for k, v in self.blocks.items()}}


def block_diagonalize(W: Any, G: FiniteGroup, c_out: int, c_in: int,
                      irreps: Any = None) -> BlockDiagonalization:
    """Block-diagonalise a G-equivariant map on ``c`` copies of the regular representation.

    ``W`` (shape ``(c_out |G|, c_in |G|)``, channel-major) must commute with ``I (x) L(g)``
    (e.g. ``W = sum_h w(h) (x) R(h)``). In the basis ``I (x) Q`` of :func:`isotypic_basis`
    it is ``sum_psi block_psi (x) I_{copies}``; the residual measures the rest.

    Examples
    --------
    >>> from specproof.groups import dihedral, equivariant_matrix, fourier_blocks
    >>> G = dihedral(3)
    >>> w = np.random.default_rng(1).standard_normal((6, 2, 2))
    >>> bd = block_diagonalize(equivariant_matrix(w, G), G, 2, 2)
    >>> bd.residual < 1e-12, np.allclose(bd.blocks["rot_1"], fourier_blocks(w, G)["rot_1"])
    (True, True)
    """
    G = as_finite_group(G)
    n = G.order
    c_out, c_in = as_positive_int(c_out, "c_out"), as_positive_int(c_in, "c_in")
    if np.shape(W) != (c_out * n, c_in * n):
        raise ArgumentError(
            f"W must have shape (c_out |G|, c_in |G|) = ({c_out * n}, {c_in * n}), "
            f"got shape {np.shape(W)}"
        )
    W = np.asarray(W, dtype=float)
    first_nonfinite(W, "W")
    basis = isotypic_basis(G, irreps)
    Q = basis.Q
    T = np.einsum("gi,agbh,hj->aibj", Q, W.reshape(c_out, n, c_in, n), Q)
    mask = np.zeros((n, n), dtype=bool)
    blocks: dict[str, np.ndarray] = {}
    residual = 0.0
    for name, start, d in basis.copies:
        sl = slice(start, start + d)
        mask[sl, sl] = True
        blk = T[:, sl, :, sl].reshape(c_out * d, c_in * d)
        if name in blocks:
            residual = max(residual, float(np.max(np.abs(blocks[name] - blk))))
        else:
            blocks[name] = blk
    off = np.where(mask[None, :, None, :], 0.0, T)
    residual = max(residual, float(np.max(np.abs(off))) if off.size else 0.0)
    return BlockDiagonalization(blocks=blocks, residual=residual, basis=basis)


__all__ = ["BlockDiagonalization", "IsotypicBasis", "block_diagonalize", "isotypic_basis"]
