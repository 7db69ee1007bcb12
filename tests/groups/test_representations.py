"""Representations: the homomorphism check, shapes, change of basis."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    NotAHomomorphismError,
    Representation,
    character_inner,
    cyclic,
    dihedral,
    direct_sum,
    irrep,
)


def test_homomorphism_validation_names_the_pair():
    G = cyclic(4)
    good = irrep(G, "rot_1").matrices.copy()
    bad = good.copy()
    bad[3] = good[1]  # rho(r^3) := rho(r)
    with pytest.raises(NotAHomomorphismError, match=r"\(a, b\) = \(\d, \d\).*max error"):
        Representation(G, bad)
    with pytest.raises(NotAHomomorphismError, match="identity matrix"):
        Representation(cyclic(2), np.zeros((2, 1, 1)))
    # a perturbation far below the float64 tolerance is accepted, one above is not
    Representation(G, good + 1e-17)
    with pytest.raises(NotAHomomorphismError):
        Representation(G, good + np.array([0, 1e-9, 0, 0])[:, None, None])


def test_homomorphism_generator_mode_equals_full_mode():
    G = dihedral(5)
    m = irrep(G, "rot_2").matrices.copy()
    m[7] = -m[7]
    for mode in ("all", "generators"):
        with pytest.raises(NotAHomomorphismError):
            Representation(G, m, check=mode)


def test_representation_bad_shapes_name_shapes():
    G = cyclic(3)
    with pytest.raises(ValueError, match=r"\(3, d, d\).*\(3, 2, 3\)"):
        Representation(G, np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match=r"\(3, d, d\).*\(2, 1, 1\)"):
        Representation(G, np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="non-finite"):
        Representation(G, np.full((3, 1, 1), np.nan))
    rho = G.regular_representation()
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2, 2\)"):
        rho.change_of_basis(np.eye(2))
    with pytest.raises(ValueError, match="invertible"):
        rho.change_of_basis(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="C3.*C4|C4.*C3"):
        direct_sum(rho, cyclic(4).regular_representation())
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        character_inner(np.ones(3), np.ones(4), G)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 8), st.data())
def test_non_homomorphisms_name_a_pair_involving_the_damage(N, data):
    G = dihedral(N)
    m = irrep(G, "rot_1").matrices.copy()
    g = data.draw(st.integers(1, G.order - 1))
    delta = data.draw(st.floats(1e-6, 1.0))
    m[g] = m[g] + delta * np.array([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(NotAHomomorphismError) as info:
        Representation(G, m, check="all")
    msg = str(info.value)
    a, b = (int(v) for v in msg.split("(a, b) = (")[1].split(")")[0].split(", "))
    assert g in (a, b, G.mul(a, b))

