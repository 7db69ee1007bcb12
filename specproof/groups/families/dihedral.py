"""The dihedral groups ``D_N`` of order ``2N``: element ``r^k s^j`` (``0 <= k < N``,
``j ∈ {0, 1}``) has index ``k + N*j``; ``r`` is the rotation by ``2π/N``, ``s`` a
reflection, ``s r s = r⁻¹``. Labels ``"e", "r", "r^2", ..., "s", "rs", "r^2s", ...``.

Real irreps (all type R): ``trivial``; ``flip`` (``r ↦ 1, s ↦ -1``); for N even ``alt``
(``r ↦ -1, s ↦ 1``) and ``alt_flip`` (``r ↦ -1, s ↦ -1``); ``rot_k`` for ``0 < k < N/2``,
``r ↦ R(2πk/N), s ↦ diag(1, -1)`` (2-d).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from specproof.groups.axioms import check_order
from specproof.groups.families.cyclic import power_label
from specproof.groups.family import Family, positive_parameter
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep, one_dimensional, rotations


class Dihedral(Family):
    """``Dihedral(N)``: the symmetries of the regular N-gon, order 2N."""

    key: ClassVar[str] = "dihedral"
    irreps_scope: ClassVar[str | None] = "dihedral(N)"

    def build(self) -> FiniteGroup:
        (N,) = self.params
        check_order(2 * N, f"dihedral({N})")  # before the (2N)² table is allocated
        idx = np.arange(2 * N)
        k, j = idx % N, idx // N
        sign = np.where(j == 1, -1, 1)
        kk = (k[:, None] + sign[:, None] * k[None, :]) % N
        jj = (j[:, None] + j[None, :]) % 2
        labels = [power_label(i) for i in range(N)]
        labels += ["s" if i == 0 else power_label(i) + "s" for i in range(N)]
        return FiniteGroup(kk + N * jj, labels=labels, name=f"D{N}",
                           generators=([1] if N > 1 else []) + [N], family=self,
                           _checked=True)

    def irreps(self, G: FiniteGroup) -> list[Irrep]:
        (N,) = self.params
        idx = np.arange(2 * N)
        k, j = idx % N, idx // N
        out = [one_dimensional(G, np.ones(2 * N), "trivial"),
               one_dimensional(G, (-1.0) ** j, "flip")]
        if N % 2 == 0:
            out.append(one_dimensional(G, (-1.0) ** k, "alt"))
            out.append(one_dimensional(G, (-1.0) ** (k + j), "alt_flip"))
        flip = np.where(j[:, None, None] == 1, np.diag([1.0, -1.0]), np.eye(2))
        for f in range(1, (N + 1) // 2):
            if 2 * f == N:
                continue
            mats = rotations(2 * np.pi * ((f * k) % N) / N) @ flip
            out.append(Irrep(G, mats, name=f"rot_{f}", type="R"))
        return out


def dihedral(N: int) -> FiniteGroup:
    """The dihedral group ``D_N`` of order ``2N`` (symmetries of the regular N-gon).

    Element ``r^k s^j`` has index ``k + N*j``; ``r^a s^i · r^b s^j = r^(a + (-1)^i b) s^(i+j)``.

    Parameters
    ----------
    N : int
        Number of rotations, ``1 <= N <= MAX_ORDER / 2`` (5000; a larger Cayley table
        raises :class:`~specproof.ResourceLimitError`).

    Examples
    --------
    >>> G = dihedral(4)
    >>> G.order, G.labels[5], G.labels[G.mul("s", "r")]
    (8, 'rs', 'r^3s')
    """
    return Dihedral(positive_parameter(N, "N")).build()


__all__ = ["Dihedral", "dihedral"]
