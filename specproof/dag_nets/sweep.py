"""Width sweeps: widths x seeds of any measurement, cached per point, through any Executor.

A *measurement* is a picklable function ``measure(config, seed)`` of a configuration dict
(which holds the ``"width"``) and an integer seed, returning a float or a dict with a
``"value"`` float and further JSON scalars. :func:`width_sweep` evaluates it at every
(width, seed), serially or through any :class:`concurrent.futures.Executor` (a process
pool, or a Dask cluster's ``Client.get_executor()``), writes each finished point to the
cache folder as soon as it arrives (in the calling process, so workers need no shared
file system), and prints one progress line per point. Rerun with the same cache folder
and every finished point is read back instead of recomputed.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    Displayable,
    as_int,
    to_jsonable,
)
from specproof.dag_nets.cache import PointCache, canonical_json, point_key
from specproof.fitting import SlopeFit, fit_loglog_bootstrap

Measurement = Callable[[Mapping[str, Any], int], Any]


class SweepPointError(ComputationError):
    """A measurement raised at one point; carries ``width`` and ``seed``.

    Every point that finished before it is in the cache.
    """

    def __init__(self, message: str, width: int, seed: int) -> None:
        super().__init__(message)
        self.width = width
        self.seed = seed


@dataclass(frozen=True)
class SweepPoint:
    """One finished point: its width, seed, measured value, extras and cost."""

    width: int
    seed: int
    value: float
    extra: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False

    def row(self) -> dict[str, Any]:
        """The point as a flat table row (width, seed, value, extras..., seconds)."""
        return {"width": self.width, "seed": self.seed, "value": self.value, **self.extra,
                "seconds": self.seconds}


@dataclass(frozen=True, repr=False)
class WidthSweep(Displayable):
    """The outcome of :func:`width_sweep`: points sorted by (width, seed).

    Examples
    --------
    >>> pts = tuple(SweepPoint(w, s, w ** -0.5 * (1 + 0.01 * s)) for w in (4, 16, 64)
    ...             for s in range(3))
    >>> sweep = WidthSweep("demo", {}, pts)
    >>> round(sweep.slope().slope, 6)
    -0.5
    """

    measure: str
    config: dict[str, Any]
    points: tuple[SweepPoint, ...]
    label: str = ""

    def _display_items(self) -> list[tuple[str, Any]]:
        widths = sorted({p.width for p in self.points})
        seeds = sorted({p.seed for p in self.points})
        items: list[tuple[str, Any]] = [("measure", self.measure)]
        if self.label:
            items.append(("label", self.label))
        items += [("widths", widths), ("seeds", len(seeds)), ("points", len(self.points))]
        try:
            fit = self.slope()
            items.append(("slope", f"{fit.slope:.3f} [{fit.low:.3f}, {fit.high:.3f}]"))
        except Exception:  # too few points or seeds: the summary still shows
            pass
        return items + [("config", self.config)]

    @property
    def widths(self) -> np.ndarray:
        """The width of every point, as a float array aligned with :attr:`values`."""
        return np.array([p.width for p in self.points], dtype=float)

    @property
    def values(self) -> np.ndarray:
        """The measured value of every point."""
        return np.array([p.value for p in self.points], dtype=float)

    def column(self, name: str) -> np.ndarray:
        """One column of the table as a float array (``value`` or an extra's name)."""
        if name == "value":
            return self.values
        missing = [p for p in self.points if name not in p.extra]
        if missing:
            raise ArgumentError(
                f"column {name!r} is missing at width {missing[0].width}, seed "
                f"{missing[0].seed}; columns: {sorted(self.columns())}"
            )
        return np.array([p.extra[name] for p in self.points], dtype=float)

    def columns(self) -> list[str]:
        """Names of the columns of :meth:`table`."""
        names = ["width", "seed", "value"]
        for p in self.points:
            names += [k for k in p.extra if k not in names]
        return [*names, "seconds"]

    def table(self) -> list[dict[str, Any]]:
        """One dict per point (see :meth:`SweepPoint.row`)."""
        return [p.row() for p in self.points]

    def means(self, column: str = "value") -> dict[int, float]:
        """Mean of ``column`` over seeds at each width."""
        vals = self.column(column)
        ws = self.widths
        return {int(w): float(vals[ws == w].mean()) for w in np.unique(ws)}

    def slope(
        self,
        column: str = "value",
        confidence: float = 0.95,
        n_boot: int = 2000,
        seed: int = 0,
        min_width: int | None = None,
        x: str = "width",
    ) -> SlopeFit:
        """Log-log slope of ``column`` against width, bootstrap interval over seeds.

        ``min_width`` drops the narrower widths (to report the fitted range of a
        pre-asymptotic architecture; the table keeps them). ``x`` names the column to
        fit against: the swept ``width`` or a recorded one such as ``paper_width``
        (the minimum in-degree, which for a DenseNet is the layer width plus the input
        size).
        """
        ws, vals = self.widths, self.column(column)
        xs = ws if x == "width" else self.column(x)
        if min_width is not None:
            keep = ws >= min_width
            xs, vals = xs[keep], vals[keep]
        return fit_loglog_bootstrap(xs, vals, confidence=confidence, n_boot=n_boot, seed=seed)

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write :meth:`table` as CSV (atomically) and return the path."""
        path = Path(path)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        cols = self.columns()
        try:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=cols)
                writer.writeheader()
                for row in self.table():
                    writer.writerow({k: row.get(k, "") for k in cols})
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def plot(self, ax=None, label: str | None = None, column: str = "value", x: str = "width"):
        """Log-log scatter of every point with the fitted line; returns the fit.

        Draws on ``ax`` (a new column-width figure when None); ``x`` as in :meth:`slope`.
        """
        from specproof.plotting import figure, loglog_fit

        if ax is None:
            _, ax = figure()
        fit = self.slope(column, x=x)
        text = label if label is not None else (self.label or self.measure)
        xs = self.widths if x == "width" else self.column(x)
        loglog_fit(ax, xs, self.column(column), label=text)
        # loglog_fit reports the t-interval; the legend entry must show the bootstrap one
        line = ax.get_lines()[-1]
        line.set_label(f"{text}: slope {fit.slope:.2f} [{fit.low:.2f}, {fit.high:.2f}]")
        # below the axes: with several curves a legend inside always covers some points
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        ax.set_xlabel(r"width $m$")
        _width_ticks(ax, xs)
        return fit


def _width_ticks(ax, xs) -> None:
    """Label the x axis at the swept widths of every curve drawn so far, in plain numbers
    (log-scale minor labels such as 3x10^1 crowd each other at paper-column width);
    a width within 25 % of a labelled one is not labelled again."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    seen = getattr(ax, "_specproof_widths", set()) | set(np.asarray(xs, float).tolist())
    ax._specproof_widths = seen
    ticks: list[float] = []
    for w in sorted(seen):
        if not ticks or w > 1.25 * ticks[-1]:
            ticks.append(w)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


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


def _normalise(result: Any) -> tuple[float, dict[str, Any]]:
    if isinstance(result, Mapping):
        if "value" not in result:
            raise ArgumentError(f"a measurement dict needs a 'value' entry, got {sorted(result)}")
        extra = {str(k): to_jsonable(v) for k, v in result.items() if k != "value"}
        for reserved in ("width", "seed", "seconds"):
            if reserved in extra:
                raise ArgumentError(f"a measurement may not return the column {reserved!r}")
        value = result["value"]
    else:
        value, extra = result, {}
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"a measurement must return a float or a dict with a 'value', got {value!r}"
        ) from None
    if not np.isfinite(value):
        raise ComputationError(f"the measurement returned a non-finite value {value}")
    return value, extra


