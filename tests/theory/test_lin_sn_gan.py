"""Discriminator backprop, the gradient-norm bound and the lin-sn-gan claims."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.claims import run_claim
from specproof.dag_nets import MLPDiscriminator
from specproof.testing import ClaimFailed, assert_claim_passes
from specproof.theory import get_claim


def test_two_layer_gradients_closed_form():
    w1 = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])
    w2 = np.array([[2.0, -1.0, 4.0]])
    net = MLPDiscriminator((w1, w2))
    x = np.array([1.0, 1.0])
    # z1 = (3, -0.5, -3): only unit 0 active
    assert net(x) == 6.0
    g1, g2 = net.gradients(x)
    np.testing.assert_array_equal(g2, [[3.0, 0.0, 0.0]])
    np.testing.assert_array_equal(g1, [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "softplus", "tanh"])
def test_backprop_matches_finite_differences(activation):
    net = MLPDiscriminator.random([4, 6, 5, 1], seed=1, activation=activation, bias_scale=0.3)
    x = np.random.default_rng(2).standard_normal(4)
    for g, fd in zip(net.gradients(x), net.finite_difference_gradients(x)):
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-6, 1e6),
    leaky=st.booleans(),
)
def test_bound_holds_for_bias_free_homogeneous_nets(sizes, seed, scale, leaky):
    net = MLPDiscriminator.random([3, *sizes, 1], seed=seed,
                                  activation="leaky_relu" if leaky else "relu")
    x = scale * np.random.default_rng(seed).standard_normal(3)
    norms = np.array([np.linalg.norm(g) for g in net.gradients(x)])
    assert np.all(norms <= net.gradient_bounds(x) * (1 + 1e-12))


def test_bound_is_attained_by_a_linear_two_layer_net():
    # all units active: dD/dw1 = w2^T x^T, so ||grad|| = ||w2|| ||x|| exactly
    w1 = np.eye(3)
    w2 = np.array([[1.0, 2.0, 2.0]])
    net = MLPDiscriminator((w1, w2))
    x = np.array([1.0, 2.0, 3.0])
    ratio = np.linalg.norm(net.gradients(x)[0]) / net.gradient_bounds(x)[0]
    assert abs(ratio - 1.0) < 1e-15


def test_bias_breaks_the_bound_at_zero_input():
    net = MLPDiscriminator((np.eye(2), np.ones((1, 2))), biases=(np.ones(2), np.zeros(1)))
    x = np.full(2, 1e-9)
    product = np.linalg.norm(x) * np.linalg.norm(net.weights[0], 2)  # ||x|| ||w_1||_2
    assert np.linalg.norm(net.gradients(x)[1]) > 1e6 * product
    # gradient_bounds adds the bias term (it returned the false product before s18)
    assert np.linalg.norm(net.gradients(x)[1]) <= net.gradient_bounds(x)[1]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(1, 4\) but weights\[0\]"):
        MLPDiscriminator((np.ones((3, 2)), np.ones((1, 4))))
    with pytest.raises(ValueError, match="last layer must have one output"):
        MLPDiscriminator((np.ones((3, 2)),))
    with pytest.raises(ValueError, match="activation must be one of"):
        MLPDiscriminator((np.ones((1, 2)),), activation="sigmoid")
    net = MLPDiscriminator((np.ones((1, 2)),))
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        net.gradients(np.ones(3))
    with pytest.raises(ValueError, match="non-finite entry at index 1"):
        net(np.array([0.0, np.nan]))


def test_claims_pass_and_controls_fail():
    h = assert_claim_passes("lin-sn-gan.homogeneity")
    assert h.check.measured["nonzero_residuals"] == 0
    assert h.control.measured["nonzero_residuals"] == 4  # ReLU and leaky, z>0 and z<0
    g = assert_claim_passes("lin-sn-gan.gradient-bound")
    assert 0.99 < g.check.measured["max_ratio"] <= 1 + 1e-12
    assert g.check.measured["fd_max_rel_error"] < 1e-6
    violation = g.control.measured["violation"]
    assert violation["ratio"] > 1.0 and len(violation["input"]) == violation["sizes"][0]


def test_assert_claim_passes_raises_with_evidence():
    with pytest.raises(ClaimFailed, match="FAIL") as info:
        assert_claim_passes("lin-sn-gan.gradient-bound", bias_scale=1.0, nets=4, inputs=4)
    assert "max_ratio" in str(info.value)
    r = run_claim(get_claim("lin-sn-gan.gradient-bound"), overrides={"nets": 2, "inputs": 2})
    assert r.params["nets"] == 2
