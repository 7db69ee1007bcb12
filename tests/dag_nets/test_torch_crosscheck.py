"""Cross-checks against torch.func on identical weights (the ``torch`` extra)."""

import numpy as np
import pytest

from specproof.dag_nets import compile, densenet, mlp, random_dag

torch = pytest.importorskip(
    "torch", reason="torch is an optional extra (pip install 'specproof[torch]'); these "
    "tests compare with torch.func on identical weights"
)

from specproof.dag_nets.torch_reference import (  # noqa: E402
    torch_function,
    torch_hvp_operator,
    torch_ntk,
)

NETS = [
    lambda: compile(mlp([9, 7, 8], d_in=4), activation="erf", seed=0),
    lambda: compile(densenet(6, depth=3, d_in=4), activation="gelu", seed=1),
    lambda: compile(random_dag(40, 3, n_inputs=4, seed=2), activation="softplus", seed=2),
]


@pytest.mark.parametrize("make", NETS)
def test_forward_ntk_and_hvp_match_torch(make):
    net = make()
    X = np.random.default_rng(0).standard_normal((5, 4))
    f, params = torch_function(net)
    ft = np.array([float(f(params, torch.tensor(x))) for x in X])
    np.testing.assert_allclose(net(X)[:, 0], ft, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(net.ntk(X), torch_ntk(net, X), rtol=1e-11, atol=1e-14)
    v = np.random.default_rng(1).standard_normal(net.n_params)
    hv_t = torch_hvp_operator(net, X[0]).matvec(v)
    np.testing.assert_allclose(net.hvp(X[0], v), hv_t, rtol=1e-10, atol=1e-13)


def test_standard_parameterisation_matches_torch():
    net = compile(densenet(5, depth=2, d_in=3), activation="tanh", seed=3,
                  parameterization="standard")
    X = np.random.default_rng(2).standard_normal((4, 3))
    np.testing.assert_allclose(net.ntk(X), torch_ntk(net, X), rtol=1e-11)
