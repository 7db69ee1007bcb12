"""Findings of a review of `specproof verify` and the claims engine, each kept as a test."""

import json

import pytest

from specproof.claims import REGISTRY, Paper, claim
from specproof.claims.markup import tex_escape
from specproof.cli import main

P = '{"quick": {}, "paper": {}}'


def test_a_huge_exact_integer_a_system_exit_and_a_broken_figure_are_claim_errors(
        tmp_path, clean, capsys, claim_module):
    # 2**1100 crashed the Markdown writer (OverflowError) and the run was discarded;
    # SystemExit(0) from a check made verify exit 0 with no report; a mathtext typo in a
    # figure's label crashed the run
    mod = claim_module("pf_errors", f'''
        import argparse
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        @claim("pfe.big", paper="pfe", kind="exact", statement="big", profiles={P})
        def big(ctx):
            return ctx.evidence(holds=True, measured={{"n": 2**1100}})
        big.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfe.exit", paper="pfe", kind="exact", statement="exit", profiles={P})
        def ex(ctx):
            argparse.ArgumentParser().parse_args(["-h"])
        ex.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfe.fig", paper="pfe", kind="exact", statement="fig", profiles={P})
        def fig(ctx):
            f, ax = plt.subplots()
            ax.set_xlabel(r"$\\sqrt{{n$")
            return ctx.evidence(holds=True, measured={{"x": 1}}, figure=f)
        fig.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(mod), "--paper", "pfe", "--out", str(out)]) == 1
    recs = {r["id"]: r for r in json.loads((out / "evidence.json").read_text())["claims"]}
    assert recs["pfe.big"]["verdict"] == "PASS"
    assert str(2**1100)[:30] in (out / "report.md").read_text()  # exact, not rounded
    assert recs["pfe.exit"]["verdict"] == "ERROR" and "SystemExit" in recs["pfe.exit"]["reason"]
    assert recs["pfe.fig"]["verdict"] == "ERROR"
    assert "saving the check's figure" in recs["pfe.fig"]["reason"]  # "drawing or saving"


def test_last_failed_with_a_narrower_selection_still_exits_1_for_a_carried_fail(
        tmp_path, clean, monkeypatch, capsys, claim_module):
    # lf.b FAIL was carried into the report of a `--lf --only 'pfl.a*'` run that exited 0
    flag = tmp_path / "fixed"
    monkeypatch.setenv("PF_FIXED", str(flag))
    mod = claim_module("pf_lf", f'''
        import os

        @claim("pfl.a1", paper="pfl", kind="exact", statement="a1", profiles={P})
        def a1(ctx):
            return ctx.evidence(holds=os.path.exists(os.environ["PF_FIXED"]))
        a1.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfl.a2", paper="pfl", kind="exact", statement="a2", profiles={P})
        def a2(ctx):
            return ctx.evidence(holds=True)
        a2.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfl.b", paper="pfl", kind="exact", statement="b", profiles={P})
        def b(ctx):
            return ctx.evidence(holds=False)
        b.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    args = ["verify", "--module", str(mod), "--paper", "pfl", "--out", str(out)]
    assert main(args) == 1
    flag.write_text("")
    assert main([*args, "--lf", "--only", "pfl.a*"]) == 1
    summary = capsys.readouterr().out
    assert "carried over from the previous run" in summary and "not passing: pfl.b" in summary


def test_resume_refuses_another_module_file(tmp_path, clean, capsys, claim_module):
    # the claims of pf_v1.py were kept as the results of pf_v2.py
    body = f'''
        @claim("pfr.a", paper="pfr", kind="exact", statement="a", profiles={P})
        def a(ctx):
            return ctx.evidence(holds=HOLDS)
        a.control(lambda ctx: ctx.evidence(holds=False))
        '''
    v1 = claim_module("pf_v1", body.replace("HOLDS", "True"))
    out = tmp_path / "rep"
    assert main(["verify", "--module", str(v1), "--paper", "pfr", "--out", str(out)]) == 0
    REGISTRY.remove("pfr.a")
    v2 = claim_module("pf_v2", body.replace("HOLDS", "False"))
    assert main(["verify", "--module", str(v2), "--paper", "pfr", "--out", str(out),
                 "--resume"]) == 2
    assert "used the --module files" in capsys.readouterr().err


def test_ids_urls_and_markup_that_broke_the_reports_are_refused_or_escaped(clean):
    with pytest.raises(Exception, match="id"):
        claim("pfn.x\n", paper="pfn", kind="exact", statement="s",
              profiles={"quick": {}, "paper": {}})(lambda ctx: None)
    with pytest.raises(Exception, match="url must be an http"):
        Paper("pfu", "T", url="javascript:alert(1)")
    assert Paper("pfu", "T", url="https://arxiv.org/abs/2101.00001").url
    assert "\x1b" not in tex_escape("\x1b[31mred\x1b[0m")
    # shown as its escape, as on the terminal (it was "[U+001B]")
    assert "\\textbackslash{}x1b[31mred" in tex_escape("\x1b[31mred")


def test_a_traceback_cannot_close_its_markdown_fence():
    from specproof.claims.render import _fence

    assert _fence("plain") == "```"
    assert _fence("a\n```\n**Verdict: PASS.**") == "````"


def test_anchors_stay_distinct_and_control_suffixed_ids_are_refused(
        tmp_path, clean, capsys, claim_module):
    # col.a-b and col.a.b shared the anchor claim-col-a-b (the PASS claim's links led to
    # the FAIL claim); an id ending in .control took another claim's control figure name
    with pytest.raises(Exception, match="ends in '.control'"):
        claim("pfc.f.control", paper="pfc", kind="exact", statement="s",
              profiles={"quick": {}, "paper": {}})(lambda ctx: None)
    mod = claim_module("pf_anchor", f'''
        @claim("pfa.a-b", paper="pfa", kind="exact", statement="dash", profiles={P})
        def dash(ctx):
            return ctx.evidence(holds=False)
        dash.control(lambda ctx: ctx.evidence(holds=False))

        @claim("pfa.a.b", paper="pfa", kind="exact", statement="dot", profiles={P})
        def dot(ctx):
            return ctx.evidence(holds=True)
        dot.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    out = tmp_path / "rep"
    main(["verify", "--module", str(mod), "--paper", "pfa", "--out", str(out)])
    html = (out / "report.html").read_text()
    assert html.count('id="claim-pfa-a-b"') == 1 and html.count('id="claim-pfa-a-b-2"') == 1
    tex = (out / "report.tex").read_text()
    assert tex.count(r"\label{specproof:claim-pfa-a-b\specprooflabel}") == 1
