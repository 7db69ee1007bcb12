"""The core layer under every subpackage: errors, conversions, results, provenance, JSON.

Nothing here knows about norms, groups, networks or papers.
"""

from specproof._core.conversions import (
    as_array,
    as_choice,
    as_float,
    as_generator,
    as_int,
    as_matrix,
    as_positive_int,
    as_vector,
    did_you_mean,
    first_nonfinite,
)
from specproof._core.errors import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    ResourceLimitError,
    SpecproofError,
)
from specproof._core.jsonable import to_jsonable
from specproof._core.provenance import provenance, version_of, versions
from specproof._core.results import Result

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ComputationError",
    "ResourceLimitError",
    "Result",
    "SpecproofError",
    "as_array",
    "as_choice",
    "as_float",
    "as_generator",
    "as_int",
    "as_matrix",
    "as_positive_int",
    "as_vector",
    "did_you_mean",
    "first_nonfinite",
    "provenance",
    "to_jsonable",
    "version_of",
    "versions",
]
