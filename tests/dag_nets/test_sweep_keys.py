"""Sweep cache keys hold what defines a point (graph contents, configuration, seed, code);
the ntk measurement keeps its kernels; checks run before any point; thread limits."""

import importlib.util
import json
import os
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ResourceLimitError
from specproof._core.threads import blas_threads, cores
from specproof.dag_nets import (
    MEASURES,
    NotSmoothError,
    build_graph,
    infinite_width_ntk,
    kernel_spread,
    measurement_config,
    open_executor,
    width_sweep,
)
from specproof.dag_nets.cache import PointCache, code_version, graph_digest

BUILDER = """
from specproof.dag_nets import densenet, mlp

def net(width):
    return {body}
"""


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def threads_probe(config, seed):
    """Reports the BLAS threads the point ran with."""
    return {"value": 1.0 + seed, "blas": blas_threads()}


def test_an_edited_builder_is_a_new_point_and_its_name_is_not_the_key(tmp_path):
    path = tmp_path / "my_nets.py"
    path.write_text(BUILDER.format(body="mlp(width, depth=2, d_in=3)"))
    spec = f"{path}:net"
    cfg = measurement_config("hessian", arch=spec)
    first = width_sweep(MEASURES["hessian"], [8, 16], 2, cfg, cache=tmp_path / "c",
                        progress=False)
    assert {p.extra["n_params"] for p in first.points} == {3 * 8 + 64 + 8, 3 * 16 + 256 + 16}
    path.write_text(BUILDER.format(body="densenet(width, depth=2, d_in=3)"))
    lines = []
    second = width_sweep(MEASURES["hessian"], [8, 16], 2, cfg, cache=tmp_path / "c",
                         progress=lines.append)
    assert not any("read from" in ln for ln in lines)
    assert not any(p.cached for p in second.points)
    # densenet: x->h1, x->h2, h1->h2, then h1 and h2 into y
    assert {p.extra["n_params"] for p in second.points} == {
        3 * 8 + 3 * 8 + 64 + 8 + 8, 3 * 16 + 3 * 16 + 256 + 16 + 16}
    assert len(PointCache(tmp_path / "c").keys()) == 8


def test_the_builder_function_itself_is_accepted_and_keyed_by_its_graph(tmp_path):
    path = tmp_path / "nets_fn.py"
    path.write_text(BUILDER.format(body="mlp(width, depth=2, d_in=3)"))
    module = load(path, "nets_fn")
    cfg = measurement_config("kernel-error", arch=module.net)
    assert cfg["arch"] == "nets_fn:net"
    keyed = MEASURES["kernel-error"].key_config({**cfg, "width": 8})
    assert keyed["arch"] == "graph-sha256:" + graph_digest(build_graph({**cfg, "width": 8}))


def test_code_version_changes_with_the_measurement_source(tmp_path):
    path = tmp_path / "my_measure.py"
    path.write_text("def m(config, seed):\n    return 1.0\n")
    v1 = code_version(load(path, "my_measure").m)
    path.write_text("def m(config, seed):\n    return 2.0\n")
    v2 = code_version(load(path, "my_measure").m)
    assert v1 != v2 and len(v1) == 64
    # and a point's record holds it
    sw = width_sweep(load(path, "my_measure").m, [4, 8], 2, cache=tmp_path / "c",
                     progress=False)
    rec = json.loads(next((tmp_path / "c").glob("*.json")).read_text())
    assert rec["code"] == v2 and sw.values.tolist() == [2.0] * 4


def test_ntk_measure_keeps_kernels_and_reports_both_distances(tmp_path):
    cfg = measurement_config("ntk", arch="densenet", n_inputs=4)
    sw = width_sweep(MEASURES["ntk"], [16, 64], 3, cfg, cache=tmp_path, progress=False)
    p = sw.points[0]
    assert p.arrays["K"].shape == (4, 4)
    # the value is the distance to the analytic limit of the same graph, recomputed here
    from specproof.dag_nets import compile
    from specproof.dag_nets.measures import sweep_inputs

    g = build_graph({**cfg, "width": 16})
    net = compile(g, activation="erf", seed=0)
    X = sweep_inputs(cfg, net.n_inputs)
    K = net.ntk(X)
    T = infinite_width_ntk(g, X, activation="erf")
    np.testing.assert_allclose(p.arrays["K"], K, rtol=1e-13)
    assert p.value == pytest.approx(np.linalg.norm(K - T) / np.linalg.norm(T), rel=1e-12)
    spread = kernel_spread(sw)
    for w in (16, 64):
        Ks = [q.arrays["K"] for q in sw.points if q.width == w]
        mean = np.mean(Ks, axis=0)
        want = [np.linalg.norm(k - mean) / np.linalg.norm(mean) for k in Ks]
        got = [q.extra["to_mean"] for q in spread.points if q.width == w]
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # the kernels come back from the cache, and a missing .npz is recomputed, not trusted
    again = width_sweep(MEASURES["ntk"], [16, 64], 3, cfg, cache=tmp_path, progress=False)
    assert all(q.cached for q in again.points)
    np.testing.assert_array_equal(again.points[0].arrays["K"], p.arrays["K"])
    npz = sorted(tmp_path.glob("*.npz"))
    assert len(npz) == 6
    os.unlink(npz[0])
    # a forged cache: another point's kernel copied over this one's (same array names)
    npz[2].write_bytes(npz[1].read_bytes())
    third = width_sweep(MEASURES["ntk"], [16, 64], 3, cfg, cache=tmp_path, progress=False)
    assert sum(not q.cached for q in third.points) == 2
    for q in third.points:  # and every kernel is its own point's again
        want = [r for r in sw.points if (r.width, r.seed) == (q.width, q.seed)][0]
        np.testing.assert_array_equal(q.arrays["K"], want.arrays["K"])


