"""check_equivariance: a tolerance from rounding, not from the basis; representations given
as arrays are checked; batches, zero inputs and ambiguous elements."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.groups import (
    EquivariantLinear,
    FiniteGroup,
    NotAHomomorphismError,
    SignalAction,
    check_equivariance,
    dihedral,
    direct_sum,
    irrep,
    trivial,
)

EPS = np.finfo(np.float64).eps


def _skewed(rng: np.random.Generator, cond: float, d: int = 8) -> np.ndarray:
    """A basis of condition number ``cond`` with random singular vectors."""
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return U @ np.diag(np.geomspace(1.0, 1.0 / cond, d)) @ V.T


def _d4_commutant(rng: np.random.Generator) -> np.ndarray:
    """A random matrix commuting with D4's regular representation (its Reynolds average)."""
    R = dihedral(4).regular_representation().matrices
    A = rng.standard_normal((8, 8))
    return sum(R[g] @ A @ R[g].T for g in range(8)) / 8


@pytest.mark.parametrize("cond", [1.0, 1e2, 1e3, 1e4])
def test_ill_conditioned_bases_keep_the_dtype_tolerance_and_catch_a_1e_6_defect(cond):
    # at cond 1e3 the old tolerance (64 eps sqrt(n_in n_out) max||rho||^2 ... squared
    # again for rho_out) was 2.4e-2 and this 1e-6 defect (relative error 4.7e-4) passed
    G = dihedral(4)
    R = G.regular_representation()
    rng = np.random.default_rng(0)
    P, Q = _skewed(rng, cond), _skewed(rng, cond)
    rin, rout = R.change_of_basis(P), R.change_of_basis(Q)
    M = Q @ _d4_commutant(rng) @ np.linalg.inv(P)
    exact = check_equivariance(lambda x: x @ M.T, G, rin, rout, rng=0)
    assert exact.ok, exact.reason
    assert exact.tolerance == pytest.approx(64 * EPS * 8)
    for scale in (1e-6, 1e-3):
        E = rng.standard_normal((8, 8))
        E *= scale * np.linalg.norm(M) / np.linalg.norm(E)
        bad = check_equivariance(lambda x, E=E: x @ (M + E).T, G, rin, rout, rng=0)
        assert not bad.ok and bad.worst_error > 1e3 * bad.tolerance, (scale, bad.worst_error)


def test_raw_arrays_must_be_representations():
    G = dihedral(4)
    R = G.regular_representation()
    A = np.random.default_rng(0).standard_normal((8, 8))
    with pytest.raises(NotAHomomorphismError, match=r"rho_in: ρ\(identity\) is not the "
                                                    r"identity matrix"):
        check_equivariance(lambda x: x @ A.T, G, np.zeros((8, 8, 8)), np.zeros((8, 8, 8)))
    with pytest.raises(NotAHomomorphismError,
                       match=r"rho_out: ρ\(a\)ρ\(b\) ≠ ρ\(ab\) for the pair \(a, b\) = "
                             r"\(0, 0\) \[e·e = e\]: max error 2\.000e\+00 > tol"):
        check_equivariance(lambda x: x, G, R, 2.0 * R.matrices)
    off = R.matrices.copy()
    off[3, 0, 1] += 1e-9
    with pytest.raises(NotAHomomorphismError, match=r"rho_in: .*max error 1\.000e-09"):
        check_equivariance(lambda x: x, G, off, R)
    # arrays that are a representation (in a skewed basis too) are accepted
    P = _skewed(np.random.default_rng(2), 1e3)
    skew = P @ R.matrices @ np.linalg.inv(P)
    assert check_equivariance(lambda x: x, G, skew, skew, rng=0).ok
    assert check_equivariance(lambda x: x, G, R.matrices, list(R.matrices), rng=0).ok


