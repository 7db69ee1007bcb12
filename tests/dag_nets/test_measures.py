"""Sweep measurements: architectures by name, and each value against an independent one."""

import networkx as nx
import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.dag_nets import (
    build_graph,
    compile,
    layers,
    measurement_config,
    mlp,
    random_layered_dag,
    two_layer_hessian_norm,
    width,
)
from specproof.dag_nets.measures import hessian, kernel_error, linearization, ntk_change


# DenseNet: layer 2 sees the input (d_in = 10) and layer 1, so its width is m + 10
@pytest.mark.parametrize("arch, expected", [("mlp", 24), ("resnet", 24), ("densenet", 24 + 10),
                                            ("bottleneck", 8), ("random", 24)])
def test_paper_width_of_each_architecture(arch, expected):
    g = build_graph({**measurement_config("hessian", arch=arch), "width": 24})
    assert width(g) == expected


def test_random_layered_dag_min_in_degree_and_depth():
    g = random_layered_dag(20, depth=4, d_in=5, seed=3)
    gens = layers(g)
    assert len(gens) <= 4 + 2
    assert width(g) == 20
    out = [v for v in g if g.out_degree(v) == 0]
    assert len(out) == 1
    assert max(d for v, d in g.in_degree() if v != out[0]) <= 30  # (1 + spread) * width
    assert nx.utils.graphs_equal(g, random_layered_dag(20, depth=4, d_in=5, seed=3))


def test_hessian_measure_equals_the_exact_two_layer_formula():
    cfg = {**measurement_config("hessian", arch="mlp", depth=1, d_in=4, tol=1e-12), "width": 32}
    r = hessian(cfg, seed=5)
    net = compile(mlp(32, depth=1, d_in=4), activation="erf", seed=5)
    x = np.random.default_rng([0, 4]).standard_normal((6, 4))[0]  # the measure's data
    blocks = net.params_dict()
    exact = two_layer_hessian_norm(blocks["W[x->h1]"].T, blocks["W[h1->y]"][:, 0], x, "erf")
    assert r["value"] == pytest.approx(exact, rel=1e-9)
    assert r["residual"] < 1e-8 and r["paper_width"] is None  # one hidden layer: undefined


def test_kernel_error_shrinks_with_width_on_an_mlp_and_a_resnet():
    for arch in ("mlp", "resnet"):
        cfg = measurement_config("kernel-error", arch=arch)
        small = np.mean([kernel_error({**cfg, "width": 32}, s)["value"] for s in range(4)])
        large = np.mean([kernel_error({**cfg, "width": 512}, s)["value"] for s in range(4)])
        assert large < 0.5 * small, arch  # 1/sqrt(16) = 0.25 expected


def test_linearization_gap_is_half_r_squared_lambda_for_small_radius():
    cfg = {**measurement_config("linearization", arch="mlp", radius=1e-2), "width": 16}
    r = linearization(cfg, 0)
    assert r["gap_eigvec"] == pytest.approx(0.5 * 1e-4 * r["hessian_norm"], rel=2e-2)
    assert r["value"] >= r["gap_eigvec"]


def test_ntk_change_with_nonlinear_output_is_larger():
    base = {**measurement_config("ntk-change", arch="mlp", steps=30), "width": 64}
    lin = ntk_change(base, 0)["value"]
    nonlin = ntk_change({**base, "output_activation": "erf"}, 0)["value"]
    assert nonlin > 2 * lin


def test_graphml_architecture_takes_the_width(tmp_path):
    p = tmp_path / "net.graphml"
    g = mlp(4, depth=3, d_in=3)
    g.nodes["h2"]["fixed_size"] = True
    nx.write_graphml(g, p)
    built = build_graph({**measurement_config("hessian", arch=str(p)), "width": 16})
    assert [built.nodes[v]["size"] for v in ("x", "h1", "h2", "h3", "y")] == [3, 16, 4, 16, 1]


def test_unknown_option_is_refused():
    with pytest.raises(ArgumentError, match="unknown option 'stpes'"):
        measurement_config("ntk-change", stpes=10)
    with pytest.raises(ArgumentError, match="measure"):
        measurement_config("hessain")
