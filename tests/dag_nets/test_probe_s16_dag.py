"""Findings of the sixteenth adversarial review of dag_nets, one test (at least) each."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof._core import ArgumentError, ArgumentTypeError, ComputationError
from specproof.dag_nets import MEASURES, measurement_config, width_sweep
from specproof.dag_nets.errors import DtypeError, WeightsError
from specproof.dag_nets.live_code import StaleCodeError


def _net(dtype=np.float64, **kw):
    return dn.compile(dn.mlp(8, depth=2, d_in=3), seed=0, dtype=dtype, **kw)


# 1. jvp: a large tangent times a saturated derivative was inf * 0 = nan, silently
@pytest.mark.parametrize("x, t", [(1e300, 1e10), (1e5, 1e305), (1.0, 1e300)])
def test_jvp_of_a_large_tangent_is_exact_and_finite(x, t):
    n = _net()
    X, tan = np.ones((2, 3)) * x, np.full(n.n_params, t)
    truth = n.jacobian(X) @ tan
    got = n.jvp(X, tan).ravel()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)


def test_jvp_float32_near_the_top_of_the_range_is_exact_or_refused():
    n = _net(np.float32)
    X = np.ones((2, 3), np.float32)
    t = np.full(n.n_params, 3e36, np.float32)
    truth = n.jacobian(X).astype(np.float64) @ t.astype(np.float64)
    np.testing.assert_allclose(n.jvp(X, t).ravel(), truth, rtol=1e-5)
    with pytest.raises(ComputationError, match="Jacobian-vector product overflowed"):
        n.jvp(X, np.full(n.n_params, 3e38, np.float32))  # the true product is > 3.4e38


# 2. hvp refused a finite product ("overflowed: entry nan")
def test_hvp_of_a_large_direction_is_the_scaled_product():
    n = _net()
    x = np.ones(3) * 1e300
    v = np.full(n.n_params, 1e10)
    got = n.hvp(x, v)
    expected = n.hvp(x, v / 1e10) * 1e10
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)
    # the operator's products are scaled the same way
    np.testing.assert_allclose(n.hessian_operator(x).matvec(v), expected, rtol=1e-10)


# 3. a module-level value computed at import, edited after import, poisoned the cache
_MEASURE_SRC = textwrap.dedent("""\
    import math
    FACTOR = math.sqrt({arg})
    def measure(config, seed):
        return {{"value": FACTOR * config["width"] ** -0.5 * (1 + 0.01 * seed)}}
    """)


def _write(path, arg):
    path.write_text(_MEASURE_SRC.format(arg=arg))


def _fresh_values(folder, modname, cache):
    code = (f"import sys; sys.path.insert(0, {str(folder)!r}); import json\n"
            "from specproof.dag_nets import width_sweep\n"
            f"import {modname} as m\n"
            f"s = width_sweep(m.measure, [4, 16], seeds=2, cache={str(cache)!r}, "
            "progress=False)\n"
            "print(json.dumps([list(map(float, s.column('value'))), "
            "[p.cached for p in s.points]]))\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _expected(factor):
    return [factor * w ** -0.5 * (1 + 0.01 * s) for w in (4, 16) for s in (0, 1)]


@pytest.mark.parametrize("sweep_first", [True, False])
def test_a_value_computed_at_import_edited_after_import_is_refused(tmp_path, monkeypatch,
                                                                    sweep_first):
    modname = f"s16_meas_{int(sweep_first)}"
    path = tmp_path / f"{modname}.py"
    _write(path, "1.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    mod = importlib.import_module(modname)
    try:
        cache = tmp_path / "cache"
        if sweep_first:
            s = width_sweep(mod.measure, [4, 16], seeds=2, cache=cache, progress=False)
            np.testing.assert_allclose(s.column("value"), _expected(1.0), rtol=1e-12)
        _write(path, "4.0")  # same size: an edit within the same second looks unchanged
        with pytest.raises(StaleCodeError, match="imported from"):
            width_sweep(mod.measure, [4, 16], seeds=2, cache=cache, progress=False)
        # a fresh process computes the new code's values, none read from the cache
        values, cached = _fresh_values(tmp_path, modname, cache)
        np.testing.assert_allclose(values, _expected(2.0), rtol=1e-12)
        assert not any(cached)
        # reloading makes the module the file's again: accepted, and the values are right
        importlib.reload(mod)
        s = width_sweep(mod.measure, [4, 16], seeds=2, cache=cache, progress=False)
        np.testing.assert_allclose(s.column("value"), _expected(2.0), rtol=1e-12)
    finally:
        sys.modules.pop(modname, None)


def test_a_module_imported_before_dag_nets_and_edited_is_refused(tmp_path):
    # the repro's order: the measurement module first, then specproof.dag_nets
    _write(tmp_path / "s16_early.py", "1.0")
    code = textwrap.dedent(f"""\
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        import s16_early
        from specproof.dag_nets import width_sweep
        from specproof.dag_nets.live_code import StaleCodeError
        src = open({str(tmp_path / 's16_early.py')!r}).read()
        open({str(tmp_path / 's16_early.py')!r}, "w").write(src.replace("1.0", "4.0"))
        try:
            width_sweep(s16_early.measure, [4, 16], seeds=2, cache={str(tmp_path / 'c')!r},
                        progress=False)
        except StaleCodeError:
            print("refused")
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, check=True)
    assert out.stdout.strip() == "refused"


