"""Where ``verify`` runs a claim: in this process, or in a pool of worker processes.

A worker imports the claim modules again and finds each claim by its id; in this process
the Claim object given to ``verify`` runs. Every run returns, beside the result, the
distributions and the user modules loaded by then (a helper that a check imports while
it runs is part of the code a later ``--resume`` compares).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError
from specproof._core.provenance import loaded_distributions
from specproof._core.threads import (
    die_with_parent,
    limit_threads,
    set_process_threads,
    threads_per_worker,
)
from specproof.claims.claim import REGISTRY, Claim
from specproof.claims.fingerprint import user_modules
from specproof.claims.runner import ClaimResult, error_result, run_claim
from specproof.claims.selection import import_user_modules


def worker_init(modules: Sequence[str], threads: int | None = None) -> None:
    # a forked worker inherits the command line's SIGTERM handler (SIGTERM as Ctrl-C in
    # the parent): terminate() must end it quietly, not raise KeyboardInterrupt there
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()  # a SIGKILLed verify left its workers waiting for ever
    set_process_threads(threads)
    import_user_modules(modules)


def worker_run(
    claim: Claim | str, profile: str, seed: int, out: str, in_worker: bool = True
) -> tuple[ClaimResult, list[str], float, list[dict[str, Any]]]:
    # a worker process receives the id (its modules registered the claim again there);
    # in this process the Claim object given to verify runs, whatever registry holds it
    cpu = time.process_time()
    result = run_claim(
        REGISTRY.get(claim) if isinstance(claim, str) else claim,
        profile=profile,
        seed=seed,
        figure_dir=Path(out) / "figures",
        certificate_dir=Path(out) / "certificates",
    )
    if in_worker:  # figure objects stay in the worker; the files carry them
        result = dataclasses.replace(
            result,
            check=dataclasses.replace(result.check, figure_object=None),
            control=dataclasses.replace(result.control, figure_object=None),
        )
    # the user modules loaded by now, those a check imported while it ran included:
    # what a later --resume compares with the files on the disk
    return result, loaded_distributions(), time.process_time() - cpu, user_modules()


def check_registered(claims: Sequence[Claim]) -> None:
    """Refuse, before the pool starts, claims its workers would not find by id."""
    for c in claims:
        if c.id not in REGISTRY or REGISTRY.get(c.id) is not c:
            raise ArgumentError(
                f"jobs > 1 runs claims in worker processes, which find each by its id in "
                f"specproof's registry, but claim {c.id!r} is not the one registered there "
                f"(a claim of another Registry?): run it with jobs=1, or register it in "
                f"the default registry from a module named in `modules`")


def run_pool(claims, profile, seed, staging, jobs, modules, shown, finished,
              threads=None) -> None:
    """Run ``claims`` in worker processes, ``jobs`` at a time.

    A worker that dies (SIGKILL from the out-of-memory killer, a crash in compiled code,
    ``os._exit``) breaks the whole pool: every claim then in flight fails alike, so
    each of them is rerun alone in a pool of one. The one that kills its worker again
    is recorded as ERROR; the others finish normally, and so does the rest of the queue.
    """
    queue = list(claims)
    suspects: list = []
    while queue or suspects:
        if suspects:
            c = suspects.pop(0)
            if pool_pass([c], 1, profile, seed, staging, modules, shown, finished,
                          threads):
                finished((worker_died(c, profile, seed), [], 0.0, []), True)
            continue
        workers = min(jobs, len(queue), os.cpu_count() or 1)
        suspects = pool_pass(queue, workers, profile, seed, staging, modules, shown,
                              finished, threads)


def worker_died(c: Claim, profile: str, seed: int) -> ClaimResult:
    return error_result(
        c, profile, seed,
        "its worker process died without an answer (killed by a signal, e.g. the "
        "out-of-memory killer's SIGKILL, a crash in compiled code, or os._exit); rerun it "
        "with --jobs 1 to see it happen in this process")


def pool_pass(queue, workers, profile, seed, staging, modules, shown, finished,
               threads) -> list:
    """Run claims from ``queue`` (consumed) in one pool; the claims in flight when a
    worker died, or [] when the pool ran the queue out."""
    initargs = (tuple(modules), threads_per_worker(workers, threads))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=worker_init, initargs=initargs
    ) as pool:
        # at most one claim per worker in flight: a submitted claim is a running claim,
        # so the display's elapsed times are true
        pending = {}
        try:
            while queue or pending:
                while queue and len(pending) < workers:
                    c = queue.pop(0)
                    shown.start(c.id)
                    fut = pool.submit(worker_run, c.id, profile, seed, str(staging))
                    pending[fut] = c
                done, _ = wait(set(pending), timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        item = fut.result()
                    except BrokenProcessPool:
                        # every future in flight fails with it: which claim killed its
                        # worker is unknown here, so all of them are suspects
                        return list(pending.values())
                    except Exception:  # noqa: BLE001 - the answer did not come back
                        # a result that cannot be pickled (a lambda among the profile's
                        # parameters, a measured value of a class made inside the check)
                        # ended the whole run as an internal error: the claim runs again
                        # here, where nothing has to be sent, as with --jobs 1
                        c = pending.pop(fut)
                        with limit_threads(threads):
                            item = worker_run(REGISTRY.get(c.id), profile, seed,
                                              str(staging), False)
                        finished(item, False)
                        continue
                    pending.pop(fut)
                    finished(item, True)
        except BaseException:
            # a running claim would otherwise finish first (SIGINT sent to this process
            # alone reaches no worker); what it wrote is pruned from the report. The
            # workers are taken before shutdown(), which forgets them
            workers_now = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers_now:
                proc.terminate()
            raise
    return []
