r"""Plain text as pdflatex input for ``report.tex``: :func:`tex_escape`, :func:`tex_ident`.

The output is ASCII and needs no package beyond those ``report.tex`` asks for, whatever
the paper's input and font encodings:

* LaTeX's specials are escaped (``\&``, ``\textbackslash{}``, ...);
* accented Latin letters become accent commands (``ü`` is ``\"{u}``, ``ł`` is ``\l{}``),
  common symbols and Greek letters become math (``≤`` is ``$\le$``, ``λ`` is
  ``$\lambda$``), compatibility forms their ASCII reading (``ﬁ`` is ``fi``);
* a character pdflatex cannot typeset with the default fonts (CJK, emoji, letters that
  need the T1 encoding such as ``ą`` or ``þ``) is written ``[U+65E5]``;
* a control character is written as its escape (``\x1b``), as on the terminal
  (:func:`~specproof._core.printable.printable`);
* a token longer than :data:`LONG_WORD` characters (a path, a URL, a long value) may
  break after any character, preferably after ``/ . - : = , ; _``: unbroken, such a word
  ran off a two-column page. Words of letters (``Convolutional``) are left to TeX's
  hyphenation, unless a run of letters is longer than :data:`LONG_LETTERS`.
"""

from __future__ import annotations

import re
import unicodedata

from specproof._core.printable import printable

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
    "ℓ": r"$\ell$", "µ": r"$\mu$", "÷": r"$\div$", "¬": r"$\neg$", "\u00a0": r"\nobreakspace{}",
    # letters and signs of the default (OT1) fonts; \k, \dh, \th need T1: [U+....]
    "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}", "¡": r"\textexclamdown{}",
    "¿": r"\textquestiondown{}", "£": r"\pounds{}", "§": r"\S{}", "¶": r"\P{}",
    "©": r"\copyright{}", "†": r"\dag{}", "‡": r"\ddag{}", "•": r"\textbullet{}",
}
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lamda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega",
}
# capital Greek letters that look like Latin ones (LaTeX has no \Alpha)
_LATIN_CAPITALS = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H",
                   "Iota": "I", "Kappa": "K", "Mu": "M", "Nu": "N", "Rho": "P", "Tau": "T",
                   "Chi": "X"}
_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_\allowbreak{}", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
# combining marks (NFD) as the text accents of every font encoding
_ACCENTS = {
    "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=",
    "\u0306": "\\u", "\u0307": "\\.", "\u0308": '\\"', "\u030a": "\\r", "\u030b": "\\H",
    "\u030c": "\\v", "\u0323": "\\d", "\u0327": "\\c", "\u0331": "\\b",
}
_BELOW = {"\u0323", "\u0327", "\u0331"}


