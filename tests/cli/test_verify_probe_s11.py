"""What an adversarial probe of `verify --resume` and report folders found (session 11).

Each test failed before its fix: an edited measured value kept by --resume; a missing
figure of a kept claim left report.tex including it; a deleted code fingerprint resumed
silently; two runs into one --out both reported success; a record naming a file outside
the report ended in a traceback; SIGTERM left the workers running.
"""

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from specproof.claims import REGISTRY
from specproof.claims.folder import ReportFolder
from specproof.claims.run import OutputDirError
from specproof.cli import main

MODULE = textwrap.dedent(
    '''
    import time
    from specproof.claims import claim

    @claim("s11.a", paper="s11", kind="numerical", statement="a",
           profiles={"quick": {}, "paper": {}})
    def a(ctx, flip=False):
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        return ctx.evidence(holds=not flip, measured={"err": 1e-16}, expected="err < 1e-10",
                            key="err", figure=fig)

    @a.control
    def a_c(ctx):
        """d."""
        return a.check(ctx, flip=True)

    @claim("s11.b", paper="s11", kind="numerical", statement="b",
           profiles={"quick": {}, "paper": {}})
    def b(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"x": 1.0}, key="x")

    @b.control
    def b_c(ctx):
        """d."""
        return b.check(ctx, flip=True)
    '''
)
IDS = ("s11.a", "s11.b")


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "s11_claims.py"
    path.write_text(MODULE)
    yield path
    for cid in IDS:
        if cid in {c.id for c in REGISTRY}:
            REGISTRY.remove(cid)


