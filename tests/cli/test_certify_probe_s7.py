"""`specproof certify -o` and `check`: findings of an adversarial probe of the CLI."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from specproof._core.files import atomic_write
from specproof.cli import main


@pytest.fixture
def xfile(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).standard_normal((5, 3)))
    return str(path)


def test_output_naming_the_input_matrix_is_refused_and_the_data_kept(xfile, capsys):
    before = np.load(xfile)
    assert main(["certify", xfile, "-o", xfile]) == 2
    assert "is the input matrix" in capsys.readouterr().err
    np.testing.assert_array_equal(np.load(xfile), before)


def test_output_through_a_link_to_the_input_is_refused(xfile, tmp_path, capsys):
    link = tmp_path / "cert.json"
    link.symlink_to(xfile)
    assert main(["certify", xfile, "-o", str(link)]) == 2
    assert "is the input matrix" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_output_that_is_a_pipe_is_refused_before_any_work(xfile, tmp_path, capsys):
    # the write replaced /dev/null itself with a regular file when run as root
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["certify", xfile, "-o", str(fifo)]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert not fifo.is_file() and fifo.exists()


def test_a_link_to_a_file_is_written_through_not_replaced(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_bound_is_printed_as_typed_digits_and_flags_are_named(xfile, capsys):
    assert main(["certify", xfile, "--C", "60"]) == 0
    out = capsys.readouterr().out
    assert "||X||^4 <= 60)" in out and "6E+1" not in out
    for args, message in ((["--C", "abc"], "--C must be a finite number"),
                          (["--solver", "foo"], "--solver must be one of")):
        assert main(["certify", xfile, *args]) == 2
        assert f"specproof certify: error: {message}" in capsys.readouterr().err


def test_a_certificate_whose_statement_text_was_edited_is_invalid(xfile, tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert main(["certify", xfile, "-o", str(cert)]) == 0
    doc = json.loads(cert.read_text())
    assert doc["statement"]["text"] == "||X||_{2->4}^4 <= C"
    doc["statement"]["text"] = "||X||_{2->4}^4 <= 1"  # a false sentence beside a true C
    cert.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["check", str(cert)]) == 2
    assert "statement.text must be '||X||_{2->4}^4 <= C'" in capsys.readouterr().out


def test_empty_csv_and_foreign_npy_get_their_own_messages(tmp_path, capsys):
    empty, foreign = tmp_path / "e.csv", tmp_path / "g.npy"
    empty.write_text("# only a comment\n")
    foreign.write_bytes(b"PK\x03\x04 not an array at all")
    assert main(["certify", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "holds no numbers (an empty CSV file)" in err and "Warning" not in err
    assert main(["certify", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert "is not a .npy file" in err and "pickled" not in err
