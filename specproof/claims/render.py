"""Rendering the report document into HTML, Markdown and LaTeX with Jinja2 templates.

The templates ship with the package (``specproof/claims/templates``); each format gets
its escaping as a filter, so a statement with ``|``, ``_`` or ``<`` prints as written.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from specproof.claims.display import VERDICT_COLOURS
from specproof.claims.document import ReportDocument

# Characters outside ASCII that statements and descriptions use, as pdflatex input that
# needs no package beyond a standard installation.
_TEX_UNICODE = {
    "→": r"$\to$", "←": r"$\leftarrow$", "≤": r"$\le$", "≥": r"$\ge$", "≠": r"$\ne$",
    "≈": r"$\approx$", "∈": r"$\in$", "∑": r"$\sum$", "∏": r"$\prod$", "√": r"$\surd$",
    "∞": r"$\infty$", "⪰": r"$\succeq$", "⪯": r"$\preceq$", "×": r"$\times$", "·": r"$\cdot$",
    "±": r"$\pm$", "−": "-", "–": "--", "—": "---", "‖": r"$\|$", "∘": r"$\circ$",
    "⊗": r"$\otimes$", "⊕": r"$\oplus$", "ᵀ": r"$^{T}$", "²": r"$^{2}$", "³": r"$^{3}$",
    "⁴": r"$^{4}$", "¹": r"$^{1}$", "…": r"\dots{}", "“": "``", "”": "''", "‘": "`", "’": "'",
    "⟨": r"$\langle$", "⟩": r"$\rangle$", "∀": r"$\forall$", "∃": r"$\exists$",
    "∅": r"$\emptyset$", "⊆": r"$\subseteq$", "⊂": r"$\subset$", "∩": r"$\cap$", "∪": r"$\cup$",
    "ℝ": r"$\mathbf{R}$", "ℂ": r"$\mathbf{C}$", "ℤ": r"$\mathbf{Z}$", "ℚ": r"$\mathbf{Q}$",
    "°": r"$^\circ$", "∂": r"$\partial$", "∇": r"$\nabla$", "⊥": r"$\perp$", "≅": r"$\cong$",
}
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lamda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega",
}
_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def _tex_char(ch: str) -> str:
    if ch in _TEX_SPECIAL:
        return _TEX_SPECIAL[ch]
    if ord(ch) < 128:
        return ch
    if ch in _TEX_UNICODE:
        return _TEX_UNICODE[ch]
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", name)
    if m and m.group(2).lower() in _GREEK:
        letter = m.group(2).lower().replace("lamda", "lambda")
        if m.group(1) == "CAPITAL":
            letter = letter.capitalize()
            if letter in ("Alpha", "Beta", "Epsilon", "Zeta", "Eta", "Iota", "Kappa", "Mu",
                          "Nu", "Rho", "Tau", "Chi"):
                return unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
        return f"$\\{letter}$"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if plain:
        return plain  # accented Latin letters lose their accent, never the letter
    return f"[U+{ord(ch):04X}]"


def tex_escape(text: object) -> str:
    r"""Text as pdflatex input: specials escaped, common Unicode as math, nothing dropped.

    Examples
    --------
    >>> tex_escape("||x||_2 <= 1 & 50% → λ")
    '\\textbar{}\\textbar{}x\\textbar{}\\textbar{}\\_2 \\textless{}= 1 \\& 50\\% $\\to$ $\\lambda$'
    """
    return "".join(_tex_char(ch) for ch in str(text))


def tex_path(text: object) -> str:
    """A file name inside ``\\includegraphics`` (only ``_``, ``#``, ``%`` need escaping)."""
    return str(text).replace("_", r"\_").replace("#", r"\#").replace("%", r"\%")


def md_escape(text: object) -> str:
    """Text inside a Markdown table cell or emphasis: ``|``, ``*``, ``_``, backticks escaped.

    Examples
    --------
    >>> md_escape("a|b_c")
    'a\\\\|b\\\\_c'
    """
    return re.sub(r"([|*_`\\<>\[\]])", r"\\\1", str(text)).replace("\n", " ")


@lru_cache(maxsize=2)
def _environment(kind: str):
    import jinja2

    loader = jinja2.PackageLoader("specproof.claims", "templates")
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                                 lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    elif kind == "tex":
        # LaTeX braces clash with Jinja's; the TeX template uses <<= >> and <% %>
        env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True,
                                 lstrip_blocks=True, block_start_string="<%",
                                 block_end_string="%>", variable_start_string="<<",
                                 variable_end_string=">>", comment_start_string="<#",
                                 comment_end_string="#>", undefined=jinja2.StrictUndefined)
    else:
        env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True,
                                 lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(tex=tex_escape, texpath=tex_path, md=md_escape)
    env.globals.update(colours=VERDICT_COLOURS)
    return env


def _png_data(figure_dir: Path | None, stem: str) -> str | None:
    if figure_dir is None:
        return None
    png = figure_dir / f"{stem}.png"
    if not png.is_file():
        return None
    return base64.b64encode(png.read_bytes()).decode()


def render_html(doc: ReportDocument, figure_dir: Path | None = None) -> str:
    """The self-contained ``report.html`` (PNG figures embedded from ``figure_dir``).

    Examples
    --------
    >>> from specproof.claims.document import build_document
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...                       "profile": "quick", "complete": True, "claims": []})
    >>> render_html(doc).startswith("<!DOCTYPE html>")
    True
    """
    images = {
        f.stem: _png_data(figure_dir, f.stem) for c in doc.claims for f in c.figures
    }
    return _environment("html").get_template("report.html.j2").render(doc=doc, images=images)


def render_markdown(doc: ReportDocument) -> str:
    """``report.md``.

    Examples
    --------
    >>> from specproof.claims.document import build_document
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...                       "profile": "quick", "complete": True, "claims": []})
    >>> render_markdown(doc).splitlines()[0]
    '# specproof verification report'
    """
    return _environment("md").get_template("report.md.j2").render(doc=doc)


TEX_TABLE_ROWS = 30


def render_tex(doc: ReportDocument, folder_name: str = "specproof-report") -> str:
    """``report.tex``: an appendix section to ``\\input`` into a paper.

    It needs ``graphicx`` and ``booktabs`` in the paper's preamble; figures are found
    under ``\\specproofdir`` (default ``<folder_name>/``: the report folder beside the
    paper's main file).

    Examples
    --------
    >>> from specproof.claims.document import build_document
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...                       "profile": "quick", "complete": True, "claims": []})
    >>> "section{Executable claims}" in render_tex(doc)
    True
    """
    return _environment("tex").get_template("report.tex.j2").render(
        doc=doc, folder=folder_name, max_rows=TEX_TABLE_ROWS
    )
