"""Findings of the eighteenth adversarial review of dag_nets, one test (at least) each."""

from __future__ import annotations

import textwrap
import warnings

import networkx as nx
import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof._core import ArgumentError, ArgumentTypeError
from specproof.dag_nets import MLPDiscriminator
from specproof.dag_nets.architectures import build_graph
from specproof.dag_nets.builders import read_graphml
from specproof.dag_nets.errors import GraphError, WeightsError

# --- 1. GraphML: an XML attribute, or a <data> holding elements, was dropped silently --


def _graphml(nodes: str, edges: str = '<edge source="x" target="h"/>'
             '<edge source="h" target="y"/>', graph_attrs: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
            '<key id="s" for="node" attr.name="size" attr.type="int"/>'
            f'<graph id="G" edgedefault="directed"{graph_attrs}>{nodes}{edges}'
            '</graph></graphml>')


def test_a_size_written_as_an_xml_attribute_is_refused_naming_node_and_file(tmp_path):
    path = tmp_path / "in5.graphml"
    path.write_text(_graphml('<node id="x" size="5"/><node id="h"/><node id="y"/>'))
    with pytest.raises(GraphError) as info:
        read_graphml(path)
    msg = str(info.value)
    assert f"GraphML file {str(path)!r}: node 'x' has the XML attribute size=\"5\"" in msg
    assert "networkx ignores" in msg and 'attr.name="size"' in msg
    assert "<data key=" in msg


@pytest.mark.parametrize("nodes, edges, graph_attrs, found", [
    ('<node id="x"/><node id="h" activation="tanh"/><node id="y"/>', None, "",
     "node 'h' has the XML attribute activation=\"tanh\""),
    ('<node id="x"/><node id="h"/><node id="y"/>',
     '<edge source="x" target="h" weight="2"/><edge source="h" target="y"/>', "",
     "edge 'x' -> 'h' has the XML attribute weight=\"2\""),
    ('<node id="x"/><node id="h"/><node id="y"/>', None, ' size="3"',
     "the <graph> has the XML attribute size=\"3\""),
])
def test_any_xml_attribute_networkx_ignores_is_refused(tmp_path, nodes, edges, graph_attrs,
                                                        found):
    path = tmp_path / "net.graphml"
    kw = {} if edges is None else {"edges": edges}
    path.write_text(_graphml(nodes, graph_attrs=graph_attrs, **kw))
    with pytest.raises(GraphError, match="networkx ignores") as info:
        read_graphml(path)
    assert found in str(info.value) and str(path) in str(info.value)


def test_a_data_element_holding_an_element_is_refused(tmp_path):
    path = tmp_path / "net.graphml"
    path.write_text(_graphml('<node id="x"><data key="s">5<b/></data></node>'
                             '<node id="h"/><node id="y"/>'))
    with pytest.raises(GraphError) as info:
        read_graphml(path)
    assert str(info.value) == (
        f"GraphML file {str(path)!r}: node 'x' has <data key='s'> ('size') holding a <b> "
        "element, so networkx ignores its value; write the value as the <data>'s only "
        "content")


def test_graphml_schema_attributes_still_read(tmp_path):
    # the attributes GraphML defines (ids, parse hints, edge ids, xsi:schemaLocation)
    path = tmp_path / "net.graphml"
    path.write_text(_graphml(
        '<node id="x" parse.indegree="0"><data key="s" id="d1">5</data></node>'
        '<node id="h"/><node id="y"/>',
        edges='<edge id="e0" source="x" target="h" directed="true"/>'
              '<edge id="e1" source="h" target="y"/>',
        graph_attrs=' parse.nodes="3" parse.edges="2"'))
    g = read_graphml(path)
    assert g.nodes["x"]["size"] == 5
    assert dn.compile(g).n_inputs == 5
    # and what networkx writes reads back
    path2 = tmp_path / "mlp.graphml"
    nx.write_graphml(dn.mlp(4, depth=2, d_in=3), path2)
    assert dict(read_graphml(path2).nodes(data="size")) == {"x": 3, "h1": 4, "h2": 4, "y": 1}


# --- 2. MLPDiscriminator.gradient_bounds: a false bound for softplus and biases --------


@pytest.mark.parametrize("activation, bias_scale", [("softplus", 0.0), ("relu", 1.0),
                                                    ("softplus", 1.0), ("tanh", 1.0),
                                                    ("leaky_relu", 1.0)])
