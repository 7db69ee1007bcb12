"""Operations that shape a weight's spectrum: spectral normalization, ConvNorm, optimizers."""

from specproof.spectral.optimizers import (
    SGD,
    Adam,
    AdamW,
    Muon,
    NonFiniteUpdateError,
    Optimizer,
    OptimizerStateError,
    Pion,
    newton_schulz5,
    orthogonal_factor,
    skew_generators,
)

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Muon",
    "NonFiniteUpdateError",
    "Optimizer",
    "OptimizerStateError",
    "Pion",
    "newton_schulz5",
    "orthogonal_factor",
    "skew_generators",
]
