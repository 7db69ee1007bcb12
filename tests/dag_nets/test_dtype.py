"""float32 networks: every result stays float32, agrees with float64 to the documented
accuracy, and mixed dtypes are an error naming both."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof import SpecproofError
from specproof.dag_nets import (
    DtypeError,
    WeightsError,
    compile,
    densenet,
    mlp,
    random_dag,
)

X64 = np.random.default_rng(0).standard_normal((6, 4))
X32 = X64.astype(np.float32)

GRAPHS = {
    "mlp": lambda: mlp(256, depth=3, d_in=4),
    "densenet": lambda: densenet(128, depth=3, d_in=4),
    "random": lambda: random_dag(120, 4, n_inputs=4, seed=0),  # sparse engine
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_float32_kernel_within_1e5_of_float64(name):
    g = GRAPHS[name]()
    n64, n32 = compile(g, seed=3), compile(g, seed=3, dtype=np.float32)
    np.testing.assert_array_equal(n32.params, n64.params.astype(np.float32))  # one seed
    K64, K32 = n64.ntk(X64), n32.ntk(X32)
    assert K32.dtype == np.float32
    rel = np.linalg.norm(K32 - K64) / np.linalg.norm(K64)
    assert 1e-9 < rel < 1e-5, rel  # really float32 (not float64 in disguise), and accurate
    h64, h32 = n64.hessian_norm(X64[0]), n32.hessian_norm(X32[0])
    assert (h32.dtype, h32.lanczos_dtype, h64.dtype) == ("float32", "float64", "float64")
    assert h32.value == pytest.approx(h64.value, rel=1e-5)
    # each dtype's default tolerance is one it can show: both converge with ok=True
    assert (h32.ok, h32.tol, h64.ok, h64.tol) == (True, 1e-5, True, 1e-10), h32.reason
    assert h32.residual <= 1e-5 * h32.value


def test_float32_hessian_with_a_float64_tolerance_says_why_it_is_not_shown():
    n32 = compile(mlp(64, depth=2, d_in=4), seed=0, dtype=np.float32)
    h = n32.hessian_norm(X32[0], tol=1e-12)
    assert (h.ok, h.code) == (False, "residual")
    assert "products are float32" in h.reason and "tol >= 1e-05" in h.reason


def test_every_map_keeps_float32():
    net = compile(mlp(16, depth=2, d_in=4), activation="tanh", seed=0, dtype="float32")
    t = np.ones(net.n_params, np.float32)
    outs = [
        net.forward(X32), net.grad(X32), net.vjp(X32, np.ones((6, 1), np.float32)),
        net.jvp(X32, t), net.jacobian(X32), net.loss_and_grad(X32, np.zeros(6, np.float32))[1],
        net.hvp(X32[0], t), net.hessian_operator(X32[0]) @ t, net.ntk(X32, X32[:2]),
        net.activations_of(X32)["h1"], net.init_params(1), net.params,
    ]
    assert [o.dtype for o in outs] == [np.dtype(np.float32)] * len(outs)
    # plain lists and integer arrays take the network's dtype
    assert net.forward([[0, 1, 2, 3]]).dtype == np.float32
    assert net.forward(np.ones((1, 4), dtype=int)).dtype == np.float32
    assert "dtype='float32'" in repr(net)


def test_mixed_dtypes_are_named():
    n32 = compile(mlp(4, d_in=4), seed=0, dtype=np.float32)
    n64 = compile(mlp(4, d_in=4), seed=0)
    with pytest.raises(DtypeError, match="X has dtype float64 but the network computes in "
                                         "float32"):
        n32.ntk(X64)
    with pytest.raises(DtypeError, match="X has dtype float32 but the network computes in "
                                         "float64"):
        n64.forward(X32)
    with pytest.raises(DtypeError, match="X2 has dtype float64"):
        n32.ntk(X32, X64)
    with pytest.raises(DtypeError, match="x has dtype float64"):
        n32.hessian_norm(X64[0])
    with pytest.raises(DtypeError, match="tangent has dtype float64"):
        n32.jvp(X32, np.ones(n32.n_params))
    with pytest.raises(DtypeError, match="params has dtype float64"):
        n32.forward(X32, params=np.ones(n32.n_params))
    with pytest.raises(WeightsError, match=r"block W\[x->h1\] has dtype float64"):
        n32.set_params({k: np.ones(s) for k, s in n32.block_shapes.items()})
    with pytest.raises(SpecproofError, match="dtype must be one of"):
        compile(mlp(4), dtype=np.float16)
    with pytest.raises(SpecproofError, match="dtype must be one of"):
        compile(mlp(4), dtype="complex")


@settings(max_examples=20, deadline=None)
@given(net_dtype=st.sampled_from(["float32", "float64"]),
       x_dtype=st.sampled_from(["float16", "float32", "float64", "longdouble", "int64"]))
def test_input_dtype_is_accepted_iff_it_is_the_networks_or_not_floating(net_dtype, x_dtype):
    net = compile(mlp(3, depth=1, d_in=4), seed=0, dtype=net_dtype)
    X = np.ones((2, 4), dtype=x_dtype)
    if np.dtype(x_dtype).kind != "f" or np.dtype(x_dtype) == np.dtype(net_dtype):
        assert net.forward(X).dtype == np.dtype(net_dtype)
    else:
        with pytest.raises(DtypeError, match=f"has dtype {np.dtype(x_dtype).name}"):
            net.forward(X)


def test_train_runs_in_the_networks_dtype():
    from specproof.dag_nets import train
    from specproof.spectral import Adam

    runs = {}
    for dt in (np.float32, np.float64):
        net = compile(mlp(64, depth=2, d_in=3), dtype=dt, seed=0)
        X = np.random.default_rng(0).standard_normal((8, 3)).astype(dt)
        Y = np.sin(X[:, 0])
        gd = train(net, X, Y, steps=20)
        adam = train(net, X, Y, steps=5, optimizer=Adam(lr=1e-2))
        assert gd.params.dtype == dt and adam.params.dtype == dt
        runs[dt] = (gd.final.loss, adam.final.loss)
    # float32 rounding only: the losses agree to ~1e-7 relative (measured 4e-7, 9e-8)
    for a, b in zip(runs[np.float32], runs[np.float64]):
        assert abs(a - b) <= 1e-5 * abs(b)
    assert runs[np.float64][0] < 0.05 * 2.56  # and the run did train
    net = compile(mlp(8, depth=2, d_in=3), dtype=np.float32, seed=0)
    with pytest.raises(DtypeError, match="X has dtype float64 but the network computes in "
                       "float32"):
        train(net, np.zeros((4, 3)), np.zeros(4, dtype=np.float32), steps=1)
    with pytest.raises(DtypeError, match="Y has dtype float64"):
        train(net, np.zeros((4, 3), dtype=np.float32), np.zeros(4), steps=1)