def test_gradient_bounds_hold_with_softplus_and_biases(activation, bias_scale):
    net = MLPDiscriminator.random([3, 8, 8, 1], seed=0, activation=activation,
                                  bias_scale=bias_scale)
    rng = np.random.default_rng(1)
    for x in [np.zeros(3), *(rng.standard_normal(3) * 10.0**k for k in range(-3, 3))]:
        norms = np.array([np.linalg.norm(g) for g in net.gradients(x)])
        bounds = net.gradient_bounds(x)
        assert np.all(norms <= bounds * (1 + 1e-12)), (x, norms, bounds)


def test_gradient_bounds_at_zero_input_are_the_documented_recursion():
    # the review's case: softplus, no biases, x = 0: gradients 0, 1.16, 2.81, bound was 0
    net = MLPDiscriminator.random([3, 8, 8, 1], seed=0, activation="softplus")
    norms = np.array([np.linalg.norm(g) for g in net.gradients(np.zeros(3))])
    np.testing.assert_allclose(norms, [0.0, 1.1558, 2.8136], atol=5e-5)
    w = [np.linalg.norm(m, 2) for m in net.weights]
    c = np.log(2.0) * np.sqrt(8)  # |softplus(0)| sqrt(n_t)
    s1 = c                        # ||h_1|| <= ||w_1|| * 0 + log 2 sqrt(8)
    s2 = w[1] * s1 + c
    np.testing.assert_allclose(net.gradient_bounds(np.zeros(3)),
                               [0.0, s1 * w[2], s2], rtol=1e-14)
    # biases: ||b_t|| enters the same recursion (relu: a(0) = 0)
    b = MLPDiscriminator((np.eye(2), np.ones((1, 2))), biases=(np.ones(2), np.zeros(1)))
    np.testing.assert_allclose(b.gradient_bounds(np.zeros(2)), [0.0, np.sqrt(2)])
    np.testing.assert_allclose(np.linalg.norm(b.gradients(np.zeros(2))[1]), np.sqrt(2))


def test_gradient_bounds_of_bias_free_relu_are_still_the_product():
    net = MLPDiscriminator.random([3, 5, 4, 1], seed=2, activation="leaky_relu")
    x = np.array([1.0, -2.0, 0.5])
    w = np.array([np.linalg.norm(m, 2) for m in net.weights])
    want = [np.linalg.norm(x) * np.prod(np.delete(w, t)) for t in range(3)]
    np.testing.assert_array_equal(net.gradient_bounds(x), want)


# --- 3. complex, text and booleans taken silently by set_params(dict) and H @ v ------


