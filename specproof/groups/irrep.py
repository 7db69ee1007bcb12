"""Real irreducible representations with their type (R, C or H), validated on construction.

A real irrep ψ has endomorphism algebra ``End_G(ψ) ≅ R, C or H``, of dimension
``c_ψ ∈ {1, 2, 4}``. :class:`Irrep` checks what it is told:

* the matrices are a homomorphism of the group (as any :class:`Representation`);
* ψ is irreducible: ``End_G(ψ)`` is a *division* algebra. Its dimension alone does not
  decide this (``trivial ⊕ sign`` has a 2-dimensional commutant, like a type-C irrep).
  After making ψ orthogonal (``S ψ S⁻¹`` with ``S² = (1/|G|) Σ_g ψ(g)ᵀψ(g)``), every
  ``X ∈ End_G(ψ)`` of an irreducible ψ satisfies ``XᵀX = λ I`` (Schur: ``XᵀX`` is a
  symmetric element of a division algebra), while a reducible ψ has the orthogonal
  projection onto an invariant subspace in its commutant. We check ``E_iᵀE_j + E_jᵀE_i``
  is a multiple of ``I`` for a basis ``E_i`` of the commutant;
* the declared type matches: ``dim End_G(ψ) = c`` and ``⟨χ_ψ, χ_ψ⟩ = c``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError, as_choice
from specproof.groups.cayley import CayleyGroup
from specproof.groups.characters import character_inner, integrality_tolerance, is_integral
from specproof.groups.errors import IrrepTypeError, NotAHomomorphismError, NotIrreducibleError
from specproof.groups.representations import (
    Representation,
    default_tolerance,
    homomorphism_error,
)

TYPES: dict[str, int] = {"R": 1, "C": 2, "H": 4}
_TYPE_OF = {c: t for t, c in TYPES.items()}


def _constraint(mats: np.ndarray, gens: list[int]) -> np.ndarray:
    """Stacked ``ρ(g) ⊗ I − I ⊗ ρ(g)ᵀ`` over the generators (row-major ``vec(X)``)."""
    d = mats.shape[1]
    eye = np.eye(d)
    return np.concatenate([np.kron(mats[g], eye) - np.kron(eye, mats[g].T) for g in gens]
                          + [np.zeros((0, d * d))], axis=0)


def _commutant_basis(mats: np.ndarray, gens: list[int], rtol: float) -> np.ndarray:
    """Frobenius-orthonormal basis ``(k, d, d)`` of ``{X : ρ(g) X = X ρ(g) for g in gens}``."""
    d = mats.shape[1]
    A = _constraint(mats, gens)
    if A.shape[0] == 0:
        return np.eye(d * d).reshape(d * d, d, d)
    # rows >= columns whenever there is a generator: the thin SVD has every right vector
    _, s, vh = np.linalg.svd(A, full_matrices=A.shape[0] < A.shape[1])
    smax = s[0] if s.size and s[0] > 0 else 1.0
    rank = int(np.sum(s > rtol * smax))
    return vh[rank:].reshape(-1, d, d)


def _basis_condition(rho: Representation) -> float:
    """The condition number of the basis ``ρ`` is written in: that of ``R`` with ``RᵀR``
    the group-averaged Gram (1 for an orthogonal representation)."""
    m = np.asarray(rho.matrices, dtype=np.float64)
    n, d, _ = m.shape
    if d == 0 or not np.all(np.isfinite(m)):
        return 1.0
    s = np.linalg.svd(np.linalg.qr(m.reshape(n * d, d), mode="r"), compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else math.inf


def _commutant_rtol(rho: Representation) -> float:
    # rounding in a basis of condition number k leaves the commutant's zero singular
    # values at ~u k^2 (measured: 6e-11 at k = 1e4, where the plain threshold 5.7e-11
    # called a quaternionic irrep "of type R"); the gap to the others stays O(1)
    return 1e3 * default_tolerance(rho.matrices.dtype, rho.dim) * _basis_condition(rho) ** 2


# a relative singular-value threshold this large counts every singular value of the
# commutant constraint as zero: the test would call every representation reducible
_MAX_COMMUTANT_RTOL = 0.5


def check_precision(rho: Representation) -> None:
    """Refuse matrices whose dtype is too coarse to decide irreducibility.

    The commutant is found from the singular values of ``X ↦ ρ(g)X − Xρ(g)`` with a
    threshold that follows the dtype's rounding (``_commutant_rtol``); past half the
    largest singular value it cannot tell a commutant from the whole matrix algebra, and
    a true irrep would be called reducible.

    Raises
    ------
    ComputationError
        Naming the representation, its dtype and what precision would do.

    Examples
    --------
    >>> from specproof.groups import cyclic, irreps, Representation
    >>> psi = irreps(cyclic(5))[1]
    >>> check_precision(Representation(cyclic(5), psi.matrices.astype(np.float16),
    ...                                name="rot_1"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ComputationError: rot_1: float16 is too coarse to decide ...
    """
    rtol = _commutant_rtol(rho)
    if rho.matrices.dtype.kind == "f" and rtol >= _MAX_COMMUTANT_RTOL:
        eps = float(np.finfo(rho.matrices.dtype).eps)
        kappa = _basis_condition(rho)
        if kappa > 10.0:
            raise ComputationError(
                f"{rho.name}: its basis has condition number {kappa:.3g}, too large to "
                f"decide irreducibility in {rho.matrices.dtype} (eps = {eps:.2g}): the "
                f"commutant test would count singular values up to {rtol:.2g} times the "
                "largest as zero, and call a true irrep reducible; give it in a "
                "better-conditioned (e.g. orthogonal) basis")
        raise ComputationError(
            f"{rho.name}: {rho.matrices.dtype} is too coarse to decide irreducibility "
            f"(eps = {eps:.2g}): the commutant test would count singular values up to "
            f"{rtol:.2g} times the largest as zero, and call a true irrep reducible; give "
            "the matrices in float32 or float64")


def endomorphism_dimension(rho: Representation, rtol: float | None = None) -> int:
    """``dim End_G(ρ)``, computed by linear algebra (not from characters).

    The commutant is the nullspace of the stacked maps ``X ↦ ρ(g)X − Xρ(g)`` over the
    generators; singular values below ``rtol · σ_max`` count as zero.

    Examples
    --------
    >>> from specproof.groups import cyclic, dihedral, irrep
    >>> endomorphism_dimension(irrep(cyclic(5), "rot_1")), endomorphism_dimension(
    ...     irrep(dihedral(5), "rot_1"))
    (2, 1)
    """
    if not isinstance(rho, Representation):
        raise ArgumentTypeError(f"rho must be a Representation, got {type(rho).__name__}")
    tol = _commutant_rtol(rho) if rtol is None else float(rtol)
    return int(len(_commutant_basis(rho.matrices, list(rho.group.generators), tol)))


def _orthogonalized(mats: np.ndarray) -> np.ndarray:
    """``R ρ R⁻¹`` with ``RᵀR = (1/|G|) Σ_g ρ(g)ᵀρ(g)``: an orthogonal equivalent.

    ``R`` is the triangular factor of the QR decomposition of the stacked ``ρ(g)``, not the
    square root of their Gram: forming the Gram squares the basis' condition number (at
    1e4 a genuine quaternionic irrep was called "of type R")."""
    n, d, _ = mats.shape
    R = np.linalg.qr(mats.reshape(n * d, d) / np.sqrt(n), mode="r")
    X = R @ mats  # then X R^-1 for every g: R^T Y^T = X^T, one triangular solve for all
    # check_finite=False: the matrices are finite (checked on construction), and scipy
    # 1.17's finiteness check cost 2-12 ms per call here, for a 2 x 2 triangle
    Yt = solve_triangular(R, np.concatenate(list(np.swapaxes(X, 1, 2)), axis=1), trans="T",
                          check_finite=False)
    return np.swapaxes(Yt.reshape(d, n, d).transpose(1, 0, 2), 1, 2)


def irreducibility_defect(rho: Representation) -> tuple[int, float]:
    """``(dim End_G(ρ), defect)``; the defect is 0 for an irrep, of order 1 otherwise.

    The defect is ``max_{i≤j} ||E_iᵀE_j + E_jᵀE_i − (tr/d) I||`` over a Frobenius-
    orthonormal basis of the commutant of an orthogonal equivalent of ρ (module
    docstring).

    Examples
    --------
    >>> from specproof.groups import cyclic, direct_sum, irrep
    >>> C4 = cyclic(4)
    >>> k, defect = irreducibility_defect(direct_sum(irrep(C4, "trivial"), irrep(C4, "alt")))
    >>> k, defect > 0.5
    (2, True)
    """
    mats = np.asarray(rho.matrices, dtype=np.float64)
    ortho = _orthogonalized(mats)
    basis = _commutant_basis(ortho, list(rho.group.generators), _commutant_rtol(rho))
    d = rho.dim
    defect = 0.0
    for i in range(len(basis)):
        for j in range(i, len(basis)):
            A = basis[i].T @ basis[j] + basis[j].T @ basis[i]
            dev = A - (np.trace(A) / d) * np.eye(d)
            defect = max(defect, float(np.max(np.abs(dev))) * d)
    return len(basis), defect


def irreducibility_tolerance(rho: Representation) -> float:
    """Largest defect (see :func:`irreducibility_defect`) still counted as zero: ``sqrt(eps)``
    of the dtype times 8 (the commutant basis is accurate to about ``eps / gap``)."""
    dtype = rho.matrices.dtype if rho.matrices.dtype.kind == "f" else np.dtype(np.float64)
    return 8.0 * float(np.sqrt(np.finfo(dtype).eps))


class Irrep(Representation):
    """A real irreducible representation with its type, validated on construction.

    Parameters
    ----------
    group, matrices, name, check, atol
        As for :class:`~specproof.groups.Representation` (``check`` and ``atol`` concern
        the homomorphism property; irreducibility and type are always checked).
    type : {"R", "C", "H"}
        Real, complex or quaternionic type; ``endomorphism_dim`` is 1, 2 or 4.

    Raises
    ------
    NotIrreducibleError
        If the matrices are reducible (the commutant is not a division algebra).
    IrrepTypeError
        If they are irreducible of another type than declared (the message names it).

    Examples
    --------
    >>> from specproof.groups import cyclic, irreps
    >>> psi = irreps(cyclic(5))[1]
    >>> psi.name, psi.dim, psi.type, psi.endomorphism_dim
    ('rot_1', 2, 'C', 2)
    >>> Irrep(cyclic(5), psi.matrices, name="rot_1", type="R")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.groups.errors.IrrepTypeError: rot_1 is declared type R (c = 1) but it is ...
    """

    def __init__(
        self,
        group: CayleyGroup,
        matrices: Any,
        name: str,
        type: str,
        check: str = "auto",
        atol: float | None = None,
    ) -> None:
        kind = as_choice(type, tuple(TYPES), "type", case_sensitive=True)
        deferred = _DEFERRED.get()
        super().__init__(group, matrices, name=name, check="none" if deferred else check,
                         atol=atol)
        if self.matrices.dtype.kind == "c":
            raise ArgumentTypeError(
                f"{self.name}: an Irrep is a real irrep (type R, C or H), got complex "
                f"matrices ({self.matrices.dtype})")
        self._type = kind
        c = TYPES[kind]
        if self.dim % c:
            raise IrrepTypeError(
                f"{self.name}: dimension {self.dim} is not a multiple of c = {c} (type {kind})"
            )
        check_precision(self)  # a coarse dtype is not a reducible irrep
        if deferred:
            return
        k, defect = irreducibility_defect(self)
        if k not in _TYPE_OF or defect > irreducibility_tolerance(self):
            raise NotIrreducibleError(
                f"{self.name} is reducible: its commutant End_G has dimension {k} and "
                + ("is not a division algebra (it contains a non-invertible element, e.g. "
                   f"a projection onto an invariant subspace; defect {defect:.2g})"
                   if k in _TYPE_OF else "an irrep's has dimension 1, 2 or 4")
            )
        if k != c:
            raise IrrepTypeError(
                f"{self.name} is declared type {kind} (c = {c}) but it is irreducible of "
                f"type {_TYPE_OF[k]}: dim End_G = {k}"
            )
        norm2 = character_inner(self, self, self.group)
        if not is_integral(norm2, integrality_tolerance(self)) or round(norm2) != c:
            err, pair = homomorphism_error(self.group, self.matrices, mode="generators")
            scale = float(np.max(np.abs(self.matrices)))
            if err > default_tolerance(self.matrices.dtype, self.dim, scale):
                raise NotAHomomorphismError(
                    f"{self.name} is not a homomorphism of {self.group.name} (pair (a, b) = "
                    f"{pair}, max error {err:.3e}); it was built with check={check!r}")
            raise IrrepTypeError(
                f"{self.name} is declared type {kind} but <chi, chi> = {norm2!r}, not c = {c}"
            )

    @property
    def type(self) -> str:
        """``"R"``, ``"C"`` or ``"H"``."""
        return self._type

    @property
    def endomorphism_dim(self) -> int:
        """``c = dim End_G(ψ)``: 1, 2 or 4."""
        return TYPES[self._type]

    def __repr__(self) -> str:
        return (f"Irrep({self.name}, group={self.group.name}, dim={self.dim}, "
                f"type={self.type})")


# set while a family builds its irreps table, which check_irreps then checks in full
_DEFERRED: ContextVar[bool] = ContextVar("specproof_irrep_checks_deferred", default=False)


@contextmanager
def deferred_irrep_checks() -> Iterator[None]:
    """Build :class:`Irrep` objects without their homomorphism and irreducibility checks,
    for a caller that passes the whole list to :func:`check_irreps` next (a family's table:
    each irrep of C1000 was checked twice, 19 s for the table)."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def one_dimensional(G: CayleyGroup, values: Any, name: str) -> Irrep:
    """The type-R irrep ``g ↦ [values[g]]`` (validated like every irrep).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> one_dimensional(cyclic(2), [1.0, -1.0], "alt").character().tolist()
    [1.0, -1.0]
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ArgumentError(f"values must be 1-D, got shape {v.shape}")
    return Irrep(G, v[:, None, None], name=name, type="R")


def rotations(theta: np.ndarray) -> np.ndarray:
    """Rotation matrices ``R(θ)`` for an array of angles, shape ``theta.shape + (2, 2)``.

    Examples
    --------
    >>> rotations(np.array([0.0])).tolist()
    [[[1.0, -0.0], [0.0, 1.0]]]
    """
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


__all__ = ["TYPES", "Irrep", "check_precision", "endomorphism_dimension"]
