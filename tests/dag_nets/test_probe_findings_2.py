"""Findings of the second review of the DAG kernels and GraphML input, each kept as a test."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof._core import ComputationError
from specproof.dag_nets import MEASURES, measurement_config, width_sweep
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.kernels import dual
from specproof.dag_nets.measures import build_graph, sweep_inputs


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu", "softplus"])
@pytest.mark.parametrize("variance", [1e4, 1e6])
def test_quadrature_refuses_variances_it_cannot_resolve(activation, variance):
    # 32 and 64 nodes both missed tanh's transition at variance 1e4 and agreed on
    # E[tanh'^2] = 0 (true 5.3e-3), with an "error" of 2e-16
    with pytest.raises(ComputationError, match="cannot resolve variance|did not reach"):
        dual(activation, np.array([[variance]]), np.array([variance]), np.array([variance]))


def test_quadrature_at_a_moderate_variance_is_right():
    # E[tanh'(u)^2] at variance 4 by a dense integral of the same expectation
    u = np.linspace(-40.0, 40.0, 400001)
    density = np.exp(-u**2 / 8.0) / np.sqrt(8.0 * np.pi)
    ref = float(np.sum((1.0 - np.tanh(u)**2)**2 * density) * (u[1] - u[0]))
    r = dual("tanh", np.array([[4.0]]), np.array([4.0]), np.array([4.0]))
    assert abs(float(r.ed[0, 0]) - ref) <= 1e-10 and r.nodes >= np.pi**2 * 4


def test_kernel_sweeps_of_a_file_key_the_limit_by_bias(tmp_path):
    # the limit memo left the bias out for GraphML architectures: a bias=0.5 sweep after
    # a bias=0 one was measured against the bias-0 limit (1.32 for 0.063)
    path = str(tmp_path / "net.graphml")
    g = nx.DiGraph([("x", "h1"), ("h1", "h2"), ("h2", "y")])
    nx.set_node_attributes(g, {"x": 3, "h1": 8, "h2": 8, "y": 1}, "size")
    nx.write_graphml(g, path)

    def sweep(bias):
        cfg = measurement_config("kernel-error", arch=path, bias=bias)
        s = width_sweep(MEASURES["kernel-error"], [64, 128], seeds=1, config=cfg,
                        progress=False)
        return next(p.value for p in s.points if p.width == 64)

    sweep(0.0)
    cfg = {**measurement_config("kernel-error", arch=path, bias=0.5), "width": 64}
    graph = build_graph(cfg)
    net = dn.compile(graph, seed=0, bias=0.5)
    X = sweep_inputs(cfg, net.n_inputs)
    K, T = net.ntk(X), dn.infinite_width_ntk(graph, X, bias=0.5)
    assert sweep(0.5) == pytest.approx(np.linalg.norm(K - T) / np.linalg.norm(T), rel=1e-12)


def test_graphml_with_a_parallel_edge_is_refused(tmp_path):
    # read as a MultiDiGraph and collapsed to one edge without a word
    g = nx.MultiDiGraph([("x", "a"), ("x", "a"), ("a", "y")])
    nx.set_node_attributes(g, {"x": 2, "a": 3, "y": 1}, "size")
    path = tmp_path / "dup.graphml"
    nx.write_graphml(g, path)
    with pytest.raises(GraphError, match="has the edge 'x' -> 'a' more than once"):
        dn.read_graphml(path)
