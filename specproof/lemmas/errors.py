"""The errors a statement raises: bad input names the problem in one line.

Examples
--------
>>> issubclass(StatementError, ValueError)
True
"""

from __future__ import annotations

from specproof._core.errors import ArgumentError, ArgumentTypeError


class StatementError(ArgumentError):
    """A statement that cannot be read: unparsable, an unknown name, a wrong relation, sizes."""


class ShapeError(StatementError):
    """Matrix sizes that do not fit together (``A @ B`` with mismatched inner sizes, ...)."""


class EmptyDomainError(StatementError):
    """A domain with no point: every statement holds there, so no verdict means anything."""


__all__ = ["ArgumentError", "ArgumentTypeError", "EmptyDomainError", "ShapeError",
           "StatementError"]
