"""Probe s9: the kernel-spread interval, activations kept by builders, strict GraphML.

A4: the slope of ``to_mean`` (each seed's distance to its width's mean kernel) counted
the seeds of a width as independent although they share the mean: with 2 seeds both
distances are equal, and 2 widths gave ``+1.096 [+1.096, +1.096]``.
B7: builders stored an activation's name only (a custom ``"tanh"`` ran the built-in one;
``leaky_relu(0.3)`` failed at compile).
B10 / C13: GraphML content networkx merges or ignores silently is refused, naming it.
D: a directory or FIFO given as the GraphML file is named for what it is.
"""

from __future__ import annotations

import json
import os

import networkx as nx
import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.cli import main
from specproof.dag_nets import (
    MEASURES,
    compile,
    kernel_spread,
    measurement_config,
    mlp,
    read_graphml,
    width_sweep,
)
from specproof.dag_nets.activations import Activation, leaky_relu
from specproof.dag_nets.architectures import build_graph, freeze_graphml
from specproof.dag_nets.builders import bottleneck, densenet, random_block_dag, resnet
from specproof.dag_nets.cache import graph_digest
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep
from specproof.fitting import fit_loglog

# ---------------------------------------------------------------- A4: kernel spread


def synthetic_sweep(rng, seeds, widths, rate=-0.5):
    """Kernels ``K0 + m^rate E`` (E symmetric Gaussian): the distance of each kernel to
    its width's mean has the slope ``rate`` exactly in expectation."""
    a = np.arange(36.0).reshape(6, 6) / 36
    k0 = a @ a.T + 6 * np.eye(6)
    pts = []
    for m in widths:
        for s in range(seeds):
            e = rng.standard_normal((6, 6))
            pts.append(SweepPoint(m, s, 1.0, {"paper_width": m},
                                  arrays={"K": k0 + m**rate * (e + e.T)}))
    return WidthSweep("ntk", {}, tuple(pts), "synthetic")


def test_two_seeds_on_two_widths_are_refused_not_a_zero_width_interval():
    sw = kernel_spread(synthetic_sweep(np.random.default_rng(0), 2, [8, 16]))
    col = sw.column("to_mean")
    assert col[0] == pytest.approx(col[1], rel=1e-12)  # one value per width, twice
    with pytest.raises(ValueError, match="at least 3 widths, got 2 .8, 16.") as exc:
        sw.slope("to_mean")
    assert "with 2 seeds both distances are equal" in str(exc.value)
    # the distance to the limit keeps its bootstrap over seeds
    assert sw.slope("value", n_boot=100).n == 4


def test_spread_slope_counts_one_value_per_width_and_equals_least_squares():
    sw = kernel_spread(synthetic_sweep(np.random.default_rng(1), 2, [8, 16, 32, 64]))
    fit = sw.slope("to_mean")
    everything = fit_loglog(sw.widths, sw.column("to_mean"))
    assert fit.slope == pytest.approx(everything.slope, rel=1e-12, abs=1e-12)
    assert fit.n == 4 and fit.high - fit.low > 0.05
    assert fit.high - fit.low > everything.high - everything.low  # 2 dof, not 6
    # against the paper width too, as the command line fits it
    assert sw.slope("to_mean", x="paper_width").slope == pytest.approx(fit.slope, rel=1e-12)


@pytest.mark.parametrize("seeds, least", [(2, 0.88), (3, 0.88)])
def test_spread_interval_covers_a_known_slope_at_the_nominal_rate(seeds, least):
    # 95 % intervals over 200 synthetic sweeps: the per-point fit covered -0.5 in 70 %
    # (2 seeds) and 87 % (3 seeds) of them, the per-width fit in 95.5 % (both)
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(200):
        fit = kernel_spread(synthetic_sweep(rng, seeds, [8, 16, 32, 64])).slope("to_mean")
        hits += fit.low <= -0.5 <= fit.high
    assert hits / 200 >= least


def test_cli_ntk_with_two_seeds_no_longer_prints_a_certain_interval(tmp_path, capsys):
    out = tmp_path / "o"
    base = ["ntk", "--arch", "mlp", "--measure", "ntk", "--seeds", "2", "--n-inputs", "3",
            "--out", str(out)]
    assert main([*base, "--widths", "4,8"]) == 2  # refused before any work (session 17)
    err = capsys.readouterr().err
    assert "mean kernel" in err and "at least 3 widths, got 2 (4,8)" in err
    assert not out.exists()
    assert main([*base, "--widths", "4,8,16"]) == 0
    spread = json.loads((out / "slopes.json").read_text())["slopes"]["mlp"]["to_mean"]
    assert spread["n"] == 3 and spread["high"] - spread["low"] > 0.1


