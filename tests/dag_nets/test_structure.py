"""Graph validation, layers and width: every bad graph gets an error naming its fault."""

import networkx as nx
import numpy as np
import pytest

from specproof import SpecproofError
from specproof.dag_nets import (
    CycleError,
    GraphError,
    analyse,
    bottleneck,
    compile,
    densenet,
    layers,
    mlp,
    random_dag,
    resnet,
    width,
)


def test_cycle_is_named_in_order():
    g = nx.DiGraph([("x", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "y")])
    with pytest.raises(CycleError) as e:
        analyse(g)
    assert set(e.value.nodes) == {"a", "b", "c"}
    assert "a -> b -> c -> a" in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, SpecproofError)


def test_self_loop_is_a_cycle():
    with pytest.raises(CycleError, match="h -> h"):
        analyse(nx.DiGraph([("x", "h"), ("h", "h"), ("h", "y")]))


@pytest.mark.parametrize("bad", [nx.Graph([(0, 1)]), nx.MultiDiGraph([(0, 1)]), [(0, 1)], None])
def test_not_a_digraph(bad):
    with pytest.raises(TypeError, match="networkx.DiGraph"):
        analyse(bad)


def test_empty_and_isolated():
    with pytest.raises(GraphError, match="no nodes"):
        analyse(nx.DiGraph())
    g = nx.DiGraph([(0, 1)])
    g.add_node("lonely")
    with pytest.raises(GraphError, match="'lonely'"):
        analyse(g)


def test_hidden_node_without_inputs_and_what_only_it_reaches():
    g = nx.DiGraph([("x", "h"), ("h", "y"), ("orphan", "h2"), ("h2", "y")])
    with pytest.raises(GraphError) as e:
        analyse(g, inputs=["x"])
    assert "'orphan'" in str(e.value) and "'h2'" in str(e.value)
    assert set(e.value.nodes) == {"orphan", "h2"}


def test_roles_from_node_attribute():
    g = nx.DiGraph([("x", "h"), ("h", "y"), ("z", "h")])
    g.nodes["x"]["role"] = "input"
    with pytest.raises(GraphError, match="'z'"):
        analyse(g)


def test_dead_end_hidden_node_and_bad_explicit_roles():
    g = nx.DiGraph([("x", "h"), ("h", "y"), ("h", "dead")])
    with pytest.raises(GraphError, match="'dead'.*reach no output"):
        analyse(g, outputs=["y"])
    with pytest.raises(GraphError, match="have incoming edges"):
        analyse(g, inputs=["h"])
    with pytest.raises(GraphError, match="outgoing edges"):
        analyse(g, outputs=["h", "y", "dead"])
    with pytest.raises(GraphError, match="not nodes"):
        analyse(g, inputs=["nope"])


def test_disconnected_parts_are_named():
    g = nx.DiGraph([("x1", "h1"), ("h1", "y1"), ("x2", "y2")])
    with pytest.raises(GraphError, match="2 disconnected parts") as e:
        analyse(g)
    assert set(e.value.nodes) == {"x2", "y2"}


@pytest.mark.parametrize("size", [0, -3, 2.5, True, "4", None])
def test_sizes_must_be_positive_integers(size):
    g = mlp(4, depth=2)
    g.nodes["h2"]["size"] = size
    with pytest.raises(GraphError, match="node 'h2' has size"):
        compile(g)


def test_integral_float_size_from_graphml_is_accepted():
    g = mlp(4, depth=2)
    g.nodes["h1"]["size"] = 4.0
    assert compile(g).sizes["h1"] == 4


def test_layers_are_topological_generations():
    g = resnet(3, depth=4, d_in=2)
    assert layers(g) == [["x"], ["h1"], ["h2"], ["h3"], ["h4"], ["y"]]
    d = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    assert layers(d) == [["a"], ["b"], ["c"], ["d"]]


def test_width_is_min_in_degree_in_neurons_over_layers_2_to_L_minus_1():
    assert width(mlp(64, depth=3, d_in=5)) == 64
    assert width(mlp([100, 7, 50, 80], d_in=3)) == 7  # h3 sees 7 neurons
    assert width(mlp([7, 100, 100], d_in=3)) == 7  # h2 in-degree is h1's size
    assert width(mlp([100, 100, 7], d_in=3)) == 100  # h3's own size is not an in-degree
    assert width(bottleneck(512, bottleneck=3, depth=4)) == 3
    assert width(resnet(10, depth=4, d_in=2)) == 10  # h2: only h1 (skip starts at h3)
    assert width(densenet(10, depth=3, d_in=2)) == 2 + 10  # h2 sees x and h1
    # the input's size never counts: first layer excluded
    assert width(mlp([5, 6], d_in=1)) == 5