def test_the_tolerance_does_not_grow_with_the_batch():
    G = dihedral(4)
    R = G.regular_representation()
    rng = np.random.default_rng(0)
    W = _d4_commutant(rng)
    E = rng.standard_normal((8, 8))
    E *= 1e-8 * np.linalg.norm(W) / np.linalg.norm(E)
    X = rng.standard_normal((100_000, 8))
    one = check_equivariance(lambda x: x @ W.T, G, R, R, inputs=[X[0]])
    many = check_equivariance(lambda x: x @ W.T, G, R, R, inputs=[X])
    assert many.ok and many.tolerance == one.tolerance == pytest.approx(64 * EPS * 8)
    bad = check_equivariance(lambda x: x @ (W + E).T, G, R, R, inputs=[X])
    assert not bad.ok and bad.worst_error > 1e-9
    # the largest residual over the largest row, not the worst row's ratio: rows near the
    # kernel of a 3 x 8 layer read 2.9e-13 > 7e-14 on 1e5 rows as ratios
    layer = EquivariantLinear(R, rho_out := direct_sum(irrep(G, "rot_1"), trivial(G)),
                              seed=0)
    assert check_equivariance(layer, G, R, rho_out, inputs=[X]).ok
    # a single row is judged as before; a batch never reads worse than its worst row
    small = X[:20]
    rows = check_equivariance(lambda x: x @ (W + E).T, G, R, R, inputs=list(small))
    batch = check_equivariance(lambda x: x @ (W + E).T, G, R, R, inputs=[small])
    assert 0.3 * rows.worst_error < batch.worst_error <= rows.worst_error
    # zero rows neither dilute nor hide the error of the rows that are not zero
    Z = np.zeros((1000, 8))
    Z[0] = X[0]
    padded = check_equivariance(lambda x: x @ (W + E).T, G, R, R, inputs=[Z])
    alone = check_equivariance(lambda x: x @ (W + E).T, G, R, R, inputs=[X[0]])
    assert padded.worst_error == pytest.approx(alone.worst_error, rel=1e-12)


def test_an_all_zero_input_is_refused_as_vacuous():
    G = dihedral(4)
    R = G.regular_representation()
    A = np.random.default_rng(0).standard_normal((8, 8))
    with pytest.raises(ArgumentError, match=r"inputs\[1\] is all zeros.*vacuous"):
        check_equivariance(lambda x: x @ A.T, G, R, R, inputs=[np.ones(8), np.zeros(8)])
    with pytest.raises(ArgumentError, match=r"inputs\[0\] is all zeros"):
        check_equivariance(lambda x: x @ A.T, G, R, R, inputs=[np.zeros((5, 8))])
    with pytest.raises(ArgumentError, match=r"inputs\[0\] is all zeros"):
        check_equivariance(lambda x: x, G, SignalAction(G), SignalAction(G),
                           inputs=[np.zeros(8)])


def test_a_matrix_that_is_rho_of_several_elements_is_refused():
    G = dihedral(4)
    R = G.regular_representation()
    # trivial rho_out: np.eye(1) is rho_out(g) for every g; it used to mean "e" only, and
    # the non-equivariant map below passed
    with pytest.raises(ArgumentError,
                       match=r"elements contains a \(1, 1\) matrix that is rho_out\(g\) for 8 "
                             r"elements g of D4 \(e, r, r\^2, r\^3, s, rs, r\^2s, r\^3s\).*"
                             r"pass indices or labels"):
        check_equivariance(lambda x: x[..., :1], G, R, trivial(G), elements=[np.eye(1)])
    # a faithful representation's matrix names one element and is still accepted
    rep = check_equivariance(lambda x: x, G, R, R, elements=[R("rs"), 1], rng=0)
    assert set(rep.errors) == {"rs", "r"}


@pytest.mark.parametrize("perms, message", [
    ([[0, 1, 2], [1, 0, 2], [1, 0, 2]], r"rows 1 and 2 of perms are the same permutation"),
    ([[0, 1], [0, 0]], r"perms\[1\] = \[0, 0\] is not a permutation of 0\.\.1"),
    ([[0, 1], [1, 2]], r"perms\[1\] = \[1, 2\] is not a permutation of 0\.\.1"),
    ([[0.0, 1.5], [1.0, 0.0]], r"perms must hold integer images, got dtype float64"),
    ([0, 1], r"perms must have shape \(n, m\)"),
])
def test_from_permutation_array_names_the_bad_row(perms, message):
    with pytest.raises(ArgumentError, match=message):
        FiniteGroup.from_permutation_array(np.array(perms))


def test_linear_actions_measure_rounding_against_their_norm_and_index_points_may_be_zero():
    from specproof.groups import FeatureMapAction, LeftMultiplication, irrep

    G = dihedral(4)
    psi = irrep(G, "rot_1").change_of_basis(np.diag([1.0, 1e-3]))
    act = FeatureMapAction(G, psi, size=3)
    assert act.linear and act.operator_norm() == pytest.approx(
        np.max(np.linalg.norm(psi.matrices, 2, axis=(1, 2))))
    assert act.operator_norm() > 999.0
    with pytest.raises(ArgumentError, match=r"inputs\[0\] is all zeros"):
        check_equivariance(lambda x: x, G, act, act, inputs=[np.zeros((3, 3, 2))])
    assert check_equivariance(lambda x: 2.0 * x, G, act, act, rng=0).ok
    # points of an action on the elements are indices: 0 is the identity, not a zero vector
    left = LeftMultiplication(G)
    assert not left.linear
    assert check_equivariance(lambda h: h, G, left, left, inputs=[0, 3]).ok
