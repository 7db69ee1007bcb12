"""Width sweeps: widths x seeds of any measurement, cached per point, through any Executor.

A *measurement* is a picklable function ``measure(config, seed)`` of a configuration dict
(which holds the ``"width"``) and an integer seed, returning a float or a dict with a
``"value"`` float, further JSON scalars and optionally ``"arrays"`` (a dict of numpy
arrays, stored beside the point). It may carry two optional attributes, which
:func:`width_sweep` calls in this process before any point runs:

- ``measure.check(config, widths)`` raises when the configuration cannot be measured
  (an activation the quantity needs to differentiate twice, a graph with a cycle, a
  width whose memory exceeds the machine's), so that usage errors come before any work;
- ``measure.key_config(config)`` returns the configuration as it keys the cache, with
  the contents of what ``config`` only names (a GraphML path, a builder) in its place.

A third, ``measure.freeze(config)``, is called first: it returns the configuration every
point is measured with, with what ``config`` only names read once, now (a GraphML file's
bytes), so that a file edited during the sweep changes none of its points or keys. It is
called again at every width, with ``"width"`` set, before any point runs: there it may
pin what the point builds (the built-in measurements record the digest of a builder's
graph, and a point whose builder now gives another graph is refused, not measured under
the key of the first).

With a cache, the measurement's code in memory must be the code in its files
(:func:`~specproof.dag_nets.live_code.check_live_code`: a module edited on disk after it
was imported, or a function without a source file, is refused), and a record read back
must pass its checksum and field checks; a damaged one is recomputed, and the sweep says
once how many were (on stderr, or as a :class:`DamagedCacheWarning` without progress).

:func:`width_sweep` evaluates the measurement at every (width, seed), serially or through
any :class:`concurrent.futures.Executor` (a process pool, or a Dask cluster's
``Client.get_executor()``), writes each finished point to the cache folder as soon as it
arrives (in the calling process, so workers need no shared file system), and prints one
progress line per point. Rerun with the same cache folder and every finished point is
read back instead of recomputed. Ctrl-C keeps every finished point, cancels the rest
(worker processes of a pool made here are terminated at once) and raises
:class:`SweepInterrupted`, which says how many points are done.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError, as_int
from specproof._core.threads import check_threads, threads_per_worker
from specproof.dag_nets.cache import PointCache, canonical_json, code_version, point_key
from specproof.dag_nets.executors import check_jobs, make_pool, run_pending, stop_pool
from specproof.dag_nets.live_code import check_live_code
from specproof.dag_nets.sweep_points import (
    DamagedCacheWarning,
    notice,
    printer,
    read_point,
    run_point,
)
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep

Measurement = Callable[[Mapping[str, Any], int], Any]

#: The most seeds a sweep takes: each is one point per width, and the grid of a larger
#: count (``seeds=10**11``) did not even fit in memory.
MAX_SEEDS = 10_000

#: Where progress lines go (the name ``runs`` imports).
_printer = printer

__all__ = [
    "DamagedCacheWarning",
    "MAX_SEEDS",
    "SweepInterrupted",
    "SweepPoint",
    "SweepPointError",
    "WidthSweep",
    "demo_power_law",
    "measure_name",
    "run_point",
    "width_sweep",
]


class SweepPointError(ComputationError):
    """A measurement raised at one point; carries ``width`` and ``seed``.

    Every point that finished before it is in the cache.
    """

    def __init__(self, message: str, width: int, seed: int) -> None:
        super().__init__(message)
        self.width = width
        self.seed = seed


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: ``done`` of ``total`` points finished (and are cached when
    the sweep has a cache); the other points were cancelled."""

    def __init__(self, done: int, total: int, cache: str | None = None) -> None:
        where = f" and kept in {cache}" if cache else ""
        super().__init__(f"interrupted: {done} of {total} points finished{where}; "
                         f"{total - done} cancelled")
        self.done = done
        self.total = total
        self.cache = cache


