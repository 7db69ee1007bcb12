"""Paper metadata: what a module of claims declares about the work it makes executable."""

from __future__ import annotations

import re
from dataclasses import dataclass

from specproof._core import ArgumentError

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Paper:
    """A paper whose statements are registered as claims.

    Attributes
    ----------
    key : str
        The lower-case prefix of its claim ids (``"zhu-dag"``).
    title, authors, venue : str
        As cited.
    url : str
        arXiv or publisher address ("" when unknown).
    note : str
        Anything a reader must know (e.g. "statements reconstructed, the body was not read").

    Examples
    --------
    >>> Paper("demo", "A demo", "A. Author", "nowhere 2026").citation()
    'A. Author, A demo (nowhere 2026)'
    """

    key: str
    title: str
    authors: str = ""
    venue: str = ""
    url: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.fullmatch(self.key):
            raise ArgumentError(
                f"Paper.key must be lower case letters, digits and '-', got {self.key!r}"
            )
        if not isinstance(self.title, str) or not self.title.strip():
            raise ArgumentError(f"Paper {self.key!r}: title must be a non-empty string")
        if self.url and (not isinstance(self.url, str) or not re.fullmatch(
                r"https?://[^\s<>\"']+", self.url)):
            # the report links it: url="javascript:..." became a clickable link
            raise ArgumentError(f"Paper {self.key!r}: url must be an http(s) address, got "
                                f"{self.url!r}")

    def citation(self) -> str:
        """``authors, title (venue)`` in one line."""
        who = f"{self.authors}, " if self.authors else ""
        where = f" ({self.venue})" if self.venue else ""
        return f"{who}{self.title}{where}"
