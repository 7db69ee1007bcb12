"""One matplotlib style for appendix figures.

Figures are sized for a paper column (3.4 in) or a full page width (7 in), use fonts
that stay readable at that size, and are saved as vector PDF with a PNG beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from specproof.fitting import SlopeFit, fit_loglog

WIDTHS = {"column": 3.4, "page": 7.0}

STYLE: dict[str, object] = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # embed TrueType so that text stays selectable in the PDF
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
}


@contextmanager
def style():
    """Context manager applying the specproof figure style.

    Examples
    --------
    >>> with style():
    ...     fig, ax = plt.subplots()
    >>> plt.close(fig)
    """
    with plt.rc_context(STYLE):
        yield


def figure(width: str = "column", aspect: float = 0.75, ncols: int = 1, nrows: int = 1):
    """Create a styled figure and its axes.

    Parameters
    ----------
    width : {"column", "page"}
        Column width (3.4 in) or page width (7 in).
    aspect : float
        Height of one panel over its width.
    ncols, nrows : int
        Panel grid.

    Returns
    -------
    (Figure, Axes or array of Axes)

    Examples
    --------
    >>> fig, ax = figure()
    >>> float(round(fig.get_figwidth(), 1))
    3.4
    >>> plt.close(fig)
    """
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {list(WIDTHS)}, got {width!r}")
    if aspect <= 0:
        raise ValueError(f"aspect must be positive, got {aspect}")
    w = WIDTHS[width]
    with style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(w, w * aspect * nrows / ncols), layout="constrained"
        )
    return fig, axes


def _restyle(fig) -> None:
    # labels, titles and legends take their font size when they are created, often
    # outside ``style()``; bring them to the column-width sizes before saving
    for ax in fig.axes:
        ax.xaxis.label.set_fontsize(STYLE["axes.labelsize"])
        ax.yaxis.label.set_fontsize(STYLE["axes.labelsize"])
        ax.title.set_fontsize(STYLE["axes.titlesize"])
        ax.tick_params(labelsize=STYLE["xtick.labelsize"])
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_fontsize(STYLE["legend.fontsize"])
            legend.get_title().set_fontsize(STYLE["legend.fontsize"])


def save_figure(fig, stem: str | Path) -> tuple[Path, Path]:
    """Save ``fig`` as ``stem.pdf`` (vector) and ``stem.png`` (200 dpi).

    Examples
    --------
    >>> import tempfile, os
    >>> fig, ax = figure()
    >>> pdf, png = save_figure(fig, os.path.join(tempfile.mkdtemp(), "demo"))
    >>> pdf.suffix, png.suffix
    ('.pdf', '.png')
    >>> plt.close(fig)
    """
    _restyle(fig)
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    pdf = stem.with_name(stem.name + ".pdf")
    png = stem.with_name(stem.name + ".png")
    with style():
        fig.savefig(pdf)
        fig.savefig(png, dpi=200)
    return pdf, png


_LEGEND_LOCATIONS = (
    "upper left", "upper right", "lower left", "lower right", "upper center",
    "lower center", "center left", "center right", "center",
)


def data_points(ax) -> np.ndarray:
    """The data points drawn on ``ax`` (line vertices, scatter offsets), in pixels.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([0, 1], [0, 1], "o")
    >>> data_points(ax).shape
    (2, 2)
    >>> plt.close(fig)
    """
    pts = []
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.size:
            pts.append(line.get_transform().transform(xy))
    from matplotlib.collections import PathCollection

    for coll in ax.collections:
        if not isinstance(coll, PathCollection):  # scatter points; not fills or meshes
            continue
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if offsets.size:
            pts.append(coll.get_offset_transform().transform(offsets))
    if not pts:
        return np.empty((0, 2))
    out = np.concatenate(pts)
    return out[np.all(np.isfinite(out), axis=1)]


def _renderer(fig):
    """A drawn renderer for ``fig`` (a figure closed by pyplot gets an Agg canvas)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def legend_overlaps(ax) -> int:
    """How many of ``ax``'s data points its legend covers (0 without a legend).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot(range(5), range(5), "o", label="data")
    >>> place_legend(ax)
    >>> legend_overlaps(ax)
    0
    >>> plt.close(fig)
    """
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return 0
    box = legend.get_window_extent(_renderer(ax.figure))
    pts = data_points(ax)
    if pts.size == 0:
        return 0
    inside = (
        (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
        & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
    )
    return int(inside.sum())


def tick_label_collisions(ax) -> list[tuple[str, str]]:
    """Pairs of neighbouring tick labels of ``ax`` that overlap (e.g. "3x10^1" on "4x10^1").

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.loglog([20, 40], [30, 60])
    >>> log_ticks(ax)
    >>> tick_label_collisions(ax)
    []
    >>> plt.close(fig)
    """
    renderer = _renderer(ax.figure)
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
        labels = [t.label1 for t in ticks if t.label1.get_visible() and t.label1.get_text()]
        labels = [t for t in labels if _in_view(axis, t)]
        boxes = sorted(((t.get_window_extent(renderer), t.get_text()) for t in labels),
                       key=lambda b: (b[0].x0, b[0].y0))
        for (a, ta), (b, tb) in zip(boxes, boxes[1:]):
            if a.overlaps(b):
                out.append((ta, tb))
    return out


def _in_view(axis, text) -> bool:
    lo, hi = sorted(axis.get_view_interval())
    x, y = text.get_position()
    v = x if axis.axis_name == "x" else y
    return lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) if lo > 0 else lo <= v <= hi


