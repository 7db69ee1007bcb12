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
import unicodedata

from specproof.claims.math_check import _MATH_COMMANDS, math_is_safe  # noqa: F401
from specproof.claims.mathml import mathml

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
_LATIN_CAPITALS = {"Alpha", "Beta", "Epsilon", "Zeta", "Eta", "Iota", "Kappa", "Mu", "Nu",
                   "Rho", "Tau", "Chi"}
_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_\allowbreak{}", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def _tex_char(ch: str) -> str:
    if ch in _TEX_SPECIAL:
        return _TEX_SPECIAL[ch]
    if (ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127:
        # ESC (colour codes in an exception message), BEL, NUL...: LaTeX stops on them
        return f"[U+{ord(ch):04X}]"
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
            if letter in _LATIN_CAPITALS:
                return unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
        return f"$\\{letter}$"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if plain:
        return plain  # accented Latin letters lose their accent, never the letter
    return f"[U+{ord(ch):04X}]"


def tex_escape(text: object) -> str:
    r"""Text as pdflatex input: specials escaped, common Unicode as math, nothing dropped.

    A line may break after an underscore (long snake_case names fit a column), and a
    word longer than ``_LONG_WORD`` characters (a path, a URL, a long repr in an error
    message) also after ``/ . - : = , ;`` and at least every ``_LONG_WORD`` characters:
    unbroken, such a word stuck 300-500 pt out of a two-column page.

    Examples
    --------
    >>> print(tex_escape("||x||_2 <= 1 & 50% → λ"))
    \textbar{}\textbar{}x\textbar{}\textbar{}\_\allowbreak{}2 \textless{}= 1 \& 50\% $\to$ $\lambda$
    >>> print(tex_escape("/tmp/a/b"))
    /tmp/a/b
    >>> tex_escape("/home/user/project/results/run-42/evidence.json").count("allowbreak")
    8
    """
    return "".join(_tex_word(word) for word in re.split(r"(\s+)", str(text)))


# a word longer than this gets break points (a number, an identifier or a short path
# keeps its line-breaking as TeX would do it)
_LONG_WORD = 20
_BREAK_AFTER = frozenset("/.-:=,;")


def _tex_word(word: str) -> str:
    if len(word) <= _LONG_WORD:
        return "".join(_tex_char(ch) for ch in word)
    out, since = [], 0
    for i, ch in enumerate(word):
        out.append(_tex_char(ch))
        since += 1
        last = i == len(word) - 1
        if not last and (ch in _BREAK_AFTER or since >= _LONG_WORD) and ch != "_":
            out.append(r"\allowbreak{}")
            since = 0
        elif ch == "_":
            since = 0  # _tex_char already allows a break after it
    return "".join(out)


def tex_ident(text: object) -> str:
    r"""An identifier (claim id, measured key) in typewriter type, breakable after
    ``.``, ``-`` and ``_`` so that a long one fits a narrow column.

    Examples
    --------
    >>> tex_ident("zhu-dag.ntk")
    '\\texttt{zhu-\\allowbreak{}dag.\\allowbreak{}ntk}'
    """
    out = []
    for ch in str(text):
        out.append(_tex_char(ch))
        if ch in ".-/":
            out.append(r"\allowbreak{}")
    return r"\texttt{" + "".join(out) + "}"


def md_escape(text: object) -> str:
    """Text inside a Markdown table cell or emphasis: ``|``, ``*``, ``_``, backticks escaped.

    Examples
    --------
    >>> md_escape("a|b_c")
    'a\\\\|b\\\\_c'
    """
    return re.sub(r"([|*_`\\<>\[\]$])", r"\\\1", str(text)).replace("\n", " ")


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


def md_rich(text: object, cell: bool = False) -> str:
    r"""``text`` as Markdown: math kept as ``$...$``, everything else escaped.

    In a table cell (``cell=True``) a ``|`` inside math becomes ``\vert`` (``\|`` becomes
    ``\Vert``), which would otherwise end the cell.

    Examples
    --------
    >>> md_rich(r"x_i and $\|x\|$", cell=True)
    'x\\_i and $\\Vert x\\Vert $'
    """
    out = []
    for piece, is_math in split_math(text):
        if is_math:
            if cell:
                piece = piece.replace("\\|", "\\Vert ").replace("|", "\\vert ")
            out.append(f"${piece}$")
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
