"""Probe s16: what a check returns or an evidence file holds cannot break or forge a report.

1. A check table of empty rows (``[{}]``) is left out, not a crash that lost the report.
2. A table row starting with ``[`` is not read as ``\\\\[...]``: report.tex compiles.
3. A blank line in a statement or an ``expected`` line does not end a ``\\emph{}``.
4. A line break in a measured key or a column name stays on one line (md and tex).
5. Every field of an edited evidence file is escaped in report.tex and report.md, also
   without jsonschema (``\\input{/etc/passwd}`` in ``kind`` ran).
6. Markdown gets no raw HTML: math ``<``/``>`` as ``\\lt``/``\\gt``, code spans a
   backtick cannot close, environment fields escaped.
7. A number never reads as a rounder one: ``1.0000001`` is not ``1``, integers are exact.
8. A ``|`` in a key or a column is ``\\|`` in a Markdown table.
9. `specproof report` leaves a missing figure out of report.tex, saying so.
10. Long identifiers break in a column; decomposed accents are composed; ``|`` in
    typewriter type takes no font of another encoding.
11. A ``--module`` file declares its paper with ``REGISTRY.add_paper``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specproof.claims import REGISTRY
from specproof.claims.document import build_document, key_figure
from specproof.claims.markup import md_code, md_rich, tex_rich
from specproof.claims.render import render_markdown, render_tex
from specproof.claims.report import rerender, summary_table
from specproof.claims.texescape import ident_pieces, tex_escape, tex_ident
from specproof.claims.texlayout import table_rows_shown
from specproof.claims.values import number_parts, plain_number, tex_number
from specproof.cli import main

MODULE = textwrap.dedent(r'''
    from specproof.claims import REGISTRY, Paper, claim

    PAPER = Paper(key="s16r", title="Probe sixteen", authors="A. Author", venue="V")
    REGISTRY.add_paper(PAPER)
    P = {"quick": {}, "paper": {}}

    def _flip(fn):
        def control(ctx):
            """Control."""
            return fn.check(ctx, flip=True)
        fn.control(control)
        return fn

    @claim("s16r.empty-row", paper="s16r", kind="exact", statement="empty rows", profiles=P)
    def empty_row(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"v": 1}, expected="v", table=[{}, {}])
    _flip(empty_row)

    @claim("s16r.brackets", paper="s16r", kind="numerical", statement="brackets",
           profiles=P, labels={"interval": "[low, high] of the slope"})
    def brackets(ctx, flip=False):
        table = [{"widths": [64, 128], "err": 0.1}, {"widths": [256, 512], "err": 0.05}]
        return ctx.evidence(holds=not flip, measured={"interval": [0.4, 0.6]}, table=table,
                            expected="err small")
    _flip(brackets)

    @claim("s16r.paragraphs", paper="s16r", kind="numerical",
           statement="Let $A$ be random.\n\nThen $\\|A\\| \\le 2\\sqrt{n}$.", profiles=P)
    def paragraphs(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"v": 1}, expected="one\n\ntwo")
    _flip(paragraphs)

    @claim("s16r.newline-keys", paper="s16r", kind="numerical", statement="keys",
           profiles=P)
    def newline_keys(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={
            "err\n\n# Injected heading\n\n<script>alert(1)</script>": 0.5, "ok": 1},
            table=[{"col\n\nx": 1}], expected="small", key="ok")
    _flip(newline_keys)

    @claim("s16r.round", paper="s16r", kind="numerical", statement="$r \\le 1$", profiles=P)
    def rnd(ctx, flip=False):
        return ctx.evidence(holds=False, key="worst", expected="$\\mathrm{worst} \\le 1$",
                            measured={"worst": 1.0000001, "p": 0.049999996,
                                      "count": 1000001, "big": 2**53 + 1})
    rnd.control(lambda ctx: ctx.evidence(holds=False, measured={"worst": 2.0}))

    @claim("s16r.pipes", paper="s16r", kind="numerical", statement="pipes", profiles=P)
    def pipes(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"a|b": 111, "ok": 222},
                            table=[{"x|y": 1, "z": 2}], expected="x", key="ok")
    _flip(pipes)

    @claim("s16r.spectralnormofrandomgaussianmatricesgrowsliketwosqrtn", paper="s16r",
           kind="numerical", statement="Caf\u0065\u0301 au lait.",
           profiles={"quick": {"maxIterationsForPowerMethod": 3},
                     "paper": {"maxIterationsForPowerMethod": 3}})
    def longs(ctx, maxIterationsForPowerMethod, flip=False):
        measured = {"maxSpectralNormRatioOverAllDraws": 0.99, "a|b<c>": 1}
        table = [{f"column{j}WithAVeryLongName": 1.25 * j for j in range(3)}]
        return ctx.evidence(holds=not flip, measured=measured, table=table, expected="r",
                            key="maxSpectralNormRatioOverAllDraws")
    longs.control(lambda ctx, maxIterationsForPowerMethod:
                  longs.check(ctx, maxIterationsForPowerMethod, flip=True))

    @claim("s16r.html", paper="s16r", kind="numerical",
           statement="Math that is HTML: $<img src=x onerror=alert(1)>$.",
           profiles={"quick": {"a`<img src=x onerror=alert(2)>`b": 1}, "paper": {}})
    def html(ctx, flip=False, **kw):
        return ctx.evidence(holds=not flip, measured={"v": 1}, key="v",
                            expected="$<b>bold</b>$")
    html.control(lambda ctx, **kw: html.check(ctx, flip=True))
''')


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of the probe claims: (folder, exit code, terminal output)."""
    base = tmp_path_factory.mktemp("s16")
    module = base / "s16_report_claims.py"
    module.write_text(MODULE)
    out = base / "rep"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()) as stdout, contextlib.redirect_stderr(err):
        code = main(["verify", "--module", str(module), "--paper", "s16r", "--out", str(out)])
    yield out, code, stdout.getvalue() + err.getvalue()
    for cid in [c.id for c in REGISTRY if c.id.startswith("s16r.")]:
        REGISTRY.remove(cid)
    for name in [n for n in sys.modules if n.startswith("_specproof_user_s16_report")]:
        del sys.modules[name]


