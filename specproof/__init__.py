"""specproof: the theory of spectral norms in learning, made executable.

Subpackages: ``certificates`` (norms with proofs), ``groups`` (finite groups and
representations), ``spectral`` (operations on a weight's spectrum), ``dag_nets``
(networks on DAGs) and ``theory`` (the papers' claims and the verification report).
They are imported on first use (``specproof.certificates`` loads when first touched), so
that ``import specproof`` and the command line start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specproof._core.errors import SpecproofError

__version__ = "0.1.0"

_SUBPACKAGES = ("certificates", "dag_nets", "groups", "spectral", "theory")

__all__ = ["SpecproofError", "__version__", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name == "SpecproofError":  # the core layer imports numpy: load it on first use too
        return importlib.import_module("specproof._core.errors").SpecproofError
    if name in _SUBPACKAGES:
        return importlib.import_module(f"specproof.{name}")
    raise AttributeError(f"module 'specproof' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBPACKAGES) | {"SpecproofError"})
