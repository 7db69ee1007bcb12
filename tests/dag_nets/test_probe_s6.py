"""Findings of the sixth probe of dag_nets (Hessian ncv, GELU overflow, oversized networks,
block names with "->", the sweep cache and helper modules, ``dual``), each kept as a test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.linalg

from specproof import dag_nets as dn
from specproof._core import ArgumentError, ResourceLimitError
from specproof.dag_nets import hessian as hessian_module
from specproof.dag_nets.activations import ACTIVATIONS
from specproof.dag_nets.cache import code_version, user_modules
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.params import check_network_memory

# --- 1. hessian_norm(ncv=...) -------------------------------------------------------


@pytest.fixture(scope="module")
def deep_net():
    net = dn.compile(dn.mlp(128, depth=3, d_in=5), seed=0)
    x = np.random.default_rng(0).standard_normal((4, 5))[0]
    return net, x


@pytest.mark.parametrize("ncv", [1, 2])
def test_hessian_norm_refuses_too_few_lanczos_vectors(deep_net, ncv):
    # ncv=2 returned 0.1517 for 0.1713 with ok=True for 7 of 25 seeds; ncv=1 was scipy's
    # raw ValueError
    net, x = deep_net
    with pytest.raises(ArgumentError, match="ncv must be at least 3"):
        net.hessian_norm(x, ncv=ncv)


def test_hessian_norm_with_the_smallest_ncv_accepted_is_right(deep_net):
    net, x = deep_net
    ref = net.hessian_norm(x, method="full").value
    for seed in range(8):
        r = net.hessian_norm(x, ncv=3, seed=seed)
        assert r.ok and r.value == pytest.approx(ref, rel=1e-8)
    # more vectors than the dimension are capped, not scipy's ValueError
    assert net.hessian_norm(x, ncv=10**9).value == pytest.approx(ref, rel=1e-8)


def test_a_converged_eigenvalue_below_the_start_vector_bound_is_not_ok(monkeypatch):
    # ARPACK's "converged" only certifies an eigenpair: one of small |lambda| with a tiny
    # residual must not be reported as the norm
    net = dn.compile(dn.mlp(6, depth=2, d_in=2), activation="tanh", seed=0)

    def smallest(A, k, **kw):
        lam, U = np.linalg.eigh(A @ np.eye(A.shape[0]))
        i = int(np.argmin(np.abs(lam)))
        return lam[i:i + 1], U[:, i:i + 1]

    monkeypatch.setattr(hessian_module, "eigsh", smallest)
    r = net.hessian_norm(np.ones(2), method="full")
    assert not r.ok and r.code == "not_largest" and "not the largest" in r.reason
    monkeypatch.setattr(hessian_module, "eigsh", scipy.sparse.linalg.eigsh)
    assert net.hessian_norm(np.ones(2), method="full").ok


# --- 2. activation derivatives at huge pre-activations -------------------------------

_BIG = [1e154, 1.3e154, 1e155, 1e300, np.finfo(np.float64).max]


def _limit(name: str, part: str, z: np.ndarray) -> np.ndarray:
    """The exact value (or limit) of each built-in's f, d1, d2 at |z| >= 1e154."""
    pos = z > 0
    if part == "d2":
        return np.zeros_like(z)
    if name == "identity":
        return z if part == "f" else np.ones_like(z)
    if name in ("erf", "tanh"):
        return np.sign(z) if part == "f" else np.zeros_like(z)
    if name == "sigmoid":
        return pos.astype(float) if part == "f" else np.zeros_like(z)
    if name in ("softplus", "gelu", "relu"):
        return np.where(pos, z, 0.0) if part == "f" else pos.astype(float)
    assert name == "leaky_relu"
    return np.where(pos, z, 0.2 * z) if part == "f" else np.where(pos, 1.0, 0.2)


