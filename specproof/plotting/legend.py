"""Legends that cover no data: where the points are, and where the legend may go."""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof.plotting.style import figure, style  # noqa: F401 (figure: the examples)

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
    """A renderer for ``fig`` after a draw (a figure closed by pyplot gets an Agg canvas).

    The figure is drawn again only when something changed since the last draw
    (``fig.stale``), and not at all inside :func:`held_drawn`: the checks measure one
    figure many times, and a draw of a multi-panel figure costs a good part of a second.
    """
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    drawn = getattr(fig, "_specproof_drawn_by", None) is fig.canvas
    # while a batch of checks reads the figure (held_drawn), reading tick labels marks it
    # stale without changing what is drawn: one draw serves the whole batch
    if not drawn or (fig.stale and not getattr(fig, "_specproof_hold", False)):
        fig.canvas.draw()
        fig._specproof_drawn_by = fig.canvas
    return fig.canvas.get_renderer()


@contextmanager
def held_drawn(fig):
    """Draw ``fig`` once and let every check inside the block measure that drawing."""
    fig._specproof_drawn_by = None
    _renderer(fig)
    fig._specproof_hold = True
    try:
        yield fig
    finally:
        fig._specproof_hold = False


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


def _off_figure(ax) -> bool:
    """Whether ``ax``'s legend runs past an edge of its figure."""
    fig = ax.figure
    box = ax.get_legend().get_window_extent(_renderer(fig))
    return (box.x0 < -1 or box.y0 < -1 or box.x1 > fig.bbox.width + 1
            or box.y1 > fig.bbox.height + 1)


def _narrower_than_figure(ax) -> bool:
    """Whether ``ax``'s legend fits the figure right of the axes' left decorations (tick
    labels, label), where a legend above the axes starts; measured without a draw, as its
    width does not depend on the layout. Drawing one too wide collapses the constrained
    layout (matplotlib warns "axes sizes collapsed to zero") only to reject the legend."""
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    width = ax.get_legend().get_window_extent(renderer).width
    left = max(0.0, ax.bbox.x0 - ax.get_tightbbox(renderer).x0)
    return width <= fig.bbox.width - left


def place_legend(ax, **kwargs) -> None:
    """Add ``ax``'s legend where it covers no data point: inside when a corner is free,
    above the axes otherwise (in two columns when they fit the figure, else one).

    The choice is remembered: :func:`~specproof.plotting.finish_figure` places the legend
    again when the figure's final fonts and layout make it cover data or leave the figure.

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
                break
        else:
            handles, _ = ax.get_legend_handles_labels()
            for ncols in sorted({min(len(handles), 2) or 1, 1}, reverse=True):
                ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0.0,
                          ncols=ncols, **kwargs)
                if ncols > 1 and not _narrower_than_figure(ax):
                    continue
                if not _off_figure(ax):
                    break
    ax._specproof_placed = (ax.get_legend(), kwargs)


def legend_below(ax, **kwargs) -> None:
    """A legend of every labelled artist of ``ax`` (each label once), centred just below
    the x label: anchored ``-0.2`` of the axes' height below it, it covered the label.

    The gap is measured from the x axis' tick labels and label, in inches, so it holds at
    any later size of the axes; :func:`~specproof.plotting.finish_figure` builds it again
    with the final fonts and with lines drawn after it (a shared reference slope).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2], "o", label="data"); _ = ax.set_xlabel("width $m$")
    >>> legend_below(ax)
    >>> r = _renderer(fig)
    >>> bool(ax.get_legend().get_window_extent(r).y1 < ax.xaxis.label.get_window_extent(r).y0)
    True
    >>> plt.close(fig)
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    kwargs.setdefault("frameon", False)
    old = ax.get_legend()
    if old is not None:  # not measured as part of the x axis' decorations
        old.remove()
    renderer = _renderer(fig)
    below = ax.bbox.y0 - ax.xaxis.get_tightbbox(renderer).y0
    gap = max(below, 0.0) / fig.dpi + 2.0 / 72
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))  # a reference slope per curve, listed once
    with style():
        ax.legend(list(unique.values()), list(unique), loc="upper center",
                  bbox_to_anchor=(0.5, 0.0), borderaxespad=0.0,
                  bbox_transform=ax.transAxes + ScaledTranslation(0, -gap, fig.dpi_scale_trans),
                  **kwargs)
    ax._specproof_below = (ax.get_legend(), kwargs)


def replace_legends(fig) -> None:
    """Place again, with :func:`place_legend`, each legend it placed on ``fig`` that now
    covers data or leaves the figure (fonts and layout change after the legend was made);
    build each :func:`legend_below` again (final fonts, lines drawn since).
    """
    for ax in fig.axes:
        legend, kwargs = getattr(ax, "_specproof_below", (None, None))
        if legend is not None and ax.get_legend() is legend:
            legend_below(ax, **kwargs)
            continue
        legend, kwargs = getattr(ax, "_specproof_placed", (None, None))
        if legend is None or ax.get_legend() is not legend:  # replaced by the caller since
            continue
        if legend_overlaps(ax) or _off_figure(ax):
            place_legend(ax, **kwargs)
