"""The quaternion group ``Q8 = {±1, ±i, ±j, ±k}``: ``1, i, j, k, -1, -i, -j, -k`` have
indices 0..7 (``i² = j² = k² = ijk = -1``).

Real irreps: ``trivial``, ``chi_i``, ``chi_j``, ``chi_k`` (+1 exactly on ``±1`` and
``±u``), type R; and ``quaternion`` (ℍ acting on itself by left multiplication, 4-d,
type H, ``c = 4``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from specproof.groups.family import Family
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep, one_dimensional


def quaternion_units() -> np.ndarray:
    """Left-multiplication matrices of ``1, i, j, k, -1, -i, -j, -k`` on ℍ = R⁴ (basis 1, i, j, k).

    Examples
    --------
    >>> L = quaternion_units()
    >>> bool(np.array_equal(L[1] @ L[2], L[3]))  # i·j = k
    True
    """

    def mult(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        a1, b1, c1, d1 = p
        a2, b2, c2, d2 = q
        return np.array([a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
                         a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
                         a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
                         a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2])

    basis = np.eye(4)
    units = [basis[i] for i in range(4)] + [-basis[i] for i in range(4)]
    return np.array([np.stack([mult(u, e) for e in basis], axis=1) for u in units])


class Quaternion(Family):
    """``Quaternion()``: the quaternion group of order 8."""

    key: ClassVar[str] = "quaternion"
    irreps_scope: ClassVar[str | None] = "quaternion()"

    def build(self) -> FiniteGroup:
        L = quaternion_units()
        flat = L.reshape(8, 16)
        prod = np.einsum("aij,bjk->abik", L, L).reshape(8, 8, 16)
        table = np.argmin(np.abs(prod[:, :, None, :] - flat[None, None]).sum(-1), axis=2)
        # the table is read off from matrices, so the axioms are checked, not assumed
        return FiniteGroup(table, labels=["1", "i", "j", "k", "-1", "-i", "-j", "-k"],
                           name="Q8", generators=[1, 2], family=self)

    def irreps(self, G: FiniteGroup) -> list[Irrep]:
        unit = np.arange(8) % 4  # 0: ±1, 1: ±i, 2: ±j, 3: ±k
        out = [one_dimensional(G, np.ones(8), "trivial")]
        for u, name in ((1, "chi_i"), (2, "chi_j"), (3, "chi_k")):
            out.append(one_dimensional(G, np.where((unit == 0) | (unit == u), 1.0, -1.0), name))
        out.append(Irrep(G, quaternion_units(), name="quaternion", type="H"))
        return out


def quaternion() -> FiniteGroup:
    """The quaternion group ``Q8 = {±1, ±i, ±j, ±k}``; index of ``±u`` is ``u + 4·[sign < 0]``.

    Its 4-dimensional real irrep (ℍ acting on itself) has quaternionic type, ``c = 4``.

    Examples
    --------
    >>> Q = quaternion()
    >>> Q.labels[Q.mul("i", "j")], Q.labels[Q.mul("j", "i")], Q.is_abelian
    ('k', '-k', False)
    """
    return Quaternion().build()


__all__ = ["Quaternion", "quaternion", "quaternion_units"]
