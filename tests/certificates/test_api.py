"""2->q norm bounds: closed forms, invariants, the power method, bad input."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import hadamard
from scipy.sparse.linalg import LinearOperator, aslinearoperator
from scipy.stats import ortho_group

from specproof._core import SpecproofError
from specproof.certificates import (
    NormBounds,
    epsnet_two_to_q,
    power_method,
    spectral_baseline,
    spectral_norm,
    two_to_q,
)
from specproof.certificates.epsnet import sphere_net
from specproof.certificates.power import default_starts, power_iterations

QS = [2, 3, 4, 5.5, 6, np.inf]


def cube(m: int) -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=m)))


def lq(y, q):
    return np.max(np.abs(y)) if np.isinf(q) else np.sum(np.abs(y) ** q) ** (1 / q)


# ---------------------------------------------------------------- closed forms
@pytest.mark.parametrize("q", QS)
def test_identity_and_orthogonal_have_norm_one(q):
    Q = ortho_group.rvs(5, random_state=1)
    for X in (np.eye(5), Q):
        b = two_to_q(X, q=q)
        assert abs(b.lower - 1.0) < 1e-9
        assert b.upper >= b.lower - 1e-12
        assert abs(b.upper - 1.0) < 1e-9  # ||X||_{2->2} = 1 already closes the bracket


@pytest.mark.parametrize("q", QS)
def test_rank_one(q):
    rng = np.random.default_rng(2)
    u, w = rng.standard_normal(7), rng.standard_normal(4)
    b = two_to_q(np.outer(u, w), q=q, method="power")
    assert abs(b.lower - lq(u, q) * np.linalg.norm(w)) < 1e-10 * b.lower


@pytest.mark.parametrize("q", QS)
def test_diagonal(q):
    s = np.array([0.5, -3.0, 2.0, 1.0])
    b = two_to_q(np.diag(s), q=q)
    assert abs(b.lower - 3.0) < 1e-12
    assert abs(b.upper - 3.0) < 1e-9


@pytest.mark.parametrize("q", [3, 4, 6, np.inf])
def test_hadamard_is_sqrt_d(q):
    d = 8
    b = two_to_q(hadamard(d).astype(float), q=q)
    assert abs(b.lower - math.sqrt(d)) < 1e-9
    assert abs(b.upper - math.sqrt(d)) < 1e-9 * math.sqrt(d)


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_boolean_cube(m):
    X = cube(m)
    exact = 2**m * (3 - 2 / m)
    p = power_method(X, 4)
    assert abs(p.value**4 - exact) < 1e-9 * exact
    # the witness is the normalised all-ones vector up to sign flips of coordinates
    assert np.allclose(np.abs(p.witness), 1 / math.sqrt(m), atol=1e-6)
    base = spectral_baseline(X, 4)
    assert abs(base.lambda_max - 2**m * m) < 1e-9 * 2**m * m


def test_q2_is_top_singular_value_and_qinf_max_row():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((9, 4))
    b2 = two_to_q(X, q=2)
    assert b2.upper_method == "exact-svd"
    assert abs(b2.lower - np.linalg.svd(X, compute_uv=False)[0]) < 1e-12
    binf = two_to_q(X, q="inf")
    assert binf.upper_method == "exact-max-row" and binf.lower <= binf.upper
    assert binf.upper - binf.lower <= 1e-14 * binf.upper  # a bracket a few ulps wide
    assert abs(binf.lower - np.linalg.norm(X, axis=1).max()) < 1e-12
    assert abs(np.max(np.abs(X @ binf.witness)) - binf.lower) < 1e-12


def test_gaussian_many_rows_value_near_3n():
    # E <x, v>^4 = 3 for x ~ N(0, I): ||X||_{2->4}^4 / n -> 3 when n >> d^2 (loose)
    rng = np.random.default_rng(4)
    n, d = 6000, 4  # n >> d^2 = 16; 20000 rows took 25-40 s under load for the same check
    X = rng.standard_normal((n, d))
    val = power_method(X, 4).value ** 4 / n
    assert 3.0 <= val < 3.4


# ---------------------------------------------------------------- power method
def test_power_method_objective_never_decreases():
    rng = np.random.default_rng(5)
    for q in (3.0, 4.0, 7.5):
        X = rng.standard_normal((30, 6))
        V = default_starts(X, 10, 0, 5)
        _, _, _, _, hist = power_iterations(X, q, V, max_iter=200, tol=0.0)
        assert np.all(np.diff(hist, axis=0) >= -1e-12 * hist[:-1])
        assert hist[-1].max() > hist[0].max()  # and it actually climbs on random data


def test_power_witness_attains_lower_bound():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((12, 5))
    for q in (3, 4, 9):
        b = two_to_q(X, q=q)
        assert abs(np.linalg.norm(b.witness) - 1) < 1e-14
        assert abs(lq(X @ b.witness, q) - b.lower) < 1e-12 * b.lower
        assert b.lower <= b.upper


def test_power_method_is_seeded():
    X = np.random.default_rng(7).standard_normal((15, 6))
    a, b = power_method(X, 3, seed=11), power_method(X, 3, seed=11)
    assert a.value == b.value and np.array_equal(a.witness, b.witness)


# ---------------------------------------------------------------- spectral norm
def test_linear_operator_spectral_norm_matches_svd():
    rng = np.random.default_rng(8)
    A = rng.standard_normal((60, 40))
    dense = np.linalg.svd(A, compute_uv=False)[0]
    op = LinearOperator(A.shape, matvec=lambda x: A @ x, rmatvec=lambda y: A.T @ y)
    s = spectral_norm(op, seed=0)
    assert s.method == "lanczos-svds"
    assert abs(s.value - dense) < 1e-10
    assert abs(np.linalg.norm(A @ s.witness) - dense) < 1e-10
    assert abs(spectral_norm(A).value - dense) < 1e-12
    # tiny operators are materialised (ARPACK needs k < min(shape))
    assert abs(spectral_norm(aslinearoperator(A[:, :2])).value
               - np.linalg.svd(A[:, :2], compute_uv=False)[0]) < 1e-12


# ---------------------------------------------------------------- eps-net
def test_sphere_net_covers_within_eps():
    rng = np.random.default_rng(9)
    for d, eps in ((2, 0.05), (3, 0.1)):
        P, _, r = sphere_net(d, eps)
        assert r <= eps
        V = rng.standard_normal((2000, d))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        dist = np.minimum(np.linalg.norm(V[:, None] - P[None], axis=2),
                          np.linalg.norm(V[:, None] + P[None], axis=2)).min(axis=1)
        assert dist.max() <= r + 1e-12


def test_epsnet_brackets_the_power_value():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((8, 3))
    for q in (3, 4, np.inf):
        e = epsnet_two_to_q(X, q, eps=0.02)
        p = power_method(X, q).value
        assert e.lower <= p + 1e-12 and p <= e.upper
        assert e.upper / e.lower <= 1 / (1 - 0.02) * (1 + 1e-11)
    with pytest.raises(ValueError, match="d <= 3"):
        epsnet_two_to_q(rng.standard_normal((5, 4)), 4)
    with pytest.raises(ValueError, match="eps"):
        epsnet_two_to_q(X, 4, eps=1.0)


# ---------------------------------------------------------------- result type
def test_normbounds_repr_and_dict():
    b = two_to_q(np.diag([2.0, 1.0]), q=4)
    d = b.to_dict()
    assert d["q"] == 4.0 and abs(d["lower"] - 2.0) < 1e-13 and "ratio" in d
    assert "NormBounds(q=4" in repr(b) and "ratio=" in repr(b)
    assert two_to_q(np.eye(2), q=np.inf).to_dict()["q"] == "inf"
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.lower = 3.0
    assert NormBounds(4.0, 0.0, np.zeros(2), 0.0, "x").ratio == 1.0


# ---------------------------------------------------------------- invariants (hypothesis)
matrices = st.tuples(st.integers(2, 6), st.integers(1, 4), st.integers(0, 2**31 - 1))


@settings(max_examples=25, deadline=None)
@given(matrices, st.sampled_from([3.0, 4.0, 6.0]))
def test_right_orthogonal_invariance(shape, q):
    n, d, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Q = ortho_group.rvs(d, random_state=seed) if d > 1 else np.array([[-1.0]])
    a, b = two_to_q(X, q), two_to_q(X @ Q, q)
    # both lower bounds are local maxima found from equivalent starts; the value is the
    # same function on a rotated sphere, so the best values agree up to power-method noise
    assert abs(a.lower - b.lower) <= 1e-6 * a.lower
    assert abs(a.upper - b.upper) <= 1e-6 * a.upper


@settings(max_examples=25, deadline=None)
@given(matrices, st.sampled_from([3.0, 4.0, np.inf]), st.floats(0.1, 10.0))
def test_row_permutation_and_scaling(shape, q, c):
    n, d, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    perm = rng.permutation(n)
    a = two_to_q(X, q)
    b = two_to_q(X[perm], q)
    s = two_to_q(c * X, q)
    assert abs(a.lower - b.lower) <= 1e-6 * a.lower
    assert abs(s.lower - c * a.lower) <= 1e-6 * c * a.lower
    assert abs(s.upper - c * a.upper) <= 1e-6 * c * a.upper


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 24), st.sampled_from([np.nan, np.inf,
                                                                                   -np.inf]))
def test_non_finite_entry_is_named(n, d, k, bad):
    X = np.ones((n, d))
    i, j = divmod(k % (n * d), d)
    X[i, j] = bad
    with pytest.raises(ValueError, match=rf"index \({i}, {j}\)"):
        two_to_q(X, 4)


@pytest.mark.parametrize("X", [np.ones(3), np.ones((2, 2, 2)), 5.0])
def test_not_2d_is_rejected(X):
    with pytest.raises(ValueError, match="2-D"):
        two_to_q(X, 4)


@pytest.mark.parametrize("X", [np.zeros((0, 3)), np.zeros((3, 0))])
def test_empty_is_rejected(X):
    with pytest.raises(ValueError, match="non-empty"):
        two_to_q(X, 4)


@pytest.mark.parametrize("q", [1.0, 1.999, -3, "two", float("nan")])
def test_bad_q_is_rejected(q):
    with pytest.raises(ValueError, match="q must be"):
        two_to_q(np.eye(2), q)


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="q must be"):
        two_to_q(np.eye(2), None)
    with pytest.raises(TypeError, match="numeric"):
        two_to_q([["a", "b"]], 4)
    with pytest.raises(ValueError, match="method"):
        two_to_q(np.eye(2), 4, method="magic")
    with pytest.raises(ValueError, match="solver"):
        two_to_q(np.eye(2), 4, solver="gurobi")
    with pytest.raises(ValueError, match="even"):
        two_to_q(np.eye(2), 3, method="baseline")
    with pytest.raises(ValueError, match="restarts"):
        power_method(np.eye(2), 4, restarts=-1)
    with pytest.raises(ValueError, match="q = 2 and q = inf"):
        two_to_q(np.eye(2), 4, method="exact")


def test_baseline_three_routes_agree():
    from specproof.certificates.baseline import flattening_top

    rng = np.random.default_rng(12)
    X = rng.standard_normal((60, 5))  # n > d^2: dense d^2 x d^2 route vs Lanczos route
    lam_dense, w_dense = flattening_top(X, 4)
    lam_free, w_free = flattening_top(X, 4, dense_max=1)
    lam_gram, w_gram = flattening_top(X[:20], 4)  # n <= d^2: the n x n route
    K = (X[:20, :, None] * X[:20, None, :]).reshape(20, -1)
    assert abs(lam_dense - lam_free) < 1e-10 * lam_dense
    assert abs(abs(w_dense @ w_free) - 1) < 1e-8
    assert abs(lam_gram - np.linalg.eigvalsh(K.T @ K)[-1]) < 1e-10 * lam_gram
    assert np.linalg.norm(K.T @ (K @ w_gram) - lam_gram * w_gram) < 1e-9 * lam_gram


@pytest.mark.parametrize("q", [3.0, 4.0, 40.0])
def test_huge_entries_do_not_overflow(q):
    X = np.random.default_rng(13).standard_normal((10, 3))
    a = two_to_q(X, q, method="power").lower
    b = two_to_q(1e150 * X, q, method="power").lower
    assert np.isfinite(b) and abs(b / 1e150 - a) <= 1e-12 * a


def test_power_method_at_q_inf_names_an_overflowing_bound():
    # a bare OverflowError (math.ldexp) before; the other methods already said this
    X = np.outer([1.0, 1.0], [1.7e308, 1.7e308])
    with pytest.raises(SpecproofError, match="exceeds the largest float"):
        two_to_q(X, q=np.inf, method="power")


def test_large_even_q_does_not_build_the_flattening_vector():
    # q = 50, d = 3: the baseline's eigenvector has 3^25 = 8.5e11 entries; "auto" built a
    # 6 x 3^24 array (out of memory), now it skips the baseline and "baseline" says why
    X = np.random.default_rng(0).standard_normal((6, 3))
    b = two_to_q(X, q=50)
    assert 0 < b.lower <= b.upper and b.upper_method == "spectral-2to2"
    with pytest.raises(SpecproofError, match=r"3\^25 = 8.47e\+11 entries"):
        two_to_q(X, q=50, method="baseline")