def place_legend(ax, **kwargs) -> None:
    """Add ``ax``'s legend where it covers no data point: inside when a corner is free,
    above the axes otherwise.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot(range(10), range(10), "o", label="data")
    >>> place_legend(ax)
    >>> legend_overlaps(ax)
    0
    >>> plt.close(fig)
    """
    kwargs.setdefault("frameon", False)
    with style():  # the legend takes the style's font sizes when it is built
        for loc in ("best", *_LEGEND_LOCATIONS):
            ax.legend(loc=loc, **kwargs)
            if legend_overlaps(ax) == 0:
                return
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0.0,
                  ncols=min(len(handles), 2) or 1, **kwargs)


def _decades(lo: float, hi: float) -> float:
    return float(np.log10(hi / lo)) if lo > 0 and hi > 0 else 0.0


def _short_log_range_ticks(lo: float, hi: float) -> list[float]:
    """2 to 6 readable ticks (1, 2, 5 or 1..9 times a power of ten) inside [lo, hi]."""
    k0, k1 = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    for subs in ((1.0,), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0), tuple(range(1, 10))):
        ticks = [m * 10.0**k for k in range(k0, k1 + 1) for m in subs]
        ticks = [t for t in ticks if lo <= t * (1 + 1e-12) and t <= hi * (1 + 1e-12)]
        if len(ticks) >= 3 or (len(ticks) >= 2 and subs == tuple(range(1, 10))):
            while len(ticks) > 6:
                ticks = ticks[::2]
            return ticks
    # a range inside one step of 1..9: its ends, rounded to two digits
    return [float(f"{lo:.2g}"), float(f"{hi:.2g}")]


def _range_locator():
    from matplotlib.ticker import Locator

    class ShortLogRange(Locator):
        """Readable ticks on a log axis that spans less than a decade."""

        def __call__(self):
            lo, hi = sorted(self.axis.get_view_interval())
            return self.tick_values(lo, hi)

        def tick_values(self, vmin, vmax):
            lo, hi = sorted((vmin, vmax))
            return _short_log_range_ticks(max(lo, 1e-300), hi)

    return ShortLogRange()


