"""Direct products ``G × H``: element ``(g, h)`` has index ``g·|H| + h``; labels
``"(g,h)"``.

Real irreps when both factors have tables and one of them has only type-R irreps:
``(ψ,φ)`` = ``ψ ⊗ φ`` of type ``type(φ)`` (or ``type(ψ)``), since
``End(ψ ⊗ φ) = End(ψ) ⊗ End(φ)`` and ``End(ψ) = R``. When both factors have irreps of
type C or H, tensor products can split and no table is given.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np

from specproof._core import ArgumentTypeError
from specproof.groups.axioms import check_order
from specproof.groups.errors import NoIrrepsTableError
from specproof.groups.family import Family
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep


class Product(Family):
    """``Product(G, H)``: the direct product of two finite groups."""

    key: ClassVar[str] = "product"
    irreps_scope: ClassVar[str | None] = (
        "and their direct products when one factor has only type-R irreps")

    def build(self, name: str | None = None) -> FiniteGroup:
        G, H = self.params
        n, m = G.order, H.order
        check_order(n * m, f"{G.name} x {H.name}")  # before the (nm)² table is allocated
        g = np.repeat(np.arange(n), m)
        h = np.tile(np.arange(m), n)
        table = G.table[g[:, None], g[None, :]] * m + H.table[h[:, None], h[None, :]]
        labels = [f"({G.labels[a]},{H.labels[b]})"
                  for a, b in itertools.product(range(n), range(m))]
        gens = ([a * m + H.identity for a in G.generators]
                + [G.identity * m + b for b in H.generators])
        return FiniteGroup(table, labels=labels, name=name or f"{G.name}x{H.name}",
                           generators=gens, family=self, _checked=True)

    def irreps(self, P: FiniteGroup) -> list[Irrep]:
        A, B = self.params
        ia, ib = A.irreps, B.irreps
        if not (all(p.type == "R" for p in ia) or all(p.type == "R" for p in ib)):
            raise NoIrrepsTableError(
                f"no irreps table for {P.name}: both {A.name} and {B.name} have irreps of "
                "type C or H, whose tensor products can be reducible"
            )
        g = np.repeat(np.arange(A.order), B.order)
        h = np.tile(np.arange(B.order), A.order)
        out = []
        for p in ia:
            for q in ib:
                mats = np.einsum("gij,gkl->gikjl", p.matrices[g], q.matrices[h]).reshape(
                    P.order, p.dim * q.dim, p.dim * q.dim)
                kind = q.type if p.type == "R" else p.type
                out.append(Irrep(P, mats, name=f"({p.name},{q.name})", type=kind))
        return out


def direct_product(G: FiniteGroup, H: FiniteGroup, name: str | None = None) -> FiniteGroup:
    """The direct product ``G × H``; element ``(g, h)`` has index ``g·|H| + h``.

    Labels are ``"(g,h)"`` with the factors' labels. ``|G| |H|`` above
    :data:`~specproof.groups.axioms.MAX_ORDER` (10 000) raises
    :class:`~specproof.ResourceLimitError` before the table is built.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> P = direct_product(cyclic(2), cyclic(3))
    >>> P.order, P.is_abelian, P.labels[4]
    (6, True, '(r,r)')
    """
    for arg, X in (("G", G), ("H", H)):
        if not isinstance(X, FiniteGroup):
            raise ArgumentTypeError(f"{arg} must be a FiniteGroup, got {type(X).__name__}")
    return Product(G, H).build(name=name)


__all__ = ["Product", "direct_product"]
