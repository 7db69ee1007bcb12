"""Width sweeps: cache, resume after an interrupt, executors (process pool, Dask), fits."""

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError, SpecproofError
from specproof.dag_nets.cache import PointCache, point_key
from specproof.dag_nets.executors import local_dask_executor, open_executor
from specproof.dag_nets.sweep import (
    SweepPointError,
    WidthSweep,
    demo_power_law,
    measure_name,
    width_sweep,
)
from specproof.fitting import fit_loglog_bootstrap

WIDTHS = [8, 16, 32, 64]
CALLS: list[tuple[int, int]] = []
STOP_AT = {"k": None}


def counting(config, seed):
    """demo_power_law that records its calls and raises KeyboardInterrupt at call k."""
    if STOP_AT["k"] is not None and len(CALLS) == STOP_AT["k"]:
        raise KeyboardInterrupt
    CALLS.append((config["width"], seed))
    return {"value": demo_power_law(config, seed), "double": 2 * demo_power_law(config, seed)}


def failing(config, seed):
    if config["width"] == 32:
        raise FloatingPointError("overflow in the measurement")
    return demo_power_law(config, seed)


def nan_measure(config, seed):
    return float("nan")


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    STOP_AT["k"] = None
    yield
    CALLS.clear()
    STOP_AT["k"] = None


def rows(sweep):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in sweep.table()]


def test_serial_sweep_recovers_the_power_law():
    sweep = width_sweep(demo_power_law, WIDTHS, seeds=4, config={"slope": -0.5, "noise": 0.0},
                        progress=False)
    assert [(p.width, p.seed) for p in sweep.points] == [(w, s) for w in WIDTHS for s in range(4)]
    np.testing.assert_allclose(sweep.values, np.repeat(np.array(WIDTHS, float) ** -0.5, 4),
                               rtol=1e-15)
    fit = sweep.slope()
    # exact data: the interval is the rounding floor, 1e-12 on each side
    assert abs(fit.slope + 0.5) < 1e-12 and fit.low <= -0.5 <= fit.high
    assert fit.high - fit.low <= 2.5e-12


def test_noisy_slope_interval_covers_truth_and_excludes_wrong_slope():
    sweep = width_sweep(demo_power_law, [64, 128, 256, 512, 1024], seeds=8,
                        config={"slope": -0.5, "noise": 0.1}, progress=False)
    fit = sweep.slope()
    assert abs(fit.slope + 0.5) < 0.05 and fit.high - fit.low < 0.1
    assert fit.high < -0.35  # a slope of -0.35 (too slow decay) is excluded
    assert sweep.slope(min_width=256).n == 24


def test_cache_resumes_without_recomputing(tmp_path):
    lines = []
    first = width_sweep(counting, WIDTHS, seeds=3, cache=tmp_path, progress=lines.append)
    assert len(CALLS) == 12 and len(PointCache(tmp_path).keys()) == 12
    assert sum(line.startswith("[") for line in lines) == 12
    CALLS.clear()
    lines.clear()
    second = width_sweep(counting, WIDTHS, seeds=3, cache=tmp_path, progress=lines.append)
    assert CALLS == []
    assert lines == [f"{measure_name(counting)}: 12/12 points read from {tmp_path}"]
    assert rows(first) == rows(second)
    assert all(p.cached for p in second.points) and not any(p.cached for p in first.points)
    # a different configuration or seed set is a different point
    width_sweep(counting, WIDTHS, seeds=3, config={"noise": 0.02}, cache=tmp_path,
                progress=False)
    assert len(CALLS) == 12


def test_interrupt_midway_keeps_finished_points_and_no_partial_file(tmp_path):
    full = width_sweep(counting, WIDTHS, seeds=2, progress=False)
    CALLS.clear()
    STOP_AT["k"] = 5
    with pytest.raises(KeyboardInterrupt):
        width_sweep(counting, WIDTHS, seeds=2, cache=tmp_path, progress=False)
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 5 and all(f.endswith(".json") and not f.startswith(".") for f in files)
    for f in files:  # every file is whole
        rec = json.loads((tmp_path / f).read_text())
        assert rec["key"] == f[:-5] and np.isfinite(rec["value"])
    STOP_AT["k"] = None
    CALLS.clear()
    resumed = width_sweep(counting, WIDTHS, seeds=2, cache=tmp_path, progress=False)
    assert len(CALLS) == 3  # only the unfinished points ran
    assert sum(p.cached for p in resumed.points) == 5
    assert rows(resumed) == rows(full)


def test_interrupt_while_writing_leaves_no_temporary(tmp_path, monkeypatch):
    cache = PointCache(tmp_path)
    key = point_key("m.f", {"width": 1}, 0)

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        cache.put(key, {"value": 1.0})
    assert os.listdir(tmp_path) == []


