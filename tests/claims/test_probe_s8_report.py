"""Probe s8: what `verify` shows cannot be forged by the data it shows.

1. Escape codes in a measured value, an ``expected`` line or an error are shown as
   escapes (``\\x1b``) on the terminal and in report.md/.html/.tex, never obeyed.
2. ``--resume`` re-derives each kept record's verdict as the renderer does: an edited
   ``"verdict": "PASS"`` beside a check that FAILS is an ERROR everywhere.
3. report.tex breaks long tokens, fits its tables (a long math label, a wide math
   header), cuts very long text in tables, and keeps accented letters.
"""

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

from specproof._core.printable import printable
from specproof.claims import REGISTRY
from specproof.claims.document import build_document
from specproof.claims.markup import tex_escape
from specproof.claims.progress import finished_lines
from specproof.claims.render import render_html, render_markdown, render_tex
from specproof.claims.report import summary_table
from specproof.claims.results import record_verdict
from specproof.claims.selection import previous_outcome
from specproof.claims.texescape import tex_pieces
from specproof.claims.texlayout import column_groups, fit_widths, measured_columns
from specproof.claims.values import MeasuredRow, format_inline
from specproof.cli import main

FORGE = "\x1b[2K\r\x1b[1A\x1b[2K[9/9] PASS    s8.fake  all good\x1b[8m"
LONG = "W" * 3000

MODULE = textwrap.dedent(
    f'''
    from specproof.claims import claim

    FORGE = {FORGE!r}

    @claim("s8.esc", paper="s8", kind="numerical", statement="stmt " + FORGE,
           profiles={{"quick": {{}}, "paper": {{}}}})
    def esc(ctx, flip=False):
        return ctx.evidence(holds=flip, measured={{"x": "v" + FORGE}}, expected="exp " + FORGE,
                            key="x")

    @esc.control
    def esc_c(ctx):
        """d."""
        return esc.check(ctx, flip=True)

    @claim("s8.ok", paper="s8", kind="numerical", statement="fine",
           profiles={{"quick": {{}}, "paper": {{}}}})
    def ok(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={{"x": 1.0}}, key="x")

    @ok.control
    def ok_c(ctx):
        """d."""
        return ok.check(ctx, flip=True)

    @claim("s8.tex", paper="s8", kind="numerical",
           statement="Müller's naïve Łódź 日本 " + {LONG!r},
           profiles={{"quick": {{}}, "paper": {{}}}},
           labels={{"wide": r"$\\max \\|\\mathrm{{conv}}\\|_2 / (k \\min(\\sigma_1, \\sigma_2))$",
                   "hdr": r"$\\|W_+ - W_+^{{\\mathrm{{ref}}}}\\|_F / "
                          r"\\|W_+^{{\\mathrm{{ref}}}} - W\\|_F$"}})
    def tex(ctx, flip=False):
        measured = {{"wide": 3.33067e-16, "long": {LONG!r}, "path": "\\\\input{{/etc/passwd}}",
                    "word": "\\\\input{{/etc/passwd}}", "grüße": "Grüße, Ærø"}}
        table = [{{"side": s, "hdr": 1.17363e-13}} for s in ("both", "alternate", "in")]
        return ctx.evidence(holds=not flip, measured=measured, key="wide", table=table)

    @tex.control
    def tex_c(ctx):
        """d."""
        return tex.check(ctx, flip=True)
    '''
)
IDS = ("s8.esc", "s8.ok", "s8.tex")


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "s8_claims.py"
    path.write_text(MODULE)
    yield path
    for cid in IDS:
        if cid in {c.id for c in REGISTRY}:
            REGISTRY.remove(cid)
    for name in [n for n in sys.modules if n.startswith("_specproof_user_")]:
        del sys.modules[name]


def _verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", *args])
    return code, out.getvalue(), err.getvalue()


# 1. escape codes ---------------------------------------------------------------------

