"""Compiled networks: forward against hand formulas, derivatives against finite
differences, the sparse and block engines against each other, parameters and bad input."""

import networkx as nx
import numpy as np
import pytest
from scipy import special

from specproof import SpecproofError
from specproof.dag_nets import (
    ActivationError,
    InputShapeError,
    WeightsError,
    compile,
    densenet,
    mlp,
    random_dag,
    resnet,
    to_neurons,
)

RNG = np.random.default_rng(12345)


def _fd_grad(net, X, eps=1e-6):
    w0 = net.params.copy()
    g = np.empty(net.n_params)
    for i in range(net.n_params):
        e = np.zeros(net.n_params)
        e[i] = eps
        g[i] = (net.forward(X, w0 + e).sum() - net.forward(X, w0 - e).sum()) / (2 * eps)
    return g


def test_forward_matches_hand_formula_on_a_small_dag():
    # x0, x1 -> a (tanh) ; x1, a -> y (identity). NTK scaling 1/sqrt(fan_in).
    g = nx.DiGraph([("x0", "a"), ("x1", "a"), ("x1", "y"), ("a", "y")])
    g.nodes["a"]["activation"] = "tanh"
    net = compile(g, activation="erf", seed=0)
    w = {("x0", "a"): 0.3, ("x1", "a"): -1.2, ("x1", "y"): 0.7, ("a", "y"): 2.0}
    net.set_params(w)
    x = np.array([[0.5, -2.0]])
    a = np.tanh((0.3 * 0.5 + -1.2 * -2.0) / np.sqrt(2))
    y = (0.7 * -2.0 + 2.0 * a) / np.sqrt(2)
    assert net.forward(x)[0, 0] == pytest.approx(y, rel=1e-15)
    std = compile(g, parameterization="standard").set_params(w)
    a_s = np.tanh(0.3 * 0.5 + -1.2 * -2.0)
    assert std.forward(x)[0, 0] == pytest.approx(0.7 * -2.0 + 2.0 * a_s, rel=1e-15)


def test_mlp_forward_is_the_layer_formula():
    net = compile(mlp([6, 5], d_in=3, d_out=2), activation="erf", seed=1)
    P = net.params_dict()
    X = RNG.standard_normal((4, 3))
    h1 = special.erf(X @ P["W[x->h1]"] / np.sqrt(3))
    h2 = special.erf(h1 @ P["W[h1->h2]"] / np.sqrt(6))
    np.testing.assert_allclose(net(X), h2 @ P["W[h2->y]"] / np.sqrt(5), rtol=1e-13)