@pytest.mark.parametrize("part", ["f", "d1", "d2"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_are_finite_and_exact_at_huge_arguments(name, part):
    # GELU's second derivative was exp(-z^2/2) (2 - z^2) = 0 * -inf = NaN above 1.3e154,
    # erf's at 1e308 (-2 z overflowed)
    z = np.array([s * v for v in _BIG for s in (1.0, -1.0)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = np.asarray(getattr(ACTIVATIONS[name], part)(z.copy()), dtype=np.float64)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out, _limit(name, part, z))


def test_gelu_hessian_at_huge_inputs_is_finite_and_right():
    net = dn.compile(dn.mlp(4, depth=2, d_in=2), activation="gelu", seed=0)
    x = np.array([1e155, -1e155])
    H = np.array([net.hvp(x, e) for e in np.eye(net.n_params)])
    assert np.all(np.isfinite(H))
    r = net.hessian_norm(x)
    assert r.ok
    assert r.value == pytest.approx(np.abs(np.linalg.eigvalsh(H)).max(), rel=1e-9)


# --- 3. oversized networks -----------------------------------------------------------


def test_compile_refuses_a_network_too_large_for_memory():
    # mlp(10^6): 1e12 weights, 7 TiB; was numpy's raw "Unable to allocate"
    with pytest.raises(ResourceLimitError, match="parameters") as info:
        dn.compile(dn.mlp(10**6, depth=2), seed=0)
    assert "the limit is" in str(info.value)


@pytest.mark.parametrize("size", [10**11, 10**10, 10**30])
def test_compile_refuses_huge_graphml_sizes_before_any_allocation(size):
    # sizes whose products pass 2^63 must not wrap around in intp arrays either
    g = nx.DiGraph()
    g.add_node("x", size=size)
    g.add_node("h", size=size)
    g.add_node("y")
    g.add_edges_from([("x", "h"), ("h", "y")])
    with pytest.raises(ResourceLimitError, match="parameters"):
        dn.compile(g, seed=0)


def test_network_memory_estimate_counts_the_standard_scales():
    check_network_memory(1000, 10, 2, 8, True, limit=24_000 + 64 * 2 + 32 * 10)
    with pytest.raises(ResourceLimitError):
        check_network_memory(1000, 10, 2, 8, True, limit=24_000)


# --- 4. block names with "->" --------------------------------------------------------


def test_node_names_with_arrows_give_distinct_block_names():
    # ("a->b", "c") and ("a", "b->c") were both W[a->b->c]; params_dict dropped a block
    g = nx.DiGraph([("a->b", "c"), ("c", "d"), ("a", "b->c"), ("b->c", "d")])
    net = dn.compile(g, seed=0)
    blocks = net.params_dict()
    assert len(blocks) == g.number_of_edges() == len(net.block_shapes)
    w = net.params.copy()
    net.set_params({k: v * 2 for k, v in blocks.items()})
    np.testing.assert_array_equal(net.params, 2 * w)
    # each name resolves to its own edge
    for (u, v) in g.edges:
        assert net._resolve_block(net.block_name(u, v)).u == u


def test_plain_names_keep_their_str_form():
    net = dn.compile(dn.mlp(3, depth=1, d_in=2), seed=0)
    assert list(net.params_dict()) == ["W[x->h1]", "W[h1->y]"]


def test_nodes_that_cannot_be_named_apart_are_refused():
    class Same:
        def __repr__(self) -> str:
            return "N"

    g = nx.DiGraph([(Same(), "c"), ("c", Same())])
    net = dn.compile(g, seed=0)
    with pytest.raises(GraphError, match="same str and the same repr"):
        net.params_dict()


# --- 5. the sweep cache and helper modules -------------------------------------------


def _project(root: Path, factor: str) -> None:
    (root / "pkg").mkdir(exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "consts.py").write_text(f"FACTOR = {factor}\n")
    (root / "pkg" / "helper.py").write_text(
        "from .consts import FACTOR\n\ndef compute(w, s):\n    return FACTOR * w + s\n")
    (root / "lazy_helper.py").write_text("OFFSET = 0.0\n")
    (root / "unrelated.py").write_text("X = 1\n")
    (root / "measure_s6.py").write_text(textwrap.dedent("""
        from pkg.helper import compute

        def my_measure(config, seed):
            import lazy_helper  # imported only when it runs
            return {"value": compute(config["width"], seed) + lazy_helper.OFFSET}
    """))


def test_code_version_covers_helper_modules_transitively(tmp_path, monkeypatch):
    # editing a helper module the measurement imports served the old points
    _project(tmp_path, "1.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    import measure_s6

    try:
        names = {p.name for p in user_modules(measure_s6.my_measure)}
        assert {"measure_s6.py", "helper.py", "consts.py", "lazy_helper.py"} <= names
        assert "unrelated.py" not in names
        assert not any("site-packages" in str(p) for p in user_modules(measure_s6.my_measure))
        v1 = code_version(measure_s6.my_measure)
        (tmp_path / "unrelated.py").write_text("X = 2\n")
        assert code_version(measure_s6.my_measure) == v1
        (tmp_path / "pkg" / "consts.py").write_text("FACTOR = 100.0\n")
        v2 = code_version(measure_s6.my_measure)
        assert v2 != v1
        (tmp_path / "lazy_helper.py").write_text("OFFSET = 0.5\n")
        assert code_version(measure_s6.my_measure) not in (v1, v2)
        (tmp_path / "pkg" / "consts.py").write_text("FACTOR = 1.0\n")
        (tmp_path / "lazy_helper.py").write_text("OFFSET = 0.0\n")
        assert code_version(measure_s6.my_measure) == v1  # reverting reads the old back
    finally:
        for mod in ("measure_s6", "pkg", "pkg.helper", "pkg.consts", "lazy_helper"):
            sys.modules.pop(mod, None)


def test_sweep_recomputes_after_a_helper_edit_across_processes(tmp_path):
    _project(tmp_path, "1.0")
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        from specproof.dag_nets import width_sweep
        import measure_s6
        s = width_sweep(measure_s6.my_measure, [2, 4], seeds=2, config={{}},
                        cache={str(tmp_path / "cache")!r}, progress=False)
        print([p.value for p in s.points])
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def run() -> str:
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, timeout=120, check=True)
        return out.stdout.strip()

    assert run() == "[2.0, 3.0, 4.0, 5.0]"
    (tmp_path / "pkg" / "consts.py").write_text("FACTOR = 100.0\n")
    assert run() == "[200.0, 201.0, 400.0, 401.0]"


# --- 6. dual validates its arguments -------------------------------------------------

ONE = np.ones(1)


@pytest.mark.parametrize("activation", ["erf", "relu", "tanh", "identity"])
@pytest.mark.parametrize(("c", "a", "b", "match"), [
    (np.array([[2.0]]), ONE, ONE, "not a covariance"),            # correlation 2
    (np.array([[0.5]]), -ONE, ONE, "a is a variance"),            # negative variance
    (np.array([[0.5]]), ONE, -ONE, "b is a variance"),
    (np.array([[0.5]]), np.ones(2), ONE, "a must hold"),          # mismatched shapes
    (np.array([[0.5]]), ONE, np.ones(3), "b must hold"),
    (0.5, 1.0, 1.0, "c must be a kernel"),                         # scalars
    (np.array([[np.nan]]), ONE, ONE, "non-finite"),
    (np.array([[0.5]]), np.array([np.inf]), ONE, "non-finite"),
    (np.array([["x"]]), ONE, ONE, "real numeric"),
])
def test_dual_refuses_impossible_or_mismatched_arguments(activation, c, a, b, match):
    with pytest.raises(ArgumentError, match=match):
        dn.dual(activation, c, a, b)


def test_dual_accepts_rounding_above_cauchy_schwarz_and_stacks():
    r = dn.dual("relu", np.array([[1.0 + 1e-12]]), ONE, ONE)
    assert r.e[0, 0] == pytest.approx(0.5)
    c = np.full((3, 2, 2), 0.5)
    assert dn.dual("erf", c, np.ones((3, 2)), np.ones((3, 2))).e.shape == (3, 2, 2)
    assert dn.dual("erf", c, np.ones(2), np.ones(2)).e.shape == (3, 2, 2)
    rows, cols = np.array([0, 1]), np.array([1, 1])
    r = dn.dual("relu", np.array([0.5, 1.0]), np.ones(2), np.ones(2), pairs=(rows, cols))
    assert r.e[1] == pytest.approx(0.5)
    with pytest.raises(ArgumentError, match="pairs"):
        dn.dual("relu", np.array([0.5, 1.0]), np.ones(2), np.ones(2),
                pairs=(np.array([0, 2]), cols))


def test_an_unreachable_scheduler_leaves_no_empty_out_folder(tmp_path, monkeypatch):
    # `specproof ntk --scheduler tcp://127.0.0.1:1 --out DIR` left DIR/cache behind, empty
    import importlib

    from specproof._core import ArgumentError as _ArgumentError

    runs = importlib.import_module("specproof.dag_nets.runs")

    def unreachable(**kwargs):
        raise _ArgumentError("cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'")

    monkeypatch.setattr(runs, "open_executor", unreachable)
    out = tmp_path / "sweep"
    with pytest.raises(_ArgumentError, match="cannot reach"):
        runs.ntk_sweep_to_folder(["mlp"], [8, 16], 2, out, scheduler="tcp://127.0.0.1:1")
    assert not out.exists()
    kept = tmp_path / "kept"
    (kept / "cache").mkdir(parents=True)
    (kept / "cache" / "point.json").write_text("{}")
    with pytest.raises(_ArgumentError):
        runs.ntk_sweep_to_folder(["mlp"], [8, 16], 2, kept, scheduler="tcp://127.0.0.1:1")
    assert (kept / "cache" / "point.json").exists()  # nothing of an earlier run removed
