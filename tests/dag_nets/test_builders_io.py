"""GraphML round trips, resource limits and bad input found by property tests."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof import SpecproofError
from specproof._core import ResourceLimitError
from specproof.dag_nets import (
    CycleError,
    compile,
    densenet,
    mlp,
    random_dag,
    read_graphml,
    to_neurons,
)


def test_graphml_round_trip_keeps_sizes_and_activations(tmp_path):
    g = densenet(5, depth=2, d_in=3)
    g.nodes["h2"]["activation"] = "tanh"
    p = tmp_path / "net.graphml"
    nx.write_graphml(g, p)
    h = read_graphml(p)
    a = compile(g, activation="erf", seed=0)
    b = compile(h, activation="erf", seed=0)
    assert b.activations["h2"].name == "tanh" and b.activations["h1"].name == "erf"
    X = np.random.default_rng(0).standard_normal((3, 3))
    np.testing.assert_array_equal(a(X), b(X))


def test_graphml_errors(tmp_path):
    with pytest.raises(ValueError, match="not a readable GraphML file"):
        read_graphml(tmp_path / "missing.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><oops")
    with pytest.raises(ValueError, match="could not read GraphML"):
        read_graphml(bad)
    und = tmp_path / "und.graphml"
    nx.write_graphml(nx.path_graph(3), und)
    with pytest.raises(ValueError, match="undirected"):
        read_graphml(und)
    cyc = tmp_path / "cyc.graphml"
    nx.write_graphml(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("x", "a")]), cyc)
    with pytest.raises(CycleError, match="a -> b -> c -> a"):
        read_graphml(cyc)


def test_to_neurons_structure():
    g = mlp([3, 2], d_in=2)
    n = to_neurons(g)
    assert n.number_of_nodes() == 2 + 3 + 2 + 1
    assert n.number_of_edges() == 2 * 3 + 3 * 2 + 2 * 1
    assert set(n.predecessors(("h2", 1))) == {("h1", 0), ("h1", 1), ("h1", 2)}


def test_resource_limits_are_checked_before_work():
    net = compile(mlp(64, depth=2, d_in=3), seed=0)
    with pytest.raises(ResourceLimitError, match="use ntk"):
        net.jacobian(np.zeros((10, 3)), max_memory=1000)
    assert isinstance(ResourceLimitError("x"), MemoryError)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 5), i=st.integers(0, 5), j=st.integers(0, 4),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_nonfinite_input_is_named_at_its_index(n, d, i, j, bad):
    i, j = i % n, j % d
    net = compile(mlp(3, depth=2, d_in=d), seed=0)
    X = np.zeros((n, d))
    X[i, j] = bad
    for call in (net.forward, net.ntk, net.grad):
        with pytest.raises(SpecproofError, match=rf"index \({i}, {j}\)"):
            call(X)
    with pytest.raises(SpecproofError, match=rf"index \({j},\)"):
        net.hessian_norm(X[i])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.integers(1, 3))
def test_any_added_back_edge_is_reported_as_a_cycle(seed, k):
    g = random_dag(20, min_in_degree=k, n_inputs=3, seed=seed)
    rng = np.random.default_rng(seed)
    u, v = sorted(rng.choice(np.arange(3, 20), size=2, replace=False))
    if not nx.has_path(g, u, v):
        g.add_edge(u, v)
    g.add_edge(v, u)  # now u -> ... -> v -> u
    with pytest.raises(CycleError) as e:
        compile(g)
    cyc = e.value.cycle
    assert all(g.has_edge(a, b) for a, b in cyc) and cyc[0][0] == cyc[-1][1]
