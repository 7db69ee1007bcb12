"""Validate what :func:`~specproof.groups.intertwiners` is told about the group.

The generator constraints describe Hom_G only when the generators generate G, and a
plain array stands for a representation only when it is a homomorphism of the group. Both
were taken on trust: ``generators=[1]`` for D4's regular representation gave 16 matrices
(the commutant of the rotations; Hom_G has 8), ``generators=[]`` all 64, and C10's regular
matrices passed as a "representation" of D5 gave one matrix. When the group is known
(one side is a :class:`~specproof.groups.Representation`) both are checked on the group's
structure: the generators by closure on the Cayley table, a plain array as
:class:`~specproof.groups.Representation` checks one (exactly, by index arithmetic, for
permutation matrices; against a random sample of elements where all would cost too much).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError
from specproof.groups._repdata import RepData, is_permutation
from specproof.groups.cayley import generated_mask
from specproof.groups.errors import NotAHomomorphismError
from specproof.groups.representations import Representation, entry_tolerances

# products the dense homomorphism check of a plain array may take (about 1 s); beyond it
# the group's generators are checked against a random sample of the elements
_HOM_CHECK_FLOPS = 2e9
_MIN_HOM_SAMPLE = 16


def checked_generators(a: RepData, b: RepData, given: bool) -> tuple[tuple[int, ...], bool]:
    """The generators to constrain with, after the checks the known structure allows.

    With a group known (a side is a Representation): the ``given`` generators must
    generate it (:func:`check_generators`) and a plain side must be a representation of
    it (:func:`check_plain_side`). With plain arrays only, given generators are checked by
    :func:`check_plain_generators` where affordable. Returns the generators and whether
    they are known to generate the group.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> from specproof.groups._repdata import rep_data
    >>> R = rep_data(dihedral(3).regular_representation(), "rho_in")
    >>> checked_generators(R, R, given=False)
    ((1, 3), True)
    """
    group = a.group if a.group is not None else b.group
    gens = a.generators if a.group is not None or b.group is None else b.generators
    if group is not None:
        if given:
            check_generators(group, gens)
        for side in (a, b):
            if side.group is None:
                check_plain_side(side, group)
        return gens, True
    return gens, check_plain_generators(a, b, gens) if given else True


def check_generators(group: Any, gens: tuple[int, ...]) -> None:
    """Raise :class:`~specproof.ArgumentError` unless ``gens`` generate ``group``.

    The closure of ``gens`` under multiplication is read off the Cayley table.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> check_generators(dihedral(4), (1, 4))
    >>> check_generators(dihedral(4), (1,))
    Traceback (most recent call last):
        ...
    specproof._core.errors.ArgumentError: generators [1] generate only 4 of the 8 elements ...
    """
    mask = generated_mask(np.asarray(group.table), list(gens), int(group.identity))
    if mask.all():
        return
    labels = list(group.labels)
    inside = [labels[i] for i in np.flatnonzero(mask)]
    shown = ", ".join(inside[:8]) + (", ..." if len(inside) > 8 else "")
    raise ArgumentError(
        f"generators {list(gens)} generate only {int(mask.sum())} of the {len(mask)} "
        f"elements of {group.name} (the subgroup {{{shown}}}): their constraints give the "
        f"intertwiners of that subgroup, not of {group.name}; pass a generating set (the "
        f"group's own: {[int(g) for g in group.generators]})")


def check_plain_side(data: RepData, group: Any) -> None:
    """Raise :class:`~specproof.groups.NotAHomomorphismError` unless the plain array of
    ``data`` is a representation of ``group`` (``rho(e) = I``, ``rho(a)rho(b) = rho(ab)``).

    Permutation matrices are checked exactly on index arrays, ``O(|gens| |G| d)``; other
    matrices as :class:`~specproof.groups.Representation` checks them when that costs at
    most :data:`_HOM_CHECK_FLOPS`, else the generators against a random sample of elements.

    Examples
    --------
    >>> from specproof.groups import cyclic, dihedral
    >>> from specproof.groups._repdata import rep_data
    >>> check_plain_side(rep_data(cyclic(4).regular_representation().matrices, "rho_in"),
    ...                  dihedral(2))
    Traceback (most recent call last):
        ...
    specproof.groups.errors.NotAHomomorphismError: rho_in: ρ(a)ρ(b) ≠ ρ(ab) for the pair ...
    """
    mats, name = data.matrices, data.name
    n, d = mats.shape[0], mats.shape[1]
    if d == 0:
        return
    gens = np.asarray(group.generators, dtype=np.int64)
    if is_permutation(mats):
        _check_permutations(mats, group, name)
    elif len(gens) * n * d**3 <= _HOM_CHECK_FLOPS:
        Representation(group, mats, name=name)
    else:
        _check_sampled(mats, group, name, gens)


def _pair_error(group: Any, name: str, a: int, b: int, what: str) -> NotAHomomorphismError:
    labels = group.labels
    ab = int(group.table[a, b])
    return NotAHomomorphismError(
        f"{name}: ρ(a)ρ(b) ≠ ρ(ab) for the pair (a, b) = ({a}, {b}) "
        f"[{labels[a]}·{labels[b]} = {labels[ab]}]: {what} (the array is not a "
        f"representation of {group.name} in its element order)")


def _check_permutations(mats: np.ndarray, group: Any, name: str) -> None:
    # sigma[g][i] = the row of the 1 in column i: rho(g) e_i = e_{sigma[g][i]}, and
    # rho(a) rho(b) = rho(ab) is sigma[a][sigma[b]] = sigma[ab]
    sigma = np.argmax(mats, axis=1)
    e = int(group.identity)
    if not np.array_equal(sigma[e], np.arange(mats.shape[1])):
        raise NotAHomomorphismError(
            f"{name}: ρ(identity) = {name}[{e}] is not the identity matrix (the array is "
            f"not a representation of {group.name} in its element order)")
    for a in np.asarray(group.generators, dtype=np.int64):
        bad = np.any(sigma[a][sigma] != sigma[group.table[a]], axis=1)
        if bad.any():
            raise _pair_error(group, name, int(a), int(np.argmax(bad)),
                              "the permutation matrices differ")


def _check_sampled(mats: np.ndarray, group: Any, name: str, gens: np.ndarray) -> None:
    n, d = mats.shape[0], mats.shape[1]
    tols = entry_tolerances(mats)
    e = int(group.identity)
    err = float(np.max(np.abs(mats[e] - np.eye(d)) / tols))
    if err > 1.0:
        raise NotAHomomorphismError(
            f"{name}: ρ(identity) = {name}[{e}] is not the identity matrix (the array is "
            f"not a representation of {group.name} in its element order)")
    m = max(_MIN_HOM_SAMPLE, int(_HOM_CHECK_FLOPS // max(1, len(gens) * d**3)))
    cols = np.random.default_rng(0).choice(n, size=min(m, n), replace=False)
    for a in gens:
        ratios = np.abs(mats[a] @ mats[cols] - mats[group.table[a, cols]]) / tols
        worst = np.max(ratios, axis=(1, 2))
        if worst.max() > 1.0:
            b = int(cols[int(np.argmax(worst))])
            raise _pair_error(group, name, int(a), b,
                              f"entry error {float(worst.max()):.3g} times the tolerance")


def check_plain_generators(a: RepData, b: RepData, gens: tuple[int, ...]) -> bool:
    """For plain arrays (no group known): raise unless the products of the generators'
    matrices reach every listed element; False (nothing checked) when that would cost
    more than :data:`_HOM_CHECK_FLOPS`.

    An element is reached when the pair ``(rho_in, rho_out)`` of a product of generators
    equals its pair to the tolerance :class:`~specproof.groups.Representation` uses for
    ``rho(a)rho(b) = rho(ab)``; a product that equals no listed pair means the arrays are
    not representations of one group in the same element order.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> from specproof.groups._repdata import rep_data
    >>> R = rep_data(dihedral(3).regular_representation().matrices, "rho")
    >>> check_plain_generators(R, R, (1, 3))
    True
    >>> check_plain_generators(R, R, (1,))
    Traceback (most recent call last):
        ...
    specproof._core.errors.ArgumentError: generators [1] do not generate the group that ...
    """
    A, B = a.matrices, b.matrices
    n, da, db = A.shape[0], A.shape[1], B.shape[1]
    if n * max(1, len(gens)) * (da**3 + db**3 + n * (da**2 + db**2)) > _HOM_CHECK_FLOPS:
        return False
    tol_a, tol_b = entry_tolerances(A), entry_tolerances(B)

    def matches(pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
        return (np.all(np.abs(A - pa) <= tol_a, axis=(1, 2))
                & np.all(np.abs(B - pb) <= tol_b, axis=(1, 2)))

    reached = matches(np.eye(da), np.eye(db))
    if not reached.any():
        raise ArgumentError(
            "no element is the identity matrix in both rho_in and rho_out: they are not "
            "representations of one group in the same element order")
    frontier = [int(np.argmax(reached))]
    while frontier:
        x = frontier.pop()
        for g in gens:
            hit = matches(A[x] @ A[g], B[x] @ B[g])
            if not hit.any():
                raise ArgumentError(
                    f"rho_in[{x}] rho_in[{g}] and rho_out[{x}] rho_out[{g}] are not the "
                    "matrices of any one element: rho_in and rho_out are not "
                    "representations of one group in the same element order")
            if not reached[hit].all():
                reached |= hit
                frontier.append(int(np.argmax(hit)))
    if not reached.all():
        raise ArgumentError(
            f"generators {list(gens)} do not generate the group that rho_in and rho_out "
            f"represent: products of their matrices reach {int(reached.sum())} of the {n} "
            f"elements (not element {int(np.argmin(reached))}, for one): their constraints "
            "give the intertwiners of a subgroup; pass every element (the default for "
            "plain arrays) or a generating set")
    return True


__all__: list[str] = []