# ---------------------------------------------------------------- B7: activations


def doubled_tanh():
    return Activation("tanh", lambda z: 2 * np.tanh(z), lambda z: 2 / np.cosh(z) ** 2,
                      lambda z: -4 * np.tanh(z) / np.cosh(z) ** 2)


def test_builders_keep_a_custom_activation_named_like_a_builtin():
    custom = doubled_tanh()
    X = np.random.default_rng(0).standard_normal((4, 2))
    g = mlp(4, d_in=2, activation=custom)
    assert g.nodes["h1"]["activation"] is custom
    got = compile(g, seed=0).forward(X)
    want = compile(mlp(4, d_in=2), activation=custom, seed=0).forward(X)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    builtin = compile(mlp(4, d_in=2, activation="tanh"), seed=0).forward(X)
    assert np.abs(got - builtin).max() > 1e-3
    # the cache keys the graph by what the activation computes, not by its name
    assert graph_digest(g) != graph_digest(mlp(4, d_in=2, activation="tanh"))
    assert mlp(4, activation="Tanh").nodes["h1"]["activation"] == "tanh"  # plain data


@pytest.mark.parametrize("build", [
    lambda a: mlp(5, d_in=2, activation=a),
    lambda a: resnet(5, depth=4, d_in=2, activation=a),
    lambda a: densenet(5, depth=2, d_in=2, activation=a),
    lambda a: bottleneck(5, bottleneck=3, d_in=2, activation=a),
    lambda a: random_block_dag(5, n_hidden=3, d_in=2, seed=0, activation=a),
])
def test_a_parametrised_activation_works_through_every_builder(build):
    X = np.random.default_rng(1).standard_normal((3, 2))
    net = compile(build(leaky_relu(0.3)), seed=0)
    want = compile(build(None), activation=leaky_relu(0.3), seed=0)
    np.testing.assert_allclose(net.forward(X), want.forward(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.ntk(X), want.ntk(X), rtol=1e-12, atol=1e-12)
    assert {a.name for a in net.activations.values()} == {"identity", "leaky_relu(0.3)"}


# ---------------------------------------------------------------- B10, C13: GraphML

HEAD = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="size" attr.type="long" />
  <key id="d1" for="node" attr.name="activation" attr.type="string" />
  <key id="d2" for="node" attr.name="activaton" attr.type="string" />
  <key id="d4" for="edge" attr.name="weight" attr.type="double" />
"""
NODES = ('<node id="x"><data key="d0">3</data></node><node id="h1"><data key="d0">4</data>'
         '</node><node id="h2"><data key="d0">4</data></node>'
         '<node id="y"><data key="d0">1</data></node>')
EDGES = ('<edge source="x" target="h1" /><edge source="h1" target="h2" />'
         '<edge source="h2" target="y" />')


def graphml(tmp_path, body, name="net.graphml", head=HEAD):
    path = tmp_path / name
    path.write_text(f'{head}<graph edgedefault="directed">{body}</graph>\n</graphml>\n')
    return path


def test_declared_but_unused_keys_are_allowed(tmp_path):
    g = read_graphml(graphml(tmp_path, NODES + EDGES))
    assert dict(g.nodes(data="size")) == {"x": 3, "h1": 4, "h2": 4, "y": 1}


@pytest.mark.parametrize("body, found", [
    (NODES + '<node id="x"><data key="d0">5</data></node>' + EDGES,
     "node id 'x' is declared 2 times"),
    (NODES + '<node id="h1"><data key="d1">tanh</data></node>' + EDGES,
     "node id 'h1' is declared 2 times"),
    (NODES.replace('<data key="d0">4</data></node><node id="h2">',
                   '<data key="d2">relu</data></node><node id="h2">', 1) + EDGES,
     "node 'h1' carries the attribute 'activaton' (key 'd2'), which a network does not "
     "read; nodes take only activation, fixed_size, role, size (did you mean "
     "'activation'?)"),
    (NODES + EDGES.replace('target="h1" />', 'target="h1"><data key="d4">1000.0</data>'
                           '</edge>'),
     "edge 'x' -> 'h1' carries the attribute 'weight' (key 'd4')"),
    (NODES.replace('<data key="d0">4</data></node><node id="y">',
                   '<graph id="inner" edgedefault="directed"><node id="q"/></graph>'
                   '<data key="d0">4</data></node><node id="y">') + EDGES,
     "node 'h2' holds a nested <graph> (id 'inner'), which networkx ignores"),
    (NODES + EDGES + '<edge source="h2" target="zz" />',
     "edge 'h2' -> 'zz' names ['zz'], not declared by a <node>"),
])
def test_graphml_content_networkx_merges_or_ignores_is_refused(tmp_path, body, found):
    path = graphml(tmp_path, body)
    with pytest.raises(GraphError) as exc:
        read_graphml(path)
    assert f"GraphML file {str(path)!r}: " in str(exc.value) and found in str(exc.value)
    # and so is a sweep's architecture, read from the bytes frozen at its start
    cfg = freeze_graphml({"arch": str(path), "width": 8})
    with pytest.raises(GraphError, match="GraphML file"):
        build_graph(cfg)


def test_a_second_graph_and_an_edge_default_are_refused(tmp_path):
    path = tmp_path / "two.graphml"
    one = f'<graph edgedefault="directed">{NODES + EDGES}</graph>'
    second = one.replace("<graph ", "<graph id='second' ")
    path.write_text(f"{HEAD}{one}{second}</graphml>")
    with pytest.raises(GraphError, match=r"holds 2 <graph> elements \(ids \[None, 'second'\]"):
        read_graphml(path)
    head = HEAD.replace('attr.type="double" />', 'attr.type="double"><default>2</default>'
                        '</key>')
    with pytest.raises(GraphError, match="<key id='d4' for='edge'> gives a default 'weight'"):
        read_graphml(graphml(tmp_path, NODES + EDGES, head=head))


def two_output_file(tmp_path):
    body = (NODES + '<node id="z"><data key="d0">1</data></node>' + EDGES
            + '<edge source="h2" target="z" />')
    return graphml(tmp_path, body, "two_out.graphml")


@pytest.mark.parametrize("measure", ["kernel-error", "hessian"])
def test_two_outputs_say_the_sweep_has_no_output_option(tmp_path, measure):
    cfg = measurement_config(measure, arch=str(two_output_file(tmp_path)), n_inputs=2)
    with pytest.raises(ValueError) as exc:
        width_sweep(MEASURES[measure], [4, 8], 1, cfg, progress=False)
    msg = str(exc.value)
    assert "pass output=" not in msg
    assert "2 output nodes ['y' (size 1), 'z' (size 1)]" in msg
    assert "the graph must have exactly one output node, of size 1" in msg


# ---------------------------------------------------------------- D: what the path is


def test_a_directory_or_fifo_is_named_for_what_it_is(tmp_path):
    folder = tmp_path / "dir.graphml"
    folder.mkdir()
    with pytest.raises(ValueError, match="is not a readable GraphML file: it is a directory"):
        read_graphml(folder)
    fifo = tmp_path / "fifo.graphml"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"it is a named pipe \(FIFO\)"):
        read_graphml(fifo)  # refused without opening it (which would block)
    with pytest.raises(ValueError, match="not a readable GraphML file: no such file"):
        read_graphml(tmp_path / "missing.graphml")
    nx.write_graphml(mlp(3, d_in=2), tmp_path / "ok.graphml")
    assert read_graphml(tmp_path / "ok.graphml").number_of_nodes() == 4


@pytest.mark.parametrize("text", ["4_0,8", "\u0664,8", "4.0,8", "0x10,8", " ,8"])
def test_widths_are_ascii_digits_only(text):
    from specproof.dag_nets.runs import parse_widths

    with pytest.raises(ArgumentError, match="--widths must be positive integers"):
        parse_widths(text)
    assert parse_widths("+8, 16") == [8, 16]


def test_check_arch_names_a_folder_or_a_fifo(tmp_path):
    from specproof.dag_nets.architectures import check_arch

    (tmp_path / "d.graphml").mkdir()
    with pytest.raises(ArgumentError, match="is a directory"):
        check_arch(str(tmp_path / "d.graphml"))
    os.mkfifo(tmp_path / "f.graphml")
    with pytest.raises(ArgumentError, match="not a regular file"):
        check_arch(str(tmp_path / "f.graphml"))
    with pytest.raises(ArgumentError, match="no such GraphML file"):
        check_arch(str(tmp_path / "missing.graphml"))