def test_set_params_dict_refuses_complex_text_and_booleans():
    net = dn.compile(dn.mlp(2, depth=1, d_in=2), seed=0)
    before = net.params.copy()
    ones = {k: np.ones(s) for k, s in net.block_shapes.items()}
    cases = [
        ({**ones, "W[x->h1]": np.full((2, 2), 1.0 + 2.0j)},
         "block W[x->h1] must be real, got dtype complex128 (the imaginary part would be "
         "dropped)"),
        ({**ones, "W[x->h1]": [["1", "2"], ["3", "4"]]},
         "block W[x->h1] must hold real numbers, got dtype <U1"),
        ({**ones, "W[h1->y]": np.array([[True], [False]])},
         "block W[h1->y] must hold real numbers, got dtype bool (booleans are a mask, not "
         "weights)"),
        ({**ones, "W[h1->y]": np.array([[1.0], [1j]], dtype=object)},
         "block W[h1->y] must be real, got an entry 1j (the imaginary part would be "
         "dropped)"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: refused before any cast
        for blocks, message in cases:
            with pytest.raises(WeightsError) as info:
                net.set_params(blocks)
            assert str(info.value) == message
    np.testing.assert_array_equal(net.params, before)
    # numbers in an object array (Fractions, ints) still convert exactly
    net.set_params({**ones, "W[h1->y]": np.array([[1], [2.5]], dtype=object)})
    np.testing.assert_array_equal(net.params[-2:], [1.0, 2.5])


def test_set_params_flat_refuses_booleans_as_the_dict_does():
    net = dn.compile(dn.mlp(2, depth=1, d_in=2), seed=0)
    with pytest.raises(WeightsError, match="params must hold real numbers, got dtype bool"):
        net.set_params(np.ones(net.n_params, dtype=bool))


def test_hessian_operator_refuses_a_complex_vector():
    net = dn.compile(dn.mlp(6, depth=2, d_in=3), seed=0)
    x = np.ones(3)
    v = np.random.default_rng(0).standard_normal(net.n_params)
    H = net.hessian_operator(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for apply in (lambda u: H @ u, lambda u: H.matmat(u[:, None]), lambda u: H.T @ u):
            with pytest.raises(ArgumentTypeError, match=r"v must be real, got dtype "
                                                        r"complex128; .* v\.real and v\.imag"):
                apply(v + 1j * v)
        with pytest.raises(ArgumentTypeError, match="v must be a numeric array, got dtype <U"):
            H @ v.astype(str)
    # the real parts as advised give H v
    np.testing.assert_allclose(H @ v + 1j * (H @ v), net.hvp(x, v) * (1 + 1j), rtol=1e-12)


# --- 4. a builder's invalid graph: the error names the builder and the width ----------


def test_a_builder_that_returns_an_invalid_graph_is_named_with_the_width(tmp_path,
                                                                          monkeypatch):
    (tmp_path / "bad_builder.py").write_text(textwrap.dedent("""
        import networkx as nx

        def ladder(width):
            g = nx.DiGraph()
            g.add_node("x", size=4)
            for name, size in (("a", width), ("b", width // 2), ("c", width)):
                g.add_node(name, size=size)
            g.add_node("y", size=1)
            g.add_edges_from([("x", "a"), ("x", "b"), ("a", "c"), ("b", "c"), ("c", "y")])
            return g

        def loop(width):
            return nx.DiGraph([("x", "a"), ("a", "b"), ("b", "a"), ("b", "y")])
    """))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GraphError) as info:
        build_graph({"arch": "bad_builder.py:ladder", "width": 1})
    assert str(info.value) == (
        "builder 'bad_builder.py:ladder' returned an invalid network at width 1: node 'b' "
        "has size 0; a size (number of neurons) must be a positive integer")
    assert info.value.nodes == ("b",)
    assert build_graph({"arch": "bad_builder.py:ladder", "width": 4}).nodes["b"]["size"] == 2
    with pytest.raises(GraphError, match=r"^builder 'bad_builder.py:loop' returned an invalid "
                                         r"network at width 8: graph has a cycle"):
        build_graph({"arch": "bad_builder.py:loop", "width": 8})


# --- 5. a user's linear output Activation was called "non-linear" -------------------


def _lin_graph(act):
    g = dn.mlp(4, depth=2, d_in=3)
    g.nodes["y"]["activation"] = act
    return g


X = np.random.default_rng(0).standard_normal((3, 3))


def test_an_unmarked_linear_output_is_refused_saying_what_is_missing():
    lin = dn.Activation("lin", lambda z: z, np.ones_like, np.zeros_like)
    with pytest.raises(ArgumentError) as info:
        dn.infinite_width_ntk(_lin_graph(lin), X)
    msg = str(info.value)
    assert msg.startswith("output node 'y' has activation 'lin', which is not marked as the "
                          "identity: infinite_width_ntk takes an identity output only")
    assert "identity=True" in msg and "has a non-linear activation:" not in msg
    # marked, it is the identity's limit
    marked = dn.Activation("lin", lambda z: z, np.ones_like, np.zeros_like, identity=True)
    np.testing.assert_array_equal(dn.infinite_width_ntk(_lin_graph(marked), X),
                                  dn.infinite_width_ntk(dn.mlp(4, depth=2, d_in=3), X))


def test_an_output_marked_identity_that_is_not_gets_no_identity_ntk():
    # identity=True on 2 z was given the identity output's NTK (a quarter of the truth)
    two = dn.Activation("two", lambda z: 2 * z, lambda z: 2 * np.ones_like(z), np.zeros_like,
                        identity=True)
    with pytest.raises(ArgumentError, match=r"activation 'two', marked identity=True, but its "
                                            r"f or d1 is not z -> z"):
        dn.infinite_width_ntk(_lin_graph(two), X)
    r = dn.infinite_width_kernels(_lin_graph(two), X)
    plain = dn.nngp_kernel(dn.mlp(4, depth=2, d_in=3), X)
    assert r.ntk is None
    np.testing.assert_allclose(r.nngp, 4 * plain, rtol=1e-12)
