"""Probe s20 (an adversarial review of the DAG limit and the builders).

1. A steep user activation (``tanh(300 z)``) got a limit NTK of 1 for 17213 (found by
   adaptive quadrature and approached by the empirical NTK), with an error estimate of
   1e-16: the 32- and 64-node Gauss-Hermite rules both stepped over its transition.
2. An activation returning NaN (``log1p`` below -1) read as "the outputs overflowed" in a
   forward pass and as quadrature rules that never agree in the limit.
3. An activation that is not elementwise (returning a ``(3,)`` array) gave zeros by
   broadcasting in a forward pass, and a raw numpy ValueError in the limit.
4. ``mlp(8, depth=10**9)`` was killed for memory; ``10**7`` and ``random_dag(10**9, ...)``
   raised a bare MemoryError inside networkx.
"""

import numpy as np
import pytest
from scipy import integrate

from specproof import dag_nets as dn
from specproof._core import ComputationError, ResourceLimitError
from specproof.dag_nets.activation_scale import unresolved_scale
from specproof.dag_nets.graph_limits import MAX_GRAPH_EDGES, MAX_GRAPH_NODES, check_graph_size


def _scaled_tanh(k):
    return dn.Activation(f"tanh{k:g}", lambda z: np.tanh(k * z),
                         lambda z: k * (1 - np.tanh(k * z) ** 2),
                         lambda z: -2 * k * k * np.tanh(k * z) * (1 - np.tanh(k * z) ** 2))


def _my_tanh():
    return dn.Activation("mytanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2,
                         lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2))


X = np.random.default_rng(0).standard_normal((4, 3))


@pytest.mark.parametrize("k", [100.0, 300.0, 1000.0])
def test_a_steep_activation_is_refused_not_averaged_to_zero(k):
    act = _scaled_tanh(k)
    # the true E[sigma'(u)^2] at variance 1: large, where the rules agreed on ~0
    true, _ = integrate.quad(lambda u: act.d1(np.array(u)) ** 2 * np.exp(-u * u / 2)
                             / np.sqrt(2 * np.pi), -1, 1, points=[0.0], limit=200)
    assert true > 50
    with pytest.raises(ComputationError, match="cannot resolve activation 'tanh"):
        dn.dual(act, np.array([[1.0]]), np.array([1.0]), np.array([1.0]))
    # one input (no off-diagonal entry whose rules disagree): refused as unresolved, or
    # for rules that never agree, never returned
    with pytest.raises(ComputationError, match="cannot resolve activation|did not reach"):
        dn.infinite_width_kernels(dn.mlp(4, depth=2, d_in=3), X[:1], activation=act)


def test_the_resolution_check_passes_resolved_activations_and_names_a_wrong_derivative():
    # a user's tanh gives the built-in's limit (the check does not refuse it)
    mine = dn.infinite_width_kernels(dn.mlp(4, depth=2, d_in=3), X, activation=_my_tanh())
    ref = dn.infinite_width_kernels(dn.mlp(4, depth=2, d_in=3), X, activation="tanh")
    assert np.abs(mine.ntk - ref.ntk).max() <= 1e-12 * np.abs(ref.ntk).max()
    for k in (0.02, 1.0, 3.0):  # slow and moderately fast transitions are resolved
        unresolved_scale(_scaled_tanh(k), 1.0, np.pi * np.sqrt(1.0 / 64))
    wrong = dn.Activation("wrongd1", np.tanh, lambda z: 2 * (1 - np.tanh(z) ** 2),
                          lambda z: -4 * np.tanh(z) * (1 - np.tanh(z) ** 2))
    with pytest.raises(ComputationError, match="d1 is not the derivative of f"):
        unresolved_scale(wrong, 1.0, np.pi / 8)


def test_an_activation_returning_nan_is_named_with_its_input():
    act = dn.Activation("log1p", np.log1p, lambda z: 1 / (1 + z), lambda z: -1 / (1 + z) ** 2)
    g = dn.mlp(8, depth=2, d_in=3)
    with pytest.raises(dn.ActivationError, match=r"'log1p': its f returned nan at the "
                                                 r"finite input z = -"):
        dn.infinite_width_ntk(g, X, activation=act)
    with pytest.raises(dn.ActivationError, match=r"'log1p': its f returned nan"):
        dn.compile(g, activation=act, seed=0).forward(3 * X)


