"""Findings of a review of the command line against docs/cli.md, each kept as a test."""

import numpy as np
import pytest

from specproof.cli import main


@pytest.mark.parametrize("bound", ["1e400", "2e308"])
def test_certify_with_a_bound_beyond_floats_is_one_line(tmp_path, capsys, bound):
    # OverflowError with a traceback, exit 1; now refused before the solve, saying why
    # such a C holds anyway (session 18)
    path = tmp_path / "X.npy"
    np.save(path, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert main(["certify", str(path), "--C", bound]) == 2
    err = capsys.readouterr().err
    assert "--C must be at most 2^1000 times the scale of this X" in err
    assert "||X||_F^4 = 900 <= C" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["verify", "--only", "lin-sn-gan.homogeneity", "--out", ""],
    ["lemma", "x**2 >= 0", "-o", ""],
    ["report", "evidence.json", "--out", ""],
])
def test_an_empty_output_path_is_refused(tmp_path, monkeypatch, capsys, argv):
    # "" is the current folder: verify --out '' replaced it, lemma -o '' wrote nothing
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    assert main(argv) == 2
    assert "is an empty path" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"