def run_point(measure: Measurement, config: Mapping[str, Any], seed: int):
    """Evaluate one point: ``(value, extra, seconds)``. Runs in the worker."""
    t0 = time.perf_counter()
    value, extra = _normalise(measure(dict(config), seed))
    return value, extra, time.perf_counter() - t0


def _as_widths(widths: Iterable[int]) -> list[int]:
    try:
        ws = list(widths)
    except TypeError:
        raise ArgumentTypeError(f"widths must be a sequence of ints, got {widths!r}") from None
    out = [as_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(ws)]
    if not out:
        raise ArgumentError("widths must not be empty")
    if len(set(out)) != len(out):
        raise ArgumentError(f"widths must be distinct, got {out}")
    return sorted(out)


def _as_seeds(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(as_int(seeds, "seeds", minimum=1)))
    try:
        ss = list(seeds)
    except TypeError:
        raise ArgumentTypeError(f"seeds must be an int or a sequence of ints, got {seeds!r}") \
            from None
    out = [as_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(ss)]
    if not out:
        raise ArgumentError("seeds must not be empty")
    if len(set(out)) != len(out):
        raise ArgumentError(f"seeds must be distinct, got {out}")
    return out


def _printer(progress: bool | Callable[[str], Any]) -> Callable[[str], Any]:
    if callable(progress):
        return progress
    if progress:
        return lambda line: print(line, file=sys.stderr, flush=True)
    return lambda line: None


