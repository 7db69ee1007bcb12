r"""Whether a LaTeX math span is safe to typeset in every report format.

A span is typeset only when pdflatex with amsmath and amssymb compiles it in a two-column
paper and latex2mathml's reading of it can be checked (:mod:`specproof.claims.mathml`):
a small tokenizer and recursive-descent checker (:func:`math_is_safe`) accept known
commands with their arguments, one sub/superscript per atom, delimiters after
``\left``/``\right``/``\big``, and plain text inside ``\text``; anything else is shown
as written.

Examples
--------
>>> math_is_safe(r"\hat\alpha \le 2^{-k}"), math_is_safe(r"a^b^c")
(True, False)
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

# Control sequences that pdflatex with amsmath and amssymb knows in math mode, and the
# number of mandatory arguments each takes (only those with arguments are listed with
# a count above 0). ``\lt``, ``\gt`` and ``\coloneqq`` are left out on purpose: they need
# packages a paper may not load.
_MATH_COMMANDS: dict[str, int] = dict.fromkeys(
    """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
    mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma
    Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega le leq ge geq ne neq approx
    sim simeq cong equiv propto ll gg prec succ preceq succeq subset subseteq supset
    supseteq in notin ni to mapsto rightarrow leftarrow Rightarrow Leftarrow leftrightarrow
    iff implies longrightarrow uparrow downarrow cdot times div pm mp ast star circ bullet
    dagger otimes oplus odot wedge vee cap cup setminus sum prod int oint coprod bigcup
    bigcap bigoplus bigotimes infty partial nabla forall exists emptyset varnothing ell hbar
    imath jmath top bot perp mid parallel langle rangle lceil rceil lfloor rfloor lvert
    rvert lVert rVert vert Vert | { } , ; : ! quad qquad dots ldots cdots vdots ddots
    left right big Big bigg Bigg bigl bigr Bigl Bigr max min sup inf lim limsup liminf
    log ln exp det dim ker deg arg sin cos tan sinh cosh tanh Pr gcd intercal prime
    colon triangleq lesssim gtrsim asymp""".split(),
    0,
)
_MATH_COMMANDS.update(dict.fromkeys(
    """hat widehat tilde widetilde bar overline underline vec dot ddot check breve acute
    grave mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol
    operatorname text textrm textit textbf sqrt""".split(), 1))
_MATH_COMMANDS.update(dict.fromkeys("frac dfrac tfrac binom".split(), 2))
_MATH_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\s+)|(.)", re.S)

# Commands whose argument is typeset as text: pdflatex leaves math mode there (so ``_``
# or ``\alpha`` stop it) and latex2mathml copies the argument into ``<mtext>`` as is.
_TEXT_COMMANDS = frozenset({"text", "textrm", "textit", "textbf"})
# What a text argument may hold: letters, digits, spaces and punctuation that means the
# same in TeX's text mode, in MathML and in HTML (no ``<``, ``>``, quotes or specials).
_TEXT_CHARS = frozenset(string.ascii_letters + string.digits + " \t-.,:;!?()[]/+*=")
# Commands that must be followed by a delimiter (pdflatex: "Missing delimiter").
_SIZED = frozenset({"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr"})
_DELIMITER_CHARS = frozenset("()[]|/.")
_DELIMITER_COMMANDS = frozenset({"{", "}", "|", "langle", "rangle", "lceil", "rceil",
                                 "lfloor", "rfloor", "lvert", "rvert", "lVert", "rVert",
                                 "vert", "Vert", "uparrow", "downarrow"})
# Commands that may stand alone, unbraced, after ``^``/``_`` or as a macro's argument:
# each is a single math character (``\mathchardef``) in LaTeX, so TeX finds its math
# field without expanding a macro; ``x^\sqrt{2}`` or ``x_\dots`` stop pdflatex.
_SCRIPT_SYMBOLS = frozenset(
    """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
    mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma
    Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega infty prime top bot ast star
    circ bullet dagger ell partial nabla imath jmath emptyset forall exists pm mp times
    cdot perp""".split())
# Characters that are one math atom wherever they stand (as a script or an argument too).
_ORDINARY = frozenset(string.ascii_letters + string.digits + "+-*/=<>()[]|.,;:!?")
# Characters of a math list beyond those: ``'`` (a prime, itself a superscript) and
# ``~`` (a tie), both active characters, so never a script or an argument alone.
_MATH_CHARS = _ORDINARY | {"'", "~"}


class _Unsafe(Exception):
    """Raised inside :class:`_MathChecker` at the first thing pdflatex would stop on."""


class _MathChecker:
    r"""A recursive reading of math tokens as pdflatex would typeset them.

    Tokens are ``("cmd", name)`` for ``\name`` (or ``\x``), ``("space", s)`` and
    ``("char", c)``; :meth:`check` raises :class:`_Unsafe` where the source would not
    compile with amsmath and amssymb, or would not come out of latex2mathml as math.
    """

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def _next(self, skip_space: bool = True) -> tuple[str, str] | None:
        """The next token (spaces skipped unless told), consumed; ``None`` at the end."""
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            self.i += 1
            if tok[0] != "space" or not skip_space:
                return tok
        return None

    def _peek(self) -> tuple[str, str] | None:
        """The next token that is not a space, left in place."""
        j = self.i
        while j < len(self.tokens) and self.tokens[j][0] == "space":
            j += 1
        return self.tokens[j] if j < len(self.tokens) else None

    def check(self) -> None:
        """Read the whole source as one math list."""
        self._math_list(end=None)

    def _math_list(self, end: str | None) -> None:
        r"""Items up to ``end``: ``"}"``, ``"right"`` (a ``\right`` and its delimiter) or
        ``None`` (the end of the source); no atom may take two scripts of a kind."""
        sup = sub = False
        # right after a prime a ``^`` or another ``'`` joins its superscript (LaTeX's
        # \pr@m@s looks at the very next token, so a space closes it)
        prime_open = False
        while True:
            tok = self._next(skip_space=False)
            if tok is None:
                if end is None:
                    return
                raise _Unsafe("unclosed group or \\left")
            kind, val = tok
            if kind == "space":
                prime_open = False
                continue
            if tok == ("char", "}"):
                if end == "}":
                    return
                raise _Unsafe("unbalanced }")
            if tok == ("cmd", "right"):
                if end == "right":
                    self._delimiter()
                    return
                raise _Unsafe("\\right without its \\left in the same group")
            if kind == "char" and val in "^_":
                if val == "^":
                    if sup and not prime_open:
                        raise _Unsafe("double superscript")
                    sup = True
                else:
                    if sub:
                        raise _Unsafe("double subscript")
                    sub = True
                prime_open = False
                self._argument()
                continue
            if tok == ("char", "'"):
                if sup and not prime_open:
                    raise _Unsafe("double superscript")
                sup = prime_open = True
                continue
            sup = sub = prime_open = False  # any other item is a new atom
            if kind == "cmd":
                self._command(val)
            elif val == "{":
                self._math_list(end="}")
            elif val not in _MATH_CHARS:
                raise _Unsafe(f"character {val!r}")

    def _argument(self) -> None:
        """One argument of a script or a macro: a braced group or a single atom."""
        tok = self._next()
        if tok == ("char", "{"):
            self._math_list(end="}")
        elif tok is None or not (
            (tok[0] == "char" and tok[1] in _ORDINARY)
            or (tok[0] == "cmd" and tok[1] in _SCRIPT_SYMBOLS)
        ):
            raise _Unsafe(f"argument {tok!r}")

    def _delimiter(self) -> None:
        r"""The delimiter after ``\left``, ``\right`` or a ``\big``-family command."""
        tok = self._next()
        if tok is None or not (
            (tok[0] == "char" and tok[1] in _DELIMITER_CHARS)
            or (tok[0] == "cmd" and tok[1] in _DELIMITER_COMMANDS)
        ):
            raise _Unsafe(f"missing delimiter, found {tok!r}")

    def _text_argument(self) -> None:
        r"""A ``\text``-like argument: plain text characters only, in braces or one alone."""
        tok = self._next()
        if tok is not None and tok[0] == "char" and tok[1].isalnum():
            return
        if tok != ("char", "{"):
            raise _Unsafe("text argument")
        while True:
            tok = self._next(skip_space=False)
            if tok == ("char", "}"):
                return
            if tok is None or tok[0] == "cmd" or any(c not in _TEXT_CHARS for c in tok[1]):
                raise _Unsafe(f"text holds {tok!r}")

    def _command(self, name: str) -> None:
        if name not in _MATH_COMMANDS:
            raise _Unsafe(f"unknown command \\{name}")
        if name in _TEXT_COMMANDS:
            self._text_argument()
        elif name == "left":
            self._delimiter()
            self._math_list(end="right")
        elif name == "right":  # one that closes a \left is read by _math_list
            raise _Unsafe("\\right without \\left")
        elif name in _SIZED:
            self._delimiter()
        else:
            if name == "sqrt" and self._peek() == ("char", "["):
                # \sqrt[n]{x}: the index ends at the first ], so only atoms without
                # brackets or braces go there
                self._next()
                while (tok := self._next()) != ("char", "]"):
                    if tok is None or not (
                        (tok[0] == "char" and tok[1] in _ORDINARY - {"[", "]"})
                        or (tok[0] == "cmd" and tok[1] in _SCRIPT_SYMBOLS)
                    ):
                        raise _Unsafe("\\sqrt index")
            for _ in range(_MATH_COMMANDS[name]):
                self._argument()


def _math_tokens(src: str) -> list[tuple[str, str]]:
    """``src`` as TeX would read it: control sequences, runs of spaces, characters."""
    tokens = []
    for m in _MATH_TOKEN.finditer(src):
        if m.group(1) is not None:
            tokens.append(("cmd", m.group(1)))
        elif m.group(2) is not None:
            tokens.append(("space", m.group(2)))
        else:
            tokens.append(("char", m.group(3)))
    return tokens


@lru_cache(maxsize=4096)
def math_is_safe(src: str) -> bool:
    r"""Whether ``src`` (the inside of ``$...$``) typesets with amsmath and amssymb.

    It must use only known commands, give each its arguments, balance its braces and
    ``\left``/``\right`` (with a delimiter after each, and after ``\big`` and its kin),
    put at most one superscript and one subscript on an atom, give ``^`` and ``_`` one
    character, a braced group or a single symbol such as ``\top``, keep ``\text``-like
    arguments to plain text, and hold no character that ends or comments out math in
    TeX (``%``, ``#``, ``&``, a line break command). What fails is printed as written.

    Examples
    --------
    >>> math_is_safe(r"\|A\|_F \le \sqrt{r}\,\|A\|_2"), math_is_safe(r"\frac{a}")
    (True, False)
    >>> math_is_safe(r"\input{x}"), math_is_safe("50% of x")
    (False, False)
    >>> math_is_safe("a^b^c"), math_is_safe(r"x^\sqrt{2}"), math_is_safe(r"\text{a_b}")
    (False, False, False)
    """
    # control characters (ESC, NUL, a line break) stop pdflatex or end the paragraph
    if not src.strip() or not all(ch in " \t" or 32 <= ord(ch) < 127 for ch in src):
        return False
    try:
        _MathChecker(_math_tokens(src)).check()
    except _Unsafe:
        return False
    return True
