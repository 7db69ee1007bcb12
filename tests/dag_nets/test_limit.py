"""The infinite-width NNGP and NTK of any DAG: closed forms, the MLP oracle, convergence."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from specproof import SpecproofError
from specproof.dag_nets import (
    compile,
    densenet,
    infinite_width_kernels,
    infinite_width_ntk,
    mlp,
    mlp_infinite_width_ntk,
    mlp_nngp_kernel,
    nngp_kernel,
    random_block_dag,
    resnet,
    to_neurons,
)

RNG = np.random.default_rng(7)
X5 = RNG.standard_normal((5, 3))
X3 = RNG.standard_normal((3, 3))


@pytest.mark.parametrize("act", ["erf", "relu"])
@pytest.mark.parametrize("depth", [1, 2, 4])
def test_chain_equals_mlp_oracle(act, depth):
    g = mlp([7, 11, 5, 9][:depth], d_in=3)
    for X2 in (None, X3):
        T = infinite_width_ntk(g, X5, X2, activation=act)
        S = nngp_kernel(g, X5, X2, activation=act)
        np.testing.assert_allclose(T, mlp_infinite_width_ntk(X5, X2, depth, act),
                                   rtol=0, atol=1e-14)
        np.testing.assert_allclose(S, mlp_nngp_kernel(X5, X2, depth, act), rtol=0, atol=1e-14)


def _erf_closed(S, a, b):
    P = np.outer(1 + 2 * a, 1 + 2 * b)
    return (2 / np.pi) * np.arcsin(2 * S / np.sqrt(P)), (4 / np.pi) / np.sqrt(P - 4 * S**2)


def test_two_layer_closed_form():
    # f = m^{-1/2} v . erf(W x / sqrt(d)): Theta = E[s s'] + (x.x'/d) E[s' s'], NNGP = E[s s']
    X = X5
    d = X.shape[1]
    S = X @ X3.T / d
    E, Ed = _erf_closed(S, np.sum(X * X, 1) / d, np.sum(X3 * X3, 1) / d)
    g = mlp(13, depth=1, d_in=d)
    np.testing.assert_allclose(nngp_kernel(g, X, X3), E, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(infinite_width_ntk(g, X, X3), E + S * Ed, rtol=1e-14,
                               atol=1e-15)


def _arccos(S, a, b):
    nrm = np.sqrt(np.outer(a, b))
    th = np.arccos(np.clip(S / nrm, -1, 1))
    return nrm * (np.sin(th) + (np.pi - th) * np.cos(th)) / (2 * np.pi), (np.pi - th) / (2 * np.pi)


def test_residual_block_closed_form():
    # x -> h0 (identity) -> r (relu) -> o (identity) with the skip h0 -> o, then o -> y.
    # Arc-cosine kernels (Cho & Saul 2009) k1, k0 at Sigma0 = x.x'/d; in the residual form
    # of Huang et al. (2020) / Littwin et al. (2020), with a trained skip and the fan-in
    # 2m of o:  Sigma_o = (Sigma0 + k1)/2,  Theta_o = (2 Sigma0 + k1 + 2 k0 Sigma0)/2,
    # and the linear read-out adds Sigma_o: Theta_y = Sigma_o + Theta_o.
    g = nx.DiGraph([("x", "h0"), ("h0", "r"), ("r", "o"), ("h0", "o"), ("o", "y")])
    nx.set_node_attributes(g, {"x": 3, "h0": 8, "r": 8, "o": 8, "y": 1}, "size")
    g.nodes["h0"]["activation"] = "identity"
    g.nodes["o"]["activation"] = "identity"
    d = 3
    S0 = X5 @ X3.T / d
    k1, k0 = _arccos(S0, np.sum(X5**2, 1) / d, np.sum(X3**2, 1) / d)
    sig_o = (S0 + k1) / 2
    theta_o = (2 * S0 + k1 + 2 * k0 * S0) / 2
    np.testing.assert_allclose(nngp_kernel(g, X5, X3, activation="relu"), sig_o,
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(infinite_width_ntk(g, X5, X3, activation="relu"),
                               sig_o + theta_o, rtol=1e-13, atol=1e-15)


def test_neuron_level_graph_gives_the_block_limit():
    # to_neurons keeps every proportion m_u / F_v, so the limit is the same kernel
    g = densenet(3, depth=3, d_in=3)
    for act in ("erf", "relu", "tanh"):
        np.testing.assert_allclose(infinite_width_ntk(to_neurons(g), X5, activation=act),
                                   infinite_width_ntk(g, X5, activation=act), rtol=1e-12)


def test_x2_is_a_block_of_the_full_kernel():
    g = random_block_dag(4, n_hidden=5, d_in=3, seed=1)
    A, B = X5 / 2, X3 / 2  # variances below 1: quadrature needs fewer nodes (kernels.py)
    full = infinite_width_ntk(g, np.vstack([A, B]), activation="tanh")
    np.testing.assert_allclose(infinite_width_ntk(g, A, B, activation="tanh"), full[:5, 5:],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(full, full.T, rtol=0, atol=1e-15)
    assert np.linalg.eigvalsh(full)[0] > 0


def test_bias_adds_beta_squared_at_every_node():
    # one hidden layer: Sigma1 = x.x'/d + b^2, Sigma_y = E[s s'](Sigma1) + b^2,
    # Theta_y = Sigma_y + Sigma1 E[s' s'](Sigma1)
    beta, d = 0.3, 3
    S1 = X5 @ X3.T / d + beta**2
    E, Ed = _erf_closed(S1, np.sum(X5**2, 1) / d + beta**2, np.sum(X3**2, 1) / d + beta**2)
    r = infinite_width_kernels(mlp(5, depth=1, d_in=d), X5, X3, bias=beta)
    np.testing.assert_allclose(r.nngp, E + beta**2, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(r.ntk, E + beta**2 + S1 * Ed, rtol=1e-14, atol=1e-16)
    assert r.bias == beta and r.dtype == "float64" and r.methods == {"erf": "closed form",
                                                                     "identity": "closed form"}


def _rms_slope(builder, widths, seeds, X, kernel="ntk"):
    ys = []
    for m in widths:
        g = builder(m)
        r = infinite_width_kernels(g, X)
        T = r.ntk if kernel == "ntk" else r.nngp
        errs = [np.linalg.norm(compile(g, seed=s).ntk(X) - T) / np.linalg.norm(T)
                for s in range(seeds)]
        ys.append(0.5 * np.log(np.mean(np.square(errs))))
    return float(np.polyfit(np.log(widths), ys, 1)[0])


ARCHS = {
    "densenet": lambda m: densenet(m, depth=3, d_in=4),
    "resnet": lambda m: resnet(m, depth=4, d_in=4),
    "random": lambda m: random_block_dag(m, n_hidden=5, d_in=4, seed=1),
}


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_empirical_ntk_converges_like_one_over_sqrt_width(arch):
    # root-mean-square relative error over 48 seeds per width; the paper profile of
    # zhu-dag.ntk-limit runs m = 256 ... 4096
    X = np.random.default_rng(0).standard_normal((4, 4))
    with threadpool_limits(1):
        slope = _rms_slope(ARCHS[arch], [64, 128, 256, 512], 48, X)
        assert -0.6 <= slope <= -0.4, slope
        if arch == "densenet":  # the NNGP is not the NTK's limit: the error plateaus
            wrong = _rms_slope(ARCHS[arch], [64, 512], 8, X, kernel="nngp")
            assert wrong > -0.1, wrong


def test_bad_input_is_named():
    g = mlp(4, depth=2, d_in=3)
    with pytest.raises(SpecproofError, match="graph must be a networkx.DiGraph"):
        infinite_width_ntk(X5, X5)
    with pytest.raises(SpecproofError, match="X has 2 features per row but the graph has 3"):
        infinite_width_ntk(g, X5[:, :2])
    with pytest.raises(SpecproofError, match="bias"):
        infinite_width_ntk(g, X5, bias=-1.0)
    two = nx.DiGraph([("x", "h"), ("h", "y1"), ("h", "y2")])
    with pytest.raises(SpecproofError, match="2 output nodes"):
        infinite_width_ntk(two, X5[:, :1])
    K1 = infinite_width_ntk(two, X5[:, :1], output="y2")
    np.testing.assert_array_equal(K1, infinite_width_ntk(two, X5[:, :1], output=1))
    g.nodes["y"]["activation"] = "erf"
    with pytest.raises(SpecproofError, match="no deterministic infinite-width limit"):
        infinite_width_ntk(g, X5)
    assert nngp_kernel(g, X5).shape == (5, 5)  # the NNGP of a non-linear output exists
    with pytest.raises(SpecproofError, match="not smooth"):
        infinite_width_ntk(mlp(4, d_in=3), X5, activation=_kinked())


def _kinked():
    from specproof.dag_nets import Activation

    return Activation("kink", np.abs, np.sign, np.zeros_like, smooth=False)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), act=st.sampled_from(["erf", "relu", "leaky_relu"]),
       n=st.integers(1, 6), beta=st.sampled_from([0.0, 0.7]),
       scale=st.sampled_from([1e-3, 1.0, 30.0]))
def test_limit_invariants(seed, act, n, beta, scale):
    # any random block DAG: symmetric, PSD, Theta - Sigma PSD (Schur products of PSD
    # kernels), equivariant under permuting the inputs, and finite at extreme scales
    rng = np.random.default_rng(seed)
    g = random_block_dag(3, n_hidden=4, d_in=2, seed=seed)
    X = scale * rng.standard_normal((n, 2))
    r = infinite_width_kernels(g, X, activation=act, bias=beta)
    for K in (r.nngp, r.ntk):
        assert np.all(np.isfinite(K))
        np.testing.assert_array_equal(K, K.T)
    lam = np.linalg.eigvalsh(r.ntk - r.nngp)
    assert lam[0] >= -1e-12 * max(1.0, abs(lam[-1]))
    assert np.linalg.eigvalsh(r.nngp)[0] >= -1e-12 * max(1.0, np.abs(r.nngp).max())
    perm = rng.permutation(n)
    P = infinite_width_kernels(g, X[perm], activation=act, bias=beta)
    np.testing.assert_allclose(P.ntk, r.ntk[np.ix_(perm, perm)], rtol=1e-12, atol=1e-300)
