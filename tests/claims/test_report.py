"""The report folder: one document rendered three ways, replaced as a whole, evidence v2."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from specproof.claims import REGISTRY, claim_seed, evidence_schema, run_claim
from specproof.cli import main

DEMO = textwrap.dedent(
    '''
    """Demo claims for the report tests."""
    from specproof.claims import claim
    from specproof.plotting import figure, place_legend

    def _c(name, check_holds, control_holds, boom=False, draw=False):
        @claim(f"rdemo.{name}", paper="rdemo", kind="numerical",
               statement=f"{name}: 50% of x_i | y & z <= 1 → λ",
               profiles={"quick": {"n": 3}, "paper": {"n": 9}})
        def check(ctx, n, variant="check"):
            if boom:
                raise ZeroDivisionError("demo boom")
            holds = check_holds if variant == "check" else control_holds
            fig = None
            if draw:
                fig, ax = figure()
                ax.plot(range(n), [1 + (variant == "control")] * n, "o", label=variant)
                ax.set_xlabel("$i$")
                ax.set_ylabel("$x_i$")
                place_legend(ax)
            return ctx.evidence(holds=holds, measured={"gap_value": 0.125, "n": n},
                                expected="gap_value == 0", key="gap_value",
                                table=[{"i": i, "x_i": i / 3} for i in range(n)],
                                figure=fig, certificates={"cert": {"bound": 1}})

        @check.control
        def control(ctx, n):
            """The variant whose description runs
            over two lines and ends here.

            Not this paragraph."""
            return check.check(ctx, n, variant="control")

    _c("pass", True, False, draw=True)
    _c("fail", False, False)
    _c("vacuous", True, True)
    _c("error", True, False, boom=True)
    '''
)
IDS = ["rdemo.pass", "rdemo.fail", "rdemo.vacuous", "rdemo.error"]
VERDICTS = {"rdemo.pass": "PASS", "rdemo.fail": "FAIL", "rdemo.vacuous": "VACUOUS",
            "rdemo.error": "ERROR"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("mod") / "rdemo_claims.py"
    path.write_text(DEMO)
    yield str(path)
    for cid in IDS:
        REGISTRY.remove(cid)
    sys.modules.pop("_specproof_user_rdemo_claims", None)


@pytest.fixture(scope="module")
def base_report(tmp_path_factory, demo):
    # one run shared by the tests (each gets its own copy of the folder)
    import contextlib
    import io

    out = tmp_path_factory.mktemp("base") / "rep"
    stdout, stderr = io.StringIO(), io.StringIO()
    old = os.umask(0o022)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["verify", "--module", demo, "--paper", "rdemo", "--out", str(out)])
    finally:
        os.umask(old)
    return out, code, (stdout.getvalue(), stderr.getvalue())


@pytest.fixture
def report(base_report, tmp_path):
    src, code, printed = base_report
    out = tmp_path / "rep"
    shutil.copytree(src, out)
    return out, code, printed


def _doc(out):
    return json.loads((out / "evidence.json").read_text())


def test_three_formats_say_the_same(report):
    out, code, _ = report
    assert code == 1
    doc = _doc(out)
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    tex = (out / "report.tex").read_text()
    for rec in doc["claims"]:
        cid, verdict = rec["id"], rec["verdict"]
        assert verdict == VERDICTS[cid]
        short = cid.split(".", 1)[1]
        if verdict != "ERROR":
            html_key = "<code>gap_value</code> = 0.125"
            md_key = "`gap_value` = 0.125"
            tex_key = r"\texttt{gap\_\allowbreak{}value} $=$ $0.125$"
        else:
            html_key = md_key = tex_key = ""
        assert re.search(rf">{re.escape(cid)}</a></td><td>numerical</td><td><span class="
                         rf"\"badge {verdict}\">{verdict}</span></td><td>{html_key}</td>", html)
        assert f"#claim-{cid.replace('.', '-')}) | numerical | {verdict} | {md_key} |" in md
        assert f"\\texttt{{{short}}} & {verdict} & {tex_key} \\\\" in tex
        assert f"{{\\raggedright \\texttt{{rdemo.\\allowbreak{{}}{short}}}: {verdict}}}" in tex
    # the control's whole first paragraph, in every format and in the evidence
    full = "The variant whose description runs over two lines and ends here."
    assert all(full in text for text in (html, md, tex))
    assert doc["claims"][0]["control"]["description"] == full
    assert "Not this paragraph" not in html + md + tex


def test_non_pass_first_and_html_parts(report):
    out, _, _ = report
    html = (out / "report.html").read_text()
    nav = html.split('<nav id="contents">', 1)[1].split("</nav>", 1)[0]
    order = re.findall(r'<span class="badge (\w+)">\1</span>(rdemo\.\w+)</a>', nav)
    assert [v for v, _ in order] == ["ERROR", "FAIL", "VACUOUS", "PASS"]
    assert "position:sticky" in html
    assert 'href="#environment"' in nav and '<section id="environment">' in html
    # parameters, table, figures side by side with captions and PDF links, certificates
    section = html.split('id="claim-rdemo-pass"', 1)[1].split("</section>", 1)[0]
    assert "<h3>Parameters</h3>" in section and "<code>n</code>" in section
    assert "<th><code>i</code></th><th><code>x_i</code></th>" in section
    assert section.count("<figure>") == 2 and section.count("<figcaption") == 2
    assert "<b>Check.</b>" in section and "<b>Negative control.</b>" in section
    assert 'href="figures/rdemo.pass.pdf"' in section
    assert 'href="figures/rdemo.pass.control.pdf"' in section
    assert 'href="certificates/rdemo.pass.cert.json"' in section
    assert 'src="data:image/png;base64,' in section and "src=\"http" not in html
    # escaping: the statement's specials print as written
    assert "50% of x_i | y &amp; z &lt;= 1 → λ" in html


def test_reasons_on_the_terminal(report):
    _, _, (out, err) = report
    lines = out.splitlines()
    line_no = DEMO.splitlines().index('            raise ZeroDivisionError("demo boom")') + 1
    i = next(k for k, line in enumerate(lines) if line.startswith("rdemo.error"))
    assert lines[i + 1].strip() == (
        "ERROR: the check raised ZeroDivisionError: demo boom "
        f"(at rdemo_claims.py:{line_no} in check)")
    i = next(k for k, line in enumerate(lines) if line.startswith("rdemo.fail"))
    assert "FAIL: the check does not hold: expected gap_value == 0; measured " \
           "gap_value=0.125" in lines[i + 1]
    i = next(k for k, line in enumerate(lines) if line.startswith("rdemo.pass"))
    assert not lines[i + 1].startswith("    ")
    # stderr is not a terminal here: finished lines only, each non-PASS with its reason
    assert "running" not in err
    assert "the negative control holds too" in err


def test_evidence_v2_environment_and_seeds(report, demo):
    out, _, _ = report
    doc = _doc(out)
    jsonschema.validate(doc, evidence_schema())
    assert doc["schema"] == "specproof.evidence/2"
    env = doc["environment"]
    assert env["versions"]["numpy"] and env["versions"]["matplotlib"]
    assert env["versions"]["Jinja2"] is None or "Jinja2" in env["versions"]
    assert env["platform"]["cpu_count"] == os.cpu_count()
    assert env["command_line"][0] == sys.argv[0]
    [mod] = env["modules"]
    assert mod["path"] == str(Path(demo).resolve())
    assert mod["sha256"] == hashlib.sha256(Path(demo).read_bytes()).hexdigest()
    for rec in doc["claims"]:
        assert rec["seed_entropy"] == claim_seed(0, rec["id"])
        assert rec["cpu_seconds"] >= 0 and rec["seconds"] >= 0
    assert doc["cpu_seconds"] > 0
    err = next(r for r in doc["claims"] if r["id"] == "rdemo.error")
    assert err["check"]["error"].startswith("ZeroDivisionError: demo boom (at rdemo_claims.py")
    # the old schema is still shipped, and differs where v2 grew
    old = evidence_schema(1)
    assert old["properties"]["schema"]["const"] == "specproof.evidence/1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, old)


def test_rerun_replaces_the_folder_and_files_are_world_readable(report, demo, tmp_path):
    out, _, _ = report
    figs = out / "figures"
    assert (figs / "rdemo.pass.png").exists()
    old = os.umask(0o022)
    try:
        assert main(["verify", "--module", demo, "--only", "rdemo.fail", "--out", str(out)]) == 1
    finally:
        os.umask(old)
    assert not (figs / "rdemo.pass.png").exists()  # nothing stale survives
    assert not (out / "certificates" / "rdemo.pass.cert.json").exists()
    assert [c["id"] for c in _doc(out)["claims"]] == ["rdemo.fail"]
    for path in [out, *out.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path
    # no staging sibling left behind
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".rep")] == []


def test_nothing_created_when_selection_fails_and_foreign_folder_refused(tmp_path, capsys):
    out = tmp_path / "new" / "rep"
    assert main(["verify", "--only", "zzz*", "--out", str(out)]) == 2
    assert not (tmp_path / "new").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    assert main(["verify", "--only", "lin-sn-gan.homogeneity", "--out", str(foreign)]) == 2
    assert "not a specproof report" in capsys.readouterr().err
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_report_command_rerenders_from_evidence(report, tmp_path, capsys):
    out, _, _ = report
    again = tmp_path / "again"
    assert main(["report", str(out / "evidence.json"), "--out", str(again)]) == 0
    for name in ("report.md", "report.tex", "evidence.json"):
        assert (again / name).read_text() == (out / name).read_text().replace(
            "\\specproofdir}{rep/}", "\\specproofdir}{again/}"), name
    assert (again / "figures" / "rdemo.pass.control.pdf").read_bytes() == (
        out / "figures" / "rdemo.pass.control.pdf").read_bytes()
    assert (again / "certificates" / "rdemo.pass.cert.json").exists()
    # a version-1 evidence file still renders
    doc = json.loads((out / "evidence.json").read_text())
    v1 = {k: v for k, v in doc.items() if k not in ("environment", "papers", "cpu_seconds")}
    v1["schema"] = "specproof.evidence/1"
    for rec in v1["claims"]:
        rec.pop("seed_entropy")
        if rec["control"]["verdict"] == "NOT RUN":  # version 1 wrote a control not run so
            rec["control"]["verdict"] = "ERROR"
    (tmp_path / "v1.json").write_text(json.dumps(v1))
    assert main(["report", str(tmp_path / "v1.json"), "--out", str(tmp_path / "r1")]) == 0
    assert "rdemo.fail" in (tmp_path / "r1" / "report.html").read_text()
    assert "figures/rdemo.pass.png named by the evidence is not beside it" in (
        capsys.readouterr().err)
    (tmp_path / "bad.json").write_text('{"schema": "something/9"}')
    assert main(["report", str(tmp_path / "bad.json"), "--out", str(tmp_path / "r2")]) == 2
    assert "is not a specproof evidence file" in capsys.readouterr().err
    assert not (tmp_path / "r2").exists()


def test_last_failed_and_failed_first(report, demo, capsys):
    out, _, _ = report
    capsys.readouterr()
    assert main(["verify", "--module", demo, "--paper", "rdemo", "--out", str(out),
                 "--failed-first"]) == 1
    order = [c["id"] for c in _doc(out)["claims"]]
    assert order[-1] == "rdemo.pass" and set(order) == set(IDS)
    assert main(["verify", "--module", demo, "--paper", "rdemo", "--out", str(out),
                 "--last-failed"]) == 1
    printed = capsys.readouterr()
    assert "rerunning 3 claims that did not PASS" in printed.err
    assert "rdemo.pass" not in printed.err.split("rerunning 3 claims")[1]  # not rerun ...
    doc = _doc(out)
    jsonschema.validate(doc, evidence_schema())
    carried = {c["id"]: c.get("carried_over", False) for c in doc["claims"]}
    assert carried == {"rdemo.fail": False, "rdemo.vacuous": False, "rdemo.error": False,
                       "rdemo.pass": True}  # ... but kept, with its files
    assert (out / "figures" / "rdemo.pass.control.png").exists()
    assert (out / "certificates" / "rdemo.pass.cert.json").exists()
    assert "carried over from the previous run" in (out / "report.html").read_text()
    assert doc["summary"] == {"PASS": 1, "FAIL": 1, "VACUOUS": 1, "ERROR": 1}
    # another seed: the previous verdicts say nothing about which claims fail at seed 1,
    # and nothing could be carried over: refused before any work, the report untouched
    before = (out / "evidence.json").read_bytes()
    assert main(["verify", "--module", demo, "--paper", "rdemo", "--out", str(out),
                 "--last-failed", "--seed", "1"]) == 2
    assert "--last-failed: the previous run" in capsys.readouterr().err
    assert (out / "evidence.json").read_bytes() == before


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_report_tex_compiles_inside_a_minimal_article(report, tmp_path):
    out, _, _ = report
    (tmp_path / "paper.tex").write_text(textwrap.dedent(r"""
        \documentclass{article}
        \usepackage{graphicx}
        \usepackage{booktabs}
        \usepackage{array}
        \usepackage{amsmath}
        \usepackage{amssymb}
        \begin{document}
        \appendix
        \input{rep/report.tex}
        \end{document}
    """))
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "paper.tex"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
    assert (tmp_path / "paper.pdf").read_bytes()[:5] == b"%PDF-"
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert "rep/figures/rdemo.pass.control.pdf" in log  # the figures were included
    assert "Missing character" not in log


def test_run_claim_by_id_keeps_figures_and_displays():
    r = run_claim("lin-sn-gan.gradient-bound", overrides={"nets": 4, "inputs": 4,
                                                          "fd_nets": 1})
    assert r.verdict == "PASS"
    assert r.check_figure is not None and r.control_figure is not None
    html = r._repr_html_()
    assert ">PASS</span>" in html and "data:image/png;base64," in html
    assert "max_ratio" in html
    md = r._repr_markdown_()
    assert md.startswith("**lin-sn-gan.gradient-bound** — **PASS**") and "| `max_ratio` |" in md
    with pytest.raises(KeyError, match="did you mean 'lin-sn-gan.gradient-bound'"):
        run_claim("lin-sn-gan.gradient-bund")
    with pytest.raises(TypeError, match="claim must be a Claim or a claim id"):
        run_claim(42)


def test_identical_control_figure_is_dropped():
    from specproof.claims import Registry, claim
    from specproof.plotting import figure

    reg = Registry()

    @claim("fig.same", paper="fig", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def same(ctx, variant="check"):
        fig, ax = figure()
        ax.plot([1, 2], [1, 2], "o")
        return ctx.evidence(holds=variant == "check", figure=fig)

    same.control(lambda ctx: same.check(ctx, variant="control"))
    r = run_claim(same)
    assert r.check_figure is not None and r.control_figure is None


def _browser():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.mark.skipif(_browser() is None,
                    reason="no headless Chromium (Debian package chromium); "
                    "tools/screenshot_report.py is the manual check")
def test_html_renders_in_headless_chromium(report, tmp_path):
    import numpy as np
    from matplotlib.image import imread

    out, _, _ = report
    png = tmp_path / "shot.png"
    subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--window-size=1200,900", f"--screenshot={png}",
                    (out / "report.html").resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    img = (imread(png)[..., :3] * 255).round().astype(int)
    nav = img[:, :250]  # the contents list (17em at 16 px)

    def has(colour, region):
        return bool((np.abs(region - np.array(colour)).sum(axis=2) < 12).any())

    # verdict badges in their colours in the contents list
    assert has((0x0a, 0x7a, 0x2f), nav) and has((0xb0, 0x00, 0x20), nav)
    assert has((0xb3, 0x6b, 0x00), nav)
    # the summary table and the claim sections render their verdict colours too
    main = img[:, 260:]
    assert has((0xb0, 0x00, 0x20), main)


def test_a_control_not_run_reads_not_run_everywhere(report):
    # it read ERROR beside "Expected: not run: the check raised", as if it had raised too
    out, _, _ = report
    rec = next(r for r in _doc(out)["claims"] if r["id"] == "rdemo.error")
    assert (rec["verdict"], rec["check"]["verdict"]) == ("ERROR", "ERROR")
    assert rec["control"]["verdict"] == "NOT RUN"
    assert rec["control"]["expected"] == "not run: the check raised"
    assert "Negative control (NOT RUN)." in (out / "report.tex").read_text()
    assert '<span class="badge NOTRUN">NOT RUN</span>' in (out / "report.html").read_text()
    assert "**negative control**: NOT RUN" in (out / "report.md").read_text()
