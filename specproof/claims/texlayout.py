r"""Sizes for ``report.tex``: table columns that fit a two-column page, figure sizes.

pdflatex cannot wrap a number, so a table whose numbers do not fit the column would
overflow it. The widths here are estimates of Computer Modern at ``\footnotesize``
(generous, so that the estimate errs towards a narrower table); a table wider than
:data:`COLUMN_PT` is cut into several tables over groups of its columns, each
repeating the first column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specproof.claims.markup import split_math
from specproof.claims.markup_plain import plain_rich
from specproof.claims.texescape import ident_pieces, tex_pieces
from specproof.claims.values import NUMBER_RUN, format_inline, is_number, number_parts

# The narrowest column of the usual templates: two-column article on A4 (221 pt).
COLUMN_PT = 218.0
TABCOLSEP_PT = 3.0
_CHAR_PT = 4.6  # an average character at \footnotesize, rounded up
_WIDE_CHAR_PT = 6.8  # capitals, m, w and symbols


def text_width(text: str) -> float:
    """Estimated width in points of ``text`` at ``\\footnotesize``."""
    return sum(_WIDE_CHAR_PT if (c.isupper() or c in "mwMW%&@#") else _CHAR_PT
               for c in text)


def value_widths(value: Any, ident: bool = False) -> tuple[float, float]:
    """``(natural, unbreakable)``: the estimated width of a cell on one line, and of
    its widest piece that cannot break (a number, a word); ``ident``: an identifier
    in typewriter type, which also breaks after ``.``, ``-`` and ``/``.

    Examples
    --------
    >>> value_widths(-5.828e-15)[0] > value_widths(0.5)[0]
    True
    """
    if is_number(value):
        mant, exp = number_parts(value)
        width = _CHAR_PT * len(mant) + (0 if exp is None else 14 + 3.5 * len(exp)) + 2
        # a long exact integer breaks every NUMBER_RUN digits (tex_number)
        least = width if len(mant) <= NUMBER_RUN + 2 else _CHAR_PT * (NUMBER_RUN + 1) + 2
        return width, least
    text = plain_rich(format_inline(value, "plain-tex"))
    if ident:  # lines break where tex_ident lets them (after "_", ".", "-", "/", ...)
        pieces = ident_pieces(text) or [text]
        return 4.4 * len(text), max(4.4 * len(p) for p in pieces)
    # lines break at spaces, after "_" and anywhere in a long word (as tex_escape allows)
    pieces = tex_pieces(text) or [""]
    natural = sum(map(text_width, pieces)) + _CHAR_PT * len(re.findall(r"\s+", text))
    return natural, max(text_width(p) for p in pieces)


@dataclass(frozen=True)
class ColumnGroup:
    """Columns of one printed table: their indices and ``p{}`` widths in points."""

    columns: list[int]
    widths: list[float]

    def spec(self) -> str:
        """The tabular column specification."""
        cols = "".join(rf">{{\raggedright\arraybackslash}}p{{{w:.1f}pt}}" for w in self.widths)
        return "@{}" + cols + "@{}"


# relations and operators: TeX sets space around them
_MATH_OPS = frozenset("=<>≤≥+-−×·→∈≈≠⪯⪰≲≳∼~")


def math_width(src: str) -> float:
    r"""Estimated width in points of the math ``$src$`` at ``\footnotesize``: its
    Unicode reading, sub- and superscripts at 72%, space around operators, times 1.25.

    On the 42 math labels of the built-in claims it estimates 1.04 to 2.1 times the
    width pdflatex sets (the text-width estimate it replaces, 1.0 to 2.7 times: a
    115 pt header estimated at 221 pt took a whole column).

    Examples
    --------
    >>> round(math_width(r"\max \|\mathrm{conv}\|_2 / (k \min(\sigma_1, \sigma_2))"))  # 106.5
    145
    """
    text = plain_rich(f"${src}$")

    def width(chars: str, scale: float) -> float:
        return sum(scale * (1.0 if c == " " else text_width(c) + 4.5 * (c in _MATH_OPS))
                   for c in chars if c not in "{}")

    total, i = 0.0, 0
    while i < len(text):
        if text[i] in "_^" and i + 1 < len(text):
            end = i + 2
            if text[i + 1] == "{":  # the script is the group
                depth, end = 0, i + 1
                while end < len(text):
                    depth += (text[end] == "{") - (text[end] == "}")
                    end += 1
                    if depth == 0:
                        break
            total += width(text[i + 1:end], 0.72)
            i = end
            continue
        total += width(text[i], 1.0)
        i += 1
    return 1.25 * total


def header_widths(key: str, labels: dict[str, str] | None = None) -> tuple[float, float]:
    """``(natural, unbreakable)`` width of a table header: its label (a math piece cannot
    break) or the key in typewriter type.

    Examples
    --------
    >>> header_widths("x", {"x": r"$\\max_o \\|B_o\\|_2$"})[1] > header_widths("x")[1]
    True
    """
    if labels and key in labels:
        natural, least = 0.0, 0.0
        for piece, is_math in split_math(labels[key]):
            if is_math:
                w = math_width(piece)
                natural, least = natural + w, max(least, w)
            else:
                nat, low = value_widths(piece)
                natural, least = natural + nat, max(least, low)
        return natural, least
    return value_widths(key, ident=True)


def column_groups(header: list[str], rows: list[list[Any]],
                  labels: dict[str, str] | None = None,
                  budget: float = COLUMN_PT) -> list[ColumnGroup]:
    """Split a table's columns into groups that each fit ``budget`` points.

    Each column is as wide as its widest cell on one line, capped at the budget (the
    header wraps at spaces and underscores); a column of long text takes what is left
    and wraps.

    Examples
    --------
    >>> groups = column_groups(["i"] + [f"col{k}" for k in range(12)],
    ...                        [[0] + [1.23456e-10] * 12])
    >>> len(groups) > 1 and all(g.columns[0] == 0 for g in groups)
    True
    """
    n = len(header)
    if n == 0:
        return []
    natural, least, whole = [], [], []
    for j in range(n):
        nat_h, min_h = header_widths(header[j], labels)
        cells = [value_widths(row[j]) for row in rows]
        nat = max([min_h] + [c[0] for c in cells])
        low = max([min_h] + [c[1] for c in cells])
        natural.append(nat)
        least.append(low)
        whole.append(max(nat, nat_h))
    sep = 2 * TABCOLSEP_PT
    if sum(whole) + sep * (n - 1) <= budget:  # room for every header on one line
        return [ColumnGroup(list(range(n)), whole)]
    width = [min(nat, budget) for nat in natural]
    if sum(width) + sep * (n - 1) <= budget:
        return [ColumnGroup(list(range(n)), width)]
    groups: list[list[int]] = []
    current = [0]
    used = width[0]
    for j in range(1, n):
        if len(current) > 1 and used + sep + width[j] > budget:
            groups.append(current)
            current, used = [0], width[0]
        current.append(j)
        used += sep + width[j]
    groups.append(current)
    out = []
    for cols in groups:
        w = fit_widths([width[j] for j in cols], [[least[j] for j in cols]],
                       budget - sep * (len(cols) - 1))
        out.append(ColumnGroup(cols, [max(12.0, x) for x in w]))
    return out


# \footnotesize lines one printed part of the check's table may take: a column of a
# two-column page holds about 60 (a ~620 pt text height at 9.5 pt a line), less the
# part's rules and header, the caption and the claim's heading above it. A tabular
# cannot break across pages: 40 rows of 300-character cells ran 606 pt off the page
TABLE_LINES = 40


def table_rows_shown(header: list[str], rows: list[list[Any]],
                     labels: dict[str, str] | None = None, max_rows: int = 30,
                     lines: int = TABLE_LINES) -> int:
    """How many of ``rows`` (at most ``max_rows``, at least one) the tex report prints,
    so that every part (:func:`column_groups`) of the table fits ``lines`` lines.

    A row takes, in each part, the most lines any of its cells wraps to (its estimated
    natural width over the column's width).

    Examples
    --------
    >>> table_rows_shown(["i", "x"], [[i, 0.5] for i in range(50)])
    30
    >>> table_rows_shown(["i", "hex"], [[i, "ab" * 150] for i in range(40)]) < 30
    True
    """
    shown = rows[:max_rows]
    if not shown or not header:  # a table without columns prints nothing
        return 0
    groups = column_groups(header, shown, labels)
    used = [0] * len(groups)
    for k, row in enumerate(shown):
        need = [max(max(1, math.ceil(value_widths(row[j])[0] / max(w, 1.0)))
                    for j, w in zip(g.columns, g.widths)) for g in groups]
        if k > 0 and any(u + n > lines for u, n in zip(used, need)):
            return k
        used = [u + n for u, n in zip(used, need)]
    return len(shown)


def fit_widths(widths: list[float], floors: list[list[float]],
               available: float) -> list[float]:
    """``widths`` shrunk to sum to at most ``available``.

    Each of ``floors`` in turn (per column widths, e.g. the widest unbreakable piece,
    then the widest piece when numbers may break) is approached by the columns above it,
    in proportion to their slack; a table still too wide then caps its widest columns
    (the estimates of unbreakable math are generous): a math header estimated at 221 pt
    in a 218 pt budget kept a second column beside it, and the table ran 36 pt into the
    margin.

    Examples
    --------
    >>> fit_widths([41.4, 218.0], [[41.4, 221.0]], 212.0)
    [41.4, 170.6]
    >>> fit_widths([80.0, 60.0], [[20.0, 60.0]], 100.0)
    [40.0, 60.0]
    """
    w = list(widths)
    for floor in floors:
        excess = sum(w) - available
        if excess <= 0:
            return w
        slack = [max(0.0, a - b) for a, b in zip(w, floor)]
        room = sum(slack)
        if room > 0:
            take = min(excess, room)
            w = [a - take * s / room for a, s in zip(w, slack)]
    if sum(w) <= available:
        return w
    level = sorted(w)  # the cap c with sum(min(a, c)) == available
    below = 0.0
    for k, a in enumerate(level):
        if below + a * (len(level) - k) >= available:
            cap = (available - below) / (len(level) - k)
            return [round(min(a, cap), 6) for a in w]
        below += a
    return w


def number_least(value: Any) -> float:
    r"""The narrowest a number with an exponent may be set: TeX may break its math after
    ``\times`` (``$3.33067\times10^{-16}$``), which :func:`value_widths` does not count
    on; other values: their widest unbreakable piece."""
    if is_number(value):
        mant, exp = number_parts(value)
        if exp is not None:
            return max(_CHAR_PT * min(len(mant), NUMBER_RUN + 1) + 7, 14 + 3.5 * len(exp))
    return value_widths(value)[1]


# the measured table's columns (fractions of \linewidth): name, check, control
MEASURED_COLUMNS = (0.34, 0.30, 0.30)


def measured_columns(rows: list[Any], labels: dict[str, str] | None = None) -> list[float]:
    r"""The widths of the measured table's three columns, as fractions of ``\linewidth``
    (:data:`MEASURED_COLUMNS` unless a cell needs more): a long math label beside two
    numbers overflowed the fixed 0.34 by 28 pt.

    Examples
    --------
    >>> from specproof.claims.values import MeasuredRow
    >>> measured_columns([MeasuredRow(0, "x", 1.0, 2.0)])
    [0.34, 0.3, 0.3]
    >>> w = measured_columns([MeasuredRow(0, "x", 3.3e-16, 1.0)],
    ...                      {"x": r"$\max \|\mathrm{conv}\|_2 / (k \min(\sigma_1, \sigma_2))$"})
    >>> w[0] > 0.5 and abs(sum(w) - 0.94) < 1e-9
    True
    """
    from specproof.claims.values import GROUP, MISSING

    def cells(get) -> list[Any]:
        return [v for v in map(get, rows) if v is not GROUP and v is not MISSING]

    name = [header_widths(r.key, labels)[1] if not r.level
            else value_widths(r.key)[1] + 8.0 * r.level for r in rows]
    need = [max(name, default=0.0)]
    hard = list(need)
    for get in (lambda r: r.check, lambda r: r.control):
        values = cells(get)
        need.append(max((value_widths(v)[1] for v in values), default=0.0))
        hard.append(max((number_least(v) for v in values), default=0.0))
    total = sum(MEASURED_COLUMNS)
    width = [max(d, n / COLUMN_PT) for d, n in zip(MEASURED_COLUMNS, need)]
    w = fit_widths(width, [[n / COLUMN_PT for n in need], [h / COLUMN_PT for h in hard]],
                   total)
    return [round(x, 4) for x in w]


# the summary table's columns (fractions of \linewidth): claim, verdict, key figure; with
# \tabcolsep 4pt they fit a column of 205 pt or more
SUMMARY_COLUMNS = (0.37, 0.19, 0.36)


def summary_label_fits(key: str, labels: dict[str, str] | None) -> bool:
    r"""Whether the summary shows ``key`` by its label: not when the label cannot fit
    the key-figure column (a long formula cannot break), where the key shows instead,
    in typewriter type (the claim's section shows the label).

    Examples
    --------
    >>> summary_label_fits("r", {"r": r"$\sigma_2/\sigma_1$"})
    True
    >>> summary_label_fits("m", {"m": r"$\max \|\mathrm{conv}\|_2 / (k \min(\sigma_1, \sigma_2))$"})
    False
    """
    return header_widths(key, labels)[1] <= SUMMARY_COLUMNS[2] * COLUMN_PT


def summary_columns(claims: list[Any]) -> list[float]:
    r"""The widths of the summary table's columns (fractions of ``\linewidth``, the same
    for every paper's part): :data:`SUMMARY_COLUMNS` unless a claim's id or key figure
    needs more.

    Examples
    --------
    >>> summary_columns([])
    [0.37, 0.19, 0.36]
    """
    need = [max((value_widths(c.short_id, ident=True)[1] for c in claims), default=0.0),
            SUMMARY_COLUMNS[1] * COLUMN_PT, 0.0]  # VACUOUS fits the verdict's column
    hard = list(need)
    for c in claims:
        if c.key_name is not None:
            fits = summary_label_fits(c.key_name, c.labels)
            label = header_widths(c.key_name, c.labels if fits else None)[1]
            need[2] = max(need[2], label, value_widths(c.key_value)[1])
            hard[2] = max(hard[2], label, number_least(c.key_value))
    width = [max(d, n / COLUMN_PT) for d, n in zip(SUMMARY_COLUMNS, need)]
    if width == list(SUMMARY_COLUMNS):
        return width
    w = fit_widths(width, [[n / COLUMN_PT for n in need], [n / COLUMN_PT for n in hard]],
                   sum(SUMMARY_COLUMNS))
    return [round(x, 4) for x in w]


_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def pdf_size(path: str | Path) -> tuple[float, float] | None:
    """Width and height in points of the first page of a PDF (None when unreadable).

    Examples
    --------
    >>> pdf_size("/nonexistent.pdf") is None
    True
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    m = _MEDIABOX.search(data)
    if m is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in m.groups())
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        return None
    return x1 - x0, y1 - y0
