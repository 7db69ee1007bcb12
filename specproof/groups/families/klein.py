"""The Klein four-group ``V = {e, a, b, ab}`` (``≅ C2 × C2``); indices 0..3, the product is
the XOR of the indices.

Real irreps (type R): ``trivial``; ``sign_a`` (-1 on ``a`` and ``ab``), ``sign_b`` (-1 on
``b`` and ``ab``), ``sign_ab`` (-1 on ``a`` and ``b``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from specproof.groups.family import Family
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep, one_dimensional


class Klein(Family):
    """``Klein()``: the Klein four-group."""

    key: ClassVar[str] = "klein"
    irreps_scope: ClassVar[str | None] = "klein_four()"

    def build(self) -> FiniteGroup:
        k = np.arange(4)
        return FiniteGroup(k[:, None] ^ k[None, :], labels=["e", "a", "b", "ab"], name="V4",
                           generators=[1, 2], family=self, _checked=True)

    def irreps(self, G: FiniteGroup) -> list[Irrep]:
        # a character is fixed by its values on a and b
        bits_a = np.array([0, 1, 0, 1])
        bits_b = np.array([0, 0, 1, 1])
        return [
            one_dimensional(G, np.ones(4), "trivial"),
            one_dimensional(G, (-1.0) ** bits_a, "sign_a"),
            one_dimensional(G, (-1.0) ** bits_b, "sign_b"),
            one_dimensional(G, (-1.0) ** (bits_a + bits_b), "sign_ab"),
        ]


def klein_four() -> FiniteGroup:
    """The Klein four-group ``V = {e, a, b, ab}`` (``≅ C2 × C2``), product = XOR of indices.

    Examples
    --------
    >>> V = klein_four()
    >>> V.labels, V.mul("a", "b")
    (['e', 'a', 'b', 'ab'], 3)
    """
    return Klein().build()


__all__ = ["Klein", "klein_four"]