def measure_name(measure: Measurement) -> str:
    """The stable name that keys a measurement in the cache (``module.qualname``).

    Lambdas and functions defined inside other functions have no stable name (and do not
    pickle), so they are refused.

    Examples
    --------
    >>> measure_name(measure_name)
    'specproof.dag_nets.sweep.measure_name'
    """
    if not callable(measure):
        raise ArgumentTypeError(f"measure must be callable, got {type(measure).__name__}")
    module = getattr(measure, "__module__", None)
    qualname = getattr(measure, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ArgumentError(
            f"measure must be a module-level function (picklable, with a stable name to key "
            f"the cache), got {measure!r}"
        )
    return f"{module}.{qualname}"


def as_widths(widths: Iterable[int], name: str = "widths") -> list[int]:
    """At least two distinct positive widths, sorted (a slope needs two).

    Examples
    --------
    >>> as_widths([64, 16])
    [16, 64]
    """
    try:
        ws = list(widths)
    except TypeError:
        raise ArgumentTypeError(f"{name} must be a sequence of ints, got {widths!r}") from None
    out = [as_int(w, f"{name}[{i}]", minimum=1) for i, w in enumerate(ws)]
    if len(set(out)) != len(out):
        raise ArgumentError(f"{name} must be distinct, got {out}")
    if len(out) < 2:
        raise ArgumentError(f"{name} needs at least two distinct widths to fit a slope, "
                            f"got {out}")
    return sorted(out)


def _as_seeds(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(as_int(seeds, "seeds", minimum=1, maximum=MAX_SEEDS)))
    try:
        # a count known up front is checked before the list is made
        if len(seeds) > MAX_SEEDS:
            raise ArgumentError(f"seeds must hold at most {MAX_SEEDS} seeds, got "
                                f"{len(seeds)}")
    except TypeError:
        pass  # an iterator: counted once listed
    try:
        ss = list(seeds)
    except TypeError:
        raise ArgumentTypeError(f"seeds must be an int or a sequence of ints, got {seeds!r}") \
            from None
    if len(ss) > MAX_SEEDS:
        raise ArgumentError(f"seeds must hold at most {MAX_SEEDS} seeds, got {len(ss)}")
    out = [as_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(ss)]
    if not out:
        raise ArgumentError("seeds must not be empty")
    if len(set(out)) != len(out):
        raise ArgumentError(f"seeds must be distinct, got {out}")
    return out


def width_sweep(
    measure: Measurement,
    widths: Iterable[int],
    seeds: int | Sequence[int] = 8,
    config: Mapping[str, Any] | None = None,
    *,
    cache: str | os.PathLike | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    threads: int | None = None,
    progress: bool | Callable[[str], Any] = True,
    label: str = "",
) -> WidthSweep:
    """Evaluate ``measure({**config, "width": w}, seed)`` at every width and seed.

    Parameters
    ----------
    measure : callable
        A module-level function ``(config, seed) -> float | dict`` (see the module
        docstring); it must be picklable to run in other processes.
    widths : iterable of int
        At least two distinct positive widths.
    seeds : int or sequence of int
        ``n`` means seeds ``0..n-1``; or the seeds themselves. At most
        :data:`MAX_SEEDS`.
    config : mapping, optional
        JSON-able parameters passed to every point (``"width"`` is set per point).
    cache : path, optional
        Folder of finished points (one JSON file each); rerunning with the same folder
        resumes. None: nothing is stored.
    executor : Executor, optional
        Runs the pending points (a process pool, a Dask ``Client.get_executor()``).
        The caller owns it. None with ``jobs`` unset: serial, in this process.
    jobs : int, optional
        Shortcut for a process pool of this many workers (at most 4 per core; never more
        than the points to run), created and shut down here.
    threads : int, optional
        BLAS/OpenMP threads per point (in each worker, or here when serial). Default:
        ``cores // jobs`` in a pool made for ``jobs``; otherwise the libraries' own.
    progress : bool or callable
        True prints one line per point to stderr; a callable receives each line.
    label : str
        Name of the curve in figures.

    Returns
    -------
    WidthSweep

    Raises
    ------
    SweepPointError
        When a measurement raises (the points finished so far stay cached).
    SweepInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``): the finished points stay cached, the rest
        are cancelled.

    Examples
    --------
    >>> sweep = width_sweep(demo_power_law, [16, 64, 256], seeds=3, progress=False)
    >>> round(sweep.slope().slope, 2)
    -0.5
    """
    name = measure_name(measure)
    ws = as_widths(widths)
    ss = _as_seeds(seeds)
    base = dict(config or {})
    if "width" in base:
        raise ArgumentError("config must not contain 'width': the sweep sets it per point")
    canonical_json(base)  # refuse a config that cannot key the cache before any work
    if executor is not None and jobs is not None:
        raise ArgumentError("give either executor or jobs, not both")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ArgumentTypeError(
            f"executor must be a concurrent.futures.Executor (an object with submit(), such "
            f"as a process pool or a Dask client's get_executor()), got {executor!r}")
    if jobs is not None:
        jobs = check_jobs(jobs)
    threads = check_threads(threads)
    freeze = getattr(measure, "freeze", None)
    # what the points run with; the public ``base`` is what records and results show
    frozen = dict(freeze(base)) if freeze is not None else base
    check = getattr(measure, "check", None)
    if check is not None:
        check(frozen, ws)  # usage errors before the first point runs
    key_config = getattr(measure, "key_config", None) or (lambda cfg: cfg)
    if cache is not None:
        # a key names the code on disk: refuse to store the values of other code under it
        check_live_code(measure, name)
    code = code_version(measure)
    say = _printer(progress)
    store = PointCache(cache) if cache is not None else None

    grid = [(w, s) for w in ws for s in ss]
    total = len(grid)
    done: dict[tuple[int, int], SweepPoint] = {}
    damaged: list[tuple[str, str]] = []
    pending: list[tuple[int, int, dict[str, Any], str]] = []
    for w in ws:
        cfg = {**frozen, "width": w}
        if freeze is not None:
            # now, at every width, before any point runs: what the point must build (a
            # builder's graph, by its digest) is the graph its key describes
            cfg = dict(freeze(cfg))
        keyed = dict(key_config(cfg))
        for s in ss:
            key = point_key(name, keyed, s, code)
            # not the public config: the same graph under another path is the same point
            point = read_point(store, key, damaged,
                               {"measure": name, "code": code, "width": w, "seed": s})
            if point is not None:
                done[(w, s)] = point
            else:
                pending.append((w, s, cfg, key))
    if damaged:
        notice(progress, f"{label or name}: {len(damaged)} damaged cache "
                f"record{'s' if len(damaged) > 1 else ''} in {cache} not used and "
                f"recomputed ({damaged[0][0]}.json: {damaged[0][1]})")
    if done:
        say(f"{label or name}: {len(done)}/{total} points read from {cache}")

    def finish(w: int, s: int, key: str, cfg: dict, out) -> None:
        value, extra, arrays, seconds = out
        point = SweepPoint(w, s, value, extra, seconds, arrays=arrays)
        if store is not None:
            store.put(key, {"measure": name, "config": {**base, "width": w}, "seed": s,
                            "width": w, "code": code, "value": value, "extra": extra,
                            "seconds": seconds}, arrays=arrays)
        done[(w, s)] = point
        say(f"{label + ': ' if label else ''}[{len(done)}/{total}] width={w} seed={s} "
            f"value={value:.6g} ({seconds:.2f} s)")

    def failed(w: int, s: int, exc: BaseException) -> SweepPointError:
        return SweepPointError(
            f"measurement {name} failed at width={w}, seed={s}: {type(exc).__name__}: {exc} "
            f"({len(done)} of {total} points finished"
            + (f" and cached in {cache})" if store is not None else ")"),
            w, s,
        )

    own = None
    if jobs is not None and jobs > 1 and pending:
        # a worker without a point only costs its start-up (numpy, scipy: ~1 s each)
        jobs = min(jobs, len(pending))
        own = executor = make_pool(jobs, threads_per_worker(jobs, threads))
        threads = None  # the pool's workers are limited once, at start
    try:
        if executor is None:
            for w, s, cfg, key in pending:
                try:
                    out = run_point(measure, cfg, s, threads)
                except Exception as exc:
                    raise failed(w, s, exc) from exc
                finish(w, s, key, cfg, out)
        else:
            run_pending(executor, run_point, measure, pending, threads, finish, failed)
    except KeyboardInterrupt:
        if own is not None:
            stop_pool(own)  # now: the running points are lost anyway, and waiting for
            own = None      # them is what made Ctrl-C take half a minute
        raise SweepInterrupted(len(done), total,
                               str(cache) if store is not None else None) from None
    except BaseException:
        if own is not None:  # a failed point ends the sweep: do not wait for the others
            stop_pool(own)
            own = None
        raise
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
    points = tuple(done[(w, s)] for w, s in grid)
    return WidthSweep(name, base, points, label)


def demo_power_law(config: Mapping[str, Any], seed: int) -> float:
    """A toy measurement ``width^slope`` times seeded noise, for examples and tests.

    ``config`` may set ``slope`` (default -0.5), ``noise`` (log-normal scale, default
    0.01) and ``delay`` (seconds to sleep first, to stand in for real work).

    Examples
    --------
    >>> round(demo_power_law({"width": 100}, 0) * 10, 1)
    1.0
    """
    if config.get("delay"):
        time.sleep(float(config["delay"]))
    rng = np.random.default_rng([int(seed), int(config["width"])])
    noise = float(config.get("noise", 0.01))
    slope = float(config.get("slope", -0.5))
    return float(config["width"]) ** slope * float(np.exp(noise * rng.standard_normal()))