_LINE_BREAKS = re.compile("[\n\r\t\v\f\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: object) -> str:
    r"""``text`` on one line: line breaks and tabs written as their escapes (``\n``).

    For names (a measured key, a table column, a parameter): a newline in a key ended
    a ``\texttt`` with a paragraph in report.tex, and began a heading or raw HTML on
    a line of its own in report.md.

    Examples
    --------
    >>> print(one_line("err\n\n# heading\tx"))
    err\n\n# heading\tx
    """
    return _LINE_BREAKS.sub(lambda m: repr(m.group(0))[1:-1], str(text))


def _accented(ch: str) -> str | None:
    """``ch`` as an ASCII letter under accent commands (``ǖ`` is ``\\={\\"{u}}``), or
    None when it is not one."""
    base, *marks = unicodedata.normalize("NFD", ch)
    if not (marks and base.isascii() and base.isalpha()
            and all(m in _ACCENTS for m in marks)):
        return None
    out = base
    if base in "ij" and any(m not in _BELOW for m in marks):
        out = rf"\{base}"  # dotless: an accent over i replaces its dot
    for m in marks:
        out = f"{_ACCENTS[m]}{{{out}}}"
    return out


def _fallback(ch: str) -> str:
    return f"[U+{ord(ch):04X}]\\allowbreak{{}}"


def _tex_char(ch: str) -> str:
    if ch in _TEX_SPECIAL:
        return _TEX_SPECIAL[ch]
    if ch in "\n\t":
        return ch
    shown = printable(ch)
    if shown != ch:  # a control character or a bidi override: its escape, as text
        return "".join(_TEX_SPECIAL.get(c, c) for c in shown)
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
                return _LATIN_CAPITALS[letter]
        return f"$\\{letter}$"
    accented = _accented(ch)
    if accented is not None:
        return accented
    compat = unicodedata.normalize("NFKD", ch)
    if compat.isascii() and compat.isprintable():
        return "".join(_TEX_SPECIAL.get(c, c) for c in compat)  # ﬁ, fullwidth forms
    return _fallback(ch)


def tex_escape(text: object) -> str:
    r"""Text as pdflatex input: specials escaped, common Unicode as accents or math,
    nothing dropped (see the module's description).

    A line may break after an underscore (long snake_case names fit a column), and a
    token with digits or signs longer than :data:`LONG_WORD` characters (or a run of
    more than :data:`LONG_LETTERS` letters) after any character; words of letters are
    left whole, to TeX's hyphenation.

    Examples
    --------
    >>> print(tex_escape("||x||_2 <= 1 & 50% → λ"))
    \textbar{}\textbar{}x\textbar{}\textbar{}\_\allowbreak{}2 \textless{}= 1 \& 50\% $\to$ $\lambda$
    >>> print(tex_escape("/tmp/a/b"))
    /tmp/a/b
    >>> print(tex_escape("Müller, Łódź, naïve: 日 \x1b[1m"))
    M\"{u}ller, \L{}\'{o}d\'{z}, na\"{\i}ve: [U+65E5]\allowbreak{} \textbackslash{}x1b[1m
    >>> tex_escape("W" * 30).count(_WEAK_BREAK), tex_escape("Convolutional Fernandez-Granda,")
    (29, 'Convolutional Fernandez-Granda,')
    """
    # composed: a decomposed accent (e + U+0301) printed as e[U+0301]
    text = unicodedata.normalize("NFC", str(text))
    return "".join(_tex_space(part) if part[:1].isspace() else _tex_word(part)
                   for part in re.split(r"(\s+)", text) if part)


# a token (a word with digits or signs: a path, a value, an identifier) longer than this
# may break after any character: three of 19 characters (``\input{/etc/passwd}``) in
# the three columns of the measured table could not fit
LONG_WORD = 12
# a word of letters (``Fernandez-Granda,``) is left to TeX's hyphenation, unless a run of
# its letters is longer than this (``WWWW...``: TeX finds no hyphen in it)
LONG_LETTERS = 24
_NATURAL = re.compile(r"[(\[\"'`‘“]*[^\W\d_]+(?:[-'’][^\W\d_]+)*[)\]\"'`’”.,;:!?]*")
_LETTERS = re.compile(r"[^\W\d_]+")
# in a long token, the places where a break is preferred
_BREAK_AFTER = frozenset("/.-:=,;_")
# a break allowed anywhere else in a long token, taken only where the line would not fit
# otherwise: a ragged column or a loose line of a paragraph costs TeX less (\allowbreak
# is 0; a hyphen 50)
_WEAK_BREAK = r"\penalty200{}"


def _breakable(word: str) -> bool:
    """Whether ``word`` gets a break point after every character."""
    if _NATURAL.fullmatch(word):
        return max(map(len, _LETTERS.findall(word))) > LONG_LETTERS
    return len(word) > LONG_WORD


def _tex_space(space: str) -> str:
    if space.count("\n") > 1:
        # a blank line ends a paragraph, and a paragraph inside \emph{} or \caption{}
        # (a statement of two paragraphs) stopped pdflatex
        return "\n"
    # spaces, newlines and tabs as they are; the rest of what Python counts as white
    # space (a no-break space, \x1c-\x1f, \x85, U+2028, U+3000 ...) as any character
    return "".join(ch if ch in " \n\t" else _tex_char(ch) for ch in space)


def _tex_word(word: str) -> str:
    if not _breakable(word):
        return "".join(_tex_char(ch) for ch in word)
    out = []
    for i, ch in enumerate(word):
        tex = _tex_char(ch)
        out.append(tex)
        if i < len(word) - 1 and not tex.endswith(r"\allowbreak{}"):
            out.append(r"\allowbreak{}" if ch in _BREAK_AFTER else _WEAK_BREAK)
    return "".join(out)


def _shown(ch: str) -> str:
    """About what ``ch`` prints as (for width estimates): its escape or ``[U+....]``."""
    tex = _tex_char(ch)
    if tex.startswith("[U+"):
        return tex.split("\\", 1)[0]
    return printable(ch)


def tex_pieces(text: object) -> list[str]:
    """The pieces of ``text`` that :func:`tex_escape` cannot break inside, as about what
    they print (for estimating how narrow a table column may be).

    Examples
    --------
    >>> tex_pieces("a_b 日本 well-known " + "x" * 30)[:6], len(tex_pieces("x" * 30))
    (['a_', 'b', '[U+65E5]', '[U+672C]', 'well-', 'known'], 30)
    """
    pieces: list[str] = []
    for word in str(text).split():
        if _breakable(word):
            pieces += [_shown(ch) for ch in word]
            continue
        piece = ""
        for ch in word:
            piece += _shown(ch)
            # TeX breaks after a hyphen itself
            if ch in "_-" or _tex_char(ch).endswith(r"\allowbreak{}"):
                pieces.append(piece)
                piece = ""
        if piece:
            pieces.append(piece)
    return pieces


# specials in typewriter type, as the character of that code: cmtt has every ASCII
# character (\textbar, \textless, \{ are taken from OMS and OML fonts, which have no
# typewriter shape: LaTeX warned and substituted)
_TT_SPECIAL = {ch: rf"\char{ord(ch)}{{}}" for ch in "\\{}|<>^~"}
# a run of letters and digits in an identifier may break after this many characters
# (camelCase names break before each capital too): an id of 50 letters ran off a column
IDENT_RUN = 10


def _ident_breaks(text: str) -> list[tuple[str, str]]:
    """``text`` cut into ``(character, break)``: the break point after each character
    (``""``: none; a space is one itself)."""
    out: list[tuple[str, str]] = []
    run = 0
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        run = 0 if ch.isspace() else run + 1
        brk = ""
        if not nxt or nxt.isspace() or ch.isspace():
            pass
        elif ch in "._-/" or (ch.islower() and nxt.isupper()):
            brk = r"\allowbreak{}"
        elif run >= IDENT_RUN:
            brk = _WEAK_BREAK
        if brk:
            run = 0
        out.append((ch, brk))
    return out


def ident_pieces(text: object) -> list[str]:
    """The pieces of an identifier that :func:`tex_ident` cannot break inside.

    Examples
    --------
    >>> ident_pieces("maxSpectralNorm.x_y a"), ident_pieces("<" * 12)
    (['max', 'Spectral', 'Norm.', 'x_', 'y', 'a'], ['<<<<<<<<<<', '<<'])
    """
    pieces, piece = [], ""
    for ch, brk in _ident_breaks(one_line(printable(unicodedata.normalize("NFC", str(text))))):
        piece += "" if ch.isspace() else ch
        if (brk or ch.isspace()) and piece:
            pieces.append(piece)
            piece = ""
    return pieces + [piece] if piece else pieces


def tex_ident(text: object) -> str:
    r"""An identifier (claim id, measured key) in typewriter type, on one line
    (:func:`one_line`), breakable at spaces, after ``.``, ``-``, ``/`` and ``_``, before
    a capital of a camelCase name, and every :data:`IDENT_RUN` characters without one.

    Examples
    --------
    >>> print(tex_ident("zhu-dag.ntk"))
    \texttt{zhu-\allowbreak{}dag.\allowbreak{}ntk}
    >>> print(tex_ident("maxNorm|x"))
    \texttt{max\allowbreak{}Norm\char124{}x}
    """
    text = one_line(printable(unicodedata.normalize("NFC", str(text))))
    out = []
    for ch, brk in _ident_breaks(text):
        tex = _TT_SPECIAL.get(ch) or _tex_char(ch)
        out.append(tex if tex.endswith(r"\allowbreak{}") else tex + brk)
    return r"\texttt{" + "".join(out) + "}"