def _texts(folder: Path) -> tuple[str, str]:
    return (folder / "report.tex").read_text(), (folder / "report.md").read_text()


def _compile(folder: Path, name: str = "paper") -> tuple[int, str]:
    """Compile ``folder/report.tex`` in a two-column paper with the documented preamble."""
    uses = "".join(f"\\usepackage{{{p}}}\n"
                   for p in ("graphicx", "booktabs", "array", "amsmath", "amssymb"))
    tex = folder.parent / f"{name}.tex"
    tex.write_text(f"\\documentclass[twocolumn]{{article}}\n{uses}\\begin{{document}}\n"
                   f"\\appendix\n\\input{{{folder.name}/report.tex}}\n\\end{{document}}\n")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                         cwd=folder.parent, capture_output=True, text=True, timeout=180,
                         check=False)
    return res.returncode, (folder.parent / f"{name}.log").read_text(errors="replace")


def _raw_html(md: str) -> list[str]:
    """Tags a Markdown viewer would read as HTML: outside code spans, not escaped, other
    than the template's own section anchors."""
    text = re.sub(r'^<a id="[\w-]+"></a>$', "", md, flags=re.M)
    text = re.sub(r"(`+).*?\1", "", text)
    return re.findall(r"(?<!\\)<(?:img|script|b>|i>|a )", text)


def _overfull(log: str) -> list[str]:
    return [m.group(0) for m in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
            if float(m.group(1)) > 1.0]


def test_the_run_writes_every_report(run):
    out, code, _ = run
    assert code == 1  # s16r.round fails
    for name in ("evidence.json", "report.md", "report.tex", "report.html"):
        assert (out / name).is_file()


# 1. a table of empty rows ------------------------------------------------------------

