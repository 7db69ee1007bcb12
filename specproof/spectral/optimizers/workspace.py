"""Arrays a numpy optimizer keeps from one step to the next for its large temporaries.

A step of Pion's dense exponential at 4096 x 1024 makes 4096 x 4096 temporaries (the
square of the generator, its float32 copy) and a dozen 4096 x 1024 ones. Each fresh
array of that size is new memory to the operating system, and its first write page-faults
through all of it: a new 4096 x 4096 float64 array cost 0.03-0.37 s to fill where a
reused one took 0.02 s (measured on a 2-core Intel VM), and the faults were 0.9 s of a
6.3 s step. A :class:`Workspace` hands out the same array for the same name, shape and
dtype on every step instead.

Only temporaries go in :meth:`Workspace.array`: the next step overwrites it. What a step
hands out (Pion's reported generators, its new weight) comes from
:meth:`Workspace.unshared`, which reuses an array only once nothing else refers to it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def _pooled_refs() -> int:
    """What ``sys.getrefcount`` reports inside :meth:`Workspace.unshared`'s loop for an
    array only the pool refers to, measured by the same code: the pool's list, the list of
    candidates, the loop variable and getrefcount's own argument (4 on CPython 3.10-3.13).
    Measured rather than assumed: an interpreter that counts fewer (borrowed references)
    would otherwise let an array that a caller still holds be reused."""
    pools = {"probe": [np.empty(0)]}
    arrays = [a for a in pools.get("probe", []) if a.shape == (0,)]
    for a in arrays:
        return sys.getrefcount(a)
    raise AssertionError("unreachable")


# references to a pooled array while Workspace.unshared looks at it, nothing else holding it
_POOLED_REFS = _pooled_refs()


class Workspace:
    """Named scratch arrays, reused while their shape, dtype and memory order stay the same.

    Examples
    --------
    >>> ws = Workspace()
    >>> a = ws.array("C", (3, 3), np.float64, order="F")
    >>> ws.array("C", (3, 3), np.float64, order="F") is a
    True
    >>> ws.array("C", (4, 3), np.float64, order="F") is a   # another shape: a new array
    False
    >>> Workspace(share=ws).array("C", (4, 3), np.float64, order="F") is ws.array(
    ...     "C", (4, 3), np.float64, order="F")
    True
    """

    def __init__(self, share: Workspace | None = None) -> None:
        # the scratch arrays of ``share`` are this one's too (parameters of one shape use
        # them one after the other); the pools of arrays handed out stay this one's
        self._arrays: dict[str, np.ndarray] = share._arrays if share is not None else {}
        self._pools: dict[str, list[np.ndarray]] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: Any, order: str = "C") -> np.ndarray:
        """An uninitialised array for ``name``: the one from the last call when it fits."""
        a = self._arrays.get(name)
        dtype = np.dtype(dtype)
        contiguous = "f_contiguous" if order == "F" else "c_contiguous"
        if (a is None or a.shape != tuple(shape) or a.dtype != dtype
                or not getattr(a.flags, contiguous)):
            a = np.empty(shape, dtype=dtype, order=order)
            self._arrays[name] = a
        return a

    def flat(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A C-ordered ``shape`` view of a one-dimensional array for ``name``, grown as needed.

        Shapes that shrink from call to call (the strips of a triangle) share one array.

        Examples
        --------
        >>> ws = Workspace()
        >>> a = ws.flat("strip", (2, 4), np.float64)
        >>> b = ws.flat("strip", (2, 3), np.float64)
        >>> b.base is a.base, b.flags.c_contiguous
        (True, True)
        """
        size = int(np.prod(shape, dtype=np.int64))
        dtype = np.dtype(dtype)
        a = self._arrays.get(name)
        if a is None or a.dtype != dtype or a.size < size:
            a = np.empty(size, dtype=dtype)
            self._arrays[name] = a
        return a[:size].reshape(shape)

    def unshared(self, name: str, shape: tuple[int, ...], dtype: Any, pool: int = 2) -> np.ndarray:
        """An array for ``name`` that nothing outside this workspace refers to.

        For an array a step hands out (Pion's generator, reported in ``diagnostics``): the
        last step's may still be held, by the optimizer's diagnostics or by the caller, so
        up to ``pool`` arrays are kept and one that no other object references (no view,
        no name; CPython reference counts) is reused; if all are held, a new one is made
        and the oldest is dropped from the pool (it lives on with its holder).

        Examples
        --------
        >>> ws = Workspace()
        >>> a = ws.unshared("A", (2, 2), np.float64)   # `a` holds it now
        >>> b = ws.unshared("A", (2, 2), np.float64)
        >>> b is a
        False
        >>> first = id(a)
        >>> del a
        >>> id(ws.unshared("A", (2, 2), np.float64)) == first   # b is held, a is free
        True
        >>> a = ws.unshared("A", (2, 2), np.float64)
        >>> view = b[:1]
        >>> del b                                      # b lives on in its view
        >>> c = ws.unshared("A", (2, 2), np.float64)   # both held: a new array
        >>> c is a or c is view.base
        False
        """
        dtype = np.dtype(dtype)
        arrays = [a for a in self._pools.get(name, [])
                  if a.shape == tuple(shape) and a.dtype == dtype]
        for a in arrays:
            if sys.getrefcount(a) <= _POOLED_REFS:
                return a
        a = np.empty(shape, dtype=dtype)
        self._pools[name] = (arrays + [a])[-pool:]
        return a

    def clear(self) -> None:
        """Drop every array (their memory goes back to the system)."""
        self._arrays.clear()
        self._pools.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        pooled = (a for arrays in self._pools.values() for a in arrays)
        return sum(a.nbytes for a in self._arrays.values()) + sum(a.nbytes for a in pooled)


