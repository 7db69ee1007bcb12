"""Input conversions shared by every subpackage.

Each function turns a user's argument into the form the code needs, or raises an error
that names the argument and what was expected. They are *conversions*; the word
"check" is kept for what verifies a proof or a property.

Examples
--------
>>> as_matrix([[1, 2], [3, 4]]).dtype
dtype('float64')
>>> as_choice("clarabell", ("clarabel", "scs"), "solver")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specproof._core.errors.ArgumentError: solver must be ... (did you mean 'clarabel'?)
"""

from __future__ import annotations

import decimal
import difflib
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from specproof._core.errors import ArgumentError, ArgumentTypeError


def tensor_to_numpy(t: Any, name: str = "tensor") -> np.ndarray:
    """A torch tensor as a numpy array (detached, on the CPU); bfloat16, which numpy has no
    dtype for ("Got unsupported ScalarType BFloat16"), comes as float64. A tensor without
    values here (on the meta device) or not strided (sparse) is an error naming ``name``.

    Examples
    --------
    >>> import importlib.util
    >>> if importlib.util.find_spec("torch") is not None:
    ...     import torch
    ...     assert tensor_to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float64
    """
    device = getattr(getattr(t, "device", None), "type", None)
    if device == "meta":
        raise ArgumentTypeError(
            f"{name} is a tensor on the meta device, which has a shape but no values")
    layout = str(getattr(t, "layout", "torch.strided"))
    if layout != "torch.strided":
        raise ArgumentTypeError(f"{name} is a {layout} tensor; pass {name}.to_dense()")
    t = t.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":
        t = t.double()
    return t.numpy()


