"""The errors of :mod:`specproof.groups`.

Each derives from :class:`specproof.SpecproofError` *and* from the matching built-in, so
``except ValueError`` code keeps working and ``except SpecproofError`` catches them all.
:class:`InvalidIrrepsError` carries a machine-readable ``code`` (the same codes as
:class:`~specproof.groups.IrrepsCheck`), for code that branches on the kind of failure.

Examples
--------
>>> issubclass(GroupAxiomError, ValueError) and issubclass(GroupAxiomError, SpecproofError)
True
"""

from __future__ import annotations

from specproof._core import SpecproofError


class GroupAxiomError(SpecproofError, ValueError):
    """A table (or permutation set) that does not define a group; the message names the
    failing triple, entry or element."""


class NotAHomomorphismError(SpecproofError, ValueError):
    """``ρ(a)ρ(b) ≠ ρ(a·b)`` for some pair (named in the message), or ``ρ(e) ≠ I``."""


class NotIntegralError(SpecproofError, ValueError):
    """A multiplicity or Hom dimension computed from characters is not an integer."""


class NotIrreducibleError(SpecproofError, ValueError):
    """Matrices declared an irrep are reducible: their commutant is not a division algebra
    (or has a dimension other than 1, 2 or 4)."""


class IrrepTypeError(SpecproofError, ValueError):
    """An irreducible representation declared with the wrong type (R, C or H)."""


class NoIrrepsTableError(SpecproofError, ValueError):
    """The library has no table of real irreps for this group."""


class InvalidIrrepsError(SpecproofError, ValueError):
    """A user-supplied irreps list that is not the complete set of real irreps of the group.

    Attributes
    ----------
    code : str
        ``"not_an_irrep"``, ``"wrong_group"``, ``"not_a_homomorphism"``, ``"reducible"``,
        ``"type_mismatch"``, ``"duplicate_name"``, ``"isomorphic_pair"`` or
        ``"incomplete"``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


__all__ = [
    "GroupAxiomError",
    "InvalidIrrepsError",
    "IrrepTypeError",
    "NoIrrepsTableError",
    "NotAHomomorphismError",
    "NotIntegralError",
    "NotIrreducibleError",
]
