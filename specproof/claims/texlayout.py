r"""Sizes for ``report.tex``: table columns that fit a two-column page, figure sizes.

pdflatex cannot wrap a number, so a table whose numbers do not fit the column would
overflow it. The widths here are estimates of Computer Modern at ``\footnotesize``
(generous, so that the estimate errs towards a narrower table); a table wider than
:data:`COLUMN_PT` is cut into several tables over groups of its columns, each
repeating the first column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specproof.claims.markup import split_math
from specproof.claims.markup_plain import plain_rich
from specproof.claims.values import format_inline, is_number, number_parts

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
        return width, width
    text = plain_rich(format_inline(value, "plain"))
    # lines break at spaces, and after "_", ".", "-" and "/" in identifiers
    pieces = [p for p in re.split(r"(?<=[_./-])|\s+" if ident else r"(?<=[_-])|\s+", text)
              if p] or [text]
    if ident:
        return 4.4 * len(text), max(4.4 * len(p) for p in pieces)
    return text_width(text), max(text_width(p) for p in pieces)


@dataclass(frozen=True)
class ColumnGroup:
    """Columns of one printed table: their indices and ``p{}`` widths in points."""

    columns: list[int]
    widths: list[float]

    def spec(self) -> str:
        """The tabular column specification."""
        cols = "".join(rf">{{\raggedright\arraybackslash}}p{{{w:.1f}pt}}" for w in self.widths)
        return "@{}" + cols + "@{}"


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
                w = 1.15 * text_width(plain_rich(f"${piece}$"))
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
        w = [width[j] for j in cols]
        total = sum(w) + sep * (len(cols) - 1)
        if total > budget:  # shrink the wrapping columns towards their narrowest piece
            excess = total - budget
            slack = [max(0.0, w[i] - least[cols[i]]) for i in range(len(cols))]
            room = sum(slack)
            if room > 0:
                w = [w[i] - excess * slack[i] / room for i in range(len(cols))]
        out.append(ColumnGroup(cols, [max(12.0, x) for x in w]))
    return out


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
