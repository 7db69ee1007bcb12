"""The package's exception root and the generic errors every subpackage raises.

Every exception specproof raises on purpose derives from :class:`SpecproofError` *and*
from the matching built-in, so ``except specproof.SpecproofError`` catches all of ours
while existing ``except ValueError`` code keeps working.

Examples
--------
>>> issubclass(ArgumentError, ValueError) and issubclass(ArgumentError, SpecproofError)
True
"""

from __future__ import annotations


class SpecproofError(Exception):
    """Root of every exception specproof raises on purpose."""


class ArgumentError(SpecproofError, ValueError):
    """An argument has the right type but a value outside what is accepted."""


class ArgumentTypeError(SpecproofError, TypeError):
    """An argument has a type that is not accepted."""


class ComputationError(SpecproofError, RuntimeError):
    """A computation could not deliver a trustworthy result (no convergence, a solver failure)."""


class ResourceLimitError(SpecproofError, MemoryError):
    """A request would need more memory or time than the stated limit allows.

    Raised *before* the work starts, with the need, the limit and the alternatives.
    """


__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ComputationError",
    "ResourceLimitError",
    "SpecproofError",
]
