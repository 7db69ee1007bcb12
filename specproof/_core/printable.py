"""Text made safe to show: control characters written as escapes, as Python's ``repr``.

A value a claim measured, an ``expected`` line or an exception message is data, and the
terminal or a report shows it: an ESC in it (``"\\x1b[2K\\r\\x1b[1A"``) erased the line
above on a terminal and drew a forged ``PASS`` there, and a right-to-left override
(U+202E) reorders what follows it on screen. :func:`printable` writes each such
character as its escape (``\\x1b``, ``\\r``, ``\\u202e``), so the text shows what it
holds. The same idea guards the SoS checker's verdict line
(``specproof.certificates.check_sos``).
"""

from __future__ import annotations

import operator
import re
from typing import Any

# C0 (but what ``keep`` names), DEL, C1; the bidirectional embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069) and marks (U+200E, U+200F, U+061C); the line
# and paragraph separators (U+2028, U+2029), which some terminals and editors break on
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(keep: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(keep)
    if pattern is None:
        unsafe = f"[{_UNSAFE}]"
        if keep:
            unsafe = f"(?![{re.escape(keep)}]){unsafe}"
        pattern = _PATTERNS[keep] = re.compile(unsafe)
    return pattern


def _escape(m: re.Match[str]) -> str:
    return repr(m.group(0))[1:-1]


def printable(text: object, keep: str = "") -> str:
    r"""``text`` with its control and bidi-override characters written as escapes.

    ``keep`` names control characters that stay as they are (``"\n"`` where the output
    is several lines on purpose). Everything else, other Unicode included, is unchanged.

    Examples
    --------
    >>> printable("v\x1b[2K\r[1/1] PASS")
    'v\\x1b[2K\\r[1/1] PASS'
    >>> printable("a\u202eb\x7f\x85"), printable("ü 日本 \\ 'q'")
    ('a\\u202eb\\x7f\\x85', "ü 日本 \\ 'q'")
    >>> printable("two\nlines\t", keep="\n")
    'two\nlines\\t'
    """
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():  # the common case, fast: no control or format character
        return text
    pattern = _pattern(keep)
    return pattern.sub(_escape, text) if pattern.search(text) else text


def printable_tree(value: Any, keep: str = "") -> Any:
    r"""``value`` (JSON-like: dicts, lists, strings, numbers) with :func:`printable`
    applied to every string in it, dict keys included; a part with nothing to escape is
    returned as it is (not copied).

    Examples
    --------
    >>> printable_tree({"m\x1b": ["ok", "\x1b[8m", 1.5]})
    {'m\\x1b': ['ok', '\\x1b[8m', 1.5]}
    >>> doc = {"a": [1, "b"]}; printable_tree(doc) is doc
    True
    """
    if isinstance(value, str):
        return printable(value, keep)
    if isinstance(value, dict):
        changed = False
        items = []
        for k, v in value.items():
            k2 = printable(k, keep) if isinstance(k, str) else k
            v2 = v if _plain(v) else printable_tree(v, keep)
            changed = changed or k2 is not k or v2 is not v
            items.append((k2, v2))
        return dict(items) if changed else value
    if isinstance(value, list | tuple):
        out = [v if _plain(v) else printable_tree(v, keep) for v in value]
        if all(map(operator.is_, value, out)):
            return value
        return out if isinstance(value, list) else tuple(out)
    return value


_SCALARS = frozenset({int, float, bool, type(None)})


def _plain(v: Any) -> bool:
    """Whether ``v`` certainly needs nothing escaped (checked fast: a table may have
    100000 rows)."""
    return v.__class__ in _SCALARS or (v.__class__ is str and v.isprintable())
