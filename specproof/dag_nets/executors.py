"""Executors for sweeps: serial, a local process pool, or a Dask cluster.

Everything here yields a :class:`concurrent.futures.Executor` (or None for serial), so a
sweep never knows where its points run. Dask is an optional extra (``pip install
specproof[dask]``): ``distributed.Client(address).get_executor()`` is a
concurrent.futures executor whose futures work with :func:`concurrent.futures.as_completed`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager

from specproof._core import ArgumentError, SpecproofError, as_int
from specproof._core.threads import cores, start_worker, threads_per_worker

#: Worker processes per core beyond which ``jobs`` is refused: each worker loads numpy and
#: scipy, and hundreds of them only queued for the cores (``--jobs 200`` on two cores
#: did not finish starting them in 15 s).
JOBS_PER_CORE = 4


class MissingDependencyError(SpecproofError, ImportError):
    """An optional dependency that the requested feature needs is not installed."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            "a Dask scheduler needs the 'distributed' package: pip install 'specproof[dask]'"
        ) from None
    return distributed


def check_jobs(jobs: int, name: str = "jobs") -> int:
    """``jobs`` as an int from 1 to :data:`JOBS_PER_CORE` times the cores this process
    may use, else an :class:`~specproof.ArgumentError` naming ``name``.

    Examples
    --------
    >>> check_jobs(2)
    2
    >>> check_jobs(10**6, "--jobs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: --jobs 1000000 is more than ... worker processes ...
    """
    n = as_int(jobs, name, minimum=1)
    most = JOBS_PER_CORE * cores()
    if n > most:
        raise ArgumentError(f"{name} {n} is more than {most} worker processes "
                            f"({JOBS_PER_CORE} per core of the {cores()} this process may "
                            "use): more only wait for the cores")
    return n


def make_pool(jobs: int, threads: int | None) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes, each ignoring SIGINT (the parent decides what
    stops) and limited to ``threads`` BLAS/OpenMP threads (None: the libraries' own).

    Examples
    --------
    >>> pool = make_pool(2, 1)
    >>> pool.submit(pow, 2, 10).result()
    1024
    >>> pool.shutdown()
    """
    return ProcessPoolExecutor(max_workers=check_jobs(jobs),
                               initializer=start_worker, initargs=(threads,))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and terminate the workers now, without waiting for the points
    they run (after Ctrl-C: the finished points are already kept)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    # before 3.14 concurrent.futures has no public way to end running tasks; its worker
    # table is the only handle on them, and shutdown() drops it, so take it first
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=1.0)


@contextmanager
def open_executor(
    jobs: int | None = None, scheduler=None, timeout: float = 10.0,
    threads: int | None = None,
) -> Iterator[Executor | None]:
    """The executor for ``--jobs N`` or ``--scheduler ADDRESS``, closed on exit.

    Parameters
    ----------
    jobs : int, optional
        Worker processes on this machine (at most :data:`JOBS_PER_CORE` per core); 1 or
        None (with no scheduler) means serial and yields None.
    scheduler : str or distributed.Client, optional
        The address of a running Dask scheduler (``tcp://host:8786``), or a client.
        A client passed in is left open; one made here is closed on exit.
    timeout : float
        Seconds to wait for the scheduler before giving up with an error.
    threads : int, optional
        BLAS/OpenMP threads of each local worker process (default ``cores // jobs``).
        On Ctrl-C the local workers are terminated at once (their running points are
        lost; finished ones were taken already).

    Examples
    --------
    >>> with open_executor(jobs=1) as ex:
    ...     ex is None
    True
    """
    if jobs is not None and scheduler is not None:
        raise ArgumentError("give either jobs or scheduler, not both")
    if scheduler is not None:
        distributed = _distributed()
        if isinstance(scheduler, distributed.Client):
            yield scheduler.get_executor()
            return
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise ArgumentError(f"scheduler must be an address such as "
                                f"'tcp://127.0.0.1:8786', got {scheduler!r}")
        try:
            client = distributed.Client(scheduler, timeout=f"{float(timeout)}s")
        except OSError as exc:
            raise ArgumentError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") \
                from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    n = 1 if jobs is None else check_jobs(jobs)
    if n == 1:
        yield None
        return
    pool = make_pool(n, threads_per_worker(n, threads))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def local_dask_executor(workers: int = 1, processes: bool = False,
                        threads_per_worker: int = 1) -> Iterator[Executor]:
    """A throwaway Dask ``LocalCluster`` and its executor (tests and benchmarks).

    ``processes=False`` runs the workers as threads of this process (light, no pickling
    across processes); ``True`` runs real worker processes, as on a cluster.

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law, width_sweep
    >>> with local_dask_executor() as ex:  # doctest: +SKIP
    ...     width_sweep(demo_power_law, [16, 64], seeds=2, executor=ex, progress=False)
    """
    distributed = _distributed()
    workers = as_int(workers, "workers", minimum=1)
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        cluster.close()


def run_pending(executor, run_point, measure, pending, threads, finish, failed) -> None:
    """Run the ``pending`` points ``(width, seed, config, key)`` of a sweep on
    ``executor`` and hand each result to ``finish`` as it arrives (a failure, through
    ``failed``, ends it). On Ctrl-C nothing more is started and every point that finished
    meanwhile is still handed to ``finish``."""
    futures: dict[Future, tuple[int, int, dict, str]] = {}
    taken: set[Future] = set()
    try:
        for w, s, cfg, key in pending:
            futures[executor.submit(run_point, measure, cfg, s, threads)] = (w, s, cfg, key)
        waiting = set(futures)
        while waiting:
            # a bounded wait: the main thread wakes for Ctrl-C at least twice a second
            ready, waiting = wait(waiting, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in ready:
                taken.add(fut)
                w, s, cfg, key = futures[fut]
                try:
                    out = fut.result()
                except Exception as exc:
                    raise failed(w, s, exc) from exc
                finish(w, s, key, cfg, out)
    except BaseException as exc:
        # Ctrl-C, a failed point or a lost worker: nothing more is started
        for fut in futures:
            fut.cancel()
        if isinstance(exc, KeyboardInterrupt):
            keep_finished(futures, taken, finish)
        raise


def keep_finished(futures, taken, finish) -> None:
    """Record the points that finished but were not yet taken (keep every finished one)."""
    for fut, (w, s, cfg, key) in futures.items():
        if fut not in taken and fut.done() and not fut.cancelled():
            try:
                out = fut.result(timeout=0)
            except BaseException:  # noqa: BLE001 - a failed or lost point is simply not kept
                continue
            finish(w, s, key, cfg, out)
