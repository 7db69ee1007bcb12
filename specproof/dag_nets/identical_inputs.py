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


class PairsBySource:
    """Identical pairs per node, judged on the input nodes that node reads.

    A node depends only on the inputs among its ancestors, so two examples that are equal
    on those inputs' blocks are one input to it, however their rows differ elsewhere (a
    shared context input beside a per-example one). Judged on whole rows, such a pair got
    ``c`` from a matrix product and ``a`` from a row sum, and erf's ``ab - c^2`` read their
    last-bit difference: at inputs of size 1e12 the NTK entry came out 46,000 times too
    small.

    ``columns`` maps each input node to its columns of ``A``; ``parents`` maps every other
    node to its predecessors, and ``order`` lists the nodes with each after its parents.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0, 5.0], [1.0, 2.0, 6.0]])
    >>> iu, ju = np.triu_indices(2)
    >>> by = PairsBySource(A, A, True, iu, ju, {"x1": slice(0, 2), "x2": slice(2, 3)},
    ...                    {"h": ["x1"], "y": ["h", "x2"]}, ["x1", "x2", "h", "y"])
    >>> [[(int(iu[k]), int(ju[k])) for k in by.of(v).entries] for v in ("h", "y")]
    [[(0, 0), (0, 1), (1, 1)], [(0, 0), (1, 1)]]
    """

    def __init__(self, A: np.ndarray, B: np.ndarray, sym: bool, iu: np.ndarray | None,
                 ju: np.ndarray | None, columns: dict, parents: dict, order: list) -> None:
        self._args = (A, B, sym, iu, ju)
        self._columns = columns
        # each input node's place and its column indices, once: per node they made the
        # limit of a neuron-level graph quadratic in its input neurons (11 s at 16000)
        self._position = {u: i for i, u in enumerate(columns)}
        every = np.arange(A.shape[1])
        self._indices = {u: every[cols] for u, cols in columns.items()}
        self.sources: dict = {}
        for v in order:
            if v in columns:
                self.sources[v] = frozenset([v])
            else:
                self.sources[v] = frozenset().union(*(self.sources[u] for u in parents[v]))
        self._pairs: dict = {}

    def of(self, node) -> IdenticalPairs:
        """The identical pairs of ``node``'s kernel."""
        src = self.sources[node]
        if src not in self._pairs:
            A, B, sym, iu, ju = self._args
            cols = np.concatenate([self._indices[u]
                                   for u in sorted(src, key=self._position.__getitem__)])
            self._pairs[src] = identical_pairs(A[:, cols], A[:, cols] if sym else B[:, cols],
                                               sym, iu, ju)
        return self._pairs[src]

    def pin(self, C: np.ndarray, d: np.ndarray, nodes: list) -> None:
        """:func:`pin_diagonal` on the rows of ``C`` (one per node of ``nodes``), each with
        its own node's pairs (runs of nodes reading the same inputs at once)."""
        k = 0
        while k < len(nodes):
            k2 = k + 1
            while k2 < len(nodes) and self.sources[nodes[k2]] == self.sources[nodes[k]]:
                k2 += 1
            pin_diagonal(C[k:k2], d[k:k2], self.of(nodes[k]))
            k = k2


__all__ = ["IdenticalPairs", "PairsBySource", "identical_pairs", "input_variances",
           "pin_diagonal"]
