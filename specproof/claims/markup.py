r"""Text with LaTeX math (``$...$``) for the three report formats and the terminal.

A claim's statement, expected line, control description, reason and display labels
may hold inline math between dollar signs. :func:`split_math` cuts such a text into
plain and math pieces; a piece counts as math only when it is safe to typeset (see
:func:`math_is_safe`): otherwise its dollars and backslashes are printed as written, so
a stray ``$`` never breaks a document. Each format then renders the pieces:

* :func:`tex_rich`: plain text escaped for pdflatex, math passed through as ``$...$``;
* :func:`html_rich`: plain text HTML-escaped, math converted to MathML in Python
  (latex2mathml), so ``report.html`` needs no script and no network;
* :func:`md_rich`: plain text escaped for Markdown, math kept as ``$...$``;
* :func:`~specproof.claims.markup_plain.plain_rich`: a Unicode reading for the terminal
  (``\le`` becomes ``≤``).
"""

from __future__ import annotations

import html
import re

from specproof.claims.math_check import _MATH_COMMANDS, math_is_safe  # noqa: F401
from specproof.claims.mathml import mathml

# TeX text escaping lives in its own module; re-exported here, where the renderers and
# markup_plain (``_GREEK``) have always found it
from specproof.claims.texescape import _GREEK, one_line, tex_escape, tex_ident  # noqa: F401


def md_escape(text: object) -> str:
    """Text inside a Markdown table cell or emphasis: ``|``, ``*``, ``_``, backticks,
    ``<``, ``>``, ``&`` (so that no HTML tag or entity forms) escaped, on one line.

    Examples
    --------
    >>> md_escape("a|b_c")
    'a\\\\|b\\\\_c'
    >>> print(md_escape("<b> &amp;"))
    \\<b\\> \\&amp;
    """
    return re.sub(r"([|*_`\\<>\[\]$&])", r"\\\1", str(text)).replace("\n", " ")


def md_code(text: object, cell: bool = True) -> str:
    r"""``text`` as a Markdown code span that its content cannot close: on one line
    (:func:`one_line`), fenced by more backticks than any run in it; in a table cell
    (``cell``), ``|`` as ``\|`` (GFM ends a cell at a bare ``|`` even in code).

    Examples
    --------
    >>> md_code("a|b"), md_code("x`y"), md_code("`")
    ('`a\\|b`', '``x`y``', '`` ` ``')
    """
    text = one_line(text)
    if not text:
        return ""
    if cell:
        text = text.replace("|", "\\|")
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def split_math(text: object) -> list[tuple[str, bool]]:
    r"""Cut ``text`` into ``(piece, is_math)`` pairs.

    A math piece opens at a ``$`` followed by a non-space and closes at the next ``$``
    preceded by a non-space and not followed by a digit (so "costs $5 and $6" stays
    text); ``\$`` is a literal dollar. A piece that is not :func:`math_is_safe` stays
    text, dollars included.

    Examples
    --------
    >>> split_math(r"bound $\|x\|_2 \le 1$ for $5")
    [('bound ', False), ('\\|x\\|_2 \\le 1', True), (' for $5', False)]
    """
    s = str(text)
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n and s[i + 1] == "$":
            buf.append("$")
            i += 2
            continue
        if ch == "$" and i + 1 < n and not s[i + 1].isspace() and s[i + 1] != "$":
            j = i + 1
            close = -1
            while j < n:
                if s[j] == "\\" and j + 1 < n:
                    j += 2
                    continue
                if s[j] == "$":
                    if not s[j - 1].isspace() and not (j + 1 < n and s[j + 1].isdigit()):
                        close = j
                    break
                j += 1
            if close > 0 and math_is_safe(s[i + 1:close]):
                if buf:
                    out.append(("".join(buf), False))
                    buf = []
                out.append((s[i + 1:close], True))
                i = close + 1
                continue
        buf.append(ch)
        i += 1
    if buf:
        out.append(("".join(buf), False))
    return out


def has_math(text: object) -> bool:
    """Whether ``text`` holds a piece of math that will be typeset."""
    return any(is_math for _, is_math in split_math(text))


def tex_rich(text: object) -> str:
    r"""``text`` as pdflatex input: math typeset, everything else escaped.

    Examples
    --------
    >>> tex_rich(r"$\|A\|_F \le \sqrt{r}\,\|A\|_2$ for 50%")
    '$\\|A\\|_F \\le \\sqrt{r}\\,\\|A\\|_2$ for 50\\%'
    >>> tex_rich("unbalanced $x")
    'unbalanced \\$x'
    """
    return "".join(f"${piece}$" if is_math else tex_escape(piece)
                   for piece, is_math in split_math(text))


def html_rich(text: object) -> str:
    """``text`` as HTML: math as MathML, everything else escaped.

    Math that latex2mathml cannot read, or whose MathML fails the checks in
    :func:`mathml`, is shown as its source, dollars included.

    Examples
    --------
    >>> html_rich("a < b, $x_1$")[:22]
    'a &lt; b, <math alttex'
    """
    out = []
    for piece, is_math in split_math(text):
        if is_math:
            try:
                out.append(mathml(piece))
                continue
            except Exception:  # latex2mathml cannot read it, or its output is refused
                piece = f"${piece}$"
        out.append(html.escape(piece))
    return "".join(out)


def _unlinked(math: str) -> str:
    """Math with no Markdown link, image or autolink left in it, typeset the same: a
    space (ignored in math) splits ``](``, ``][`` and ``![``, an empty group ``{}`` splits
    ``://`` and ``www.``. ``$![a](https://x/p.png)$`` was a remote image in report.md."""
    math = re.sub(r"\](?=[(\[])", "] ", math).replace("![", "! [")
    return re.sub(r"(?i)(:)(//)|(www)(\.)", lambda m: "{}".join(g for g in m.groups() if g),
                  math)


def md_rich(text: object, cell: bool = False) -> str:
    r"""``text`` as Markdown: math kept as ``$...$``, everything else escaped.

    In a table cell (``cell=True``) a ``|`` inside math becomes ``\vert`` (``\|`` becomes
    ``\Vert``), which would otherwise end the cell. Inside math ``<`` and ``>`` are
    written ``\lt`` and ``\gt``, ``&`` as ``\&`` and a line break as a space: math
    that passes :func:`math_is_safe` went into report.md as it was, and
    ``$<img src=x onerror=alert(1)>$`` was an HTML tag to a Markdown viewer.

    Examples
    --------
    >>> md_rich(r"x_i and $\|x\|$", cell=True)
    'x\\_i and $\\Vert x\\Vert $'
    >>> md_rich("$a<b$")
    '$a\\lt b$'
    """
    out = []
    for piece, is_math in split_math(text):
        if is_math:
            if cell:
                piece = piece.replace("\\|", "\\Vert ").replace("|", "\\vert ")
            piece = re.sub(r"\s+", " ", piece.replace("<", "\\lt ").replace(">", "\\gt ")
                           .replace("&", "\\&")).replace("\\\\&", "\\&")
            out.append(f"${_unlinked(piece)}$")
        else:
            out.append(md_escape(piece))
    return "".join(out)


def plain_rich(text: object) -> str:
    r"""A Unicode reading of ``text`` for the terminal; see :mod:`specproof.claims.markup_plain`.

    Examples
    --------
    >>> plain_rich(r"$a \le b$")
    'a ≤ b'
    """
    # imported here: markup_plain reads this module's tables, so it cannot be imported
    # at the top of it
    from specproof.claims.markup_plain import plain_rich as unicode_reading

    return unicode_reading(text)
