"""Finite groups and their families, actions, representations, real irreps, equivariance,
intertwiners, the group Fourier transform and equivariant layers.

Modules stack without circles (each imports only those below it)::

    errors, permutations < axioms < cayley < family < representations < characters
    < irrep < irrep_lists < constructions < finite < families/* < irreps < decomposition
    < actions < action_check, equivariance, intertwiners, fourier
    < isotypic, equivariant_layers

Examples
--------
>>> from specproof.groups import dihedral, irreps, decompose
>>> G = dihedral(4)
>>> decompose(G.regular_representation())["rot_1"]
2
"""

from specproof.groups.action_check import ActionCheck, verify_action
from specproof.groups.actions import (
    Action,
    Conjugation,
    FeatureMapAction,
    GridAction,
    LeftMultiplication,
    PermutationAction,
    SignalAction,
)
from specproof.groups.axioms import AxiomCheck, check_group_axioms
from specproof.groups.characters import character_inner, hom_dimension
from specproof.groups.constructions import (
    direct_sum,
    permutation_representation,
    regular_representation,
    right_regular_representation,
    sign,
    tensor,
    trivial,
)
from specproof.groups.decomposition import character_table, decompose
from specproof.groups.equivariance import EquivarianceReport, check_equivariance
from specproof.groups.equivariant_layers import (
    EquivariantLinear,
    GroupConv,
    GroupGridAction,
    LiftingConv,
    correlate2d,
)
from specproof.groups.errors import (
    GroupAxiomError,
    InvalidIrrepsError,
    IrrepTypeError,
    NoIrrepsTableError,
    NotAHomomorphismError,
    NotIntegralError,
    NotIrreducibleError,
)
from specproof.groups.families import group_families, group_family
from specproof.groups.families.cyclic import cyclic
from specproof.groups.families.dihedral import dihedral
from specproof.groups.families.klein import klein_four
from specproof.groups.families.product import direct_product
from specproof.groups.families.quaternion import quaternion, quaternion_units
from specproof.groups.families.symmetric import symmetric
from specproof.groups.family import Family
from specproof.groups.finite import FiniteGroup
from specproof.groups.fourier import (
    SpectralNorm,
    equivariant_matrix,
    fourier_blocks,
    group_fourier_transform,
    inverse_group_fourier_transform,
    spectral_norm_equivariant,
)
from specproof.groups.intertwiners import (
    intertwiner_residual,
    intertwiners,
    nullspace_basis,
    subspace_gap,
)
from specproof.groups.irrep import TYPES, Irrep, endomorphism_dimension
from specproof.groups.irrep_lists import IrrepsCheck, check_irreps
from specproof.groups.irreps import irrep, irreps
from specproof.groups.isotypic import (
    BlockDiagonalization,
    IsotypicBasis,
    block_diagonalize,
    isotypic_basis,
)
from specproof.groups.representations import Representation, homomorphism_error

__all__ = [
    # groups and families
    "Family",
    "FiniteGroup",
    "AxiomCheck",
    "check_group_axioms",
    "cyclic",
    "dihedral",
    "direct_product",
    "group_families",
    "group_family",
    "klein_four",
    "quaternion",
    "quaternion_units",
    "symmetric",
    # actions
    "Action",
    "ActionCheck",
    "Conjugation",
    "FeatureMapAction",
    "GridAction",
    "LeftMultiplication",
    "PermutationAction",
    "SignalAction",
    "verify_action",
    # representations, irreps, characters
    "Representation",
    "homomorphism_error",
    "direct_sum",
    "permutation_representation",
    "regular_representation",
    "right_regular_representation",
    "sign",
    "tensor",
    "trivial",
    "TYPES",
    "Irrep",
    "IrrepsCheck",
    "check_irreps",
    "endomorphism_dimension",
    "irrep",
    "irreps",
    "character_inner",
    "character_table",
    "decompose",
    "hom_dimension",
    # equivariance, intertwiners, Fourier, layers
    "EquivarianceReport",
    "check_equivariance",
    "intertwiner_residual",
    "intertwiners",
    "nullspace_basis",
    "subspace_gap",
    "BlockDiagonalization",
    "IsotypicBasis",
    "SpectralNorm",
    "block_diagonalize",
    "equivariant_matrix",
    "fourier_blocks",
    "group_fourier_transform",
    "inverse_group_fourier_transform",
    "isotypic_basis",
    "spectral_norm_equivariant",
    "EquivariantLinear",
    "GroupConv",
    "GroupGridAction",
    "LiftingConv",
    "correlate2d",
    # errors
    "GroupAxiomError",
    "InvalidIrrepsError",
    "IrrepTypeError",
    "NoIrrepsTableError",
    "NotAHomomorphismError",
    "NotIntegralError",
    "NotIrreducibleError",
]
