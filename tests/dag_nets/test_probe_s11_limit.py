"""The infinite-width limit where float64's rounding of the kernels decides the answer.

Found by an adversarial probe: rows equal on one input node only, and nearly parallel
inputs at a large variance, gave erf NTK entries 10^4 times too small without an error;
a few arguments were accepted without a check. Each case failed before its fix.
"""

import mpmath as mp
import networkx as nx
import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof._core import ArgumentError, ComputationError

X5 = np.array([-0.3700247693240037, 0.994078692032213, 0.41585748064632017,
               -0.6181637087164065, 0.6721408015696635])


def _erf_ntk_one_layer(u, v):
    """mlp(depth=1) erf NTK at 60 digits: (2/pi) asin(2c/sqrt(P)) + c (4/pi) / sqrt(P - 4c^2)."""
    mp.mp.dps = 60
    u, v = [mp.mpf(float(t)) for t in u], [mp.mpf(float(t)) for t in v]
    n = len(u)
    a = sum(t * t for t in u) / n
    b = sum(t * t for t in v) / n
    c = sum(s * t for s, t in zip(u, v)) / n
    P = (1 + 2 * a) * (1 + 2 * b)
    return 2 / mp.pi * mp.asin(2 * c / mp.sqrt(P)) + c * 4 / (mp.pi * mp.sqrt(P - 4 * c * c))


def _two_inputs():
    g = nx.DiGraph()
    for n, s in dict(x1=3, x2=2, h1=8, h2=8, y=1).items():
        g.add_node(n, size=s)
    g.add_edges_from([("x1", "h1"), ("x2", "h2"), ("h1", "y"), ("h2", "y")])
    return g


@pytest.mark.parametrize("scale", [1.0, 1e6, 1e12])
def test_rows_equal_on_one_input_node_are_exact_for_the_nodes_reading_it(scale):
    # x1's block is the same in both rows, x2's is not: h1 sees one input twice. The NTK
    # of y is the mean of the two branches' (fan-in 8 + 8), each a one-layer erf MLP
    rng = np.random.default_rng(3)
    shared, own = rng.standard_normal(3) * scale, rng.standard_normal((2, 2)) * scale
    X = np.hstack([np.tile(shared, (2, 1)), own])
    K = dn.infinite_width_ntk(_two_inputs(), X)
    K12 = dn.infinite_width_ntk(_two_inputs(), X[:1], X[1:])
    branch1 = dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=3), X[:, :3])[0, 1]
    ref2 = _erf_ntk_one_layer(own[0], own[1])
    branch2 = dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=2), own)[0, 1]
    assert abs(branch2 - ref2) <= 1e-13 * abs(ref2)
    want = 0.5 * (branch1 + branch2)
    assert abs(K[0, 1] - want) <= 1e-13 * abs(want), (K[0, 1], want)
    assert abs(K12[0, 0] - want) <= 1e-13 * abs(want)


def test_the_probe_rows_sharing_a_context_input():
    X = np.array([[2040919121385.1826, -2555665031314.1816, 418098846725.7789,
                   -567769606127.9298, -452649292110.44586],
                  [2040919121385.1826, -2555665031314.1816, 418098846725.7789,
                   -865213076274.9417, 3322999516644.883]])
    got = dn.infinite_width_ntk(_two_inputs(), X)[0, 1]
    assert abs(got / 6.059487e11 - 1) < 1e-6  # it was 1.3e7


@pytest.mark.parametrize("scale", [1.0, 10.0])
def test_parallel_inputs_at_a_moderate_scale_match_60_digits(scale):
    X = np.vstack([X5, 2 * X5]) * scale
    got = dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X)[0, 1]
    ref = _erf_ntk_one_layer(X[0], X[1])
    assert abs(got - ref) <= 1e-13 * ref


@pytest.mark.parametrize("scale", [1e6, 1e12])
def test_parallel_inputs_at_a_large_scale_are_refused_not_wrong(scale):
    # x and 2x: c^2 = ab exactly, but c came from a product and a, b from row sums; their
    # last bits made ab - c^2 outweigh 1 + 2a + 2b (3.6e7 printed for 5.3e11 at 1e12)
    X = np.vstack([X5, 2 * X5]) * scale
    with pytest.raises(ComputationError, match=r"inputs \(0, 1\) is not determined"):
        dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X)
    with pytest.raises(ComputationError, match=r"inputs \(0, 0\) is not determined"):
        dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X[:1], X[1:])


