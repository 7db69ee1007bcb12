"""The group law on a Cayley table: operations, classes, abelian, bad input."""


from __future__ import annotations

import itertools

import pytest
from sympy.combinatorics.named_groups import DihedralGroup, SymmetricGroup

from specproof.groups import (
    FiniteGroup,
    cyclic,
    dihedral,
    klein_four,
    symmetric,
)


def test_is_abelian_is_computed():
    assert [cyclic(N).is_abelian for N in (1, 5, 12)] == [True] * 3
    assert [dihedral(N).is_abelian for N in (1, 2, 3, 4)] == [True, True, False, False]
    assert not symmetric(3).is_abelian and klein_four().is_abelian
    # from a bare table: S3's table re-indexed
    t = symmetric(3).table
    assert not FiniteGroup.from_table(t).is_abelian


@pytest.mark.parametrize("N", range(3, 13))
def test_dihedral_conjugacy_class_counts(N):
    classes = dihedral(N).conjugacy_classes()
    assert len(classes) == ((N + 3) // 2 if N % 2 else N // 2 + 3)
    assert classes[0] == [0]
    assert sorted(itertools.chain.from_iterable(classes)) == list(range(2 * N))


def test_conjugacy_classes_match_sympy():
    for G, pg in [(symmetric(4), SymmetricGroup(4)), (dihedral(6), DihedralGroup(6))]:
        assert len(G.conjugacy_classes()) == len(pg.conjugacy_classes())
    assert [len(c) for c in symmetric(4).conjugacy_classes()] == [1, 6, 8, 3, 6]


def test_bad_constructor_input():
    with pytest.raises(ValueError, match=r"generators\[0\].*not a permutation"):
        FiniteGroup.from_permutations([[0, 0, 1]])
    with pytest.raises(ValueError, match="length 3"):
        FiniteGroup.from_permutations([[0, 1, 2], [1, 0]])
    with pytest.raises(ValueError, match="labels must be distinct"):
        FiniteGroup.from_table([[0, 1], [1, 0]], labels=["x", "x"])
    with pytest.raises(ValueError, match="positive"):
        dihedral(0)
    with pytest.raises(TypeError):
        cyclic(2.5)
    with pytest.raises(ValueError, match="no element labelled"):
        dihedral(3).index("t")
    with pytest.raises(ValueError, match=r"element index in \[0, 6\)"):
        dihedral(3).mul(6, 0)

