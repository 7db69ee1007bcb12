"""A kernel sweep says when a block of the swept family keeps its size.

The kernel measurements compare with the limit of the point's graph, every block grown; a
block the family keeps fixed keeps that distance from vanishing. The run used to print
a slope (bottleneck: -0.48 with an interval over zero) with nothing saying why.
"""

from __future__ import annotations

import json

import pytest

from specproof.cli import main
from specproof.dag_nets.preflight import fixed_hidden_nodes
from specproof.dag_nets.runs import fixed_blocks_note

GRAPH = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="size" attr.type="long" />
  <key id="d2" for="node" attr.name="fixed_size" attr.type="boolean" />
  <graph edgedefault="directed">
    <node id="x"><data key="d0">3</data></node>
    <node id="h1"><data key="d0">4</data><data key="d2">{h1}</data></node>
    <node id="h2"><data key="d0">4</data><data key="d2">{h2}</data></node>
    <node id="h3"><data key="d0">4</data></node>
    <node id="y"><data key="d0">1</data></node>
    <edge source="x" target="h1" /><edge source="h1" target="h2" />
    <edge source="h2" target="h3" /><edge source="h3" target="y" />
  </graph>
</graphml>
"""


def _graphml(tmp_path, h1, h2):
    path = tmp_path / "net.graphml"
    path.write_text(GRAPH.format(h1=h1, h2=h2))
    return str(path)


@pytest.mark.parametrize("arch, fixed", [("bottleneck", ["h1"]), ("mlp", []),
                                         ("resnet", []), ("densenet", []),
                                         ("random", [])])
def test_the_named_architectures(arch, fixed):
    config = {"arch": arch, "depth": {"resnet": 4, "mlp": 2}.get(arch, 3), "d_in": 10}
    assert fixed_hidden_nodes(config, [64, 16, 32]) == fixed


@pytest.mark.parametrize("h1, h2, fixed", [("true", "false", ["h1"]),
                                           ("true", "true", ["h1", "h2"]),
                                           ("false", "false", [])])
def test_graphml_fixed_size_nodes_are_named(tmp_path, h1, h2, fixed):
    assert fixed_hidden_nodes({"arch": _graphml(tmp_path, h1, h2)}, [8, 16]) == fixed


def test_one_width_has_nothing_to_compare():
    assert fixed_hidden_nodes({"arch": "bottleneck", "depth": 3, "d_in": 10}, [16, 16]) == []


def test_the_note_names_every_block():
    assert fixed_blocks_note("mlp", ["h1", "h2"]).startswith(
        "mlp: hidden blocks h1, h2 keep their size at every width")


def test_a_kernel_error_run_prints_the_note_and_records_it(tmp_path, capsys):
    path = _graphml(tmp_path, "true", "false")
    out = tmp_path / "run"
    assert main(["ntk", "--arch", f"{path},mlp", "--widths", "8,16", "--seeds", "2",
                 "--measure", "kernel-error", "--n-inputs", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    notes = [line for line in printed.splitlines() if "note:" in line]
    assert len(notes) == 1 and "hidden block h1 keeps its size" in notes[0]
    assert "does not vanish with the width" in notes[0]
    slopes = json.loads((out / "slopes.json").read_text())["slopes"]
    assert slopes[path]["fixed_blocks"] == ["h1"]
    assert "fixed_blocks" not in slopes["mlp"]


def test_a_hessian_run_has_no_such_note(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["ntk", "--arch", "bottleneck", "--widths", "8,16", "--seeds", "2",
                 "--n-inputs", "3", "--out", str(out)]) == 0
    assert "note:" not in capsys.readouterr().out
    assert "fixed_blocks" not in json.loads((out / "slopes.json").read_text())["slopes"][
        "bottleneck"]