def test_width_excludes_outputs_and_needs_two_hidden_layers():
    g = nx.DiGraph([("x", "h1"), ("h1", "h2"), ("h2", "h3"), ("h3", "y"), ("x", "t"),
                    ("t", "side")])
    nx.set_node_attributes(g, 9, "size")
    g.nodes["x"]["size"] = g.nodes["t"]["size"] = 1
    # undeclared, a sink before the last layer is a dead end
    with pytest.raises(GraphError, match=r"hidden nodes \['side'\] reach no output"):
        width(g)
    g.nodes["side"]["role"] = g.nodes["y"]["role"] = "output"
    # 'side' is an output in layer 2 with in-degree 1 (excluded); h2 and h3 see 9 neurons
    assert width(g) == 9
    g.add_edge("t", "h3")  # a hidden node's in-degree counts every predecessor: 9 + 1
    assert width(g) == 9
    g.nodes["h2"]["size"] = 4
    assert width(g) == 4 + 1
    with pytest.raises(GraphError, match="at least 2 hidden layers"):
        width(mlp(10, depth=1))


def test_random_dag_width_at_least_min_in_degree():
    g = random_dag(300, min_in_degree=6, n_inputs=8, n_outputs=2, max_in_degree=9, seed=3)
    assert nx.is_directed_acyclic_graph(g)
    s = analyse(g)
    assert s.inputs == tuple(range(8)) and s.outputs == (298, 299)
    assert width(g) >= 6
    assert min(d for n, d in g.in_degree() if n >= 8) >= 6
    # same seed, same graph
    assert nx.utils.graphs_equal(g, random_dag(300, 6, 8, 2, 9, seed=3))


def test_random_dag_bad_arguments():
    with pytest.raises(ValueError, match="exceeds n_inputs"):
        random_dag(100, min_in_degree=5, n_inputs=3)
    with pytest.raises(ValueError, match="below min_in_degree"):
        random_dag(100, min_in_degree=3, n_inputs=3, max_in_degree=2)
    with pytest.raises(ValueError, match="no hidden node"):
        random_dag(4, min_in_degree=1, n_inputs=3)


def test_builders_reject_bad_widths():
    for bad in (0, -1):
        with pytest.raises(ValueError, match="width"):
            mlp(bad)
        with pytest.raises(ValueError, match="width"):
            densenet(bad)
    with pytest.raises(ValueError, match="bottleneck"):
        bottleneck(8, bottleneck=0)
    with pytest.raises(ValueError, match="position"):
        bottleneck(8, bottleneck=2, depth=3, position=3)
    with pytest.raises(ValueError, match="depth"):
        mlp([3, 4], depth=3)
    assert np.array_equal([mlp([3, 4]).nodes[n]["size"] for n in ("h1", "h2")], [3, 4])


def test_role_hidden_is_never_taken_for_an_input_or_output():
    g = nx.DiGraph([("x", "h"), ("h", "y"), ("z", "h")])
    g.nodes["z"]["role"] = "hidden"
    with pytest.raises(GraphError, match="hidden nodes \\['z'\\] have no inputs"):
        analyse(g)
    g = nx.DiGraph([("x", "h"), ("h", "y"), ("h", "dead")])
    g.nodes["dead"]["role"] = "hidden"
    with pytest.raises(GraphError, match="'dead'.*reach no output"):
        analyse(g)
    g.nodes["dead"]["role"] = "ouput"
    with pytest.raises(GraphError, match="role other than"):
        analyse(g)


def test_dead_end_hidden_node_is_named_not_a_second_output():
    from specproof.dag_nets import compile

    g = mlp(4, depth=3, d_in=2)
    g.add_edge("h1", "h_dead")
    g.nodes["h_dead"]["size"] = 4
    with pytest.raises(GraphError, match=r"hidden nodes \['h_dead'\] reach no output") as e:
        compile(g)
    assert e.value.nodes == ("h_dead",)
    # declared outputs in different layers are fine
    net = compile(g, outputs=["h_dead", "y"])
    assert net.n_outputs == 5
    # a sink in the last layer next to the output is indistinguishable from an output
    g2 = mlp(4, depth=2, d_in=2)
    g2.add_edge("h2", "y2")
    assert compile(g2).outputs == ("y", "y2")


def test_negative_seed_is_named():
    from specproof import SpecproofError
    from specproof.dag_nets import compile

    with pytest.raises(SpecproofError, match="seed must be a non-negative int, got -1"):
        compile(mlp(3), seed=-1)
