"""Pairs of identical inputs in a kernel, kept exactly on the diagonal through the recursion.

For ``x = x'`` the covariance ``c = E[z z']`` equals both variances ``a = b``, but the
input layer computed ``c`` by a matrix product and ``a`` by a row sum, which differ in the
last bit. The erf kernel's ``ab - c^2`` then read ``2 a^2 u`` instead of 0, which at
``a = 1e24`` outweighs ``1 + 4a``: the NTK's diagonal came out 16,000 times too small. And
``arcsin(2c / (1 + 2a))`` near 1 cost 1e-8 of the NNGP's diagonal. Here every group of
identical input rows (of ``X`` and ``X2`` together) gets one variance, and every kernel
entry of a pair in one group is set to it, at the input nodes and after every
activation, so that ``c == a == b`` holds exactly and each activation's diagonal formula
applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IdenticalPairs:
    """The stored kernel entries whose two inputs are equal, and a row of ``X`` for each.

    ``group_a`` / ``group_b`` number the rows of ``X`` / ``X2`` by their group of identical
    rows; ``first`` is each group's first row in ``X`` stacked over ``X2``.
    """

    entries: np.ndarray
    rows: np.ndarray
    group_a: np.ndarray
    group_b: np.ndarray
    first: np.ndarray


def identical_pairs(A: np.ndarray, B: np.ndarray, sym: bool, iu: np.ndarray | None = None,
                    ju: np.ndarray | None = None) -> IdenticalPairs:
    """The entries of a kernel between the rows of ``A`` and ``B`` whose rows are equal.

    ``sym`` (``B`` is ``A``): entries are the upper triangle ``(iu, ju)``; else the
    row-major ``i * n2 + j``. Rows are equal when their bytes are (``-0.0`` and ``0.0``
    differ there; such a pair is only left to the general formulas).

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    >>> iu, ju = np.triu_indices(3)
    >>> p = identical_pairs(A, A, True, iu, ju)
    >>> [(int(iu[k]), int(ju[k])) for k in p.entries]
    [(0, 0), (0, 2), (1, 1), (2, 2)]
    """
    stacked = A if sym else np.concatenate([A, B])
    seen: dict[bytes, int] = {}
    group = np.empty(len(stacked), dtype=np.intp)
    first: list[int] = []
    for r, row in enumerate(np.ascontiguousarray(stacked)):
        g = seen.setdefault(row.tobytes(), len(first))
        if g == len(first):
            first.append(r)
        group[r] = g
    group_a = group[: len(A)]
    group_b = group_a if sym else group[len(A):]
    if sym:
        entries = np.flatnonzero(group_a[iu] == group_a[ju])
        rows = iu[entries]
    else:
        i, j = np.nonzero(group_a[:, None] == group_b[None, :])
        entries, rows = i * len(B) + j, i
    return IdenticalPairs(entries, rows, group_a, group_b, np.asarray(first, dtype=np.intp))


def input_variances(pairs: IdenticalPairs, A: np.ndarray, B: np.ndarray, sym: bool,
                    cols: slice, m: int) -> tuple[np.ndarray, np.ndarray]:
    """``x . x / m`` of every row's ``cols``, one value per group of identical rows."""
    stacked = A if sym else np.concatenate([A, B])
    reps = stacked[pairs.first, cols]
    per_group = np.einsum("ij,ij->i", reps, reps) / m
    return per_group[pairs.group_a], per_group[pairs.group_b]


def pin_diagonal(C: np.ndarray, da: np.ndarray, pairs: IdenticalPairs) -> None:
    """Set the entries of identical pairs in ``C`` (nodes x entries) to the variance ``da``."""
    if pairs.entries.size:
        C[:, pairs.entries] = da[:, pairs.rows]


__all__ = ["IdenticalPairs", "identical_pairs", "input_variances", "pin_diagonal"]
