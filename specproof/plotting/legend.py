"""Legends that cover no data: where the points are, and where the legend may go."""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof.plotting.style import figure, style  # noqa: F401 (figure: the examples)
from specproof.plotting.wrap import wrap_label

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


def _canvas_renderer(fig):
    """``fig``'s renderer without a draw (a figure closed by pyplot gets an Agg canvas):
    the width of a text or a legend does not depend on the layout."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _legend_width(ax) -> float:
    """The width of ``ax``'s legend in pixels, measured without a draw."""
    return ax.get_legend().get_window_extent(_canvas_renderer(ax.figure)).width


def _left_decorations(ax, renderer) -> float:
    """How far, in pixels, the y axis' tick labels and label reach left of ``ax``."""
    box = ax.yaxis.get_tightbbox(renderer) if ax.yaxis.get_visible() else None
    return 0.0 if box is None else max(0.0, ax.bbox.x0 - box.x0)


def _bare_layout(ax) -> tuple[float, float]:
    """The width in pixels of ``ax`` once the figure is laid out without its legend, and
    how far its y axis' decorations reach left of it: a legend inside may take the
    width, one above or below the axes also the decorations' column (the constrained
    layout keeps that room anyway). Measured with the legend removed, as one drawn wider
    already squeezed the axes it is measured against."""
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    fig = ax.figure
    renderer = _canvas_renderer(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    return ax.bbox.width, _left_decorations(ax, renderer)


def _text_width(fig, text: str, prop) -> float:
    """The width in pixels of ``text`` (one line, mathtext welcome) in font ``prop``."""
    from matplotlib.text import Text

    t = Text(0, 0, text, fontproperties=prop)
    t.set_figure(fig)
    return t.get_window_extent(_canvas_renderer(fig)).width


def _fit_legend(ax, room: float, build, labels: list[str], title: str | None) -> None:
    """Build ``ax``'s legend with ``build(labels, title)``, its labels and title wrapped
    until the legend is no wider than ``room`` pixels (one wider than the room its axes
    give makes the constrained layout shrink them: to 5 % of the figure for a
    20-character label)."""
    from functools import partial

    fig = ax.figure
    build(labels, title)
    for _ in range(4):
        excess = _legend_width(ax) - room
        if excess <= 0:
            return
        legend = ax.get_legend()
        prop = legend.get_texts()[0].get_fontproperties() if legend.get_texts() \
            else legend.get_title().get_fontproperties()
        width_of = partial(_text_width, fig, prop=prop)
        texts = [*labels, *([title] if title else [])]
        widest = max((width_of(line) for t in texts for line in t.split("\n")), default=0.0)
        # the legend's handles and padding stay: the text alone gives up the excess
        limit = widest - excess
        if limit <= 0:  # the handles and padding alone are wider than the room
            break
        labels = [wrap_label(t, limit, width_of) for t in labels]
        if title:
            title = wrap_label(title, limit, width_of)
        build(labels, title)
    if _legend_width(ax) > room:
        from specproof._core import ArgumentError

        raise ArgumentError(
            f"the legend of {labels!r} is {_legend_width(ax) / ax.figure.dpi:.2f} in wide "
            f"even wrapped, wider than the {room / ax.figure.dpi:.2f} in its axes leave it: "
            "shorten its entries, or draw a wider figure (figure(width='page'))")


def _entries(ax, kwargs: dict) -> tuple[list, list[str], str | None, dict]:
    """The handles, labels and title a legend of ``ax`` built with ``kwargs`` shows, and
    the other arguments."""
    rest = dict(kwargs)
    handles = rest.pop("handles", None)
    labels = rest.pop("labels", None)
    title = rest.pop("title", None)
    if handles is None:
        found, found_labels = ax.get_legend_handles_labels()
        handles = found
        labels = found_labels if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    return list(handles), [str(label) for label in labels], title, rest


def _outside_its_column(ax) -> bool:
    """Whether ``ax``'s legend reaches right of the axes or left of their y axis'
    decorations: the constrained layout then shrinks the axes to make room for it."""
    renderer = _renderer(ax.figure)
    box = ax.get_legend().get_window_extent(renderer)
    left = ax.bbox.x0 - _left_decorations(ax, renderer)
    return box.x0 < left - 1 or box.x1 > ax.bbox.x1 + 1


def place_legend(ax, **kwargs) -> None:
    """Add ``ax``'s legend where it covers no data point: inside when a corner is free,
    above the axes otherwise, never beside them (where it would squeeze the plot).

    Above the axes the legend starts at their left edge and ends by their right edge
    (reaching left over the y axis' tick labels and label when it must): in two columns
    when they fit, else in one, with labels too long for it wrapped at spaces (a formula
    is kept whole, a long plain word broken). The font stays the style's 7 pt, the
    smallest a figure may print at.

    The choice is remembered: :func:`~specproof.plotting.finish_figure` places the legend
    again when the figure's final fonts and layout make it cover data, leave the figure or
    reach past its axes' column.

    Raises
    ------
    ArgumentError
        A formula in a label is wider than the axes and their y axis' labels: no
        wrapping makes it fit.

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
    handles, labels, title, rest = _entries(ax, kwargs)
    with style():  # the legend takes the style's font sizes when it is built
        width, left = _bare_layout(ax)
        for loc in ("best", *_LEGEND_LOCATIONS):
            ax.legend(handles, labels, loc=loc, title=title, **rest)
            # one wider than the axes is measured before the draw: drawing it collapsed
            # the layout (matplotlib warns "axes sizes collapsed to zero") to reject it;
            # the draw then confirms only a place that is free at the bare layout
            if (_legend_width(ax) <= width and _free_at_bare_layout(ax)
                    and legend_overlaps(ax) == 0):
                break
        else:
            _legend_above(ax, width, left, handles, labels, title, rest)
    ax._specproof_placed = (ax.get_legend(), kwargs)


def _free_at_bare_layout(ax) -> bool:
    """Whether ``ax``'s legend lies inside the axes and covers none of their data points,
    measured at the layout :func:`_bare_layout` made, without a draw. A legend inside the
    axes does not change that layout, so this tells most places apart at a small part of
    a draw's cost (a draw per place tried took most of a claim's figure time)."""
    box = ax.get_legend().get_window_extent(_canvas_renderer(ax.figure))
    frame = ax.bbox
    if (box.x0 < frame.x0 - 1 or box.x1 > frame.x1 + 1
            or box.y0 < frame.y0 - 1 or box.y1 > frame.y1 + 1):
        return False
    pts = data_points(ax)
    return not bool(np.any((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
                           & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)))


def _legend_above(ax, width: float, left: float, handles: list, labels: list[str],
                  title: str | None, rest: dict) -> None:
    """``ax``'s legend just above the axes (``width`` pixels wide), in two columns when
    they fit, else in one, its text wrapped to fit; it may reach left over the y axis'
    tick labels and label (``left`` pixels), never right of the axes."""
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    # over the axes' title, not on it: the title stays where matplotlib puts it (just
    # above the axes) and the legend goes above it, its gap in inches like the shift
    lift = _title_top(ax)
    anchor_y, gap = (1.02, 0.0) if lift == 0.0 else (1.0, lift + 2.0 / 72)
    above = {"loc": "lower left", "bbox_to_anchor": (0.0, anchor_y), "borderaxespad": 0.0,
             **rest}
    room = width + left
    if len(handles) > 1:
        ax.legend(handles, labels, ncols=2, title=title, **above)
    if len(handles) <= 1 or _legend_width(ax) > room:
        _fit_legend(ax, room, lambda lab, tit: ax.legend(handles, lab, ncols=1, title=tit,
                                                         **above), labels, title)
    # flush with the axes' left edge; one wider reaches left over the y axis' labels as
    # far as it must (in inches, which hold at any later size of the axes)
    shift = min(left, max(0.0, _legend_width(ax) - width)) / fig.dpi
    ax.get_legend().set_bbox_to_anchor(
        (0.0, anchor_y),
        transform=ax.transAxes + ScaledTranslation(-shift, gap, fig.dpi_scale_trans))


def axes_titles(ax) -> list:
    """The visible, non-empty titles of ``ax`` (centre, left, right) as Text artists."""
    titles = (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))
    return [t for t in titles if t is not None and t.get_visible() and t.get_text()]


def _title_top(ax) -> float:
    """How far, in inches, ``ax``'s titles reach above the axes (0 without a title)."""
    renderer = _canvas_renderer(ax.figure)
    titles = axes_titles(ax)
    if not titles:
        return 0.0
    if hasattr(ax, "_update_title_position"):
        # where a draw puts them: above any x tick labels on top of the axes
        ax._update_title_position(renderer)
    top = max(t.get_window_extent(renderer).y1 for t in titles)
    return max(0.0, top - ax.bbox.y1) / ax.figure.dpi