def test_printable_escapes_controls_and_bidi_overrides_only():
    assert printable("a\x1b[1Ab\rc\u202ed\u2066e\x85\x7f") == \
        "a\\x1b[1Ab\\rc\\u202ed\\u2066e\\x85\\x7f"
    assert printable("ü 日本 λ $\\le$ 'q'") == "ü 日本 λ $\\le$ 'q'"
    assert printable("a\nb\tc", keep="\n") == "a\nb\\tc"


def test_terminal_and_reports_show_escape_codes_as_text(module, tmp_path):
    out = tmp_path / "rep"
    code, stdout, stderr = _verify("--module", str(module), "--only", "s8.esc",
                                   "--out", str(out))
    assert code == 1
    for text in (stdout, stderr):
        assert "\x1b" not in text and "\r" not in text
        # the FAIL line is whole and the forged PASS is visible text after it
        assert "\\x1b[2K\\r\\x1b[1A\\x1b[2K[9/9] PASS    s8.fake" in text
    assert "[1/1] FAIL    s8.esc  x=v\\x1b[2K" in stderr
    assert "FAIL: the check does not hold: expected exp \\x1b[2K" in stdout
    assert stdout.splitlines()[2].split()[:3] == ["s8.esc", "numerical", "FAIL"]
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    tex = (out / "report.tex").read_text()
    for text in (md, html, tex):
        assert "\x1b" not in text and "\r" not in text
    assert "exp \\x1b[2K\\r\\x1b[1A" in html
    assert "exp \\\\x1b\\[2K\\\\r" in md  # Markdown-escaped backslash and bracket
    # (a long token: break points between its characters)
    plain = tex.replace("\\penalty200{}", "").replace("\\allowbreak{}", "")
    assert "exp \\textbackslash{}x1b[2K\\textbackslash{}r" in plain
    # evidence.json keeps the value as measured
    rec = json.loads((out / "evidence.json").read_text())["claims"][0]
    assert rec["check"]["measured"]["x"] == "v" + FORGE


def test_finished_lines_and_summary_cannot_draw_a_line():
    rec = {"id": "s8.x", "kind": "numerical", "verdict": "FAIL", "seconds": 0.5,
           "reason": "bad\n[2/2] PASS    s8.y", "check": {"verdict": "FAILS",
                                                         "measured": {"x": "\x1b[8m"}},
           "control": {"verdict": "HOLDS"}}
    lines = summary_table({"claims": [rec], "seconds": 1.0}).splitlines()
    assert lines[2].split() == ["s8.x", "numerical", "FAIL", "x=\\x1b[8m", "0.50"]
    assert lines[3] == "    FAIL: bad\\n[2/2] PASS    s8.y"
    assert len(lines) == 5

    class Result:
        id, verdict, seconds, reason = "s8.x", "FAIL", 0.5, "bad\x1b[1A\n"

        def key_figure(self):
            return "x=\x1b[2K"

    assert finished_lines(Result(), 1, 2) == [
        "[1/2] FAIL    s8.x  x=\\x1b[2K  (0.5 s)", "        bad\\x1b[1A\\n"]


