"""The source a user module was imported from, kept so that a later edit is seen.

:func:`~specproof.dag_nets.live_code.check_live_code` compares the code in memory with a
module's file. Functions and literal constants can be compared with the file as it is
now, but a value computed at import (``FACTOR = math.sqrt(4.0)``) cannot: only the
source the module was *imported from* tells whether the running module still matches its
file. Python keeps no copy of it, so this module keeps one, of user modules only (those
:mod:`~specproof.dag_nets.source_deps` keys; not the standard library or installed
packages):

- for every module already loaded when :mod:`specproof.dag_nets` is imported (those
  imported before it, and the one whose import is importing it): read then, which is
  after their import began (an edit in between, in an interactive session, is not seen;
  the function and literal comparisons still apply);
- for every module imported later through the standard path finder, ``importlib.reload``
  included: read when the import finds the file, just before the loader reads it (a
  finder placed right before :class:`importlib.machinery.PathFinder` in
  ``sys.meta_path`` that returns exactly what ``PathFinder`` returns);
- for any other module (loaded from a spec built by hand, or by an import hook that
  comes earlier, as pytest's assertion rewriting): read the first time it is checked.

The copy is tied to the module's ``__spec__`` (a reload makes a new one, so the reloaded
source becomes the baseline); a module without a spec (a script run as ``__main__``) is
tied to its globals.
"""

from __future__ import annotations

import functools
import importlib.machinery
import sys
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specproof.dag_nets.source_deps import _library_dirs, _user_source

#: id(spec or globals) -> (a reference to it, the file's real path, its bytes then)
_SOURCES: dict[int, tuple[Any, str, bytes]] = {}
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _libraries() -> tuple[str, ...]:
    return _library_dirs()


def _user_file(origin: Any) -> Path | None:
    if not isinstance(origin, str):
        return None
    try:
        return _user_source(type("M", (), {"__file__": origin}), _libraries())
    except (OSError, ValueError):
        return None


def _ref(owner: Any) -> Any:
    # a spec is weakly referenced (a module's spec lives as long as it does); a globals
    # dict cannot be, and is kept: only modules without a spec (``__main__``) use one
    try:
        return weakref.ref(owner)
    except TypeError:
        return lambda: owner


def _record(owner: Any, origin: Any) -> None:
    """Keep the bytes of ``origin`` (a user module's file) as ``owner``'s source."""
    path = _user_file(origin)
    if path is None:
        return
    try:
        data = path.read_bytes()
    except OSError:
        return
    with _LOCK:
        _SOURCES[id(owner)] = (_ref(owner), str(path), data)


def _lookup(owner: Any, path: Path) -> bytes | None:
    with _LOCK:
        entry = _SOURCES.get(id(owner))
    if entry is None or entry[0]() is not owner or entry[1] != str(path):
        return None  # never recorded, or an id reused by another object
    return entry[2]


def _owner(namespace: Mapping[str, Any]) -> Any:
    spec = namespace.get("__spec__")
    return spec if spec is not None else namespace


def source_at_import(namespace: Mapping[str, Any], path: Path) -> bytes | None:
    """The bytes of ``path`` as the module whose globals are ``namespace`` was imported
    from them (or as they were when first seen, see the module docstring); None for a
    file that is not user code or cannot be read.

    The first call for a module not recorded at import records it now.
    """
    owner = _owner(namespace)
    data = _lookup(owner, path)
    if data is None:
        _record(owner, str(path))
        data = _lookup(owner, path)
    return data


class _RecordingPathFinder:
    """``PathFinder.find_spec``, recording the source of every user module it finds."""

    specproof_import_snapshots = True  # how install() recognises one already in place

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            try:
                _record(spec, spec.origin)
            except Exception:  # noqa: BLE001 - recording must never break an import
                pass
        return spec

    @staticmethod
    def invalidate_caches() -> None:
        # PathFinder stays in sys.meta_path and is invalidated there
        return None


def install() -> None:
    """Record the modules loaded now and put the recording finder before ``PathFinder``
    (once per process)."""
    if any(getattr(f, "specproof_import_snapshots", False) for f in sys.meta_path):
        return
    for module in list(sys.modules.values()):
        owner = getattr(module, "__spec__", None) or getattr(module, "__dict__", None)
        if owner is not None:
            try:
                _record(owner, getattr(module, "__file__", None))
            except Exception:  # noqa: BLE001 - a module whose attributes raise
                pass
    try:
        at = sys.meta_path.index(importlib.machinery.PathFinder)
    except ValueError:
        return  # no standard path finder to stand in front of: first-sight copies only
    sys.meta_path.insert(at, _RecordingPathFinder)


__all__ = ["install", "source_at_import"]
