"""Ctrl-C under `specproof ntk --jobs 2`: stops at once, keeps every finished point.

The elapsed time from SIGINT to exit is asserted because stopping "within 2 s" is the
behaviour issue 17 asks for (before, the pool waited for its running points: 26-33 s);
the running points here would take 10 minutes, so a run that waits for them cannot pass.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

from specproof.cli import main

ROOT = Path(__file__).resolve().parents[2]

SLOW_BUILDER = """
import multiprocessing, time
from specproof.dag_nets import mlp

def slow(width):
    # widths >= 32 never finish in a worker process (the parent builds them at once)
    if width >= 32 and multiprocessing.current_process().name != "MainProcess":
        time.sleep(600)
    return mlp(width, depth=2, d_in=3)
"""


def _default_sigint() -> None:
    # a child inherits an ignored SIGINT (pytest-xdist workers, a shell's background job),
    # and Python then never raises KeyboardInterrupt: the test's Ctrl-C would go unheard
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_under_jobs_2_exits_at_once_and_keeps_finished_points(tmp_path, capsys):
    builder = tmp_path / "slow.py"
    builder.write_text(SLOW_BUILDER)
    out = tmp_path / "run"
    args = ["ntk", "--arch", f"{builder}:slow", "--widths", "8,16,32", "--seeds", "2",
            "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "specproof", *args, "--jobs", "2"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("cache/*.json"))) < 4 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        time.sleep(0.3)  # the two slow points are running now
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    assert rc == 130, err
    # the two running points sleep 600 s: stopping well before that means the workers
    # were stopped, not awaited (a behavioural bound, generous for a loaded machine)
    assert elapsed < 30.0, f"took {elapsed:.1f} s to stop"
    assert "interrupted: 4 of 6 points finished and kept in" in err
    assert "2 cancelled; rerun the same command to resume" in err
    assert "Traceback" not in err
    assert len(list(out.glob("cache/*.json"))) == 4
    # the rerun (serial, here: the slow widths are fast in the parent) reads the 4 back
    assert main(args) == 0
    assert "4/6 points read from" in capsys.readouterr().err


def test_sigint_serial_says_how_many_points_are_done(tmp_path, capsys, monkeypatch):
    from specproof.dag_nets import measures

    calls = []
    real = measures.hessian

    def interrupting(config, seed):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(seed)
        return real(config, seed)

    interrupting.check, interrupting.key_config = real.check, real.key_config
    interrupting.__qualname__ = "hessian"
    monkeypatch.setitem(measures.MEASURES, "hessian", interrupting)
    out = tmp_path / "o"
    assert main(["ntk", "--widths", "8,16", "--seeds", "2", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted: 3 of 4 points finished and kept in" in err
    assert len(list(out.glob("cache/*.json"))) == 3