def test_checks_run_before_any_point_in_the_api(tmp_path):
    relu = measurement_config("hessian", activation="relu")
    with pytest.raises(NotSmoothError, match="differentiates twice"):
        width_sweep(MEASURES["hessian"], [8, 16], 2, relu, cache=tmp_path / "a",
                    progress=False)
    with pytest.raises(ResourceLimitError, match="width 10000000"):
        width_sweep(MEASURES["hessian"], [16, 10**7], 2, measurement_config("hessian"),
                    cache=tmp_path / "b", progress=False)
    nonlinear_out = measurement_config("kernel-error", output_activation="tanh")
    with pytest.raises(ValueError, match="non-linear activation"):
        width_sweep(MEASURES["kernel-error"], [8, 16], 2, nonlinear_out,
                    cache=tmp_path / "c", progress=False)
    assert not any((tmp_path / d).exists() for d in "abc")
    # tanh has a limit now (quadrature): the check passes, as for every activation
    for act in ("tanh", "softplus", "gelu", "sigmoid", "relu", "leaky_relu"):
        cfg = measurement_config("kernel-error", arch="resnet", activation=act)
        assert MEASURES["kernel-error"].check(cfg, [8, 16]) is None


def test_worker_threads_are_cores_over_jobs_or_as_given():
    pooled = width_sweep(threads_probe, [1, 2], 2, jobs=2, progress=False)
    assert {p.extra["blas"] for p in pooled.points} == {max(1, cores() // 2)}
    with open_executor(jobs=2, threads=1) as ex:
        given = width_sweep(threads_probe, [1, 2], 2, executor=ex, progress=False)
    assert {p.extra["blas"] for p in given.points} == {1}
    before = blas_threads()
    serial = width_sweep(threads_probe, [1, 2], 2, threads=1, progress=False)
    assert {p.extra["blas"] for p in serial.points} == {1}
    assert blas_threads() == before  # outside the points the process keeps its setting


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=3, max_size=6), k=st.integers(0, 5),
       new=st.integers(6, 9))
def test_graph_digest_sees_every_size_and_edge_and_nothing_else(sizes, k, new):
    def chain(sz):
        g = nx.DiGraph()
        for i, s in enumerate(sz):
            g.add_node(f"n{i}", size=s)
        g.add_edges_from((f"n{i}", f"n{i + 1}") for i in range(len(sz) - 1))
        return g

    a, b = chain(sizes), chain(list(sizes))
    assert graph_digest(a) == graph_digest(b)
    b.nodes[f"n{k % len(sizes)}"]["size"] = new
    assert graph_digest(a) != graph_digest(b)
    c = chain(sizes)
    c.add_edge("n0", f"n{len(sizes) - 1}")
    assert graph_digest(a) != graph_digest(c)


@settings(max_examples=60, deadline=None)
@given(ws=st.lists(st.integers(-5, 50), min_size=1, max_size=5))
def test_parse_widths_accepts_exactly_two_or_more_distinct_positive_widths(ws):
    from specproof._core import ArgumentError
    from specproof.dag_nets.runs import parse_widths

    text = ",".join(map(str, ws))
    ok = all(w >= 1 for w in ws) and len(set(ws)) == len(ws) >= 2
    if ok:
        assert parse_widths(text) == sorted(ws)
    else:
        with pytest.raises(ArgumentError, match="--widths"):
            parse_widths(text)


def test_bias_reaches_the_model_and_its_limit():
    from specproof.dag_nets import compile
    from specproof.dag_nets.measures import kernel_error, sweep_inputs

    cfg = {**measurement_config("kernel-error", arch="mlp", bias=1.0), "width": 256}
    r = kernel_error(cfg, 0)
    g = build_graph(cfg)
    net = compile(g, seed=0, bias=1.0)
    X = sweep_inputs(cfg, net.n_inputs)
    K = net.ntk(X)
    assert r["n_params"] == net.n_params == 10 * 256 + 256 * 256 + 256 + 2 * 256 + 1
    with_bias = np.linalg.norm(K - infinite_width_ntk(g, X, bias=1.0))
    without = np.linalg.norm(K - infinite_width_ntk(g, X))
    assert r["value"] == pytest.approx(with_bias / np.linalg.norm(
        infinite_width_ntk(g, X, bias=1.0)), rel=1e-12)
    assert with_bias < 0.2 * without  # the biased limit is the right one
