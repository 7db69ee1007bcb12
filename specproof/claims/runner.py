"""Running claims: check, negative control, verdict.

Verdicts
--------
PASS     the check holds and the control does not;
FAIL     the check does not hold;
VACUOUS  the check holds and so does the control: the check cannot tell true from false;
ERROR    the check or the control raised (traceback kept), or no control is registered.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specproof._core import to_jsonable
from specproof.claims.claim import Claim
from specproof.claims.evidence import Context, Evidence

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

    @property
    def holds(self) -> bool:
        return self.verdict == "HOLDS"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "measured": to_jsonable(self.measured),
            "expected": self.expected,
            "table": to_jsonable(self.table),
            "key": self.key,
            "seconds": round(self.seconds, 6),
            "traceback": self.traceback,
            "figure": self.figure,
            "certificates": list(self.certificates),
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

    @property
    def ok(self) -> bool:
        return self.verdict == "PASS"

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
            "seconds": round(self.seconds, 6),
            "check": self.check.to_dict(),
            "control": {**self.control.to_dict(), "description": self.control_description},
            "figures": dict(self.figures),
        }

    def __repr__(self) -> str:
        return f"ClaimResult(id={self.id!r}, verdict={self.verdict}, {self.key_figure()})"


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _run_one(
    fn,
    ctx: Context,
    params: dict[str, Any],
    figure_stem: Path | None,
    certificate_stem: Path | None = None,
) -> Outcome:
    start = time.perf_counter()
    try:
        ev = fn(ctx, **params)
        if not isinstance(ev, Evidence):
            raise TypeError(
                f"a check must return Evidence (use ctx.evidence(...)), got {type(ev).__name__}"
            )
    except Exception:
        return Outcome(
            verdict="ERROR",
            seconds=time.perf_counter() - start,
            traceback=traceback.format_exc(),
        )
    seconds = time.perf_counter() - start
    figure_path = None
    if ev.figure is not None:
        figure_path = _save_figure(ev.figure, figure_stem)
    saved = _save_certificates(ev.certificates, certificate_stem)
    return Outcome(
        verdict="HOLDS" if ev.holds else "FAILS",
        measured=ev.measured,
        expected=ev.expected,
        table=ev.table,
        key=ev.key,
        seconds=seconds,
        figure=figure_path,
        certificates=saved,
    )


def _save_certificates(docs: dict[str, Any], stem: Path | None) -> tuple[str, ...]:
    if stem is None or not docs:
        return ()
    stem.parent.mkdir(parents=True, exist_ok=True)
    names = []
    for name, doc in docs.items():
        path = stem.with_name(f"{stem.name}.{name}.json")
        text = doc if isinstance(doc, str) else json.dumps(to_jsonable(doc), indent=1)
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        names.append(path.name)
    return tuple(names)


def _save_figure(fig, stem: Path | None) -> str | None:
    import matplotlib.pyplot as plt

    try:
        if stem is None:
            return None
        from specproof.plotting import save_figure

        save_figure(fig, stem)
        return stem.name
    finally:
        plt.close(fig)


def verdict_of(check: Outcome, control: Outcome, has_control: bool) -> tuple[str, str]:
    """Combine the two outcomes into the claim's verdict and a one-line reason."""
    if check.verdict == "ERROR":
        return "ERROR", "the check raised an exception"
    if not has_control:
        return "ERROR", "no negative control is registered, so the check cannot be shown to fail"
    if control.verdict == "ERROR":
        return "ERROR", "the negative control raised an exception"
    if not check.holds:
        return "FAIL", "the check does not hold"
    if control.holds:
        return "VACUOUS", "the negative control holds too: the check cannot tell true from false"
    return "PASS", "the check holds and the negative control fails"


def run_claim(
    c: Claim,
    profile: str = "quick",
    seed: int = 0,
    figure_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    certificate_dir: str | Path | None = None,
) -> ClaimResult:
    """Run one claim's check and negative control and return its verdict.

    Parameters
    ----------
    c : Claim
        The claim (see :func:`specproof.theory.get_claim`).
    profile : {"quick", "paper"}
        Which parameter set to run.
    seed : int
        Run seed; the check and the control each get a generator seeded from it and
        the claim id, so the same seed gives the same numbers.
    figure_dir : path, optional
        Where figures are saved as ``<claim-id>.pdf/.png`` (control figures as
        ``<claim-id>.control.*``); figures are discarded when None.
    certificate_dir : path, optional
        Where the evidence's certificates are written as ``<claim-id>.<name>.json``
        (the control's as ``<claim-id>.control.<name>.json``); not written when None.
    overrides : dict, optional
        Parameters replacing the profile's.

    Examples
    --------
    >>> from specproof.theory import get_claim, load_builtin_claims
    >>> load_builtin_claims()
    >>> run_claim(get_claim("lin-sn-gan.homogeneity"), seed=0).verdict
    'PASS'
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    params = c.params(profile)
    params.update(overrides or {})
    fig_dir = Path(figure_dir) if figure_dir is not None else None
    cert_dir = Path(certificate_dir) if certificate_dir is not None else None
    start = time.perf_counter()
    check = _run_one(
        c.check,
        Context(seed=seed, profile=profile, claim_id=c.id),
        params,
        fig_dir / c.id if fig_dir else None,
        cert_dir / c.id if cert_dir else None,
    )
    has_control = c.control_check is not None
    if has_control and check.verdict != "ERROR":
        control = _run_one(
            c.control_check,
            Context(seed=seed, profile=profile, claim_id=c.id),
            params,
            fig_dir / f"{c.id}.control" if fig_dir else None,
            cert_dir / f"{c.id}.control" if cert_dir else None,
        )
    else:
        why = "not run: the check raised" if has_control else "no control registered"
        control = Outcome(verdict="ERROR", expected=why)
    verdict, reason = verdict_of(check, control, has_control)
    figures = {}
    if check.figure:
        figures["check"] = check.figure
    if control.figure:
        figures["control"] = control.figure
    return ClaimResult(
        id=c.id,
        paper=c.paper,
        kind=c.kind,
        statement=c.statement,
        verdict=verdict,
        reason=reason,
        seed=seed,
        profile=profile,
        params=params,
        check=check,
        control=control,
        control_description=c.control_description,
        seconds=time.perf_counter() - start,
        figures=figures,
    )