def _as_numeric_array(x: Any, name: str, what: str) -> np.ndarray:
    if isinstance(x, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be a numeric {what}, got {type(x).__name__}")
    if isinstance(x, np.ma.MaskedArray):
        # np.asarray reads the masked entries as numbers: a mask would be silently ignored
        raise ArgumentTypeError(
            f"{name} is a numpy masked array, whose masked entries would be read as numbers; "
            f"pass {name}.filled(value) or the unmasked entries instead")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ArgumentTypeError(f"{name} must be a numeric {what}: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ArgumentTypeError(f"{name} must be a numeric {what}, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ArgumentTypeError(f"{name} must be real, got dtype {arr.dtype}")
    return arr


def first_nonfinite(arr: np.ndarray, name: str) -> None:
    """Raise naming the first NaN or infinite entry of ``arr`` (its index), if any.

    Examples
    --------
    >>> first_nonfinite(np.array([1.0, np.inf]), "x")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: x has a non-finite entry inf at index (1,)
    """
    if arr.dtype.kind in "fc":
        # a finite sum proves every entry finite in one pass without temporaries (two
        # boolean arrays of the input's size otherwise); an overflowing sum, or one of
        # inf and -inf, is checked entry by entry below
        with np.errstate(all="ignore"):
            if np.isfinite(np.sum(arr)):
                return
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ArgumentError(f"{name} has a non-finite entry {arr[idx]} at index {idx}")


def as_array(
    x: Any, name: str = "x", ndim: int | None = None, allow_empty: bool = False
) -> np.ndarray:
    """Return ``x`` as a finite float64 array (of ``ndim`` dimensions, if given).

    Examples
    --------
    >>> as_array([1, 2], ndim=1)
    array([1., 2.])
    """
    what = f"{ndim}-D array" if ndim is not None else "array"
    arr = _as_numeric_array(x, name, what)
    if ndim is not None and arr.ndim != ndim:
        raise ArgumentError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ArgumentError(f"{name} must be non-empty, got shape {arr.shape}")
    arr = _to_float64(arr, name)
    first_nonfinite(arr, name)
    return arr


def as_matrix(X: Any, name: str = "X", allow_empty: bool = False) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array or raise a clear error.

    Parameters
    ----------
    X : array_like
        The matrix.
    name : str
        Argument name used in error messages.
    allow_empty : bool
        Whether a matrix with zero rows or columns is acceptable.

    Raises
    ------
    ArgumentTypeError
        If ``X`` is not real and numeric.
    ArgumentError
        If ``X`` is not 2-D, is empty, or has a NaN / infinite entry (its index is named).

    Examples
    --------
    >>> as_matrix([[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: X has a non-finite entry nan at index (0, 1)
    """
    arr = _as_numeric_array(X, name, "2-D array")
    if arr.ndim != 2:
        raise ArgumentError(
            f"{name} must be a 2-D array (n rows x d columns), got shape {arr.shape}"
        )
    if not allow_empty and arr.size == 0:
        raise ArgumentError(f"{name} must be non-empty, got shape {arr.shape}")
    arr = _to_float64(arr, name)
    first_nonfinite(arr, name)
    return arr


def _to_float64(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` in float64, refusing extended-precision values the cast would change in kind.

    Every bound computed from float64 data allows for a *relative* rounding of the data
    (2^-53), which is what the cast does to a value of normal float64 size. It refuses:

    * an entry that overflows (1e5000 became inf);
    * an inexact entry below the smallest normal float64 (2^-1022): there the cast
      rounds by an *absolute* amount up to 2^-1075, a third of 1.5 * 2^-1074 (which became
      2^-1073), so a "lower bound" came out above the true norm. 2^-13000 became 0, a
      certified bound of 0 for a nonzero matrix. Tiny entries float64 holds exactly
      (subnormal multiples of 2^-1074) are kept: nothing is rounded.
    """
    with np.errstate(over="ignore", under="ignore"):  # named below (or inf was given)
        out = arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        tiny = np.asarray(np.finfo(np.float64).tiny, dtype=arr.dtype)  # 2^-1022
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            overflow = ~np.isfinite(out) & np.isfinite(arr)
            # compared in the wide type: out converts back exactly
            rounded_tiny = (np.abs(arr) < tiny) & (out.astype(arr.dtype) != arr)
        for lost, why in ((overflow, ""), (rounded_tiny, (
                ": it lies below the smallest normal float64 2^-1022, where float64 "
                "rounds by an absolute amount (up to 2^-1075) that the bounds' relative "
                "slack does not cover"))):
            if lost.any():
                idx = tuple(int(i) for i in np.argwhere(lost)[0])
                raise ArgumentError(
                    f"{name} has the entry {arr[idx]!r} at index {idx}, which float64 "
                    f"cannot hold (it would become {out[idx]!r}){why}; the bounds are "
                    f"computed in float64: scale {name} by a power of two first (e.g. "
                    f"np.ldexp({name}, k)) and the results back by 2^-k")
    return out


def as_vector(v: Any, d: int | None = None, name: str = "v") -> np.ndarray:
    """Return ``v`` as a finite 1-D float64 array (of length ``d``, if given).

    Examples
    --------
    >>> as_vector([1, 0], 2)
    array([1., 0.])
    """
    arr = _as_numeric_array(v, name, "1-D array")
    if arr.ndim != 1 or (d is not None and arr.shape[0] != d):
        want = f" of length {d}" if d is not None else ""
        raise ArgumentError(f"{name} must be a 1-D array{want}, got shape {arr.shape}")
    arr = _to_float64(arr, name)
    first_nonfinite(arr, name)
    return arr


def real_scalar(value: Any) -> float | None:
    """``value`` as a float when it is one real number, else None.

    Real numbers are those Python calls real (int, float, Fraction, numpy scalars, sympy
    numbers), ``Decimal``, and 0-d arrays or tensors holding one; bools, text, complex
    numbers and None are not (``slope=True`` is a mistake, not the slope 1).

    Examples
    --------
    >>> from fractions import Fraction
    >>> real_scalar(Fraction(1, 4)), real_scalar(np.array(2.0)), real_scalar(True)
    (0.25, 2.0, None)
    """
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return None
    if isinstance(value, numbers.Real) or isinstance(value, decimal.Decimal):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = tensor_to_numpy(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    return None


def as_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int within ``[minimum, maximum]`` (bools refused).

    Examples
    --------
    >>> as_int(3, "restarts", minimum=1)
    3
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ArgumentError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ArgumentError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def as_flag(value: Any, name: str, meaning: str = "") -> bool:
    """Return ``value`` as a bool, refusing anything else (``"no"`` is truthy in Python).

    ``meaning`` says what True and False do, for the message.

    Examples
    --------
    >>> as_flag(np.True_, "training")
    True
    >>> as_flag("no", "training", "True: iterate; False: use the stored vectors")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: training must be a bool (True: iterate; \
False: use the stored vectors), got 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"{name} must be a bool{f' ({meaning})' if meaning else ''}, got {value!r}")
    return bool(value)


def as_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` (default 1) or raise.

    Examples
    --------
    >>> as_positive_int(0, "width")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: width must be >= 1, got 0
    """
    return as_int(value, name, minimum=minimum)


def as_float(
    value: Any,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite float within the given bounds.

    Examples
    --------
    >>> as_float(0.5, "lr", minimum=0.0, strict_minimum=True)
    0.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ArgumentError(f"{name} must be finite, got {x}")
    if minimum is not None and (x <= minimum if strict_minimum else x < minimum):
        rel = ">" if strict_minimum else ">="
        raise ArgumentError(f"{name} must be {rel} {minimum}, got {x}")
    if maximum is not None and x > maximum:
        raise ArgumentError(f"{name} must be <= {maximum}, got {x}")
    return x


def as_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """A numpy Generator from a seed (int), a Generator, a SeedSequence or None.

    ``name`` is the argument's name in the caller's signature, for its error messages.

    Examples
    --------
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
    >>> as_generator("0", "rng")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: rng must be an int, a numpy Generator or None, got str
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be an int, a numpy Generator or None, got bool")
    if isinstance(seed, (int, np.integer)) and seed < 0:
        # numpy's own message ("expected non-negative integer") names no argument
        raise ArgumentError(f"{name} must be a non-negative int, got {int(seed)}")
    if seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(seed)
    raise ArgumentTypeError(
        f"{name} must be an int, a numpy Generator or None, got {type(seed).__name__}"
    )


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string.

    Examples
    --------
    >>> did_you_mean("dihedarl", ["cyclic", "dihedral"])
    " (did you mean 'dihedral'?)"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def as_choice(value: Any, choices: Sequence[str], name: str, case_sensitive: bool = False) -> str:
    """Return ``value`` if it is one of ``choices`` (lower-cased unless case-sensitive).

    The error lists the choices and suggests the closest one.

    Examples
    --------
    >>> as_choice("SCS", ("clarabel", "scs"), "solver")
    'scs'
    """
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be one of {list(choices)}, got {value!r}")
    key = value if case_sensitive else value.lower()
    if key not in choices:
        raise ArgumentError(
            f"{name} must be one of {list(choices)}, got {value!r}{did_you_mean(key, choices)}"
        )
    return key
