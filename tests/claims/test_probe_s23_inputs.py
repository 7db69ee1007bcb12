"""Session 23: a data file that a check reads itself is part of what ``--resume`` and
``--last-failed`` compare (an edited file kept the stale PASS)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import textwrap

import pytest

from specproof.claims import REGISTRY, Registry, claim, run_claim
from specproof.claims.inputs import changed_input, data_inputs, files_opened
from specproof.cli import main
from specproof.theory import load_builtin_claims

P = {"quick": {}, "paper": {}}

CLAIMS = textwrap.dedent('''
    import json, os
    from specproof.claims import claim

    HERE = os.path.dirname(os.path.abspath(__file__))

    @claim("s23in.sum", paper="s23in", kind="exact", statement="the data sum to < 10",
           profiles={"quick": {}, "paper": {}})
    def chk(ctx, bound=10):
        with open(os.path.join(HERE, "s23_data.json")) as fh:
            total = sum(json.load(fh))
        return ctx.evidence(holds=total < bound, measured={"total": total})

    @chk.control
    def ctl(ctx, bound=10):
        """a bound below the sum"""
        return chk.check(ctx, bound=0)

    @claim("s23in.free", paper="s23in", kind="exact", statement="reads no file",
           profiles={"quick": {}, "paper": {}})
    def free(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"x": 1})

    @free.control
    def free_ctl(ctx, flip=False):
        """flipped"""
        return free.check(ctx, flip=True)
''')


@pytest.fixture
def project(tmp_path):
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    modules = set(sys.modules)
    mod = tmp_path / "s23_input_claims.py"
    mod.write_text(CLAIMS)
    (tmp_path / "s23_data.json").write_text("[1, 2, 3]")
    yield mod, tmp_path / "r"
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - modules:
        if name.startswith(("_specproof_user_", "s23")):
            del sys.modules[name]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _new_process() -> None:
    for c in list(REGISTRY):
        if c.paper == "s23in":
            REGISTRY.remove(c.id)
    for name in list(sys.modules):
        if name.startswith(("_specproof_user_", "s23")):
            del sys.modules[name]


@pytest.mark.parametrize("flag", ["--resume", "--last-failed"])
def test_an_edited_data_file_reruns_the_claim_that_read_it(project, flag):
    mod, out = project
    args = ("verify", "--module", str(mod), "--paper", "s23in", "--out", str(out))
    assert _run(*args)[0] == 0
    data = os.path.realpath(mod.parent / "s23_data.json")
    recs = {r["id"]: r for r in json.loads((out / "evidence.json").read_text())["claims"]}
    assert [r["path"] for r in recs["s23in.sum"]["inputs"]] == [data]
    assert "inputs" not in recs["s23in.free"]
    (mod.parent / "s23_data.json").write_text("[1, 2, 30]")  # the claim is false now
    _new_process()
    code, _, err = _run(*args, flag)
    assert f"s23in.sum runs again: its input file {data!r} changed since it ran" in err
    assert code == 1
    doc = json.loads((out / "evidence.json").read_text())
    assert {r["id"]: r["verdict"] for r in doc["claims"]} == {
        "s23in.sum": "FAIL", "s23in.free": "PASS"}


def test_an_unchanged_data_file_keeps_the_claim(project):
    mod, out = project
    args = ("verify", "--module", str(mod), "--paper", "s23in", "--out", str(out))
    assert _run(*args)[0] == 0
    _new_process()
    code, _, err = _run(*args, "--resume")
    assert code == 0 and "2 of 2 claims finished there and are kept" in err
    (mod.parent / "s23_data.json").unlink()
    _new_process()
    code, _, err = _run(*args, "--resume")
    assert "s23in.sum runs again: its input file" in err and "is gone" in err
    assert code == 1  # the rerun cannot open it: an ERROR


def test_what_a_run_does_not_count_as_its_input(tmp_path):
    # files the check writes itself, Python files, hidden folders and the libraries
    scratch, hidden = tmp_path / "scratch.txt", tmp_path / ".cache" / "x.json"
    helper, data = tmp_path / "helper.py", tmp_path / "data.csv"
    hidden.parent.mkdir()
    for f in (hidden, helper, data):
        f.write_text("1")
    with files_opened() as seen:
        scratch.write_text("a")
        scratch.read_text()
        for f in (hidden, helper, data):
            f.read_text()
        import numpy

        open(numpy.__file__).close()
    assert [r["path"] for r in data_inputs(seen)] == [os.path.realpath(data)]
    assert data_inputs(seen, exclude=[tmp_path]) == []


def test_files_opened_in_a_thread_of_the_check_count(tmp_path):
    import threading

    data = tmp_path / "t.txt"
    data.write_text("5")
    reg = Registry()

    @claim("s23in.thread", paper="s23in", kind="exact", statement="s", profiles=P,
           registry=reg)
    def chk(ctx, flip=False):
        box = []
        t = threading.Thread(target=lambda: box.append(data.read_text()))
        t.start()
        t.join()
        return ctx.evidence(holds=(box == ["5"]) != flip, measured={"n": len(box)})

    @chk.control
    def ctl(ctx, flip=False):
        """flipped"""
        return chk.check(ctx, flip=True)

    r = run_claim(chk)
    assert r.verdict == "PASS"
    assert r.inputs == [{"path": os.path.realpath(data), "sha256": r.inputs[0]["sha256"]}]
    assert changed_input(r.inputs) is None
    data.write_text("6")
    assert "changed since it ran" in changed_input(r.inputs)


@pytest.mark.parametrize("bad", [[{"path": 5, "sha256": "0"}], ["x"], [{"path": "/a"}]])
def test_a_malformed_inputs_record_is_not_taken_for_unchanged(bad):
    assert "cannot be read" in changed_input(bad)
