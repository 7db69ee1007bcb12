"""The symmetric groups ``S_n`` on ``{0, ..., n-1}``: the ``n!`` permutations in
lexicographic order of their image arrays (index 0 is the identity); products compose as
functions, ``(a·b)(x) = a(b(x))``.

Real irreps for ``n <= 4`` (all type R): ``trivial``, ``sign``, ``standard`` (on the
sum-zero vectors), and for n = 4 ``standard_sign`` and ``two_dim`` (through S4 → S3, the
action on the three pairings).
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np

from specproof._core import ArgumentError
from specproof.groups.errors import NoIrrepsTableError
from specproof.groups.family import Family, positive_parameter
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep, one_dimensional
from specproof.groups.permutations import _parity

MAX_DEGREE = 7
"""``7! = 5040`` elements is the largest Cayley table kept."""


def _sum_zero_basis(n: int) -> np.ndarray:
    """Orthonormal basis (n, n-1) of the vectors in R^n with zero sum."""
    q, _ = np.linalg.qr(np.eye(n) - 1.0 / n)
    return q[:, : n - 1]


def _standard_matrices(perms: np.ndarray) -> np.ndarray:
    n_el, n = perms.shape
    P = np.zeros((n_el, n, n))
    P[np.repeat(np.arange(n_el), n), perms.reshape(-1), np.tile(np.arange(n), n_el)] = 1.0
    Q = _sum_zero_basis(n)
    return Q.T @ P @ Q


class Symmetric(Family):
    """``Symmetric(n)``: all permutations of n points."""

    key: ClassVar[str] = "symmetric"
    irreps_scope: ClassVar[str | None] = "symmetric(n) with n <= 4"

    def build(self) -> FiniteGroup:
        (n,) = self.params
        perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
        gens: list[int] = []
        if n > 1:
            keys = {tuple(p): i for i, p in enumerate(perms.tolist())}
            transposition = list(range(n))
            transposition[0], transposition[1] = 1, 0
            cycle = [(x + 1) % n for x in range(n)]
            gens = sorted({keys[tuple(transposition)], keys[tuple(cycle)]})
        return FiniteGroup.from_permutation_array(perms, name=f"S{n}", generators=gens,
                                                  family=self)

    def irreps(self, G: FiniteGroup) -> list[Irrep]:
        (n,) = self.params
        if n > 4:
            super().irreps(G)
        perms = G.permutations
        if perms is None:  # pragma: no cover - build() always sets them
            raise NoIrrepsTableError(f"{G.name} has no permutations to build irreps from")
        parity = np.array([_parity(p) for p in perms], dtype=np.float64)
        out = [one_dimensional(G, np.ones(G.order), "trivial")]
        if n >= 2:
            out.append(one_dimensional(G, parity, "sign"))
        if n >= 3:
            std = _standard_matrices(perms)
            out.append(Irrep(G, std, name="standard", type="R"))
        if n == 4:
            out.append(Irrep(G, std * parity[:, None, None], name="standard_sign", type="R"))
            # S4 permutes the three pairings {01|23, 02|13, 03|12}; compose with S3's standard.
            pairings = [frozenset({frozenset({0, 1}), frozenset({2, 3})}),
                        frozenset({frozenset({0, 2}), frozenset({1, 3})}),
                        frozenset({frozenset({0, 3}), frozenset({1, 2})})]
            images = np.array([
                [pairings.index(frozenset(frozenset(int(p[x]) for x in pair) for pair in pr))
                 for pr in pairings]
                for p in perms
            ])
            out.append(Irrep(G, _standard_matrices(images), name="two_dim", type="R"))
        return out


def symmetric(n: int) -> FiniteGroup:
    """The symmetric group ``S_n`` on ``{0, ..., n-1}``.

    Elements are the permutations in lexicographic order of image arrays; labels are cycle
    notation. Generators: the transposition ``(0 1)`` and the n-cycle ``(0 1 ... n-1)``.

    Parameters
    ----------
    n : int
        Degree, ``1 <= n <= 7`` (``7! = 5040`` elements is the largest table kept).

    Examples
    --------
    >>> G = symmetric(3)
    >>> G.order, G.labels[:3]
    (6, ['e', '(1 2)', '(0 1)'])
    """
    n = positive_parameter(n, "n")
    if n > MAX_DEGREE:
        raise ArgumentError(
            f"n must be <= {MAX_DEGREE} (the Cayley table of S_n has n!² entries), got {n}")
    return Symmetric(n).build()


__all__ = ["Symmetric", "symmetric"]
