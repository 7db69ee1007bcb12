"""`specproof ntk` refuses every usage problem with one line and exit 2 before any work,
exposes measurement_config's options, and writes a stable table and a whole record."""

import csv
import json
import os
import sys

import networkx as nx
import pytest

from specproof.cli import main
from specproof.cli.ntk import ACTIVATIONS as CLI_ACTIVATIONS

CYCLIC = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="{kind}">
<node id="x"/><node id="a"/><node id="b"/><node id="y"/>
<edge source="x" target="a"/><edge source="a" target="b"/><edge source="b" target="a"/>
<edge source="b" target="y"/></graph></graphml>"""


def run(capsys, *args):
    try:
        status = main(["ntk", *args])
    except SystemExit as exc:  # argparse's own errors (a bad int) exit from parse_args
        status = exc.code
    return status, capsys.readouterr().err


@pytest.fixture
def files(tmp_path):
    (tmp_path / "cyclic.graphml").write_text(CYCLIC.format(kind="directed"))
    (tmp_path / "undirected.graphml").write_text(CYCLIC.format(kind="undirected"))
    (tmp_path / "broken.graphml").write_text("<graphml><graph")
    (tmp_path / "nets.py").write_text("import networkx as nx\nVALUE = 3\n")
    return tmp_path


@pytest.mark.parametrize("extra, message", [
    (["--activation", "relu"],
     "the hessian measure differentiates twice, and activation 'relu' is not twice "
     "differentiable (at node(s) h1, h2); use erf, tanh, softplus, gelu or sigmoid"),
    (["--measure", "linearization", "--activation", "leaky_relu"],
     "the linearization measure differentiates twice, and activation 'leaky_relu'"),
    (["--measure", "kernel-error", "--parameterization", "standard"],
     "parameterization 'standard' has no such limit"),
    (["--arch", "{d}/cyclic.graphml"],
     "graph has a cycle a -> b -> a; a network needs a directed acyclic graph"),
    (["--arch", "{d}/undirected.graphml"], "holds an undirected graph"),
    (["--arch", "{d}/broken.graphml"], "could not read GraphML from"),
    (["--arch", "{d}/missing.graphml"], "--arch: no such GraphML file"),
    (["--arch", "no_such_module_xyz:net"],
     "--arch: cannot import builder 'no_such_module_xyz:net': ModuleNotFoundError: "
     "No module named 'no_such_module_xyz'"),
    (["--arch", "{d}/nets.py:net"], "nets.py has no function 'net'"),
    (["--arch", "{d}/nets.py:VALUE"], "is not a function, got int"),
    (["--widths", "-16,32"], "--widths -16 is not a width: widths are positive integers"),
    (["--widths", "16"], "at least two distinct widths"),
    (["--widths", "16,10000000"], "width 10000000: one hessian point on mlp needs about"),
    (["--steps", "5"], "--steps applies to --measure ntk-change, not hessian"),
    (["--jobs", "0"], "argument --jobs: expected a positive integer, got '0'"),
    (["--jobs", "-2"], "argument --jobs: expected a positive integer, got '-2'"),
    (["--threads", "0"], "argument --threads: expected a positive integer, got '0'"),
    (["--lr-scale", "nan", "--measure", "ntk-change"], "expected a positive number"),
])
def test_usage_errors_exit_2_in_one_line_before_any_work(files, capsys, extra, message):
    out = files / "out"
    args = [a.format(d=files) for a in extra]
    widths = [] if "--widths" in args else ["--widths", "8,16"]
    status, err = run(capsys, *widths, "--seeds", "2", *args, "--out", str(out))
    assert status == 2
    assert message in err, err
    assert "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("specproof")]) == 1
    assert not out.exists()  # nothing written, no empty cache left behind


def test_out_folder_refusals(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("do not overwrite")
    status, err = run(capsys, "--widths", "8,16", "--seeds", "2", "--out", str(mine))
    assert status == 2 and "holds files that specproof ntk did not write (thesis.tex)" in err
    assert os.listdir(mine) == ["thesis.tex"]
    (tmp_path / "afile").write_text("x")
    status, err = run(capsys, "--widths", "8,16", "--seeds", "2",
                      "--out", str(tmp_path / "afile"))
    assert status == 2 and "is not a folder: it is a file" in err
    status, err = run(capsys, "--widths", "8,16", "--seeds", "2",
                      "--out", str(tmp_path / "afile" / "sub"))
    assert status == 2 and "is not a writable folder" in err and "Traceback" not in err
    status, err = run(capsys, "--widths", "8,16", "--seeds", "2", "--out", "/proc/specproof")
    assert status == 2 and "is not a writable folder" in err and "Traceback" not in err


def test_every_api_activation_is_offered():
    from specproof.dag_nets import ACTIVATIONS

    assert set(CLI_ACTIVATIONS) == set(ACTIVATIONS)


def test_options_reach_the_configuration_and_slopes_json_records_it(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["ntk", "--arch", "mlp,densenet", "--widths", "8,16", "--seeds", "2",
                 "--measure", "ntk-change", "--depth", "3", "--d-in", "4", "--n-inputs", "5",
                 "--data-seed", "7", "--steps", "4", "--lr-scale", "0.5",
                 "--activation", "tanh", "--threads", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    summary = json.loads((out / "slopes.json").read_text())
    cfg = summary["configs"]["densenet"]
    assert {k: cfg[k] for k in ("depth", "d_in", "n_inputs", "data_seed", "steps",
                                "lr_scale", "activation", "parameterization")} == {
        "depth": 3, "d_in": 4, "n_inputs": 5, "data_seed": 7, "steps": 4, "lr_scale": 0.5,
        "activation": "tanh", "parameterization": "ntk"}
    with open(out / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for arch, fit in summary["slopes"].items():
        # the widths recorded as fitted are the x values of the fit (a DenseNet's minimum
        # in-degree is its width plus the input size)
        xs = sorted({int(r[fit["fitted_against"]]) for r in rows if r["arch"] == arch})
        assert fit["fitted_widths"] == xs and fit["swept_widths"] == [8, 16]
        assert fit["n"] == 4
    assert summary["slopes"]["densenet"]["fitted_widths"] == [12, 20]  # 4 + m, depth 3
    # d_in=4, 5 inputs: the MLP of depth 3 has 4*8 + 8*8*2 + 8 weights at width 8
    assert {r["n_params"] for r in rows if r["arch"] == "mlp" and r["width"] == "8"} == {"168"}


def test_resumed_run_writes_the_same_table_as_a_fresh_one(tmp_path, capsys):
    args = ["ntk", "--arch", "mlp", "--widths", "8,16,32", "--seeds", "2"]
    assert main([*args, "--out", str(tmp_path / "fresh")]) == 0
    # a partial run: half of the points, then the whole grid resumes from its cache
    assert main(["ntk", "--arch", "mlp", "--widths", "8,16", "--seeds", "2",
                 "--out", str(tmp_path / "resumed")]) == 0
    assert main([*args, "--out", str(tmp_path / "resumed")]) == 0
    capsys.readouterr()
    fresh = (tmp_path / "fresh" / "sweep.csv").read_text().splitlines()
    resumed = (tmp_path / "resumed" / "sweep.csv").read_text().splitlines()
    assert fresh[0] == resumed[0] == (
        "arch,width,seed,value,n_hvp,n_params,paper_width,residual,seconds")

    def strip(lines):  # the time of a recomputed point differs; nothing else may
        return [ln.rsplit(",", 1)[0] for ln in lines]

    assert strip(fresh) == strip(resumed)


def test_edited_graphml_gives_the_new_results_not_the_cached_ones(tmp_path, capsys):
    path = tmp_path / "net.graphml"
    g = nx.DiGraph([("x", "a"), ("a", "b"), ("b", "y")])
    nx.set_node_attributes(g, {"x": 3, "a": 1, "b": 1, "y": 1}, "size")
    nx.write_graphml(g, path)
    out = tmp_path / "o"
    args = ["ntk", "--arch", str(path), "--widths", "8,16", "--seeds", "2", "--out", str(out)]
    assert main(args) == 0
    first = json.loads((out / "slopes.json").read_text())
    g.add_edge("a", "y")  # a skip connection: a different network
    nx.write_graphml(g, path)
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "points read from" not in err  # every point recomputed
    second = json.loads((out / "slopes.json").read_text())
    with open(out / "sweep.csv", newline="") as fh:
        params = {int(r["n_params"]) for r in csv.DictReader(fh)}
    assert params == {3 * 8 + 8 * 8 + 8 + 8, 3 * 16 + 16 * 16 + 16 + 16}
    assert first["slopes"] != second["slopes"]
    # the same contents under another path is the same point: read back, not recomputed
    moved = tmp_path / "moved.graphml"
    moved.write_bytes(path.read_bytes())
    assert main(["ntk", "--arch", str(moved), "--widths", "8,16", "--seeds", "2",
                 "--out", str(out)]) == 0
    assert "4/4 points read from" in capsys.readouterr().err


def test_a_builder_module_in_the_current_folder_is_found(tmp_path, capsys, monkeypatch):
    (tmp_path / "cwd_nets_for_ntk.py").write_text(
        "from specproof.dag_nets import resnet\n"
        "def net(width):\n    return resnet(width, depth=2, d_in=3)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path
                                      if p not in ("", ".", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "cwd_nets_for_ntk", raising=False)
    assert main(["ntk", "--arch", "cwd_nets_for_ntk:net", "--measure", "kernel-error",
                 "--widths", "8,16", "--seeds", "2", "--out", "o"]) == 0
    capsys.readouterr()
    summary = json.loads((tmp_path / "o" / "slopes.json").read_text())
    assert summary["configs"]["cwd_nets_for_ntk:net"]["arch"] == "cwd_nets_for_ntk:net"


def test_ntk_measure_keeps_each_kernel_and_fits_both_distances(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["ntk", "--arch", "resnet", "--measure", "ntk", "--widths", "8,16,32",
                 "--seeds", "2", "--n-inputs", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "to the width's mean kernel: slope" in printed
    assert len(list((out / "cache").glob("*.npz"))) == 6
    with open(out / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["arch", "width", "seed", "value", "n_params", "paper_width",
                             "to_mean", "seconds"]
    # two seeds: both kernels are equally far from their mean
    for w in ("8", "16", "32"):
        a, b = (float(r["to_mean"]) for r in rows if r["width"] == w)
        assert a == pytest.approx(b, rel=1e-12)
    fit = json.loads((out / "slopes.json").read_text())["slopes"]["resnet"]
    assert fit["to_mean"]["slope"] < 0 and fit["slope"] < 0


def test_kernel_error_with_tanh_now_runs_where_it_failed_after_starting(tmp_path, capsys):
    # issue 17: "kernel-error with tanh" failed after starting (exit 1, an empty cache);
    # the limit now has every activation (quadrature), so it runs, on any architecture
    out = tmp_path / "o"
    assert main(["ntk", "--arch", "resnet", "--measure", "kernel-error", "--n-inputs", "3",
                 "--activation", "tanh", "--widths", "16,256", "--seeds", "2",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    m = json.loads((out / "slopes.json").read_text())["slopes"]["resnet"]["means"]
    assert 0 < m["256"] < 0.5 * m["16"] < 0.25  # 1/sqrt(16) = 0.25 expected
