"""The cyclic groups ``C_N``: element ``r^k`` has index ``k``; ``r`` is the rotation by
``2π/N``.

Real irreps: ``trivial``; ``alt`` (``r ↦ -1``, N even); ``rot_k`` for ``0 < k < N/2``,
``r ↦ R(2πk/N)`` (2-d, type C).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from specproof.groups.axioms import check_order
from specproof.groups.family import Family, positive_parameter
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep, one_dimensional, rotations


def power_label(k: int) -> str:
    """``"e"``, ``"r"``, ``"r^k"``."""
    return "e" if k == 0 else ("r" if k == 1 else f"r^{k}")


class Cyclic(Family):
    """``Cyclic(N)``: the cyclic group of order N."""

    key: ClassVar[str] = "cyclic"
    irreps_scope: ClassVar[str | None] = "cyclic(N)"

    def build(self) -> FiniteGroup:
        (N,) = self.params
        check_order(N, f"cyclic({N})")  # before the N² table is allocated
        k = np.arange(N)
        table = (k[:, None] + k[None, :]) % N
        return FiniteGroup(table, labels=[power_label(i) for i in range(N)], name=f"C{N}",
                           generators=[1] if N > 1 else [], family=self, _checked=True)

    def irreps(self, G: FiniteGroup) -> list[Irrep]:
        (N,) = self.params
        k = np.arange(N)
        out = [one_dimensional(G, np.ones(N), "trivial")]
        if N % 2 == 0:
            out.append(one_dimensional(G, (-1.0) ** k, "alt"))
        for f in range(1, (N + 1) // 2):
            if 2 * f == N:
                continue
            # reduce f·k mod N first: the angle's rounding error grows with its size
            out.append(Irrep(G, rotations(2 * np.pi * ((f * k) % N) / N), name=f"rot_{f}",
                             type="C"))
        return out


def cyclic(N: int) -> FiniteGroup:
    """The cyclic group ``C_N`` of rotations by multiples of ``2π/N``.

    Parameters
    ----------
    N : int
        Order, ``1 <= N <= MAX_ORDER`` (10 000; a larger Cayley table raises
        :class:`~specproof.ResourceLimitError`).

    Examples
    --------
    >>> G = cyclic(4)
    >>> G.labels, G.mul(3, 2)
    (['e', 'r', 'r^2', 'r^3'], 1)
    """
    return Cyclic(positive_parameter(N, "N")).build()


__all__ = ["Cyclic", "cyclic"]
