"""`specproof ntk` after the seventh probe: values of zero end with the table kept and one
line (exit 1), networks that ignore the width, absurd seeds, depth and jobs are refused
before any work (exit 2), and a run into an earlier run's folder leaves no stale figure."""

from __future__ import annotations

import contextlib

import pytest

from specproof._core import ArgumentError, ResourceLimitError
from specproof.cli import main
from specproof.cli import ntk as cli_ntk
from specproof.dag_nets import UnfittableError, executors, preflight, runs, sweep
from specproof.dag_nets.measures import measurement_config
from specproof.dag_nets.sweep import demo_power_law, width_sweep
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep

GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="s" for="node" attr.name="size" attr.type="int"/>
<key id="f" for="node" attr.name="fixed_size" attr.type="boolean"/>
<graph edgedefault="directed">{body}</graph></graphml>"""
NO_HIDDEN = '<node id="x"/><node id="y"/><edge source="x" target="y"/>'
ALL_FIXED = ('<node id="x"><data key="s">3</data></node>'
             '<node id="h"><data key="s">5</data><data key="f">true</data></node>'
             '<node id="y"/><edge source="x" target="h"/><edge source="h" target="y"/>')
SMALL = ["--widths", "4,8", "--seeds", "2"]


def run(capsys, *args: str) -> tuple[int, str]:
    try:
        status = main(["ntk", *args])
    except SystemExit as exc:  # argparse's own errors exit from parse_args
        status = exc.code
    return status, capsys.readouterr().err


def one_line(err: str) -> None:
    assert "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("specproof")]) == 1, err


# -- 3: values of zero -------------------------------------------------------------------

def test_zero_values_keep_the_table_and_say_why_no_slope_exit_1(tmp_path, capsys):
    out = tmp_path / "o"
    assert run(capsys, *SMALL, "--out", str(out))[0] == 0  # an earlier run's results
    status, err = run(capsys, *SMALL, "--bias", "1e300", "--out", str(out))
    assert status == 1
    assert ("specproof ntk: mlp: the measured value is 0 at width 4, seed 0 (and at 3 more "
            "of the 4 points): no log-log slope can be fitted to values that are not "
            "positive; slopes.json and the figure are not written: the table is in") in err
    one_line(err)
    assert (out / "sweep.csv").read_text().count("\n") == 5
    # the earlier run's slopes and figure would sit beside this run's table
    assert not (out / "slopes.json").exists()
    assert not list((out / "figures").glob("ntk-hessian.*"))
    assert len(list((out / "cache").glob("*.json"))) == 8


def test_ntk_change_with_a_vanishing_learning_rate_exits_1_in_one_line(tmp_path, capsys):
    status, err = run(capsys, *SMALL, "--measure", "ntk-change", "--steps", "3",
                      "--lr-scale", "1e-300", "--out", str(tmp_path / "o"))
    assert status == 1
    assert "the measured value is 0 at width 4, seed 0" in err
    assert "no log-log slope can be fitted" in err
    one_line(err)
    assert (tmp_path / "o" / "sweep.csv").exists()


def test_width_sweep_slope_names_the_point_with_a_zero_value():
    pts = tuple(SweepPoint(w, s, 0.0 if (w, s) == (16, 1) else 1.0 / w)
                for w in (4, 16) for s in range(2))
    with pytest.raises(UnfittableError, match="demo: the measured value is 0 at width 16, "
                       "seed 1: no log-log slope") as info:
        WidthSweep("demo", {}, pts).slope()
    assert (info.value.width, info.value.seed) == (16, 1)
    assert isinstance(info.value, ValueError)  # as the fit raised before


# -- 3 and 8: graphs where nothing takes the width ---------------------------------------

@pytest.mark.parametrize("body, message", [
    (NO_HIDDEN, "has no hidden node (only inputs and outputs): nothing in the network "
     "takes the swept width"),
    (ALL_FIXED, "every hidden node of GraphML file"),
])
def test_a_graph_that_ignores_the_width_is_refused_before_any_work(tmp_path, capsys,
                                                                   body, message):
    path = tmp_path / "g.graphml"
    path.write_text(GRAPHML.format(body=body))
    out = tmp_path / "o"
    status, err = run(capsys, "--arch", str(path), *SMALL, "--out", str(out))
    assert status == 2
    assert message in err and "--arch:" in err
    one_line(err)
    assert not out.exists()


def test_a_builder_that_ignores_the_width_is_refused(tmp_path, capsys):
    (tmp_path / "nets.py").write_text("from specproof.dag_nets import mlp\n\n"
                                      "def fixed(width):\n    return mlp(5, depth=2, d_in=3)\n")
    status, err = run(capsys, "--arch", f"{tmp_path}/nets.py:fixed", *SMALL,
                      "--out", str(tmp_path / "o"))
    assert status == 2
    assert "returns networks of the same size at widths 4 and 8: nothing in the network " \
           "takes the swept width" in err
    one_line(err)


# -- 4 and 11: seeds -----------------------------------------------------------------------

@pytest.mark.parametrize("seeds", ["99999999999", "1"])
def test_seeds_out_of_range_exit_2(tmp_path, capsys, seeds):
    status, err = run(capsys, "--widths", "4,8", "--seeds", seeds, "--out",
                      str(tmp_path / "o"))
    assert status == 2
    assert (f"--seeds must be >= 2 and <= 10000 (at least two for the bootstrap interval "
            f"over seeds), got {seeds}") in err
    one_line(err)
    assert not (tmp_path / "o").exists()


def test_seeds_help_says_the_range(capsys):
    with pytest.raises(SystemExit):
        main(["ntk", "--help"])
    assert "at least 2" in " ".join(capsys.readouterr().out.split())


def test_library_caps_seeds_before_making_the_grid(tmp_path):
    with pytest.raises(ArgumentError, match="seeds must be <= 10000, got 99999999999"):
        width_sweep(demo_power_law, [4, 8], seeds=99999999999, progress=False)
    with pytest.raises(ArgumentError, match="seeds must hold at most 10000 seeds"):
        width_sweep(demo_power_law, [4, 8], seeds=range(10**11), progress=False)
    with pytest.raises(ArgumentError, match="seeds must be <= 10000"):
        runs.ntk_sweep_to_folder(["mlp"], [4, 8], 10**11, tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


def test_cli_limits_agree_with_the_library():
    assert cli_ntk.MAX_SEEDS == sweep.MAX_SEEDS
    assert cli_ntk.MAX_DEPTH == preflight.MAX_DEPTH


# -- 5: depth ------------------------------------------------------------------------------

def test_a_huge_depth_is_refused_before_the_graph_is_built(tmp_path, capsys):
    status, err = run(capsys, *SMALL, "--depth", "100000000", "--out", str(tmp_path / "o"))
    assert status == 2
    assert "argument --depth: expected an integer from 1 to 1000, got '100000000'" in err
    cfg = measurement_config("hessian", depth=10**8)
    with pytest.raises(ArgumentError, match="depth must be <= 1000, got 100000000"):
        preflight.check_config("hessian", cfg, [4, 8])


# -- 6: jobs -------------------------------------------------------------------------------

def test_absurd_jobs_are_refused_exit_2(tmp_path, capsys):
    status, err = run(capsys, *SMALL, "--jobs", "99999", "--out", str(tmp_path / "o"))
    assert status == 2
    assert "--jobs 99999 is more than" in err and "(4 per core of the" in err
    one_line(err)
    with pytest.raises(ArgumentError, match="jobs 99999 is more than"):
        executors.make_pool(99999, 1)


def test_jobs_beyond_the_points_start_one_worker_per_point(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "cores", lambda: 64)
    opened = []

    @contextlib.contextmanager
    def serial(jobs=None, **kw):
        opened.append(jobs)
        yield None  # the cap is what is checked here, not the processes

    monkeypatch.setattr(runs, "open_executor", serial)
    status, err = run(capsys, *SMALL, "--jobs", "50", "--out", str(tmp_path / "o"))
    assert status == 0, err
    assert opened == [4]
    assert "jobs 50: this run has 4 points, so 4 worker processes" in err

    made = []
    monkeypatch.setattr(sweep, "make_pool", lambda jobs, threads: made.append(jobs) or
                        executors.ProcessPoolExecutor(1))
    width_sweep(demo_power_law, [4, 8], 1, jobs=40, progress=False)
    assert made == [2]


# -- 7: --kernel ---------------------------------------------------------------------------

def test_kernel_applies_to_kernel_error_only(tmp_path, capsys):
    status, err = run(capsys, *SMALL, "--measure", "ntk", "--kernel", "nngp", "--out",
                      str(tmp_path / "o"))
    assert status == 2
    assert "--kernel applies to --measure kernel-error, not ntk" in err
    one_line(err)


# -- 9: a run into an earlier run's folder ------------------------------------------------

def test_a_run_with_other_settings_replaces_the_earlier_results_and_says_so(tmp_path,
                                                                          capsys):
    out = tmp_path / "o"
    assert run(capsys, *SMALL, "--activation", "tanh", "--out", str(out))[0] == 0
    status, err = run(capsys, *SMALL, "--measure", "kernel-error", "--out", str(out))
    assert status == 0, err
    assert (f"earlier results in {out} were replaced (measure hessian, activation tanh, "
            "widths [4, 8], 2 seeds; figures/ntk-hessian.pdf, figures/ntk-hessian.png "
            f"removed); their points stay in {out / 'cache'}") in err
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "ntk-kernel-error.pdf", "ntk-kernel-error.png"]
    assert len(list((out / "cache").glob("*.json"))) == 8
    # the same command again resumes and replaces nothing of another configuration
    status, err = run(capsys, *SMALL, "--measure", "kernel-error", "--out", str(out))
    assert status == 0 and "earlier results" not in err and "4/4 points read" in err


# -- 10: memory named by its cause ---------------------------------------------------------

@pytest.mark.parametrize("flag, key, advice", [
    ("--n-inputs", "n_inputs", "choose fewer inputs"),
    ("--d-in", "d_in", "choose fewer input features"),
])
def test_memory_refusal_names_the_data_size_that_causes_it(tmp_path, capsys, flag, key,
                                                            advice):
    status, err = run(capsys, *SMALL, flag, "10000000000", "--out", str(tmp_path / "o"))
    assert status == 2
    assert f"{key}=10000000000 ({flag}) makes it that large: {advice}" in err
    assert "choose smaller widths" not in err
    one_line(err)
    cfg = measurement_config("hessian", **{key: 10**8})
    with pytest.raises(ResourceLimitError, match=rf"width 4: .*\({flag}\) makes it that "):
        preflight.check_memory("hessian", cfg, [4, 8], limit=2**30)
    # the widths stay the advice when they are the cause
    with pytest.raises(ResourceLimitError, match="choose smaller widths"):
        preflight.check_memory("hessian", measurement_config("hessian"), [4, 10**6],
                               limit=2**30)


def test_an_out_entry_of_the_wrong_kind_is_refused_before_any_work(tmp_path, capsys):
    # slopes.json as a folder failed after every point ("Is a directory") and left a
    # temporary file; figures as a file, "File exists" after the work
    from specproof.cli import main

    for name, make in (("slopes.json", "mkdir"), ("figures", "file")):
        out = tmp_path / name.replace(".", "_")
        out.mkdir()
        if make == "mkdir":
            (out / name).mkdir()
        else:
            (out / name).write_text("x")
        assert main(["ntk", "--widths", "4,8", "--seeds", "2", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{name} is a {'folder' if make == 'mkdir' else 'file'}, where a run writes" in err
        assert not (out / "cache").exists()
        assert not any(p.name.startswith(".tmp-") for p in out.iterdir())
