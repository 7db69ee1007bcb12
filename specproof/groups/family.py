"""The base class of group families: a family builds its groups and owns their real irreps.

A family value is its key and parameters, e.g. ``Dihedral(4)``; it compares equal to the
tuple ``("dihedral", 4)`` (``G.family[0]`` is the key, ``G.family[1:]`` the parameters).
Concrete families live one per file in :mod:`specproof.groups.families` and are found by
scanning that package: adding a family is adding a file there with a :class:`Family`
subclass. The base class itself is the family of groups given by a bare table, which has
no irreps table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from specproof._core import ArgumentError, as_int
from specproof.groups.errors import NoIrrepsTableError


def positive_parameter(value: Any, name: str) -> int:
    """``value`` as a positive int, or an error saying it must be a positive integer.

    Examples
    --------
    >>> positive_parameter(3, "N")
    3
    """
    value = as_int(value, name)
    if value < 1:
        raise ArgumentError(f"{name} must be a positive integer, got {value}")
    return value


class Family(tuple):
    """A group family with its parameters; equal to the tuple ``(key, *params)``.

    Subclasses set :attr:`key` (and :attr:`irreps_scope` when they have irreps tables) and
    implement :meth:`build` and :meth:`irreps`.

    Examples
    --------
    >>> Family() == ("table",), Family().params
    (True, ())
    """

    key: ClassVar[str] = "table"
    irreps_scope: ClassVar[str | None] = None
    """For families with irreps tables, a phrase such as ``"dihedral(N)"`` for messages."""

    def __new__(cls, *params: Any) -> Family:
        return super().__new__(cls, (cls.key, *params))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self[1:])

    @property
    def params(self) -> tuple[Any, ...]:
        """The parameters after the key."""
        return tuple(self[1:])

    def build(self) -> Any:
        """The group this family value names (a :class:`~specproof.groups.FiniteGroup`)."""
        raise ArgumentError(f"the {self.key!r} family builds no group: a group given by its "
                            "table is made with FiniteGroup.from_table")

    def irreps(self, G: Any) -> list[Any]:
        """The real irreps of ``G`` (a group of this family), trivial first.

        Raises :class:`~specproof.groups.NoIrrepsTableError` where there is no table.
        """
        raise NoIrrepsTableError(f"no irreps table for {G.name} (family {self.key!r})")

    def __repr__(self) -> str:
        args = ", ".join(getattr(p, "name", None) or repr(p) for p in self.params)
        return f"{type(self).__name__}({args})"


__all__ = ["Family"]
