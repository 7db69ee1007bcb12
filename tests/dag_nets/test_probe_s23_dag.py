"""Session 23: a ResNet asked for by name with no room for a skip connection."""

from __future__ import annotations

import pytest

from specproof._core import ArgumentError
from specproof.cli import main
from specproof.dag_nets.architectures import build_graph


@pytest.mark.parametrize("depth", [1, 2])
def test_a_resnet_without_room_for_a_skip_is_refused(depth):
    # it was silently the MLP, and a sweep reported the MLP's slopes as the ResNet's
    with pytest.raises(ArgumentError, match=rf"depth={depth} leaves arch 'resnet' no skip"):
        build_graph({"arch": "resnet", "width": 8, "depth": depth})


def test_a_resnet_of_depth_3_has_its_skip():
    g = build_graph({"arch": "resnet", "width": 8, "depth": 3})
    assert sorted(g.predecessors("h3")) == ["h1", "h2"]


def test_the_cli_refuses_it_before_making_the_output_folder(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["ntk", "--arch", "resnet", "--depth", "2", "--widths", "8,16", "--seeds",
                 "2", "--out", str(out)]) == 2
    assert "needs depth >= 3" in capsys.readouterr().err
    assert not out.exists()


def _graphml(size_text, default=None):
    dflt = f"<default>{default}</default>" if default is not None else ""
    return ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            f'<key id="s" for="node" attr.name="size" attr.type="int">{dflt}</key>'
            '<graph edgedefault="directed"><node id="x"><data key="s">3</data></node>'
            f'<node id="h"><data key="s">{size_text}</data></node><node id="y"/>'
            '<edge source="x" target="h"/><edge source="h" target="y"/></graph></graphml>')


@pytest.mark.parametrize("text", ["1_6", "\u0661\u0666", "16.0", "0x10", "1 6"])
def test_an_int_attribute_that_is_no_xml_integer_is_refused(tmp_path, text):
    # networkx reads int keys with Python's int(): "1_6" and Arabic-Indic digits gave 16
    from specproof.dag_nets import read_graphml
    from specproof.dag_nets.errors import GraphError

    p = tmp_path / "n.graphml"
    p.write_text(_graphml(text), encoding="utf-8")
    with pytest.raises(GraphError, match=r"node 'h''s 'size' is .*not an integer") as exc:
        read_graphml(p)
    assert exc.value.nodes == ("h",)


def test_integer_texts_that_xml_allows_are_read(tmp_path):
    from specproof.dag_nets import read_graphml

    for text, size in [("16", 16), ("+16", 16), ("  7\n", 7), ("007", 7)]:
        p = tmp_path / "n.graphml"
        p.write_text(_graphml(text), encoding="utf-8")
        assert read_graphml(p).nodes["h"]["size"] == size


def test_a_key_default_that_is_no_integer_is_refused(tmp_path):
    from specproof.dag_nets import read_graphml
    from specproof.dag_nets.errors import GraphError

    p = tmp_path / "n.graphml"
    p.write_text(_graphml("4", default="2_0"), encoding="utf-8")
    with pytest.raises(GraphError, match=r"the default of <key id='s'> is '2_0'"):
        read_graphml(p)
