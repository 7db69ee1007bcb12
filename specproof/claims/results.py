"""What running a claim produces: the :class:`Outcome` of its check and of its control,
and the :class:`ClaimResult` that combines them into a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specproof._core import to_jsonable
from specproof._core.jsonable import big_int_text, jsonable_head
from specproof._core.printable import printable
from specproof.claims.evidence import claim_seed

VERDICTS: tuple[str, ...] = ("PASS", "FAIL", "VACUOUS", "ERROR")
BAD_VERDICTS: frozenset[str] = frozenset({"FAIL", "VACUOUS", "ERROR"})


@dataclass(frozen=True)
class Outcome:
    """One run of a check or of its control.

    ``verdict`` is ``"HOLDS"``, ``"FAILS"``, ``"ERROR"`` or, for a control, ``"NOT RUN"``
    (the check raised, or no control is registered). ``snapshot`` is what the
    runner recorded when the check returned: ``(measured, table, their JSON forms)``;
    :meth:`to_dict` writes those JSON forms while ``measured`` and ``table`` are still
    the objects they were taken of (None: converted when written).
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
    snapshot: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def holds(self) -> bool:
        return self.verdict == "HOLDS"

    @property
    def traceback_lines(self) -> list[str]:
        """The traceback as a list of lines (empty when nothing raised)."""
        return (self.traceback or "").rstrip("\n").splitlines()

    def measured_json(self) -> Any:
        """``measured`` as ``evidence.json`` holds it (the snapshot taken when the run
        returned: a buffer the control wrote into later is not what the check measured)."""
        snap = self.snapshot
        if snap is not None and snap[0] is self.measured:
            return snap[2]
        return to_jsonable(self.measured)

    def table_json(self) -> Any:
        """``table`` as ``evidence.json`` holds it (see :meth:`measured_json`)."""
        snap = self.snapshot
        if snap is not None and snap[1] is self.table:
            return snap[3]
        return to_jsonable(self.table)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "measured": self.measured_json(),
            "expected": self.expected,
            "table": self.table_json(),
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
    # the data files the check and control read, {"path", "sha256"} (inputs.py)
    inputs: list[dict[str, str]] = field(default_factory=list)

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
        when the control decided it (VACUOUS, or an ERROR of the control); a check that
        holds with a NaN decides its ERROR itself
        (:func:`~specproof.claims.decide.deciding_side`)."""
        from specproof.claims.decide import deciding_side  # decide imports this module

        side = self.control if deciding_side(self) == "control" else self.check
        return dict(side.measured)

    def _repr_html_(self) -> str:
        from specproof.claims.display import result_html

        return result_html(self)

    def _repr_markdown_(self) -> str:
        from specproof.claims.display import result_markdown

        return result_markdown(self)

    def key_figure(self) -> str:
        """A short text for the summary table: the check's key measured quantity."""
        m = self.check.measured_json()
        if not m or not isinstance(m, dict):
            return ""
        name = self.check.key if self.check.key in m else next(iter(m))
        value = m[name]
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            # as the reports' summary: a FAIL of worst <= 1 with worst = 1.0000001 read
            # "worst=1" at 4 digits
            from specproof.claims.values import float_text

            return f"{name}={float_text(value, 4) if self.verdict == 'PASS' else repr(value)}"
        return f"{name}={_short(value)}"

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
            **({"inputs": [dict(r) for r in self.inputs]} if self.inputs else {}),
        }

    def __repr__(self) -> str:
        return printable(f"ClaimResult(id={self.id!r}, verdict={self.verdict}, "
                         f"{self.key_figure()})")


# what each verdict requires of the record's own check and control outcomes
_REQUIRED = {"PASS": ("HOLDS", "FAILS"), "VACUOUS": ("HOLDS", "HOLDS"), "FAIL": ("FAILS", None)}


def record_verdict(rec: dict[str, Any]) -> tuple[str, str]:
    """The verdict and reason an ``evidence.json`` record supports: its own, or ERROR
    when its check and control outcomes contradict it (or it names no known verdict), or
    when it would rest on a NaN (as the runner decides: a check that holds with a NaN in
    its measured values or table, a control that fails with one; stored as ``"NaN"`` or
    as a bare ``NaN``).

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
    >>> record_verdict({"verdict": "PASS", "check": {"verdict": "HOLDS", "measured":
    ...                 {"err": "NaN"}}, "control": {"verdict": "FAILS"}})[1][:48]
    "the check holds, but with NaN in measured['err']"
    """
    verdict, reason = rec.get("verdict"), rec.get("reason", "")
    check, control = rec.get("check"), rec.get("control")
    got = tuple(side.get("verdict") if isinstance(side, dict) else None
                for side in (check, control))
    need = _REQUIRED.get(verdict) if isinstance(verdict, str) else None
    if verdict == "ERROR" or (need is not None and got[0] == need[0]
                              and (need[1] is None or got[1] == need[1])):
        if verdict in ("PASS", "VACUOUS"):
            # the runner's NaN rule (a record edited to hold "NaN" was a PASS)
            from specproof.claims.decide import nan_reason, record_nan

            where = record_nan(check)
            if where:
                return "ERROR", nan_reason("check", where)
            where = record_nan(control) if verdict == "PASS" else None
            if where:
                return "ERROR", nan_reason("control", where)
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
    # a long list: its first 40 items already make more text than is shown
    text = big_int_text(value) if isinstance(value, int) else str(jsonable_head(value, 40))
    return text if len(text) <= 40 else text[:37] + "..."
