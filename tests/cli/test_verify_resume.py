"""`verify` after an interruption: SIGINT, SIGKILL, --resume, --last-failed, stale folders.

The runs are real processes (``python -m specproof``), stopped with real signals while a
claim blocks; a claim blocks while the file named by ``SLOW_BLOCK`` exists.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import specproof

ROOT = Path(specproof.__file__).resolve().parents[1]

SLOW = textwrap.dedent(
    '''
    import os, time
    from specproof.claims import claim

    def _mk(name, block):
        @claim(f"slow.{name}", paper="slow", kind="exact", statement=name,
               profiles={"quick": {}, "paper": {}})
        def check(ctx, variant="check"):
            with open(os.environ["SLOW_LOG"], "a") as fh:
                fh.write(f"{name}:{variant}\\n")
            import matplotlib.pyplot as plt
            fig = plt.figure()
            plt.plot([1, 2], [1, 3 if variant == "check" else 2])
            if block and variant == "control":
                while os.path.exists(os.environ["SLOW_BLOCK"]):
                    time.sleep(0.05)
            return ctx.evidence(holds=variant == "check", measured={"v": 1.0}, figure=fig)

        @check.control
        def control(ctx):
            """the control fails"""
            return check.check(ctx, variant="control")

    _mk("a", False)
    _mk("b", True)
    _mk("c", True)
    '''
)


def _default_sigint() -> None:
    # a child inherits an ignored SIGINT (pytest-xdist workers, a shell's background job),
    # and Python then never raises KeyboardInterrupt: the test's Ctrl-C would go unheard
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def slow(tmp_path):
    (tmp_path / "slow_claims.py").write_text(SLOW)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "SLOW_LOG": str(tmp_path / "log.txt"), "SLOW_BLOCK": str(tmp_path / "block")}
    return tmp_path, env


def _start(tmp_path, env, *extra):
    (tmp_path / "block").write_text("")
    (tmp_path / "log.txt").write_text("")
    return subprocess.Popen(
        [sys.executable, "-m", "specproof", "verify", "--module", "slow_claims.py",
         "--paper", "slow", "--out", "rep", *extra],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_sigint,
    )


def _wait_for_block(tmp_path, proc):
    # the blocking claim's control has started once its line is in the log
    for _ in range(1200):
        if "b:control" in (tmp_path / "log.txt").read_text():
            return
        if proc.poll() is not None:
            raise AssertionError(proc.communicate())
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the blocking claim never started")


def _run(tmp_path, env, *extra):
    (tmp_path / "log.txt").write_text("")
    return subprocess.run(
        [sys.executable, "-m", "specproof", "verify", "--module", "slow_claims.py",
         "--paper", "slow", "--out", "rep", *extra],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=240,
    )


def _ids(folder: Path) -> list[str]:
    return [c["id"] for c in json.loads((folder / "evidence.json").read_text())["claims"]]


def test_sigkill_then_resume_runs_only_the_rest(slow):
    tmp_path, env = slow
    proc = _start(tmp_path, env)
    _wait_for_block(tmp_path, proc)
    proc.kill()  # SIGKILL: nothing of the run's own clean-up runs
    proc.communicate()
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".rep.partial-")]
    assert len(partial) == 1 and not (tmp_path / "rep").exists()
    assert _ids(partial[0]) == ["slow.a"]  # saved as it finished
    assert (partial[0] / "figures" / "slow.b.png").exists()  # the unfinished claim's figure
    (tmp_path / "block").unlink()
    res = _run(tmp_path, env, "--resume")
    assert res.returncode == 0, res.stderr
    assert "continuing from a killed run's folder" in res.stderr
    # only the claims that had not finished ran again
    assert (tmp_path / "log.txt").read_text().split() == [
        "b:check", "b:control", "c:check", "c:control"]
    rep = tmp_path / "rep"
    doc = json.loads((rep / "evidence.json").read_text())
    assert _ids(rep) == ["slow.a", "slow.b", "slow.c"] and doc["complete"] is True
    assert [c["verdict"] for c in doc["claims"]] == ["PASS"] * 3
    assert "[3/3]" in res.stderr and "slow.a" in res.stdout  # the summary is whole
    for name in ("slow.a", "slow.b", "slow.c"):
        assert (rep / "figures" / f"{name}.png").exists()
    # the stale folder was used up and removed; no lock file in the report
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not (rep / ".lock").exists()


def test_sigint_exits_130_with_one_line_and_keeps_only_finished_claims(slow):
    tmp_path, env = slow
    # under --jobs 2, SIGINT to the parent alone: it must stop its workers too
    proc = _start(tmp_path, env, "--jobs", "2")
    _wait_for_block(tmp_path, proc)
    for _ in range(1200):  # until slow.a is saved in the staging folder
        staged = list(tmp_path.glob(".rep.partial-*/evidence.json"))
        if staged and "slow.a" in staged[0].read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    interrupted = [line for line in err.splitlines() if "interrupted" in line]
    assert interrupted == [
        f"interrupted: 1 of 3 claims finished and are kept in {str(tmp_path / 'rep')!r}; "
        "--resume runs the other 2"]
    rep = tmp_path / "rep"
    doc = json.loads((rep / "evidence.json").read_text())
    assert doc["interrupted"] is True and _ids(rep) == ["slow.a"]
    # the check of slow.b had drawn its figure; it is not in the report
    assert sorted(p.name for p in (rep / "figures").iterdir()) == [
        "slow.a.control.pdf", "slow.a.control.png", "slow.a.pdf", "slow.a.png"]
    # --last-failed counts the claims that did not run as not passed
    (tmp_path / "block").unlink()
    res = _run(tmp_path, env, "--last-failed")
    assert res.returncode == 0, res.stderr
    assert "rerunning 2 claims that did not PASS last time (2 did not run)" in res.stderr
    assert "a:check" not in (tmp_path / "log.txt").read_text()
    assert sorted(_ids(rep)) == ["slow.a", "slow.b", "slow.c"]
