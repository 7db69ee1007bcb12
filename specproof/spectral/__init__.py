"""Operations that shape a weight's spectrum: spectral normalization, ConvNorm, optimizers."""

from specproof.spectral.convnorm import (
    ConvNormOperator,
    ConvNormReport,
    convnorm_filter,
    convnorm_operator,
    convnorm_report,
)
from specproof.spectral.convnorm_layer import ConvNorm, cosine_rampdown, depthwise_affine
from specproof.spectral.kernel_normalization import (
    BSNPowerIteration,
    bsn_normalize,
    bsn_sigmas,
    conv_operator_normalize,
)
from specproof.spectral.normalization import (
    PowerIterationSN,
    exact_sigma,
    power_iteration,
    spectral_normalize,
    weight_to_matrix,
)
from specproof.spectral.optimizers import (
    SGD,
    Adam,
    AdamW,
    Muon,
    NonFiniteUpdateError,
    Optimizer,
    OptimizerStateError,
    Pion,
    RotationTooLargeError,
    newton_schulz5,
    orthogonal_factor,
    skew_generators,
)

__all__ = [
    # spectral normalisation
    "BSNPowerIteration",
    "PowerIterationSN",
    "bsn_normalize",
    "bsn_sigmas",
    "conv_operator_normalize",
    "exact_sigma",
    "power_iteration",
    "spectral_normalize",
    "weight_to_matrix",
    # ConvNorm
    "ConvNorm",
    "ConvNormOperator",
    "ConvNormReport",
    "convnorm_filter",
    "convnorm_operator",
    "convnorm_report",
    "cosine_rampdown",
    "depthwise_affine",
    # optimizers
    "SGD",
    "Adam",
    "AdamW",
    "Muon",
    "NonFiniteUpdateError",
    "Optimizer",
    "OptimizerStateError",
    "RotationTooLargeError",
    "Pion",
    "newton_schulz5",
    "orthogonal_factor",
    "skew_generators",
]
