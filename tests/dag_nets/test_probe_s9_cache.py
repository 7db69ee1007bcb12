"""Findings of the ninth probe of the sweep cache, each kept as a test.

- A1: a builder file edited during a sweep: every key was computed at the start, but the
  points re-imported the edited file and stored the new network's values under the old
  network's keys (a later run read 38 of 40 wrong points).
- A2: a module edited on disk after it was imported (a notebook kernel not restarted):
  the key hashed the file, the old code in memory computed the values.
- A3: a measurement without a source file (``python -``) was keyed without its code.
- B5: a builder was re-imported on (mtime, size) only: a same-size edit with the mtime
  restored returned the old network's values, even without a cache.
- B6/C11: cache records were not validated: an edited value was used, NaN blamed on the
  measurement, ``"0.5"`` and ``true`` accepted, reserved columns in ``extra`` replaced the
  row, and ``value: null`` crashed the command (exit 70).
- C12: a folder at ``cache/<key>.json`` read as "cannot write to <out>: Is a directory".
- B9: two runs into one ``--out`` mixed their table and slopes.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import sys
import uuid
import warnings

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.cli import main
from specproof.dag_nets import MEASURES, build_graph, measurement_config, width_sweep
from specproof.dag_nets.cache import PointCache

BUILDER = """from specproof.dag_nets import mlp


def make(width):
    return mlp(width, depth=2, d_in=3, activation="{act}")
"""

MEASURE = """FACTOR = {factor}


def f(config, seed):
    return FACTOR * config["width"] ** -0.5 * (1 + 0.01 * seed)
