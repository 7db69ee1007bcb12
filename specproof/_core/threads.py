"""BLAS and OpenMP thread limits for worker processes and for a user on a shared machine.

Two BLAS threads per process on a busy 2-core machine made the empirical NTK 4–8 times
slower than one (docs/dag_nets.md, Threads), and under ``--jobs N`` every worker process
starts with every core's worth of threads. The limits are set with ``threadpoolctl`` (the
library scikit-learn uses) on the libraries already loaded, at run time, not through
environment variables read at import.

Examples
--------
>>> threads_per_worker(2, cores=16)
8
>>> threads_per_worker(32, cores=16)
1
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from specproof._core.conversions import as_int

#: The limiters set by :func:`set_process_threads`, held so that they can be undone
#: (``restore_original_limits``) by whoever set them.
_PROCESS_LIMITS: list = []


def cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one).

    Examples
    --------
    >>> cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def threads_per_worker(jobs: int, threads: int | None = None, cores: int | None = None) -> int:
    """BLAS threads for each of ``jobs`` worker processes: ``threads`` if given, else
    ``cores // jobs`` (at least 1).

    Examples
    --------
    >>> threads_per_worker(3, cores=8), threads_per_worker(2, threads=4, cores=8)
    (2, 4)
    """
    jobs = as_int(jobs, "jobs", minimum=1)
    if threads is not None:
        return as_int(threads, "threads", minimum=1)
    n = globals()["cores"]() if cores is None else as_int(cores, "cores", minimum=1)
    return max(1, n // jobs)


def check_threads(threads: int | None) -> int | None:
    """``threads`` as a positive int, or None (leave the libraries' own setting).

    Examples
    --------
    >>> check_threads(None), check_threads(2)
    (None, 2)
    """
    return None if threads is None else as_int(threads, "threads", minimum=1)


@contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Limit the BLAS and OpenMP threads of this process inside the block; None does nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from threadpoolctl import threadpool_info
    >>> with limit_threads(1):
    ...     all(p["num_threads"] == 1 for p in threadpool_info()
    ...         if p["user_api"] in ("blas", "openmp"))
    True
    """
    threads = check_threads(threads)
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


def set_process_threads(threads: int | None) -> None:
    """Limit the BLAS and OpenMP threads of this whole process (a worker's initializer).

    numpy and scipy are imported first, so that their BLAS libraries are loaded and
    limited; a library loaded later (torch's OpenMP) is limited when a measurement runs
    under :func:`limit_threads`.
    """
    threads = check_threads(threads)
    if threads is None:
        return
    import numpy  # noqa: F401 - loads numpy's BLAS so that it is limited
    import scipy.linalg  # noqa: F401 - and scipy's
    from threadpoolctl import threadpool_limits

    _PROCESS_LIMITS.append(threadpool_limits(limits=threads))


def start_worker(threads: int | None) -> None:
    """Initializer of a worker process: ignore SIGINT and limit the threads.

    Ctrl-C in a terminal reaches every process of the foreground group; the parent alone
    decides what stops (it keeps the finished results and terminates the workers), so a
    worker must not die with a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    set_process_threads(threads)


def die_with_parent() -> None:
    """Have this worker process get SIGTERM when its parent dies (Linux; elsewhere
    nothing).

    A parent killed by SIGKILL (``kill -9``, the out-of-memory killer, a cancelled CI
    job) cannot stop its pool: the workers, forked with the write end of their own task
    queue, waited on it for ever, holding what they had inherited (the run folder's
    lock: the rerun was told that another run was writing there).
    """
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the worker lives as before
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def blas_threads() -> int:
    """The largest BLAS thread count of the libraries loaded in this process (0: none).

    Examples
    --------
    >>> import numpy as np
    >>> with limit_threads(1):
    ...     blas_threads()
    1
    """
    from threadpoolctl import threadpool_info

    return max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"),
               default=0)
