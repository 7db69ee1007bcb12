"""FiniteGroup constructors: permutations, sympy round trips."""


from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import Permutation, PermutationGroup

from specproof.groups import (
    FiniteGroup,
    check_group_axioms,
    cyclic,
    dihedral,
    klein_four,
    symmetric,
)


def test_sympy_round_trip():
    for G in (dihedral(5), symmetric(4), klein_four(), cyclic(7)):
        H = FiniteGroup.from_sympy(G.to_sympy())
        assert H.order == G.order
        assert H.is_abelian == G.is_abelian
        assert len(H.conjugacy_classes()) == len(G.conjugacy_classes())
    # permutation groups keep their permutations
    S = symmetric(4)
    H = FiniteGroup.from_sympy(S.to_sympy())
    assert {tuple(p) for p in H.permutations.tolist()} == {tuple(p) for p in
                                                           S.permutations.tolist()}


def test_from_permutations_composes_as_functions():
    G = FiniteGroup.from_permutations([[1, 0, 2], [0, 2, 1]])
    P = G.permutations
    for a, b in itertools.product(range(G.order), repeat=2):
        assert P[G.mul(a, b)].tolist() == P[a][P[b]].tolist()


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5).flatmap(
    lambda m: st.lists(st.permutations(list(range(m))), min_size=1, max_size=3)))
def test_random_permutation_generators_give_groups(gens):
    G = FiniteGroup.from_permutations(gens)
    assert check_group_axioms(G.table).ok
    assert G.order == PermutationGroup([Permutation(g) for g in gens]).order()
    assert G.permutations[G.identity].tolist() == list(range(len(gens[0])))


def test_permutation_groups_of_large_degree():
    # degree > 15 takes the byte-lookup path (m**m overflows int64 keys)
    cycle = list(range(1, 17)) + [0]
    G = FiniteGroup.from_permutations([cycle])
    assert G.order == 17 and G.is_abelian and check_group_axioms(G.table).ok
    swap = [1, 0] + list(range(2, 17))
    H = FiniteGroup.from_permutations([swap, [0, 2, 1] + list(range(3, 17))])
    assert H.order == 6 and not H.is_abelian