def legend_below(ax, **kwargs) -> None:
    """A legend of every labelled artist of ``ax`` (each label once), centred just below
    the x label: anchored ``-0.2`` of the axes' height below it, it covered the label.
    It is no wider than the axes and their y axis' tick labels and label, its labels
    and title wrapped as in :func:`place_legend` (a wider one squeezed the axes).

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
    # drawn without the legend just above: the room the axes have before it takes any,
    # the column of the y axis' decorations included (the layout keeps it anyway)
    left = _left_decorations(ax, renderer)
    room = ax.bbox.width + left
    handles, labels, title, rest = _entries(ax, kwargs)
    unique = dict(zip(labels, handles))  # a reference slope per curve, listed once
    anchor = {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "borderaxespad": 0.0,
              "bbox_transform": ax.transAxes + ScaledTranslation(0, -gap, fig.dpi_scale_trans)}
    with style():
        # one wider than the room sticks out on both sides, and the constrained layout
        # shrinks the axes to make room for it
        _fit_legend(ax, room, lambda lab, tit: ax.legend(
            list(unique.values()), lab, title=tit, **anchor, **rest), list(unique), title)
    # centred under the axes; one wider moves left, over the y axis' labels, until it
    # ends at the axes' right edge
    shift = min(left, max(0.0, _legend_width(ax) - ax.bbox.width)) / 2 / fig.dpi
    ax.get_legend().set_bbox_to_anchor(
        (0.5, 0.0), transform=ax.transAxes + ScaledTranslation(-shift, -gap, fig.dpi_scale_trans))
    ax._specproof_below = (ax.get_legend(), kwargs)


def replace_legends(fig) -> None:
    """Place again, with :func:`place_legend`, each legend it placed on ``fig`` that now
    covers data, leaves the figure or its axes' column (fonts, ticks and layout
    change after the legend was made); build each :func:`legend_below` again (final
    fonts, lines drawn since).
    """
    # imported here: the checks module reads this one's measurements
    from specproof.plotting.checks_hidden import legend_text_overlaps

    for ax in fig.axes:
        legend, kwargs = getattr(ax, "_specproof_below", (None, None))
        if legend is not None and ax.get_legend() is legend:
            legend_below(ax, **kwargs)
            continue
        legend, kwargs = getattr(ax, "_specproof_placed", (None, None))
        if legend is None or ax.get_legend() is not legend:  # replaced by the caller since
            continue
        if (legend_overlaps(ax) or _off_figure(ax) or _outside_its_column(ax)
                or legend_text_overlaps(ax)):
            place_legend(ax, **kwargs)
