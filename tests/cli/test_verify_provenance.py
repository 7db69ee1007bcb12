"""`verify --resume` and `--last-failed` never mix results of different code, seeds or
profiles into one report: they refuse, exit 2, before any work, and delete nothing."""

import json
import sys
import textwrap

import jsonschema
import pytest

from specproof.claims import REGISTRY, evidence_schema
from specproof.cli import main

CLAIMS = textwrap.dedent(
    '''
    import os
    from specproof.claims import claim

    X = {x}

    @claim("prov.a", paper="prov", kind="exact", statement="a",
           profiles={{"quick": {{}}, "paper": {{}}}})
    def a(ctx):
        return ctx.evidence(holds=X < 10, measured={{"x": X}})

    a.control(lambda ctx: ctx.evidence(holds=False))

    @claim("prov.b", paper="prov", kind="exact", statement="b",
           profiles={{"quick": {{}}, "paper": {{}}}})
    def b(ctx):
        if os.path.exists(os.environ["PROV_STOP"]):
            raise KeyboardInterrupt  # as Ctrl-C while b runs
        return ctx.evidence(holds=False, measured={{"x": 0.0}})

    b.control(lambda ctx: ctx.evidence(holds=False))
    '''
)


@pytest.fixture
def prov(tmp_path, monkeypatch):
    monkeypatch.setenv("PROV_STOP", str(tmp_path / "stop"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "prov_claims.py"

    def write(x):
        path.write_text(CLAIMS.format(x=x))
        # the next main() imports the file afresh, as a new command would
        for cid in ("prov.a", "prov.b"):
            if cid in {c.id for c in REGISTRY}:
                REGISTRY.remove(cid)
        for name in [n for n in sys.modules if n.startswith("_specproof_user_prov_claims")]:
            del sys.modules[name]

    yield tmp_path, path, write
    write(0)


def evidence(out):
    return json.loads((out / "evidence.json").read_text())


def interrupted_run(tmp_path, write, out):
    write(1.22)
    (tmp_path / "stop").write_text("")
    assert main(["verify", "--module", "prov_claims.py", "--paper", "prov",
                 "--out", str(out)]) == 130
    (tmp_path / "stop").unlink()
    assert [c["id"] for c in evidence(out)["claims"]] == ["prov.a"]


def test_resume_refuses_when_a_module_changed_since_the_interrupted_run(prov, capsys):
    tmp_path, path, write = prov
    out = tmp_path / "r"
    interrupted_run(tmp_path, write, out)
    before = (out / "evidence.json").read_bytes()
    write(99)  # a now measures 99 and fails
    capsys.readouterr()
    code = main(["verify", "--module", "prov_claims.py", "--paper", "prov", "--out", str(out),
                 "--resume"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [ln for ln in err.splitlines() if "error" in ln]
    assert len(lines) == 1 and "--resume" in lines[0] and "prov_claims.py" in lines[0]
    assert "changed" in lines[0] and "without --resume" in lines[0]
    assert (out / "evidence.json").read_bytes() == before  # nothing rewritten
    # without --resume the new code runs, and its FAIL is what the report says
    assert main(["verify", "--module", "prov_claims.py", "--paper", "prov",
                 "--out", str(out)]) == 1
    doc = evidence(out)
    assert [(c["id"], c["verdict"]) for c in doc["claims"]] == [("prov.a", "FAIL"),
                                                                ("prov.b", "FAIL")]
    assert doc["claims"][0]["check"]["measured"]["x"] == 99


def test_resume_of_the_same_code_keeps_and_marks_the_finished_claims(prov, capsys):
    tmp_path, path, write = prov
    out = tmp_path / "r"
    interrupted_run(tmp_path, write, out)
    recorded = evidence(out)["environment"]["modules"]
    assert [m["name"] for m in recorded] == ["prov_claims.py"] and recorded[0]["sha256"]
    write(1.22)  # rewritten, the same bytes
    assert main(["verify", "--module", "prov_claims.py", "--paper", "prov", "--out", str(out),
                 "--resume"]) == 1
    doc = evidence(out)
    assert [(c["id"], c["verdict"]) for c in doc["claims"]] == [("prov.a", "PASS"),
                                                                ("prov.b", "FAIL")]
    assert doc["claims"][0]["check"]["measured"]["x"] == 1.22
    assert doc["claims"][0].get("resumed") is True and "resumed" not in doc["claims"][1]
    md = (out / "report.md").read_text()
    assert md.count("kept from the interrupted run") == 1
    assert "kept from the interrupted run" in (out / "report.html").read_text()
    assert "kept from the interrupted run" in (out / "report.tex").read_text().replace("\n", " ")
    jsonschema.validate(doc, evidence_schema())


@pytest.mark.parametrize("other", [["--seed", "1"], ["--profile", "paper"]])
def test_last_failed_with_another_seed_or_profile_refuses_and_deletes_nothing(
        prov, capsys, other):
    tmp_path, path, write = prov
    write(1.22)
    out = tmp_path / "r"
    assert main(["verify", "--module", "prov_claims.py", "--paper", "prov",
                 "--out", str(out)]) == 1  # a PASS, b FAIL, seed 0, quick
    before = (out / "evidence.json").read_bytes()
    capsys.readouterr()
    code = main(["verify", "--module", "prov_claims.py", "--paper", "prov", "--out", str(out),
                 "--lf", *other])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "error" in err and "--last-failed" in err
    assert other[0] in err and "seed 0" in err.replace("--seed 0", "seed 0")
    assert (out / "evidence.json").read_bytes() == before
    assert [c["id"] for c in evidence(out)["claims"]] == ["prov.a", "prov.b"]
    # the same seed and profile: b is rerun, a carried over, the report stays whole
    assert main(["verify", "--module", "prov_claims.py", "--paper", "prov", "--out", str(out),
                 "--lf"]) == 1
    doc = evidence(out)
    assert [(c["id"], c.get("carried_over", False)) for c in doc["claims"]] == [
        ("prov.b", False), ("prov.a", True)]


def test_a_bare_folder_name_as_module_is_refused_before_any_work(tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "claims.py").write_text("")
    code = main(["verify", "--module", "m", "--paper", "prov", "--out", "r"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--module 'm'" in err and "folder" in err
    assert "m/claims.py" in err or "m/FILE.py" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # nothing written
    sys.modules.pop("m", None)


def test_resume_with_a_narrower_selection_refuses_and_deletes_nothing(prov, capsys):
    # --only prov.b --resume said "0 of 1 claims finished there and are kept" and the new
    # report dropped prov.a's finished result
    tmp_path, path, write = prov
    out = tmp_path / "r"
    interrupted_run(tmp_path, write, out)
    before = (out / "evidence.json").read_bytes()
    write(1.22)
    capsys.readouterr()
    code = main(["verify", "--module", "prov_claims.py", "--only", "prov.b", "--out",
                 str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and "finished prov.a, which this selection leaves out" in err
    assert (out / "evidence.json").read_bytes() == before
