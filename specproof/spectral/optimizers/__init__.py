"""Optimizers over a dict of named numpy arrays: SGD, Adam, AdamW, Muon and Pion.

One interface: ``opt.step(params, grads)`` updates the arrays of ``params`` in place
(returns None; a rejected step changes nothing), the state lives inside the optimizer,
``state_dict()`` / ``load_state_dict()`` save and restore it.

Examples
--------
>>> import numpy as np
>>> from specproof.spectral.optimizers import Pion
>>> params = {"W": np.eye(2), "b": np.zeros(2)}
>>> opt = Pion(lr=1e-2)
>>> opt.step(params, {"W": np.array([[0.0, 1.0], [0.0, 0.0]]), "b": np.ones(2)})
>>> sorted(opt.state_dict()["state"])
['W', 'b']
"""

from specproof.spectral.optimizers.adam import Adam, AdamW, adam_update
from specproof.spectral.optimizers.base import (
    NonFiniteUpdateError,
    Optimizer,
    OptimizerStateError,
    RotationTooLargeError,
)
from specproof.spectral.optimizers.muon import NS_COEFFICIENTS, Muon, newton_schulz5
from specproof.spectral.optimizers.pion import MOMENTA, SIDES, Pion
from specproof.spectral.optimizers.sgd import SGD
from specproof.spectral.optimizers.skew import TRANSFORMS, orthogonal_factor, skew_generators

__all__ = [
    "MOMENTA",
    "NS_COEFFICIENTS",
    "SIDES",
    "SGD",
    "TRANSFORMS",
    "Adam",
    "AdamW",
    "Muon",
    "NonFiniteUpdateError",
    "Optimizer",
    "OptimizerStateError",
    "RotationTooLargeError",
    "Pion",
    "adam_update",
    "newton_schulz5",
    "orthogonal_factor",
    "skew_generators",
]
