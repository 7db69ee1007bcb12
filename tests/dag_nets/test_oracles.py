"""Oracles: the exact two-layer Hessian norm and the infinite-width kernels."""

import numpy as np
import pytest

from specproof.dag_nets import (
    compile,
    mlp,
    two_layer_hessian_norm,
)
from specproof.dag_nets import mlp_infinite_width_ntk as infinite_width_ntk
from specproof.dag_nets import mlp_nngp_kernel as nngp_kernel


@pytest.mark.parametrize("act", ["erf", "tanh", "softplus"])
def test_two_layer_formula_equals_lanczos(act):
    m, d = 40, 3
    net = compile(mlp(m, depth=1, d_in=d), activation=act, seed=1)
    P = net.params_dict()
    x = np.random.default_rng(2).standard_normal(d) * 2
    exact = two_layer_hessian_norm(P["W[x->h1]"].T, P["W[h1->y]"][:, 0], x, act)
    assert net.hessian_norm(x).value == pytest.approx(exact, rel=1e-10)


def test_two_layer_formula_is_not_the_other_eigenvalue():
    # a wrong sign inside (|a| - sqrt(...)) or a dropped b would differ by > 10 %
    net = compile(mlp(20, depth=1, d_in=2), activation="erf", seed=3)
    P = net.params_dict()
    x = np.array([1.5, -0.5])
    H = net.hessian_operator(x) @ np.eye(net.n_params)
    lam = np.linalg.eigvalsh(H)
    exact = two_layer_hessian_norm(P["W[x->h1]"].T, P["W[h1->y]"][:, 0], x, "erf")
    assert exact == pytest.approx(np.abs(lam).max(), rel=1e-12)


def test_oracle_closed_forms():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # relu, one hidden layer: Sigma^2 = ||x|| ||x'|| (sin t + (pi - t) cos t) / (2 pi d)
    K = infinite_width_ntk(X, depth=1, activation="relu")
    S1 = X @ X.T / 2
    n = np.sqrt(np.diag(S1))
    th = np.arccos(np.clip(S1 / np.outer(n, n), -1, 1))
    S2 = np.outer(n, n) * (np.sin(th) + (np.pi - th) * np.cos(th)) / (2 * np.pi)
    np.testing.assert_allclose(K, S2 + S1 * (np.pi - th) / (2 * np.pi), rtol=1e-8)
    np.testing.assert_allclose(np.diag(nngp_kernel(X, depth=3, activation="relu")),
                               np.diag(S1) / 8, rtol=1e-14)
    # erf diagonal: (2/pi) arcsin(2s/(1+2s))
    s = 0.5
    assert nngp_kernel(np.array([[1.0, 0.0]]), depth=1)[0, 0] == pytest.approx(
        2 / np.pi * np.arcsin(2 * s / (1 + 2 * s)), rel=1e-15)
    with pytest.raises(ValueError, match="activation"):
        nngp_kernel(X, activation="tanh")


@pytest.mark.parametrize("act", ["erf", "relu"])
def test_empirical_kernels_converge_to_the_oracles(act):
    # width 3000, mean over 3 seeds: within ~2 % of the limit (single draws: 3-5 %); the
    # NNGP in place of the NTK (a recursion that drops Theta^l E[s's']) is off by > 15 %.
    X = np.random.default_rng(0).standard_normal((5, 4))
    K_inf = infinite_width_ntk(X, depth=2, activation=act)
    S_inf = nngp_kernel(X, depth=1, activation=act)
    Ks, Ss = [], []
    for seed in range(3):
        net = compile(mlp(3000, depth=2, d_in=4), activation=act, seed=seed)
        Ks.append(net.ntk(X))
        H1 = net.activations_of(X)["h1"]
        Ss.append(H1 @ H1.T / 3000)
    err = np.linalg.norm(np.mean(Ks, 0) - K_inf) / np.linalg.norm(K_inf)
    assert err < 0.025, err
    err = np.linalg.norm(np.mean(Ss, 0) - S_inf) / np.linalg.norm(S_inf)
    assert err < 0.025, err
    wrong = nngp_kernel(X, depth=2, activation=act)  # the NNGP is not the NTK
    assert np.linalg.norm(wrong - K_inf) / np.linalg.norm(K_inf) > 0.15


def test_relu_zero_input_kernel_is_zero_both_ways():
    # x = 0: every pre-activation is 0 and relu'(0) = 0, so the kernel row vanishes
    X = np.array([[0.0, 0.0], [1.0, -2.0]])
    K_inf = infinite_width_ntk(X, depth=2, activation="relu")
    assert K_inf[0, 0] == 0.0 and K_inf[0, 1] == 0.0 and K_inf[1, 1] > 0
    K = compile(mlp(50, depth=2, d_in=2), activation="relu", seed=0).ntk(X)
    assert K[0, 0] == 0.0 and K[0, 1] == 0.0 and K[1, 1] > 0
