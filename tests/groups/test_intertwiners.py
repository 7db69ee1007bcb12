"""Intertwiner bases: nullspace, orbit and Reynolds methods."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    cyclic,
    dihedral,
    direct_sum,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    irrep,
    irreps,
    klein_four,
    right_regular_representation,
    subspace_gap,
    symmetric,
    trivial,
)
from specproof.groups.intertwiners import nullspace_basis, reynolds_basis, reynolds_operator

SMALL_GROUPS = [cyclic(N) for N in range(1, 7)] + [dihedral(N) for N in range(1, 7)]


def _random_basis_rep(G, rng, parts=2):
    irs = irreps(G)
    rho = direct_sum(*[irs[int(i)] for i in rng.integers(len(irs), size=parts)])
    q, _ = np.linalg.qr(rng.standard_normal((rho.dim, rho.dim)))
    return rho.change_of_basis(q @ np.diag(rng.uniform(0.5, 2.0, rho.dim)))


@pytest.mark.parametrize("G", SMALL_GROUPS, ids=lambda G: G.name)
def test_intertwiner_dims_equal_character_inner_products(G):
    for a in irreps(G):
        for b in irreps(G):
            expected = hom_dimension(a, b)
            null = intertwiners(a, b)
            rey = intertwiners(a, b, method="reynolds", rng=0)
            assert len(null) == len(rey) == expected
            # Schur: c_psi on the diagonal, 0 off it
            assert expected == (a.endomorphism_dim if a.name == b.name else 0)
            assert intertwiner_residual(null, a, b) <= 1e-13
            assert subspace_gap(null, rey) <= 1e-10


def test_orthonormal_in_frobenius():
    G = dihedral(5)
    rho = _random_basis_rep(G, np.random.default_rng(3), parts=3)
    for method in ("nullspace", "reynolds"):
        B = intertwiners(rho, rho, method=method, rng=1).reshape(-1, rho.dim**2)
        np.testing.assert_allclose(B @ B.T, np.eye(len(B)), atol=1e-12)


@pytest.mark.parametrize("G", [cyclic(6), dihedral(4), dihedral(5), klein_four(), symmetric(3)],
                         ids=lambda G: G.name)
def test_regular_rep_orbit_dense_and_reynolds_agree(G):
    R = G.regular_representation()
    orbit = intertwiners(R, R)  # permutation structure -> exact orbit solver
    dense = intertwiners(R, R, structure="dense")
    rey = intertwiners(R, R, method="reynolds", rng=0)
    assert len(orbit) == len(dense) == len(rey) == G.order
    assert subspace_gap(orbit, dense) <= 1e-10
    assert subspace_gap(orbit, rey) <= 1e-10
    assert intertwiner_residual(orbit, R, R) == 0.0
    # Hom_G(L, L) is spanned by the right translations R(h)
    Rr = right_regular_representation(G).matrices
    coeffs = np.einsum("kij,hij->hk", orbit, Rr)
    np.testing.assert_allclose(np.einsum("hk,kij->hij", coeffs, orbit), Rr, atol=1e-12)


def test_rectangular_hom_between_regular_and_irrep():
    G = dihedral(4)
    R, psi = G.regular_representation(), irrep(G, "rot_1")
    B = intertwiners(R, psi)  # (k, 2, 8); mixed dense path (psi is not a permutation)
    assert B.shape == (2, 2, 8)  # multiplicity d/c = 2 copies of rot_1 in R, c = 1
    assert intertwiner_residual(B, R, psi) <= 1e-13


def test_trivial_group_gives_whole_space():
    G = cyclic(1)
    B = intertwiners(trivial(G, 2), trivial(G, 3))
    assert B.shape == (6, 3, 2)


def test_one_generator_of_dihedral_is_too_weak():
    G = dihedral(5)
    psi = irrep(G, "rot_1")
    r = [G.generators[0]]
    assert len(nullspace_basis(psi.matrices[r], psi.matrices[r])) == 2
    assert len(intertwiners(psi, psi)) == 1 == hom_dimension(psi, psi)


def test_reynolds_is_a_projector_onto_commutant():
    G = dihedral(3)
    rho = _random_basis_rep(G, np.random.default_rng(0))
    inv = np.linalg.inv(rho.matrices)
    W = np.random.default_rng(1).standard_normal((rho.dim, rho.dim))
    S1 = reynolds_operator(W, inv, rho.matrices)
    S2 = reynolds_operator(S1, inv, rho.matrices)
    np.testing.assert_allclose(S1, S2, atol=1e-12)
    assert intertwiner_residual(S1[None], rho, rho) <= 1e-12


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 6), dihedral_group=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_hypothesis_random_change_of_basis(n, dihedral_group, seed):
    G = dihedral(n) if dihedral_group else cyclic(n)
    rng = np.random.default_rng(seed)
    a, b = _random_basis_rep(G, rng), _random_basis_rep(G, rng)
    null = intertwiners(a, b)
    rey = intertwiners(a, b, method="reynolds", rng=rng)
    assert len(null) == len(rey) == hom_dimension(a, b)
    assert subspace_gap(null, rey) <= 1e-8
    scale = max(np.abs(a.matrices).max(), np.abs(b.matrices).max())
    assert intertwiner_residual(null, a, b) <= 1e-11 * scale


def test_reynolds_refuses_scrambled_element_order():
    psi = irrep(dihedral(4), "rot_1").matrices
    scrambled = psi[[0, 2, 1, 3, 4, 5, 6, 7]]  # r and r^2 swapped: not a representation
    with pytest.raises(ValueError, match="numerical rank 4 but trace 0.5"):
        reynolds_basis(psi, scrambled, rng=0)


def test_intertwiners_errors():
    G, H = dihedral(3), cyclic(6)
    with pytest.raises(ValueError, match="same group"):
        intertwiners(G.regular_representation(), irrep(cyclic(4), "rot_1"))
    with pytest.raises(ValueError, match="different groups"):
        intertwiners(G.regular_representation(), H.regular_representation())
    with pytest.raises(ValueError, match="method"):
        intertwiners(G.regular_representation(), G.regular_representation(), method="svd")
    with pytest.raises(ValueError, match="rtol"):
        intertwiners(G.regular_representation(), G.regular_representation(), rtol=2.0)
    with pytest.raises(TypeError, match="rho_in"):
        intertwiners("regular", G.regular_representation())
    with pytest.raises(ValueError, match=r"\(2, 3, 3\).*\(1, 2, 2\)"):
        nullspace_basis(np.zeros((2, 3, 3)), np.zeros((1, 2, 2)))