def test_stale_temporary_of_a_dead_process_is_removed(tmp_path):
    dead = tmp_path / ".tmp-999999999-abcdef.json"
    dead.write_text('{"half":')
    live = tmp_path / f".tmp-{os.getpid()}-abcdef.json"
    live.write_text('{"half":')
    cache = PointCache(tmp_path)
    assert cache.removed_stale == 1 and not dead.exists() and live.exists()


def test_corrupt_or_foreign_cache_file_is_recomputed(tmp_path):
    width_sweep(counting, [8, 16], seeds=2, cache=tmp_path, progress=False)
    cache = PointCache(tmp_path)
    k0, k1, k2 = cache.keys()[:3]
    cache.path(k0).write_text('{"value": 1e9')  # truncated by hand
    rec = json.loads(cache.path(k1).read_text())
    rec["key"] = k2  # a file renamed by hand must not answer for another point
    cache.path(k1).write_text(json.dumps(rec))
    CALLS.clear()
    sweep = width_sweep(counting, [8, 16], seeds=2, cache=tmp_path, progress=False)
    assert len(CALLS) == 2
    assert max(sweep.values) < 1.0


def test_failing_point_is_named_and_earlier_points_stay_cached(tmp_path):
    with pytest.raises(SweepPointError, match="width=32, seed=0: FloatingPointError") as info:
        width_sweep(failing, WIDTHS, seeds=2, cache=tmp_path, progress=False)
    assert (info.value.width, info.value.seed) == (32, 0)
    assert isinstance(info.value, ComputationError) and isinstance(info.value, RuntimeError)
    assert len(PointCache(tmp_path).keys()) == 4
    with pytest.raises(SweepPointError, match="non-finite value nan"):
        width_sweep(nan_measure, WIDTHS, seeds=1, progress=False)


def test_process_pool_table_equals_serial(tmp_path):
    kw = dict(config={"noise": 0.05}, progress=False)
    serial = width_sweep(demo_power_law, WIDTHS, seeds=3, **kw)
    pooled = width_sweep(demo_power_law, WIDTHS, seeds=3, jobs=2, cache=tmp_path, **kw)
    assert rows(pooled) == rows(serial)
    with open_executor(jobs=2) as ex:
        again = width_sweep(demo_power_law, WIDTHS, seeds=3, executor=ex, **kw)
    assert rows(again) == rows(serial)


def test_dask_local_cluster_table_equals_serial(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
    kw = dict(config={"noise": 0.05}, progress=False)
    serial = width_sweep(counting, WIDTHS, seeds=3, **kw)
    lines = []
    with local_dask_executor(workers=1, processes=False) as ex:
        dask = width_sweep(counting, WIDTHS, seeds=3, executor=ex, cache=tmp_path,
                           config={"noise": 0.05}, progress=lines.append)
    assert rows(dask) == rows(serial)
    assert sum(line.startswith("[") for line in lines) == 12
    assert len(PointCache(tmp_path).keys()) == 12


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ArgumentError, match=r"widths\[1\]"):
        width_sweep(demo_power_law, [8, 0], seeds=2, progress=False)
    with pytest.raises(ArgumentError, match="distinct"):
        width_sweep(demo_power_law, [8, 8], seeds=2, progress=False)
    with pytest.raises(ArgumentError, match="seeds"):
        width_sweep(demo_power_law, [8, 16], seeds=0, progress=False)
    # one width has no slope: refused as the command line refuses it
    with pytest.raises(ArgumentError, match=r"at least two distinct widths to fit a slope"):
        width_sweep(demo_power_law, [8], seeds=2, progress=False)
    with pytest.raises(ArgumentError, match="module-level function"):
        width_sweep(lambda c, s: 1.0, [8, 16], seeds=1, progress=False)
    with pytest.raises(ArgumentError, match="must not contain 'width'"):
        width_sweep(demo_power_law, [8, 16], config={"width": 3}, progress=False)
    with pytest.raises(ArgumentTypeError, match=r"config\['f'\]\[1\] must hold JSON"):
        width_sweep(demo_power_law, [8, 16], config={"f": [1, object()]}, progress=False)
    with pytest.raises(ArgumentError, match="must be finite"):
        width_sweep(demo_power_law, [8, 16], config={"lr": float("inf")}, progress=False)
    with pytest.raises(ArgumentError, match="either executor or jobs"):
        with open_executor(jobs=2) as ex:
            width_sweep(demo_power_law, [8, 16], executor=ex, jobs=2, progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArgumentError, match="not a folder"):
        width_sweep(demo_power_law, [8, 16], cache=tmp_path / "file", progress=False)
    with pytest.raises(SpecproofError, match="cannot reach the Dask scheduler"):
        pytest.importorskip("distributed", reason="the dask extra is not installed")
        with open_executor(scheduler="tcp://127.0.0.1:1", timeout=0.5):
            pass


@settings(max_examples=25, deadline=None)
@given(cfg=st.dictionaries(st.text(max_size=4),
                           st.integers() | st.floats(allow_nan=False, allow_infinity=False),
                           max_size=4), seed=st.integers(0, 10**6))
