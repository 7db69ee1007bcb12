"""The registry of group families: every :class:`~specproof.groups.family.Family`
subclass defined in a module of this package, found by scanning it.

Adding a family is adding one file here that defines a ``Family`` subclass with a new
``key``, its ``build()`` and its ``irreps(G)`` (and, usually, a constructor function that
:mod:`specproof.groups` re-exports). Nothing else needs editing: :func:`group_family` finds
it by key, and :func:`~specproof.groups.irreps` reaches its irreps through ``G.family``.

Examples
--------
>>> sorted(group_families())
['cyclic', 'dihedral', 'klein', 'product', 'quaternion', 'symmetric']
>>> group_family("dihedral")(4).build().order
8
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from specproof._core import ComputationError, as_choice
from specproof.groups.family import Family


def _scan() -> dict[str, type[Family]]:
    found: dict[str, type[Family]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (inspect.isclass(obj) and issubclass(obj, Family) and obj is not Family
                    and obj.__module__ == module.__name__):
                if obj.key in found and found[obj.key] is not obj:
                    raise ComputationError(f"two group families use the key {obj.key!r}: "
                                       f"{found[obj.key].__module__} and {obj.__module__}")
                found[obj.key] = obj
    return found


_REGISTRY: dict[str, type[Family]] = _scan()


def group_families() -> dict[str, type[Family]]:
    """Every registered family class by key.

    Examples
    --------
    >>> group_families()["cyclic"].__name__
    'Cyclic'
    """
    return dict(_REGISTRY)


def group_family(key: str) -> type[Family]:
    """The family class with this key (the error suggests the closest key).

    Examples
    --------
    >>> group_family("cyclic")(5).build().name
    'C5'
    """
    return _REGISTRY[as_choice(key, tuple(_REGISTRY), "family")]


def irreps_scopes() -> list[str]:
    """Phrases naming the families with irreps tables, for messages.

    Examples
    --------
    >>> irreps_scopes()[:2]
    ['cyclic(N)', 'dihedral(N)']
    """
    first, last = ["cyclic", "dihedral"], ["product"]  # products read best at the end
    keys = first + sorted(k for k in _REGISTRY if k not in first + last) + last
    return [s for k in keys if k in _REGISTRY
            for s in [_REGISTRY[k].irreps_scope] if s is not None]


__all__ = ["group_families", "group_family", "irreps_scopes"]
