r"""Math that reaches report.html and report.tex: no markup smuggled through latex2mathml,
and nothing typeset that pdflatex (amsmath + amssymb, two columns) would stop on.

Each span that :func:`~specproof.claims.markup.math_is_safe` refuses is printed as
written (escaped) in both formats; each it accepts compiles.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.claims.markup import html_rich, split_math, tex_escape, tex_rich
from specproof.claims.math_check import (
    _DELIMITER_CHARS,
    _DELIMITER_COMMANDS,
    _MATH_COMMANDS,
    _SCRIPT_SYMBOLS,
    _SIZED,
    _TEXT_COMMANDS,
    math_is_safe,
)
from specproof.claims.mathml import _MATHML_ELEMENTS, mathml

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"

# Math that must never reach latex2mathml: its \text{} is copied into <mtext> unescaped.
SCRIPT_INJECTION = [
    r"\text{<script>alert(1)</script>}",
    r"\text{<img/src=x/onerror=alert(1)>}",
    r"x + \textbf{<svg onload=alert(1)>}",
    r"\textrm{</mtext></math><script>alert(1)</script>}",
    r"\text{\"'><b>x</b>}",
    r"\mathrm{a}\text{<![CDATA[</mtext><img src=x onerror=alert(1)>]]>}",
]

# Math that pdflatex with only amsmath and amssymb stops on (each checked by hand to
# fail there): undefined commands, math inside \text, double scripts, missing
# delimiters, and a macro with arguments as an unbraced script.
TEX_FAILURES = [
    r"\lt", r"\gt", r"c \coloneqq 1", r"\text{max_ratio}", r"\text{a^b}", r"\text{\alpha}",
    "a^b^c", "a_b_c", r"a^b_c^d", r"\left x \right y", r"\big", r"\bigl x", r"\Bigr",
    r"x^\sqrt{2}", r"x_\hat{a}", r"x_\dots", r"x^\text{T}", "x^2'", "x' ^2", "x'_1'",
    r"\sqrt\dots", r"\hat\frac{a}{b}", r"{\left( x} \right)", r"\left( x \right",
    r"\sqrt[\left(3\right)]{x}",
]

# Math that looks adversarial but typesets: these must stay accepted.
ACCEPTED = [
    "x'^2", "x''", "x'_1", "{x^a}^b", "{}^a_b", "a_b^c", r"\left( x \right)^2",
    r"\bigl( x \bigr)", r"\big\{ x \big\}", r"\left\langle x \right\rangle",
    r"\left. x \right|", r"\left\lVert x \right\rVert_2", r"x^\top", r"x_\psi^\star",
    r"\sqrt[3]{x}", r"\sqrt[n+1]\alpha", r"\tfrac12", r"\frac\partial{\partial x}",
    r"\text{k=3, (a-b)/2!}", r"\text x", r"x^\dagger", r"\mathbf{1}^\top", "a < b > c",
    "x ~ y", r"\hat{x}_\ell", r"\operatorname{rank}(A)", r"x^{\sqrt{2}}", r"x_{\hat a}",
    r"x_{\dots}", r"\text{a}\text{b}", r"1/\sqrt{\text{fan-in}}", r"10^{{{5}}}",
    r"\|x\|_{2\to4}^4", r"\max_{o,i,j} |(B_o B_o^\top - I)_{ij}| < 10^{-10}",
    r"\left( \frac{a}{b} \right)", r"\left.\right)", r"x^\prime_\infty",
]


def _command_samples() -> list[str]:
    """One accepted span per command, script symbol and delimiter the checker allows."""
    out = []
    for name, nargs in sorted(_MATH_COMMANDS.items()):
        if name in _TEXT_COMMANDS:
            out.append(rf"\{name}{{ab 1-2}}")
        elif name == "left":
            out.extend(rf"\left{d} x \right{d}" for d in sorted(_DELIMITER_CHARS))
            out.extend(rf"\left\{d} x \right\{d}" for d in sorted(_DELIMITER_COMMANDS))
        elif name in _SIZED:
            out.extend(rf"\{name}{d} x" for d in sorted(_DELIMITER_CHARS))
            out.extend(rf"\{name}\{d} x" for d in sorted(_DELIMITER_COMMANDS))
        elif name != "right":
            out.append(rf"a \{name}" + "{x}" * nargs + " b")
    out.extend(rf"x^\{s}_\{s}" for s in sorted(_SCRIPT_SYMBOLS))
    return out


class _Tags(HTMLParser):
    """The start tags and attribute names an HTML (browser-like) parser finds."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def _assert_only_mathml(html: str) -> None:
    """``html`` parses as XML and as HTML, and holds no element but whitelisted MathML
    and no event handler."""
    try:
        root = ET.fromstring(f"<div>{html}</div>")
    except ET.ParseError as err:
        raise AssertionError(f"not well-formed ({err}): {html}") from err
    for el in root.iter():
        if el is not root:
            assert el.tag.startswith(MATHML_NS), (el.tag, html)
            assert el.tag[len(MATHML_NS):] in _MATHML_ELEMENTS, (el.tag, html)
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert set(parser.tags) <= _MATHML_ELEMENTS, (parser.tags, html)
    assert not any(a.startswith("on") for a in parser.attrs), (parser.attrs, html)
    assert "<script" not in html.lower(), html


