"""Probe s9: the registry and the report folder never lose a claim or a user's file.

B1. ``verify --out`` and ``report --out`` replace a folder only when it is a specproof
    report (a specproof ``evidence.json``, nothing but what a run writes); otherwise they
    refuse (exit 2, one line) and delete nothing.
A3. One claim id registered by two modules through a shared factory is an error naming
    both places; a re-import stays quiet.
C1. An id that cannot name a figure file (``a..b``, a final ``.``, too long) is refused
    when it is registered, not at the end of the run.
A5. ``--resume`` and ``--last-failed`` compare the helper modules the claim modules
    import, and specproof itself, not only the ``--module`` files.
D1. ``specproof report`` writes the re-derived verdicts and tally into the new
    ``evidence.json``, as its reports show them.
D5. A profile must fit the control's signature too.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from specproof._core import ArgumentError
from specproof.claims import REGISTRY, OutputDirError, Registry, claim
from specproof.claims.claim import DuplicateClaimError
from specproof.claims.folder import ReportFolder
from specproof.cli import main
from specproof.theory import load_builtin_claims

P = {"quick": {}, "paper": {}}

PASSING = textwrap.dedent('''
    from specproof.claims import claim

    @claim("s9ok.fine", paper="s9ok", kind="exact", statement="true",
           profiles={"quick": {}, "paper": {}})
    def fine(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"v": 1.0}, key="v")

    @fine.control
    def fine_c(ctx):
        """flipped"""
        return fine.check(ctx, flip=True)

    @claim("s9ok.bad", paper="s9ok", kind="exact", statement="false",
           profiles={"quick": {}, "paper": {}})
    def bad(ctx, flip=False):
        return ctx.evidence(holds=flip, measured={"v": 2.0}, key="v")

    @bad.control
    def bad_c(ctx):
        """flipped"""
        return bad.check(ctx, flip=True)
    ''')


@pytest.fixture
def forget():
    """Claims and modules a test registers or imports, removed afterwards."""
    # the built-in claims first: a test that loads them (verify does, on first use)
    # would otherwise see them as its own and remove them, and, their modules being
    # cached, nothing registers them again for the tests after it in this process
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    modules = set(sys.modules)
    yield
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - modules:
        if name.startswith(("_specproof_user_", "s9")):
            del sys.modules[name]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _report(tmp_path: Path, forget) -> Path:
    """A finished report of s9ok.fine (PASS) and s9ok.bad (FAIL)."""
    mod = tmp_path / "s9_ok_claims.py"
    mod.write_text(PASSING)
    out = tmp_path / "rep"
    assert _run("verify", "--module", str(mod), "--paper", "s9ok", "--out", str(out))[0] == 1
    return out


# B1. --out: only a specproof report is replaced --------------------------------------

def _project(tmp_path: Path) -> dict[str, str]:
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    files = {"data/x.csv": "a,b\n1,2\n", "thesis.tex": "\\documentclass{article}\n",
             "evidence.json": '{"accuracy": 0.93}\n', "my_claims.py": PASSING}
    for rel, text in files.items():
        (proj / rel).write_text(text)
    return files


def _unchanged(folder: Path, files: dict[str, str]) -> None:
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} \
        == set(files)
    for rel, text in files.items():
        assert (folder / rel).read_text() == text


def test_verify_refuses_a_project_folder_with_another_tools_evidence(tmp_path, forget):
    files = _project(tmp_path)
    proj = tmp_path / "proj"
    code, _, err = _run("verify", "--module", str(proj / "my_claims.py"), "--paper", "s9ok",
                        "--out", str(proj))
    assert code == 2
    assert err == (f"specproof verify: error: --out {str(proj)!r} holds 'data', which "
                   "specproof does not write: it is not a specproof report; a run replaces "
                   "its report folder as a whole, so it is refused and nothing is deleted: "
                   "choose another --out\n")
    _unchanged(proj, files)
    assert [p.name for p in tmp_path.iterdir()] == ["proj"]  # no staging folder either


def test_verify_refuses_an_evidence_json_that_is_not_specproofs(tmp_path, forget):
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "evidence.json").write_text('{"accuracy": 0.93}\n')
    code, _, err = _run("verify", "--only", "lin-sn-gan.homogeneity", "--out", str(alone))
    assert code == 2 and len(err.splitlines()) == 1
    assert "holds an evidence.json that is not specproof's (it has no 'schema' of " \
        "specproof's evidence, 'specproof.evidence/1' or 'specproof.evidence/2')" in err
    assert "choose another --out" in err
    _unchanged(alone, {"evidence.json": '{"accuracy": 0.93}\n'})


def test_a_report_folder_with_a_file_of_the_user_is_refused_and_kept(tmp_path, forget):
    out = _report(tmp_path, forget)
    (out / "figures" / "my-plot.svg").write_text("<svg/>")
    code, _, err = _run("verify", "--module", str(tmp_path / "s9_ok_claims.py"), "--paper",
                        "s9ok", "--out", str(out))
    assert code == 2 and "holds 'figures/my-plot.svg', which specproof does not write" in err
    assert (out / "figures" / "my-plot.svg").read_text() == "<svg/>"
    # the report itself is replaced as before once the file is gone
    (out / "figures" / "my-plot.svg").unlink()
    assert _run("verify", "--module", str(tmp_path / "s9_ok_claims.py"), "--paper", "s9ok",
                "--out", str(out))[0] == 1


def test_report_command_refuses_a_foreign_out_folder(tmp_path, forget):
    out = _report(tmp_path, forget)
    files = _project(tmp_path)
    code, _, err = _run("report", str(out / "evidence.json"), "--out", str(tmp_path / "proj"))
    assert code == 2
    assert err.startswith(f"specproof report: error: --out {str(tmp_path / 'proj')!r} holds "
                          "'data', which specproof does not write")
    _unchanged(tmp_path / "proj", files)


def test_a_file_added_during_the_run_stops_the_commit_and_stays(tmp_path, forget):
    out = _report(tmp_path, forget)
    folder = ReportFolder(out)
    staging = folder.open()
    (out / "notes.txt").write_text("mine")  # written while the claims run
    with pytest.raises(OutputDirError, match="changed while the run went on: it holds "
                       "'notes.txt'.* the new report is in"):
        folder.commit()
    assert (out / "notes.txt").read_text() == "mine" and (out / "evidence.json").is_file()
    assert staging.is_dir()  # left for --resume, unlocked


def test_a_users_folder_named_like_a_staging_folder_is_not_removed(tmp_path, forget):
    out = _report(tmp_path, forget)
    mine = tmp_path / ".rep.partial-mine"
    mine.mkdir()
    (mine / "draft.tex").write_text("draft")
    killed = tmp_path / ".rep.partial-killed"  # what a killed run leaves: removed
    (killed / "figures").mkdir(parents=True)
    (killed / "report.md").write_text("# partial")
    assert _run("verify", "--module", str(tmp_path / "s9_ok_claims.py"), "--paper", "s9ok",
                "--out", str(out))[0] == 1
    assert (mine / "draft.tex").read_text() == "draft"
    assert not killed.exists()


# A3. one id from two modules through a shared factory ---------------------------------

FACTORY = textwrap.dedent('''
    import numpy as np
    from specproof.claims import claim

    def norm_claim(claim_id, bound):
        @claim(claim_id, paper=claim_id.split(".")[0], kind="numerical",
               statement="||A||_2 <= bound", profiles={"quick": {}, "paper": {}})
        def check(ctx, b=bound):
            v = float(np.linalg.norm(np.ones((3, 3)), 2))
            return ctx.evidence(holds=v <= b, measured={"norm": v, "bound": b})

        @check.control
        def halved(ctx):
            """the bound halved"""
            return check.check(ctx, b=bound / 2)
        return check
    ''')


@pytest.fixture
def factory_modules(tmp_path, monkeypatch, forget):
    (tmp_path / "s9lib.py").write_text(FACTORY)
    (tmp_path / "s9_paper_a.py").write_text(
        "from s9lib import norm_claim\ntight = norm_claim('s9mine.norm-bound', 2.0)\n")
    (tmp_path / "s9_paper_b.py").write_text(
        "from s9lib import norm_claim\nloose = norm_claim('s9mine.norm-bound', 4.0)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_one_id_from_two_modules_through_a_factory_is_an_error(factory_modules):
    tmp = factory_modules
    code, _, err = _run("verify", "--module", "s9_paper_a", "--module", "s9_paper_b",
                        "--paper", "s9mine", "--out", str(tmp / "o"))
    assert code == 2
    assert err == (f"specproof verify: error: --module 's9_paper_b': claim id "
                   f"'s9mine.norm-bound' is registered twice: by {tmp / 's9_paper_a.py'}:2 and "
                   f"by {tmp / 's9_paper_b.py'}:2 (both through the check defined at "
                   "s9lib.py:6): the second would replace the first, which would never run; "
                   "give each claim its own id\n")
    assert not (tmp / "o").exists()


def test_a_re_import_of_a_factory_user_stays_quiet(factory_modules):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = importlib.import_module("s9_paper_a")
        first = REGISTRY.get("s9mine.norm-bound")
        importlib.reload(module)
        assert REGISTRY.get("s9mine.norm-bound") is not first
    assert REGISTRY.get("s9mine.norm-bound").check.__defaults__ == (2.0,)


def _factory(reg, bound, control_scale=0.5):
    @claim("s9f.x", paper="s9f", kind="exact", statement="s", profiles=P, registry=reg)
    def check(ctx, b=bound):
        return ctx.evidence(holds=b > 1)

    if control_scale == 0.5:
        @check.control
        def smaller(ctx):
            """halved"""
            return check.check(ctx, b=bound * control_scale)
    else:
        @check.control
        def other(ctx):
            """scaled"""
            return check.check(ctx, b=bound * control_scale)
    return check


def test_one_id_from_function_calls_must_be_the_same_claim():
    reg = Registry()
    first = _factory(reg, 2.0)
    _factory(reg, 2.0)  # the same claim again (a helper run twice): quiet
    assert reg.get("s9f.x") is not first
    with pytest.raises(DuplicateClaimError, match=r"claim id 's9f.x' is registered twice, with "
                       r"one check function \(test_probe_s9_registry_folder.py:\d+\) built "
                       r"with different values"):
        _factory(reg, 4.0)
    with pytest.raises(DuplicateClaimError, match="with different negative controls"):
        _factory(reg, 2.0, control_scale=0.25)
    assert reg.get("s9f.x").control_check.__name__ == "smaller"  # the first one kept


# C1. ids that cannot name a figure file -----------------------------------------------

@pytest.mark.parametrize(("cid", "message"), [
    ("s9id.a..b", "claim id 's9id.a..b' has an empty segment ('..')"),
    ("s9id.a.", "claim id 's9id.a.' ends in '.'"),
    ("s9id.a b", "claim_id must look like '<paper>.<name>' in lower case, got 's9id.a b' "
                 "(it holds ' '"),
    ("s9id.a/b", "(it holds '/'"),
    ("s9id." + "x" * 200, "is 205 characters long, more than 200"),
])
def test_an_id_that_cannot_name_a_file_is_refused_at_registration(cid, message):
    reg = Registry()
    with pytest.raises(ArgumentError) as info:
        claim(cid, paper="s9id", kind="exact", statement="s", profiles=P, registry=reg)
    assert message in str(info.value)
    assert len(reg) == 0


def test_verify_of_a_dotdot_id_is_a_usage_error_and_creates_nothing(tmp_path, forget):
    mod = tmp_path / "s9_dotdot.py"
    mod.write_text(textwrap.dedent('''
        from specproof.claims import claim

        @claim("s9dd.a..b", paper="s9dd", kind="exact", statement="x",
               profiles={"quick": {}, "paper": {}})
        def chk(ctx):
            return ctx.evidence(holds=True)
        '''))
    code, _, err = _run("verify", "--module", str(mod), "--out", str(tmp_path / "r"))
    assert code == 2  # was 70, an internal error, at the end of the run
    assert "claim id 's9dd.a..b' has an empty segment ('..')" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s9_dotdot.py"]


# A5. --resume and --last-failed see an edited helper ----------------------------------

def test_resume_and_last_failed_refuse_after_a_helper_module_changed(
        tmp_path, monkeypatch, forget):
    helper = tmp_path / "s9_helper_tol.py"
    helper.write_text("TOL = 1e-6\n")
    mod = tmp_path / "s9_claims08.py"
    mod.write_text(textwrap.dedent('''
        from specproof.claims import claim
        from s9_helper_tol import TOL

        @claim("s9res.helper", paper="s9res", kind="numerical", statement="err < TOL",
               profiles={"quick": {}, "paper": {}})
        def chk(ctx, tol=None):
            t = TOL if tol is None else tol
            return ctx.evidence(holds=1e-9 < t, measured={"tol": t})

        @chk.control
        def ctl(ctx):
            """tol 1e-12"""
            return chk.check(ctx, tol=1e-12)
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "r"
    args = ("verify", "--module", str(mod), "--paper", "s9res", "--out", str(out))
    assert _run(*args)[0] == 0
    environment = json.loads((out / "evidence.json").read_text())["environment"]
    helper.write_text("TOL = 1e-12   # edited: the claim is now false\n")
    for flag in ("--resume", "--last-failed"):
        code, _, err = _run(*args, flag)
        assert code == 2
        assert (f"specproof verify: error: {flag}: {str(helper.resolve())!r} (imported by the "
                f"claims' modules) changed since the run in {str(out)!r} (its SHA-256 "
                f"differs), so the claims that run had finished are not this code's results; "
                f"rerun without {flag}") in err
    assert json.loads((out / "evidence.json").read_text())["summary"]["PASS"] == 1  # kept
    # the evidence records the helper with the SHA-256 it had
    assert [rec["name"] for rec in environment["fingerprint"]["modules"]
            if rec["path"] == str(helper.resolve())] == ["s9_helper_tol"]
    sys.modules.pop("s9_helper_tol")  # a new process would import the edited helper
    assert _run(*args)[0] == 1


def test_a_change_of_specproof_itself_is_a_change_of_the_code():
    from specproof.claims.resume import changed_code, code_fingerprint

    now = code_fingerprint()
    assert now["specproof"]["source_sha256"] is not None  # a source checkout
    older = {**now, "specproof": {**now["specproof"], "source_sha256": "0" * 64}}
    what, why = changed_code(older, now)
    assert what.startswith("specproof's own source (") and why == "its SHA-256 differs"
    release = {**now, "specproof": {"version": "0.0.1", "source_sha256": None}}
    assert changed_code(release, now) == (
        "specproof", f"version 0.0.1 then, {now['specproof']['version']} now")
    assert changed_code(now, code_fingerprint()) is None


# D1. specproof report writes what it shows --------------------------------------------

def test_report_of_a_forged_evidence_writes_the_rederived_verdicts(tmp_path, forget):
    out = _report(tmp_path, forget)
    doc = json.loads((out / "evidence.json").read_text())
    for rec in doc["claims"]:
        if rec["id"] == "s9ok.bad":
            rec["verdict"] = "PASS"  # its check still FAILS
    doc["summary"] = {"PASS": 2, "FAIL": 0, "VACUOUS": 0, "ERROR": 0}
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    new = tmp_path / "new"
    assert _run("report", str(forged), "--out", str(new))[0] == 0
    written = json.loads((new / "evidence.json").read_text())
    assert written["summary"] == {"PASS": 1, "FAIL": 0, "VACUOUS": 0, "ERROR": 1}
    bad = next(r for r in written["claims"] if r["id"] == "s9ok.bad")
    assert bad["verdict"] == "ERROR"
    assert bad["reason"].startswith("the evidence record is inconsistent: it says PASS, but "
                                    "its check FAILS")
    assert "## s9ok.bad — ERROR" in (new / "report.md").read_text()


# D5. the control's signature ----------------------------------------------------------

def test_a_profile_must_fit_the_controls_signature():
    reg = Registry()

    @claim("s9c.n", paper="s9c", kind="exact", statement="s", registry=reg,
           profiles={"quick": {"n": 2}, "paper": {"n": 3}})
    def check(ctx, n):
        return ctx.evidence(holds=n > 0)

    def no_n(ctx):
        """takes no n"""
        return ctx.evidence(holds=False)

    with pytest.raises(ArgumentError, match=r"claim 's9c.n': profile 'quick' names 'n', which "
                       r"its negative control no_n does not take \(it takes no parameters\)"):
        check.control(no_n)

    def needs_m(ctx, n, m):
        """needs m"""
        return ctx.evidence(holds=False)

    with pytest.raises(ArgumentError, match="profile 'quick' gives no value for the parameter "
                       "'m' of its negative control needs_m"):
        check.control(needs_m)
    check.control(lambda ctx, **kw: ctx.evidence(holds=False))  # takes anything: fine
    assert check.control_check is not None
