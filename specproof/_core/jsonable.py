"""Conversion of numpy values, fractions and nested containers to strict JSON values."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars, arrays, fractions, dataclasses and containers to JSON values.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so
    that a file stays strict JSON; a :class:`fractions.Fraction` becomes ``"p/q"`` (exact);
    an object with a ``to_dict()`` method is converted through it.

    Examples
    --------
    >>> to_jsonable({"a": np.float64(1.5), "b": np.arange(2), "c": Fraction(1, 3)})
    {'a': 1.5, 'b': [0, 1], 'c': '1/3'}
    >>> to_jsonable(float("inf"))
    'Infinity'
    >>> loop = [1]; loop.append(loop); to_jsonable(loop)
    [1, '<cycle>']
    """
    return _jsonable(value, ())


def _jsonable(value: Any, path: tuple[int, ...]) -> Any:
    # path: the ids of the containers being converted above this value; a container that
    # holds itself recursed until RecursionError, which ended a whole `verify` run
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        if id(value) in path:
            return "<cycle>"
        inner = (*path, id(value))
        if isinstance(value, Mapping):
            return {_key_text(k): _jsonable(v, inner) for k, v in value.items()}
        return [_jsonable(v, inner) for v in value]
    return _leaf(value, path)


# Python refuses to write an int of more than 4300 digits as text (sys.int_info), and
# json.dumps of one raised in the middle of writing a report; 13000 bits is ~3900 digits
_MAX_INT_BITS = 13_000


def big_int_text(v: int) -> str:
    """An int too long to write out, as its leading digits and size (never raises).

    Examples
    --------
    >>> big_int_text(-(10**5000) * 3)
    '-3.000000000...e+5000 (an integer of 5001 digits, too long to write out)'
    """
    if v.bit_length() <= _MAX_INT_BITS:
        return str(v)
    a = abs(v)
    exponent = math.floor(math.log10(a))
    # the float logarithm can be one off near a power of ten: settle it exactly
    if a < 10**exponent:
        exponent -= 1
    elif a >= 10 ** (exponent + 1):
        exponent += 1
    leading = str(a // 10 ** (exponent - 9))  # the first ten digits, truncated
    sign = "-" if v < 0 else ""
    return (f"{sign}{leading[0]}.{leading[1:]}...e+{exponent} (an integer of "
            f"{exponent + 1} digits, too long to write out)")


def _key_text(key: Any) -> str:
    if isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_)):
        return big_int_text(int(key))
    return str(key)


def _leaf(value: Any, path: tuple[int, ...]) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(v, path) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        v = int(value)
        return v if v.bit_length() <= _MAX_INT_BITS else big_int_text(v)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if value is None or isinstance(value, str):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _jsonable(to_dict(), path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if id(value) in path:
            return "<cycle>"
        inner = (*path, id(value))
        return {f.name: _jsonable(getattr(value, f.name), inner)
                for f in dataclasses.fields(value)}
    return str(value)
