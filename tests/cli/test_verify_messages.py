"""One-line errors of `verify`/`claims`: --module, duplicate ids, selections, resume."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import specproof
from specproof.claims import REGISTRY, claim, run_claim
from specproof.claims.claim import Registry
from specproof.cli import main
from specproof.theory import load_builtin_claims

ROOT = Path(specproof.__file__).resolve().parents[1]

LEMMAS = textwrap.dedent(
    '''
    from specproof.claims import claim

    @claim("twice.same", paper="twice", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}})
    def same(ctx):
        return ctx.evidence(holds=True)

    same.control(lambda ctx: ctx.evidence(holds=False))
    '''
)


@pytest.fixture
def clean_registry():
    # the built-in claims first: a test that loads them (verify does, on first use)
    # would otherwise see them as its own and remove them, and, their modules being
    # cached, nothing registers them again for the tests after it in this process
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    mods = set(sys.modules)
    yield
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - mods:
        if name.startswith(("_specproof_user_", "cwd_claims")):
            sys.modules.pop(name)


def _err_lines(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_module_missing_file_is_one_line(tmp_path, capsys):
    assert main(["claims", "--module", str(tmp_path / "nope.py")]) == 2
    assert _err_lines(capsys) == [
        f"specproof claims: error: --module {str(tmp_path / 'nope.py')!r}: no such file "
        f"({tmp_path / 'nope.py'})"]
    assert main(["claims", "--module", str(tmp_path)]) == 2
    assert _err_lines(capsys) == [
        f"specproof claims: error: --module {str(tmp_path)!r} is a directory, not a .py file"]


@pytest.mark.parametrize("name", ["no_such_module_xyz", "json.no_such_sub"])
def test_module_dotted_name_that_does_not_resolve_is_one_line(tmp_path, capsys, name):
    assert main(["verify", "--module", name, "--out", str(tmp_path / "o")]) == 2
    lines = _err_lines(capsys)
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert lines[0].startswith(f"specproof verify: error: --module {name!r}: no module of "
                               "that name in the current folder or the installed packages")
    assert not (tmp_path / "o").exists()


def test_module_dotted_name_from_the_current_folder(tmp_path, monkeypatch, capsys,
                                                    clean_registry):
    (tmp_path / "cwd_claims.py").write_text(LEMMAS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert main(["claims", "--module", "cwd_claims", "--paper", "twice"]) == 0
    assert "twice.same" in capsys.readouterr().out


def test_module_whose_own_import_fails_keeps_its_traceback(tmp_path, capsys):
    (tmp_path / "imports_missing.py").write_text("import no_such_dependency_xyz\n")
    assert main(["claims", "--module", str(tmp_path / "imports_missing.py")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "No module named 'no_such_dependency_xyz'" in err


def test_same_claim_id_from_two_files_of_one_name_names_both(tmp_path, capsys,
                                                              clean_registry):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "lemmas.py").write_text(LEMMAS)
    a, b = tmp_path / "a" / "lemmas.py", tmp_path / "b" / "lemmas.py"
    assert main(["claims", "--module", str(a), "--module", str(b)]) == 2
    lines = _err_lines(capsys)
    assert lines == [f"specproof claims: error: --module {str(b)!r}: claim id 'twice.same' "
                     f"is registered twice: by {a} and {b}"]
    # the same file twice is one module, not a clash
    assert main(["claims", "--module", str(a), "--module", str(a), "--paper", "twice"]) == 0


def test_only_and_paper_with_an_empty_intersection_say_so(tmp_path, capsys):
    assert main(["verify", "--paper", "convnorm", "--only", "lin-sn-gan.homogeneity",
                 "--out", str(tmp_path / "o")]) == 2
    assert _err_lines(capsys) == [
        "specproof verify: error: --only 'lin-sn-gan.homogeneity' and --paper convnorm "
        "select no claim together: the glob matches only claims of other papers: "
        "lin-sn-gan.homogeneity (lin-sn-gan)"]


def test_error_reason_names_the_public_exception_class():
    reg = Registry()

    @claim("pub.raises", paper="pub", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def raises(ctx):
        return ctx.evidence(holds=True, measured={"x": 1}, key="nope")

    raises.control(lambda ctx: ctx.evidence(holds=False))
    result = run_claim(raises)
    assert result.verdict == "ERROR"
    assert result.reason.startswith("the check raised specproof.ArgumentError: Evidence.key=")
    assert "_core" not in result.reason
    assert specproof.ArgumentError is type(specproof.ArgumentError("x"))


def test_resume_with_another_seed_is_refused_before_work(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["verify", "--only", "lin-sn-gan.homogeneity", "--out", str(out)]) == 0
    capsys.readouterr()
    before = (out / "evidence.json").read_text()
    assert main(["verify", "--only", "lin-sn-gan.homogeneity", "--out", str(out),
                 "--resume", "--seed", "4"]) == 2
    err = capsys.readouterr().err
    assert "used --profile quick --seed 0, this one asks --profile quick --seed 4" in err
    assert (out / "evidence.json").read_text() == before
    # resuming a finished run runs nothing and keeps the report
    assert main(["verify", "--only", "lin-sn-gan.homogeneity", "--out", str(out),
                 "--resume"]) == 0
    err = capsys.readouterr().err
    assert "continuing from the report" in err and "[1/1]" not in err


def test_broken_pipe_exits_quietly(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line (`| head -0`)
    try:
        res = subprocess.run([sys.executable, "-m", "specproof", "claims", "--long"],
                             stdout=write_end, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
                             timeout=120, check=False)
    finally:
        os.close(write_end)
    assert res.returncode == 141
    assert res.stderr.decode() == ""