class ParameterWorkspaces:
    """An optimizer's :class:`Workspace` per parameter: the scratch arrays shared by the
    parameters of one shape and dtype (their updates run one after the other), the pools of
    what a step hands out each parameter's own.

    Examples
    --------
    >>> wss = ParameterWorkspaces()
    >>> a, b = wss.of("a", (3, 2), np.float64), wss.of("b", (3, 2), np.float64)
    >>> a.array("X", (3, 2), np.float64) is b.array("X", (3, 2), np.float64)
    True
    >>> a.unshared("W", (3, 2), np.float64) is b.unshared("W", (3, 2), np.float64)
    False
    >>> len(wss), wss["a"] is a
    (2, True)
    """

    def __init__(self) -> None:
        self._own: dict[str, Workspace] = {}
        self._shared: dict[tuple, Workspace] = {}

    def of(self, name: str, shape: tuple[int, ...], dtype: Any) -> Workspace:
        """The workspace of parameter ``name`` (of this shape and dtype)."""
        shared = self._shared.setdefault((tuple(shape), np.dtype(dtype).str), Workspace())
        ws = self._own.get(name)
        if ws is None or ws._arrays is not shared._arrays:  # new, or its shape changed
            ws = self._own[name] = Workspace(share=shared)
        return ws

    def __getitem__(self, name: str) -> Workspace:
        return self._own[name]

    def __len__(self) -> int:
        return len(self._own)

    def clear(self) -> None:
        """Drop every array (their memory goes back to the system)."""
        self._own.clear()
        self._shared.clear()


def scratch(ws: Workspace | None, name: str, shape: tuple[int, ...], dtype: Any,
            order: str = "C") -> np.ndarray:
    """``ws.array(...)``, or a new array without a workspace."""
    if ws is None:
        return np.empty(shape, dtype=dtype, order=order)
    return ws.array(name, shape, dtype, order)


__all__ = ["ParameterWorkspaces", "Workspace", "scratch"]
