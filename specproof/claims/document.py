"""The report as one document model, built from an evidence document.

Every renderer (HTML, Markdown, LaTeX) reads the same :class:`ReportDocument`, built
from the content of ``evidence.json``: a live run and ``specproof report
evidence.json`` therefore render the same report, and the three formats say the same
things (claims, verdicts, reasons, parameters, measured values, tables, figures).
Claims that did not pass come first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from specproof._core.printable import printable_tree
from specproof.claims.display import format_value
from specproof.claims.markup import one_line
from specproof.claims.results import record_verdict
from specproof.claims.values import (
    MeasuredRow,
    float_text,
    is_number,
    measured_rows,
    plain_number,
)

VERDICT_ORDER = {"ERROR": 0, "FAIL": 1, "VACUOUS": 2, "PASS": 3}


@dataclass
class Figure:
    """One saved figure: ``figures/<stem>.pdf`` and ``.png``."""

    role: str  # "check" or "control"
    stem: str
    caption: str


@dataclass
class OutcomeView:
    """The check's or the control's outcome, values already formatted as text."""

    role: str
    verdict: str
    expected: str
    measured: list[tuple[str, Any]]  # raw values; each renderer formats them
    key: str | None
    error: str
    traceback: list[str]
    certificates: list[str]
    seconds: float


@dataclass
class ClaimSection:
    """Everything the report says about one claim."""

    id: str
    anchor: str
    paper: str
    paper_citation: str
    paper_url: str
    kind: str
    statement: str
    verdict: str
    reason: str
    profile: str
    seed: int
    seed_entropy: list[int]
    params: list[tuple[str, Any]]
    check: OutcomeView
    control: OutcomeView
    control_description: str
    key_figure: str
    table_columns: list[str]
    table_rows: list[list[Any]]
    figures: list[Figure]
    seconds: float
    cpu_seconds: float | None
    carried: bool = False
    resumed: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    rows: list[MeasuredRow] = field(default_factory=list)
    key_name: str | None = None
    key_value: Any = None
    paper_note: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS"

    @property
    def reason_sentence(self) -> str:
        """The reason as a sentence: capitalised, without a final full stop."""
        text = self.reason.rstrip(". ")
        return text[:1].upper() + text[1:]

    @property
    def short_id(self) -> str:
        """The id without its paper prefix (the summary groups claims by paper)."""
        prefix = self.paper + "."
        return self.id[len(prefix):] if self.id.startswith(prefix) else self.id


@dataclass
class ReportDocument:
    """A whole report: header facts, the claims (non-PASS first), the environment."""

    schema: str
    profile: str
    seed: int
    created: str
    complete: bool
    interrupted: bool
    seconds: float
    cpu_seconds: float | None
    summary: dict[str, int]
    claims: list[ClaimSection]
    versions: list[tuple[str, str]]
    platform: list[tuple[str, str]]
    command_line: str
    modules: list[dict[str, Any]]
    specproof_version: str
    extra: dict[str, Any] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        return "complete" if self.complete else "incomplete"

    @property
    def selected(self) -> int:
        """How many claims the run selected: those with a record and those not run."""
        return len(self.claims) + len(self.not_run)

    def papers(self) -> list[tuple[str, list[ClaimSection]]]:
        """The claims grouped by paper, papers in order of first appearance."""
        groups: dict[str, list[ClaimSection]] = {}
        for c in self.claims:
            groups.setdefault(c.paper, []).append(c)
        return list(groups.items())


def key_figure(record: dict[str, Any]) -> str:
    """``name=value`` for the check's key measured quantity (the summary-table cell).

    A float shows 4 significant digits on a PASS (more where 4 would read as a rounder
    number, :func:`~specproof.claims.values.float_text`), and in full (``repr``) on any
    other verdict: a FAIL of ``worst <= 1`` read ``worst=1``. An integer is exact.

    Examples
    --------
    >>> key_figure({"check": {"measured": {"a": 0.5, "b": 2}, "key": "b"}})
    'b=2'
    >>> key_figure({"verdict": "PASS", "check": {"measured": {"w": 1 / 3}}})
    'w=0.3333'
    >>> key_figure({"verdict": "FAIL", "check": {"measured": {"w": 1.0000001, "n": 1000001}}})
    'w=1.0000001'
    """
    check = record.get("check") or {}
    measured = check.get("measured") or {}
    if not measured or not isinstance(measured, dict):
        return ""
    name = check.get("key") if check.get("key") in measured else next(iter(measured))
    value = measured[name]
    if isinstance(value, float) and math.isfinite(value):
        text = float_text(value, 4) if record.get("verdict") == "PASS" else repr(value)
    elif is_number(value):
        text = plain_number(value)  # exact: 1000001 read 1e+06
    else:
        text = format_value(value, limit=40)
    return f"{one_line(name)}={text}"


def _safe_url(url: Any) -> str:
    """``url`` when it is an http(s) address (what :class:`Paper` accepts), else "".

    An evidence file rendered by `specproof report` may come from anywhere: a
    ``javascript:`` address in it became a clickable link.
    """
    ok = isinstance(url, str) and re.fullmatch(r"https?://[^\s<>\"'`]+", url)
    return url if ok else ""


def _float(value: Any) -> float:
    """A number of seconds from an evidence file (0 when it is none: a file rendered by
    `specproof report` may have been edited, and is not validated without jsonschema)."""
    try:
        out = float(value or 0.0)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return out if math.isfinite(out) else 0.0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def anchor_of(claim_id: str) -> str:
    r"""The HTML id and LaTeX label of a claim's section: ``claim-`` and its id, every
    character but ASCII letters, digits, ``_`` and ``-`` as ``-``.

    An id read from an edited evidence file went into ``\label{...}`` as it was
    (``}\input{/etc/passwd}``).

    Examples
    --------
    >>> anchor_of("zhu-dag.ntk"), anchor_of("x}\\input{y}")
    ('claim-zhu-dag-ntk', 'claim-x--input-y-')
    """
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]", "-", claim_id)


def _outcome(role: str, rec: dict[str, Any]) -> OutcomeView:
    return OutcomeView(
        role=role,
        verdict=_text(rec.get("verdict", "ERROR")),
        expected=_text(rec.get("expected", "")),
        measured=list((rec.get("measured") or {}).items()),
        key=rec.get("key"),
        error=_text(rec.get("error") or ""),
        traceback=_text(rec.get("traceback") or "").rstrip("\n").splitlines(),
        certificates=[_text(n) for n in rec.get("certificates") or []],
        seconds=_float(rec.get("seconds")),
    )


def _figures(rec: dict[str, Any], description: str) -> list[Figure]:
    figs = rec.get("figures") or {}
    out = []
    if "check" in figs:
        out.append(Figure("check", figs["check"], f"Check: {rec.get('statement', '')}"))
    if "control" in figs:
        out.append(Figure("control", figs["control"], f"Negative control: {description}"))
    return out


def _claim(rec: dict[str, Any], papers: dict[str, Any]) -> ClaimSection:
    table = [row for row in (rec.get("check", {}).get("table") or []) if isinstance(row, dict)]
    columns = list(dict.fromkeys(k for row in table for k in row))
    if not columns:
        # a table of empty rows ([{}]) has nothing to show; laid out, it crashed the
        # whole report (max() of no column)
        table = []
    cid = _text(rec.get("id", ""))
    paper = papers.get(rec.get("paper")) or {}
    citation = ", ".join(
        _text(x) for x in (paper.get("authors"), paper.get("title"), paper.get("venue")) if x
    )
    description = _text(rec.get("control", {}).get("description", ""))
    check, control = rec.get("check") or {}, rec.get("control") or {}
    labels = {**(control.get("labels") or {}), **(check.get("labels") or {})}
    measured = check.get("measured") or {}
    key = check.get("key") if check.get("key") in measured else next(iter(measured), None)
    return ClaimSection(
        id=cid,
        anchor=anchor_of(cid),
        paper=_text(rec.get("paper", "")),
        paper_citation=citation,
        paper_url=_safe_url(paper.get("url", "")),
        kind=_text(rec.get("kind", "")),
        statement=_text(rec.get("statement", "")),
        # shown only where the record's own outcomes support it (an edited PASS is ERROR)
        **dict(zip(("verdict", "reason"), record_verdict(rec))),
        profile=_text(rec.get("profile", "")),
        seed=rec.get("seed"),
        seed_entropy=list(rec.get("seed_entropy") or []),
        params=list((rec.get("params") or {}).items()),
        check=_outcome("check", check),
        control=_outcome("control", control),
        control_description=description,
        key_figure=key_figure(rec),
        table_columns=columns,
        table_rows=[[row.get(c, "") for c in columns] for row in table],
        figures=_figures(rec, description),
        seconds=_float(rec.get("seconds")),
        cpu_seconds=rec.get("cpu_seconds"),
        carried=bool(rec.get("carried_over")),
        resumed=bool(rec.get("resumed")),
        labels=labels,
        rows=measured_rows(measured, control.get("measured") or {}),
        key_name=key,
        key_value=measured.get(key) if key is not None else None,
        paper_note=_text(paper.get("note", "")),
    )


def _distinct_anchors(claims: list[ClaimSection]) -> list[ClaimSection]:
    # "col.a-b" and "col.a.b" both became "claim-col-a-b": two HTML ids and LaTeX labels
    # of one name, and the PASS claim's links led to the FAIL claim's section
    from dataclasses import replace

    seen: set[str] = set()
    out = []
    for c in claims:
        anchor, n = c.anchor, 2
        while anchor in seen:
            anchor, n = f"{c.anchor}-{n}", n + 1
        seen.add(anchor)
        out.append(c if anchor == c.anchor else replace(c, anchor=anchor))
    return out


def build_document(evidence: dict[str, Any]) -> ReportDocument:
    """The document model of an evidence document (schema version 1 or 2).

    Every text in it is :func:`~specproof._core.printable.printable` (control characters
    but newline and tab, and bidi overrides, written as escapes such as ``\\x1b``), and
    every verdict is one its record's outcomes support
    (:func:`~specproof.claims.results.record_verdict`).

    Examples
    --------
    >>> doc = build_document({"schema": "specproof.evidence/2", "seed": 0,
    ...     "profile": "quick", "complete": True, "claims": []})
    >>> doc.claims, doc.status
    ([], 'complete')
    """
    # every text it shows as printable: a measured value, an expected line or an error
    # holding ESC codes wrote them raw into report.md and report.html
    evidence = printable_tree(evidence, keep="\n\t")
    papers = evidence.get("papers") or {}
    claims = _distinct_anchors([_claim(rec, papers) for rec in evidence.get("claims", [])])
    claims.sort(key=lambda c: VERDICT_ORDER.get(c.verdict, 0))  # stable: run order kept
    env = evidence.get("environment") or {}
    versions = env.get("versions") or {
        "specproof": evidence.get("specproof_version"),
        "python": evidence.get("python"),
    }
    command = env.get("command_line")
    return ReportDocument(
        schema=evidence.get("schema", ""),
        profile=evidence.get("profile", ""),
        seed=evidence.get("seed", 0),
        created=evidence.get("created", ""),
        complete=bool(evidence.get("complete")),
        interrupted=bool(evidence.get("interrupted")),
        seconds=_float(evidence.get("seconds")),
        cpu_seconds=evidence.get("cpu_seconds"),
        # counted from the records, never copied from the file's own "summary": an edited
        # tally ("PASS": 99 beside one claim) was printed as the result
        summary={v: sum(c.verdict == v for c in claims)
                 for v in ("PASS", "FAIL", "VACUOUS", "ERROR")},
        claims=claims,
        versions=[(k, v or "not installed") for k, v in versions.items()],
        platform=[(k, str(v)) for k, v in (env.get("platform") or {}).items()],
        command_line=" ".join(command) if command else "",
        modules=list(env.get("modules") or []),
        specproof_version=evidence.get("specproof_version", ""),
        not_run=[str(x) for x in evidence.get("not_run") or []],
    )
