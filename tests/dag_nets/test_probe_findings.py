"""Wrong numbers at extreme magnitudes, found by probing (kept)."""

from __future__ import annotations

import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof._core import ComputationError


@pytest.mark.parametrize("a", [1e8, 1e12, 1e15, 1e17])
def test_erf_dual_derivative_at_large_variance(a):
    # E[erf'(u)^2] for u ~ N(0, a) is 4 / (pi sqrt(1 + 4a)); through 1 - q^2 it was 5 %
    # off at 1e15 and inf at 1e17
    r = dn.dual("erf", np.array([[a]]), np.array([a]), np.array([a]))
    assert r.ed[0, 0] == pytest.approx(4 / np.pi / np.sqrt(1 + 4 * a), rel=1e-13)
    # E[erf(u)^2] = (2/pi) arcsin(2a / (1 + 2a)), written without arcsin near 1
    assert r.da[0] == pytest.approx(1 - 4 / np.pi * np.arcsin(1 / np.sqrt(2 + 4 * a)), rel=1e-14)


def test_erf_ntk_grows_linearly_with_the_input_variance():
    # Theta(s x, s x) for an erf MLP is ~ s^2 times a constant once the pre-activations
    # saturate; at s = 1e8 it was 11 % below, at 1e10 inf
    g = dn.mlp(16, depth=2, d_in=4)
    x = np.random.default_rng(0).standard_normal((2, 4))
    t8 = dn.infinite_width_ntk(g, x * 1e8)[0, 0]
    t10 = dn.infinite_width_ntk(g, x * 1e10)[0, 0]
    assert np.isfinite(t10) and t10 / t8 == pytest.approx(100.0, rel=1e-4)


@pytest.mark.parametrize("activation", ["relu", "erf", "identity"])
def test_overflowing_limit_kernels_raise_instead_of_returning_nan(activation):
    g = dn.mlp(16, depth=2, d_in=4)
    x = np.random.default_rng(0).standard_normal((2, 4)) * 1e160
    with pytest.raises(ComputationError, match="is not finite: the recursion overflowed"):
        dn.infinite_width_ntk(g, x, activation=activation)


@pytest.mark.parametrize("s", [1e-20, 1e-160, 1e300])
def test_hessian_norm_is_homogeneous_for_an_identity_network(s):
    # ||H(s x)|| = s ||H(x)|| exactly; ARPACK's absolute test left 7e-5 at s = 1e-20 with
    # ok = True, and the residual read 0 (1e-160) or inf (1e300)
    net = dn.compile(dn.mlp(64, depth=2, d_in=20), activation="identity", seed=0)
    x = np.random.default_rng(0).standard_normal(20)
    h0, h = net.hessian_norm(x), net.hessian_norm(x * s)
    assert h.ok and h.value / s == pytest.approx(h0.value, rel=1e-12)
    assert 0 < h.residual <= 1e-10 * h.value


def test_reduced_hessian_keeps_the_direction_of_a_small_sample():
    # a sample 1e17 times larger than another (and saturating erf, so its Hessian is 0)
    # made the rank threshold drop the other's direction: value 0.0 with ok = True
    net = dn.compile(dn.mlp(64, depth=1, d_in=20), activation="erf", seed=0)
    X = np.zeros((2, 20))
    X[0, 0], X[1, 1] = 1e17, 1.0
    alone = net.hessian_norm(X[1]).value
    for method in ("auto", "full"):
        r = net.hessian_norm(X, method=method)
        assert r.ok and r.value == pytest.approx(alone, rel=1e-12), (method, r.value)


@pytest.mark.parametrize("s", [1e-170, 1e160])
def test_two_layer_oracle_is_homogeneous(s):
    rng = np.random.default_rng(0)
    W, v, x = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    base = dn.two_layer_hessian_norm(W, v, x, "identity")
    assert dn.two_layer_hessian_norm(W, v, x * s, "identity") / s == pytest.approx(base,
                                                                                   rel=1e-14)


@pytest.mark.parametrize("s", [1e155, 1e200])
def test_empirical_ntk_of_a_saturated_erf_network_at_huge_inputs(s):
    # x . x' overflows, but erf' is exactly 0 there, so the input block contributes 0;
    # inf * 0 = NaN made ntk() raise "overflowed" although the NTK is O(1) (= J J^T)
    net = dn.compile(dn.mlp(16, depth=2, d_in=4), activation="erf", seed=0)
    x = np.random.default_rng(0).standard_normal((3, 4)) * s
    with np.errstate(over="ignore", invalid="ignore"):
        K = net.ntk(x)
        J = net.jacobian(x)
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(K)) and np.abs(K).max() > 0.1
