"""The dtypes the spectral package computes in: float32 stays float32, the rest float64.

One rule for the optimizers, spectral normalisation and ConvNorm: a float32 input is
computed, stored (state vectors, running averages) and returned in float32; float64 and
every other real input in float64. Two arrays of different float dtypes that meet in
one computation are an error naming both, never a silent cast.

Examples
--------
>>> import numpy as np
>>> working_dtype(np.float32), working_dtype(np.float16), working_dtype(np.int64)
(dtype('float32'), dtype('float64'), dtype('float64'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentTypeError, as_array, tensor_to_numpy

NATIVE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def working_dtype(dtype: Any) -> np.dtype:
    """The dtype an input of ``dtype`` is computed in: float32 or float64.

    Examples
    --------
    >>> working_dtype("float64")
    dtype('float64')
    """
    dt = np.dtype(dtype)
    return dt if dt in NATIVE_DTYPES else np.dtype(np.float64)


def mixed_dtype_error(
    name: str, dtype: Any, other: str, other_dtype: Any, rule: str
) -> ArgumentTypeError:
    """The error for two float dtypes that meet: both named, and the rule that applies.

    Examples
    --------
    >>> print(mixed_dtype_error("x", "float64", "kernel", "float32",
    ...                         "the layer runs in the kernel's dtype"))
    x is float64 but kernel is float32: the layer runs in the kernel's dtype; convert one of them
    """
    return ArgumentTypeError(
        f"{name} is {np.dtype(dtype)} but {other} is {np.dtype(other_dtype)}: {rule}; "
        "convert one of them"
    )


def _float_dtype_of(x: Any) -> np.dtype | None:
    dt = getattr(x, "dtype", None)
    if isinstance(x, np.ndarray) and np.issubdtype(dt, np.floating):
        return np.dtype(dt)
    return None


def as_native_array(
    x: Any,
    name: str,
    ndim: int | None = None,
    like: Any = None,
    like_name: str = "",
    rule: str = "",
) -> np.ndarray:
    """``x`` as a finite array in its working dtype, or in ``like``'s dtype.

    A torch tensor is read through ``detach().cpu()``. Without ``like``, a float32 array
    stays float32 (not copied) and everything else becomes float64. With ``like`` (a
    dtype), a floating array of another dtype is an error (:func:`mixed_dtype_error`
    with ``like_name`` and ``rule``); lists and integer arrays take ``like``'s dtype.

    Examples
    --------
    >>> as_native_array(np.ones(2, dtype=np.float32), "x").dtype
    dtype('float32')
    >>> as_native_array([1, 2], "x", like=np.float32).dtype
    dtype('float32')
    >>> as_native_array(np.ones(2), "x", like=np.float32, like_name="kernel",
    ...                 rule="the layer runs in the kernel's dtype")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: x is float64 but kernel is float32: the layer \
runs in the kernel's dtype; convert one of them
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        x = tensor_to_numpy(x, name)
    src = _float_dtype_of(x)
    if like is not None:
        target = np.dtype(like)
        if src is not None and src != target:
            raise mixed_dtype_error(name, src, like_name, target, rule)
    else:
        target = working_dtype(src if src is not None else np.float64)
    arr = as_array(x, name, ndim=ndim)  # validates shape and finiteness (in float64)
    if src is not None and src == target:
        return np.asarray(x)  # a plain array (np.matrix is a view of one, not a copy)
    return arr.astype(target, copy=False)


__all__ = ["NATIVE_DTYPES", "as_native_array", "mixed_dtype_error", "working_dtype"]
