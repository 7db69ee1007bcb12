"""One way to show a result: a short text ``repr`` and an HTML table for Jupyter.

A class mixes in :class:`Displayable` and, when its dataclass fields are not what a reader
wants to see, overrides :meth:`Displayable._display_items`. The text form is one line
(``Name(key=value, ...)``: numbers to 7 significant digits, arrays as their shape, long
strings cut); the HTML form is a small table with every item, arrays previewed, and the
verdict first for anything that has ``ok``.

Examples
--------
>>> from dataclasses import dataclass
>>> import numpy as np
>>> @dataclass(frozen=True, repr=False)
... class Fit(Displayable):
...     slope: float
...     points: np.ndarray
>>> f = Fit(-0.50123456789, np.zeros((3, 2)))
>>> f
Fit(slope=-0.5012346, points=<array 3x2 float64>)
>>> "<td>-0.5012346</td>" in f._repr_html_()
True
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

# a text repr stays about one line: strings past this are cut, containers summarised
MAX_TEXT = 60
MAX_ITEMS = 6


def format_value(value: Any, limit: int = MAX_TEXT) -> str:
    """A short text for one value: floats to 7 significant digits, arrays as their shape,
    long strings and containers summarised.

    Examples
    --------
    >>> format_value(2.5861317871292375e-15), format_value(np.float64(0.1) + 0.2)
    ('2.586132e-15', '0.3')
    >>> format_value(np.ones((8, 8))), format_value(list(range(100)))
    ('<array 8x8 float64>', '<list of 100>')
    >>> format_value("x" * 100)[-3:], format_value({"a": 1})
    ("x…'", "{'a': 1}")
    """
    if isinstance(value, bool | np.bool_) or value is None:
        return repr(bool(value) if isinstance(value, np.bool_) else value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        return f"{v:.7g}" if math.isfinite(v) else repr(v)
    if isinstance(value, np.ndarray):
        if value.size <= 4 and value.ndim <= 1:
            return "[" + ", ".join(format_value(v) for v in value.tolist()) + "]"
        return f"<array {'x'.join(map(str, value.shape))} {value.dtype}>"
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 1] + "…")
    if isinstance(value, tuple | list):
        if len(value) <= MAX_ITEMS and all(_is_scalar(v) for v in value):
            inner = ", ".join(format_value(v) for v in value)
            text = f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) \
                else f"[{inner}]"
            if len(text) <= limit:
                return text
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, Mapping):
        if len(value) <= 3 and all(_is_scalar(v) for v in value.values()):
            text = "{" + ", ".join(f"{k!r}: {format_value(v)}" for k, v in value.items()) + "}"
            if len(text) <= limit:
                return text
        return f"<dict of {len(value)} keys>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, bool | int | float | str | np.generic)


def text_repr(name: str, items: Iterable[tuple[str, Any]]) -> str:
    """``name(key=value, ...)`` with :func:`format_value` for each value."""
    return f"{name}(" + ", ".join(f"{k}={format_value(v)}" for k, v in items) + ")"


def _html_value(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 4:
        flat = ", ".join(format_value(v) for v in value.ravel()[:MAX_ITEMS].tolist())
        more = ", …" if value.size > MAX_ITEMS else ""
        shape = "×".join(map(str, value.shape))
        return f"<code>{html.escape(shape)} {value.dtype}</code>: [{html.escape(flat)}{more}]"
    if isinstance(value, Mapping) and value:
        rows = "".join(
            f"<tr><td><code>{html.escape(str(k))}</code></td><td>{_html_value(v)}</td></tr>"
            for k, v in list(value.items())[:20]
        )
        return f"<table>{rows}</table>"
    if isinstance(value, str):
        text = value if len(value) <= 600 else value[:599] + "…"
        return html.escape(text)
    return html.escape(format_value(value, limit=200))


def html_repr(name: str, items: Iterable[tuple[str, Any]], ok: bool | None = None,
              code: str | None = None) -> str:
    """A small self-contained HTML table: a header with ``name`` (and the verdict when
    ``ok`` is given), then one row per item."""
    badge = ""
    if ok is not None:
        colour = "#1a7f37" if ok else "#cf222e"
        word = "ok" if ok else html.escape(code or "failed")
        badge = f' <span style="color:{colour};font-weight:bold">{"✓" if ok else "✗"} {word}</span>'
    rows = "".join(
        f"<tr><th style=\"text-align:left\"><code>{html.escape(k)}</code></th>"
        f"<td>{_html_value(v)}</td></tr>"
        for k, v in items
    )
    return (f'<table class="specproof-result"><caption style="text-align:left">'
            f"<b>{html.escape(name)}</b>{badge}</caption>{rows}</table>")


class Displayable:
    """Mixin: a one-line ``__repr__`` and a ``_repr_html_`` table from the same items.

    The items are the dataclass fields shown by ``repr`` (``field(repr=False)`` ones are
    left out) unless the class overrides :meth:`_display_items`. A dataclass that wants
    this ``__repr__`` declares ``@dataclass(repr=False)`` (else dataclasses write their
    own); one with a ``__repr__`` of its own keeps it and gains the HTML table.
    """

    def _display_name(self) -> str:
        return type(self).__name__

    def _display_items(self) -> list[tuple[str, Any]]:
        if dataclasses.is_dataclass(self):
            return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                    if f.repr]
        return list(vars(self).items())

    def __repr__(self) -> str:
        return text_repr(self._display_name(), self._display_items())

    def _repr_html_(self) -> str:
        items = self._display_items()
        ok = getattr(self, "ok", None)
        code = getattr(self, "code", None)
        if isinstance(ok, bool):
            # the verdict is in the header: the rows say the rest
            items = [(k, v) for k, v in items if k not in ("ok", "code")
                     and not (k == "reason" and not v)]
        return html_repr(self._display_name(), items, ok=ok if isinstance(ok, bool) else None,
                         code=code)
