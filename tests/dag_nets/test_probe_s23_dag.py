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