def test_claims_listing_shows_escape_codes_as_text(module, capsys):
    assert main(["claims", "--module", str(module), "--only", "s8.esc"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "stmt \\x1b[2K" in out


# 2. --resume re-derives the verdicts it keeps -------------------------------------------

def test_resume_of_an_edited_record_is_error_everywhere(module, tmp_path):
    out = tmp_path / "rep"
    args = ["--module", str(module), "--only", "s8.esc", "--only", "s8.ok", "--out", str(out)]
    assert _verify(*args)[0] == 1
    doc = json.loads((out / "evidence.json").read_text())
    rec = next(r for r in doc["claims"] if r["id"] == "s8.esc")
    assert (rec["verdict"], rec["check"]["verdict"]) == ("FAIL", "FAILS")
    rec["verdict"] = "PASS"  # the check still FAILS
    (out / "evidence.json").write_text(json.dumps(doc))
    assert previous_outcome(out)["s8.esc"] == "ERROR"  # --last-failed reruns it

    # --resume keeps only records unchanged since they were written (their SHA-256 is in
    # evidence.digests.json): the edited one runs again and FAILS as it did; it was kept
    # as an ERROR before, and an edited *measured value* beside its verdict was kept as is
    code, stdout, stderr = _verify(*args, "--resume")
    assert code == 1
    assert "1 of 2 claims finished there and are kept; running the other 1" in stderr
    assert "s8.esc runs again: its record was changed since it was written" in stderr
    assert "2 claims: 1 PASS, 1 FAIL;" in stdout
    doc = json.loads((out / "evidence.json").read_text())
    assert doc["summary"] == {"PASS": 1, "FAIL": 1, "VACUOUS": 0, "ERROR": 0}
    rec = next(r for r in doc["claims"] if r["id"] == "s8.esc")
    assert rec["verdict"] == "FAIL" and "resumed" not in rec
    assert next(r for r in doc["claims"] if r["id"] == "s8.ok")["resumed"] is True
    md = (out / "report.md").read_text()
    assert "## s8.esc — FAIL" in md and "## s8.esc — PASS" not in md


def test_record_verdict_is_the_renderers_rule():
    ok = {"verdict": "PASS", "reason": "r", "check": {"verdict": "HOLDS"},
          "control": {"verdict": "FAILS"}}
    assert record_verdict(ok) == ("PASS", "r")
    assert record_verdict(dict(ok, verdict="ERROR")) == ("ERROR", "r")
    assert record_verdict(dict(ok, verdict="FAIL"))[0] == "ERROR"
    assert record_verdict(dict(ok, verdict="VACUOUS"))[0] == "ERROR"
    bogus = record_verdict(dict(ok, verdict="BOGUS"))
    assert bogus[0] == "ERROR" and "'BOGUS' is not one of PASS" in bogus[1]
    missing = record_verdict({"verdict": "PASS", "check": {"verdict": "HOLDS"}})
    assert missing[0] == "ERROR" and "control is missing" in missing[1]
    model = build_document({"schema": "specproof.evidence/2", "seed": 0, "profile": "quick",
                            "complete": True, "claims": [dict(
                                ok, verdict="BOGUS", id="a.b", paper="a", kind="exact",
                                statement="s", profile="quick", seed=0)]})
    assert [c.verdict for c in model.claims] == ["ERROR"]
    assert model.summary["ERROR"] == 1


# 3. report.tex ---------------------------------------------------------------------------

def test_tex_escape_breaks_long_tokens_and_keeps_accents():
    out = tex_escape(LONG)
    assert out.count("\\penalty200{}") == len(LONG) - 1
    assert max(map(len, tex_pieces("x " + LONG))) == 1
    assert tex_escape("\\input{/etc/passwd}").count("\\allowbreak{}") == 2  # after / /
    assert max(map(len, tex_pieces("\\input{/etc/passwd}"))) == 1
    # words of letters are left to TeX's hyphenation (ligatures and kerning kept)
    assert tex_escape("Convolutional Fernandez-Granda,") == "Convolutional Fernandez-Granda,"
    assert tex_escape("ü ë Ł ß ǖ ï") == '\\"{u} \\"{e} \\L{} \\ss{} \\={\\"{u}} \\"{\\i}'
    assert tex_escape("Α Σ") == "A $\\Sigma$"  # was "?" for the capital Alpha
    assert tex_escape("日ą🎉") == ("[U+65E5]\\allowbreak{}[U+0105]\\allowbreak{}"
                                 "[U+1F389]\\allowbreak{}")
    assert tex_escape("a\x1bb\u202ec") == "a\\textbackslash{}x1bb\\textbackslash{}u202ec"
    # a table cannot break across pages: report.tex cuts long text, saying so
    assert format_inline(LONG, "plain-tex") == "W" * 120 + "… (2880 more characters in " \
        "evidence.json)"
    assert format_inline(LONG, "tex").count("W") == 120
    assert format_inline(LONG, "md") == "W" * 3000  # the other formats show it whole


def test_tables_fit_the_column():
    # the pion.update-rms table: a math header estimated wider than the budget kept a
    # 41 pt column beside a 218 pt one (36 pt into the margin)
    labels = {"hdr": r"$\|W_+ - W_+^{\mathrm{ref}}\|_F / \|W_+^{\mathrm{ref}} - W\|_F$"}
    (g,) = column_groups(["side", "hdr"], [["alternate", 1.17363e-13]], labels)
    assert sum(g.widths) + 6.0 <= 218.0 + 1e-6
    assert fit_widths([41.4, 218.0], [[41.4, 221.0]], 212.0) == [41.4, 170.6]
    # the lin-sn-gan.reshape-underestimates table: a long math label beside two numbers
    # overflowed the fixed 0.34 by 28 pt
    wide = {"x": r"$\max \|\mathrm{conv}\|_2 / (k \min(\sigma_1, \sigma_2))$"}
    w = measured_columns([MeasuredRow(0, "x", 3.33067e-16, 1.0)], wide)
    assert w[0] * 218 > 106.5 and abs(sum(w) - 0.94) < 1e-3
    assert measured_columns([MeasuredRow(0, "x", 1.0, 2.0)]) == [0.34, 0.3, 0.3]


def _compile(folder: Path, report: Path, options: str) -> str:
    name = "two" if options else "one"
    body = "".join(f"\\usepackage{{{p}}}\n"
                   for p in ("graphicx", "booktabs", "array", "amsmath", "amssymb"))
    (folder / f"{name}.tex").write_text(
        f"\\documentclass{options}{{article}}\n{body}\\begin{{document}}\n\\appendix\n"
        f"\\input{{{report.name}/report.tex}}\n\\end{{document}}\n")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          f"{name}.tex"], cwd=folder, capture_output=True, text=True,
                         timeout=180, check=False)
    log = (folder / f"{name}.log").read_text(errors="replace")
    assert res.returncode == 0, log[-3000:]
    return log