def test_an_activation_that_is_not_elementwise_is_refused():
    bad = dn.Activation("bad", lambda z: np.zeros(3), lambda z: np.zeros(3),
                        lambda z: np.zeros(3))
    g = dn.mlp(8, depth=2, d_in=3)
    for run in (lambda: dn.compile(g, activation=bad, seed=0).forward(X[:3]),
                lambda: dn.infinite_width_ntk(g, X, activation=bad)):
        with pytest.raises(dn.ActivationError, match=r"its f returned an array of shape "
                                                     r"\(3,\) .* must act elementwise"):
            run()


def test_a_user_activation_still_gives_gradients_and_hessians():
    # the checked path returns the same values as the built-in's unchecked one
    g = dn.mlp(6, depth=2, d_in=3)
    mine, ref = (dn.compile(g, activation=a, seed=0) for a in (_my_tanh(), "tanh"))
    assert np.array_equal(mine.forward(X), ref.forward(X))
    assert np.abs(mine.ntk(X) - ref.ntk(X)).max() <= 1e-14 * np.abs(ref.ntk(X)).max()
    h1, h2 = mine.hessian_norm(X[0]).value, ref.hessian_norm(X[0]).value
    assert h1 == pytest.approx(h2, rel=1e-10)


@pytest.mark.parametrize("build, what", [
    (lambda: dn.mlp(8, depth=10**9), "depth=1000000000"),
    (lambda: dn.mlp(8, depth=10**7), "depth=10000000"),
    (lambda: dn.random_dag(10**9, 2, 2, seed=0), "n_nodes=1000000000"),
    (lambda: dn.to_neurons(dn.mlp(10**6, depth=2)), "neuron-level expansion"),
    (lambda: dn.densenet(8, depth=20000), "densenet depth=20000"),
    (lambda: dn.random_block_dag(8, n_hidden=10**7), "n_hidden=10000000"),
])
def test_a_graph_too_large_to_hold_is_refused_before_it_is_built(build, what):
    with pytest.raises(ResourceLimitError, match=what):
        build()


def test_the_graph_limits_are_inclusive():
    check_graph_size(MAX_GRAPH_NODES, MAX_GRAPH_EDGES, "at the limit")
    with pytest.raises(ResourceLimitError):
        check_graph_size(MAX_GRAPH_NODES + 1, 0, "one node over")
    with pytest.raises(ResourceLimitError):
        check_graph_size(0, MAX_GRAPH_EDGES + 1, "one edge over")
    assert dn.mlp(8, depth=1000).number_of_nodes() == 1002


def test_the_neuron_level_limit_equals_the_block_limit_with_many_inputs():
    # the per-node column lookups were quadratic in the input neurons (11 s at 16000)
    d = 600
    Xd = np.random.default_rng(1).standard_normal((3, d))
    block = dn.infinite_width_ntk(dn.mlp(8, depth=2, d_in=d), Xd)
    neurons = dn.infinite_width_ntk(dn.to_neurons(dn.mlp(8, depth=2, d_in=d)), Xd)
    assert np.abs(neurons - block).max() <= 1e-13 * np.abs(block).max()


# -- after an adversarial review of the check itself ----------------------------------

def test_a_steep_activation_marked_not_smooth_is_refused_too():
    # smooth=False skipped the check, and method="quadrature" (which the refusal of a
    # non-smooth activation suggests) gave E[sigma'^2] = 5e-97 for about 160
    act = _scaled_tanh(300.0)
    rough = dn.Activation(act.name, act.f, act.d1, act.d2, smooth=False)
    with pytest.raises(ComputationError, match="cannot resolve activation"):
        dn.dual(rough, np.array([[1.0]]), np.array([1.0]), np.array([1.0]),
                method="quadrature")


@pytest.mark.parametrize("f, d1, want", [
    (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float), "relu"),
    (lambda z: np.where(z > 0, z, 0.1 * z), lambda z: np.where(z > 0, 1.0, 0.1), 0.1)])
def test_a_hand_written_kinked_activation_is_not_refused(f, d1, want):
    act = dn.Activation("mine", f, d1, np.zeros_like, smooth=False)
    ref = dn.leaky_relu(want) if want != "relu" else "relu"
    c, a = np.array([[0.3]]), np.array([1.0])
    got = dn.dual(act, c, a, a, method="quadrature", tol=1e-3, max_nodes=4096)
    exact = dn.dual(ref, c, a, a)
    assert abs(float(got.ed[0, 0]) - float(exact.ed[0, 0])) < 1e-3