def log_ticks(ax) -> None:
    """Ticks for the log axes of ``ax`` chosen from the data range, never colliding.

    Over a decade or more: labels at the powers of ten only (unlabelled minor ticks);
    over less: labels at 1, 2 and 5 times the powers of ten, as plain numbers.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.loglog([20, 40], [30, 60])
    >>> log_ticks(ax)
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ['20', '30', '40']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def plain(value, _pos=None):
        return f"{value:g}" if 1e-3 <= abs(value) < 1e5 else f"{value:.0e}"

    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        lo, hi = min(lo, hi), max(lo, hi)
        axis.set_minor_formatter(NullFormatter())
        if _decades(lo, hi) < 1.0:
            axis.set_major_locator(_range_locator())
            axis.set_major_formatter(FuncFormatter(plain))
        elif _decades(lo, hi) < 4.0:
            axis.set_major_locator(LogLocator(base=10))
            axis.set_major_formatter(FuncFormatter(plain))
        else:
            axis.set_major_locator(LogLocator(base=10))


def missing_labels(fig) -> list[str]:
    """The axes of ``fig`` (by title or index) that show tick labels but no axis label.

    An axis that is hidden, turned off, or shows no tick labels (the inner panels of a
    shared grid, the x axis of a ``twinx``) needs no label.

    Examples
    --------
    >>> fig, ax = figure()
    >>> ax.set_xlabel("$x$")
    Text(...)
    >>> missing_labels(fig)
    ['axes 0: y']
    >>> plt.close(fig)
    """
    _renderer(fig)
    out = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison or ax.get_label() == "<colorbar>":
            continue
        name = ax.get_title() or f"axes {i}"
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            shows_ticks = axis.get_visible() and any(
                t.get_visible() and t.get_text() for t in axis.get_ticklabels()
            )
            if shows_ticks and not axis.get_label_text().strip():
                out.append(f"{name}: {which}")
    return out


def loglog_fit(
    ax,
    x: Sequence[float],
    y: Sequence[float],
    label: str = "",
    confidence: float = 0.95,
    marker: str = "o",
    color=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    reference_slope: float | None = None,
    reference_label: str | None = None,
) -> SlopeFit:
    """Scatter ``y`` against ``x`` on log-log axes, draw the fitted line, annotate its slope.

    The legend entry reads ``label: slope s [lo, hi]`` with the ``confidence`` interval;
    the legend goes where it covers no point, the log ticks are chosen from the data.

    Parameters
    ----------
    xlabel, ylabel : str, optional
        Axis labels (mathtext welcome); ``"$x$"`` and ``"$y$"`` when the axes have none.
    reference_slope : float, optional
        Also draw the line of this slope through the data's geometric centre (dashed),
        e.g. the rate a theorem predicts.
    reference_label : str, optional
        Its legend entry (default ``"slope <reference_slope>"``).

    Returns
    -------
    SlopeFit
        The fit that was drawn.

    Examples
    --------
    >>> fig, ax = figure()
    >>> loglog_fit(ax, [1, 2, 4], [1, 4, 16], label="x^2", reference_slope=2).slope
    2.0
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x$', '$y$')
    >>> plt.close(fig)
    """
    fit = fit_loglog(x, y, confidence=confidence)
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    pts = ax.loglog(xa, ya, marker, color=color, alpha=0.7, linestyle="none")
    c = pts[0].get_color()
    grid = np.geomspace(xa.min(), xa.max(), 50)
    text = f"slope {fit.slope:.2f} [{fit.low:.2f}, {fit.high:.2f}]"
    ax.loglog(
        grid,
        np.exp(fit.intercept) * grid**fit.slope,
        "-",
        color=c,
        label=f"{label}: {text}" if label else text,
    )
    if reference_slope is not None:
        x0 = float(np.exp(np.mean(np.log(xa))))
        y0 = float(np.exp(np.mean(np.log(ya))))
        ax.loglog(grid, y0 * (grid / x0) ** reference_slope, "--", color="0.4", lw=0.9,
                  label=reference_label or f"slope {reference_slope:g}")
    if xlabel is not None or not ax.get_xlabel():
        ax.set_xlabel(xlabel or "$x$")
    if ylabel is not None or not ax.get_ylabel():
        ax.set_ylabel(ylabel or "$y$")
    log_ticks(ax)
    place_legend(ax)
    return fit