def test_script_injection_is_shown_as_text():
    for src in SCRIPT_INJECTION:
        assert not math_is_safe(src), src
        text = f"claim ${src}$ holds"
        html = html_rich(text)
        assert "<math" not in html, html
        _assert_only_mathml(html)
        with pytest.raises(ValueError):
            mathml(src)  # refused even when called directly


def test_pdflatex_failures_are_shown_as_text():
    for src in TEX_FAILURES:
        assert not math_is_safe(src), src
        text = f"ratio ${src}$"
        assert split_math(text) == [(text, False)], src
        assert tex_rich(text) == tex_escape(text), src
        assert "<math" not in html_rich(text), src


def test_adversarial_looking_math_is_typeset():
    for src in ACCEPTED + _command_samples():
        assert math_is_safe(src), src
        html = html_rich(f"${src}$")
        assert html.startswith("<math alttext="), (src, html)
        _assert_only_mathml(html)
        assert tex_rich(f"${src}$") == f"${src}$"


def test_mathml_is_written_back_from_the_checked_tree():
    out = mathml(r"c < 0 \text{ and } \hat\alpha")
    assert out.startswith('<math alttext="c &lt; 0 \\text{ and } \\hat\\alpha" '
                          'xmlns="http://www.w3.org/1998/Math/MathML"')
    assert "<mo>&lt;</mo>" in out and out.isascii() and "/>" not in out
    _assert_only_mathml(out)
    # in math mode < and > are relations, which latex2mathml escapes: typeset, inert
    for src in (r"\operatorname{<script>}", r"\mathrm{<img src=x onerror=alert(1)>}"):
        html = html_rich(f"${src}$")
        assert html.startswith("<math") and "<mo>&lt;</mo>" in html, html
        _assert_only_mathml(html)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (.ci/run installs texlive)")
def test_accepted_math_compiles_in_two_columns(tmp_path: Path):
    spans = ACCEPTED + _command_samples()
    body = "\n\n".join(tex_rich(f"{i}: ${src}$ and ${bad}$") for i, (src, bad) in
                       enumerate(zip(spans, (TEX_FAILURES + SCRIPT_INJECTION) * 10)))
    (tmp_path / "m.tex").write_text(
        "\\documentclass[twocolumn]{article}\\usepackage{amsmath}\\usepackage{amssymb}"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "m.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert res.returncode == 0, res.stdout[-3000:]


# Pieces of math and markup to build hostile spans from.
_MATH_PIECES = st.sampled_from(
    ["x", "2", " ", "<", ">", "/", "=", "'", '"', "&", "{", "}", "^", "_", "\\text{",
     "\\mathrm{", "\\operatorname{", "\\frac", "\\sqrt", "\\left(", "\\right)", "\\big",
     "\\alpha", "\\top", "\\lt", "script", "img src=x onerror=alert(1)", "</mtext>",
     "<![CDATA[", "]]>", "<!--", "-->", "&lt;", "\\\\", "\\{", "\\|", "[", "]"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_TEXT.map(lambda t: f"$\\text{{{t}}}$"),
                 st.lists(_MATH_PIECES, max_size=12).map(lambda p: f"${''.join(p)}$")))
def test_html_holds_only_whitelisted_mathml(text):
    _assert_only_mathml(html_rich(text))
