"""A GraphML ``fixed_size`` attribute means what it says, whatever its declared type."""

from __future__ import annotations

import pytest

from specproof._core import ArgumentError
from specproof.dag_nets import build_graph

GRAPH = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="size" attr.type="long" />
  <key id="d2" for="node" attr.name="fixed_size" attr.type="{kind}" />
  <graph edgedefault="directed">
    <node id="x"><data key="d0">3</data></node>
    <node id="h1"><data key="d0">4</data><data key="d2">{value}</data></node>
    <node id="h2"><data key="d0">4</data></node>
    <node id="y"><data key="d0">1</data></node>
    <edge source="x" target="h1" /><edge source="h1" target="h2" />
    <edge source="h2" target="y" />
  </graph>
</graphml>
"""


def sizes(tmp_path, kind, value):
    path = tmp_path / "net.graphml"
    path.write_text(GRAPH.format(kind=kind, value=value))
    g = build_graph({"arch": str(path), "width": 64})
    return g.nodes["h1"]["size"], g.nodes["h2"]["size"]


@pytest.mark.parametrize("kind, value, fixed", [
    ("string", "false", False), ("string", "False", False), ("string", "0", False),
    ("string", "true", True), ("string", " TRUE ", True), ("string", "1", True),
    ("boolean", "false", False), ("boolean", "true", True),
    ("long", "0", False), ("long", "1", True),
])
def test_fixed_size_true_keeps_the_size_and_false_takes_the_width(tmp_path, kind, value,
                                                                  fixed):
    assert sizes(tmp_path, kind, value) == ((4 if fixed else 64), 64)


@pytest.mark.parametrize("kind, value", [("string", "no"), ("string", ""), ("long", "2"),
                                         ("double", "0.5")])
def test_any_other_fixed_size_is_refused_naming_the_node(tmp_path, kind, value):
    with pytest.raises(ArgumentError) as info:
        sizes(tmp_path, kind, value)
    message = str(info.value)
    assert "\n" not in message
    assert "'h1'" in message and "fixed_size" in message and "net.graphml" in message
    assert "true or false" in message


def test_graphml_key_defaults_apply_to_nodes_that_do_not_set_them(tmp_path):
    # networkx keeps <default> values in graph attributes only: size 3 / tanh were
    # ignored and the network was built with size-1 nodes and erf
    from specproof.dag_nets.builders import read_graphml

    path = tmp_path / "defaults.graphml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '  <key id="d0" for="node" attr.name="size" attr.type="long"><default>3</default>'
        "</key>\n"
        '  <key id="d1" for="node" attr.name="activation" attr.type="string">'
        "<default>tanh</default></key>\n"
        '  <graph edgedefault="directed">\n'
        '    <node id="x"><data key="d1">identity</data></node>\n'
        '    <node id="h1"/><node id="h2"><data key="d0">5</data></node>\n'
        '    <node id="y"><data key="d0">1</data><data key="d1">identity</data></node>\n'
        '    <edge source="x" target="h1"/><edge source="h1" target="h2"/>'
        '<edge source="h2" target="y"/>\n'
        "  </graph>\n</graphml>\n")
    g = read_graphml(path)
    assert dict(g.nodes(data="size")) == {"x": 3, "h1": 3, "h2": 5, "y": 1}
    assert dict(g.nodes(data="activation")) == {"x": "identity", "h1": "tanh",
                                                "h2": "tanh", "y": "identity"}
    assert "node_default" not in g.graph
