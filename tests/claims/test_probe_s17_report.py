"""Session 17 review of verify's folder, resume and report writers: each test failed
before its fix.

1. An ``--out`` name with braces ran TeX code when the paper was compiled
   (``\\input`` of /etc/hostname); ``#``/``%`` broke the compile.
2. ``--out .`` deleted the working folder.
3. Math in report.md carried live Markdown links and remote images.
4. ``--resume`` kept a record of another seed, kept a duplicated record twice, and ended
   in a traceback on records of the wrong types.
5. ``--last-failed`` carried a claim no longer registered, and an edited value.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from specproof.claims import REGISTRY
from specproof.claims.markup import md_rich
from specproof.claims.render import UNSAFE_FOLDER_DIR, tex_folder
from specproof.cli import main
from specproof.theory import load_builtin_claims

MODULE = textwrap.dedent('''
    import json, pathlib
    from specproof.claims import claim

    FLAGS = json.loads((pathlib.Path(__file__).parent / "flags.json").read_text())
    for name, ok in FLAGS.items():
        def make(name=name, ok=ok):
            @claim(f"s17r.{name}", paper="s17r", kind="exact", statement=f"claim {name}",
                   profiles={"quick": {}, "paper": {}})
            def check(ctx, flip=False):
                return ctx.evidence(holds=ok != flip, measured={"v": 1.0}, key="v")

            @check.control
            def control(ctx):
                """The flipped check."""
                return check.check(ctx, flip=True)
        make()
    ''')


@pytest.fixture
def forget():
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    modules = set(sys.modules)
    yield
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - modules:
        if name.startswith(("_specproof_user_", "s17")):
            del sys.modules[name]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _module(tmp_path: Path, flags: dict[str, bool]) -> Path:
    (tmp_path / "flags.json").write_text(json.dumps(flags))
    mod = tmp_path / "s17_claims.py"
    mod.write_text(MODULE)
    return mod


def _forget_module():
    for c in list(REGISTRY):
        if c.id.startswith("s17r."):
            REGISTRY.remove(c.id)
    for name in list(sys.modules):
        if name.startswith("_specproof_user_"):
            del sys.modules[name]


def test_folder_name_is_never_tex_code(tmp_path, forget):
    mod = _module(tmp_path, {"a": True})
    for name in ("a}\\lccode65=47\\lowercase{\\input{AetcAhostname}}\\providecommand\\z{",
                 "results#2", "fifty%", "with space", "ünï"):
        out = tmp_path / name
        code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--out",
                            str(out))
        assert code == 0, err
        tex = (out / "report.tex").read_text()
        assert "\\lowercase" not in tex and "hostname" not in tex
        assert f"\\providecommand{{\\specproofdir}}{{{UNSAFE_FOLDER_DIR}/}}" in tex
        assert "Define \\specproofdir yourself" in tex
        assert tex.isascii()
        _forget_module()
    assert tex_folder("my_report-2.v1") == "my_report-2.v1"


def test_out_dot_is_refused_and_nothing_is_deleted(tmp_path, forget):
    mod = _module(tmp_path, {"a": True})
    here = tmp_path / "work"
    here.mkdir()
    (here / "notes.txt").write_text("keep me")
    cwd = os.getcwd()
    try:
        os.chdir(here)
        for out in (".", "./", str(here), ".."):
            code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--out",
                                out)
            assert code == 2 and "is the working folder" in err, err
    finally:
        os.chdir(cwd)
    assert (here / "notes.txt").read_text() == "keep me"


def test_markdown_math_has_no_live_links_or_images():
    import markdown_it

    md = md_rich(r"$![a](https://tracker.example/pixel.png)$ and "
                 r"$[n](https://phish.example/login)$, $www.example.com$, $f([0,1])$")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in html and "<a " not in html, html
    assert "$f([0,1])$" in md  # ordinary math is untouched


def _evidence(out: Path) -> dict:
    return json.loads((out / "evidence.json").read_text())


def test_resume_compares_each_record_and_survives_bad_types(tmp_path, forget):
    mod = _module(tmp_path, {"a": True, "b": True})
    out = tmp_path / "rep"
    assert _run("verify", "--module", str(mod), "--paper", "s17r", "--seed", "5", "--out",
                str(out))[0] == 0
    doc = _evidence(out)
    doc["seed"] = 0  # the run's own seed, edited: its records are still of seed 5
    (out / "evidence.json").write_text(json.dumps(doc))
    code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--seed", "0",
                        "--resume", "--out", str(out))
    assert code == 0
    assert "0 of 2 claims finished there and are kept" in err
    assert "ran with seed 5 there" in err
    assert {c["seed"] for c in _evidence(out)["claims"]} == {0}
    # a duplicated record (same bytes: its digest matches) and a record of wrong types
    doc = _evidence(out)
    doc["claims"].append(dict(doc["claims"][0]))
    doc["claims"][1]["id"] = ["s17r.b"]
    (out / "evidence.json").write_text(json.dumps(doc))
    code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--seed", "0",
                        "--resume", "--out", str(out))
    assert code == 0, err
    assert "has more than one record there" in err
    ids = [c["id"] for c in _evidence(out)["claims"]]
    assert sorted(ids) == ["s17r.a", "s17r.b"]


def test_last_failed_carries_only_registered_unedited_records(tmp_path, forget):
    mod = _module(tmp_path, {"a": False, "b": True, "c": True})
    out = tmp_path / "rep"
    assert _run("verify", "--module", str(mod), "--paper", "s17r", "--out", str(out))[0] == 1
    doc = _evidence(out)
    for c in doc["claims"]:
        if c["id"] == "s17r.c":
            c["check"]["measured"] = {"v": 12345.0}  # an edited value beside its PASS
    (out / "evidence.json").write_text(json.dumps(doc))
    _forget_module()
    mod = _module(tmp_path, {"a": False, "c": True})  # b removed from the module
    code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--lf", "--out",
                        str(out))
    assert code == 1, err
    claims = {c["id"]: c for c in _evidence(out)["claims"]}
    assert "s17r.b" not in claims  # was carried over as a PASS
    assert claims["s17r.c"]["check"]["measured"]["v"] == 1.0  # ran again, not carried
    assert "s17r.c runs again: its record was changed since it was written" in err


def test_sigterm_during_the_final_write_still_commits_the_report(tmp_path, forget,
                                                                 monkeypatch):
    import importlib
    import signal

    # the package exports the function verify under the submodule's name
    verify_module = importlib.import_module("specproof.claims.verify")

    mod = _module(tmp_path, {"a": True})
    out = tmp_path / "rep"
    assert _run("verify", "--module", str(mod), "--paper", "s17r", "--out", str(out))[0] == 0
    assert _evidence(out)["seed"] == 0
    original = verify_module.write_report

    def terminated_while_writing(run, complete, with_html, folder):
        if with_html:  # the final write: a CI cancel arrives now
            os.kill(os.getpid(), signal.SIGTERM)
        return original(run, complete=complete, with_html=with_html, folder=folder)

    monkeypatch.setattr(verify_module, "write_report", terminated_while_writing)
    _forget_module()
    code, _, err = _run("verify", "--module", str(mod), "--paper", "s17r", "--seed", "1",
                        "--out", str(out))
    # the run had finished: its report is in --out, not the previous run's
    assert code == 0, err
    assert _evidence(out)["seed"] == 1
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
