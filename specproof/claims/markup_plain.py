r"""The terminal's reading of text with LaTeX math: :func:`plain_rich`.

Math pieces (cut by :func:`~specproof.claims.markup.split_math`) lose their dollars and
their common commands become Unicode symbols (``\le`` is ``≤``, ``\sqrt{r}`` is ``√r``,
``\hat K`` is ``K̂``); anything not recognised is printed as written.
"""

from __future__ import annotations

import re
import unicodedata

from specproof.claims.markup import _GREEK, _MATH_COMMANDS, split_math

_PLAIN_SYMBOLS = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈",
    "sim": "~", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫",
    "preceq": "⪯", "succeq": "⪰", "subset": "⊂", "subseteq": "⊆", "in": "∈", "notin": "∉",
    "to": "→", "mapsto": "↦", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "iff": "⇔", "implies": "⇒", "cdot": "·", "times": "×", "pm": "±", "mp": "∓", "circ": "∘",
    "otimes": "⊗", "oplus": "⊕", "sum": "Σ", "prod": "Π", "int": "∫", "infty": "∞",
    "partial": "∂", "nabla": "∇", "forall": "∀", "exists": "∃", "emptyset": "∅",
    "varnothing": "∅", "ell": "ℓ", "top": "ᵀ", "intercal": "ᵀ", "perp": "⊥", "langle": "⟨",
    "rangle": "⟩", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖", "lvert": "|",
    "rvert": "|", "vert": "|", "{": "{", "}": "}", ",": " ", ";": " ", ":": " ", "!": "",
    "quad": "  ", "qquad": "    ", "dots": "…", "ldots": "…", "cdots": "⋯", "setminus": "∖",
    "cap": "∩", "cup": "∪", "wedge": "∧", "vee": "∨", "star": "⋆", "ast": "∗",
    "lesssim": "≲", "gtrsim": "≳", "asymp": "≍", "prime": "′", "colon": ":", "mid": "|",
}
_PLAIN_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303",
                  "widetilde": "\u0303", "bar": "\u0304", "overline": "\u0305",
                  "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308"}
_PLAIN_BLACKBOARD = {"R": "ℝ", "C": "ℂ", "Z": "ℤ", "Q": "ℚ", "N": "ℕ", "E": "𝔼", "P": "ℙ"}


def _plain_arg(src: str, i: int) -> tuple[str, int]:
    """The argument starting at ``src[i]`` (a brace group or one token) and its end."""
    while i < len(src) and src[i] == " ":
        i += 1
    if i >= len(src):
        return "", i
    if src[i] == "{":
        depth, j = 0, i
        while j < len(src):
            depth += src[j] == "{"
            depth -= src[j] == "}"
            j += 1
            if depth == 0:
                break
        return src[i + 1:j - 1], j
    if src[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", src[i:])
        return m.group(0), i + m.end()
    return src[i], i + 1


def _plain_math(src: str) -> str:
    out = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "{":
            # a group: braces kept only around a sub- or superscript longer than one
            # character (a bare group, "|{y}|" from sympy, printed its braces)
            arg, i = _plain_arg(src, i)
            inner = _plain_math(arg)
            script = bool(out) and out[-1] in ("^", "_")
            out.append(f"{{{inner}}}" if script and len(inner) > 1 else inner)
            continue
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        m = re.match(r"\\([A-Za-z]+|.)", src[i:])
        name = m.group(1)
        i += m.end()
        if name in ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl",
                    "Bigr"):
            continue
        if name in _PLAIN_SYMBOLS:
            out.append(_PLAIN_SYMBOLS[name])
        elif name in _PLAIN_ACCENTS:
            arg, i = _plain_arg(src, i)
            arg = _plain_math(arg)
            out.append(arg + _PLAIN_ACCENTS[name] if len(arg) == 1 else f"{arg}^")
        elif name == "mathbb":
            arg, i = _plain_arg(src, i)
            out.append("".join(_PLAIN_BLACKBOARD.get(c, c) for c in arg))
        elif name == "sqrt":
            arg, i = _plain_arg(src, i)
            arg = _plain_math(arg)
            out.append(f"√{arg}" if len(arg) == 1 else f"√({arg})")
        elif name in ("frac", "dfrac", "tfrac", "binom"):
            a, i = _plain_arg(src, i)
            b, i = _plain_arg(src, i)
            a, b = _plain_math(a), _plain_math(b)
            wrap = [x if len(x) == 1 else f"({x})" for x in (a, b)]
            out.append(f"{wrap[0]}/{wrap[1]}" if name != "binom" else f"C({a}, {b})")
        elif _MATH_COMMANDS.get(name) == 1:  # fonts, \text, \operatorname: the argument
            arg, i = _plain_arg(src, i)
            out.append(_plain_math(arg))
        elif name.lower() in _GREEK or name in ("lambda", "Lambda") or (
            name.startswith("var") and name[3:] in _GREEK
        ):
            greek = name[3:] if name.startswith("var") else name
            key = "GREEK {} LETTER {}".format(
                "CAPITAL" if greek[0].isupper() else "SMALL",
                greek.upper().replace("LAMBDA", "LAMDA"))
            try:
                out.append(unicodedata.lookup(key))
            except KeyError:
                out.append(name)
        else:
            out.append(name)  # \max, \log, \det ...: the operator's name
    text = "".join(out)
    # braces that only group a sub- or superscript of one character are dropped
    text = re.sub(r"([_^])\{([^{}])\}", r"\1\2", text)
    return text


def plain_rich(text: object) -> str:
    r"""A Unicode reading of ``text`` for the terminal: math without its dollars and
    with its common commands as symbols.

    Examples
    --------
    >>> plain_rich(r"$\|A\|_F \le \sqrt{r}\,\|A\|_2$ and $\hat K_{o,c}$")
    '‖A‖_F ≤ √r ‖A‖_2 and K̂_{o,c}'
    """
    return "".join(_plain_math(piece) if is_math else piece
                   for piece, is_math in split_math(text))


__all__ = ["plain_rich"]
