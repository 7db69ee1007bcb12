"""What running a claim produces: the :class:`Outcome` of its check and of its control,
and the :class:`ClaimResult` that combines them into a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specproof._core import to_jsonable
from specproof._core.jsonable import big_int_text
from specproof._core.printable import printable
from specproof.claims.evidence import claim_seed

VERDICTS: tuple[str, ...] = ("PASS", "FAIL", "VACUOUS", "ERROR")
BAD_VERDICTS: frozenset[str] = frozenset({"FAIL", "VACUOUS", "ERROR"})


@dataclass(frozen=True)
class Outcome:
    """One run of a check or of its control.

    ``verdict`` is ``"HOLDS"``, ``"FAILS"`` or ``"ERROR"``.
    """

    verdict: str
    measured: dict[str, Any] = field(default_factory=dict)
    expected: str = ""
    table: list[dict[str, Any]] = field(default_factory=list)
    key: str | None = None
    seconds: float = 0.0
    traceback: str | None = None
    figure: str | None = None
    certificates: tuple[str, ...] = ()
    error: str = ""
    cpu_seconds: float = 0.0
    figure_object: Any = field(default=None, compare=False, repr=False)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return self.verdict == "HOLDS"

    @property
    def traceback_lines(self) -> list[str]:
        """The traceback as a list of lines (empty when nothing raised)."""
        return (self.traceback or "").rstrip("\n").splitlines()

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "measured": to_jsonable(self.measured),
            "expected": self.expected,
            "table": to_jsonable(self.table),
            "key": self.key,
            "seconds": round(self.seconds, 6),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "traceback": self.traceback,
            "error": self.error,
            "figure": self.figure,
            "certificates": list(self.certificates),
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with the outcomes of its check and its control."""

    id: str
    paper: str
    kind: str
    statement: str
    verdict: str
    reason: str
    seed: int
    profile: str
    params: dict[str, Any]
    check: Outcome
    control: Outcome
    control_description: str
    seconds: float
    figures: dict[str, str] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS"

    @property
    def seed_entropy(self) -> list[int]:
        """What the check's and the control's generators were seeded with (run seed, id hash)."""
        return claim_seed(self.seed, self.id)

    @property
    def check_figure(self):
        """The check's matplotlib figure (None when it drew none or ran in another process)."""
        return self.check.figure_object

    @property
    def control_figure(self):
        """The control's matplotlib figure (None when it drew none or nothing new)."""
        return self.control.figure_object

    def deciding_values(self) -> dict[str, Any]:
        """The measured values that decided the verdict: the check's, or the control's
        when the control decided it (VACUOUS, or an ERROR in the control)."""
        if self.verdict == "VACUOUS" or (
            self.verdict == "ERROR" and self.check.verdict != "ERROR"
        ):
            return dict(self.control.measured)
        return dict(self.check.measured)

    def _repr_html_(self) -> str:
        from specproof.claims.display import result_html

        return result_html(self)

    def _repr_markdown_(self) -> str:
        from specproof.claims.display import result_markdown

        return result_markdown(self)

    def key_figure(self) -> str:
        """A short text for the summary table: the check's key measured quantity."""
        m = self.check.measured
        if not m:
            return ""
        name = self.check.key if self.check.key in m else next(iter(m))
        return f"{name}={_short(to_jsonable(m[name]))}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "paper": self.paper,
            "kind": self.kind,
            "statement": self.statement,
            "verdict": self.verdict,
            "reason": self.reason,
            "seed": self.seed,
            "profile": self.profile,
            "params": to_jsonable(self.params),
            "seed_entropy": self.seed_entropy,
            "seconds": round(self.seconds, 6),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "check": self.check.to_dict(),
            "control": {**self.control.to_dict(), "description": self.control_description},
            "figures": dict(self.figures),
        }

    def __repr__(self) -> str:
        return printable(f"ClaimResult(id={self.id!r}, verdict={self.verdict}, "
                         f"{self.key_figure()})")


# what each verdict requires of the record's own check and control outcomes
_REQUIRED = {"PASS": ("HOLDS", "FAILS"), "VACUOUS": ("HOLDS", "HOLDS"), "FAIL": ("FAILS", None)}


def record_verdict(rec: dict[str, Any]) -> tuple[str, str]:
    """The verdict and reason an ``evidence.json`` record supports: its own, or ERROR
    when its check and control outcomes contradict it (or it names no known verdict).

    The one rule for a record read back from a file, used by the report renderer, by
    ``--resume`` for the claims it keeps and by ``--last-failed`` for those it carries
    over: an edited ``"verdict": "PASS"`` beside a check that ``FAILS`` rendered as
    ERROR while the run's summary and exit status said PASS.

    Examples
    --------
    >>> record_verdict({"verdict": "PASS", "reason": "ok", "check": {"verdict": "HOLDS"},
    ...                 "control": {"verdict": "FAILS"}})
    ('PASS', 'ok')
    >>> v, why = record_verdict({"verdict": "PASS", "check": {"verdict": "FAILS"},
    ...                          "control": {"verdict": "FAILS"}})
    >>> v, why[:44]
    ('ERROR', 'the evidence record is inconsistent: it says')
    """
    verdict, reason = rec.get("verdict"), rec.get("reason", "")
    check, control = rec.get("check"), rec.get("control")
    got = tuple(side.get("verdict") if isinstance(side, dict) else None
                for side in (check, control))
    need = _REQUIRED.get(verdict) if isinstance(verdict, str) else None
    if verdict == "ERROR" or (need is not None and got[0] == need[0]
                              and (need[1] is None or got[1] == need[1])):
        return verdict, reason if isinstance(reason, str) else str(reason)
    said = printable(verdict if isinstance(verdict, str) else repr(verdict))
    if need is None:
        what = f"its verdict {said!r} is not one of {', '.join(VERDICTS)}"
    else:
        what = (f"it says {said}, but its check {printable(got[0] or 'is missing')} and its "
                f"control {printable(got[1] or 'is missing')}")
    return "ERROR", (f"the evidence record is inconsistent: {what}; the file was edited "
                     "or is corrupt: run `specproof verify` again, not with --resume")


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = big_int_text(value) if isinstance(value, int) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