def width_sweep(
    measure: Measurement,
    widths: Iterable[int],
    seeds: int | Sequence[int] = 8,
    config: Mapping[str, Any] | None = None,
    *,
    cache: str | os.PathLike | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
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
        Distinct positive widths.
    seeds : int or sequence of int
        ``n`` means seeds ``0..n-1``; or the seeds themselves.
    config : mapping, optional
        JSON-able parameters passed to every point (``"width"`` is set per point).
    cache : path, optional
        Folder of finished points (one JSON file each); rerunning with the same folder
        resumes. None: nothing is stored.
    executor : Executor, optional
        Runs the pending points (a process pool, a Dask ``Client.get_executor()``).
        The caller owns it. None with ``jobs`` unset: serial, in this process.
    jobs : int, optional
        Shortcut for a process pool of this many workers, created and shut down here.
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

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law
    >>> sweep = width_sweep(demo_power_law, [16, 64, 256], seeds=3, progress=False)
    >>> round(sweep.slope().slope, 2)
    -0.5
    """
    name = measure_name(measure)
    ws = _as_widths(widths)
    ss = _as_seeds(seeds)
    base = dict(config or {})
    if "width" in base:
        raise ArgumentError("config must not contain 'width': the sweep sets it per point")
    canonical_json(base)  # refuse a config that cannot key the cache before any work
    if executor is not None and jobs is not None:
        raise ArgumentError("give either executor or jobs, not both")
    if jobs is not None:
        jobs = as_int(jobs, "jobs", minimum=1)
    say = _printer(progress)
    store = PointCache(cache) if cache is not None else None

    grid = [(w, s) for w in ws for s in ss]
    total = len(grid)
    done: dict[tuple[int, int], SweepPoint] = {}
    pending: list[tuple[int, int, dict[str, Any], str]] = []
    for w, s in grid:
        cfg = {**base, "width": w}
        key = point_key(name, cfg, s)
        record = store.get(key) if store is not None else None
        if record is not None:
            done[(w, s)] = SweepPoint(w, s, float(record["value"]), dict(record["extra"]),
                                      float(record["seconds"]), cached=True)
        else:
            pending.append((w, s, cfg, key))
    if done:
        say(f"{label or name}: {len(done)}/{total} points read from {cache}")

    def finish(w: int, s: int, key: str, cfg: dict, out) -> None:
        value, extra, seconds = out
        point = SweepPoint(w, s, value, extra, seconds)
        if store is not None:
            store.put(key, {"measure": name, "config": cfg, "seed": s, "width": w,
                            "value": value, "extra": extra, "seconds": seconds})
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
        own = executor = ProcessPoolExecutor(max_workers=jobs)
    try:
        if executor is None:
            for w, s, cfg, key in pending:
                try:
                    out = run_point(measure, cfg, s)
                except Exception as exc:
                    raise failed(w, s, exc) from exc
                finish(w, s, key, cfg, out)
        else:
            _run_parallel(executor, measure, pending, finish, failed)
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
    points = tuple(done[(w, s)] for w, s in grid)
    return WidthSweep(name, base, points, label)


def _run_parallel(executor, measure, pending, finish, failed) -> None:
    futures: dict[Future, tuple[int, int, dict, str]] = {}
    try:
        for w, s, cfg, key in pending:
            futures[executor.submit(run_point, measure, cfg, s)] = (w, s, cfg, key)
        for fut in as_completed(futures):
            w, s, cfg, key = futures[fut]
            try:
                out = fut.result()
            except Exception as exc:
                raise failed(w, s, exc) from exc
            finish(w, s, key, cfg, out)
    except BaseException:
        # Ctrl-C, a failed point or a lost worker: nothing more is started; what finished
        # is already on disk
        for fut in futures:
            fut.cancel()
        raise


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
