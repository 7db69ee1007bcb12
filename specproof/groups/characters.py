"""Characters: the inner product and the dimension of Hom spaces, with integrality
tolerances derived from the dtype.

For real representations, ``⟨χ₁, χ₂⟩ = (1/|G|) Σ_g χ₁(g) χ₂(g⁻¹)`` equals
``dim Hom_G(ρ₁, ρ₂)``; for a real irrep ψ, ``⟨χ_ψ, χ_ψ⟩ = c_ψ`` (1, 2 or 4), so the
multiplicity of ψ in ρ is ``⟨χ_ρ, χ_ψ⟩ / c_ψ`` (:func:`~specproof.groups.decompose`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    as_float,
    first_nonfinite,
)
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.errors import NotIntegralError
from specproof.groups.representations import Representation

# Beyond this the dtype cannot separate an integer from its neighbours with any margin.
_MAX_INTEGRALITY_TOL = 0.05


def _character(x: Any, G: CayleyGroup, what: str) -> np.ndarray:
    if isinstance(x, Representation):
        if x.group is not G and x.group != G:
            raise ArgumentError(
                f"{what} is a representation of {x.group.name}, not of {G.name}")
        return x.character()
    arr = np.asarray(x)
    if arr.shape != (G.order,):
        raise ArgumentError(
            f"{what} must be a character of shape (|G|,) = ({G.order},), got shape {arr.shape}"
        )
    if arr.dtype.kind not in "biufc":
        raise ArgumentTypeError(f"{what} must be numeric, got dtype {arr.dtype}")
    first_nonfinite(arr, what)
    return arr


def character_inner(chi1: Any, chi2: Any, G: CayleyGroup) -> float | complex:
    """``⟨χ₁, χ₂⟩ = (1/|G|) Σ_g χ₁(g) χ₂(g⁻¹)``.

    Parameters
    ----------
    chi1, chi2 : array_like of shape (|G|,) or Representation
        Characters (a representation stands for its character).
    G : FiniteGroup
        The group.

    Returns
    -------
    float (complex if a character is complex)

    Examples
    --------
    >>> from specproof.groups import cyclic, irrep
    >>> G = cyclic(5)
    >>> chi = irrep(G, "rot_1").character()
    >>> round(character_inner(chi, chi, G), 12)
    2.0
    """
    G = as_group(G)
    a = _character(chi1, G, "chi1")
    b = _character(chi2, G, "chi2")
    val = np.mean(a * b[G.inverses])
    return complex(val) if np.iscomplexobj(val) else float(val)


def _precision(r: Representation) -> tuple[float, int, float]:
    """``(eps of the dtype, max(1, dim), max(1, max|entry|))``."""
    m = r.matrices
    kind = m.dtype if m.dtype.kind in "fc" else np.dtype(np.float64)
    return float(np.finfo(kind).eps), max(1, r.dim), max(1.0, r.entry_scale)


def integrality_tolerance(*reps: Representation) -> float:
    """How far ``⟨χ₁, χ₂⟩`` may sit from an integer through rounding alone.

    A character value of a ``d``-dimensional representation with entries of size ``s`` is
    a sum of ``d`` rounded entries (error about ``d · s · eps``), and ``|χ| <= d · s``; so a
    product of two characters is off by about ``2 d₁ d₂ s₁ s₂ eps``. We allow 32 times
    that, ``eps`` being the coarsest dtype involved: ~1e-13 for small float64
    representations, ~4e-4 for a 34-dimensional float32 one (D32's irreps summed).

    Raises :class:`~specproof.ComputationError` when the tolerance would exceed 0.05: the
    dtype cannot then tell an integer from a neighbour.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> integrality_tolerance(dihedral(4).regular_representation()) < 1e-12
    True
    """
    eps, dims, scale = 0.0, 1.0, 1.0
    for r in reps:
        r_eps, r_dim, r_scale = _precision(r)
        eps = max(eps, r_eps)
        dims *= r_dim
        scale *= r_scale
    if len(reps) == 1:
        dims, scale = dims * dims, scale * scale
    tol = 64.0 * eps * dims * scale
    if tol > _MAX_INTEGRALITY_TOL:
        dtypes = ", ".join(str(r.matrices.dtype) for r in reps)
        raise ComputationError(
            f"the precision of the representations ({dtypes}, dimensions "
            f"{[r.dim for r in reps]}) cannot resolve integer multiplicities: rounding alone "
            f"could move them by {tol:.3g}"
        )
    return tol


def is_integral(value: float | complex, atol: float) -> bool:
    """Whether ``value`` is within ``atol`` of an integer (and of the real line).

    Examples
    --------
    >>> is_integral(2.0 + 1e-12, 1e-9), is_integral(0.5, 1e-9)
    (True, False)
    """
    z = complex(value)
    return abs(z.imag) <= atol and abs(z.real - round(z.real)) <= atol


def hom_dimension(rho1: Representation, rho2: Representation,
                  atol: float | None = None) -> int:
    """``dim Hom_G(ρ₁, ρ₂) = ⟨χ₁, χ₂⟩`` for real representations.

    Parameters
    ----------
    rho1, rho2 : Representation
        Representations of the same group.
    atol : float, optional
        Allowed distance from an integer; default :func:`integrality_tolerance` (from the
        dtypes and dimensions).

    Raises :class:`NotIntegralError` if the inner product is not an integer.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> rho = dihedral(4).regular_representation()
    >>> hom_dimension(rho, rho)
    8
    """
    for what, r in (("rho1", rho1), ("rho2", rho2)):
        if not isinstance(r, Representation):
            raise ArgumentTypeError(f"{what} must be a Representation, got {type(r).__name__}")
    if rho1.group is not rho2.group and rho1.group != rho2.group:
        raise ArgumentError(
            f"rho1 is a representation of {rho1.group.name}, rho2 of {rho2.group.name}"
        )
    tol = (integrality_tolerance(rho1, rho2) if atol is None
           else as_float(atol, "atol", minimum=0.0))
    val = character_inner(rho1, rho2, rho1.group)
    if not is_integral(val, tol):
        raise NotIntegralError(
            f"<chi_{rho1.name}, chi_{rho2.name}> = {val!r} is not an integer (tolerance "
            f"{tol:.3g})"
        )
    return int(round(complex(val).real))


__all__ = ["character_inner", "hom_dimension", "integrality_tolerance"]
