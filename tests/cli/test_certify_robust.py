"""`certify --C`, FALSE and its exit status, `check`'s usage errors, --q, Ctrl-C, pipes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import specproof
from specproof.cli import main

ROOT = Path(specproof.__file__).resolve().parents[1]
X = np.random.default_rng(0).standard_normal((30, 5)) * 1.3


def _default_sigint() -> None:
    # a child inherits an ignored SIGINT (pytest-xdist workers, a shell's background job),
    # and Python then never raises KeyboardInterrupt: the test's Ctrl-C would go unheard
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def xfile(tmp_path_factory):
    path = tmp_path_factory.mktemp("x") / "X.npy"
    np.save(path, X)
    return str(path)


def test_false_bound_exits_4_with_the_witness(xfile, capsys):
    assert main(["certify", xfile, "--C", "587.9"]) == 4
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FALSE: the witness v gives ‖Xv‖₄⁴ = 593.8")
    assert out[0].endswith("> C = 587.9 (v scaled to ‖v‖₂ = 1; decided in exact arithmetic)")
    v = np.array(eval(out[1].split("=", 1)[1]))  # the exact floats, pasted back
    assert np.sum((X @ v) ** 4) / np.dot(v, v) ** 2 > 587.9


def test_true_user_bound_is_certified(xfile, tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert main(["certify", xfile, "--C", "600", "--exact", "-o", str(cert)]) == 0
    assert "C given by --C" in capsys.readouterr().out
    assert main(["check", str(cert), "--exact"]) == 0
    assert capsys.readouterr().out.startswith("VALID: ||X||_{2->4}^4 <= 600 ")


def test_check_usage_errors(xfile, tmp_path, capsys):
    assert main(["check", str(tmp_path / "nofile.json")]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.strip() == (
        f"specproof check: error: certificate file {str(tmp_path / 'nofile.json')!r} "
        "does not exist")
    assert main(["check", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    numeric = tmp_path / "n.json"
    assert main(["certify", xfile, "-o", str(numeric)]) == 0
    capsys.readouterr()
    assert main(["check", str(numeric), "--exact"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and "is not an exact certificate" in cap.err
    assert "INVALID" not in cap.err


def test_directory_as_x_and_q_messages(xfile, tmp_path, capsys):
    assert main(["certify", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    # the flag is named, and an integer is shown as typed (the library saw 3.0)
    for q, shown in (("inf", "inf"), ("-4", "-4"), ("3", "3"), ("x", "'x'")):
        assert main(["certify", xfile, "--q", q]) == 2
        err = capsys.readouterr().err
        assert err == ("specproof certify: error: --q must be an even integer >= 2 and <= 6 "
                       f"for this method, got {shown}\n")


def test_library_q_message_has_no_inf_where_inf_is_refused():
    from specproof.certificates import certify

    for q in (-4, "inf", 3):
        with pytest.raises(ValueError) as info:
            certify(X, q=q)
        assert "or inf" not in str(info.value) and "even integer" in str(info.value)


def test_broken_pipe_in_certify_is_quiet(xfile, monkeypatch, capsys):
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    assert main(["certify", xfile]) == 141
    assert capsys.readouterr().err == ""


def test_ctrl_c_during_certify_is_one_line_and_130(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.random.default_rng(1).standard_normal((200, 24)))  # SCS, seconds
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "specproof", "certify", str(path), "--exact"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    # interrupt once the solver runs: its problem data exist after ~1 s of start-up
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    # one line (the command's name is known once the command line has loaded)
    assert err in ("specproof certify: interrupted\n", "specproof: interrupted\n")
    assert out == ""
