"""Permutation groups: closure of generators, Cayley tables by composition, cycle labels,
parity, validation of image arrays, and sympy interop.

A permutation is an image array ``p`` of ``{0, ..., m-1}`` (``p[x]`` is the image of
``x``); products compose as functions, ``(a·b)(x) = a(b(x))``. These helpers compute the
pieces; :class:`~specproof.groups.FiniteGroup` assembles them (``from_permutations``,
``from_sympy``, ``to_sympy``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.groups.axioms import _ASSOC_CHUNK
from specproof.groups.errors import GroupAxiomError


def _permutation_closure(
    generators: Sequence[Sequence[int]], degree: int | None
) -> tuple[np.ndarray, list[int]]:
    """All products of ``generators`` (breadth-first), identity first, and the generators'
    row indices; raises :class:`~specproof.ArgumentError` naming a generator that is not a
    permutation."""
    gens = [np.asarray(g) for g in generators]
    if not gens and degree is None:
        raise ArgumentError("generators is empty: pass degree to get the trivial group")
    m = int(degree) if degree is not None else len(gens[0])
    if m < 1:
        # reshape(1, 0) of the identity failed with a bare numpy ValueError
        raise ArgumentError(f"the degree must be at least 1 (permutations of 0..m-1), got {m}")
    for i, g in enumerate(gens):
        if g.ndim != 1 or g.shape[0] != m:
            raise ArgumentError(
                f"generators[{i}] must be an image array of length {m}, got shape {g.shape}"
            )
        if g.dtype.kind not in "iu" or sorted(g.tolist()) != list(range(m)):
            raise ArgumentError(
                f"generators[{i}] = {g.tolist()} is not a permutation of 0..{m - 1}"
            )
    ident = tuple(range(m))
    elems = [ident]
    index = {ident: 0}
    frontier = [ident]
    gen_t = [tuple(int(v) for v in g) for g in gens]
    while frontier:
        nxt = []
        for x in frontier:
            for g in gen_t:
                y = tuple(x[v] for v in g)  # x∘g: closure is the same set either way
                if y not in index:
                    index[y] = len(elems)
                    elems.append(y)
                    nxt.append(y)
        frontier = nxt
    perms = np.array(elems, dtype=np.int64).reshape(len(elems), m)
    return perms, [index[g] for g in gen_t]


def _composition_table(perms: np.ndarray) -> np.ndarray:
    """Cayley table of distinct permutations under composition, ``table[a, b] = a∘b``;
    raises :class:`GroupAxiomError` when they are not closed."""
    n, m = perms.shape
    find = _row_finder(perms)
    table = np.empty((n, n), dtype=np.int64)
    rows = max(1, _ASSOC_CHUNK // max(1, n * m))
    for start in range(0, n, rows):
        a = np.arange(start, min(n, start + rows))
        # compose[a, b, x] = a(b(x)): function composition, associative by construction.
        compose = perms[a[:, None, None], perms[None, :, :]]
        table[a] = find(compose.reshape(-1, m)).reshape(len(a), n)
    return table


def _row_finder(perms: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping permutation rows to their index in ``perms`` (raising
    :class:`GroupAxiomError` for rows not there)."""
    n, m = perms.shape
    if m > 15:
        # mixed-radix keys m**m would overflow int64: look rows up by their bytes
        lookup = {row.tobytes(): i for i, row in enumerate(perms)}

        def find_slow(rows: np.ndarray) -> np.ndarray:
            try:
                return np.array([lookup[np.ascontiguousarray(r).tobytes()] for r in rows])
            except KeyError:
                raise GroupAxiomError(
                    "the permutations are not closed under composition") from None

        return find_slow
    weights = np.int64(m) ** np.arange(m, dtype=np.int64)
    keys = perms @ weights
    order = np.argsort(keys)
    sorted_keys = keys[order]

    def find(rows: np.ndarray) -> np.ndarray:
        k = rows.astype(np.int64) @ weights
        pos = np.clip(np.searchsorted(sorted_keys, k), 0, n - 1)
        if not np.array_equal(sorted_keys[pos], k):
            raise GroupAxiomError("the permutations are not closed under composition")
        return order[pos]

    return find


