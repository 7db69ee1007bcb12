"""Math in report text: what counts as math, and that nothing a user writes breaks a format."""

import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.claims.markup import (
    html_rich,
    math_is_safe,
    md_rich,
    split_math,
    tex_rich,
)
from specproof.claims.markup_plain import plain_rich
from specproof.claims.values import format_inline, number_parts

# Strings a user might write, and strings written to break the LaTeX report.
HOSTILE = [
    r"$\input{/etc/passwd}$", r"$\def\x{1}\x$", r"$\frac{a}$", r"$a^$", r"$x_$",
    r"$\left( x$", r"$x}$", r"${x$", r"$x \\ y$", r"$50% of x$", r"$a & b$", r"$#1$",
    "$5 and $6", "$ x $", "$$", "$", r"\$", r"$\end{document}$", r"$\csname x\endcsname$",
    r"$\sqrt[3]{x$", "$x$$y$", r"$\text{a}\text$", "$\u00e9$", "a $b\nc$ d",
    r"$\left.\right)$", r"$\verb|x|$", r"$\catcode`\$=12$", r"$x^^5cinput$",
]


def test_what_counts_as_math():
    assert split_math(r"$\|A\|_F \le \sqrt{r}\,\|A\|_2$") == [
        (r"\|A\|_F \le \sqrt{r}\,\|A\|_2", True)]
    assert split_math("costs $5 and $6 more") == [("costs $5 and $6 more", False)]
    assert split_math(r"a \$ b $x$") == [("a $ b ", False), ("x", True)]
    assert split_math("$x$$y$") == [("x", True), ("y", True)]
    assert split_math("a $ b $ c") == [("a $ b $ c", False)]  # spaces inside: text
    for text in HOSTILE:
        pieces = [p for p, is_math in split_math(text) if is_math]
        assert all(math_is_safe(p) for p in pieces), text
    assert [p for t in HOSTILE[:12] for p, m in split_math(t) if m] == []
    assert math_is_safe(r"\sqrt[3]{x}") and math_is_safe(r"\left( \frac{a}{b} \right)")
    assert not math_is_safe(r"\sqrt[3]{x") and not math_is_safe(r"\left( x")


def _tex_is_inert(out: str) -> None:
    """Braces balance and no TeX special is live outside a math piece we passed."""
    depth = 0
    body = re.sub(r"\\[\\{}$%#&_^~]", "", out)  # escaped specials are inert
    for ch in body:
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, out
    assert depth == 0, out
    assert not re.search(r"[%#&]", body), out
    assert body.count("$") % 2 == 0, out


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_escaped_in_every_format(text):
    tex = tex_rich(text)
    _tex_is_inert(tex)
    for bad in (r"\input", r"\def", r"\end{document}", r"\csname", r"\catcode", r"\verb"):
        assert bad not in tex.replace(r"\textbackslash{}", "<bs>"), tex
    html = html_rich(text)
    assert "<script" not in html and "$" not in re.sub(r"<math.*?</math>", "", html) or \
        "$" in text
    assert "\n" not in md_rich(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab $\\{}^_%#&|<>x1 ") + ["\\frac", "\\|", "\\le",
                                                                "\\left(", "\\right)"]),
                max_size=30).map("".join))
def test_any_text_gives_inert_tex_and_escaped_html(text):
    _tex_is_inert(tex_rich(text))
    html = html_rich(text)
    outside = re.sub(r"<math.*?</math>", "", html, flags=re.S)
    assert "<" not in outside.replace("&lt;", "")
    plain_rich(text)  # never raises


def test_plain_reading_for_the_terminal():
    assert plain_rich(r"$V_o = (\sum_c |\hat K_{o,c}|^2)^{-1/2}$") == \
        "V_o = (Σ_c |K̂_{o,c}|^2)^{-1/2}"
    assert plain_rich(r"$\frac{a+b}{2} \in \mathbb{R}$, $\lambda_{\max}$") == \
        "(a+b)/2 ∈ ℝ, λ_{max}"
    assert plain_rich("no math, 50% and $5") == "no math, 50% and $5"


def test_numbers_keep_six_significant_digits_and_their_sign():
    assert number_parts(123456789012) == ("123456789012", None)  # an integer stays exact
    assert number_parts(999999) == ("999999", None)
    assert number_parts(-1e-300) == ("-1", "-300")
    assert format_inline(float("nan"), "tex") == "NaN" and format_inline("NaN") == "NaN"
    assert format_inline("-Infinity", "html") == "-∞"
    assert format_inline([1.0] * 20, "md").endswith("… (12 more)]")
    assert format_inline({}, "plain") == "(empty)"
    assert format_inline(True, "tex") == "true" and format_inline(None) == "null"


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_hostile_text_compiles(tmp_path):
    body = "\n\n".join(tex_rich(t) for t in HOSTILE + [r"the user's $\|A\|_F \le "
                                                       r"\sqrt{r}\,\|A\|_2$"])
    (tmp_path / "h.tex").write_text(
        "\\documentclass{article}\\usepackage{amsmath}\\usepackage{amssymb}"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "h.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert res.returncode == 0, res.stdout[-2000:]
    assert not (tmp_path / "passwd").exists()
