"""Biases (compile(..., bias=beta)): exact derivatives, parameters by name, and the
infinite-width limit with the same beta."""

import numpy as np
import pytest

from specproof import SpecproofError
from specproof.dag_nets import (
    WeightsError,
    compile,
    densenet,
    infinite_width_kernels,
    mlp,
    random_dag,
)

X = np.random.default_rng(0).standard_normal((5, 3))


@pytest.mark.parametrize("par", ["ntk", "standard"])
@pytest.mark.parametrize("graph", [densenet(5, depth=3, d_in=3),
                                   random_dag(30, 3, n_inputs=3, seed=0)])
def test_bias_derivatives_are_exact(graph, par):
    net = compile(graph, activation="tanh", seed=0, bias=0.3, parameterization=par)
    n = net.n_params
    assert net.n_biases == net.n_neurons - net.n_inputs and n == net.n_weights + net.n_biases
    w = net.params.copy()
    J = net.jacobian(X)
    fd = np.array([(net.forward(X, w + 1e-6 * e) - net.forward(X, w - 1e-6 * e))[:, 0]
                   for e in np.eye(n)]).T / 2e-6
    np.testing.assert_allclose(J, fd, rtol=0, atol=1e-8)
    np.testing.assert_allclose(net.ntk(X), J @ J.T, rtol=1e-12, atol=1e-14)
    v = np.random.default_rng(1).standard_normal(n)
    np.testing.assert_allclose(net.jvp(X, v)[:, 0], J @ v, rtol=1e-12, atol=1e-13)
    fdh = (net.grad(X[:1], params=w + 1e-5 * v) - net.grad(X[:1], params=w - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(net.hvp(X[0], v), fdh, rtol=0, atol=1e-7)
    r = net.hessian_norm(X[0])
    H = net.hessian_operator(X[0]) @ np.eye(n)
    assert r.method == "full" and r.value == pytest.approx(np.abs(np.linalg.eigvalsh(H)).max(),
                                                            rel=1e-9)


def test_biases_by_name_and_same_function_in_both_parameterisations():
    g = mlp(4, depth=2, d_in=3)
    a = compile(g, seed=2, bias=0.5)
    b = compile(g, seed=2, bias=0.5, parameterization="standard")
    np.testing.assert_allclose(a.forward(X), b.forward(X), rtol=1e-13)
    shapes = a.block_shapes
    assert shapes["b[h1]"] == (4,) and shapes["b[y]"] == (1,) and "b[x]" not in shapes
    d = a.params_dict()
    a.set_params({k: v * 0 for k, v in d.items()})
    assert not a.params.any()
    del d["b[h2]"]
    with pytest.raises(WeightsError, match=r"missing blocks \['b\[h2\]'\]"):
        a.set_params(d)
    with pytest.raises(SpecproofError, match="bias"):
        compile(g, bias=-0.1)
    with pytest.raises(SpecproofError, match="method='reduced' covers weights only"):
        a.hessian_norm(X[0], method="reduced")
    # bias=0 is the paper's model: no bias parameters at all
    assert compile(g, seed=2).n_params == compile(g, seed=2).n_weights


def test_biased_ntk_converges_to_the_biased_limit():
    # root-mean-square relative error over 16 seeds at m = 64 and 512: it decays like
    # m^{-1/2} against the limit with the same beta (two widths and 16 seeds scatter by
    # about 0.15 in slope, hence the wide band; the exact place of beta^2 in the
    # recursion is tested against the closed form in test_limit.py), and plateaus
    # against the limit without biases
    X4 = np.random.default_rng(0).standard_normal((4, 4))
    widths = [64, 512]
    ys, wrong = [], []
    for m in widths:
        g = densenet(m, depth=3, d_in=4)
        T = infinite_width_kernels(g, X4, bias=0.5).ntk
        T0 = infinite_width_kernels(g, X4).ntk
        Ks = [compile(g, seed=s, bias=0.5).ntk(X4) for s in range(16)]
        ys.append(np.sqrt(np.mean([np.sum((K - T) ** 2) for K in Ks])) / np.linalg.norm(T))
        wrong.append(np.sqrt(np.mean([np.sum((K - T0) ** 2) for K in Ks])) / np.linalg.norm(T0))
    slope = np.log(ys[1] / ys[0]) / np.log(widths[1] / widths[0])
    assert -0.75 < slope < -0.25, slope
    assert wrong[1] > 0.8 * wrong[0] and wrong[1] > 5 * ys[1]
