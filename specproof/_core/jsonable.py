"""Conversion of numpy values, fractions and nested containers to strict JSON values."""

from __future__ import annotations

import array
import dataclasses
import itertools
import math
import numbers
import types
from collections.abc import Iterable, Iterator, Mapping, Sized
from fractions import Fraction
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars, arrays, fractions, dataclasses and containers to JSON values.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so
    that a file stays strict JSON; a :class:`fractions.Fraction` becomes ``"p/q"`` (exact);
    an object with a ``to_dict()`` method is converted through it; any other array-like
    (a torch tensor, ``array.array``, a ``memoryview``: see :func:`as_array`) becomes
    numbers like a numpy array (a tensor was written as its repr, NaN and all, as text),
    and any other container of known length (a ``deque``, a ``UserList``, an
    ``mpmath.matrix``, a ``dict.values()`` view: see :func:`as_sequence`) a list, a
    ``SimpleNamespace`` a dict.

    Examples
    --------
    >>> to_jsonable({"a": np.float64(1.5), "b": np.arange(2), "c": Fraction(1, 3)})
    {'a': 1.5, 'b': [0, 1], 'c': '1/3'}
    >>> import array
    >>> to_jsonable(array.array("d", [0.5, float("nan")])), to_jsonable(np.array(2.0))
    ([0.5, 'NaN'], 2.0)
    >>> to_jsonable(float("inf"))
    'Infinity'
    >>> loop = [1]; loop.append(loop); to_jsonable(loop)
    [1, '<cycle>']
    >>> from collections import deque
    >>> to_jsonable(deque([1e-9, float("nan")]))
    [1e-09, 'NaN']
    """
    return _jsonable(value, ())


def as_array(value: Any) -> np.ndarray | None:
    """``value`` as a numpy array when it is an array-like other than a numpy scalar, else
    None.

    Array-likes are numpy arrays, ``array.array``, ``memoryview`` and any object with
    ``__array__``, ``__array_interface__``, ``__array_struct__`` or ``__dlpack__``. A torch
    tensor that ``np.asarray`` refuses (one that requires grad, one on a GPU, a bfloat16
    one) is converted through ``.detach().cpu()`` (bfloat16 as float32, which holds every
    bfloat16 value). None too when the conversion fails: the caller treats the value as
    an opaque object.

    Examples
    --------
    >>> import array
    >>> as_array(array.array("i", [1, 2])), as_array(3.0), as_array(np.float64(1.0))
    (array([1, 2], dtype=int32), None, None)
    """
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic) or not (
            isinstance(value, (array.array, memoryview))
            or any(hasattr(type(value), name) for name in _ARRAY_PROTOCOLS)):
        return None
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - e.g. torch: requires grad, on a GPU, bfloat16
        pass
    else:
        # an object that wraps itself (np.array(self, dtype=object)) is no array: taken
        # as one, its conversion would recurse until RecursionError
        return None if arr.dtype.kind == "O" and arr.ndim == 0 and arr.item() is value \
            else arr
    detach = getattr(value, "detach", None)
    if callable(detach):
        try:
            tensor = detach().cpu()
            try:
                return np.asarray(tensor.numpy())
            except (TypeError, RuntimeError):  # bfloat16 has no numpy dtype
                return np.asarray(tensor.float().numpy())
        except Exception:  # noqa: BLE001 - not a tensor after all
            pass
    if hasattr(type(value), "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except Exception:  # noqa: BLE001
            pass
    return None


_ARRAY_PROTOCOLS = ("__array__", "__array_interface__", "__array_struct__", "__dlpack__")


# a sized container longer than this is written as its text, not listed (a lazy range)
MAX_SEQUENCE_ITEMS = 10**7


def as_sequence(value: Any) -> list | None:
    """The items of a container that is no list, tuple, set, mapping or array-like, as a
    list; None for any other value.

    Such containers are those with a ``tolist()`` method that gives a list (an
    ``mpmath.matrix``, a sympy matrix: nested lists for two dimensions) and the other
    sized iterables: ``collections.deque``, ``collections.UserList``, ``range``, the
    ``dict.keys()``/``.values()``/``.items()`` views, any ``Sequence``. They were written
    as their ``str()``, and a NaN inside one (a deque of recent errors: ``max`` skips a
    NaN that is not first) was seen by neither the evidence nor the NaN check: a PASS.
    Text (``str``, ``bytes``, ``bytearray``), classes (an ``Enum`` class is iterable) and
    iterators (reading one would use it up; a generator may never end) are not
    containers here; nor is a value whose ``tolist()`` or iteration raises (it stays
    opaque, as before). Call it after the checks for the containers and array-likes
    that :func:`to_jsonable` knows.

    Examples
    --------
    >>> from collections import UserList, deque
    >>> as_sequence(deque([1, 2])), as_sequence(UserList([3])), as_sequence({"a": 1}.values())
    ([1, 2], [3], [1])
    >>> as_sequence("ab"), as_sequence(iter([1])), as_sequence(3.0), as_sequence(range(10**10))
    (None, None, None, None)
    """
    if isinstance(value, (str, bytes, bytearray, type, Iterator)):
        return None
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        try:
            items = tolist()
        except Exception:  # noqa: BLE001 - not the array-like method after all
            items = None
        if isinstance(items, list):
            return items
    if isinstance(value, Sized) and isinstance(value, Iterable):
        try:
            if len(value) > MAX_SEQUENCE_ITEMS:
                # range(10**10) would be listed item by item: it stays its text
                return None
            return list(value)
        except Exception:  # noqa: BLE001 - e.g. a 0-d tensor that has __len__ and raises
            return None
    return None


def _jsonable(value: Any, path: tuple[int, ...]) -> Any:
    # path: the ids of the containers being converted above this value; a container that
    # holds itself recursed until RecursionError, which ended a whole `verify` run
    cls = type(value)
    # the plain JSON values first: an evidence record converted again (every report
    # write) is all of them, and the abstract-class checks below cost ~1 us a value
    if cls is float:
        return value if math.isfinite(value) else _leaf(value, path)
    if cls is str or cls is bool or value is None:
        return value
    if cls is int:
        return value if value.bit_length() <= _MAX_INT_BITS else big_int_text(value)
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
        return _array(value, path)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        # before Integral (numpy counts timedelta64 as one): int() of it raised, and the
        # claim was an ERROR for recording a duration
        return "NaT" if np.isnat(value) else str(value)
    if isinstance(value, np.void):  # one row of a structured array: as its values
        return _array(np.asarray(value), path)
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
    if callable(to_dict):  # before the array-likes: a DataFrame keeps its labels
        return _jsonable(to_dict(), path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if id(value) in path:
            return "<cycle>"
        inner = (*path, id(value))
        return {f.name: _jsonable(getattr(value, f.name), inner)
                for f in dataclasses.fields(value)}
    arr = as_array(value)
    if arr is not None:
        return _array(arr, path)
    if isinstance(value, types.SimpleNamespace):
        items: Any = vars(value)
    else:
        items = as_sequence(value)
        if items is None:
            return str(value)
    # the container's own id: `items` is a new list or dict at each visit, which would
    # never be found in `path` (a deque holding itself recursed until RecursionError)
    if id(value) in path:
        return "<cycle>"
    return _jsonable(items, (*path, id(value)))


def _array(value: np.ndarray, path: tuple[int, ...]) -> Any:
    if value.ndim == 0:  # tolist() gives the scalar itself: nothing to iterate
        return _jsonable(value.tolist(), path)
    if type(value) is np.ndarray and value.dtype.kind in "biuf" and (
            value.dtype.kind != "f" or np.isfinite(value).all()):
        # tolist() already gives plain bools, ints (64 bits at most) and finite floats:
        # converting each again took ~2 s per million values, for every report write
        return value.tolist()
    return [_jsonable(v, path) for v in value.tolist()]


def as_container(value: Any) -> Mapping | list | tuple | np.ndarray | None:
    """What :func:`to_jsonable` writes as a JSON object or array, its items not converted
    yet (a set as a list, a dataclass, ``to_dict()`` or ``SimpleNamespace`` as a dict, an
    array-like as a numpy array, another container as the list of :func:`as_sequence`);
    None for a value written as a scalar.

    For display, which shows a few items: converting a 2-million-element array to show
    8 of its numbers took seconds for every table cell.

    Examples
    --------
    >>> as_container((1, 2)), as_container(np.array(1.0)), as_container("ab")
    ((1, 2), None, None)
    """
    if isinstance(value, (Mapping, list, tuple)):
        return value
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, np.bool_, numbers.Number, str)) or value is None:
        return None
    elif callable(getattr(value, "to_dict", None)):
        inner = value.to_dict()
        return as_container(inner) if isinstance(inner, (Mapping, list, tuple)) else None
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif isinstance(value, types.SimpleNamespace):
        return vars(value)
    else:
        arr = as_array(value)
        if arr is None:
            return as_sequence(value)
    if arr.ndim == 0:
        return None
    if type(arr) is not np.ndarray and not isinstance(arr, np.ma.MaskedArray):
        arr = np.asarray(arr)  # np.matrix: a row of one stays 2-d, however it is sliced
    return arr


def head_items(container: Mapping | list | tuple | np.ndarray, n: int) -> tuple[list, int]:
    """The first ``n`` items of an :func:`as_container` result (``(key, value)`` pairs
    for a mapping; numbers, not 0-d arrays, for a 1-d array), and how many it has.

    Examples
    --------
    >>> head_items(np.arange(10.0), 3), head_items({"a": 1, "b": 2}, 1)
    (([0.0, 1.0, 2.0], 10), ([('a', 1)], 2))
    """
    if isinstance(container, Mapping):
        return list(itertools.islice(container.items(), n)), len(container)
    head = container[:n]
    if isinstance(head, np.ndarray):
        return (head.tolist() if head.ndim == 1 else list(head)), len(container)
    return list(head), len(container)


# display shows a container nested deeper than this as "…": showing one nested 400 deep
# (which the evidence records) recursed past Python's limit while the report was written
SHOWN_DEPTH = 20


def jsonable_head(value: Any, n: int, _path: tuple[int, ...] = ()) -> Any:
    """:func:`to_jsonable` of ``value`` with every array and object cut after ``n`` items,
    a cut one ending in the item ``"… (k more)"``: the text of the first ``n`` items is
    the same as the whole value's, and at least ``n`` characters long. A container
    nested deeper than :data:`SHOWN_DEPTH` is ``"…"``.

    Examples
    --------
    >>> jsonable_head({"a": np.arange(5), "b": 1.5}, 2)
    {'a': [0, 1, '… (3 more)'], 'b': 1.5}
    """
    c = as_container(value)
    if c is None:
        return to_jsonable(value)
    # the value's id, not the container's: that of a deque or a set is a new list at each
    # visit, never found in `_path`
    if id(value) in _path:
        return "<cycle>"
    if len(_path) >= SHOWN_DEPTH:
        return "…"
    inner = (*_path, id(value))
    items, total = head_items(c, n)
    more = f"… ({total - n} more)"
    if isinstance(c, Mapping):
        out = {_key_text(k): jsonable_head(v, n, inner) for k, v in items}
        if total > n:
            out[more] = more
        return out
    out = [jsonable_head(v, n, inner) for v in items]
    if total > n:
        out.append(more)
    return out
