"""A sixth review of `specproof verify` and the claims engine: each finding kept as a test.

Before the fixes: a measured integer of 5736 digits or a BaseException subclass raised by
a check ended the whole run and deleted every finished claim; ``Evidence(measured=[...])``
crashed the report writer; under ``--jobs`` one worker killed by SIGKILL lost the run.
"""

import json
import sys
import textwrap

import pytest

from specproof.claims import Evidence
from specproof.cli import main

P = '{"quick": {}, "paper": {}}'


def _records(out):
    return {r["id"]: r for r in json.loads((out / "evidence.json").read_text())["claims"]}


def test_huge_integers_base_exceptions_and_wrong_evidence_are_claim_errors(
        tmp_path, clean, claim_module):
    mod = claim_module("pfs_values", f'''
        import math
        from specproof.claims import Evidence

        class Stop(BaseException):
            pass

        @claim("pfs1.bigpass", paper="pfs1", kind="exact", statement="s", profiles={P})
        def bigpass(ctx):
            return ctx.evidence(holds=True, measured={{"n": math.factorial(2000)}})
        bigpass.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfs1.bigfail", paper="pfs1", kind="exact", statement="s", profiles={P})
        def bigfail(ctx):
            return ctx.evidence(holds=False, measured={{"n": -math.factorial(2000)}},
                                key="n")
        bigfail.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfs1.base", paper="pfs1", kind="exact", statement="s", profiles={P})
        def base(ctx):
            raise Stop("a BaseException that is not an Exception")
        base.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfs1.list", paper="pfs1", kind="exact", statement="s", profiles={P})
        def as_list(ctx):
            return Evidence(holds=True, measured=[1, 2, 3])
        as_list.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfs1", "--out", str(out)]) == 1
    recs = _records(out)
    assert recs["pfs1.bigpass"]["verdict"] == "PASS"
    assert recs["pfs1.bigpass"]["check"]["measured"]["n"].startswith(
        "3.316275092...e+5735 (an integer of 5736 digits")
    assert recs["pfs1.bigfail"]["verdict"] == "FAIL"
    assert "-3.316275092...e+5735" in (out / "report.md").read_text()
    assert recs["pfs1.base"]["verdict"] == "ERROR" and "Stop" in recs["pfs1.base"]["reason"]
    assert recs["pfs1.list"]["verdict"] == "ERROR"
    assert "Evidence.measured must be a dict" in recs["pfs1.list"]["reason"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(measured={1: 2.0}), "keys must be str"),
    (dict(measured=[1, 2]), "measured must be a dict"),
    (dict(expected=None), "expected must be a str"),
    (dict(table={"a": 1}), "table must be a list of dicts"),
    (dict(table=[1, 2]), "a row that is not a dict"),
    (dict(measured={"a": 1}, key=1), "key must be a str or None"),
])
def test_evidence_refuses_shapes_the_report_cannot_hold(kwargs, message):
    with pytest.raises(TypeError, match=message):
        Evidence(holds=True, **kwargs)


def test_a_worker_killed_under_jobs_is_that_claims_error_and_the_rest_finish(
        tmp_path, clean, claim_module):
    mod = claim_module("pfs_kill", f'''
        import os, signal, time

        for i in range(3):
            @claim(f"pfs2.ok{{i}}", paper="pfs2", kind="exact", statement="s", profiles={P})
            def ok(ctx):
                time.sleep(0.3)
                return ctx.evidence(holds=True, measured={{"x": 1.0}})
            ok.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfs2.killed", paper="pfs2", kind="exact", statement="s", profiles={P})
        def killed(ctx):
            os.kill(os.getpid(), signal.SIGKILL)
        killed.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    code = main(["verify", "--module", str(mod), "--paper", "pfs2", "--jobs", "2",
                 "--out", str(out)])
    assert code == 1
    recs = _records(out)
    assert {k: v["verdict"] for k, v in recs.items()} == {
        "pfs2.ok0": "PASS", "pfs2.ok1": "PASS", "pfs2.ok2": "PASS", "pfs2.killed": "ERROR"}
    assert "worker process died" in recs["pfs2.killed"]["reason"]


_LABELLED = f'''
    @claim("pfs3.a", paper="pfs3", kind="exact", statement="s", profiles={P},
           labels={{"x": "LABEL-A"}})
    def a(ctx):
        return ctx.evidence(holds=True, measured={{"x": 1.0}})
    a.control(lambda ctx: ctx.evidence(holds=False))

    @claim("pfs3.b", paper="pfs3", kind="exact", statement="s", profiles={P})
    def b(ctx):
        return ctx.evidence(holds=True, measured={{"y": 1.0}}, labels={{"y": "LABEL-B"}})
    b.control(lambda ctx: ctx.evidence(holds=False))
    '''


def test_a_crash_outside_the_claims_keeps_the_finished_ones_for_resume(
        tmp_path, clean, monkeypatch, capsys, claim_module):
    import importlib

    v = importlib.import_module("specproof.claims.verify")

    mod = claim_module("pfs_crash", _LABELLED)
    out = tmp_path / "rep"
    real, calls = v.write_report, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the second claim: the report writer itself fails
            raise RuntimeError("disk trouble")
        return real(*args, **kwargs)

    monkeypatch.setattr(v, "write_report", flaky)
    # an internal error: exit status 70 with the traceback, never a verdict's status
    assert main(["verify", "--module", str(mod), "--paper", "pfs3", "--out", str(out)]) == 70
    err = capsys.readouterr().err
    assert "the 2 claims finished are kept, `--resume` continues it" in err
    assert "RuntimeError: disk trouble" in err and "internal error (exit status 70" in err
    monkeypatch.setattr(v, "write_report", real)
    assert main(["verify", "--module", str(mod), "--paper", "pfs3", "--out", str(out),
                 "--resume"]) == 0
    assert "1 of 2 claims finished there and are kept" in capsys.readouterr().err
    recs = _records(out)
    assert recs["pfs3.a"].get("resumed") is True and recs["pfs3.b"].get("resumed") is not True
    # the kept claim's labels survive the resume (they were dropped)
    assert recs["pfs3.a"]["check"]["labels"] == {"x": "LABEL-A"}
    assert (out / "report.md").read_text().count("LABEL-A") >= 1


def test_report_refuses_evidence_naming_files_outside_the_folder(
        tmp_path, clean, capsys, claim_module):
    mod = claim_module("pfs_files", _LABELLED)
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfs3", "--out", str(out)]) == 0
    doc = json.loads((out / "evidence.json").read_text())
    for bad in ("../../../PWNED.txt", "/etc/passwd", "a/../../b.json"):
        doc["claims"][0]["check"]["certificates"] = [bad]
        (out / "evidence.json").write_text(json.dumps(doc))
        code = main(["report", str(out / "evidence.json"), "--out", str(tmp_path / "again")])
        assert code == 2
        assert "a report's file names are a claim id and a suffix" in capsys.readouterr().err
    assert not (tmp_path.parent / "PWNED.txt").exists()


def test_report_does_not_link_a_javascript_paper_url(tmp_path, clean, claim_module):
    mod = claim_module("pfs_url", _LABELLED)
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfs3", "--out", str(out)]) == 0
    doc = json.loads((out / "evidence.json").read_text())
    doc.setdefault("papers", {})["pfs3"] = {"citation": "Evil et al.",
                                           "url": "javascript:alert(1)"}
    (out / "evidence.json").write_text(json.dumps(doc))
    again = tmp_path / "again"
    assert main(["report", str(out / "evidence.json"), "--out", str(again)]) == 0
    for name in ("report.html", "report.md"):
        assert "javascript:" not in (again / name).read_text()


def test_last_failed_refuses_after_the_module_changed(tmp_path, clean, capsys, claim_module):
    body = f'''
        @claim("pfs4.a", paper="pfs4", kind="exact", statement="s", profiles={P})
        def a(ctx):
            return ctx.evidence(holds=HOLDS_A, measured={{"x": 1.0}})
        a.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfs4.b", paper="pfs4", kind="exact", statement="s", profiles={P})
        def b(ctx):
            return ctx.evidence(holds=False, measured={{"y": 1.0}})
        b.control(lambda ctx: ctx.evidence(holds=False))
        '''
    mod = claim_module("pfs_lf", textwrap.dedent(body))
    mod.write_text("HOLDS_A = True\n" + mod.read_text())
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfs4", "--out", str(out)]) == 1
    mod.write_text(mod.read_text().replace("HOLDS_A = True", "HOLDS_A = False"))
    for name in [n for n in sys.modules if n.startswith("_specproof_user_pfs")]:
        del sys.modules[name]
    capsys.readouterr()
    assert main(["verify", "--module", str(mod), "--paper", "pfs4", "--out", str(out),
                 "--last-failed"]) == 2
    err = capsys.readouterr().err
    assert "--last-failed: --module" in err and "changed since the run" in err
    # nothing ran and the previous report is intact
    assert _records(out)["pfs4.a"]["verdict"] == "PASS"


def test_an_id_defined_twice_in_one_module_is_an_error(tmp_path, clean, claim_module):
    mod = claim_module("pfs_dup", f'''
        @claim("pfs5.a", paper="pfs5", kind="exact", statement="first", profiles={P})
        def a(ctx):
            return ctx.evidence(holds=True)

        @claim("pfs5.a", paper="pfs5", kind="exact", statement="second", profiles={P})
        def a2(ctx):
            return ctx.evidence(holds=True)
        ''')
    from specproof.claims.selection import UserModuleError, import_user_modules

    # a warning let the second (possibly true) definition silently replace the first
    with pytest.raises(UserModuleError, match=r"claim id 'pfs5.a' is registered twice in one "
                       r"execution of .*pfs_dup.py, at line 3 and at line 7"):
        import_user_modules([str(mod)])


def test_a_long_table_is_cut_in_html_and_md_but_whole_in_the_evidence(
        tmp_path, clean, claim_module):
    mod = claim_module("pfs_table", f'''
        @claim("pfs6.t", paper="pfs6", kind="exact", statement="s", profiles={P})
        def t(ctx):
            rows = [{{"i": i, "x": i * 0.5}} for i in range(2000)]
            return ctx.evidence(holds=True, measured={{"n": 2000}}, table=rows)
        t.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfs6", "--out", str(out)]) == 0
    assert len(_records(out)["pfs6.t"]["check"]["table"]) == 2000
    for name in ("report.html", "report.md"):
        text = (out / name).read_text()
        assert "2000 rows; the first 500 shown, every row is in evidence.json" in text
        assert "999.5" not in text and "249.5" in text  # rows 1999 and 499


@pytest.mark.parametrize("order", ["path-first", "dotted-first"])
def test_the_same_file_as_a_path_and_as_a_dotted_name_is_imported_once(
        tmp_path, clean, monkeypatch, order, claim_module):
    mod = claim_module("pfs_twice", f'''
        @claim("pfs7.a", paper="pfs7", kind="exact", statement="s", profiles={P})
        def a(ctx):
            return ctx.evidence(holds=True, measured={{"x": 1.0}})
        a.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    names = [str(mod), "pfs_twice"] if order == "path-first" else ["pfs_twice", str(mod)]
    args = ["verify", "--paper", "pfs7", "--out", str(tmp_path / "rep")]
    for n in names:
        args += ["--module", n]
    try:
        assert main(args) == 0
    finally:
        sys.modules.pop("pfs_twice", None)
