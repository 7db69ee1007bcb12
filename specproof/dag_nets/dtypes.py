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


def cast_finite(arr: np.ndarray, dtype: np.dtype, name: str,
                error: type[Exception] = ArgumentError) -> np.ndarray:
    """``arr`` in ``dtype``, refusing an entry that the cast made infinite.

    ``arr`` holds finite numbers (the ``as_*`` validators check that in float64), but a
    float64 beyond float32's range becomes ``inf`` when cast: numpy only warns, and the
    ``inf`` would travel into the results. Raises ``error`` naming ``name``, the index
    and the range of ``dtype``.

    Examples
    --------
    >>> cast_finite(np.array([1.0, 1e39]), np.dtype("float32"), "X")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: X[1] = 1e+39 is outside the range of float32 ...
    """
    with np.errstate(over="ignore", invalid="ignore"):  # refused below, not warned
        out = arr.astype(dtype, copy=False)
    if out.dtype.kind == "f" and out is not arr:
        bad = ~np.isfinite(out)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            where = f"[{', '.join(map(str, idx))}]"
            raise error(
                f"{name}{where} = {float(arr[idx])!r} is outside the range of "
                f"{out.dtype.name} (|x| <= {float(np.finfo(out.dtype).max):.8g}); rescale it, "
                "or compile the network with dtype=np.float64"
            )
    return out
