"""``specproof verify``: run the selected claims, show progress, write the report folder.

The folder is written as a temporary sibling and renamed over ``out`` at the end (see
:mod:`specproof.claims.folder`): a rerun leaves no stale file, and a run whose claim
selection fails creates nothing. Results are written into the staging folder after
every finished claim (``evidence.json`` and ``report.md`` with ``"complete": false``),
and an interrupted run still puts what it finished in place (and nothing of the claims
it did not finish). ``resume=True`` continues an interrupted or killed run
(:mod:`specproof.claims.resume`).
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError
from specproof._core.threads import limit_threads
from specproof.claims.claim import Claim
from specproof.claims.fingerprint import add_loaded_modules, outside_fingerprint
from specproof.claims.folder import ReportFolder, check_output_dir
from specproof.claims.progress import make_progress
from specproof.claims.registry import REGISTRY
from specproof.claims.report import module_record, referenced_files, write_report
from specproof.claims.results import record_verdict
from specproof.claims.resume import (
    ResumeError,
    check_resumable,
    code_fingerprint,
    copy_files,
    current_params,
    finished_results,
    kept_records,
    point_of,
    prune_unreferenced,
    record_ids,
    resume_point,
)
from specproof.claims.run import VerifyRun
from specproof.claims.runner import ClaimResult
from specproof.claims.workers import check_registered, run_pool, worker_run


@dataclasses.dataclass
class RecordedRun(VerifyRun):
    """A :class:`VerifyRun` that also holds the fingerprint of the code it ran
    (:func:`~specproof.claims.resume.code_fingerprint`), recorded in the evidence."""

    fingerprint: dict[str, Any] | None = None


def prepare_output_dir(out: str | Path) -> Path:
    """Check that ``out`` can become a report folder, before any work; create nothing.

    Examples
    --------
    >>> import tempfile, os
    >>> base = tempfile.mkdtemp()
    >>> prepare_output_dir(os.path.join(base, "r")).name, os.listdir(base)
    ('r', [])
    """
    return check_output_dir(out)


def verify(
    claims: Sequence[Claim],
    out: str | Path,
    profile: str = "quick",
    seed: int = 0,
    jobs: int = 1,
    threads: int | None = None,
    modules: Sequence[str] = (),
    progress: Any = "auto",
    record_modules: Sequence[str] | None = None,
    command_line: Sequence[str] | None = None,
    keep_previous: bool = False,
    resume: bool = False,
    fingerprint: dict[str, Any] | None = None,
    selection: Sequence[str] | None = None,
) -> VerifyRun:
    """Run ``claims`` and write the report folder ``out``.

    Parameters
    ----------
    claims : sequence of Claim
        From :func:`specproof.claims.select_claims`.
    out : path
        Report folder: missing, empty or an earlier report, which is replaced as a whole.
    profile : {"quick", "paper"}
    seed : int
        Run seed recorded in the evidence.
    jobs : int
        Worker processes; 1 runs in this process.
    threads : int, optional
        BLAS/OpenMP threads per claim (each worker's; default ``cores // jobs`` under
        ``jobs > 1``, the libraries' own when serial).
    modules : sequence of str
        The modules that register ``claims`` (dotted names or ``.py`` paths), imported
        in each worker process so the workers know the same claims.
    progress : "auto", callable, Progress or None
        ``"auto"``: a live display of the running claims on a terminal (stderr), plain
        finished lines otherwise; a callable receives the plain lines; None is silent.
    record_modules : sequence of str, optional
        The user's claim modules to record in the evidence with their SHA-256
        (default: ``modules``).
    command_line : sequence of str, optional
        The command line to record (default: ``sys.argv``).
    keep_previous : bool
        Carry over, from the report already in ``out``, the records (with their figures
        and certificates) of the claims this run does not rerun, marked
        ``"carried_over": true``; only when that run used the same profile and seed
        (``--last-failed`` uses it, so the report stays whole), and refused
        (:class:`~specproof.claims.resume.ResumeError`) when its code differs, as for
        ``resume``. ``selection`` (claim ids) limits what is carried to the claims the
        report covers (default: every record of a readable claim id).
    resume : bool
        Continue the run interrupted (Ctrl-C) or killed (SIGKILL) in ``out``: the
        claims of ``claims`` it finished are kept with their files, the rest run
        (``run.resumed`` names the kept ones). The run must have used the same
        ``profile`` and ``seed``, the SHA-256 of each of ``record_modules`` must be the
        one it recorded, and so must the rest of ``fingerprint``
        (:class:`~specproof.claims.resume.ResumeError`). The kept claims are marked
        ``"resumed": true`` in the evidence and the reports.
    fingerprint : dict, optional
        The code this run runs (:func:`~specproof.claims.resume.code_fingerprint`:
        specproof's version and source, the user modules loaded); taken now by default,
        after the claim modules were imported. Recorded in the evidence.

    Returns
    -------
    VerifyRun
        Results in the order of ``claims``; ``exit_code`` is what the CLI returns
        (130 when interrupted).

    Examples
    --------
    >>> import tempfile
    >>> from specproof.claims import select_claims
    >>> from specproof.theory import load_builtin_claims
    >>> load_builtin_claims()
    >>> run = verify(select_claims(only=["lin-sn-gan.homogeneity"]), tempfile.mkdtemp(),
    ...              progress=None)
    >>> run.exit_code, run.results[0].verdict
    (0, 'PASS')
    """
    if profile not in ("quick", "paper"):
        raise ArgumentError(f"profile must be 'quick' or 'paper', got {profile!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ArgumentError(f"jobs must be a positive int, got {jobs!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative int, got {seed!r}")
    folder = ReportFolder(out)
    total = len(claims)
    recorded = list(modules if record_modules is None else record_modules)
    # hashed once, now: what a resume compares with, and what the evidence records
    module_records = [module_record(m) for m in recorded]
    # the helpers those modules import and specproof itself: a verdict depends on them too
    fingerprint = code_fingerprint() if fingerprint is None else fingerprint
    point = resume_point(folder.out) if resume else None
    kept = [] if point is None else finished_results(point, {c.id for c in claims},
                                                     profile, seed, module_records,
                                                     fingerprint, current_params(claims, profile))
    # a claim whose code no fingerprint covers (a notebook cell) runs again: its record
    # cannot be matched to its code
    kept = [r for r in kept if _unmatched(r.id, claims, fingerprint) is None]
    if keep_previous:  # before anything is created: nothing is carried from other code
        _check_carry_over(folder.out, profile, seed, module_records, fingerprint)
        named = {c.id for c in claims}
        claims = list(claims) + [REGISTRY.get(cid) for cid in (selection or ())
                                 if cid not in named and cid in REGISTRY
                                 and _unmatched(cid, [REGISTRY.get(cid)], fingerprint)]
        total = len(claims)
    kept_ids = {r.id for r in kept}
    to_run = [c for c in claims if c.id not in kept_ids]
    run = RecordedRun(
        out=folder.out,
        profile=profile,
        seed=seed,
        modules=recorded,
        command_line=list(sys.argv if command_line is None else command_line),
        selected=[c.id for c in claims],
        module_records=module_records,
        fingerprint=fingerprint,
    )
    staging = folder.open()
    order = {c.id: i for i, c in enumerate(claims)}
    if kept:
        copy_files(point.folder, staging, referenced_files({"claims": [r.to_dict() for r in kept]}))
        run.results = sorted(kept, key=lambda r: order[r.id])
        run.resumed = [r.id for r in run.results]
        # saved at once: a run killed before its next claim finishes still holds them
        write_report(run, complete=False, with_html=False, folder=staging)
    if keep_previous:
        run.carried = _carry_over(folder.out, staging, {c.id for c in claims}, profile, seed,
                                  None if selection is None else set(selection))
    start = time.perf_counter()
    cpu_start = time.process_time()
    worker_cpu = 0.0
    shown = make_progress(progress, total=total)

    def finished(item: tuple[ClaimResult, list[str], float, list[dict[str, Any]]],
                 in_worker: bool) -> None:
        nonlocal worker_cpu
        result, dists, cpu, loaded = item
        run.distributions.update(dists)
        add_loaded_modules(run.fingerprint, loaded)
        if in_worker:
            worker_cpu += cpu
        run.results.append(result)
        run.results.sort(key=lambda r: order[r.id])
        shown.finish(result, len(run.results), total)
        run.seconds = time.perf_counter() - start
        run.cpu_seconds = time.process_time() - cpu_start + worker_cpu
        write_report(run, complete=False, with_html=False, folder=staging)

    restore_sigint = None
    try:
        try:
            with shown:
                try:
                    if jobs == 1 or len(to_run) <= 1:
                        for c in to_run:
                            shown.start(c.id)
                            with limit_threads(threads):
                                item = worker_run(c, profile, seed, str(staging), False)
                            finished(item, False)
                    else:
                        check_registered(to_run)
                        run_pool(to_run, profile, seed, staging, jobs, modules, shown,
                                  finished, threads)
                except KeyboardInterrupt:
                    run.interrupted = True
                    # a second Ctrl-C while the report is written left it in the staging
                    # folder, after the line below had named --out (and a traceback from
                    # a finalizer): the writing, a second or two, is not interrupted
                    restore_sigint = _hold_sigint()
            if restore_sigint is None:
                # every claim finished: the report is written and put in place whole, a
                # signal now would leave it half committed
                restore_sigint = _hold_sigint()
            run.seconds = time.perf_counter() - start
            run.cpu_seconds = time.process_time() - cpu_start + worker_cpu
            # the files of a claim that did not finish (a check's figure) are not the
            # report's
            records = [r.to_dict() for r in run.results] + run.carried
            prune_unreferenced(staging, referenced_files({"claims": records}))
            write_report(run, complete=not run.interrupted, with_html=True, folder=staging)
        except KeyboardInterrupt:
            folder.abandon()  # a second Ctrl-C: the staging folder stays for --resume
            raise
        except BaseException:
            if run.results:
                # finished claims are not lost to one crash: the staging folder stays for
                # --resume, as after a second Ctrl-C
                folder.abandon()
                print(f"specproof verify: the run stopped on an error; the {len(run.results)} "
                      f"claims finished are kept, `--resume` continues it", file=sys.stderr)
            else:
                folder.discard()
            raise
        folder.commit()
    finally:
        # Ctrl-C, ignored from the first interruption on, counts again once the report is
        # in place (or the run has failed)
        if restore_sigint is not None:
            restore_sigint()
    if run.interrupted:
        print(f"interrupted: {len(run.results)} of {total} claims finished and are kept in "
              f"{str(folder.out)!r}; --resume runs the other {total - len(run.results)}",
              file=sys.stderr)
    return run


def _unmatched(cid: str, claims: Sequence[Claim], fingerprint: dict[str, Any]) -> str | None:
    """Where claim ``cid`` (one of ``claims``) has code no part of ``fingerprint``
    covers, or None."""
    c = next((c for c in claims if c.id == cid), None)
    return None if c is None else outside_fingerprint((c.check, c.control_check), fingerprint)


def _hold_sigint() -> Any:
    """Ignore Ctrl-C and SIGTERM from now on; return what restores them (None off the
    main thread). SIGTERM too: one during the final write left the previous run's report
    in --out and the finished one in the staging folder."""
    if threading.current_thread() is not threading.main_thread():
        return None
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, previous in held.items():
            signal.signal(sig, previous)

    return restore


def _check_carry_over(out: Path, profile: str, seed: int, modules: list, fingerprint) -> None:
    """Refuse to carry over the records of a run of the same profile and seed whose
    code (a ``--module`` file, a helper it imports, specproof) has changed since: its
    verdicts are not this code's."""
    import json

    try:
        doc = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(doc, dict) or doc.get("profile") != profile or doc.get("seed") != seed:
        return  # nothing is carried over then
    try:
        check_resumable(point_of(doc, out), profile, seed, modules, fingerprint)
    except ResumeError as exc:
        raise ResumeError(str(exc).replace("--resume", "--last-failed")) from None


def _carry_over(out: Path, staging: Path, rerun: set[str], profile: str, seed: int,
                known: set[str] | None = None) -> list:
    """The previous report's records of the claims not rerun, their files copied: only
    of claims in ``known`` (the selection; a claim since removed from its module was
    carried as a PASS) and only records that ``kept_records`` keeps (unchanged since
    written, by their digest, of this seed and profile, readable; an edited measured
    value was carried beside its PASS)."""
    import json

    try:
        doc = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict) or doc.get("profile") != profile or doc.get("seed") != seed:
        return []  # numbers from another profile or seed would not be this run's
    point = point_of(doc, out)
    ids = set(record_ids(point)) if known is None else set(known)
    kept_ids = {r.id for r in kept_records(point, ids - set(rerun), None, seed=seed,
                                           profile=profile)[0]}
    # each with the verdict its outcomes support: an edited PASS is carried as ERROR
    kept = [dict(rec, carried_over=True, **dict(zip(("verdict", "reason"), record_verdict(rec))))
            for rec in doc.get("claims", [])
            if isinstance(rec, dict) and rec.get("id") in kept_ids]
    copy_files(out, staging, referenced_files({"claims": kept}))
    return kept

