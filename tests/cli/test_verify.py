"""The `specproof` command and the report folder."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from specproof.claims import REGISTRY, evidence_schema
from specproof.cli import main

DEMO = textwrap.dedent(
    '''
    from specproof.claims import claim

    def _c(name, check_holds, control_holds, boom=False):
        @claim(f"demo.{name}", paper="demo", kind="exact", statement=name,
               profiles={"quick": {}, "paper": {}})
        def check(ctx, variant="check"):
            if boom:
                raise ZeroDivisionError("demo boom")
            holds = check_holds if variant == "check" else control_holds
            return ctx.evidence(holds=holds, measured={"value": 1.5}, expected="demo")

        @check.control
        def control(ctx):
            """variant"""
            return check.check(ctx, variant="control")

    _c("pass", True, False)
    _c("fail", False, False)
    _c("vacuous", True, True)
    _c("error", True, False, boom=True)
    '''
)


@pytest.fixture
def demo_module(tmp_path):
    path = tmp_path / "demo_claims.py"
    path.write_text(DEMO)
    yield str(path)
    for name in ("pass", "fail", "vacuous", "error"):
        REGISTRY.remove(f"demo.{name}")
    sys.modules.pop("_specproof_user_demo_claims", None)


def _evidence(out: Path) -> dict:
    return json.loads((out / "evidence.json").read_text())


def test_verify_writes_valid_report(tmp_path, capsys):
    out = tmp_path / "rep"
    # two named claims: the paper gains claims as its modules grow
    assert main(["verify", "--only", "lin-sn-gan.homogeneity", "--only",
                 "lin-sn-gan.gradient-bound", "--out", str(out), "--seed", "3"]) == 0
    printed = capsys.readouterr()
    assert "lin-sn-gan.gradient-bound" in printed.out and "PASS" in printed.out
    assert "[2/2]" in printed.err  # per-claim progress lines
    doc = _evidence(out)
    jsonschema.validate(doc, evidence_schema())
    assert doc["schema"] == "specproof.evidence/2"
    assert doc["seed"] == 3 and doc["profile"] == "quick" and doc["complete"] is True
    ids = [c["id"] for c in doc["claims"]]
    assert ids == ["lin-sn-gan.homogeneity", "lin-sn-gan.gradient-bound"]
    for rec in doc["claims"]:
        assert rec["verdict"] == "PASS"
        assert rec["check"]["verdict"] == "HOLDS" and rec["control"]["verdict"] == "FAILS"
    md = (out / "report.md").read_text()
    assert "(#claim-lin-sn-gan-homogeneity) | symbolic | PASS |" in md
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html  # figures embedded: self-contained
    assert "src='http" not in html and 'src="http' not in html
    figs = out / "figures"
    assert (figs / "lin-sn-gan.gradient-bound.pdf").read_bytes()[:5] == b"%PDF-"
    assert (figs / "lin-sn-gan.gradient-bound.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_numbers(tmp_path):
    runs = []
    for k in range(2):
        out = tmp_path / f"r{k}"
        # a cheap seeded claim (0.4 s): the seed's effect is the same for every claim
        main(["verify", "--only", "lin-sn-gan.sn-gradient-norm", "--out", str(out), "--seed", "5"])
        runs.append([c["check"]["measured"] for c in _evidence(out)["claims"]])
    assert runs[0] == runs[1]
    main(["verify", "--only", "lin-sn-gan.sn-gradient-norm", "--out", str(tmp_path / "r9"),
          "--seed", "6"])
    other = _evidence(tmp_path / "r9")["claims"][0]["check"]["measured"]
    assert other["median_ratio"] != runs[0][0]["median_ratio"]


def test_exit_codes_and_verdicts_from_user_module(tmp_path, demo_module, capsys):
    out = tmp_path / "demo"
    code = main(["verify", "--module", demo_module, "--paper", "demo", "--out", str(out)])
    assert code == 1
    verdicts = {c["id"]: c["verdict"] for c in _evidence(out)["claims"]}
    assert verdicts == {"demo.pass": "PASS", "demo.fail": "FAIL",
                        "demo.vacuous": "VACUOUS", "demo.error": "ERROR"}
    err = [c for c in _evidence(out)["claims"] if c["id"] == "demo.error"][0]
    assert "ZeroDivisionError: demo boom" in err["check"]["traceback"]
    assert main(["verify", "--module", demo_module, "--only", "demo.pass",
                 "--out", str(out)]) == 0
    capsys.readouterr()


def test_jobs_give_same_results(tmp_path, demo_module):
    a, b = tmp_path / "a", tmp_path / "b"
    # the demo claims and two seeded built-in ones that take a second (the whole of
    # lin-sn-gan took 30 s and tested nothing more: each claim's seed comes from its id)
    only = ["--only", "demo.*", "--only", "lin-sn-gan.sn-gradient-norm",
            "--only", "lin-sn-gan.sn-weight-scale"]
    main(["verify", "--module", demo_module, *only, "--out", str(a)])
    main(["verify", "--module", demo_module, *only, "--out", str(b), "--jobs", "2"])
    strip = lambda doc: [(c["id"], c["verdict"], c["check"]["measured"]) for c in doc["claims"]]  # noqa: E731
    assert len(strip(_evidence(a))) == 6
    assert strip(_evidence(a)) == strip(_evidence(b))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--paper", "nope"], "unknown paper key 'nope'; known paper keys: "),
        (["--only", "zzz*"], "--only 'zzz*' matches no claim; claim ids: "),
        (["--module", "no_such_module_xyz"],
         "--module 'no_such_module_xyz': no module of that name"),
    ],
)
def test_bad_selection_is_an_error_listing_what_exists(tmp_path, capsys, args, message):
    assert main(["verify", "--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err


def test_unwritable_out_fails_before_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["verify", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert "is not a writable folder" in err and "running" not in err


def test_broken_user_module_reports_traceback(tmp_path, capsys):
    bad = tmp_path / "broken_claims.py"
    bad.write_text("x = 1\nraise RuntimeError('module is broken')\n")
    assert main(["verify", "--module", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: module is broken" in err


def test_interrupt_keeps_finished_results(tmp_path, demo_module):
    stopper = tmp_path / "stop_claims.py"
    stopper.write_text(textwrap.dedent(
        '''
        from specproof.claims import claim

        @claim("stop.interrupt", paper="stop", kind="exact", statement="s",
               profiles={"quick": {}, "paper": {}})
        def interrupt(ctx):
            raise KeyboardInterrupt

        interrupt.control(lambda ctx: ctx.evidence(holds=False))
        '''
    ))
    out = tmp_path / "o"
    try:
        code = main(["verify", "--module", demo_module, "--module", str(stopper),
                     "--only", "demo.pass", "--only", "stop.*", "--out", str(out)])
    finally:
        REGISTRY.remove("stop.interrupt")
    assert code == 130
    doc = _evidence(out)
    assert doc["interrupted"] is True and doc["complete"] is False
    assert [c["id"] for c in doc["claims"]] == ["demo.pass"]
    jsonschema.validate(doc, evidence_schema())


def test_claims_listing(capsys):
    assert main(["claims"]) == 0
    out = capsys.readouterr().out
    assert "lin-sn-gan.homogeneity" in out and "symbolic" in out


def test_console_script_and_module_entry_point(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    res = subprocess.run([sys.executable, "-m", "specproof", "claims", "--paper", "lin-sn-gan"],
                         capture_output=True, text=True, env=env, check=False, cwd=tmp_path)
    assert res.returncode == 0 and "lin-sn-gan.gradient-bound" in res.stdout
    res = subprocess.run([sys.executable, "-m", "specproof", "verify", "--paper", "bogus"],
                         capture_output=True, text=True, env=env, check=False, cwd=tmp_path)
    assert res.returncode == 2 and "known paper keys" in res.stderr


def test_docs_example_module_passes(tmp_path):
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "my_claims.py"
    out = tmp_path / "ex"
    try:
        code = main(["verify", "--module", str(example), "--paper", "mynotes", "--out", str(out)])
    finally:
        REGISTRY.remove("mynotes.gaussian-spectral-norm")
        sys.modules.pop("_specproof_user_my_claims", None)
    assert code == 0
    rec = _evidence(out)["claims"][0]
    assert 0.4 <= rec["check"]["measured"]["slope"] <= 0.6
    assert rec["control"]["measured"]["slope"] > 0.9


def test_report_folder_keeps_certificates_that_check(tmp_path, capsys):
    from specproof.certificates import check

    out = tmp_path / "ht"
    assert main(["verify", "--only", "hopkins-tiegel.exact-certificate-roundtrip",
                 "--out", str(out)]) == 0
    rec = _evidence(out)["claims"][0]
    assert rec["check"]["certificates"] == [
        "hopkins-tiegel.exact-certificate-roundtrip.original.json"]
    certs = out / "certificates"
    assert check(certs / rec["check"]["certificates"][0], exact=True).ok
    tampered = rec["control"]["certificates"]
    assert len(tampered) == 3  # lowered C, a Gram entry, and C below the witness (not PSD)
    assert not any(check(certs / name, exact=True).ok for name in tampered)
    assert "certificates/hopkins-tiegel.exact-certificate-roundtrip.original.json" in (
        out / "report.md").read_text()
    capsys.readouterr()


def test_user_file_named_like_a_stdlib_module_does_not_shadow_it(tmp_path, capsys):
    shadow = tmp_path / "json.py"
    shadow.write_text(DEMO.replace('"demo.', '"shadow.').replace('paper="demo"', 'paper="shadow"'))
    try:
        assert main(["verify", "--module", str(shadow), "--only", "shadow.pass",
                     "--out", str(tmp_path / "o")]) == 0
        assert json.dumps({"still": "the stdlib"}) == '{"still": "the stdlib"}'
        assert sys.modules["json"].__name__ == "json"
    finally:
        for name in ("pass", "fail", "vacuous", "error"):
            REGISTRY.remove(f"shadow.{name}")
        sys.modules.pop("_specproof_user_json", None)
    capsys.readouterr()
