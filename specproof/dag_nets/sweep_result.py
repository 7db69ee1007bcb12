"""The outcome of a width sweep: its points, fitted slopes, table and figure."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, Displayable
from specproof.dag_nets.errors import UnfittableError
from specproof.fitting import SlopeFit, fit_loglog_bootstrap, slope_text


@dataclass(frozen=True)
class SweepPoint:
    """One finished point: its width, seed, measured value, extras and cost.

    ``arrays`` holds what the measurement returned beside the scalars (the ``ntk``
    measurement's kernel ``K``); they are stored in the cache as ``<key>.npz`` and are not
    columns of the table.
    """

    width: int
    seed: int
    value: float
    extra: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def row(self) -> dict[str, Any]:
        """The point as a flat table row (width, seed, value, extras..., seconds)."""
        return {"width": self.width, "seed": self.seed, "value": self.value, **self.extra,
                "seconds": self.seconds}


#: The columns a table row takes from the point itself: a measurement's extras, and a
#: cache record's, may not hold them (an ``extra`` with ``width`` replaced the row's).
RESERVED_COLUMNS = ("width", "seed", "value", "seconds", "arrays")


def _finite_json(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (str, int)) or value is None:
        return True
    if isinstance(value, list):
        return all(_finite_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _finite_json(v) for k, v in value.items())
    return False


def point_from_record(record: Mapping[str, Any], arrays: dict[str, np.ndarray],
                      expected: Mapping[str, Any]) -> SweepPoint:
    """The cached point a sweep's record holds, after checking every field it is read
    from; a :class:`ValueError` says what is wrong.

    ``expected`` holds what the record must say about itself (``measure``, ``code``,
    ``width``, ``seed``); ``value`` must be a finite float (not a string, a
    bool or None), ``extra`` a dict of JSON values without the reserved columns,
    ``seconds`` a finite number >= 0.

    Examples
    --------
    >>> rec = {"width": 8, "seed": 0, "value": 0.25, "extra": {}, "seconds": 0.1}
    >>> point_from_record(rec, {}, {"width": 8, "seed": 0}).value
    0.25
    >>> point_from_record({**rec, "value": "0.25"}, {}, {"width": 8, "seed": 0})
    Traceback (most recent call last):
    ...
    ValueError: its value is not a finite float: '0.25'
    """
    for name, want in expected.items():
        got = record.get(name)
        if got != want or type(got) is not type(want):
            raise ValueError(f"its {name} is not the point's")
    value = record.get("value")
    if type(value) is not float or not math.isfinite(value):
        raise ValueError(f"its value is not a finite float: {value!r}")
    extra = record.get("extra")
    if not isinstance(extra, dict) or not _finite_json(extra):
        raise ValueError("its extra is not a dict of finite JSON values")
    reserved = sorted(set(extra) & set(RESERVED_COLUMNS))
    if reserved:
        raise ValueError(f"its extra holds the reserved column {reserved[0]!r}")
    seconds = record.get("seconds")
    if type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"its seconds is not a finite number >= 0: {seconds!r}")
    return SweepPoint(int(record["width"]), int(record["seed"]), value, dict(extra),
                      float(seconds), cached=True, arrays=dict(arrays))


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
            # slope_text: a slope of 1.4e-4 showed as "0.000 [0.000, 0.000]" at .3f
            items.append(("slope", f"{slope_text(fit.slope)} [{slope_text(fit.low)}, "
                                   f"{slope_text(fit.high)}]"))
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
        """Names of the columns of :meth:`table`: ``width, seed, value``, the extras in
        alphabetical order, ``seconds``.

        The order depends on the names only, never on which point came first or whether
        it was read from the cache, so a resumed sweep writes the same table as a fresh one.
        """
        extras = sorted({k for p in self.points for k in p.extra})
        return ["width", "seed", "value", *extras, "seconds"]

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

        Raises
        ------
        UnfittableError
            When a fitted value is zero or negative (it names the width and seed).
        ArgumentError
            When a width has a single point (a sweep with ``seeds=1``: nothing for the
            bootstrap to resample).
        """
        ws, vals = self.widths, self.column(column)
        xs = ws if x == "width" else self.column(x)
        keep = np.ones(ws.shape, bool) if min_width is None else ws >= _min_width(min_width)
        left = np.unique(ws[keep])
        if left.size < 2:
            # the fit's "x must take at least two distinct values" named no argument
            raise ArgumentError(
                f"min_width = {min_width!r} leaves {left.size} of the widths "
                f"{sorted({p.width for p in self.points})}; a slope needs at least two"
                if min_width is not None else
                f"the sweep has {left.size} distinct width(s); a slope needs at least two")
        what = "the measured value" if column == "value" else f"column {column!r}"
        for name, arr in ((what, vals), (f"{x!r}", xs)):
            self._refuse_non_positive(name, arr, keep)
        xs, vals = xs[keep], vals[keep]
        # the bootstrap resamples seeds within a width: one seed has nothing to resample,
        # and the fit's own message names neither the sweep's seeds nor the cure
        distinct, counts = np.unique(xs, return_counts=True)
        if distinct.size and counts.min() < 2:
            lone = distinct[np.argmin(counts)]
            raise ArgumentError(
                f"the slope's bootstrap interval resamples the seeds at each {x}, and "
                f"{x} = {lone:g} has {counts.min()} point: sweep with seeds >= 2")
        return fit_loglog_bootstrap(xs, vals, confidence=confidence, n_boot=n_boot, seed=seed)

    def _refuse_non_positive(self, name: str, arr: np.ndarray, keep: np.ndarray) -> None:
        # the fit's own "y must be finite and positive; bad entry at index 0" names
        # neither the point nor why: a measurement that vanished (a saturated network)
        bad = np.flatnonzero(keep & ~(np.isfinite(arr) & (arr > 0)))
        if not bad.size:
            return
        p = self.points[bad[0]]
        more = f" (and at {bad.size - 1} more of the {int(keep.sum())} points)" \
            if bad.size > 1 else ""
        raise UnfittableError(
            f"{self.label or self.measure}: {name} is {arr[bad[0]]:g} at width {p.width}, "
            f"seed {p.seed}{more}: no log-log slope can be fitted to values that are not "
            "positive", p.width, p.seed)

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

    def plot(self, ax=None, label: str | None = None, column: str = "value", x: str = "width",
             reference_slope: float | None = None, ylabel: str | None = None):
        """Log-log scatter of every point with the fitted line; returns the fit.

        Draws on ``ax`` (a new column-width figure when None). ``x`` as in :meth:`slope`:
        the fit drawn, and returned, is ``self.slope(column, x=x)``, so plot with the
        ``x`` of the slope you report (``"paper_width"``, the minimum in-degree, for the
        paper's rate); the x label says which width it is. ``reference_slope`` also draws
        the dashed line of the rate a theorem predicts (the figure checks want one beside
        every fitted slope). ``ylabel``, and the legend entry without a ``label`` or the
        sweep's own, default to the quantity a built-in measure computes, written as
        ``specproof ntk`` writes it (``$\\|H_f(w_0)\\|_2$`` for ``hessian``), else to
        the measure's name (or the column's). The legend, below the x label and no wider
        than the axes, lists every labelled line of ``ax``, also those drawn after this
        call once the figure is finished (``finish_figure``, ``save_figure`` of
        :mod:`specproof.plotting`).
        """
        from specproof.dag_nets.measure_labels import measure_label
        from specproof.plotting import figure, loglog_fit
        from specproof.plotting.legend import legend_below

        if ax is None:
            _, ax = figure()
        fit = self.slope(column, x=x)
        # the cache keys a built-in measure by its module path
        # ("specproof.dag_nets.measures.hessian"), which made an unreadable axis label
        # and a legend entry wider than the column
        quantity = measure_label(self.measure)
        if column != "value":
            quantity = column
        text = label if label is not None else (self.label or quantity)
        xs = self.widths if x == "width" else self.column(x)
        if ylabel is None and not ax.get_ylabel():
            ylabel = quantity
        loglog_fit(ax, xs, self.column(column), label=text, reference_slope=reference_slope,
                   ylabel=ylabel)
        # loglog_fit reports the t-interval; the legend entry must show the bootstrap one
        fit_line = [line for line in ax.get_lines() if line.get_gid() == "fit"][-1]
        # slope_text: a slope of 1.4e-4 showed as "0.00 [0.00, 0.00]" at .2f
        fit_line.set_label(f"{text}: {slope_text(fit.slope)} [{slope_text(fit.low)}, "
                           f"{slope_text(fit.high)}]")
        # the axis the slope was fitted against, as the command line's figure names it
        ax.set_xlabel({"width": r"width $m$",
                       "paper_width": r"width $m$ (minimum in-degree)"}.get(x, x))
        # below the x label: with several curves a legend inside always covers some
        # points; the title says what the numbers are, so each entry stays narrower than
        # a column
        legend_below(ax, title="fitted slope [bootstrap interval]")
        _width_ticks(ax, xs)
        return fit


def _min_width(value) -> float:
    """``min_width`` as a float, refused by name when it is not a real number."""
    from specproof._core import ArgumentTypeError, real_scalar

    number = real_scalar(value)
    if number is None:
        raise ArgumentTypeError(f"min_width must be a number or None, got {value!r} "
                                f"({type(value).__name__})")
    if not math.isfinite(number):
        raise ArgumentError(f"min_width must be finite, got {value!r}")
    return number


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
