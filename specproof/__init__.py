"""specproof: the theory of spectral norms in learning, made executable.

Subpackages: ``certificates`` (norms with proofs), ``groups`` (finite groups and
representations), ``spectral`` (operations that shape a weight's spectrum), ``dag_nets``
(networks on DAGs), ``claims`` (the claims engine and its report) and ``theory`` (the
papers' claims). They are imported on first use, so ``import specproof`` stays cheap
and a command pays only for what it touches.

Examples
--------
>>> import specproof as sp
>>> sp.groups.cyclic(4).order
4
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from specproof._core.version import __version__

if TYPE_CHECKING:
    from specproof._core.errors import (  # noqa: F401  (public through __getattr__)
        ArgumentError,
        ArgumentTypeError,
        ComputationError,
        ResourceLimitError,
        SpecproofError,
    )

_SUBPACKAGES = ("certificates", "claims", "dag_nets", "groups", "spectral", "theory")
# the root of every error specproof raises on purpose, and the generic kinds below it
_ERRORS = ("SpecproofError", "ArgumentError", "ArgumentTypeError", "ComputationError",
           "ResourceLimitError")


def __getattr__(name: str) -> Any:
    if name in _ERRORS:  # the core layer imports numpy: load it on first use too
        return getattr(importlib.import_module("specproof._core.errors"), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"specproof.{name}")
    raise AttributeError(f"module 'specproof' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBPACKAGES, *_ERRORS])


__all__ = ["SpecproofError", "__version__", *_SUBPACKAGES]
