"""Rendering the report document into HTML, Markdown and LaTeX with Jinja2 templates.

The templates ship with the package (``specproof/claims/templates``); each format gets
its escaping as a filter, so a statement with ``|``, ``_`` or ``<`` prints as written,
and its math (``$...$``, see :mod:`specproof.claims.markup`) is typeset: LaTeX in
``report.tex``, MathML in ``report.html``, ``$...$`` in ``report.md``.
"""

from __future__ import annotations

import base64
import re
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

from specproof.claims.display import VERDICT_COLOURS
from specproof.claims.document import ReportDocument
from specproof.claims.markup import (  # noqa: F401  (tex_escape, md_escape: re-exported)
    html_rich,
    md_code,
    md_escape,
    md_rich,
    one_line,
    tex_escape,
    tex_ident,
    tex_rich,
)
from specproof.claims.texlayout import (
    column_groups,
    measured_columns,
    pdf_size,
    summary_columns,
    summary_label_fits,
    table_rows_shown,
)
from specproof.claims.values import GROUP, MISSING, format_inline


def tex_path(text: object) -> str:
    """A file name inside ``\\includegraphics`` (only ``_``, ``#``, ``%`` need escaping)."""
    return str(text).replace("_", r"\_").replace("#", r"\#").replace("%", r"\%")


# a folder name report.tex writes into its default \specproofdir as it is: braces and
# backslashes in --out ran TeX code when the paper was compiled (an --out name made
# pdflatex read /etc/hostname), and "#", "%", spaces or non-ASCII letters broke it
_SAFE_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+=-]*")
UNSAFE_FOLDER_DIR = "specproof-report"


def tex_folder(name: object) -> str:
    """The report folder's name for ``\\specproofdir``, or a neutral placeholder.

    Examples
    --------
    >>> tex_folder("my_results-2"), tex_folder("a}\\input{x}"), tex_folder("fifty%")
    ('my_results-2', 'specproof-report', 'specproof-report')
    """
    text = str(name)
    return text if _SAFE_FOLDER.fullmatch(text) else UNSAFE_FOLDER_DIR


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 claim"``, ``"2 claims"``.

    Examples
    --------
    >>> plural(1, "claim"), plural(0, "row"), plural(2, "entry", "entries")
    ('1 claim', '0 rows', '2 entries')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _label(key: str, labels: dict[str, str], fmt: str) -> str:
    """A measured key or table column: its display label, or the key as code."""
    if key in labels:
        if fmt == "md":  # labels sit in table cells
            return md_rich(labels[key], cell=True)
        return {"tex": tex_rich, "html": html_rich}[fmt](labels[key])
    if fmt == "tex":
        return tex_ident(key)  # on one line: a newline in a key ended the paragraph
    if fmt == "html":
        import html

        return f"<code>{html.escape(one_line(key))}</code>"
    # a code span its content cannot close, "|" escaped (labels sit in table cells)
    return md_code(key)


def _cell(value: Any, fmt: str) -> str:
    if value is MISSING:
        return {"tex": "---", "html": "—", "md": "—"}[fmt]
    if value is GROUP:
        return ""
    return format_inline(value, fmt)


@lru_cache(maxsize=3)
def _fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in ``text`` (a traceback
    holding a ``` line closed a fixed fence, and the rest rendered as Markdown)."""
    runs = [len(r) for r in re.findall(r"`+", text)]
    return "`" * max(3, max(runs, default=0) + 1)


def _environment(kind: str):
    import jinja2
    from markupsafe import Markup

    loader = jinja2.PackageLoader("specproof.claims", "templates")
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                                 lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        env.filters.update(
            rich=lambda t: Markup(html_rich(t)),
            value=lambda v: Markup(_cell(v, "html")),
        )
        env.globals.update(label=lambda k, labels: Markup(_label(k, labels, "html")))
    elif kind == "tex":
        # LaTeX braces clash with Jinja's; the TeX template uses <<= >> and <% %>
        env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True,
                                 lstrip_blocks=True, block_start_string="<%",
                                 block_end_string="%>", variable_start_string="<<",
                                 variable_end_string=">>", comment_start_string="<#",
                                 comment_end_string="#>", undefined=jinja2.StrictUndefined)
        env.filters.update(rich=tex_rich, value=lambda v: _cell(v, "tex"), ident=tex_ident,
                           key=lambda k: tex_escape(one_line(k)))
        env.globals.update(label=lambda k, labels: _label(k, labels, "tex"),
                           column_groups=column_groups, measured_columns=measured_columns,
                           table_rows_shown=table_rows_shown,
                           summary_columns=summary_columns,
                           summary_label_fits=summary_label_fits)
    else:
        env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True,
                                 lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        env.filters.update(rich=md_rich, cellrich=lambda t: md_rich(t, cell=True),
                           value=lambda v: _cell(v, "md"), code=md_code)
        env.globals.update(label=lambda k, labels: _label(k, labels, "md"))
    env.filters.update(tex=tex_escape, texpath=tex_path, texfolder=tex_folder, md=md_escape,
                       fence=_fence)
    env.globals.update(colours=VERDICT_COLOURS, plural=plural)
    return env


