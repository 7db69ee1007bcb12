"""The record of one ``verify`` run, shared by the runner loop and the report writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from specproof._core import SpecproofError
from specproof.claims.runner import BAD_VERDICTS, ClaimResult


class OutputDirError(SpecproofError, OSError):
    """The report folder cannot be created or written."""


@dataclass
class VerifyRun:
    """The outcome of one ``verify`` call."""

    out: Path
    profile: str
    seed: int
    results: list[ClaimResult] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    modules: list[str] = field(default_factory=list)
    distributions: set[str] = field(default_factory=set)
    command_line: list[str] | None = None
    carried: list[dict] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # ids of every claim selected to run
    resumed: list[str] = field(default_factory=list)
    #: the --module files with their SHA-256, taken when the run starts (None: at writing)
    module_records: list[dict] | None = None

    @property
    def exit_code(self) -> int:
        """130 when interrupted (as for SIGINT); 1 when a claim did not pass; else 0."""
        if self.interrupted:
            return 130
        if any(r.verdict in BAD_VERDICTS for r in self.results):
            return 1
        # the report also holds the claims carried over from the run before (--last-failed
        # with a narrower selection carried a FAIL into a report whose exit status was 0)
        if any(rec.get("verdict") in BAD_VERDICTS for rec in self.carried):
            return 1
        return 0
