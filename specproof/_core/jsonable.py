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
            return {str(k): _jsonable(v, inner) for k, v in value.items()}
        return [_jsonable(v, inner) for v in value]
    return _leaf(value, path)


def _leaf(value: Any, path: tuple[int, ...]) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(v, path) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
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
