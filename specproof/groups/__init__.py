"""Finite groups, actions, representations, equivariance, intertwiners, group Fourier.

Examples
--------
>>> from specproof.groups import dihedral, irreps, decompose
>>> G = dihedral(4)
>>> decompose(G.regular_representation())["rot_1"]
2
"""

from specproof.groups.actions import (
    Action,
    ActionCheck,
    Conjugation,
    FeatureMapAction,
    GridAction,
    LeftMultiplication,
    PermutationAction,
    SignalAction,
    verify_action,
)
from specproof.groups.axioms import AxiomCheck, GroupAxiomError, check_group_axioms
from specproof.groups.characters import (
    INTEGRALITY_TOL,
    NotIntegralError,
    character_inner,
    character_table,
    decompose,
    hom_dimension,
)
from specproof.groups.constructions import (
    direct_sum,
    permutation_representation,
    regular_representation,
    right_regular_representation,
    sign,
    tensor,
    trivial,
)
from specproof.groups.equivariance import (
    EquivarianceReport,
    check_equivariance,
)
from specproof.groups.finite import FiniteGroup
from specproof.groups.fourier import (
    BlockDiagonalization,
    IsotypicBasis,
    SpectralNorm,
    block_diagonalize,
    equivariant_matrix,
    fourier_blocks,
    group_fourier_transform,
    inverse_group_fourier_transform,
    isotypic_basis,
    spectral_norm_equivariant,
)
from specproof.groups.intertwiners import intertwiner_residual, intertwiners, subspace_gap
from specproof.groups.irreps import TYPES, Irrep, endomorphism_dimension, irrep, irreps
from specproof.groups.layers import (
    EquivariantLinear,
    GroupConv,
    GroupGridAction,
    LiftingConv,
    correlate2d,
)
from specproof.groups.named import (
    cyclic,
    dihedral,
    direct_product,
    klein_four,
    quaternion,
    quaternion_units,
    symmetric,
)
from specproof.groups.representations import (
    NotAHomomorphismError,
    Representation,
    default_tolerance,
    homomorphism_error,
)

__all__ = [
    "Action",
    "ActionCheck",
    "Conjugation",
    "FeatureMapAction",
    "GridAction",
    "LeftMultiplication",
    "PermutationAction",
    "SignalAction",
    "verify_action",
    "INTEGRALITY_TOL",
    "TYPES",
    "Irrep",
    "NotIntegralError",
    "character_inner",
    "character_table",
    "decompose",
    "endomorphism_dimension",
    "hom_dimension",
    "irrep",
    "irreps",
    "AxiomCheck",
    "FiniteGroup",
    "GroupAxiomError",
    "NotAHomomorphismError",
    "Representation",
    "check_group_axioms",
    "cyclic",
    "default_tolerance",
    "dihedral",
    "direct_product",
    "direct_sum",
    "homomorphism_error",
    "klein_four",
    "quaternion",
    "quaternion_units",
    "permutation_representation",
    "regular_representation",
    "right_regular_representation",
    "sign",
    "symmetric",
    "tensor",
    "trivial",
    "EquivarianceReport",
    "check_equivariance",
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
    "intertwiner_residual",
    "intertwiners",
    "subspace_gap",
    "EquivariantLinear",
    "GroupConv",
    "GroupGridAction",
    "LiftingConv",
    "correlate2d",
]
