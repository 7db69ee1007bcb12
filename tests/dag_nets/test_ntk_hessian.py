"""The structured NTK against J J^T, and Hessian-vector products against finite
differences of gradients and dense eigenvalues."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from specproof.dag_nets import (
    HessianNorm,
    NotSmoothError,
    compile,
    densenet,
    mlp,
    random_dag,
    resnet,
)

RNG = np.random.default_rng(777)

NETS = {
    "mlp": lambda: compile(mlp([5, 4, 3], d_in=3), activation="erf", seed=0),
    "resnet": lambda: compile(resnet(4, depth=4, d_in=3), activation="tanh", seed=1),
    "densenet": lambda: compile(densenet(3, depth=3, d_in=3), activation="softplus", seed=2),
    "random": lambda: compile(random_dag(30, 3, n_inputs=3, seed=3), activation="gelu", seed=3),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_ntk_equals_jacobian_gram(name):
    net = NETS[name]()
    X = RNG.standard_normal((6, 3))
    X2 = RNG.standard_normal((4, 3))
    J, J2 = net.jacobian(X), net.jacobian(X2)
    K = net.ntk(X)
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.ntk(X, X2), J @ J2.T, rtol=1e-12, atol=1e-14)
    # chunked and recomputing paths give the same kernel
    np.testing.assert_allclose(net.ntk(X, chunk_size=2, max_memory=0), K, rtol=1e-13)
    np.testing.assert_allclose(net.ntk(X, X2, chunk_size=3, max_memory=0), J @ J2.T,
                               rtol=1e-12, atol=1e-14)
    assert np.array_equal(K, K.T)
    seen = []
    net.ntk(X, chunk_size=2, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(d, 6) for d in range(1, 7)]  # 3 chunks: 6 blocks of the upper half


@pytest.mark.parametrize("name", sorted(NETS))
def test_hvp_matches_finite_differences_of_gradients(name):
    net = NETS[name]()
    x = RNG.standard_normal(3)
    v = RNG.standard_normal(net.n_params)
    e = 1e-5
    fd = (net.grad(x[None], params=net.params + e * v)
          - net.grad(x[None], params=net.params - e * v)) / (2 * e)
    hv = net.hvp(x, v)
    assert np.linalg.norm(hv - fd) <= 1e-7 * np.linalg.norm(hv)
    assert np.linalg.norm(hv) > 1e-3  # not trivially zero


@pytest.mark.parametrize("name", sorted(NETS))
def test_hessian_norm_matches_dense_eigenvalues(name):
    net = NETS[name]()
    x = RNG.standard_normal(3)
    H = net.hessian_operator(x) @ np.eye(net.n_params)
    np.testing.assert_allclose(H, H.T, atol=1e-13)
    lam = np.linalg.eigvalsh(H)
    r = net.hessian_norm(x)
    assert isinstance(r, HessianNorm) and r.ok and r.code == "ok"
    assert r.value == pytest.approx(np.abs(lam).max(), rel=1e-9)
    assert r.eigenvalue == pytest.approx(lam[np.argmax(np.abs(lam))], rel=1e-9)
    assert r.residual < 1e-8 * r.value and r.n_hvp > 2 and r.n_params == net.n_params


def test_hessian_of_a_batch_is_the_sum():
    net = NETS["densenet"]()
    X = RNG.standard_normal((3, 3))
    v = RNG.standard_normal(net.n_params)
    np.testing.assert_allclose(net.hvp(X, v), sum(net.hvp(x, v) for x in X), rtol=1e-11)


def test_relu_is_flagged_for_hessians_only():
    net = compile(mlp(4, depth=2, d_in=2), activation="relu", seed=0)
    x = RNG.standard_normal(2)
    net.ntk(x[None])  # fine
    with pytest.raises(NotSmoothError, match="relu.*not twice differentiable"):
        net.hessian_norm(x)
    assert net.hessian_norm(x, allow_nonsmooth=True).ok


def test_no_convergence_is_reported_not_hidden():
    net = compile(mlp(30, depth=2, d_in=3), activation="erf", seed=0)
    r = net.hessian_norm(np.ones(3), maxiter=1, ncv=3, tol=1e-15)
    assert not r.ok and r.code == "no_convergence" and "did not converge" in r.reason


def test_two_layer_hessian_is_zero_in_the_first_layer_preactivation():
    net = compile(mlp(6, depth=3, d_in=2), activation="tanh", seed=0)
    x = RNG.standard_normal(2)
    for j in range(3):
        r = net.hessian_norm(x, output=("h1", j), preactivation=True)
        assert r.value == 0.0
    assert net.hessian_norm(x, output=("h2", 0), preactivation=True).value > 1e-3


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(12, 40), k=st.integers(1, 4))
def test_random_dags_ntk_is_a_gram_and_gradient_is_a_directional_derivative(seed, n, k):
    g = random_dag(n, min_in_degree=k, n_inputs=4, n_outputs=1, max_in_degree=k + 2,
                   seed=seed)
    net = compile(g, activation="tanh", seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 4))
    J = net.jacobian(X)
    np.testing.assert_allclose(net.ntk(X), J @ J.T, rtol=1e-11, atol=1e-13)
    t = rng.standard_normal(net.n_params)
    e = 1e-6
    fd = (net(X, net.params + e * t) - net(X, net.params - e * t)) / (2 * e)
    np.testing.assert_allclose(net.jvp(X, t), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("builder", [
    lambda: mlp([7, 5, 6], d_in=3),
    lambda: densenet(5, depth=3, d_in=3),
    lambda: resnet(6, depth=4, d_in=3),
])
def test_reduced_hessian_has_the_nonzero_spectrum_of_the_full_one(builder):
    from specproof.dag_nets.hessian_reduced import ReducedHessian

    net = compile(builder(), activation="tanh", seed=5)
    X = RNG.standard_normal((2, 3))
    op = net.hessian_operator(X)
    red = ReducedHessian(net, op.w, op.cache)
    assert red.dim < net.n_params
    T = np.column_stack([red.matvec(e) for e in np.eye(red.dim)])
    np.testing.assert_allclose(T, T.T, atol=1e-13)
    H = op @ np.eye(net.n_params)
    lam_h = np.sort(np.linalg.eigvalsh(H))
    lam_t = np.sort(np.linalg.eigvalsh(T))
    big_h = lam_h[np.abs(lam_h) > 1e-10]
    big_t = lam_t[np.abs(lam_t) > 1e-10]
    np.testing.assert_allclose(big_t, big_h, rtol=1e-9, atol=1e-12)
    # P is a partial isometry onto a subspace that contains range(H)
    c = RNG.standard_normal(red.dim)
    v = red.lift(c)
    hv = op.matvec(v)
    assert np.linalg.norm(red.lift(red.matvec(c)) - hv) < 1e-12 * np.linalg.norm(hv)
    full = net.hessian_norm(X, method="full")
    fast = net.hessian_norm(X, method="reduced")
    assert fast.method == "reduced" and full.method == "full" and fast.dim == red.dim
    assert fast.value == pytest.approx(full.value, rel=1e-10)
    assert fast.residual < 1e-9 * fast.value


def test_reduced_method_needs_blocks():
    net = NETS["random"]()
    with pytest.raises(ValueError, match="block network"):
        net.hessian_norm(np.ones(3), method="reduced")


@pytest.mark.parametrize("maxiter", [1, 2, None])
def test_the_reported_residual_bounds_the_distance_to_an_eigenvalue(maxiter):
    # even when Lanczos stops early the residual must be honest: some eigenvalue of H lies
    # within it of the reported eigenvalue (a residual taken from ARPACK's own estimate,
    # or from a non-normalised vector, would break this)
    net = compile(mlp([8, 6], d_in=3), activation="tanh", seed=11)
    x = RNG.standard_normal(3)
    lam = np.linalg.eigvalsh(net.hessian_operator(x) @ np.eye(net.n_params))
    for method in ("full", "reduced"):
        r = net.hessian_norm(x, maxiter=maxiter, ncv=4, tol=1e-14, method=method)
        assert np.min(np.abs(lam - r.eigenvalue)) <= r.residual * (1 + 1e-9) + 1e-14
        if r.ok:
            assert r.value == pytest.approx(np.abs(lam).max(), rel=1e-8)


def test_ntk_of_a_chosen_output_or_hidden_preactivation_is_its_jacobian_gram():
    net = compile(densenet(4, depth=3, d_in=2, d_out=3), activation="tanh", seed=8)
    X = RNG.standard_normal((5, 2))
    for out, pre in ((1, False), (2, False), (("h2", 3), True), (("h3", 0), False)):
        J = net.jacobian(X, output=out, preactivation=pre)
        np.testing.assert_allclose(net.ntk(X, output=out, preactivation=pre), J @ J.T,
                                   rtol=1e-12, atol=1e-14)
    Z = net.activations_of(X, preactivation=True)["h2"]
    e = 1e-6
    t = RNG.standard_normal(net.n_params)
    Zp = net.activations_of(X, params=net.params + e * t, preactivation=True)["h2"]
    Zm = net.activations_of(X, params=net.params - e * t, preactivation=True)["h2"]
    J = net.jacobian(X, output=("h2", 3), preactivation=True)
    np.testing.assert_allclose((Zp - Zm)[:, 3] / (2 * e), J @ t, rtol=1e-6, atol=1e-9)
    assert Z.shape == (5, 4)


def _neuron_weights(blk):
    d = {}
    for b, arr in zip(blk.blocks, blk.params_dict().values()):
        for (i, j), val in np.ndenumerate(arr):
            d[((b.u, i), (b.v, j))] = val
    return d


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(6, 14))
@example(seed=5468, n=6)
def test_random_block_dags_agree_with_their_neuron_expansion(seed, n):
    # two independent implementations (dense blocks vs one CSR product per generation)
    # on random architectures with random block sizes must agree to rounding
    from specproof.dag_nets import to_neurons

    rng = np.random.default_rng(seed)
    g = random_dag(n, min_in_degree=1, n_inputs=2, n_outputs=1, max_in_degree=3, seed=seed)
    for v in g.nodes:
        g.nodes[v]["size"] = int(rng.integers(1, 4)) if v != n - 1 else 1
    # engine named: when every drawn size is 1 (seed 5468, n = 6) "auto" would pick the
    # sparse engine for both, and the comparison would be of one implementation with itself
    blk = compile(g, activation="softplus", seed=seed, engine="blocks")
    neu = compile(to_neurons(g), activation="softplus").set_params(_neuron_weights(blk))
    assert blk.engine == "blocks" and neu.engine == "sparse"
    X = rng.standard_normal((3, blk.n_inputs))
    np.testing.assert_allclose(neu(X), blk(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(neu.ntk(X), blk.ntk(X), rtol=1e-11, atol=1e-14)
    assert neu.hessian_norm(X[0]).value == pytest.approx(blk.hessian_norm(X[0]).value,
                                                         rel=1e-8, abs=1e-12)


def test_reduced_and_full_agree_for_hidden_targets_and_batches():
    net = compile(densenet(6, depth=3, d_in=3, d_out=2), activation="tanh", seed=4)
    X = RNG.standard_normal((3, 3))
    for kw in ({"output": ("h2", 1), "preactivation": True}, {"output": ("h3", 2)},
               {"output": 1}):
        full = net.hessian_norm(X, method="full", **kw)
        red = net.hessian_norm(X, method="reduced", **kw)
        assert red.value == pytest.approx(full.value, rel=1e-9), kw
        assert red.method == "reduced" and full.method == "full"
