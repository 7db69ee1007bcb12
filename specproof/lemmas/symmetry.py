"""Sign symmetries: split a Gram basis into blocks that never mix.

A sign symmetry flips a set ``S`` of variables (``x_i -> -x_i`` for ``i`` in ``S``). It
leaves a polynomial invariant iff every monomial ``alpha`` of it has an even degree in
``S``: ``<alpha mod 2, s> = 0`` over GF(2), ``s`` the indicator of ``S``. The invariant
flips form the GF(2) null space of the support's parities. If ``p`` (and every domain
constraint) is invariant and ``p = z^T G z`` with ``G`` PSD, averaging ``G`` over the group
gives another valid Gram matrix that couples only monomials with the same *character*
``(<beta mod 2, s_t>)_t`` (Gatermann and Parrilo 2004; Loefberg 2009). So the search may
use one block per character, with no loss: fewer unknowns, smaller PSD cones, and
forced zeros between blocks stay exactly zero in the rounded certificate.

Examples
--------
>>> gens = invariant_flips([(4, 2), (2, 4), (2, 2), (0, 0)])   # Motzkin: all even
>>> len(gens)
2
>>> sorted(len(b) for b in split_by_character([(0, 0), (1, 1), (2, 1), (1, 2)], gens))
[1, 1, 1, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

Exponent = tuple[int, ...]


def _mask(e: Exponent) -> int:
    return sum(1 << i for i, a in enumerate(e) if a % 2)


def invariant_flips(support: Sequence[Exponent]) -> list[int]:
    """A basis (as bit masks) of the sign flips that leave every monomial invariant.

    Examples
    --------
    >>> invariant_flips([(1, 1), (2, 0)])      # x*y + x^2: only flipping both
    [3]
    """
    if not support:
        return []
    n = len(support[0])
    # row-reduce the parity vectors (bit masks) over GF(2)
    pivots: dict[int, int] = {}
    for e in support:
        v = _mask(e)
        for bit, row in pivots.items():
            if v >> bit & 1:
                v ^= row
        if v:
            bit = v.bit_length() - 1
            for b2, row in list(pivots.items()):
                if row >> bit & 1:
                    pivots[b2] = row ^ v
            pivots[bit] = v
    free = [i for i in range(n) if i not in pivots]
    basis = []
    for f in free:
        s = 1 << f
        for bit, row in pivots.items():
            # row has its pivot at `bit` and other bits only at free positions
            if row >> f & 1:
                s |= 1 << bit
        basis.append(s)
    return basis


def character(beta: Exponent, flips: Sequence[int]) -> tuple[int, ...]:
    """The parities ``<beta mod 2, s>`` for each flip ``s``.

    Examples
    --------
    >>> character((1, 2), [1, 2])
    (1, 0)
    """
    m = _mask(beta)
    return tuple(bin(m & s).count("1") % 2 for s in flips)


def split_by_character(basis: Sequence[Exponent], flips: Sequence[int]) -> list[list[Exponent]]:
    """The basis grouped by character (order of first appearance).

    Examples
    --------
    >>> split_by_character([(1, 0), (0, 1), (1, 1)], [3])
    [[(1, 0), (0, 1)], [(1, 1)]]
    """
    groups: dict[tuple[int, ...], list[Exponent]] = {}
    for b in basis:
        groups.setdefault(character(b, flips), []).append(b)
    return list(groups.values())
