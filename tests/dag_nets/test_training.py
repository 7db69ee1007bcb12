"""Training: GD at 1/lambda_max(K0), any step(params, grads) optimizer, recorded drift."""

import networkx as nx
import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError
from specproof.dag_nets import compile, mlp, train

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal(5)


def linear_net(seed=0):
    g = nx.DiGraph()
    g.add_node("x", size=3)
    g.add_node("y", size=1)
    g.add_edge("x", "y")
    return compile(g, seed=seed)


def test_linear_model_follows_the_closed_form_and_its_ntk_never_moves():
    net = linear_net()
    K = net.ntk(X)
    np.testing.assert_allclose(K, X @ X.T / 3, rtol=1e-13)
    run = train(net, X, Y, steps=40, record_every=10)
    lam = np.linalg.eigvalsh(K)[-1]
    assert run.lr == pytest.approx(1 / lam, rel=1e-14)
    r = net.forward(X)[:, 0] - Y
    for rec in run.records:  # f_t - y = (I - lr K)^t (f_0 - y) exactly for a linear model
        rt = np.linalg.matrix_power(np.eye(5) - run.lr * K, rec.step) @ r
        assert rec.loss == pytest.approx(0.5 * rt @ rt, rel=1e-9, abs=1e-15)
        assert rec.ntk_change == 0.0
    assert [rec.step for rec in run.records] == [0, 10, 20, 30, 40]


def test_erf_network_drifts_little_and_the_network_is_not_modified():
    net = compile(mlp(64, depth=2, d_in=3), activation="erf", seed=1)
    w_before = np.array(net.params)
    run = train(net, X, Y, steps=60, record_every=20, hessian=True)
    np.testing.assert_array_equal(net.params, w_before)
    first, last = run.records[0], run.final
    assert (first.ntk_change, first.weight_change) == (0.0, 0.0)
    assert last.loss < 0.5 * first.loss
    assert 0 < last.ntk_change < 0.5
    assert last.weight_change == pytest.approx(np.linalg.norm(run.params - w_before), rel=1e-14)
    K_T = net.ntk(X, params=run.params)
    assert last.ntk_change == pytest.approx(
        np.linalg.norm(K_T - net.ntk(X)) / np.linalg.norm(net.ntk(X)), rel=1e-12)
    h = net.hessian_norm(X[0], params=run.params).value
    assert last.hessian_norm == pytest.approx(h, rel=1e-6)
    assert first.hessian_norm == pytest.approx(net.hessian_norm(X[0]).value, rel=1e-6)


class InPlaceSGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for k in params:
            params[k] -= self.lr * grads[k]


class ReturningSGD(InPlaceSGD):
    def step(self, params, grads):
        return {k: params[k] - self.lr * grads[k] for k in params}


@pytest.mark.parametrize("opt_cls", [InPlaceSGD, ReturningSGD])
def test_any_optimizer_with_step_matches_gradient_descent(opt_cls):
    net = compile(mlp(16, depth=2, d_in=3), activation="tanh", seed=2)
    gd = train(net, X, Y, steps=15, lr=0.05, record_every=5)
    opt = train(net, X, Y, steps=15, optimizer=opt_cls(0.05), record_every=5)
    np.testing.assert_allclose(opt.params, gd.params, rtol=1e-12, atol=1e-14)
    assert opt.optimizer == opt_cls.__name__ and gd.optimizer == "gd"
    assert [r.loss for r in opt.records] == pytest.approx([r.loss for r in gd.records],
                                                          rel=1e-12)


def test_supercritical_step_diverges_with_a_named_step():
    net = linear_net()
    lam = np.linalg.eigvalsh(net.ntk(X))[-1]
    with pytest.raises(ComputationError, match=r"diverged at step \d+.*2 / lambda_max"):
        train(net, X, Y, steps=5000, lr=5 / lam, record_every=5000)


def test_bad_arguments():
    net = linear_net()
    with pytest.raises(ArgumentError, match=r"Y must have shape \(5,\)"):
        train(net, X, Y[:4])
    with pytest.raises(ArgumentError, match="steps must be >= 0"):
        train(net, X, Y, steps=-1)
    with pytest.raises(ArgumentTypeError, match="step\\(params, grads\\)"):
        train(net, X, Y, optimizer=object())
    with pytest.raises(ArgumentError, match="carries its own"):
        train(net, X, Y, optimizer=InPlaceSGD(0.1), lr=0.1)
    with pytest.raises(ArgumentError, match="lr must be > 0"):
        train(net, X, Y, lr=0.0)
    two = compile(mlp(4, depth=1, d_in=3, d_out=2), seed=0)
    with pytest.raises(ArgumentError, match="one output"):
        train(two, X, np.zeros((5, 2)))


def test_nonfinite_data_is_named():
    net = linear_net()
    bad = X.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ArgumentError, match=r"X has a non-finite entry nan at index \(1, 2\)"):
        train(net, bad, Y)
    with pytest.raises(ArgumentError, match=r"Y has a non-finite entry inf at index \(3,\)"):
        train(net, X, np.where(np.arange(5) == 3, np.inf, Y))


@pytest.mark.parametrize("make", [
    lambda sp: sp.SGD(lr=1e-2), lambda sp: sp.Adam(lr=1e-2), lambda sp: sp.Muon(lr=1e-2),
    lambda sp: sp.Pion(lr=1e-2, transform="cayley"),
], ids=["sgd", "adam", "muon", "pion-cayley"])
def test_training_takes_the_spectral_optimizers(make):
    import specproof.spectral as spectral

    net = compile(mlp(32, depth=2, d_in=3), activation="erf", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    opt = make(spectral)
    run = train(net, X, Y, steps=30, optimizer=opt)
    table = run.table()
    assert table[-1]["loss"] < 0.8 * table[0]["loss"]
    if isinstance(opt, spectral.Pion):  # the hidden square matrix keeps its spectrum
        before = net.params_dict(run.params0)["W[h1->h2]"]
        after = net.params_dict(run.params)["W[h1->h2]"]
        s0, s1 = (np.linalg.svd(w, compute_uv=False) for w in (before, after))
        assert np.max(np.abs(s1 - s0)) < 1e-12 * s0[0]
        assert np.linalg.norm(after - before) > 1e-3  # and it did move
