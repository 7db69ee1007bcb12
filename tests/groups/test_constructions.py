"""Constructions: regular, sign, permutation representations."""


from __future__ import annotations

import itertools

import numpy as np
import pytest

from specproof._core import ResourceLimitError
from specproof.groups import (
    NotAHomomorphismError,
    cyclic,
    decompose,
    dihedral,
    permutation_representation,
    regular_representation,
    right_regular_representation,
    sign,
    symmetric,
)


def test_regular_representations_act_as_documented():
    G = dihedral(4)
    L, R = regular_representation(G), right_regular_representation(G)
    f = np.random.default_rng(0).standard_normal(G.order)
    for g, h in itertools.product(range(G.order), repeat=2):
        assert L(g)[G.mul(g, h), h] == 1.0
        assert (R(h) @ f)[g] == f[G.mul(g, h)]
    assert L.is_orthogonal and R.is_orthogonal
    assert np.array_equal(L.character(), np.eye(G.order)[0] * G.order)


def test_dense_regular_representation_refuses_huge_groups():
    with pytest.raises(ResourceLimitError, match=r"S6 would hold \|G\|³ = 3.73e\+08"):
        regular_representation(symmetric(6))
    with pytest.raises(MemoryError, match="S6.*SignalAction"):
        right_regular_representation(symmetric(6))


def test_sign_and_permutation_representations():
    S = symmetric(4)
    sg = sign(S)
    assert sorted(sg.character().tolist()).count(-1.0) == 12
    with pytest.raises(ValueError, match="not a permutation group"):
        sign(dihedral(3))
    with pytest.raises(NotAHomomorphismError):
        sign(cyclic(3), values=[1, -1, -1])
    flip = sign(dihedral(3), values=[1, 1, 1, -1, -1, -1], name="flip")
    assert decompose(flip) == {"trivial": 0, "flip": 1, "rot_1": 0}
    P = permutation_representation(S, S.permutations)
    assert decompose(P) == {"trivial": 1, "sign": 0, "standard": 1, "standard_sign": 0,
                            "two_dim": 0}

