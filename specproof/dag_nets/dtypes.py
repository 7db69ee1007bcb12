"""The floating dtypes a compiled network computes in."""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError

DTYPES = ("float64", "float32")


def as_dtype(dtype: Any) -> np.dtype:
    """``numpy.float64`` or ``numpy.float32`` (the dtypes a network computes in).

    Examples
    --------
    >>> as_dtype("float32")
    dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ArgumentTypeError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}") from exc
    if dt.name not in DTYPES:
        raise ArgumentError(f"dtype must be one of {list(DTYPES)}, got {dt.name}")
    return dt
