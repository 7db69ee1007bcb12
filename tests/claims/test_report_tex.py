"""report.tex in a paper: compiles in one- and two-column articles with no overfull box
wider than 1 pt; math typeset; interrupted runs said to be interrupted in every format."""

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from specproof.claims import REGISTRY
from specproof.claims.document import build_document
from specproof.claims.render import render_html, render_markdown, render_tex
from specproof.claims.report import summary_table
from specproof.cli import main

USER_MATH = r"$\|A\|_F \le \sqrt{r}\,\|A\|_2$"

# Claims built to strain the layout: long ids, dicts (nested), negative numbers in
# scientific notation, long lists, math in statements, labels and descriptions, an
# unbalanced dollar, a wide table.
SYNTHETIC = textwrap.dedent(
    r'''
    """Synthetic claims for the report.tex layout tests."""
    from specproof.claims import claim

    LONG = "synthetic-paper-with-a-rather-long-key"

    @claim(LONG + ".an-extremely-long-claim-identifier-with-many-hyphens.and.dots",
           paper=LONG, kind="numerical",
           statement=r"For every rank-$r$ matrix $A$, $\|A\|_F \le \sqrt{r}\,\|A\|_2$, "
                     r"and the preconditioner $V_o = (\sum_c |\hat K_{o,c}|^2)^{-1/2}$ "
                     r"costs $5 (an unbalanced dollar) & 50% of x_i.",
           profiles={"quick": {"n": 3}, "paper": {"n": 3}},
           labels={"slope": r"fitted slope $\hat\alpha$",
                   "a_really_long_measured_key_name_without_spaces": r"$\lambda_{\max}$"})
    def long_claim(ctx, n, sign=1.0):
        measured = {
            "slope": -0.46327964749362 * sign,
            "a_really_long_measured_key_name_without_spaces": -1.2345678901234e-15,
            "interval": [-1.0637365071016245, -0.9765469046545633],
            "slopes": {"mlp": {"slope": -0.4632796, "low": -0.5705925727, "high": -0.3457,
                               "n": 12},
                       "a-very-long-architecture-name": {"slope": 0.245, "deep": {"x": 1}}},
            "final_singular_values": {"Pion (E2)": [3.000004822334394 - k / 7
                                                    for k in range(12)]},
            "text": "top Hessian eigenvector and gradient, both signs; 1 / lambda_max(K_0)",
            "big": 123456789012, "flag": True, "nothing": None, "inf": float("inf"),
            # words with no space: they stuck 300-500 pt out of a two-column page
            "path": "/tmp/pytest-of-someone/pytest-1234/test_a_rather_long_name0/"
                    "rep/certificates/synthetic.control.gram.json",
            "url": "https://example.org/a/very/long/address/that/goes/on/and/on/"
                   "without/any/space/index.html?query=1&other=2",
        }
        table = [{"index": i, **{f"column_number_{k}": -1.23456789e-10 * (i + k)
                                 for k in range(9)}, "note": "a longer text cell " * 3}
                 for i in range(4)]
        return ctx.evidence(holds=sign > 0, measured=measured, key="slope", table=table,
                            expected=r"$\hat\alpha \in [-0.65, -0.35]$ and $\lambda_{\max} < 0$")

    @long_claim.control
    def flipped(ctx, n):
        r"""The same with the sign flipped: $\hat\alpha \mapsto -\hat\alpha$, so the check
        must fail."""
        return long_claim.check(ctx, n, sign=-1.0)

    # the widest verdict word: VACUOUS overflowed the summary's verdict column by 5 pt
    @claim(LONG + ".vacuous", paper=LONG, kind="numerical", statement="always holds",
           profiles={"quick": {}, "paper": {}})
    def vacuous(ctx):
        return ctx.evidence(holds=True, measured={"x": 1.0})

    vacuous.control(lambda ctx: ctx.evidence(holds=True, measured={"x": 1.0}))
    '''
)
VACUOUS_ID = "synthetic-paper-with-a-rather-long-key.vacuous"
SYNTHETIC_ID = ("synthetic-paper-with-a-rather-long-key.an-extremely-long-claim-identifier"
                "-with-many-hyphens.and.dots")
# one claim of every kind: symbolic, exact, statistical (with control figures), and the
# synthetic one is numerical
# (zhu-dag.hessian-scaling, 8 s, showed nothing pion.e2-drift-order does not: a statistical
# claim with a fitted slope and a control figure)
REAL = ["lin-sn-gan.homogeneity", "hopkins-tiegel.exact-certificate-roundtrip",
        "pion.e2-drift-order"]
