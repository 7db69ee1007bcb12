"""What a builder or GraphML file computes, not what it is called, keys the sweep cache:
an edited custom activation and a file edited during a sweep never give stale points."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from specproof.dag_nets import MEASURES, build_graph, measurement_config, mlp, width_sweep
from specproof.dag_nets.activations import Activation
from specproof.dag_nets.cache import PointCache, activation_fingerprint, graph_digest

SCALED = """
import numpy as np
from specproof.dag_nets import mlp
from specproof.dag_nets.activations import Activation

S = {scale}
act = Activation("scaled_tanh", lambda z: S * np.tanh(z), lambda z: S * (1 - np.tanh(z) ** 2),
                 lambda z: S * (-2 * np.tanh(z) * (1 - np.tanh(z) ** 2)))


def net(width):
    g = mlp(width, depth=2, d_in=3)
    for h in ("h1", "h2"):
        g.nodes[h]["activation"] = act
    return g
"""


def scaled(s):
    return Activation("scaled", lambda z: s * np.tanh(z), lambda z: s * (1 - np.tanh(z) ** 2),
                      lambda z: -2 * s * np.tanh(z) * (1 - np.tanh(z) ** 2))


def test_an_edited_global_of_a_builders_activation_is_a_new_point(tmp_path):
    path = tmp_path / "scaled_net.py"
    path.write_text(SCALED.format(scale="1.0"))
    cfg = measurement_config("hessian", arch=f"{path}:net")
    first = width_sweep(MEASURES["hessian"], [8, 16], 1, cfg, cache=tmp_path / "c",
                        progress=False)
    path.write_text(SCALED.format(scale="3.0"))  # the code is the same, S is not
    lines = []
    second = width_sweep(MEASURES["hessian"], [8, 16], 1, cfg, cache=tmp_path / "c",
                         progress=lines.append)
    assert not any("read from" in ln for ln in lines)
    assert not any(p.cached for p in second.points)
    # f is 3x larger everywhere: each Hessian norm is far from the S = 1 one
    for a, b in zip(first.points, second.points):
        assert b.value > 2 * a.value
    fresh = width_sweep(MEASURES["hessian"], [8, 16], 1, cfg, progress=False)
    np.testing.assert_allclose(second.values, fresh.values, rtol=1e-10)
    assert len(PointCache(tmp_path / "c").keys()) == 4


def test_activation_fingerprint_sees_closures_derivatives_and_failures():
    assert activation_fingerprint(scaled(1.0)) == activation_fingerprint(scaled(1.0))
    assert activation_fingerprint(scaled(1.0)) != activation_fingerprint(scaled(1.0 + 1e-15))
    base = scaled(2.0)
    other_d2 = Activation("scaled", base.f, base.d1, lambda z: 0.0 * z)
    assert activation_fingerprint(base) != activation_fingerprint(other_d2)
    renamed = Activation("scaled2", base.f, base.d1, base.d2)
    assert activation_fingerprint(base) != activation_fingerprint(renamed)
    # a function that differs only far out (a clipped tanh) is seen by the large points
    clipped = Activation("scaled", lambda z: 2.0 * np.tanh(np.clip(z, -8, 8)), base.d1,
                         base.d2)
    assert activation_fingerprint(base) != activation_fingerprint(clipped)

    def boom(z):
        raise RuntimeError("no")

    raising = Activation("scaled", boom, base.d1, base.d2)
    nan = Activation("scaled", lambda z: z * np.nan, base.d1, base.d2)
    fps = {activation_fingerprint(a) for a in (base, raising, nan)}
    assert len(fps) == 3 and all(len(fp) == 64 for fp in fps)
    assert activation_fingerprint(raising) == activation_fingerprint(
        Activation("scaled", boom, base.d1, base.d2))


def test_graph_digest_keys_a_custom_activation_by_what_it_computes():
    def graph(act):
        g = build_graph({"arch": "mlp", "width": 4, "depth": 2, "d_in": 3})
        g.nodes["h1"]["activation"] = act
        return g

    assert graph_digest(graph(scaled(1.0))) == graph_digest(graph(scaled(1.0)))
    assert graph_digest(graph(scaled(1.0))) != graph_digest(graph(scaled(3.0)))
    # a built-in by name and the same built-in as an object: both keyed, both stable
    assert graph_digest(graph("tanh")) == graph_digest(graph("tanh"))


def write_net(path, hidden_activation=None):
    g = mlp(4, depth=2, d_in=3)
    if hidden_activation:
        g.nodes["h1"]["activation"] = hidden_activation
    nx.write_graphml(g, path)


def test_a_graphml_file_edited_during_a_sweep_changes_none_of_its_points(tmp_path):
    net = tmp_path / "net.graphml"
    write_net(net)
    cfg = measurement_config("kernel-error", arch=str(net))

    def edit_after_the_first_point(line):
        if "[1/" in line:
            write_net(net, "tanh")  # another graph under the same path, mid-sweep

    racing = width_sweep(MEASURES["kernel-error"], [8, 16], 2, cfg, cache=tmp_path / "c",
                         progress=edit_after_the_first_point)
    write_net(tmp_path / "orig.graphml")
    fresh = width_sweep(MEASURES["kernel-error"], [8, 16], 2,
                        measurement_config("kernel-error", arch=str(tmp_path / "orig.graphml")),
                        progress=False)
    # every point of the racing sweep is the graph the sweep started with
    np.testing.assert_allclose(racing.values, fresh.values, rtol=1e-12)
    # and back at the original file, the cache holds the original graph's values
    write_net(net)
    again = width_sweep(MEASURES["kernel-error"], [8, 16], 2, cfg, cache=tmp_path / "c",
                        progress=False)
    assert all(p.cached for p in again.points)
    np.testing.assert_allclose(again.values, fresh.values, rtol=1e-12)
    # the records and the sweep's configuration name the file, not its contents
    record = json.loads(next((tmp_path / "c").glob("*.json")).read_text())
    assert record["config"]["arch"] == str(net) and set(record["config"]) == {*cfg, "width"}
    assert racing.config == cfg


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