def _verify(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", *args])
    return code, out.getvalue(), err.getvalue()


def _args(module, out):
    return ["--module", str(module), "--paper", "s11", "--out", str(out)]


def _edit(out, change):
    path = out / "evidence.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_an_edited_measured_value_is_not_kept(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    _edit(out, lambda d: d["claims"][0]["check"]["measured"].update(err=0.5))
    code, stdout, stderr = _verify(*_args(module, out), "--resume")
    assert code == 0
    assert "1 of 2 claims finished there and are kept" in stderr
    assert "s11.a runs again: its record was changed since it was written" in stderr
    doc = json.loads((out / "evidence.json").read_text())
    rec = next(r for r in doc["claims"] if r["id"] == "s11.a")
    assert rec["check"]["measured"]["err"] == 1e-16 and "resumed" not in rec


def test_a_kept_claim_whose_figure_is_gone_runs_again(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures and all(name.startswith("s11.a") for name in figures)
    for p in (out / "figures").iterdir():
        p.unlink()
    code, _, stderr = _verify(*_args(module, out), "--resume")
    assert code == 0 and "s11.a runs again: its file 'figures/s11.a" in stderr
    assert sorted(p.name for p in (out / "figures").iterdir()) == figures
    tex = (out / "report.tex").read_text()
    for name in figures:
        if name.endswith(".pdf"):
            assert name in tex


def test_a_record_naming_a_file_outside_the_report_is_not_kept(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    _edit(out, lambda d: d["claims"][0].update(figures={"check": "../x"}))
    code, _, stderr = _verify(*_args(module, out), "--resume")
    assert code == 0, stderr  # it was a traceback, exit 70
    assert "s11.a runs again" in stderr


def test_a_missing_fingerprint_is_refused(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    _edit(out, lambda d: d["environment"].pop("fingerprint"))
    code, _, stderr = _verify(*_args(module, out), "--resume")
    assert code == 2
    assert "records no code fingerprint (environment.fingerprint)" in stderr


def test_a_missing_digest_file_reruns_every_claim(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    (out / "evidence.digests.json").unlink()
    code, _, stderr = _verify(*_args(module, out), "--resume")
    assert code == 0 and "0 of 2 claims finished there and are kept" in stderr
    assert "no readable evidence.digests.json" in stderr


def test_two_runs_into_one_folder_the_second_is_refused(tmp_path):
    out = tmp_path / "rep"
    first = ReportFolder(out)
    first.open()
    try:
        with pytest.raises(OutputDirError, match="another specproof run is writing it now"):
            ReportFolder(out).open()
        assert len(list(tmp_path.glob(".rep.partial-*"))) == 1  # the refused one is gone
    finally:
        first.discard()
    second = ReportFolder(out)
    second.open()  # once the first is done, a run may write it
    second.discard()


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                    reason="POSIX signals only")
def test_sigterm_stops_the_workers_and_keeps_the_finished_claims(module, tmp_path):
    slow = tmp_path / "slow_claims.py"
    slow.write_text(textwrap.dedent('''
        import time
        from specproof.claims import claim
        for i in range(4):
            def make(i):
                @claim(f"s11t.c{i}", paper="s11t", kind="numerical", statement="s",
                       profiles={"quick": {}, "paper": {}})
                def c(ctx, flip=False):
                    time.sleep(0.3 if i == 0 else 30)
                    return ctx.evidence(holds=not flip, measured={"x": 1.0}, key="x")
                @c.control
                def cc(ctx):
                    """d."""
                    return ctx.evidence(holds=False, measured={"x": 1.0}, key="x")
            make(i)
        '''))
    out = tmp_path / "term"
    proc = subprocess.Popen(
        [sys.executable, "-m", "specproof", "verify", "--module", str(slow), "--paper",
         "s11t", "--jobs", "2", "--threads", "1", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        partial = list(tmp_path.glob(".term.partial-*/evidence.json"))
        if partial and "s11t.c0" in partial[0].read_text():
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the first claim never finished")
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                              text=True).stdout.split()
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "terminated (SIGTERM)" in stderr or "interrupted:" in stderr
    doc = json.loads((out / "evidence.json").read_text())
    assert [r["id"] for r in doc["claims"]] == ["s11t.c0"] and doc["interrupted"] is True
    time.sleep(1.0)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}")]
    assert not alive, f"worker processes {alive} outlived the run"
    for cid in [f"s11t.c{i}" for i in range(4)]:
        if cid in {c.id for c in REGISTRY}:
            REGISTRY.remove(cid)


def test_a_rerendered_report_is_not_resumed_from(module, tmp_path):
    # `specproof report` renders whatever evidence it is given (edited or not): it writes no
    # digests, so --resume into its folder runs every claim again
    from specproof.claims.report import rerender

    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    _edit(out, lambda d: d["claims"][0]["check"]["measured"].update(err=0.5))
    again = tmp_path / "again"
    rerender(str(out / "evidence.json"), str(again))
    assert not (again / "evidence.digests.json").exists()
    code, _, stderr = _verify(*_args(module, again), "--resume")
    assert code == 0 and "0 of 2 claims finished there and are kept" in stderr


def test_a_symlinked_out_is_refused(module, tmp_path):
    real = tmp_path / "realrep"
    assert _verify(*_args(module, real))[0] == 0
    link = tmp_path / "linkrep"
    link.symlink_to(real)
    code, _, stderr = _verify(*_args(module, link))
    assert code == 2 and "is a symbolic link" in stderr
    assert link.is_symlink()  # it was replaced by a folder, the report behind it kept


def test_a_cut_short_evidence_is_named_on_resume(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    text = (out / "evidence.json").read_text()
    (out / "evidence.json").write_text(text[: len(text) // 2])
    code, _, stderr = _verify(*_args(module, out), "--resume")
    # the folder is no report any more: refused as --out, and the reason named
    assert code == 2, stderr
    from specproof.claims.resume import unreadable_runs
    assert unreadable_runs(out) == [out.absolute()]


def test_a_killed_runs_cut_short_evidence_is_named_on_resume(module, tmp_path):
    out = tmp_path / "rep"
    assert _verify(*_args(module, out))[0] == 0
    partial = tmp_path / ".rep2.partial-killed"
    partial.mkdir()
    text = (out / "evidence.json").read_text()
    (partial / "evidence.json").write_text(text[: len(text) // 2])
    code, _, stderr = _verify(*_args(module, tmp_path / "rep2"), "--resume")
    assert code == 0
    assert f"the evidence.json of the earlier run in {str(partial)!r} cannot be read" in stderr


def test_verify_runs_from_a_thread_that_is_not_the_main_one(module, tmp_path):
    # signal handlers belong to the main thread: main() from another thread keeps the
    # default SIGTERM instead of raising ValueError
    import threading

    result = {}

    def run():
        result["code"] = _verify(*_args(module, tmp_path / "rep"))[0]

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert result["code"] == 0
