"""specproof ntk: sweep table, slopes, figures; rerun resumes; bad input exits 2."""

import csv
import json

import pytest

from specproof.cli import main

ARGS = ["ntk", "--arch", "mlp", "--widths", "16,32,64", "--seeds", "2",
        "--measure", "kernel-error"]


def read_rows(path):
    with open(path, newline="") as fh:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(fh)]


def test_ntk_writes_table_slopes_figure_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "mlp" in printed.out and "slope" in printed.out
    assert printed.err.count("] width=") == 6  # one progress line per point
    rows = read_rows(out / "sweep.csv")
    assert [(r["width"], r["seed"]) for r in rows] == [
        (w, s) for w in ("16", "32", "64") for s in ("0", "1")]
    slopes = json.loads((out / "slopes.json").read_text())
    fit = slopes["slopes"]["mlp"]
    assert slopes["measure"] == "kernel-error" and fit["low"] < fit["slope"] < fit["high"]
    assert -1.0 < fit["slope"] < 0.0 and fit["fitted_against"] == "paper_width"
    assert (out / "figures" / "ntk-kernel-error.pdf").stat().st_size > 0
    assert (out / "figures" / "ntk-kernel-error.png").stat().st_size > 0
    assert len(list((out / "cache").glob("*.json"))) == 6
    # rerun: every point comes from the cache, same table
    assert main([*ARGS, "--out", str(out)]) == 0
    again = capsys.readouterr()
    assert "6/6 points read" in again.err and "] width=" not in again.err
    assert read_rows(out / "sweep.csv") == rows


def test_jobs_gives_the_serial_table(tmp_path, capsys):
    assert main([*ARGS, "--out", str(tmp_path / "a")]) == 0
    assert main([*ARGS, "--jobs", "2", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert read_rows(tmp_path / "a" / "sweep.csv") == read_rows(tmp_path / "b" / "sweep.csv")


@pytest.mark.parametrize("bad, message", [
    (["--widths", "16"], "at least two distinct widths"),
    (["--widths", "16,x"], "positive integers"),
    (["--arch", "mlpp"], "did you mean 'mlp'"),
    (["--arch", "nope.graphml"], "no such GraphML file"),
    (["--arch", "nope.module:net"], "cannot import builder 'nope.module:net'"),
    (["--arch", "mlp", "--measure", "kernel-error", "--parameterization", "standard"],
     "parameterization 'standard' has no such limit"),
    (["--seeds", "1"], "seeds must be >= 2"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, capsys, bad, message):
    args = [*ARGS, "--out", str(tmp_path / "o")]
    for i in range(0, len(bad), 2):
        j = args.index(bad[i]) if bad[i] in args else None
        if j is None:
            args += bad[i:i + 2]
        else:
            args[j + 1] = bad[i + 1]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_builder_failing_at_one_width_is_refused_before_any_work(tmp_path, capsys):
    builder = tmp_path / "flaky.py"
    builder.write_text(
        "from specproof.dag_nets import mlp\n"
        "def net(width):\n"
        "    if width == 32:\n"
        "        raise RuntimeError('no net at 32')\n"
        "    return mlp(width, depth=2, d_in=3)\n")
    args = ["ntk", "--arch", f"{builder}:net", "--widths", "16,32", "--seeds", "2",
            "--out", str(tmp_path / "o")]
    assert main(args) == 2  # the cache key builds the graph at every width: before work
    err = capsys.readouterr().err
    assert "failed at width 32: RuntimeError: no net at 32" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_scheduler_runs_on_a_dask_cluster_with_the_serial_table(tmp_path, capsys):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        assert main([*ARGS, "--scheduler", cluster.scheduler_address,
                     "--out", str(tmp_path / "d")]) == 0
    assert main([*ARGS, "--out", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    assert read_rows(tmp_path / "d" / "sweep.csv") == read_rows(tmp_path / "s" / "sweep.csv")
