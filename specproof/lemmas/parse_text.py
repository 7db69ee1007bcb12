"""The statement text before and around Python's parser: unicode relations and ``^`` made
Python, a call's ``=`` told from an identity's, columns mapped back to what was typed,
and the size of a decimal literal's exponent."""

from __future__ import annotations

import ast
import decimal
import unicodedata

from specproof.lemmas.errors import StatementError

# the mathematical signs read as Python's: replaced character by character while the
# column map is built, so that a column names the sign as typed
_UNICODE = {"≥": ">=", "≤": "<=", "−": "-", "·": "*"}


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text in Python syntax, and for each of its characters the column it came from.

    The columns are indices into ``text`` as typed: ``≥`` and ``≤`` become two characters
    of Python, both mapped to the one typed (they were replaced before the map was built,
    and every error after one named a column one too far: ``x ≥ 2 2`` at column 8 of 7).

    Examples
    --------
    >>> _normalise("x ≥ y^2")
    ('x >= y**2', [0, 1, 2, 2, 3, 4, 5, 5, 6, 7])
    """
    for i, c in enumerate(text):
        # Python's parser drops a comment, so "x**2 + 1 >= 2*x # >= 7" was PROVED and its
        # certificate printed VALID with the comment as if stated; control characters
        # (terminal escapes) printed a forged "VALID: x >= 5" line over the real one.
        # Columns count from 1, as in every other message
        if c == "#":
            raise StatementError(f"'#' at column {i + 1}: a statement has no comments (all "
                                 "of its text is the statement)")
        if unicodedata.category(c) == "Cc" and c not in " \t":
            raise StatementError(f"control character {c!r} at column {i + 1}: a statement "
                                 "is printable text")
    out: list[str] = []
    cols: list[int] = []
    depth = 0
    for i, c in enumerate(text):
        prev, nxt = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
        depth += (c in "([") - (c in ")]")
        if c in _UNICODE:
            rep = _UNICODE[c]
        elif c == "^":  # a power: "x^2 + 1" must not parse as Python's xor x ^ (2 + 1)
            rep = "**"
        elif (c == "=" and prev not in "<>=!≥≤" and nxt != "="
              and not (depth > 0 and _keyword_before(text, i))):
            # a lone "=" is an identity, but not a call's keyword: norm(x, ord=2) read as
            # "a relation may appear only once, at the top"
            rep = "=="
        else:
            rep = c
        out.append(rep)
        cols += [i] * len(rep)
    cols.append(len(text))
    return "".join(out), cols


def _keyword_before(text: str, i: int) -> bool:
    """Whether the ``=`` at ``i`` follows ``(name`` or ``, name``: a keyword argument."""
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    end = j
    while j >= 0 and (text[j].isalnum() or text[j] == "_"):
        j -= 1
    if j == end or text[j + 1].isdigit():
        return False
    while j >= 0 and text[j] == " ":
        j -= 1
    return j >= 0 and text[j] in "(,"


def _col(node: ast.AST, cols: list[int] | None = None) -> int:
    c = getattr(node, "col_offset", 0)
    return (cols[min(c, len(cols) - 1)] if cols else c) + 1


def _first_line(exc: BaseException) -> str:
    """An exception's message in one line (its class name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _decimal_exponent(literal: str) -> int:
    """The power of ten of a decimal literal's leading digit (``1e-5000``: -5000); 0 for 0.

    Examples
    --------
    >>> _decimal_exponent("1e-5000"), _decimal_exponent("12.5E3"), _decimal_exponent("0.0")
    (-5000, 4, 0)
    """
    d = decimal.Decimal(literal)
    return 0 if d.is_zero() else d.adjusted()


__all__ = ["_col", "_decimal_exponent", "_first_line", "_keyword_before", "_normalise"]
