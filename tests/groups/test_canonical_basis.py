"""The canonical intertwiner basis: one basis per space, whatever the method or the seed.

Before it, ``intertwiners`` returned whichever orthonormal basis LAPACK's SVD (or the
Reynolds probes) gave, so ``EquivariantLinear(seed=0)`` was a different layer on
another machine.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError
from specproof.groups import (
    EquivariantLinear,
    cyclic,
    dihedral,
    direct_sum,
    intertwiners,
    irrep,
    trivial,
)
from specproof.groups.canonical_basis import PIVOT_RATIO, _pivots, canonical_basis


def _orthonormal_rows(rng, k, n, complex_=False):
    X = rng.standard_normal((n, k))
    if complex_:
        X = X + 1j * rng.standard_normal((n, k))
    return np.linalg.qr(X)[0].T


def _unitary(rng, k, complex_=False):
    return _orthonormal_rows(rng, k, k, complex_)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 6), extra=st.integers(0, 8),
       complex_=st.booleans())
def test_any_rotation_of_the_basis_gives_the_same_canonical_basis(seed, k, extra, complex_):
    rng = np.random.default_rng(seed)
    B = _orthonormal_rows(rng, k, k + extra, complex_)
    C = canonical_basis(B)
    C2 = canonical_basis(_unitary(rng, k, complex_).T @ B)
    np.testing.assert_allclose(C2, C, atol=1e-12)
    # orthonormal, and the same span (projector)
    np.testing.assert_allclose(C @ C.conj().T, np.eye(k), atol=1e-13)
    np.testing.assert_allclose(C.conj().T @ C, B.conj().T @ B, atol=1e-13)


def test_each_row_is_zero_at_earlier_pivots_and_positive_at_its_own():
    rng = np.random.default_rng(3)
    for complex_ in (False, True):
        B = _orthonormal_rows(rng, 4, 9, complex_)
        C = canonical_basis(B)
        pivots = _pivots(B.conj().copy())
        assert pivots == sorted(pivots) and len(set(pivots)) == 4
        R = C[:, pivots]  # upper triangular, positive real diagonal
        assert np.all(np.abs(np.tril(R, -1)) < 1e-13)
        assert np.all(np.abs(np.diagonal(R).imag) < 1e-14) and np.all(np.diagonal(R).real > 0)
        # row 0 is P e_{j_0} normalised: the definition, not only its consequences
        e = np.zeros(9)
        e[pivots[0]] = 1.0
        p0 = B.T @ (B.conj() @ e)
        np.testing.assert_allclose(C[0], p0 / np.linalg.norm(p0), atol=1e-14)


def test_a_coordinate_subspace_is_its_standard_basis_and_skips_empty_coordinates():
    c, s = np.cos(0.7), np.sin(0.7)
    B = np.array([[0.0, c, 0.0, s], [0.0, -s, 0.0, c]])  # spans e_2, e_4
    np.testing.assert_allclose(canonical_basis(B), [[0, 1, 0, 0], [0, 0, 0, 1]], atol=1e-15)


def test_a_small_part_is_not_a_pivot_so_the_basis_stays_well_conditioned():
    # e_1 lies almost outside the span: a pivot there would divide by 1e-9
    t = 1e-9
    B = np.array([[t, 1.0, 0.0], [0.0, 0.0, 1.0]])
    B[0] /= np.linalg.norm(B[0])
    C = canonical_basis(B)
    assert abs(C[0, 1]) > PIVOT_RATIO  # the first pivot is e_2, not e_1
    np.testing.assert_allclose(C @ C.T, np.eye(2), atol=1e-15)


def test_bad_bases_are_refused_by_name():
    with pytest.raises(ArgumentError, match="orthonormal rows"):
        canonical_basis(np.array([[1.0, 0.0], [1.0, 1e-3]]))
    with pytest.raises(ArgumentError, match=r"shape \(k, ...\)"):
        canonical_basis(np.ones(3))
    assert canonical_basis(np.zeros((0, 2, 3))).shape == (0, 2, 3)


CASES = [
    ("D4 regular -> rot_1 + trivial", lambda: (dihedral(4), "regular",
                                               lambda G: direct_sum(irrep(G, "rot_1"),
                                                                    trivial(G)))),
    ("D5 regular -> regular", lambda: (dihedral(5), "regular", lambda G: None)),
    ("C6 regular -> rot_2", lambda: (cyclic(6), "regular", lambda G: irrep(G, "rot_2"))),
]


@pytest.mark.parametrize("name, make", CASES, ids=[c[0] for c in CASES])
def test_both_methods_every_seed_and_the_dense_solver_give_one_basis(name, make):
    G, _, out = make()
    R = G.regular_representation()
    rho_out = out(G) or R
    B = intertwiners(R, rho_out)
    for other in (intertwiners(R, rho_out, structure="dense"),
                  intertwiners(R, rho_out, method="reynolds", rng=0),
                  intertwiners(R, rho_out, method="reynolds", rng=12345)):
        assert other.shape == B.shape
        np.testing.assert_allclose(other, B, atol=1e-12)


def test_the_orbit_basis_is_exact_and_ordered_by_smallest_index():
    G = dihedral(5)
    R = G.regular_representation()
    B = intertwiners(R, R)  # permutation representations: the orbit solver
    flat = B.reshape(len(B), -1)
    firsts = [int(np.flatnonzero(row)[0]) for row in flat]
    assert firsts == sorted(firsts)
    for row in flat:
        support = row != 0
        assert np.all(row[support] == 1.0 / np.sqrt(support.sum()))  # exact, not rounded


def test_a_seeded_layer_is_the_same_layer_whatever_the_method():
    G = dihedral(4)
    R = G.regular_representation()
    rho_out = direct_sum(irrep(G, "rot_1"), trivial(G))
    a = EquivariantLinear(R, rho_out, seed=0)
    b = EquivariantLinear(R, rho_out, seed=0, method="reynolds")
    np.testing.assert_allclose(a.weight, b.weight, atol=1e-13)
    # the invariant direction of this space is the mean: its row is constant
    assert np.ptp(a.weight[2]) < 1e-15 and abs(a.weight[2, 0]) > 1e-3
