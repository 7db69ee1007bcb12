"""Resuming an interrupted ``verify``: the claims the interrupted run finished.

A run saves ``evidence.json`` after every finished claim, in its staging folder
(:mod:`specproof.claims.folder`). After Ctrl-C the staging folder becomes the report
(``"interrupted": true``); after SIGKILL it stays behind as a stale
``.<name>.partial-*`` folder. :func:`resume_point` finds the newer of the two, and
``verify(..., resume=True)`` keeps its finished claims (with their figures and
certificates) and runs only the rest.

Finished claims are kept only when the code is the code that ran them: the ``--module``
files, and the rest of :func:`code_fingerprint` (every user module the claims' modules
imported, specproof's version and, from a source checkout, its source files). A helper
module edited after the run once kept its stale PASS.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np  # noqa: F401 - used by the examples

from specproof._core import SpecproofError
from specproof.claims.fingerprint import changed_code, code_fingerprint  # noqa: F401
from specproof.claims.folder import DIGESTS_NAME, REPORT_MARKER, record_digest, stale_partials
from specproof.claims.inputs import changed_claim_inputs, changed_import_data, is_specproofs_own
from specproof.claims.parameters import current_params, params_change  # noqa: F401
from specproof.claims.report import EvidenceFileError, referenced_files
from specproof.claims.results import ClaimResult, Outcome, record_verdict


class ResumeError(SpecproofError, ValueError):
    """``--resume`` of a run made with another profile, seed or version of a module."""


_OUTCOME_FIELDS = ("verdict", "measured", "expected", "table", "key", "seconds",
                   "traceback", "figure", "error", "cpu_seconds", "labels")


def _outcome(rec: dict[str, Any]) -> Outcome:
    values = {k: rec[k] for k in _OUTCOME_FIELDS if k in rec}
    return Outcome(**values, certificates=tuple(rec.get("certificates") or ()))


def result_from_record(rec: dict[str, Any]) -> ClaimResult:
    """The :class:`ClaimResult` an ``evidence.json`` record was written from.

    ``result_from_record(r.to_dict()).to_dict() == r.to_dict()`` (figure objects,
    which no file holds, are None). The verdict is the one the record's own outcomes
    support (:func:`~specproof.claims.results.record_verdict`): a record edited to say
    PASS beside a check that FAILS comes back as an ERROR saying so, in the summary,
    the exit status and the reports alike.

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> r = run_claim("lin-sn-gan.homogeneity")
    >>> result_from_record(r.to_dict()).to_dict() == r.to_dict()
    True
    """
    control = dict(rec["control"])
    description = control.pop("description", "")
    verdict, reason = record_verdict(rec)
    return ClaimResult(
        id=rec["id"], paper=rec["paper"], kind=rec["kind"], statement=rec["statement"],
        verdict=verdict, reason=reason, seed=rec["seed"],
        profile=rec["profile"], params=dict(rec.get("params") or {}),
        check=_outcome(rec["check"]), control=_outcome(control),
        control_description=description, seconds=rec.get("seconds", 0.0),
        figures=dict(rec.get("figures") or {}), cpu_seconds=rec.get("cpu_seconds", 0.0),
        inputs=[dict(r) for r in rec.get("inputs") or ()],
    )


@dataclass
class ResumePoint:
    """The run being resumed: its folder, profile, seed and finished claims."""

    folder: Path
    profile: str
    seed: int
    records: list[dict[str, Any]] = field(default_factory=list)
    stale: bool = False  # a killed run's staging folder, not a committed report
    modules: list[dict[str, Any]] | None = None  # its --module files and their SHA-256
    fingerprint: dict[str, Any] | None = None  # its code_fingerprint()


def _read(folder: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / REPORT_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("claims"), list) else None


def resume_point(out: str | Path) -> ResumePoint | None:
    """The newest run written into the report folder ``out``; None when there is none.

    The candidates are a killed run's staging folder (newest first) and the report in
    ``out`` itself (an interrupted or a finished run); the newer evidence wins.

    Examples
    --------
    >>> import tempfile
    >>> resume_point(tempfile.mkdtemp()) is None
    True
    """
    out = Path(out).expanduser().absolute()
    candidates = [(p, True) for p in stale_partials(out)]
    if (out / REPORT_MARKER).is_file():
        candidates.append((out, False))
    best = None
    for folder, stale in candidates:
        doc = _read(folder)
        if doc is None:
            continue
        mtime = (folder / REPORT_MARKER).stat().st_mtime
        if best is None or mtime > best[0]:
            best = (mtime, point_of(doc, folder, stale))
    return None if best is None else best[1]


def unreadable_runs(out: str | Path) -> list[Path]:
    """The killed runs' folders of ``out`` (and ``out``) whose ``evidence.json`` exists but
    cannot be read: what :func:`resume_point` passes over (a truncated file was reported as
    "no earlier run")."""
    out = Path(out).expanduser().absolute()
    folders = [*stale_partials(out), out]
    return [f for f in folders if (f / REPORT_MARKER).is_file() and _read(f) is None]


def point_of(doc: dict[str, Any], folder: Path, stale: bool = False) -> ResumePoint:
    """The :class:`ResumePoint` of the evidence document ``doc`` read from ``folder``."""
    env = doc.get("environment")
    env = env if isinstance(env, dict) else {}
    modules, fingerprint = env.get("modules"), env.get("fingerprint")
    claims = doc.get("claims")
    return ResumePoint(folder, doc.get("profile"), doc.get("seed"),
                       claims if isinstance(claims, list) else [], stale,
                       modules if isinstance(modules, list) else None,
                       fingerprint if isinstance(fingerprint, dict) else None)


def changed_module(point: ResumePoint, modules: list[dict[str, Any]]) -> str | None:
    """The name of the first of ``modules`` (records ``{"name", "path", "sha256"}``, as
    the evidence holds them) whose SHA-256 differs from what ``point`` recorded for the
    same file; None when none does (or the run recorded none).

    Examples
    --------
    >>> old = ResumePoint(Path("r"), "quick", 0, modules=[
    ...     {"name": "m.py", "path": "/w/m.py", "sha256": "aa"}])
    >>> changed_module(old, [{"name": "./m.py", "path": "/w/m.py", "sha256": "bb"}])
    './m.py'
    >>> changed_module(old, [{"name": "m.py", "path": "/w/m.py", "sha256": "aa"}]) is None
    True
    """
    if point.modules is None:
        return None
    before = {}
    for rec in point.modules:
        if isinstance(rec, dict):
            before[rec.get("path") or rec.get("name")] = rec.get("sha256")
    for rec in modules:
        where = rec.get("path") or rec.get("name")
        if where in before and before[where] != rec.get("sha256"):
            return str(rec.get("name"))
    return None


def check_resumable(point: ResumePoint, profile: str, seed: int,
                    modules: list[dict[str, Any]] = (),
                    fingerprint: dict[str, Any] | None = None) -> None:
    """Refuse to resume ``point`` with another profile, seed or version of a module.

    Raises
    ------
    ResumeError
        The run being resumed used another profile or seed, one of ``modules``
        (module records, see :func:`changed_module`) has changed since, or something
        else of its code (``fingerprint``, see :func:`changed_code`): its finished
        claims would not be this run's results.
    """
    if point.profile != profile or point.seed != seed:
        raise ResumeError(
            f"--resume: the run in {str(point.folder)!r} used --profile {point.profile} "
            f"--seed {point.seed}, this one asks --profile {profile} --seed {seed}; "
            "resume with the same profile and seed, or drop --resume to start afresh"
        )
    before = {(rec.get("path") or rec.get("name")) for rec in point.modules or []
              if isinstance(rec, dict)}
    now = {(rec.get("path") or rec.get("name")) for rec in modules}
    if point.modules is not None and before != now:
        # a module moved or renamed (or one added or dropped) was never compared: the
        # claims of claims_v1.py were kept as the results of claims_v2.py
        raise ResumeError(
            f"--resume: the run in {str(point.folder)!r} used the --module files "
            f"{sorted(map(str, before)) or 'none'}, this one {sorted(map(str, now)) or 'none'}; "
            "its finished claims are not this code's results: resume with the same "
            "--module files, or rerun without --resume")
    changed = changed_module(point, list(modules))
    if changed is not None:
        raise ResumeError(
            f"--resume: --module {changed!r} changed since the run in "
            f"{str(point.folder)!r} (its SHA-256 differs), so the claims that run had "
            "finished are not this code's results; rerun without --resume"
        )
    if fingerprint is not None and point.fingerprint is None:
        # changed_code has nothing to compare: an evidence.json without its fingerprint
        # (edited, or of another version) was resumed silently
        raise ResumeError(
            f"--resume: the run in {str(point.folder)!r} records no code fingerprint "
            "(environment.fingerprint), so its finished claims cannot be matched to this "
            "code; rerun without --resume")
    changed = changed_code(point.fingerprint, fingerprint)
    if changed is not None:
        what, why = changed
        raise ResumeError(
            f"--resume: {what} changed since the run in {str(point.folder)!r} ({why}), so "
            "the claims that run had finished are not this code's results; rerun without "
            "--resume")


def finished_results(
    point: ResumePoint, wanted: set[str], profile: str, seed: int,
    modules: list[dict[str, Any]] = (), fingerprint: dict[str, Any] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> list[ClaimResult]:
    """The finished claims of ``point`` among ``wanted``, after
    :func:`check_resumable` (profile, seed, the SHA-256 of each of ``modules`` and the
    ``fingerprint`` of the code), those whose parameters differ from ``params`` left out
    (:func:`kept_records`).

    Raises
    ------
    ResumeError
        The run being resumed used another profile or seed, or a module has changed
        since: its numbers would not be this run's.
    """
    check_resumable(point, profile, seed, modules, fingerprint)
    left_out = sorted(set(record_ids(point)) - set(wanted))
    if left_out:
        # the new report replaces the folder: finished claims outside this selection would
        # be deleted without a word ("0 of 1 claims finished there and are kept")
        more = f" and {len(left_out) - 3} more" if len(left_out) > 3 else ""
        raise ResumeError(
            f"--resume: the run in {str(point.folder)!r} finished {', '.join(left_out[:3])}"
            f"{more}, which this selection leaves out; their results would be lost: resume "
            "with the same --paper/--only/--module selection, or write to another --out")
    return kept_records(point, wanted, params, seed=seed, profile=profile)[0]


def record_ids(point: ResumePoint) -> list[str]:
    """The claim ids of ``point``'s records that are strings (an edited id of another
    type, ``["a"]`` or ``5``, ended ``--resume`` in a traceback)."""
    return [r["id"] for r in point.records
            if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _record_problem(rec: dict[str, Any]) -> str | None:
    """Why a record does not follow the evidence schema (None if it does, or without
    jsonschema): ``"seconds": null`` passed the digest (a version that wrote it) and then
    ended the run in a traceback."""
    try:
        import jsonschema
    except ImportError:
        return None
    from specproof.claims.report import evidence_schema

    full = evidence_schema()
    try:
        jsonschema.validate(rec, {"$defs": full["$defs"], "$ref": "#/$defs/claim"})
    except jsonschema.ValidationError as exc:
        return exc.message
    return None


def kept_records(point: ResumePoint, wanted: set[str],
                 params: dict[str, dict[str, Any]] | None = None,
                 seed: int | None = None, profile: str | None = None,
                 ) -> tuple[list[ClaimResult], dict[str, str]]:
    """``(kept, again)``: the finished claims of ``point`` among ``wanted`` that are kept,
    and why each other finished one runs again (by claim id).

    A record is kept when this version reads it, it is unchanged since it was written
    (its SHA-256 is among those the run wrote beside the evidence, ``evidence.digests.json``:
    an edited measured value was kept beside its verdict), its figure and certificate
    files are there (a deleted figure left ``report.tex`` including a missing file), and
    its parameters are the claim's now (``params``, claim id -> the profile's parameters;
    a profile read from a file that changed kept its stale verdict), it ran with this
    ``seed`` and ``profile`` (the run's own seed, edited, kept a record of seed 5 in a
    seed-0 report), it follows the evidence schema, and its claim appears once.
    """
    digests = _digests(point.folder)
    kept: list[ClaimResult] = []
    again: dict[str, str] = {}
    ids = record_ids(point)
    data_changed = changed_claim_inputs(point.records)
    first = next(iter(data_changed.items()), None)
    imported = changed_import_data(point.fingerprint)
    for rec in point.records:
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) \
                or rec["id"] not in wanted:
            continue
        cid = rec["id"]
        if ids.count(cid) > 1:
            # a duplicated record (same bytes, so its digest matched) was kept twice
            again[cid] = "it has more than one record there"
            continue
        ran = {"seed": rec.get("seed"), "profile": rec.get("profile")}
        other = [f"{k} {ran[k]!r}" for k, now in (("seed", seed), ("profile", profile))
                 if now is not None and ran[k] != now]
        if other:
            again[cid] = f"it ran with {' and '.join(other)} there"
            continue
        problem = _record_problem(rec)
        if problem is not None:
            again[cid] = f"its record cannot be read by this version ({problem})"
            continue
        changed = None if params is None or cid not in params else \
            params_change(rec.get("params"), params[cid])
        if changed is not None:
            again[cid] = changed
            continue
        if digests is None:
            again[cid] = f"no readable {DIGESTS_NAME} to show it is unchanged"
            continue
        if record_digest(rec) not in digests:
            again[cid] = "its record was changed since it was written"
            continue
        try:
            files = referenced_files({"claims": [rec]})
        except EvidenceFileError:
            again[cid] = "it names a file outside the report's own"
            continue
        try:
            result = result_from_record(rec)
        except (KeyError, TypeError, ValueError):
            again[cid] = "its record cannot be read by this version"
            continue
        missing = [f for f in files if not (point.folder / f).is_file()]
        if missing:
            again[cid] = f"its file {missing[0]!r} is missing"
            continue
        if cid in data_changed:
            # a data file the check loads itself, edited since: the verdict was on the
            # old contents
            again[cid] = data_changed[cid]
            continue
        if imported is not None and not is_specproofs_own(cid):
            # DATA = json.load(...) at a module's top: any of its claims may use it
            again[cid] = imported
            continue
        if first is not None and not is_specproofs_own(cid):
            # one claim's file may feed another through a cache (functools.lru_cache):
            # only the claim that opened it recorded it
            again[cid] = (f"{first[0]} read a data file that changed, and a file one claim "
                          "reads may serve others through a cache, so every claim of the "
                          f"user's modules runs again ({first[1]})")
            continue
        kept.append(result)
    return kept, again


def _digests(folder: Path) -> set[str] | None:
    try:
        doc = json.loads((folder / DIGESTS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sha = doc.get("sha256") if isinstance(doc, dict) else None
    return {d for d in sha if isinstance(d, str)} if isinstance(sha, list) else None


def copy_files(source: Path, dest: Path, relative: list[str]) -> None:
    """Copy the report files ``relative`` (paths under ``source``) that exist to ``dest``."""
    for rel in relative:
        if (source / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, dest / rel)


def prune_unreferenced(folder: Path, keep: list[str]) -> list[str]:
    """Remove the figure and certificate files under ``folder`` not in ``keep``.

    What a claim that did not finish wrote (its check's figure, say) must not end up
    in the report beside claims that did. Returns the removed paths (relative).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()); (f / "figures").mkdir()
    >>> _ = (f / "figures" / "a.png").write_text("x"); _ = (f / "figures" / "b.png").write_text("x")
    >>> prune_unreferenced(f, ["figures/a.png"])
    ['figures/b.png']
    """
    keep_set = set(keep)
    removed = []
    for sub in ("figures", "certificates"):
        root = folder / sub
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in keep_set:
                path.unlink()
                removed.append(rel)
    return removed