def test_a_table_of_empty_rows_is_left_out(run):
    out, _, _ = run
    doc = json.loads((out / "evidence.json").read_text())
    rec = next(c for c in doc["claims"] if c["id"] == "s16r.empty-row")
    assert rec["verdict"] == "PASS" and rec["check"]["table"] == [{}, {}]
    section = next(c for c in build_document(doc).claims if c.id == "s16r.empty-row")
    assert section.table_rows == [] and section.table_columns == []
    assert table_rows_shown([], [[], []]) == 0


# 2.-4., 10. report.tex compiles -------------------------------------------------------

def test_rows_start_with_relax_and_text_has_no_blank_line(run):
    out, _, _ = run
    tex, _ = _texts(out)
    assert r"\relax [$64$, $128$]" in tex and r"\relax [low, high] of the slope" in tex
    assert "Let $A$ be random.\nThen" in tex and "one\ntwo" in tex
    assert "\n\n" not in tex_rich("a\n\n$x$\n \nb") and "\n\n" not in tex_escape("a\n\n\nb")


def test_keys_with_line_breaks_stay_on_one_line(run):
    out, _, _ = run
    tex, md = _texts(out)
    assert r"\texttt{err\char92{}n\char92{}n\#" in tex
    assert r"\texttt{col\char92{}n\char92{}nx}" in tex
    assert not re.search(r"^#+ Injected", md, re.M) and _raw_html(md) == []
    assert "| `err\\n\\n# Injected heading\\n\\n<script>alert(1)</script>` |" in md


def test_long_identifiers_break_and_typewriter_specials_are_cmtt(run):
    out, _, _ = run
    tex, _ = _texts(out)
    assert max(map(len, ident_pieces("maxSpectralNormRatioOverAllDraws"))) <= 10
    assert max(map(len, ident_pieces("spectralnormofrandomgaussianmatrices"))) <= 10
    assert r"max\allowbreak{}Spectral" in tex
    assert r"\texttt{a\char124{}b\char60{}c\char62{}}" in tex and r"\textbar" not in tex
    assert tex_escape("Cafe\u0301") == r"Caf\'{e}" and r"Caf\'{e} au lait" in tex
    assert tex_ident("a\tb") == r"\texttt{a\char92{}tb}"


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_report_tex_compiles_without_overfull_boxes_or_font_substitutions(run):
    out, _, _ = run
    rc, log = _compile(out)
    assert rc == 0, log[-3000:]
    assert _overfull(log) == []
    assert "OMS/cmtt" not in log and "OML/cmtt" not in log


# 5. an edited evidence file, without jsonschema ---------------------------------------

PWN = r"}\input{/etc/passwd}\iffalse"


def _forged(out: Path, tmp_path: Path) -> Path:
    doc = json.loads((out / "evidence.json").read_text())
    rec = next(c for c in doc["claims"] if c["id"] == "s16r.pipes")
    rec.update(id="s16r.x" + PWN + "<script>alert(9)</script>", kind="numerical" + PWN,
               seed="0 " + PWN, profile="quick" + PWN)
    rec["check"]["verdict"] = "HOLDS)" + PWN
    rec["control"]["verdict"] = "FAILS" + PWN
    doc.update(created="<img src=x onerror=alert(1)>", seed="1" + PWN)
    doc["environment"]["platform"]["<b>k</b>"] = "<script>alert(2)</script>"
    doc["environment"]["versions"]["x<i>"] = "<i>1</i>"
    doc["claims"] = [rec]
    src = tmp_path / "src"
    src.mkdir()
    (src / "evidence.json").write_text(json.dumps(doc))
    return src / "evidence.json"


def test_edited_evidence_fields_are_escaped_without_jsonschema(run, tmp_path, monkeypatch):
    out, _, _ = run
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # the dev extra not installed
    folder, _ = rerender(_forged(out, tmp_path), tmp_path / "again")
    tex, md = _texts(folder)
    assert r"\input{" not in tex and r"\iffalse" not in tex
    assert (r"\label{specproof:claim-s16r-x--input--etc-passwd--iffalse-script-alert-9---script-"
            r"\specprooflabel}") in tex
    assert _raw_html(md) == [] and r"\<img src=x" in md
    if shutil.which("pdflatex") is not None:
        rc, log = _compile(folder, "forged")
        assert rc == 0, log[-3000:]
        assert "/etc/passwd" not in re.sub(r"\s", "", log.split("(./again/report.tex")[0])


