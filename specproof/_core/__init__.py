"""The core layer under every subpackage: errors, conversions, results, provenance, JSON.

Nothing here knows about norms, groups, networks or papers.
"""

from __future__ import annotations

import importlib
from typing import Any

# errors are imported eagerly (no dependencies); the rest on first use (PEP 562), because
# conversions import numpy: `import specproof` and `specproof certify --help` should not
from specproof._core.errors import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    ResourceLimitError,
    SpecproofError,
)

# eager too: the function `provenance` shares its module's name, and a later import of the
# module would otherwise rebind the package attribute to the module
from specproof._core.provenance import provenance, version_of, versions

_LAZY: dict[str, str] = {
    "Displayable": "display",
    "Result": "results",
    "as_array": "conversions",
    "as_choice": "conversions",
    "as_flag": "conversions",
    "as_float": "conversions",
    "as_generator": "conversions",
    "as_int": "conversions",
    "as_matrix": "conversions",
    "as_positive_int": "conversions",
    "as_vector": "conversions",
    "did_you_mean": "conversions",
    "first_nonfinite": "conversions",
    "limit_threads": "threads",
    "real_scalar": "conversions",
    "tensor_to_numpy": "conversions",
    "to_jsonable": "jsonable",
}

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ComputationError",
    "Displayable",
    "ResourceLimitError",
    "Result",
    "limit_threads",
    "SpecproofError",
    "as_array",
    "as_choice",
    "as_flag",
    "as_float",
    "as_generator",
    "as_int",
    "as_matrix",
    "as_positive_int",
    "as_vector",
    "did_you_mean",
    "first_nonfinite",
    "provenance",
    "tensor_to_numpy",
    "to_jsonable",
    "version_of",
    "versions",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'specproof._core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"specproof._core.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