def _png_data(figure_dir: Path | None, stem: str) -> str | None:
    if figure_dir is None:
        return None
    png = figure_dir / f"{stem}.png"
    if not png.is_file():
        return None
    return base64.b64encode(png.read_bytes()).decode()


def png_css_size(data: bytes, default_dpi: float = 200.0) -> tuple[float, float] | None:
    """The size in CSS pixels (96 per inch) at which a PNG shows at its natural size,
    read from its header and its ``pHYs`` resolution (``default_dpi`` without one).

    Examples
    --------
    >>> png_css_size(b"not a png") is None
    True
    """
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", data[16:24])
    dpi = default_dpi
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs" and length >= 9:
            ppx, _, unit = struct.unpack(">IIB", data[pos + 8:pos + 17])
            if unit == 1 and ppx > 0:
                dpi = ppx * 0.0254
            break
        if kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return width * 96 / dpi, height * 96 / dpi


# rows of a check's table shown in report.html and report.md (evidence.json has them all):
# four claims with 100000-row tables made a 25 MB page and took 85 s to write
PAGE_TABLE_ROWS = 500

def render_html(doc: ReportDocument, figure_dir: Path | None = None) -> str:
    """The self-contained ``report.html`` (PNG figures embedded from ``figure_dir``).

    Figures show at their natural size (their PNG's resolution), shrunk only to fit a
    narrow window.

    Examples
    --------
    >>> from specproof.claims.document import build_document
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...                       "profile": "quick", "complete": True, "claims": []})
    >>> render_html(doc).startswith("<!DOCTYPE html>")
    True
    """
    images, sizes = {}, {}
    for c in doc.claims:
        for f in c.figures:
            png = figure_dir / f"{f.stem}.png" if figure_dir is not None else None
            if png is not None and png.is_file():
                data = png.read_bytes()
                images[f.stem] = base64.b64encode(data).decode()
                sizes[f.stem] = png_css_size(data)
            else:
                images[f.stem], sizes[f.stem] = None, None
    return _environment("html").get_template("report.html.j2").render(
        doc=doc, images=images, sizes=sizes, max_rows=PAGE_TABLE_ROWS)


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
    return _environment("md").get_template("report.md.j2").render(doc=doc,
                                                                  max_rows=PAGE_TABLE_ROWS)


TEX_TABLE_ROWS = 30
# A figure wider than this (points) is a page-wide figure: it goes into figure*.
WIDE_FIGURE_PT = 300.0


def render_tex(doc: ReportDocument, folder_name: str = "specproof-report",
               figure_dir: Path | None = None) -> str:
    """``report.tex``: an appendix section to ``\\input`` into a paper.

    It states the packages it needs at its top (graphicx, booktabs, amsmath, amssymb,
    array, xcolor); figures are found under ``\\specproofdir`` (default
    ``<folder_name>/``: the report folder beside the paper's main file). The sizes of
    the figures are read from their PDFs in ``figure_dir`` when given: a figure is
    printed at its natural size, shrunk to the column when wider; a page-wide figure
    (several panels) spans both columns of a two-column paper. Saying
    ``\\def\\specproofwidefigures{1}`` before ``\\input`` puts every claim's check
    and control side by side across the page instead of stacked in the column.

    Examples
    --------
    >>> from specproof.claims.document import build_document
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...                       "profile": "quick", "complete": True, "claims": []})
    >>> "section{Executable claims}" in render_tex(doc)
    True
    """
    sizes, missing = {}, set()
    for c in doc.claims:
        for f in c.figures:
            sizes[f.stem] = pdf_size(figure_dir / f"{f.stem}.pdf") if figure_dir else None
            if figure_dir is not None and not (figure_dir / f"{f.stem}.pdf").is_file():
                # `specproof report` of an evidence file whose figures are not beside
                # it: \includegraphics of a missing file stopped pdflatex
                missing.add(f.stem)
    wide = {c.id: any((sizes.get(f.stem) or (0, 0))[0] > WIDE_FIGURE_PT for f in c.figures)
            for c in doc.claims}
    return _environment("tex").get_template("report.tex.j2").render(
        doc=doc, folder=folder_name, max_rows=TEX_TABLE_ROWS, sizes=sizes, wide=wide,
        missing=missing)