def _cycle_label(p: np.ndarray) -> str:
    """Cycle notation without fixed points, e.g. ``"(0 1 2)"``; ``"e"`` for the identity."""
    m = len(p)
    seen = [False] * m
    cycles = []
    for s in range(m):
        if seen[s] or p[s] == s:
            seen[s] = True
            continue
        cyc = []
        x = s
        while not seen[x]:
            seen[x] = True
            cyc.append(x)
            x = int(p[x])
        cycles.append("(" + " ".join(str(v) for v in cyc) + ")")
    return "".join(cycles) or "e"


def _parity(p: np.ndarray) -> int:
    """``+1`` for an even permutation, ``-1`` for an odd one (one flip per even cycle)."""
    seen = np.zeros(len(p), dtype=bool)
    s = 1
    for i in range(len(p)):
        if seen[i]:
            continue
        length = 0
        x = i
        while not seen[x]:
            seen[x] = True
            x = int(p[x])
            length += 1
        if length % 2 == 0:
            s = -s
    return s


def _as_permutation_images(perms: Any, order: int) -> np.ndarray:
    """Validate ``perms[g][x] = g.x`` for a group of ``order`` elements: shape
    ``(order, m)``, integer dtype, each row a permutation of ``0..m-1``."""
    p = np.asarray(perms)
    if p.ndim != 2 or p.shape[0] != order:
        raise ArgumentError(f"perms must have shape (|G|, m) = ({order}, m), got shape {p.shape}")
    if p.dtype.kind not in "iu":
        raise ArgumentError(f"perms must hold integer images, got dtype {p.dtype}")
    m = p.shape[1]
    for g in range(order):
        if sorted(p[g].tolist()) != list(range(m)):
            raise ArgumentError(f"perms[{g}] = {p[g].tolist()} is not a permutation of 0..{m - 1}")
    return p


def _as_permutation_array(perms: Any) -> np.ndarray:
    """Validate the rows of ``perms`` as distinct permutations of ``0..m-1`` (int64).

    A bad row has to be caught here: composing it indexes out of range (a bare
    ``IndexError``) or, for a row such as ``[0, 0]``, sends the cycle labelling into an
    endless loop.
    """
    p = np.asarray(perms)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ArgumentError(
            f"perms must have shape (n, m): one image array per element, n >= 1; "
            f"got shape {p.shape}")
    if p.dtype.kind not in "iu":
        raise ArgumentError(f"perms must hold integer images, got dtype {p.dtype}")
    p = np.ascontiguousarray(p, dtype=np.int64)
    m = p.shape[1]
    bad = np.flatnonzero(np.any(np.sort(p, axis=1) != np.arange(m), axis=1))
    if bad.size:
        i = int(bad[0])
        raise ArgumentError(f"perms[{i}] = {p[i].tolist()} is not a permutation of 0..{m - 1}")
    _, first, counts = np.unique(p, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        row = p[first[np.flatnonzero(counts > 1)[0]]]
        i, j = np.flatnonzero(np.all(p == row, axis=1))[:2]
        raise ArgumentError(
            f"rows {i} and {j} of perms are the same permutation {row.tolist()}: a group's "
            "elements must be distinct")
    return p


def _sympy_generators(pg: Any) -> tuple[list[list[int]], int]:
    """Generators (image arrays) and degree of a ``sympy`` ``PermutationGroup``."""
    from sympy.combinatorics import PermutationGroup

    if not isinstance(pg, PermutationGroup):
        raise ArgumentTypeError(f"pg must be a sympy PermutationGroup, got {type(pg).__name__}")
    return [list(p.array_form) for p in pg.generators], int(pg.degree)


def _to_sympy(perms: np.ndarray, generators: Sequence[int]) -> Any:
    """``sympy`` ``PermutationGroup`` generated by the rows ``perms[g]`` for ``g`` in
    ``generators``."""
    from sympy.combinatorics import Permutation, PermutationGroup

    return PermutationGroup([Permutation([int(v) for v in perms[g]]) for g in generators])
