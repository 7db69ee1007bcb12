"""The real irreps of a group, reached through its family: :func:`irreps` and :func:`irrep`.

Tables exist for every family in :mod:`specproof.groups.families` that has one (cyclic,
dihedral, Klein, quaternion, symmetric with n <= 4, products with a type-R factor); each
is validated when first used, like an irreps list a user supplies.
"""

from __future__ import annotations

from specproof._core import ArgumentError
from specproof.groups.cayley import as_group
from specproof.groups.errors import NoIrrepsTableError
from specproof.groups.families import irreps_scopes
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep


def irreps(G: FiniteGroup) -> list[Irrep]:
    """The real irreps of ``G`` (one per isomorphism class), trivial first.

    Parameters
    ----------
    G : FiniteGroup
        A group of a family with irreps tables, e.g. :func:`~specproof.groups.cyclic`,
        :func:`~specproof.groups.dihedral`, :func:`~specproof.groups.klein_four`,
        :func:`~specproof.groups.quaternion` or :func:`~specproof.groups.symmetric`
        (n <= 4).

    Raises
    ------
    NoIrrepsTableError
        For other groups (the message lists the families with irreps tables).

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> [(p.name, p.dim, p.type) for p in irreps(dihedral(4))]  # doctest: +NORMALIZE_WHITESPACE
    [('trivial', 1, 'R'), ('flip', 1, 'R'), ('alt', 1, 'R'), ('alt_flip', 1, 'R'),
     ('rot_1', 2, 'R')]
    """
    G = as_group(G)
    if not isinstance(G, FiniteGroup):
        raise NoIrrepsTableError(f"{G.name} is not a FiniteGroup: it has no family")
    try:
        return list(G.irreps)
    except NoIrrepsTableError as exc:
        raise NoIrrepsTableError(
            f"{exc}; tables exist for {', '.join(irreps_scopes())}") from None


def irrep(G: FiniteGroup, name: str) -> Irrep:
    """The irrep of ``G`` with this name.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> irrep(cyclic(6), "alt").character().tolist()
    [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    """
    table = irreps(G)
    for p in table:
        if p.name == name:
            return p
    raise ArgumentError(f"{G.name} has no irrep {name!r}; irreps: {[p.name for p in table]}")


__all__ = ["irrep", "irreps"]