@pytest.mark.parametrize("scale, name", [(1e-8, "tanh"), (1e-7, "sigmoid")])
def test_a_hand_written_copy_is_not_refused_at_tiny_variances(scale, name):
    # f' is 1 to the last bit there: its change 0 against a trapezoid of 4e-17 was refused
    copies = {
        "tanh": _my_tanh(),
        "sigmoid": dn.Activation("mysig", lambda z: 1 / (1 + np.exp(-z)),
                                 lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
                                 lambda z: (lambda s: s * (1 - s) * (1 - 2 * s))(
                                     1 / (1 + np.exp(-z))))}
    g = dn.mlp(8, depth=2, d_in=2)
    Xs = scale * np.random.default_rng(0).standard_normal((3, 2))
    mine = dn.infinite_width_ntk(g, Xs, activation=copies[name])
    ref = dn.infinite_width_ntk(g, Xs, activation=name)
    assert np.abs(mine - ref).max() <= 1e-12 * np.abs(ref).max()


@pytest.mark.parametrize("s", [1e-8, 1e8, 1e30])
def test_the_quadrature_tolerance_is_relative_to_the_expectations(s):
    # absolute, it stopped 1e-8 tanh(z) at 64 nodes 2e-4 off and refused 1e8 tanh(z)
    act = dn.Activation("scaled", lambda z: s * np.tanh(z), lambda z: s * (1 - np.tanh(z) ** 2),
                        lambda z: -2 * s * np.tanh(z) * (1 - np.tanh(z) ** 2))
    c, a = np.array([[2.4]]), np.array([4.0])
    got, ref = dn.dual(act, c, a, a), dn.dual("tanh", c, a, a)
    for mine, theirs in ((got.e, ref.e), (got.ed, ref.ed), (got.da, ref.da)):
        assert abs(float(mine.flat[0]) / s**2 - float(theirs.flat[0])) <= 1e-12 * abs(
            float(theirs.flat[0]))


@pytest.mark.parametrize("name", ["tanh", "gelu", "softplus", "sigmoid"])
@pytest.mark.parametrize("variance", [7.6, 30.0])
def test_large_variances_converge_by_the_trapezoid_rule(name, variance):
    # Gauss-Hermite needed 4096 nodes per dimension (70 s) for tanh at variance 7.6 and
    # refused at the default 1024; the trapezoid rule takes over past 256 nodes
    from specproof.dag_nets.activations import get_activation

    act = get_activation(name)
    s, rho = np.sqrt(variance), 0.3
    a, c = np.array([variance]), np.array([[rho * variance]])
    got = dn.dual(name, c, a, a)
    ref_da, _ = integrate.quad(lambda t: act.f(s * t) ** 2 * np.exp(-t * t / 2)
                               / np.sqrt(2 * np.pi), -np.inf, np.inf, epsabs=0,
                               epsrel=1e-13, limit=500)
    ref_ed, _ = integrate.dblquad(
        lambda t2, t1: act.d1(s * t1) * act.d1(s * (rho * t1 + np.sqrt(1 - rho**2) * t2))
        * np.exp(-(t1 * t1 + t2 * t2) / 2) / (2 * np.pi), -12, 12, -12, 12,
        epsabs=1e-14, epsrel=1e-12)
    assert abs(float(got.da[0]) - ref_da) <= 1e-12 * ref_da
    assert abs(float(got.ed[0, 0]) - ref_ed) <= 1e-11 * ref_ed


def test_a_limit_on_inputs_of_scale_two_and_a_half_is_computed():
    Xl = np.random.default_rng(0).standard_normal((6, 3)) * 2.5
    r = dn.infinite_width_kernels(dn.mlp(8, depth=2, d_in=3), Xl, activation="tanh")
    assert r.quadrature_error < 1e-9 and np.all(np.isfinite(r.ntk))


def test_an_activation_with_an_unhashable_callable_runs():
    # trusted() was an lru_cache keyed on the Activation: TypeError "unhashable type"
    class Tanh:
        def __eq__(self, other):
            return self is other

        def __call__(self, z):
            return np.tanh(z)

    act = dn.Activation("obj", Tanh(), lambda z: 1 - np.tanh(z) ** 2,
                        lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2))
    g = dn.mlp(4, depth=2, d_in=3)
    mine = dn.compile(g, activation=act, seed=0).forward(X)
    assert np.array_equal(mine, dn.compile(g, activation="tanh", seed=0).forward(X))
    lim = dn.infinite_width_ntk(g, X, activation=act)
    ref = dn.infinite_width_ntk(g, X, activation="tanh")
    assert np.abs(lim - ref).max() <= 1e-12 * np.abs(ref).max()
