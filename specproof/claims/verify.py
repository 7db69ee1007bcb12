"""``specproof verify``: run the selected claims, show progress, write the report folder.

Results are written after every finished claim (``evidence.json`` and ``report.md``
with ``"complete": false``), so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from specproof._core import ArgumentError
from specproof.claims.claim import REGISTRY, Claim
from specproof.claims.report import write_report
from specproof.claims.run import OutputDirError, VerifyRun
from specproof.claims.runner import ClaimResult, run_claim
from specproof.claims.selection import import_user_modules


def prepare_output_dir(out: str | Path) -> Path:
    """Create ``out`` (and ``out/figures``) and prove it is writable, before any work.

    Examples
    --------
    >>> import tempfile, os
    >>> prepare_output_dir(os.path.join(tempfile.mkdtemp(), "r")).name
    'r'
    """
    path = Path(out)
    try:
        (path / "figures").mkdir(parents=True, exist_ok=True)
        probe = path / ".specproof-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise OutputDirError(f"--out {str(path)!r} is not a writable folder: {exc}") from exc
    return path


def _worker_init(modules: Sequence[str]) -> None:
    import_user_modules(modules)


def _worker_run(claim_id: str, profile: str, seed: int, out: str) -> ClaimResult:
    return run_claim(
        REGISTRY.get(claim_id),
        profile=profile,
        seed=seed,
        figure_dir=Path(out) / "figures",
        certificate_dir=Path(out) / "certificates",
    )


def _default_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def verify(
    claims: Sequence[Claim],
    out: str | Path,
    profile: str = "quick",
    seed: int = 0,
    jobs: int = 1,
    modules: Sequence[str] = (),
    progress: Callable[[str], None] | None = _default_progress,
) -> VerifyRun:
    """Run ``claims`` and write the report folder ``out``.

    Parameters
    ----------
    claims : sequence of Claim
        From :func:`specproof.claims.select_claims`.
    out : path
        Report folder; created if missing, checked for writability first.
    profile : {"quick", "paper"}
    seed : int
        Run seed recorded in the evidence.
    jobs : int
        Worker processes; 1 runs in this process.
    modules : sequence of str
        The modules that register ``claims`` (dotted names or ``.py`` paths), imported
        in each worker process so the workers know the same claims.
    progress : callable or None
        Receives one line per started and finished claim.

    Returns
    -------
    VerifyRun
        Results in the order of ``claims``; ``exit_code`` is what the CLI returns.

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
    path = prepare_output_dir(out)
    say = progress or (lambda line: None)
    run = VerifyRun(out=path, profile=profile, seed=seed)
    order = {c.id: i for i, c in enumerate(claims)}
    total = len(claims)
    start = time.perf_counter()

    def finished(result: ClaimResult) -> None:
        run.results.append(result)
        run.results.sort(key=lambda r: order[r.id])
        say(
            f"[{len(run.results)}/{total}] {result.verdict:<7} {result.id}  "
            f"{result.key_figure()}  ({result.seconds:.1f} s)"
        )
        run.seconds = time.perf_counter() - start
        write_report(run, complete=False, with_html=False)

    try:
        if jobs == 1 or total <= 1:
            for c in claims:
                say(f"running {c.id} ...")
                finished(_worker_run(c.id, profile, seed, str(path)))
        else:
            with ProcessPoolExecutor(
                max_workers=min(jobs, total, os.cpu_count() or 1),
                initializer=_worker_init,
                initargs=(tuple(modules),),
            ) as pool:
                pending = {
                    pool.submit(_worker_run, c.id, profile, seed, str(path)) for c in claims
                }
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            finished(fut.result())
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
    except KeyboardInterrupt:
        run.interrupted = True
        say(f"interrupted: {len(run.results)} of {total} claims finished; report keeps them")
    run.seconds = time.perf_counter() - start
    write_report(run, complete=not run.interrupted, with_html=True)
    return run
