"""Characters: the inner product, decomposition into real irreps, dimensions of Hom spaces.

For real representations, ``⟨χ₁, χ₂⟩ = (1/|G|) Σ_g χ₁(g) χ₂(g⁻¹)`` equals
``dim Hom_G(ρ₁, ρ₂)``; for a real irrep ψ, ``⟨χ_ψ, χ_ψ⟩ = c_ψ`` (1, 2 or 4), so the
multiplicity of ψ in ρ is ``⟨χ_ρ, χ_ψ⟩ / c_ψ``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof.groups.finite import FiniteGroup
from specproof.groups.irreps import Irrep, irreps
from specproof.groups.representations import Representation

# Multiplicities and Hom dimensions are integers; a computed value farther than this from
# the nearest integer means the irreps table (or the representation) is wrong.
INTEGRALITY_TOL = 1e-8


class NotIntegralError(ValueError):
    """A multiplicity or Hom dimension computed from characters is not an integer."""


def _character(x: Any, G: FiniteGroup, what: str) -> np.ndarray:
    if isinstance(x, Representation):
        if x.group is not G and x.group != G:
            raise ValueError(f"{what} is a representation of {x.group.name}, not of {G.name}")
        return x.character()
    arr = np.asarray(x)
    if arr.shape != (G.order,):
        raise ValueError(
            f"{what} must be a character of shape (|G|,) = ({G.order},), got shape {arr.shape}"
        )
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{what} must be numeric, got dtype {arr.dtype}")
    return arr


def character_inner(chi1: Any, chi2: Any, G: FiniteGroup) -> float | complex:
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
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    a = _character(chi1, G, "chi1")
    b = _character(chi2, G, "chi2")
    val = np.mean(a * b[G.inverses])
    return complex(val) if np.iscomplexobj(val) else float(val)


def character_table(G: FiniteGroup) -> np.ndarray:
    """Characters of the real irreps of ``G``, shape (number of irreps, |G|), rows in the
    order of :func:`~specproof.groups.irreps`.

    Examples
    --------
    >>> from specproof.groups import klein_four
    >>> character_table(klein_four()).astype(int).tolist()
    [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
    """
    return np.stack([p.character() for p in irreps(G)])


def _is_integral(value: float | complex, atol: float) -> bool:
    z = complex(value)
    return abs(z.imag) <= atol and abs(z.real - round(z.real)) <= atol


def _round_integral(value: float | complex, what: str, atol: float) -> int:
    if not _is_integral(value, atol):
        raise NotIntegralError(f"{what} = {value!r} is not an integer (tolerance {atol:g})")
    return int(round(complex(value).real))


def decompose(
    rho: Representation,
    irreps_list: list[Irrep] | None = None,
    atol: float = INTEGRALITY_TOL,
) -> dict[str, int]:
    """Multiplicity of every real irrep in ``rho``: ``m_ψ = ⟨χ_ρ, χ_ψ⟩ / c_ψ``.

    Parameters
    ----------
    rho : Representation
        A real representation.
    irreps_list : list of Irrep, optional
        The irreps to use (default :func:`~specproof.groups.irreps` of ``rho.group``).
    atol : float
        Allowed distance of each multiplicity from an integer.

    Returns
    -------
    dict
        ``{irrep name: multiplicity}`` for every irrep, zeros included, in table order.

    Raises
    ------
    NotIntegralError
        If a multiplicity is not an integer (all values are listed), or if
        ``Σ m_ψ d_ψ ≠ dim ρ`` (the irreps list is incomplete).

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> decompose(dihedral(3).regular_representation())
    {'trivial': 1, 'flip': 1, 'rot_1': 2}
    """
    if not isinstance(rho, Representation):
        raise TypeError(f"rho must be a Representation, got {type(rho).__name__}")
    G = rho.group
    table = irreps(G) if irreps_list is None else list(irreps_list)
    chi = rho.character()
    raw = {p.name: character_inner(chi, p.character(), G) / p.endomorphism_dim for p in table}
    bad = {k: v for k, v in raw.items() if not _is_integral(v, atol)}
    if bad:
        raise NotIntegralError(
            f"multiplicities of {rho.name} are not integers: {bad} (all values: {raw}); "
            "the irreps table or their types are wrong"
        )
    mult = {k: int(round(complex(v).real)) for k, v in raw.items()}
    total = sum(mult[p.name] * p.dim for p in table)
    if total != rho.dim:
        raise NotIntegralError(
            f"the multiplicities {mult} account for dimension {total}, but {rho.name} has "
            f"dimension {rho.dim}: the irreps list is incomplete"
        )
    return mult


def hom_dimension(rho1: Representation, rho2: Representation,
                  atol: float = INTEGRALITY_TOL) -> int:
    """``dim Hom_G(ρ₁, ρ₂) = ⟨χ₁, χ₂⟩`` for real representations.

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
            raise TypeError(f"{what} must be a Representation, got {type(r).__name__}")
    if rho1.group is not rho2.group and rho1.group != rho2.group:
        raise ValueError(
            f"rho1 is a representation of {rho1.group.name}, rho2 of {rho2.group.name}"
        )
    val = character_inner(rho1, rho2, rho1.group)
    return _round_integral(val, f"<chi_{rho1.name}, chi_{rho2.name}>", atol)


__all__ = [
    "INTEGRALITY_TOL",
    "NotIntegralError",
    "character_inner",
    "character_table",
    "decompose",
    "hom_dimension",
]