@pytest.mark.parametrize("scale, allowed", [(1.0, 1e-14), (1e2, 1e-14), (1e3, 1e-9)])
def test_near_duplicates_are_accurate_where_the_limit_returns(scale, allowed):
    # rows 1e-9 apart: a 1-ulp change of an input moves the kernel by ~1e-7 of the gap, so
    # the closed form is accurate until the rounding of a, b, c takes over
    noise = np.random.default_rng(0).standard_normal(5)
    X = np.vstack([X5, X5 * (1 + 1e-9 * noise)]) * scale
    got = dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X)[0, 1]
    ref = _erf_ntk_one_layer(X[0], X[1])
    assert abs(got - ref) <= allowed * ref


@pytest.mark.parametrize("scale", [1e5, 1e8, 1e12])
def test_near_duplicates_at_a_large_scale_are_refused(scale):
    # measured before: 3e-8 off at 3e4, 1.2e-4 at 1e6, 0.28 at 1e8, 300x at 1e12
    noise = np.random.default_rng(0).standard_normal(5)
    X = np.vstack([X5, X5 * (1 + 1e-9 * noise)]) * scale
    with pytest.raises(ComputationError, match="nearly parallel inputs at a large variance"):
        dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X)


def test_identical_rows_stay_exact_at_any_scale():
    X = np.vstack([X5, X5, 2 * X5]) * 1e12
    K = dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X[:2])
    ref = _erf_ntk_one_layer(X[0], X[0])
    assert np.all(np.abs(K - float(ref)) <= 1e-13 * float(ref))


def test_the_dual_of_exact_values_is_not_refused():
    # dual() takes a, b, c as exact numbers: at a = 2e8, rho = 1 - 1e-12 it is accurate
    a, b = 2e8, 3e8
    c = (1 - 1e-12) * np.sqrt(a) * np.sqrt(b)
    r = dn.dual("erf", np.array([[c]]), np.array([a]), np.array([b]))
    A, B, C = mp.mpf(a), mp.mpf(b), mp.mpf(float(c))
    ed_ref = 4 / mp.pi / mp.sqrt(1 + 2 * A + 2 * B + 4 * (A * B - C * C))
    assert abs(r.ed[0, 0] - ed_ref) <= 1e-14 * ed_ref


@pytest.mark.parametrize("kw, message", [
    (dict(tol=float("nan")), "tol must be finite"),
    (dict(tol=-1.0), "tol must be >= 0"),
    (dict(max_nodes="x"), "max_nodes must be an integer"),
    (dict(max_nodes=1), "max_nodes must be >= 2"),
    (dict(output=("y", 5)), r"neuron index must be in \[0, 1\)"),
    (dict(output=("y", -1)), r"neuron index must be in \[0, 1\)"),
    (dict(output=("y", "a")), r"neuron index must be in \[0, 1\)"),
    (dict(output=("y", True)), r"neuron index must be in \[0, 1\)"),
])
def test_limit_arguments_are_checked_with_a_closed_form_too(kw, message):
    X = np.random.default_rng(0).standard_normal((3, 5))
    with pytest.raises((ArgumentError, TypeError), match=message):
        dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X, **kw)
    assert dn.infinite_width_ntk(dn.mlp(8, depth=1, d_in=5), X, output=("y", 0)).shape == (3, 3)


def test_dual_refuses_a_bool_covariance_and_a_bad_tol():
    with pytest.raises(ArgumentError, match=r"c must be a real numeric array.*bool"):
        dn.dual("erf", np.array([[True]]), np.ones(1), np.ones(1))
    with pytest.raises(TypeError, match="tol must be a real number"):
        dn.dual("erf", np.array([[0.5]]), np.ones(1), np.ones(1), tol="x")


@pytest.mark.parametrize("scale", [1e20, 1e25, 1e-20, 1e-25])
@pytest.mark.parametrize("activation", ["tanh", "erf", "relu"])
def test_the_float32_empirical_ntk_is_unchanged_by_a_rescaling_that_leaves_it(scale,
                                                                              activation):
    # x -> s x, weights -> w / s leaves the float32 network's NTK as it is (see the float64
    # test of session 8): its Grams were scaled only outside float64's 2^+-250 and fell
    # into float32's subnormals, 3e-5 relative off at 1e20
    net = dn.compile(dn.mlp(4, depth=1, d_in=2), activation=activation, seed=0,
                     dtype=np.float32)
    p = net.params.copy()
    x = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    K0 = net.ntk(x, params=p)
    K = net.ntk((x * scale).astype(np.float32), params=(p / scale).astype(np.float32))
    assert K.dtype == np.float32
    assert np.abs(K - K0).max() <= 1e-6 * np.abs(K0).max()
