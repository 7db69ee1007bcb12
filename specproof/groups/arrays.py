"""Reading a user's array argument: any array-like as a numeric numpy array, or a named error."""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentTypeError


def numeric_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``, refused with ``ArgumentTypeError`` naming ``name`` unless its dtype
    is boolean, integer, floating or complex.

    Examples
    --------
    >>> numeric_array([1, 2], "w").dtype.kind
    'i'
    >>> numeric_array(["a"], "w")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: w must be numeric, got dtype <U1
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ArgumentTypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise ArgumentTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


__all__ = ["numeric_array"]
