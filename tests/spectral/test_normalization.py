"""Spectral normalisation: torch's power iteration, exact SN, BSN, operator-norm SN."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof import SpecproofError
from specproof.certificates import circular_singular_values, conv2d_operator
from specproof.spectral import (
    BSNPowerIteration,
    PowerIterationSN,
    bsn_normalize,
    bsn_sigmas,
    conv_operator_normalize,
    exact_sigma,
    power_iteration,
    spectral_normalize,
    weight_to_matrix,
)


def _torch_step_reference(W, u, v, n, eps=1e-12):
    """The update written out independently: u from v first, then v from u."""
    for _ in range(n):
        wv = W @ v
        u = wv / max(np.sqrt(wv @ wv), eps)
        wtu = W.T @ u
        v = wtu / max(np.sqrt(wtu @ wtu), eps)
    return u, v, u @ W @ v


def test_update_order_and_sigma():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 7))
    u0, v0 = rng.standard_normal(5), rng.standard_normal(7)
    u0, v0 = u0 / np.linalg.norm(u0), v0 / np.linalg.norm(v0)
    u, v, s = power_iteration(W, u0, v0, 3)
    ur, vr, sr = _torch_step_reference(W, u0, v0, 3)
    assert np.abs(u - ur).max() < 1e-15 and np.abs(v - vr).max() < 1e-15
    assert abs(s - sr) < 1e-13
    # the other order (v from u first, old torch.nn.utils.spectral_norm) differs
    v_alt = W.T @ u0
    v_alt /= np.linalg.norm(v_alt)
    assert np.abs(v_alt - power_iteration(W, u0, v0, 1)[1]).max() > 1e-3


@pytest.mark.parametrize("n_iter", [1, 3])
def test_registration_runs_fifteen_plus_one_forward_of_iterations(n_iter):
    # torch's spectral_norm: 15 in the constructor, then the forward registration runs
    rng = np.random.default_rng(1)
    W = rng.standard_normal((6, 4))
    u0, v0 = rng.standard_normal(6), rng.standard_normal(4)
    sn = PowerIterationSN(W, u=u0, v=v0, n_power_iterations=n_iter)
    u, v, _ = _torch_step_reference(W, u0 / np.linalg.norm(u0), v0 / np.linalg.norm(v0),
                                    15 + n_iter)
    assert np.abs(sn.u - u).max() < 1e-15 and np.abs(sn.v - v).max() < 1e-15
    # each training call: n_power_iterations more; eval: none
    sn(W, training=False)
    assert np.abs(sn.u - u).max() < 1e-15
    Wn = sn(W)
    u, v, s = _torch_step_reference(W, u, v, n_iter)
    assert abs(sn.sigma - s) < 1e-13
    assert np.abs(Wn - W / s).max() < 1e-15


def test_power_iteration_converges_to_the_exact_sigma():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((20, 30))
    sn = PowerIterationSN(W, n_power_iterations=200, seed=0)
    sn(W)
    assert abs(sn.sigma - np.linalg.svd(W, compute_uv=False)[0]) < 1e-10
    assert abs(np.linalg.norm(spectral_normalize(W), 2) - 1) < 1e-14


def test_conv_weight_reshape_and_dim():
    K = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    assert np.array_equal(weight_to_matrix(K), K.reshape(2, 12))
    assert np.array_equal(weight_to_matrix(K, dim=1), K.transpose(1, 0, 2, 3).reshape(3, 8))
    assert exact_sigma(K) == pytest.approx(np.linalg.norm(K.reshape(2, 12), 2), rel=1e-14)


def test_one_dimensional_weight_is_normalised():
    w = np.array([3.0, 4.0])
    sn = PowerIterationSN(w)
    assert np.array_equal(sn(w), w / 5.0)


def test_global_scale_c():
    W = np.random.default_rng(3).standard_normal((4, 6))
    for c in (0.7, 1.0, 4.0):
        assert abs(np.linalg.norm(spectral_normalize(W, c=c), 2) - c) < 1e-13


def test_bsn_sigmas_are_the_two_reshapes():
    rng = np.random.default_rng(4)
    K = rng.standard_normal((5, 3, 3, 3))  # torch layout (c_out, c_in, k, k)
    s1, s2 = bsn_sigmas(K)
    hwio = K.transpose(2, 3, 1, 0)  # (k, k, c_in, c_out)
    assert s1 == pytest.approx(np.linalg.norm(hwio.reshape(-1, 5), 2), rel=1e-14)
    assert s2 == pytest.approx(
        np.linalg.norm(hwio.transpose(0, 1, 3, 2).reshape(-1, 3), 2), rel=1e-14
    )
    Kn = bsn_normalize(K, c=2.0)
    assert np.abs(Kn - 2.0 * K / ((s1 + s2) / 2)).max() < 1e-15
    bsn = BSNPowerIteration(K, c=2.0, n_power_iterations=500, seed=0)
    assert np.abs(bsn(K) - Kn).max() < 1e-10
    # a linear layer: both sigmas are ||W||_2, BSN is plain SN
    W = rng.standard_normal((4, 7))
    assert bsn_sigmas(W)[0] == pytest.approx(bsn_sigmas(W)[1], rel=1e-14)


def test_operator_norm_sn():
    K = np.random.default_rng(5).standard_normal((4, 3, 3, 3))
    Kn, b = conv_operator_normalize(K, 6, mode="circular", c=1.5)
    assert abs(circular_singular_values(Kn, 6)[0] - 1.5) < 1e-12
    Kz, bz = conv_operator_normalize(K, 6, padding=1)
    dense = np.linalg.norm(conv2d_operator(Kz, 6, padding=1).dense(), 2)
    assert dense <= 1.0  # dividing by the certified upper bound guarantees <= 1
    Kl, _ = conv_operator_normalize(K, 6, padding=1, bound="lower")
    assert abs(np.linalg.norm(conv2d_operator(Kl, 6, padding=1).dense(), 2) - 1) < 1e-9
    # the reshape sigma does not normalise the operator: its norm exceeds 1
    Kr = spectral_normalize(K)
    assert circular_singular_values(Kr, 6)[0] > 1.2


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 6), seed=st.integers(0, 10_000),
       scale=st.sampled_from([1e-200, 1e-5, 1.0, 1e5, 1e200]))
def test_property_sn_has_norm_one(m, n, seed, scale):
    W = np.random.default_rng(seed).standard_normal((m, n)) * scale
    assert abs(np.linalg.norm(spectral_normalize(W), 2) - 1) < 1e-12


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: spectral_normalize(np.zeros((3, 2))), "spectral norm 0"),
        (lambda: PowerIterationSN(np.zeros((3, 2)), seed=0)(np.zeros((3, 2))), "spectral norm 0"),
        (lambda: bsn_normalize(np.zeros((2, 2, 3, 3))), "spectral norm 0"),
        (lambda: conv_operator_normalize(np.zeros((1, 1, 3, 3)), 4), "spectral norm 0"),
        (lambda: spectral_normalize(np.ones((2, 2)), c=0.0), "c must be > 0"),
        (lambda: spectral_normalize(np.array([[np.nan, 1.0]])), "weight has a non-finite"),
        (lambda: PowerIterationSN(np.ones((2, 2)), seed=0)(np.array([[np.inf, 1.0], [1, 1]])),
         "weight has a non-finite entry inf at index \\(0, 0\\)"),
        (lambda: PowerIterationSN(np.ones((2, 2)), seed=0)(np.array([[np.inf, -np.inf], [1, 1]])),
         "weight has a non-finite"),
        (lambda: PowerIterationSN(np.ones((2, 2)), n_power_iterations=0), "n_power_iterations"),
        (lambda: PowerIterationSN(np.ones((2, 2)), seed=0)(np.ones((3, 2))), "weight must have"),
        (lambda: PowerIterationSN(np.ones((2, 3)), u=np.ones(3)), "u and v must have lengths"),
        (lambda: power_iteration(np.ones((2, 3)), np.ones(2), np.ones(2)), "u and v must"),
        (lambda: bsn_sigmas(np.ones((2, 3, 3))), "kernel must be a 4-D array"),
        (lambda: weight_to_matrix(np.ones(3)), "at least 2 dimensions"),
        (lambda: weight_to_matrix(np.ones((2, 2)), dim=2), "dim must be <= 1"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(SpecproofError, match=match):
        call()


def test_zero_sigma_is_a_value_error_not_nan():
    with pytest.raises(ValueError):
        spectral_normalize(np.zeros((2, 2)))


@pytest.mark.parametrize(("dtype", "scale", "tol"), [
    ("float32", 1e20, 1e-6),   # ||W v||^2 overflows float32: the norm used to be inf
    ("float32", 1e36, 1e-6),
    ("float32", 1e38, 1e-6),   # sigma itself above float32's largest number
    ("float64", 1e160, 1e-13),
    ("float64", 1e307, 1e-13),
])
def test_sn_of_huge_finite_weights(dtype, scale, tol):
    # a finite weight has a finite, nonzero sigma; its normalisation has norm 1. These
    # used to say "spectral norm 0 ... a zero weight" (float32 1e20: u = W v / inf = 0)
    # or return zeros (W / inf)
    W = np.random.default_rng(2).uniform(-1.0, 1.0, (5, 4)).astype(dtype)
    sigma = np.linalg.norm(W.astype(np.float64), 2)
    big = W * scale
    assert np.all(np.isfinite(big)) and big.dtype == np.dtype(dtype)
    sn = PowerIterationSN(big, seed=0, init_iterations=60)
    out = sn(big)
    assert out.dtype == np.dtype(dtype)
    assert abs(sn.sigma / (scale * sigma) - 1) < tol
    assert abs(np.linalg.norm(out.astype(np.float64), 2) - 1) < 10 * tol
    assert abs(exact_sigma(big) / (scale * sigma) - 1) < tol
    assert abs(np.linalg.norm(spectral_normalize(big).astype(np.float64), 2) - 1) < 10 * tol
    u, v, s = power_iteration(big, sn.u, sn.v, 5)
    assert abs(s / (scale * sigma) - 1) < tol
    # the same u and v as for the unscaled weight (the iteration is scale-free)
    small = PowerIterationSN(W, seed=0, init_iterations=60)
    small(W)
    np.testing.assert_allclose(sn.u, small.u, atol=10 * tol)
    np.testing.assert_allclose(sn.v, small.v, atol=10 * tol)
    vec = PowerIterationSN(big[0], seed=0)
    assert abs(np.linalg.norm(vec(big[0]).astype(np.float64)) - 1) < 10 * tol


def test_sigma_beyond_float64_is_an_error_naming_it():
    W = np.full((2, 2), 1.7e308)
    for call in (lambda: spectral_normalize(W), lambda: PowerIterationSN(W, seed=0)(W),
                 lambda: PowerIterationSN(W[0], seed=0)(W[0])):
        with pytest.raises(SpecproofError, match="beyond float64's range"):
            call()


@pytest.mark.parametrize("scale", [1e-13, 1e-20, 1e-160])
def test_power_iteration_below_eps_is_an_error_not_a_wrong_sigma(scale):
    # ||W v|| < eps = 1e-12: u and v stopped being unit vectors; sigma came out 7e-50 for
    # a weight of norm 3e-13 (normalised weight of norm 4e36), or "spectral norm 0 ...
    # a zero weight" further down
    W = np.random.default_rng(7).standard_normal((5, 4)) * scale
    with pytest.raises(SpecproofError, match=r"fell below eps = 1e-12 \(the weight's "
                                             r"Frobenius norm is"):
        PowerIterationSN(W, seed=0)(W)
    with pytest.raises(SpecproofError, match="fell below eps"):
        BSNPowerIteration(W.reshape(5, 4, 1, 1), seed=0)(W.reshape(5, 4, 1, 1))
    with pytest.raises(SpecproofError, match="the weight's norm is .* below eps = 1e-12"):
        PowerIterationSN(W[0], seed=0)(W[0])
    # with a floor below the weight's scale it normalises, and spectral_normalize always
    sn = PowerIterationSN(W, seed=0, eps=scale * 1e-12, init_iterations=60)
    assert abs(np.linalg.norm(sn(W), 2) - 1) < 1e-6
    assert abs(np.linalg.norm(spectral_normalize(W), 2) - 1) < 1e-12


@pytest.mark.parametrize(("dtype", "scale"), [
    ("float64", 1e-200), ("float64", 1e-318), ("float64", 1e-321),
    ("float32", 1e-25), ("float32", 1e-41), ("float32", 1e-43),
])
def test_tiny_weights_keep_their_digits(dtype, scale):
    # every square underflowed: ||[3e-200, 4e-200]|| came out 0 (sigma 0, "a zero
    # weight"), and a sigma rounded into the subnormals left ||SN(W)|| - 1 at 1.7e-4
    v = (np.array([3.0, 4.0]) * scale).astype(dtype)
    assert exact_sigma(v) == pytest.approx(5.0 * float(v[0]) / 3.0, rel=1e-6)
    W = (np.random.default_rng(0).standard_normal((5, 4)) * scale).astype(dtype)
    big = np.ldexp(W.astype(np.float64), 1100 if dtype == "float64" else 160)
    ref = np.linalg.svd(big, compute_uv=False)[0]
    out = spectral_normalize(W)
    assert out.dtype == np.dtype(dtype)
    tol = 1e-14 if dtype == "float64" else 1e-6
    assert abs(np.linalg.norm(out.astype(np.float64), 2) - 1.0) <= tol
    assert np.allclose(out.astype(np.float64), big / ref, rtol=0, atol=tol)
    # the power iteration, with a floor below the weight's scale, gives the same
    sn = PowerIterationSN(W, eps=float(np.finfo(dtype).smallest_subnormal), seed=0,
                          init_iterations=200)
    assert abs(np.linalg.norm(sn(W).astype(np.float64), 2) - 1.0) <= 10 * tol


def test_power_iteration_on_an_underflowing_matrix_returns_unit_vectors():
    u0 = v0 = np.ones(2) / np.sqrt(2.0)
    ref = power_iteration(np.diag([2.0, 1.0]), u0, v0, 3)
    u, v, s = power_iteration(np.diag([2.0, 1.0]) * 1e-170, u0, v0, 3, eps=1e-300)
    assert s == pytest.approx(ref[2] * 1e-170, rel=1e-14)
    assert np.allclose(u, ref[0], rtol=0, atol=1e-15) and abs(np.linalg.norm(u) - 1) < 1e-15


def test_zero_and_scalar_weights_and_an_overflowing_c_are_errors():
    with pytest.raises(SpecproofError, match="spectral norm 0"):
        PowerIterationSN(np.zeros(3))(np.zeros(3))
    with pytest.raises(SpecproofError, match="weight must have at least 1 dimension"):
        PowerIterationSN(np.array(2.0))
    with pytest.raises(SpecproofError, match="c = 1e\\+39 is beyond the largest float32"):
        spectral_normalize(np.eye(2, dtype=np.float32), c=1e39)
    assert spectral_normalize(np.eye(2), c=1e39)[0, 1] == 0.0  # float64: no NaN either