PACKAGES = ("graphicx", "booktabs", "array", "amsmath", "amssymb")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One quick run of three real claims (dicts, control figures) and the synthetic one."""
    base = tmp_path_factory.mktemp("tex")
    module = base / "synthetic_claims.py"
    module.write_text(SYNTHETIC)
    out = base / "rep"
    args = ["verify", "--module", str(module), "--out", str(out), "--only", SYNTHETIC_ID,
            "--only", VACUOUS_ID]
    for cid in REAL:
        args += ["--only", cid]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(args)
    yield out, code
    REGISTRY.remove(SYNTHETIC_ID)
    REGISTRY.remove(VACUOUS_ID)
    sys.modules.pop("_specproof_user_synthetic_claims", None)


def _paper(tmp, options: str, body: str, packages=PACKAGES) -> str:
    uses = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
    return f"\\documentclass{options}{{article}}\n{uses}\\begin{{document}}\n{body}\n" \
           "\\end{document}\n"


def _compile(tmp, name: str, source: str) -> tuple[int, str]:
    (tmp / f"{name}.tex").write_text(source)
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          f"{name}.tex"], cwd=tmp, capture_output=True, text=True,
                         timeout=180, check=False)
    return res.returncode, (tmp / f"{name}.log").read_text(errors="replace")


def overfull_boxes(log: str, limit_pt: float = 1.0) -> list[str]:
    """The overfull hbox warnings of a pdflatex log wider than ``limit_pt``."""
    return [m.group(0) for m in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*",
                                            log) if float(m.group(1)) > limit_pt]


def test_overfull_parser_reads_widths():
    log = ("Overfull \\hbox (0.61046pt too wide) in paragraph\n"
           "Overfull \\hbox (13.86797pt too wide) in paragraph at lines 800--801\n")
    assert overfull_boxes(log) == ["Overfull \\hbox (13.86797pt too wide) in paragraph at "
                                   "lines 800--801"]
    assert len(overfull_boxes(log, 0.5)) == 2


def test_run_has_dicts_control_figures_and_math(folder):
    out, code = folder
    assert code == 1  # the VACUOUS one
    doc = json.loads((out / "evidence.json").read_text())
    assert sorted(c["verdict"] for c in doc["claims"]) == ["PASS"] * 4 + ["VACUOUS"]
    assert {c["kind"] for c in doc["claims"]} == {"symbolic", "exact", "numerical", "statistical"}
    assert any(isinstance(v, dict) for c in doc["claims"] for v in c["check"]["measured"].values())
    assert any("control" in c["figures"] for c in doc["claims"])
    # evidence keeps full precision; the reports round to 6 significant digits
    syn = next(c for c in doc["claims"] if c["id"] == SYNTHETIC_ID)
    assert syn["check"]["measured"]["slope"] == -0.46327964749362
    assert syn["check"]["labels"]["slope"] == r"fitted slope $\hat\alpha$"
    tex = (out / "report.tex").read_text()
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    assert "$-0.46328$" in tex and "−0.46328" in html and "| -0.46328 |" in md
    assert "-0.46327964749362" not in tex + html + md
    assert r"$-1.23457\times10^{-15}$" in tex and "−1.23457×10<sup>−15</sup>" in html
    # a user's math is typeset in TeX, MathML in HTML, kept in Markdown ...
    assert USER_MATH in tex and USER_MATH in md
    assert f'<math alttext="{USER_MATH[1:-1]}"' in html.replace("&#x27;", "'")
    # ... the unbalanced dollar and the specials around it are escaped, not math
    assert r"costs \$5 (an unbalanced dollar) \& 50\% of x\_\allowbreak{}i." in tex
    assert "costs $5 (an unbalanced dollar) &amp; 50% of x_i." in html
    # labels: math in all three formats; dicts as rows, never JSON
    assert r"fitted slope $\hat\alpha$" in tex and r"fitted slope $\hat\alpha$" in md
    assert '<math alttext="\\hat\\alpha"' in html
    assert '{"mlp"' not in tex + html + md and '"slope":' not in tex + html + md
    assert r"\hspace*{1em}mlp &  &  \\" in tex and r"\hspace*{2em}slope & $-0.46328$" in tex
    assert "<script" not in html and "https://" not in html.split("<main>")[0]


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
@pytest.mark.parametrize("options", ["[twocolumn]", ""], ids=["twocolumn", "onecolumn"])
def test_report_tex_has_no_overfull_box_in_either_template(folder, options):
    out, _ = folder
    tmp = out.parent
    name = "two" if options else "one"
    rc, log = _compile(tmp, name, _paper(tmp, options, "\\appendix\n\\input{rep/report.tex}"))
    assert rc == 0, log[-3000:]
    assert overfull_boxes(log) == []
    assert "Missing character" not in log and "Float too large" not in log
    assert "rep/figures/pion.e2-drift-order.control.pdf" in log
    # the measured-table math came out as math fonts, not as escaped dollars
    assert re.search(r"cmmi", log) or "cmmi" in (tmp / f"{name}.pdf").read_bytes().decode(
        "latin-1")


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_missing_package_is_named_and_wide_switch_compiles(folder):
    out, _ = folder
    tmp = out.parent
    rc, log = _compile(tmp, "nopkg", _paper(tmp, "", "\\input{rep/report.tex}",
                                             packages=("graphicx", "booktabs")))
    assert rc != 0 and "report.tex needs \\usepackage{array}" in log
    body = "\\newcommand{\\specproofwidefigures}{1}\n\\input{rep/report.tex}"
    rc, log = _compile(tmp, "wide", _paper(tmp, "[twocolumn]", body))
    assert rc == 0, log[-3000:]
    assert overfull_boxes(log) == []


def _interrupted_evidence(folder):
    out, _ = folder
    doc = json.loads((out / "evidence.json").read_text())
    doc["claims"] = doc["claims"][:2]
    doc["interrupted"], doc["complete"] = True, False
    doc["not_run"] = ["zhu-dag.bottleneck", "pion.training"]
    doc["summary"] = {"PASS": 2, "FAIL": 0, "VACUOUS": 0, "ERROR": 0}
    return doc


def test_interrupted_run_is_said_in_every_format(folder):
    doc = _interrupted_evidence(folder)
    model = build_document(doc)
    tex, html, md = render_tex(model), render_html(model), render_markdown(model)
    assert ("\\textbf{The run was interrupted:} of 4 selected claims, 2 ran (2 PASS) and 2 "
            "did not run: \\texttt{zhu-\\allowbreak{}dag.\\allowbreak{}bottleneck}, "
            "\\texttt{pion.\\allowbreak{}training}.") in tex
    assert "Of 2 claims, 2 PASS" not in tex
    assert ("<b>The run was interrupted:</b> of 4 selected claims, 2 ran and 2 did not run: "
            "<code>zhu-dag.bottleneck</code>, <code>pion.training</code>.") in html
    assert '<span class="badge NOTRUN">2 not run</span>' in html
    assert ("**The run was interrupted:** of 4 selected claims, 2 ran and 2 did not run: "
            "`zhu-dag.bottleneck`, `pion.training`.") in md
    text = summary_table(doc)
    assert text.splitlines()[-2].startswith("2 claims: 2 PASS;")
    assert text.splitlines()[-1] == ("interrupted: 2 selected claims did not run: "
                                     "zhu-dag.bottleneck, pion.training")


def test_singular_wording_and_verdict_sentence(folder):
    out, _ = folder
    doc = json.loads((out / "evidence.json").read_text())
    doc["claims"] = doc["claims"][:1]
    doc["claims"][0]["check"]["table"] = [{"i": 0}]
    doc["summary"] = {"PASS": 1, "FAIL": 0, "VACUOUS": 0, "ERROR": 0}
    model = build_document(doc)
    tex, html, md = render_tex(model), render_html(model), render_markdown(model)
    assert "Of 1 claim, 1 PASS." in tex
    assert ", 1 claim," in html and ", 1 claim," in md
    assert "Table of the check (1 row)" in html and "Table of the check (1 row)" in md
    assert "claims" not in summary_table(doc).splitlines()[-1]
    assert "\\textbf{Verdict: PASS.} The check holds and the negative control fails." in tex
    assert "Verdict: PASS. The check holds" in html and "**Verdict: PASS.** The check holds" in md


def test_html_figures_at_natural_size(folder):
    from specproof.claims.render import png_css_size

    out, _ = folder
    html = (out / "report.html").read_text()
    imgs = re.findall(r'<img alt="(\w+) figure of ([\w.-]+)" width="(\d+)" height="(\d+)" '
                      r'style="width:(\d+)px"', html)
    assert len(imgs) == 2, imgs  # check and control of the statistical claim
    for role, cid, width, height, css in imgs:
        stem = cid + (".control" if role == "control" else "")
        w, h = png_css_size((out / "figures" / f"{stem}.png").read_bytes())
        assert (int(width), int(height), int(css)) == (round(w), round(h), round(w))
        assert 250 < w < 400  # a column-wide figure: 3.4 in at 96 px per inch
    assert "figure img{display:block;max-width:100%;height:auto" in html
    rule = html.split("figure img{", 1)[1].split("}", 1)[0]
    assert ";width:" not in rule and not rule.startswith("width:")  # never stretched


def _browser():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.mark.skipif(_browser() is None,
                    reason="no headless Chromium (Debian package chromium; .ci/run installs it)")
def test_one_page_per_claim_kind_renders_in_chromium(folder, tmp_path):
    """A page per kind of claim, screenshot in headless Chromium: the MathML is laid out
    (a MathML-less browser would show the LaTeX source), figures show, badges colour."""
    import numpy as np
    from matplotlib.image import imread

    out, _ = folder
    doc = json.loads((out / "evidence.json").read_text())
    shots = {}
    for rec in doc["claims"]:
        if rec["kind"] in shots:
            continue
        page = out / f"kind-{rec['kind']}.html"
        one = dict(doc, claims=[rec])
        page.write_text(render_html(build_document(one), out / "figures"))
        png = tmp_path / f"{rec['kind']}.png"
        subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=1280,1600",
                        f"--screenshot={png}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        shots[rec["kind"]] = (png, rec)
    assert set(shots) == {"symbolic", "exact", "numerical", "statistical"}
    for kind, (png, _) in shots.items():
        img = (imread(png)[..., :3] * 255).round().astype(int)
        green = (np.abs(img - np.array((0x0a, 0x7a, 0x2f))).sum(axis=2) < 12)
        assert green.any(), kind  # the PASS badge
        ink = (img.sum(axis=2) < 300).mean()
        assert 0.005 < ink < 0.5, (kind, ink)  # text on a white page, not blank, not black
    # the statistical page has its figures: a large non-white block right of the text
    img = (imread(shots["statistical"][0])[..., :3] * 255).round().astype(int)
    coloured = (np.abs(img - img.mean(axis=2, keepdims=True)).sum(axis=2) > 60).sum()
    assert coloured > 2000  # the plot's coloured markers and lines


def test_evidence_lists_the_selected_claims_that_did_not_run(tmp_path):
    from specproof.claims import run_claim
    from specproof.claims.report import evidence_document
    from specproof.claims.run import VerifyRun

    done = run_claim("lin-sn-gan.homogeneity")
    run = VerifyRun(out=tmp_path, profile="quick", seed=0, results=[done], interrupted=True,
                    selected=["lin-sn-gan.homogeneity", "pion.e2-defect", "zhu-dag.zero-hessian"])
    doc = evidence_document(run, complete=False)
    assert doc["not_run"] == ["pion.e2-defect", "zhu-dag.zero-hessian"]
    assert summary_table(run).splitlines()[-1] == (
        "interrupted: 2 selected claims did not run: pion.e2-defect, zhu-dag.zero-hessian")
    run.interrupted, run.results = False, [done]
    run.selected = ["lin-sn-gan.homogeneity"]
    assert evidence_document(run, complete=True)["not_run"] == []
    assert summary_table(run).splitlines()[-1].startswith("1 claim: 1 PASS;")


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_two_reports_in_one_paper_have_distinct_labels(folder):
    # sec:specproof and every claim's label were defined twice ("multiply defined")
    out, _ = folder
    tmp = out.parent
    body = ("See \\ref{sec:specproof} and \\ref{sec:specproof-2}.\n\\appendix\n"
            "\\input{rep/report.tex}\n\\input{rep/report.tex}")
    for _ in range(2):  # the second run reads the labels back
        rc, log = _compile(tmp, "twice", _paper(tmp, "", body))
        assert rc == 0, log[-3000:]
    assert "multiply defined" not in log and "undefined references" not in log
    aux = (tmp / "twice.aux").read_text()
    assert "\\newlabel{sec:specproof}" in aux and "\\newlabel{sec:specproof-2}" in aux
    anchor = next(line for line in aux.splitlines() if "\\newlabel{specproof:" in line)
    name = anchor.split("{")[1].split("}")[0]
    assert f"\\newlabel{{{name}-2}}" in aux
