"""Decomposition of a representation into real irreps, and character tables.

The multiplicity of a real irrep ψ in ρ is ``m_ψ = ⟨χ_ρ, χ_ψ⟩ / c_ψ``. The answer is
only as good as the irreps list: a user-supplied list passes
:func:`~specproof.groups.check_irreps` first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentTypeError, as_float
from specproof.groups.characters import character_inner, integrality_tolerance, is_integral
from specproof.groups.errors import NotIntegralError
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep
from specproof.groups.irrep_lists import as_irreps
from specproof.groups.irreps import irreps
from specproof.groups.representations import Representation


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


def decompose(
    rho: Representation,
    irreps_list: list[Irrep] | None = None,
    atol: float | None = None,
) -> dict[str, int]:
    """Multiplicity of every real irrep in ``rho``: ``m_ψ = ⟨χ_ρ, χ_ψ⟩ / c_ψ``.

    Parameters
    ----------
    rho : Representation
        A real representation.
    irreps_list : list of Irrep, optional
        The irreps to use (default :func:`~specproof.groups.irreps` of ``rho.group``);
        refused with :class:`~specproof.groups.InvalidIrrepsError` unless it is the
        complete list of real irreps of the group (:func:`~specproof.groups.check_irreps`).
    atol : float, optional
        Allowed distance of each multiplicity from an integer; default from the dtypes
        and dimensions (:func:`~specproof.groups.characters.integrality_tolerance`), so
        that float32 representations are judged by float32 precision.

    Returns
    -------
    dict
        ``{irrep name: multiplicity}`` for every irrep, zeros included, in table order.

    Raises
    ------
    NotIntegralError
        If a multiplicity is not an integer (all values are listed), or if
        ``Σ m_ψ d_ψ ≠ dim ρ``: ``rho`` is then not a representation of this group.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> decompose(dihedral(3).regular_representation())
    {'trivial': 1, 'flip': 1, 'rot_1': 2}
    """
    if not isinstance(rho, Representation):
        raise ArgumentTypeError(f"rho must be a Representation, got {type(rho).__name__}")
    if rho.matrices.dtype.kind == "c":
        # the multiplicities are over the real irreps: a complex representation's came out
        # as 0.5 and the error blamed the matrices ("not a representation")
        raise ArgumentTypeError(
            f"decompose takes a real representation (its multiplicities are over the real "
            f"irreps of {rho.group.name}); {rho.name} has complex matrices. Its "
            "realification, the real matrices [[Re ρ, -Im ρ], [Im ρ, Re ρ]] of twice the "
            "dimension, is a real representation that decompose takes")
    G = rho.group
    table: list[Any] = (irreps(G) if irreps_list is None
                        else as_irreps(G, irreps_list, "irreps_list"))
    chi = rho.character()
    raw = {p.name: character_inner(chi, p.character(), G) / p.endomorphism_dim for p in table}
    if atol is None:
        tols = {p.name: integrality_tolerance(rho, p) for p in table}
    else:
        tol = as_float(atol, "atol", minimum=0.0)
        tols = {p.name: tol for p in table}
    bad = {k: v for k, v in raw.items() if not is_integral(v, tols[k])}
    if bad:
        raise NotIntegralError(
            f"multiplicities of {rho.name} are not integers: {bad} (all values: {raw}; "
            f"tolerance {max(tols.values()):.3g}); {rho.name} is not a representation of "
            f"{G.name} with these matrices"
        )
    mult = {k: int(round(complex(v).real)) for k, v in raw.items()}
    total = sum(mult[p.name] * p.dim for p in table)
    if total != rho.dim:
        raise NotIntegralError(
            f"the multiplicities {mult} account for dimension {total}, but {rho.name} has "
            f"dimension {rho.dim}"
        )
    return mult


__all__ = ["character_table", "decompose"]