# 6. no raw HTML in report.md ----------------------------------------------------------

def test_markdown_math_and_code_spans_cannot_form_html(run):
    out, _, _ = run
    _, md = _texts(out)
    assert "$\\lt img src=x onerror=alert(1)\\gt $" in md and _raw_html(md) == []
    assert "$\\lt b\\gt bold\\lt /b\\gt $" in md
    assert "``a`<img src=x onerror=alert(2)>`b`` = 1" in md
    assert md_code("`") == "`` ` ``" and md_code("a|b") == "`a\\|b`"
    assert md_rich("$a & b < c$") in ("$a \\& b \\lt  c$", "\\$a \\& b \\< c\\$")


# 7. numbers never read as rounder ones -------------------------------------------------

def test_numbers_never_read_as_a_rounder_one(run):
    out, _, said = run
    assert number_parts(1.0000001) == ("1.0000001", None)
    assert number_parts(0.049999996) == ("0.049999996", None)
    assert number_parts(1000001) == ("1000001", None)
    assert plain_number(2**53 + 1) == "9007199254740993"
    assert number_parts(-0.46327964) == ("-0.46328", None)  # 6 digits where they read so
    assert r"\allowbreak" in tex_number(2**100)  # a long exact integer may break
    tex, md = _texts(out)
    assert "$1.0000001$" in tex and "| 1.0000001 |" in md
    assert "0.049999996" in md and "| 1000001 |" in md and "9007199254740993" in md
    assert "worst=1.0000001" in said  # the progress line and the summary table
    doc = json.loads((out / "evidence.json").read_text())
    assert "worst=1.0000001" in summary_table(doc)
    assert key_figure({"verdict": "PASS", "check": {"measured": {"w": 0.99999996}}}) \
        == "w=0.99999996"


# 8. a pipe in a key ---------------------------------------------------------------------

def test_a_pipe_in_a_key_or_column_is_escaped_in_markdown(run):
    out, _, _ = run
    _, md = _texts(out)
    assert "| `a\\|b` | 111 | 111 |" in md
    assert "| `x\\|y` | `z` |" in md


# 9. a missing figure --------------------------------------------------------------------

def test_report_leaves_a_missing_figure_out_of_report_tex(run, tmp_path):
    out, _, _ = run
    doc = json.loads((out / "evidence.json").read_text())
    doc["claims"] = [c for c in doc["claims"] if c["id"] == "s16r.pipes"]
    doc["claims"][0]["figures"] = {"check": "s16r.pipes"}
    src = tmp_path / "src"
    src.mkdir()
    (src / "evidence.json").write_text(json.dumps(doc))
    folder, missing = rerender(src / "evidence.json", tmp_path / "again")
    assert missing == ["figures/s16r.pipes.pdf", "figures/s16r.pipes.png"]
    tex, _ = _texts(folder)
    assert "s16r.pipes.pdf}" not in tex and "figure of this claim" in tex
    assert "is missing" in tex
    if shutil.which("pdflatex") is not None:
        rc, log = _compile(folder, "nofig")
        assert rc == 0, log[-3000:]
    # without a folder to look in (a caller of render_tex alone), every figure is printed
    assert "s16r.pipes.pdf}" in render_tex(build_document(doc))


# 11. a user module's paper ---------------------------------------------------------------

def test_a_module_declares_its_paper_with_add_paper(run):
    out, _, _ = run
    doc = json.loads((out / "evidence.json").read_text())
    assert doc["papers"]["s16r"]["title"] == "Probe sixteen"
    assert "A. Author, Probe sixteen, V" in render_markdown(build_document(doc))
