"""A check table of many long cells stays within a page of report.tex.

The 120-character cut and the 30-row cap bound a table's width and rows, not its height:
40 rows of 300-character cells compiled to ``Overfull \\vbox (605.6pt too high)`` (a
tabular cannot break across pages). The tex report now prints the rows that fit
:data:`~specproof.claims.texlayout.TABLE_LINES` and says how many of all.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from specproof.claims.texlayout import TABLE_LINES, table_rows_shown
from specproof.cli import main

MODULE = '''
from specproof.claims import claim

@claim("tall.table", paper="tall", kind="numerical", statement="tall",
       profiles={"quick": {}, "paper": {}})
def tall(ctx, flip=False):
    rows = [{"i": i, "digest": ("0123456789abcdef" * 20)[:300]} for i in range(40)]
    return ctx.evidence(holds=not flip, measured={"v": 1.0}, expected="v", table=rows)

@tall.control
def tall_c(ctx):
    """flipped"""
    return tall.check(ctx, flip=True)
'''


def test_rows_shown_fit_the_line_budget():
    long = ("0123456789abcdef" * 20)[:300]
    k = table_rows_shown(["i", "digest"], [[i, long] for i in range(40)])
    assert 1 <= k < 30
    # short rows: the 30-row cap, as before; one very tall row: still shown
    assert table_rows_shown(["i", "x"], [[i, 0.25] for i in range(100)]) == 30
    assert table_rows_shown(["x"], [["w " * 2000]], lines=5) == 1
    assert table_rows_shown(["x"], []) == 0
    assert TABLE_LINES == 40


def _compile(folder: Path, options: str) -> str:
    name = "two" if options else "one"
    body = "".join(f"\\usepackage{{{p}}}\n"
                   for p in ("graphicx", "booktabs", "array", "amsmath", "amssymb"))
    (folder / f"{name}.tex").write_text(
        f"\\documentclass{options}{{article}}\n{body}\\begin{{document}}\n\\appendix\n"
        "\\input{rep/report.tex}\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                   cwd=folder, capture_output=True, text=True, timeout=180, check=False)
    return (folder / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def forget_tall():
    """The claim and module this test registers, removed afterwards: another test's
    cleanup of every user module left tall.table registered with no fingerprinted code,
    so a later `--last-failed` in the same process ran it."""
    yield
    from specproof.claims import REGISTRY

    if "tall.table" in REGISTRY:
        REGISTRY.remove("tall.table")
    for name in [n for n in sys.modules if n.startswith("_specproof_user_tall_claims")]:
        del sys.modules[name]


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_a_tall_table_compiles_without_overfull_boxes(tmp_path, forget_tall):
    module = tmp_path / "tall_claims.py"
    module.write_text(MODULE)
    out = tmp_path / "rep"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["verify", "--module", str(module), "--paper", "tall",
                     "--out", str(out)]) == 0
    tex = (out / "report.tex").read_text()
    shown = re.search(r"first (\d+) of 40 rows", tex)
    assert shown and 1 <= int(shown.group(1)) < 30, tex[-800:]
    for options in ("[twocolumn]", ""):
        log = _compile(tmp_path, options)
        assert "Output written" in log, log[-2000:]
        boxes = [m.group(0) for m in re.finditer(
            r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", log)
            if float(m.group(1)) > 1.0]
        assert boxes == []