def test_point_key_ignores_dict_order_and_separates_seeds(cfg, seed):
    reordered = dict(reversed(list(cfg.items())))
    assert point_key("m.f", cfg, seed) == point_key("m.f", reordered, seed)
    assert point_key("m.f", cfg, seed) != point_key("m.f", cfg, seed + 1)
    assert point_key("m.f", cfg, seed) != point_key("m.g", cfg, seed)


def test_bootstrap_fit_errors_and_coverage():
    with pytest.raises(ValueError, match="x = 4.0 has 1"):
        fit_loglog_bootstrap([2, 2, 4], [1, 1, 1])
    with pytest.raises(ValueError, match="bad entry at index 1"):
        fit_loglog_bootstrap([2, 2, 4, 4], [1, 0, 1, 1])
    with pytest.raises(ValueError, match="two distinct"):
        fit_loglog_bootstrap([2, 2], [1, 2])
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(40):
        x = np.repeat([64, 128, 256, 512], 8)
        y = x**-0.5 * np.exp(0.2 * rng.standard_normal(x.size))
        fit = fit_loglog_bootstrap(x, y, seed=rng, n_boot=500)
        covered += fit.low < -0.5 < fit.high
    assert covered >= 32  # nominal 95 %: 38/40 expected; a broken interval covers far less


def test_sweep_plot_legend_shows_bootstrap_interval():
    import matplotlib.pyplot as plt

    pts = width_sweep(demo_power_law, WIDTHS, seeds=3, config={"noise": 0.1}, progress=False)
    fit = pts.plot(label="demo")
    ax = plt.gca()
    assert ax.get_legend().get_texts()[-1].get_text() == (
        f"demo: {fit.slope:.3f} [{fit.low:.3f}, {fit.high:.3f}]")
    assert ax.get_legend().get_title().get_text() == "fitted slope [bootstrap interval]"
    plt.close("all")
    assert isinstance(pts, WidthSweep)


def test_sigkill_midway_leaves_whole_files_and_the_rerun_resumes(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r})\n"
        "from specproof.dag_nets.sweep import demo_power_law, width_sweep\n"
        "width_sweep(demo_power_law, [8, 16, 32, 64], seeds=4, config={'delay': 0.3},"
        f" cache={str(tmp_path)!r}, progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    def whole():
        return [p for p in tmp_path.iterdir() if not p.name.startswith(".")]

    while len(whole()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert 3 <= len(finished) < 16
    for name in finished:
        json.loads((tmp_path / name).read_text())  # whole JSON, never half a file
    CALLS.clear()
    lines = []
    resumed = width_sweep(demo_power_law, [8, 16, 32, 64], seeds=4, config={"delay": 0.3},
                          cache=tmp_path, progress=lines.append)
    assert sum(p.cached for p in resumed.points) >= len(finished)
    assert lines[0].endswith(f"points read from {tmp_path}")
    fresh = width_sweep(demo_power_law, [8, 16, 32, 64], seeds=4, progress=False)
    assert [p.value for p in resumed.points] == [p.value for p in fresh.points]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


@settings(max_examples=30, deadline=None)
@given(slope=st.floats(-2, 2), c=st.floats(1e-3, 1e3), reps=st.integers(2, 5))
def test_bootstrap_fit_of_an_exact_power_law_has_a_zero_width_interval(slope, c, reps):
    x = np.repeat([16.0, 32.0, 64.0, 128.0], reps)
    fit = fit_loglog_bootstrap(x, c * x**slope, n_boot=200)
    assert abs(fit.slope - slope) < 1e-10
    assert abs(fit.low - slope) < 1e-10 and abs(fit.high - slope) < 1e-10


def slow_beyond_8(config, seed):
    """Fast at width 8, 3 s at the wider widths (to be interrupted there)."""
    import time

    if config["width"] > 8:
        time.sleep(3.0)
    return demo_power_law(config, seed)


def test_ctrl_c_on_dask_keeps_finished_points_and_cancels_the_rest(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
    import _thread
    import signal
    import threading
    import time

    from specproof.dag_nets import SweepInterrupted

    def interrupt_when_two_are_cached():
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # the second point's record is taken; the slow ones still run
        _thread.interrupt_main()

    # interrupt_main() does nothing where SIGINT is ignored, as it is in a shell's
    # background job and everything it starts (the sweep then ran to its end: DID NOT
    # RAISE); Python's own handler for the test's length, as in a terminal
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with local_dask_executor(workers=2, processes=False) as ex:
            threading.Thread(target=interrupt_when_two_are_cached, daemon=True).start()
            with pytest.raises(SweepInterrupted) as info:
                width_sweep(slow_beyond_8, [8, 16, 32], seeds=2, executor=ex,
                            cache=tmp_path, progress=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (info.value.done, info.value.total) == (2, 6)
    assert str(info.value) == (f"interrupted: 2 of 6 points finished and kept in {tmp_path}; "
                               "4 cancelled")
    assert len(PointCache(tmp_path).keys()) == 2