def test_same_seed_same_function_in_both_parameterisations_and_gradients_scale():
    g = densenet(7, depth=3, d_in=3)
    a = compile(g, activation="tanh", seed=4)
    b = compile(g, activation="tanh", seed=4, parameterization="standard")
    X = RNG.standard_normal((5, 3))
    np.testing.assert_allclose(a(X), b(X), rtol=1e-12)
    # f_std(w') = f_ntk(w'/s), so grad_std = grad_ntk / s per block: sqrt(fan_in) larger
    s = np.concatenate([np.full(blk.size, a.scale[blk.dst[0]]) for blk in a.blocks])
    np.testing.assert_allclose(b.grad(X), a.grad(X) / s, rtol=1e-11)
    v = RNG.standard_normal(a.n_params)
    np.testing.assert_allclose(b.hvp(X[0], v), a.hvp(X[0], v / s) / s, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("act", ["erf", "tanh", "softplus", "gelu", "sigmoid", "relu"])
def test_gradient_matches_finite_differences_blocks(act):
    net = compile(resnet(4, depth=3, d_in=2, skip=2), activation=act, seed=2)
    X = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(net.grad(X), _fd_grad(net, X), rtol=1e-6, atol=1e-8)


def test_gradient_matches_finite_differences_sparse():
    net = compile(random_dag(25, 3, n_inputs=4, n_outputs=1, seed=5), activation="tanh",
                  seed=1)
    assert net.engine == "sparse"
    X = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(net.grad(X), _fd_grad(net, X), rtol=1e-6, atol=1e-8)


def test_vjp_jvp_jacobian_loss_grad_are_consistent():
    net = compile(densenet(5, depth=2, d_in=3, d_out=2), activation="gelu", seed=3)
    X = RNG.standard_normal((4, 3))
    C = RNG.standard_normal((4, 2))
    t = RNG.standard_normal(net.n_params)
    J0, J1 = net.jacobian(X, output=0), net.jacobian(X, output=1)
    np.testing.assert_allclose(net.vjp(X, C), J0.T @ C[:, 0] + J1.T @ C[:, 1], rtol=1e-11)
    np.testing.assert_allclose(net.jvp(X, t), np.stack([J0 @ t, J1 @ t], 1), rtol=1e-11)
    Y = RNG.standard_normal((4, 2))
    L, g = net.loss_and_grad(X, Y)
    R = net(X) - Y
    assert L == pytest.approx(0.5 * np.sum(R**2), rel=1e-14)
    np.testing.assert_allclose(g, net.vjp(X, R), rtol=1e-12)
    e = 1e-6
    fd = (net.loss_and_grad(X, Y, net.params + e * t)[0]
          - net.loss_and_grad(X, Y, net.params - e * t)[0]) / (2 * e)
    assert fd == pytest.approx(g @ t, rel=1e-6)


def test_block_and_neuron_level_networks_agree_everywhere():
    g = densenet(3, depth=3, d_in=2)
    blk = compile(g, activation="tanh", seed=1)
    neu = compile(to_neurons(g), activation="tanh", seed=99)
    d = {}
    for name, arr in blk.params_dict().items():
        u, v = name[2:-1].split("->")
        for (i, j), val in np.ndenumerate(arr):
            d[((u, i), (v, j))] = val
    neu.set_params(d)
    dense_neu = compile(to_neurons(g), activation="tanh", engine="blocks").set_params(d)
    X = RNG.standard_normal((5, 2))
    for other in (neu, dense_neu):
        np.testing.assert_allclose(other(X), blk(X), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(other.ntk(X), blk.ntk(X), rtol=1e-12)
        hn = other.hessian_norm(X[1]).value
        assert hn == pytest.approx(blk.hessian_norm(X[1]).value, rel=1e-9)
    t = RNG.standard_normal(neu.n_params)
    np.testing.assert_allclose(neu.hvp(X[0], t), dense_neu.hvp(X[0], t), rtol=1e-10,
                               atol=1e-14)


def test_params_dict_roundtrip_and_named_shapes():
    net = compile(mlp([3, 2], d_in=4), seed=0)
    assert net.block_shapes == {"W[x->h1]": (4, 3), "W[h1->h2]": (3, 2), "W[h2->y]": (2, 1)}
    d = net.params_dict()
    other = compile(mlp([3, 2], d_in=4), seed=1).set_params(d)
    np.testing.assert_array_equal(other.params, net.params)
    with pytest.raises(ValueError):
        net.params[0] = 1.0  # read-only view
    net.params = np.zeros(net.n_params)
    assert not net.params.any()


def test_weights_errors_name_the_block():
    net = compile(mlp([3, 2], d_in=4), seed=0)
    d = net.params_dict()
    with pytest.raises(WeightsError, match=r"missing blocks \['W\[h1->h2\]'\]"):
        net.set_params({k: v for k, v in d.items() if k != "W[h1->h2]"})
    with pytest.raises(WeightsError, match=r"W\[h1->h2\] must have shape \(3, 2\), got \(2, 3\)"):
        net.set_params({**d, "W[h1->h2]": np.ones((2, 3))})
    with pytest.raises(WeightsError, match=r"'W\[h1->h3\]'.*did you mean 'W\[h1->h2\]'"):
        net.set_params({**d, "W[h1->h3]": np.ones((3, 2))})
    bad = d["W[x->h1]"].copy()
    bad[2, 1] = np.nan
    with pytest.raises(WeightsError, match=r"W\[x->h1\] has a non-finite entry at index \(2, 1\)"):
        net.set_params({**d, "W[x->h1]": bad})
    with pytest.raises(WeightsError, match="twice"):
        net.set_params({**d, ("h1", "h2"): d["W[h1->h2]"]})
    with pytest.raises(WeightsError, match="length"):
        net.set_params(np.zeros(net.n_params + 1))
    before = net.params.copy()
    with pytest.raises(WeightsError):
        net.set_params({"W[x->h1]": d["W[x->h1]"]})
    np.testing.assert_array_equal(net.params, before)  # a failed set changes nothing


def test_bad_inputs_are_named():
    net = compile(mlp(4, depth=2, d_in=3), seed=0)
    X = np.zeros((4, 3))
    X[2, 1] = np.inf
    with pytest.raises(SpecproofError, match=r"X has a non-finite entry inf at index \(2, 1\)"):
        net.forward(X)
    with pytest.raises(InputShapeError, match="2 features per row but the network has 3"):
        net.forward(np.zeros((4, 2)))
    with pytest.raises(InputShapeError, match=r"use X\[None, :\]"):
        net.forward(np.zeros(3))
    with pytest.raises(ValueError, match="cotangent must have shape"):
        net.vjp(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="params"):
        net.forward(np.zeros((1, 3)), params=np.zeros(5))
    with pytest.raises(ValueError, match="non-finite"):
        net.forward(np.zeros((1, 3)), params=np.full(net.n_params, np.nan))


def test_activation_errors():
    with pytest.raises(ActivationError, match="did you mean 'tanh'"):
        compile(mlp(3), activation="tahn")
    g = mlp(3)
    g.nodes["h2"]["activation"] = "swish"
    with pytest.raises(ActivationError, match="node 'h2'"):
        compile(g)
    g = mlp(3)
    g.nodes["x"]["activation"] = "erf"
    with pytest.raises(ActivationError, match="input node 'x'"):
        compile(g)
    with pytest.raises(ValueError, match="parameterization"):
        compile(mlp(3), parameterization="mup")


def test_output_selection():
    net = compile(mlp(4, depth=2, d_in=2, d_out=3), seed=0)
    X = RNG.standard_normal((3, 2))
    with pytest.raises(ValueError, match="3 output neurons; pass output"):
        net.ntk(X)
    with pytest.raises(ValueError, match="output must be in"):
        net.grad(X, output=3)
    np.testing.assert_allclose(net.grad(X, output=2), net.vjp(X, np.tile([0, 0, 1.0], (3, 1))))
    # a hidden neuron: pre-activation of h1 is linear in the weights (zero Hessian)
    v = RNG.standard_normal(net.n_params)
    assert not net.hvp(X[0], v, output=("h1", 1), preactivation=True).any()
    assert np.abs(net.hvp(X[0], v, output=("h2", 1), preactivation=True)).max() > 1e-3
    with pytest.raises(ValueError, match="input neuron"):
        net.grad(X, output=("x", 0))


def test_nonlinear_output_activation_is_honoured():
    g = mlp(4, depth=1, d_in=2)
    g.nodes["y"]["activation"] = "erf"
    lin = compile(mlp(4, depth=1, d_in=2), seed=0)
    nl = compile(g, seed=0)
    X = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(nl(X), special.erf(lin(X)), rtol=1e-14)


def test_pickle_round_trip_for_worker_processes():
    import pickle

    net = compile(random_dag(30, 3, n_inputs=3, seed=1), activation="gelu", seed=0)
    other = pickle.loads(pickle.dumps(net))
    X = RNG.standard_normal((4, 3))
    np.testing.assert_array_equal(other(X), net(X))
    np.testing.assert_array_equal(other.ntk(X), net.ntk(X))


def test_require_smooth_and_width_property():
    from specproof.dag_nets import NotSmoothError

    with pytest.raises(NotSmoothError, match="relu"):
        compile(mlp(4, depth=2), activation="relu", require_smooth=True)
    assert compile(mlp(9, depth=3, d_in=2)).width == 9


def test_strided_parameter_views_are_read_correctly():
    net = compile(random_dag(40, 3, n_inputs=3, seed=4), activation="tanh", seed=0)
    X = RNG.standard_normal((3, 3))
    big = np.zeros(2 * net.n_params)
    big[::2] = net.params
    view = big[::2]  # a strided view: a raw-buffer kernel would read the zeros in between
    np.testing.assert_array_equal(net(X, params=view), net(X))
    np.testing.assert_array_equal(net.grad(X, params=view), net.grad(X))
    t = np.zeros(2 * net.n_params)
    t[1::2] = 1.0
    np.testing.assert_allclose(net.jvp(X, t[1::2]), net.jvp(X, np.ones(net.n_params)))


def test_overflow_is_an_error_not_a_nan():
    from specproof._core import ComputationError

    net = compile(mlp(4, depth=2, d_in=2), activation="softplus", seed=0)
    big = np.full(net.n_params, 1e200)
    X = np.ones((2, 2))
    with pytest.raises(ComputationError, match="the outputs overflowed"):
        net.forward(X, params=big)
    with pytest.raises(ComputationError, match="overflowed"):
        net.ntk(X, params=big)


def test_block_names_stay_unique_when_node_strings_collide():
    g = nx.DiGraph([(1, "1"), ("1", "y"), (1, "y")])
    net = compile(g, seed=0)
    names = list(net.params_dict())
    assert len(names) == net.n_params == 3 and len(set(names)) == 3
    assert "W[1->'1']" in names
    other = compile(g, seed=1).set_params(net.params_dict())
    np.testing.assert_array_equal(other.params, net.params)


def test_leaky_relu_by_name_and_by_slope():
    from specproof.dag_nets import leaky_relu

    g = mlp(5, depth=2, d_in=2)
    net = compile(g, activation="leaky_relu", seed=0)
    other = compile(g, activation=leaky_relu(0.05), seed=0)
    X = RNG.standard_normal((6, 2))
    P = net.params_dict()
    h1 = X @ P["W[x->h1]"] / np.sqrt(2)
    h1 = np.where(h1 > 0, h1, 0.2 * h1)
    h2 = h1 @ P["W[h1->h2]"] / np.sqrt(5)
    h2 = np.where(h2 > 0, h2, 0.2 * h2)
    np.testing.assert_allclose(net(X), h2 @ P["W[h2->y]"] / np.sqrt(5), rtol=1e-13)
    assert not np.allclose(other(X), net(X))
    np.testing.assert_allclose(other.grad(X), _fd_grad(other, X), rtol=1e-6, atol=1e-8)
    import pickle

    np.testing.assert_array_equal(pickle.loads(pickle.dumps(other))(X), other(X))
    with pytest.raises(ValueError, match="slope"):
        leaky_relu(1.5)


def test_public_sparse_fallback_gives_the_same_results(monkeypatch):
    import specproof.dag_nets.engines as engines

    assert engines._kernel_works()
    net = compile(random_dag(40, 3, n_inputs=3, seed=6), activation="tanh", seed=0)
    X = RNG.standard_normal((4, 3))
    fast = (net(X), net.grad(X), net.hvp(X[0], np.ones(net.n_params)))
    monkeypatch.setattr(engines, "_csr_matvecs", None)
    slow = (net(X), net.grad(X), net.hvp(X[0], np.ones(net.n_params)))
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