# 4. float32: a finite float64 beyond float32's range became inf without an error
def test_float32_cast_overflow_is_refused_naming_argument_and_range():
    n = _net(np.float32)
    with pytest.raises(WeightsError, match=r"params\[0\] = 1e\+39 .*range of float32"):
        n.set_params([1e39] * n.n_params)
    with pytest.raises(ArgumentError, match=r"X\[0, 0\] = 1e\+39 .*3.4028235e\+38"):
        n.forward([[1e39, 0, 0]])
    blocks = {k: np.full(v, 1e39).tolist() for k, v in n.block_shapes.items()}
    with pytest.raises(WeightsError, match=r"block W\[x->h1\]\[0, 0\] = 1e\+39"):
        n.set_params(blocks)
    assert np.all(np.isfinite(n.params))


# 5. width_sweep ran with keys the measure does not use (a misspelt one too)
def test_width_sweep_refuses_config_keys_the_measure_does_not_use():
    base = measurement_config("hessian")
    with pytest.raises(ArgumentError, match="'activaton'.*did you mean 'activation'"):
        width_sweep(MEASURES["hessian"], [8, 16], seeds=2,
                    config={**base, "activaton": "relu"}, progress=False)
    with pytest.raises(ArgumentError, match="'kernel' that measure 'hessian' does not use"):
        width_sweep(MEASURES["hessian"], [8, 16], seeds=2,
                    config={**base, "kernel": "nngp"}, progress=False)


# 6. max_memory: NaN bypassed the limit, a string was a raw TypeError, -1 accepted
@pytest.mark.parametrize("bad, error", [(float("nan"), ArgumentError),
                                        ("abc", ArgumentTypeError), (-1, ArgumentError),
                                        (float("inf"), ArgumentError)])
def test_max_memory_is_validated(bad, error):
    n = _net()
    X = np.ones((4, 3))
    for f in (n.jacobian, n.ntk):
        with pytest.raises(error, match="max_memory"):
            f(X, max_memory=bad)
    J = n.jacobian(X, max_memory=None)  # None: no limit
    np.testing.assert_allclose(n.ntk(X, max_memory=None), J @ J.T, rtol=1e-12)


