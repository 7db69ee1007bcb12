"""The hyperparameters as plain values: checking a ``betas`` pair, and telling whether a
stored hyperparameter equals its default (for the optimizer's display)."""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError


def beta_pair(betas: Any, name: str = "betas") -> tuple[float, float]:
    """Two floats in [0, 1), the EMA rates of the first and second moment."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ArgumentError(f"{name} must be a pair (beta1, beta2), got {betas!r}")
    out = []
    for i, b in enumerate(betas):
        if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)):
            raise ArgumentTypeError(f"{name}[{i}] must be a real number, got {b!r}")
        if not 0.0 <= float(b) < 1.0:
            raise ArgumentError(f"{name}[{i}] must be in [0, 1), got {b}")
        out.append(float(b))
    return out[0], out[1]


def _same(default: Any, value: Any) -> bool:
    """Whether a stored hyperparameter equals its default (tuples stored as lists too)."""
    if isinstance(default, tuple | list) and isinstance(value, tuple | list):
        return list(default) == list(value)
    if default is None:
        return value is None or value == []
    try:
        return bool(default == value)
    except Exception:  # arrays and other values without a plain ==
        return False
