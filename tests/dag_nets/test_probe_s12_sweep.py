"""Findings of the session-12 probe of sweeps, their cache and GraphML input.

Each test failed on the code before its fix: a value silently truncated or coerced, a
GraphML attribute given twice with the last one winning, a file without ``xmlns`` that
could not be read, the cache written into the current folder, a measurement's result
that could never be read back from the cache.
"""

import os
import textwrap

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError
from specproof.dag_nets import MEASURES, measurement_config
from specproof.dag_nets.builders import read_graphml
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.sweep import demo_power_law, width_sweep


@pytest.mark.parametrize("bad", [2.5, True, "8", 0])
def test_a_bottleneck_that_is_not_a_positive_int_is_refused(bad):
    cfg = measurement_config("hessian", arch="bottleneck", bottleneck=bad)
    with pytest.raises((ArgumentError, ArgumentTypeError), match="bottleneck"):
        width_sweep(MEASURES["hessian"], [4, 8], 1, cfg, progress=False)


def _graphml(node_h2: str, xmlns: bool = True) -> str:
    ns = ' xmlns="http://graphml.graphdrawing.org/xmlns"' if xmlns else ""
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <graphml{ns}>
          <key id="a" for="node" attr.name="activation" attr.type="string"/>
          <key id="s" for="node" attr.name="size" attr.type="int"/>
          <key id="s2" for="node" attr.name="size" attr.type="int"/>
          <graph edgedefault="directed">
            <node id="x"><data key="s">3</data></node>
            <node id="h1"/>
            {node_h2}
            <node id="y"><data key="s">1</data></node>
            <edge source="x" target="h1"/><edge source="h1" target="h2"/>
            <edge source="h2" target="y"/>
          </graph>
        </graphml>
        """)


@pytest.mark.parametrize("node", [
    '<node id="h2"><data key="a">tanh</data><data key="a">erf</data></node>',
    '<node id="h2"><data key="s">5</data><data key="s2">10</data></node>',
])
def test_a_node_that_sets_an_attribute_twice_is_refused(tmp_path, node):
    path = tmp_path / "net.graphml"
    path.write_text(_graphml(node))
    with pytest.raises(GraphError, match=r"node 'h2' sets '(activation|size)' twice"):
        read_graphml(path)


def test_graphml_without_xmlns_is_read_as_with_it(tmp_path):
    node = '<node id="h2"><data key="a">tanh</data></node>'
    with_ns, without = tmp_path / "a.graphml", tmp_path / "b.graphml"
    with_ns.write_text(_graphml(node))
    without.write_text(_graphml(node, xmlns=False))
    g1, g2 = read_graphml(with_ns), read_graphml(without)
    assert dict(g2.nodes(data=True)) == dict(g1.nodes(data=True))
    assert sorted(g2.edges) == sorted(g1.edges)
    assert g2.nodes["h2"]["activation"] == "tanh"


def test_an_empty_or_mistyped_cache_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for bad in ("", "  "):
        with pytest.raises(ArgumentError, match="cache must name a folder"):
            width_sweep(demo_power_law, [4, 8], seeds=1, cache=bad, progress=False)
    assert os.listdir(tmp_path) == []  # nothing written into the current folder
    for bad in (b"c", 123):
        with pytest.raises(ArgumentTypeError, match="cache must be a folder path"):
            width_sweep(demo_power_law, [4, 8], seeds=1, cache=bad, progress=False)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ArgumentError, match="symbolic link to nothing"):
        width_sweep(demo_power_law, [4, 8], seeds=1, cache=str(link), progress=False)


def test_an_executor_without_submit_is_named():
    with pytest.raises(ArgumentTypeError, match="executor must be a concurrent.futures"):
        width_sweep(demo_power_law, [4, 8], seeds=1, executor="pool", progress=False)


_RESULT: dict = {}


def _measure(config, seed):
    """Returns what the test put in _RESULT (a module-level function: sweeps need one)."""
    return _RESULT["r"]


@pytest.mark.parametrize("result, error, words", [
    ({"value": 1.0, "arrays": {"K": np.array([{"a": 1}], dtype=object)}}, ArgumentTypeError,
     "array 'K' has dtype object"),
    ({"value": 1.0, "residual": float("nan")}, ComputationError, "non-finite 'residual'"),
    ({"value": 1.0, "residual": np.float32("inf")}, ComputationError, "non-finite 'residual'"),
    ("0.5", ArgumentTypeError, "must return a float"),
    ({"value": "0.5"}, ArgumentTypeError, "must return a float"),
    ({"value": True}, ArgumentTypeError, "must return a float"),
])
def test_a_measurement_result_the_cache_would_garble_is_refused(tmp_path, monkeypatch,
                                                                 result, error, words):
    monkeypatch.setitem(_RESULT, "r", result)
    # the sweep names the point (a SweepPointError) and the cause
    with pytest.raises(ComputationError, match=rf"{error.__name__}: .*{words}"):
        width_sweep(_measure, [4, 8], seeds=1, cache=str(tmp_path / "c"), progress=False)


def test_numeric_and_string_arrays_and_finite_extras_come_back_from_the_cache(tmp_path,
                                                                              monkeypatch):
    result = {"value": 0.25, "residual": 1e-9, "label": "ok",
              "arrays": {"K": np.arange(6.0).reshape(2, 3), "names": np.array(["a", "b"])}}
    monkeypatch.setitem(_RESULT, "r", result)
    cache = str(tmp_path / "c")
    first = width_sweep(_measure, [4, 8], seeds=1, cache=cache, progress=False)
    again = width_sweep(_measure, [4, 8], seeds=1, cache=cache, progress=False)
    for p, q in zip(first.points, again.points):
        assert q.cached and q.value == p.value == 0.25
        assert q.extra["residual"] == 1e-9 and q.extra["label"] == "ok"


class _Node:
    """Hashable and printable, but with the default repr (a memory address)."""

    def __init__(self, name):
        self.name = name

    def __hash__(self):
        return hash(self.name)

    def __eq__(self, other):
        return isinstance(other, _Node) and other.name == self.name

    def __str__(self):
        return self.name


def test_a_node_whose_repr_holds_an_address_is_refused_by_name():
    import networkx as nx

    from specproof.dag_nets.point_keys import graph_digest

    g = nx.DiGraph([(_Node("x"), _Node("h")), (_Node("h"), _Node("y"))])
    with pytest.raises(ArgumentError, match="has no stable repr .* give its class a __repr__"):
        graph_digest(g)
    plain = nx.DiGraph([("x", "h"), ("h", "y")])
    plain.nodes["h"]["tags"] = object()
    with pytest.raises(ArgumentError, match="the attribute value <object object at"):
        graph_digest(plain)


def test_a_set_valued_attribute_keys_the_same_in_every_process():
    import subprocess
    import sys

    code = ("import networkx as nx; from specproof.dag_nets.point_keys import graph_digest;"
            "g = nx.DiGraph([('x', 'h'), ('h', 'y')]);"
            "g.nodes['h']['tags'] = {'alpha', 'beta', 'gamma', 'delta', 'eps'};"
            "print(graph_digest(g))")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)},
                              check=True).stdout.strip() for seed in (1, 2, 3, 4)}
    assert len(digests) == 1 and len(digests.pop()) == 64