# 7. a diverging run said "weights or inputs too large", not the documented message
def test_diverging_training_names_the_step_and_lr():
    net = _net()
    X = np.random.default_rng(0).standard_normal((5, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning leaks either
        with pytest.raises(ComputationError,
                           match=r"training diverged at step \d+ .*lr = 1000.0 against "
                                 r"2 / lambda_max\(K_0\)"):
            dn.train(net, X, np.ones(5), steps=50, lr=1000.0)


# 8. the float16 message advised a dtype compile refuses
def test_float16_message_names_the_dtypes_compile_accepts():
    with pytest.raises(DtypeError, match="compile accepts dtype float64 or float32") as e:
        _net().ntk(np.ones((2, 3), np.float16))
    assert "dtype=np.float16" not in str(e.value)


# 9. resnet with a skip longer than the depth was silently an MLP
def test_resnet_refuses_a_skip_that_leaves_no_skip_edge():
    with pytest.raises(ArgumentError, match="skip=10"):
        dn.resnet(4, depth=3, skip=10)
    with pytest.raises(ArgumentError, match="skip=3"):
        dn.resnet(4, depth=3, skip=3)
    assert ("h1", "h3") in dn.resnet(4, depth=3, skip=2).edges


# 10. a (node, neuron) pair with an unknown node was called "not a pair"
def test_output_pair_with_unknown_or_hidden_node_says_so():
    net = _net()
    X = np.ones((2, 3))
    with pytest.raises(ArgumentError, match=r"'nope' is not a node of the network; its "
                                            r"nodes are \['x', 'h1', 'h2', 'y'\]"):
        net.ntk(X, output=("nope", 0))
    with pytest.raises(ArgumentError, match="did you mean 'h1'"):
        net.ntk(X, output=("hh1", 0))
    with pytest.raises(ArgumentError, match="not a node"):
        net.ntk(X, output=(["h1"], 0))  # unhashable: no raw TypeError
    with pytest.raises(ArgumentError, match="node 'h1' is not allowed here .*output nodes "
                                            r"only: \['y'\]"):
        dn.infinite_width_kernels(dn.mlp(4, depth=2, d_in=3), X, output=("h1", 0))


# 11. the random architecture's DAG depends on data_seed (the docs said: width only)
def test_random_arch_structure_follows_width_and_data_seed_not_seed():
    from specproof.dag_nets.measures import build_graph
    cfg = {"arch": "random", "width": 4, "depth": 2, "d_in": 3}
    a = build_graph({**cfg, "data_seed": 0})
    b = build_graph({**cfg, "data_seed": 0})
    c = build_graph({**cfg, "data_seed": 1})
    assert sorted(a.edges) == sorted(b.edges)
    assert sorted(a.edges) != sorted(c.edges)
    doc = (__import__("pathlib").Path(__file__).parents[2] / "docs" / "dag_nets.md").read_text()
    assert "depends on the width only" not in doc
    assert "the structure is drawn from the width and `data_seed`" in doc


# 12. minor ones
def test_slope_with_one_seed_names_seeds():
    s = width_sweep(dn.sweep.demo_power_law, [8, 16], seeds=1, progress=False)
    with pytest.raises(ArgumentError, match="seeds >= 2"):
        s.slope()


def test_leaky_relu_slope_one_is_refused_as_documented():
    with pytest.raises(ArgumentError, match=r"slope must be in \[0, 1\), got 1.0"):
        dn.leaky_relu(1.0)
    assert dn.leaky_relu(0.5).f(np.array([-2.0]))[0] == -1.0


def test_float32_hessian_operator_refuses_a_float64_vector_as_hvp_does():
    n = _net(np.float32)
    x = np.ones(3, np.float32)
    op = n.hessian_operator(x)
    with pytest.raises(DtypeError, match="v has dtype float64"):
        op.matvec(np.ones(n.n_params))
    with pytest.raises(DtypeError):
        n.hvp(x, np.ones(n.n_params))
    v = np.ones(n.n_params, np.float32)
    np.testing.assert_array_equal(op.matvec(v), n.hvp(x, v))


def test_float32_ntk_overflow_raises_without_a_runtime_warning():
    n = dn.compile(dn.mlp(8, depth=2, d_in=3), seed=0, dtype=np.float32, activation="relu")
    X = np.array([[1.8016349e25, 1.3151038e25, 3.5738042e24],
                  [-1.2083186e25, -4.4541330e22, 6.5647495e24],
                  [-1.2883614e25, 3.9512205e24, 4.2986370e24],
                  [6.9604275e24, -1.1841179e25, -6.6170258e24]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ComputationError, match="the kernel overflowed"):
            n.ntk(X)
