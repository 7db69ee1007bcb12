r"""Measured values as report text: numbers to 6 significant digits (integers exact, and
more digits where 6 would read as another number), lists cut short,
dicts as rows of a table, in the same form in LaTeX, HTML and Markdown.

``evidence.json`` keeps every value at full precision; only the reports round.
A number is written once (:func:`number_parts`) and dressed per format: LaTeX math
(``$-4.6328\times10^{-15}$``, so a line never breaks between a sign and its digits),
HTML with a true minus and a superscript, Markdown as plain text.
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specproof._core import to_jsonable
from specproof._core.jsonable import SHOWN_DEPTH, _key_text, as_container, head_items
from specproof.claims.markup import md_escape, tex_escape

LIST_ITEMS = 8  # items of a list shown before "… (n more)"
_NON_FINITE = {"NaN": "NaN", "Infinity": "∞", "-Infinity": "-∞"}


def float_text(x: float, digits: int = 6) -> str:
    """A finite float at ``digits`` significant digits, unless rounding to them ends
    in two or more zeros, which are dropped (a round-looking number): then with as many
    more digits as it takes to read as itself (at most Python's shortest round-trip
    form, ``repr``).

    ``1.0000001`` at 6 digits read ``1``, exactly the bound of the ``worst <= 1`` it
    failed; ``0.049999996`` read ``0.05``. A rounded value shown with (nearly) all of
    its digits (``0.333333``, ``-0.46328``) reads as rounded and stays.

    Examples
    --------
    >>> float_text(1 / 3), float_text(1.0000001), float_text(0.049999996)
    ('0.333333', '1.0000001', '0.049999996')
    >>> float_text(1000000.4), float_text(0.5), float_text(9.9999996, 4)
    ('1000000.4', '0.5', '9.9999996')
    >>> float_text(-0.46327964), float_text(0.1 + 0.2), float_text(2.5000001)
    ('-0.46328', '0.30000000000000004', '2.5000001')
    >>> float_text(1e-320), float_text(5e-324)   # subnormals as Python writes them
    ('1e-320', '5e-324')
    """
    if x != 0.0 and abs(x) < sys.float_info.min:
        # a subnormal holds fewer digits: 1e-320 is stored as 9.99988671826831e-321, and
        # 6 digits of that read 9.99989e-321 where Python (and the terminal) says 1e-320
        mant = repr(x).split("e")[0].replace("-", "").replace(".", "").strip("0")
        short = f"{x:.{max(1, len(mant))}g}"
        if len(mant) <= digits and float(short) == x:
            return short
    text = f"{x:.{digits}g}"
    for p in range(digits, 18):
        text = f"{x:.{p}g}"
        if float(text) == x:
            break
        # the significant digits shown; zeros ending "1000000" may be rounding's
        mant = text.split("e")[0].replace("-", "").replace(".", "").strip("0")
        if len(mant) >= p - 1:  # (nearly) every digit shown: it reads as rounded
            break
    return text


# an integer with more digits than this and at most this many significant ones (10**400,
# 3 * 10**20) is written as mantissa times a power of ten, still exactly
_LONG_INT = 15
_INT_MANTISSA = 6


def number_parts(x: float | int) -> tuple[str, str | None]:
    """``(mantissa, exponent)`` of a number (exponent None when written without one).

    An integer is always exact: written out whole, or as its significant digits times
    a power of ten when it is longer than 15 digits with at most 6 significant ones
    (``10**400``). A float shows 6 significant digits (:func:`float_text`: more
    where those would read as another number, ``1.0000001`` as ``1``).

    Examples
    --------
    >>> number_parts(-0.46327964), number_parts(5.828e-15), number_parts(12)
    (('-0.46328', None), ('5.828', '-15'), ('12', None))
    >>> number_parts(-0.0), number_parts(1000001), number_parts(2**53 + 1)
    (('0', None), ('1000001', None), ('9007199254740993', None))
    >>> number_parts(3 * 10**400)   # an exact integer beyond floats
    ('3', '400')
    """
    if isinstance(x, int):
        # exact: f"{x:.6g}" converts to float (2**1100 raised OverflowError while the
        # report was written), and rounded 1000001 to 1e+06
        digits = str(abs(x))
        sign = "-" if x < 0 else ""
        significant = digits.rstrip("0")
        if len(digits) > _LONG_INT and len(significant) <= _INT_MANTISSA:
            mant = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
            return sign + mant, str(len(digits) - 1)
        return sign + digits, None
    if x == 0:
        x = 0.0  # -0.0 reads as a sign error in a table
    text = float_text(x)
    if "e" in text:
        mant, exp = text.split("e")
        return mant, str(int(exp))
    return text, None


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def plain_number(x: float | int) -> str:
    """A number as plain text (Markdown, the terminal).

    Examples
    --------
    >>> plain_number(5.828e-15), plain_number(1 / 3)
    ('5.828e-15', '0.333333')
    """
    mant, exp = number_parts(x)
    return mant if exp is None else f"{mant}e{exp}"


# digits of a number printed without a break point; a longer (exact, integer) one may
# break after every run of this many
NUMBER_RUN = 12


def _runs(mant: str) -> list[str]:
    if len(mant) <= NUMBER_RUN + 2:
        return [mant]
    return [mant[i:i + NUMBER_RUN] for i in range(0, len(mant), NUMBER_RUN)]


def tex_number(x: float | int) -> str:
    r"""A number as LaTeX math.

    Examples
    --------
    >>> tex_number(-5.828e-15)
    '$-5.828\\times10^{-15}$'
    """
    mant, exp = number_parts(x)
    # a long exact integer may break every NUMBER_RUN digits (math cannot break a number)
    mant = r"\allowbreak{}".join(_runs(mant))
    return f"${mant}$" if exp is None else f"${mant}\\times10^{{{exp}}}$"


def html_number(x: float | int) -> str:
    """A number as HTML: a true minus sign, the exponent as a superscript.

    Examples
    --------
    >>> html_number(-5.828e-15)
    '−5.828×10<sup>−15</sup>'
    """
    mant, exp = number_parts(x)
    mant = "<wbr>".join(_runs(mant.replace("-", "−")))
    return mant if exp is None else f"{mant}×10<sup>{exp.replace('-', '−')}</sup>"


@dataclass(frozen=True)
class _Style:
    number: Any
    text: Any
    sep: str
    more: str
    chars: int | None = None  # a string longer than this is cut, saying so (None: never)


# report.tex cuts a text value after this many characters: a table cannot break across
# pages, and a 3000-character value in a narrow column ran 3400 pt off the page bottom
TEX_TEXT_CHARS = 120
_CUT_NOTE = "… ({} more characters in evidence.json)"

_STYLES = {
    "tex": _Style(tex_number, tex_escape, ", ", r"\dots\ ({} more)", TEX_TEXT_CHARS),
    "html": _Style(html_number, html.escape, ", ", "… ({} more)"),
    "md": _Style(plain_number, md_escape, ", ", "… ({} more)"),
    "plain": _Style(plain_number, str, ", ", "… ({} more)"),
    # what "tex" prints, as plain text (for estimating its width)
    "plain-tex": _Style(plain_number, str, ", ", "… ({} more)", TEX_TEXT_CHARS),
}


def format_inline(value: Any, fmt: str = "plain", limit: int = LIST_ITEMS) -> str:
    r"""One value as inline text in ``fmt`` ("tex", "html", "md", "plain", or "plain-tex":
    what "tex" prints, unescaped).

    Lists show their first ``limit`` items; dicts read ``key: value; ...``; strings are
    escaped for the format (in "tex", cut after :data:`TEX_TEXT_CHARS` characters, saying
    how many more ``evidence.json`` holds: a table cannot break across pages); NaN and
    infinities are named; a list or dict nested deeper than
    :data:`~specproof._core.jsonable.SHOWN_DEPTH` shows as "…".

    Examples
    --------
    >>> format_inline([1, 2.5, -1e-20], "tex")
    '[$1$, $2.5$, $-1\\times10^{-20}$]'
    >>> format_inline({"a": 1, "b": list(range(20))}, "plain")
    'a: 1; b: [0, 1, 2, 3, 4, 5, 6, 7, … (12 more)]'
    >>> format_inline("x" * 200, "plain-tex")[-40:]
    'x… (80 more characters in evidence.json)'
    """
    return _inline(value, _STYLES[fmt], limit, ())


def _inline(value: Any, st: _Style, limit: int, path: tuple[int, ...]) -> str:
    # only what is shown is converted: a list or an array is cut before its items are
    # (to_jsonable of a whole 2-million-element array, for each cell showing 8 of its
    # numbers, was most of a report that took 92 s to write)
    container = as_container(value)
    if container is not None:
        # the value's id: the container of a deque or a set is a new list at each visit
        if id(value) in path:
            return st.text("<cycle>")  # as to_jsonable writes it
        if len(path) >= SHOWN_DEPTH:
            return st.text("…")
        inner = (*path, id(value))
        if isinstance(container, Mapping):  # every entry shown, each value cut
            if not container:
                return st.text("(empty)")
            return "; ".join(f"{st.text(_key_text(k))}: {_inline(v, st, limit, inner)}"
                             for k, v in container.items())
        items, total = head_items(container, limit)
        parts = [_inline(v, st, limit, inner) for v in items]
        if total > limit:
            parts.append(st.more.format(total - limit))
        return "[" + st.sep.join(parts) + "]"
    value = to_jsonable(value)
    if isinstance(value, (list, dict)):  # a safety net: as_container knows no such value
        return _inline(value, st, limit, path)
    if is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            return st.text(repr(value))
        return st.number(value)
    if isinstance(value, bool) or value is None:
        return st.text(str(value).lower() if value is not None else "null")
    if isinstance(value, str):
        text = _NON_FINITE.get(value, value)
        if st.chars is not None and len(text) > st.chars:
            text = text[:st.chars] + _CUT_NOTE.format(len(text) - st.chars)
        return st.text(text)
    return st.text(str(value))


@dataclass(frozen=True)
class MeasuredRow:
    """One row of the measured table: a key (``level`` 0) or a dict entry below it.

    ``check`` and ``control`` are the raw values (``MISSING`` where that side did not
    measure it, ``GROUP`` on a row that only heads the dict entries below it).
    """

    level: int
    key: str
    check: Any
    control: Any


MISSING = object()
GROUP = object()
MAX_LEVEL = 2  # dicts nested deeper are written inline


def measured_rows(check: dict[str, Any], control: dict[str, Any]) -> list[MeasuredRow]:
    """The rows of the "Measured / Check / Control" table, dict values expanded into
    indented rows (two levels; deeper ones inline).

    Examples
    --------
    >>> [(r.level, r.key) for r in measured_rows({"s": {"mlp": {"a": 1}}, "n": 2}, {"n": 3})]
    [(0, 's'), (1, 'mlp'), (2, 'a'), (0, 'n')]
    """
    rows: list[MeasuredRow] = []

    def entries(value: Any) -> dict | None:
        c = value if value is MISSING else as_container(value)
        return c if isinstance(c, Mapping) else None

    def cell(value: Any) -> Any:
        # a list or an array stays as it is: format_inline converts the items it shows
        if value is MISSING or as_container(value) is not None:
            return value
        return to_jsonable(value)

    def walk(level: int, a: Mapping, b: Mapping) -> None:
        for key in dict.fromkeys([*a, *b]):
            va, vb = a.get(key, MISSING), b.get(key, MISSING)
            dicts = [entries(v) for v in (va, vb) if v is not MISSING]
            if level < MAX_LEVEL and dicts and all(d for d in dicts):
                rows.append(MeasuredRow(level, _key_text(key), GROUP, GROUP))
                walk(level + 1, entries(va) or {}, entries(vb) or {})
            else:
                rows.append(MeasuredRow(level, _key_text(key), cell(va), cell(vb)))

    walk(0, entries(check) or {}, entries(control) or {})
    return rows
