"""`specproof report` counts verdicts from the claim records, not from the file's tally."""

from __future__ import annotations

import json

from specproof.cli import main

P = '{"quick": {}, "paper": {}}'


def test_an_edited_summary_in_the_evidence_is_not_printed(tmp_path, clean, claim_module):
    mod = claim_module("pfs7_tally", f'''
        @claim("pfs7.one", paper="pfs7", kind="exact", statement="s", profiles={P})
        def one(ctx):
            return ctx.evidence(holds=True, measured={{"x": 1.0}})
        one.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "run"
    assert main(["verify", "--module", str(mod), "--paper", "pfs7", "--out", str(out)]) == 0
    doc = json.loads((out / "evidence.json").read_text())
    doc["summary"] = {"PASS": 99, "FAIL": 0, "VACUOUS": 0, "ERROR": 0}
    (out / "evidence.json").write_text(json.dumps(doc))
    again = tmp_path / "again"
    assert main(["report", str(out / "evidence.json"), "--out", str(again)]) == 0
    for name in ("report.md", "report.html", "report.tex"):
        assert "99 PASS" not in (again / name).read_text(), name
    assert "Of 1 claim, 1 PASS." in (again / "report.tex").read_text()
    assert '<span class="badge PASS">1 PASS</span>' in (again / "report.html").read_text()


def test_a_record_whose_verdict_contradicts_its_outcomes_is_shown_as_an_error(
        tmp_path, clean, claim_module):
    mod = claim_module("pfs7_contra", f'''
        @claim("pfs8.bad", paper="pfs8", kind="exact", statement="s", profiles={P})
        def bad(ctx):
            return ctx.evidence(holds=False, measured={{"gap": 1.0}}, expected="gap == 0")
        bad.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "run"
    assert main(["verify", "--module", str(mod), "--paper", "pfs8", "--out", str(out)]) == 1
    doc = json.loads((out / "evidence.json").read_text())
    doc["claims"][0]["verdict"] = "PASS"  # the FAIL edited into a PASS
    (out / "evidence.json").write_text(json.dumps(doc))
    again = tmp_path / "again"
    main(["report", str(out / "evidence.json"), "--out", str(again)])
    md = (again / "report.md").read_text()
    assert "Verdict: PASS" not in md and "says PASS, but its check FAILS" in md