"""


def _builder(path, act):
    path.write_text(BUILDER.format(act=act))
    return f"{path}:make"


def _values(sweep):
    return {(p.width, p.seed): p.value for p in sweep.points}


def _close(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert math.isclose(a[k], b[k], rel_tol=1e-12, abs_tol=1e-12), (k, a[k], b[k])


def _fresh(cfg, widths=(4, 8), seeds=2, measure="hessian"):
    return _values(width_sweep(MEASURES[measure], list(widths), seeds, cfg, progress=False))


# A1 ------------------------------------------------------------------------------------


def test_a1_a_builder_edited_during_a_sweep_never_lands_under_the_old_key(tmp_path):
    path = tmp_path / "race_net.py"
    spec = _builder(path, "tanh")
    cfg = measurement_config("hessian", arch=spec)
    cache = tmp_path / "c"
    edited = []

    def progress(line):  # the user edits the builder after the first point
        if "[1/4]" in line and not edited:
            _builder(path, "gelu")
            edited.append(line)

    with pytest.raises(Exception, match="now gives another network at width 4 than when "
                                        "the sweep started") as info:
        width_sweep(MEASURES["hessian"], [4, 8], 2, cfg, cache=cache, progress=progress)
    assert (info.value.width, info.value.seed) == (4, 1)
    assert len(PointCache(cache).keys()) == 1  # only the point measured on tanh
    gelu = _fresh(cfg)
    _builder(path, "tanh")  # reverted: the cached point is the tanh network's
    tanh = _fresh(cfg)
    assert all(abs(gelu[k] - tanh[k]) > 1e-3 for k in tanh)
    resumed = width_sweep(MEASURES["hessian"], [4, 8], 2, cfg, cache=cache, progress=False)
    assert sum(p.cached for p in resumed.points) == 1
    _close(_values(resumed), tanh)
    _builder(path, "gelu")  # and the edited builder gets its own points
    again = width_sweep(MEASURES["hessian"], [4, 8], 2, cfg, cache=cache, progress=False)
    assert not any(p.cached for p in again.points)
    _close(_values(again), gelu)


def test_a1_a_worker_that_imports_the_edited_builder_refuses_the_point(tmp_path):
    from specproof.dag_nets.measures import freeze_graphml

    spec = _builder(tmp_path / "worker_net.py", "tanh")
    pinned = freeze_graphml({**measurement_config("hessian", arch=spec), "width": 8})
    build_graph(pinned)  # the graph the key was made from
    _builder(tmp_path / "worker_net.py", "gelu")
    with pytest.raises(ArgumentError, match="now gives another network at width 8"):
        build_graph(pinned)


# A2 ------------------------------------------------------------------------------------


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(source, stem="s9_measure"):
        name = f"{stem}_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(source)
        importlib.invalidate_caches()
        names.append(name)
        return name, tmp_path / f"{name}.py"

    yield make
    for name in names:
        sys.modules.pop(name, None)


def test_a2_a_module_edited_after_import_is_refused_with_a_cache(tmp_path, module_dir):
    name, path = module_dir(MEASURE.format(factor="1.0"))
    mod = importlib.import_module(name)
    path.write_text(MEASURE.format(factor="2.0"))  # edited; the session is not restarted
    cache = tmp_path / "c"
    with pytest.raises(ArgumentError, match=rf"{name}\.py changed on disk since it was "
                                            r"imported \(FACTOR is 1\.0 in memory and 2\.0 "
                                            r"in the file\).*restart the session or reload"):
        width_sweep(mod.f, [4, 16], seeds=2, cache=cache, progress=False)
    assert not cache.exists() or not list(cache.iterdir())
    # without a cache nothing is stored: the code in memory runs
    assert width_sweep(mod.f, [4, 16], 2, progress=False).values[0] == 4 ** -0.5
    importlib.reload(mod)
    sweep = width_sweep(mod.f, [4, 16], seeds=2, cache=cache, progress=False)
    np.testing.assert_allclose(sweep.values, [1.0, 1.01, 0.5, 0.505], rtol=1e-12)
    # a function body edited in place (same lines) is seen too
    path.write_text(MEASURE.format(factor="2.0").replace("0.01 * seed", "0.02 * seed"))
    with pytest.raises(ArgumentError, match="the code of f in memory is not the file's"):
        width_sweep(mod.f, [4, 16], seeds=2, cache=cache, progress=False)


def test_a2_an_edited_helper_module_is_refused_too(tmp_path, module_dir):
    helper, helper_path = module_dir("SCALE = 1.0\n", stem="s9_helper")
    name, _ = module_dir(f"import {helper}\n\n\ndef f(config, seed):\n"
                         f"    return {helper}.SCALE * config['width'] ** -0.5\n")
    mod = importlib.import_module(name)
    width_sweep(mod.f, [4, 16], seeds=2, cache=tmp_path / "c", progress=False)
    helper_path.write_text("SCALE = 3.0\n")
    with pytest.raises(ArgumentError, match=rf"{helper}\.py changed on disk .*SCALE is 1\.0"):
        width_sweep(mod.f, [4, 16], seeds=2, cache=tmp_path / "c", progress=False)


# A3 ------------------------------------------------------------------------------------


def test_a3_a_measurement_without_a_source_file_is_refused_with_a_cache(tmp_path):
    namespace = {"__name__": "s9_interactive"}
    exec(compile(MEASURE.format(factor="1.0"), "<stdin>", "exec"), namespace)  # python -
    f = namespace["f"]
    with pytest.raises(ArgumentError, match=r"measurement s9_interactive\.f has no source "
                                            r"file .*define it in a \.py file, or pass "
                                            r"cache=None"):
        width_sweep(f, [4, 16], seeds=2, cache=tmp_path / "c", progress=False)
    assert not (tmp_path / "c").exists()
    sweep = width_sweep(f, [4, 16], seeds=2, cache=None, progress=False)
    np.testing.assert_allclose(sweep.values, [0.5, 0.505, 0.25, 0.2525], rtol=1e-12)


# B5 ------------------------------------------------------------------------------------


def test_b5_a_same_size_edit_with_the_mtime_restored_is_read_again(tmp_path):
    path = tmp_path / "same_size.py"
    cfg = measurement_config("hessian", arch=_builder(path, "tanh"))
    tanh = _fresh(cfg)
    st = os.stat(path)
    _builder(path, "gelu")  # "tanh" -> "gelu": the same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    gelu_cfg = measurement_config("hessian", arch=_builder(tmp_path / "gelu_net.py", "gelu"))
    gelu = _fresh(gelu_cfg)
    assert all(abs(gelu[k] - tanh[k]) > 1e-3 for k in tanh)
    _close(_fresh(cfg), gelu)


# B6 / C11 ------------------------------------------------------------------------------

KERNEL_CFG = measurement_config("kernel-error", arch="mlp", depth=2, d_in=3)


#: Records edited by hand (the checksum no longer matches); NaN and 1e999 as the probe
#: wrote them.
RAW_EDITS = {
    "value edited": lambda d: d.update(value=0.123456789),
    "value NaN": lambda d: d.update(value=float("nan")),
    "value 1e999": lambda d: d.update(value=float("inf")),
    "value a string": lambda d: d.update(value="0.5"),
    "value null": lambda d: d.update(value=None),
    "extra removed": lambda d: d.pop("extra"),
    "reserved columns in extra": lambda d: d["extra"].update(width=999, seed=7, value=5.0),
    "seconds not a number": lambda d: d.update(seconds="fast"),
    "truncated": None,
}

#: Records rewritten *with* a valid checksum (as a bug would write them): the field checks
#: alone must refuse them.
SIGNED_EDITS = {
    "value a string": lambda d: d.update(value="0.5"),
    "value true": lambda d: d.update(value=True),
    "value null": lambda d: d.update(value=None),
    "value an int": lambda d: d.update(value=1),
    "extra removed": lambda d: d.pop("extra"),
    "extra a list": lambda d: d.update(extra=[1]),
    "reserved width in extra": lambda d: d["extra"].update(width=999),
    "reserved value in extra": lambda d: d["extra"].update(value=5.0),
    "seconds a string": lambda d: d.update(seconds="x"),
    "seconds negative": lambda d: d.update(seconds=-1.0),
    "seconds a bool": lambda d: d.update(seconds=True),
    "another seed": lambda d: d.update(seed=1),
    "another width": lambda d: d.update(width=8),
    "another code": lambda d: d.update(code="0" * 64),
}


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory):
    cache = tmp_path_factory.mktemp("kernel") / "c"
    first = width_sweep(MEASURES["kernel-error"], [4, 8], 2, KERNEL_CFG, cache=cache,
                        progress=False)
    return cache, _values(first)


def _damage(cache, edit, signed):
    copy = cache.parent / f"copy-{uuid.uuid4().hex[:8]}"
    shutil.copytree(cache, copy)
    store = PointCache(copy)
    key = next(k for k in store.keys() if store.get(k)["width"] == 4
               and store.get(k)["seed"] == 0)
    path = store.path(key)
    if edit is None:
        path.write_bytes(path.read_bytes()[:80])
        return copy
    record = json.loads(path.read_text())
    edit(record)
    if signed:
        store.put(key, record)  # re-signed: the checksum is right, the fields are not
    else:
        path.write_text(json.dumps(record).replace("Infinity", "1e999"))
    return copy


@pytest.mark.parametrize(("name", "signed"), [(n, False) for n in RAW_EDITS]
                         + [(n, True) for n in SIGNED_EDITS])
def test_b6_a_damaged_record_is_recomputed_never_used(kernel_run, name, signed):
    cache, fresh = kernel_run
    copy = _damage(cache, (SIGNED_EDITS if signed else RAW_EDITS)[name], signed)
    lines = []
    sweep = width_sweep(MEASURES["kernel-error"], [4, 8], 2, KERNEL_CFG, cache=copy,
                        progress=lines.append)
    _close(_values(sweep), fresh)
    assert [p.cached for p in sweep.points] == [False, True, True, True]
    assert [p.width for p in sweep.points] == [4, 4, 8, 8]
    said = [ln for ln in lines if "damaged" in ln]
    assert len(said) == 1 and "1 damaged cache record in" in said[0] and "recomputed" in said[0]
    # the recomputed point replaced the damaged record
    again = width_sweep(MEASURES["kernel-error"], [4, 8], 2, KERNEL_CFG, cache=copy,
                        progress=False)
    assert all(p.cached for p in again.points)
    _close(_values(again), fresh)


def test_b6_without_progress_the_damage_is_a_warning(kernel_run):
    cache, fresh = kernel_run
    copy = _damage(cache, RAW_EDITS["value edited"], False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep = width_sweep(MEASURES["kernel-error"], [4, 8], 2, KERNEL_CFG, cache=copy,
                            progress=False)
    _close(_values(sweep), fresh)
    said = [str(w.message) for w in caught if "damaged" in str(w.message)]
    assert len(said) == 1 and "checksum does not match" in said[0]


def _ntk(out, *more):
    return main(["ntk", "--arch", "mlp", "--depth", "2", "--d-in", "3", "--widths", "4,8",
                 "--seeds", "2", "--measure", "kernel-error", "--threads", "1",
                 "--out", str(out), *more])


def _rows(out):
    return [line.split(",")[:4] for line in (out / "sweep.csv").read_text().splitlines()]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert _ntk(out) == 0
    return out


def test_c11_value_null_in_a_record_no_longer_crashes_the_command(cli_run, tmp_path, capsys):
    out = tmp_path / "r"
    shutil.copytree(cli_run, out)
    store = PointCache(out / "cache")
    for key in store.keys():  # every record null, missing extra, seconds not a number
        record = store.get(key)
        record.update(value=None, seconds="x")
        record.pop("extra")
        store.put(key, record)
    assert _ntk(out) == 0
    err = capsys.readouterr().err
    assert "4 damaged cache records in" in err and "Traceback" not in err
    assert _rows(out) == _rows(cli_run)


# C12 -----------------------------------------------------------------------------------


def test_c12_a_folder_where_a_record_belongs_is_named(cli_run, tmp_path, capsys):
    out = tmp_path / "r"
    shutil.copytree(cli_run, out)
    store = PointCache(out / "cache")
    key = store.keys()[0]
    store.path(key).unlink()
    store.path(key).mkdir()
    assert _ntk(out) == 2
    err = capsys.readouterr().err
    assert f"cache entry {store.path(key)} is a folder, where a point's record belongs" in err
    assert "cannot write to" not in err
    store.path(key).rmdir()
    assert _ntk(out) == 0
    assert _rows(out) == _rows(cli_run)


# B9 ------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="no fcntl: runs are not serialised")
def test_b9_a_second_run_into_a_folder_being_written_is_refused(cli_run, tmp_path, capsys):
    import fcntl
    out = tmp_path / "r"
    shutil.copytree(cli_run, out)
    (out / "sweep.csv").unlink()
    with open(out / ".specproof-ntk.lock", "a") as held:  # as a running `ntk` holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert _ntk(out, "--widths", "4,16") == 2
        err = capsys.readouterr().err
        assert f"another specproof ntk run is writing to {out}" in err
        assert not (out / "sweep.csv").exists()
    assert _ntk(out) == 0  # released: the next run goes ahead
    assert _rows(out) == _rows(cli_run)