def _overfull(log: str) -> list[str]:
    return [m.group(0) for m in re.finditer(
        r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)[^\n]*", log)
        if float(m.group(1)) > 1.0]


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_report_tex_of_long_and_wide_values_compiles_without_overfull_boxes(module,
                                                                          tmp_path):
    out = tmp_path / "rep"
    args = ["--module", str(module), "--only", "s8.*", "--out", str(out),
            "--only", "lin-sn-gan.reshape-underestimates", "--only", "pion.update-rms"]
    assert _verify(*args)[0] == 1  # s8.esc fails
    tex = (out / "report.tex").read_text()
    assert tex.isascii()
    assert "M\\\"{u}ller's na\\\"{\\i}ve \\L{}\\'{o}d\\'{z} [U+65E5]" in tex
    assert "Gr\\\"{u}\\ss{}e, \\AE{}r\\o{}" in tex
    for options in ("[twocolumn]", ""):
        log = _compile(tmp_path, out, options)
        assert _overfull(log) == []
        assert "Missing character" not in log


def test_markdown_and_html_of_the_same_document_have_no_escape_codes():
    rec = {"id": "s8.m", "paper": "s8", "kind": "exact", "statement": "s\x1b[31m",
           "verdict": "FAIL", "reason": "r\u202eq", "profile": "quick", "seed": 0,
           "check": {"verdict": "FAILS", "expected": "e\x07", "measured": {"k\x1b": "v\x9b"},
                     "error": "", "traceback": "line1\x1b\nline2"},
           "control": {"verdict": "HOLDS", "description": "d\x1b"}}
    model = build_document({"schema": "specproof.evidence/2", "seed": 0, "profile": "quick",
                            "complete": True, "claims": [rec]})
    for text in (render_markdown(model), render_html(model), render_tex(model)):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text)
    html = render_html(model)
    assert "s\\x1b[31m" in html and "R\\u202eq" in html and "v\\x9b" in html
    assert "line1\\x1b" in html and "line2" in html  # the traceback keeps its lines
