"""Legend labels broken into lines that fit a width, never inside a formula."""

from __future__ import annotations


def _words(line: str) -> list[str]:
    """``line`` split at the spaces outside mathtext (``$...$``, which cannot be broken:
    half a formula does not parse)."""
    from matplotlib.cbook import is_math_text

    if not is_math_text(line):
        return line.split()
    words, current, in_math, escaped = [], "", False, False
    for char in line:
        if char == "$" and not escaped:
            in_math = not in_math
        if char.isspace() and not in_math:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    if current:
        words.append(current)
    return words


def wrap_label(text: str, limit: float, width_of) -> str:
    """``text`` broken into lines no wider than ``limit`` as ``width_of`` measures them.

    Lines break at spaces outside mathtext; a plain word wider than ``limit`` is broken
    between its characters. A formula (``$...$``) is never broken.

    Parameters
    ----------
    text : str
        The label; its own line breaks are kept.
    limit : float
        The widest line allowed, in the units of ``width_of``.
    width_of : callable
        The width of one line of text.

    Returns
    -------
    str
        ``text`` itself when every line fits, else the wrapped text.

    Raises
    ------
    ArgumentError
        A formula alone is wider than ``limit``: no break makes the label fit.

    Examples
    --------
    >>> wrap_label("a slope of the fit", 6, len)
    'a\\nslope\\nof the\\nfit'
    >>> wrap_label("abcdefgh", 3, len)
    'abc\\ndef\\ngh'
    >>> wrap_label("$x+y$ grows", 5, len)
    '$x+y$\\ngrows'
    """
    from matplotlib.cbook import is_math_text

    from specproof._core import ArgumentError

    out: list[str] = []
    for line in text.split("\n"):
        if width_of(line) <= limit:
            out.append(line)
            continue
        current = ""
        for word in _words(line):
            joined = f"{current} {word}" if current else word
            if width_of(joined) <= limit:
                current = joined
                continue
            if current:
                out.append(current)
            current = word
            if width_of(word) <= limit:
                continue
            if is_math_text(word):
                raise ArgumentError(
                    f"the legend entry {text!r} cannot be placed: its formula {word!r} "
                    f"is wider than the room the axes leave it ({width_of(word):.0f} > "
                    f"{limit:.0f} px), and a legend beside the axes would squeeze the "
                    "plot; shorten the label, or draw a wider figure (figure(width='page'))")
            while width_of(current) > limit:
                # the longest head that fits; at least one character, so that it ends
                n = max(1, _longest_fitting(current, limit, width_of))
                out.append(current[:n])
                current = current[n:]
        out.append(current)
    return "\n".join(out)


def _longest_fitting(word: str, limit: float, width_of) -> int:
    """How many leading characters of ``word`` fit in ``limit`` (widths grow with the
    length, so a bisection finds it)."""
    lo, hi = 0, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width_of(word[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


__all__ = ["wrap_label"]
