"""Checks of what a figure hides or shrinks: a saved file wider than the figure, points a
log axis drops or a scatter shows nowhere, a figure legend over data, text that does not
contrast with a ``pcolormesh`` cell. :func:`~specproof.plotting.figure_problems` gathers
them with the rules of :mod:`specproof.plotting.checks`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof.plotting._args import over, positive_number
from specproof.plotting.colours import _backdrop, contrast_ratio
from specproof.plotting.legend import _renderer, axes_titles, data_points
from specproof.plotting.style import (  # noqa: F401 (figure: the examples)
    MIN_FONT_PT,
    STYLE,
    WIDTHS,
    figure,
)

# how much wider than the figure its saved file may be (rounding of the tight box)
_WIDTH_TOLERANCE = 0.005


def saved_width(fig) -> float:
    """The width in inches of the file :func:`~specproof.plotting.save_figure` writes:
    the tight box around everything drawn (``savefig.bbox = "tight"``) plus its padding,
    which is wider than the figure when a title, label or text sticks out of it.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2]); _ = ax.set_title("a title " * 12)
    >>> float(fig.get_figwidth()), saved_width(fig) > 4
    (3.0, True)
    >>> plt.close(fig)
    """
    box = fig.get_tightbbox(_renderer(fig))
    return float(box.width + 2 * float(STYLE["savefig.pad_inches"]))


def oversized_figure(fig, printed_width: float = WIDTHS["column"]) -> list[str]:
    """A saved file wider than the figure (``savefig.bbox = "tight"`` grows it to hold
    what sticks out), with what sticks out and, when the file is wider than
    ``printed_width`` (a figure is shrunk to ``\\columnwidth``, never enlarged), the size
    its smallest text then prints at: a title 4.7 in wide put 7 pt at 4.6 pt.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2]); _ = ax.set_title("a title " * 12)
    >>> problem, = oversized_figure(fig)
    >>> "wider than the figure (3.00 in)" in problem, "sticking out: 'a title a title" in problem
    (True, True)
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    printed_width = positive_number(printed_width, "printed_width")
    width, set_width = saved_width(fig), fig.get_figwidth()
    if width <= set_width * (1 + _WIDTH_TOLERANCE):
        return []
    renderer = _renderer(fig)
    # tick labels of ticks outside the view are visible but not drawn: not sticking out
    undrawn = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
               for tick in (*axis.get_major_ticks(), *axis.get_minor_ticks())
               if not _tick_in_view(axis, tick) for label in (tick.label1, tick.label2)}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
             and id(t) not in undrawn]
    out = [repr(t.get_text()[:40]) for t in texts
           if (lambda b: b.x0 < -1 or b.x1 > fig.bbox.width + 1)(t.get_window_extent(renderer))]
    message = f"saved {width:.2f} in wide, wider than the figure ({set_width:.2f} in)"
    if width > printed_width:
        smallest = min((t.get_fontsize() for t in texts), default=MIN_FONT_PT)
        message += (f": printed {printed_width:.2f} in wide its {smallest:g} pt text prints at"
                    f" {smallest * printed_width / width:.1f} pt")
    return [message + (f"; sticking out: {', '.join(out[:3])}" if out else "")]


def _tick_in_view(axis, tick) -> bool:
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * max(abs(lo), abs(hi))
    return lo - slack <= tick.get_loc() <= hi + slack


def _name(artist, kind: str) -> str:
    label = artist.get_label()
    return f"{kind} {label!r}" if label and not label.startswith("_") else f"a {kind}"


def hidden_points(ax) -> list[str]:
    """Points a log axis of ``ax`` cannot show (zero or negative: matplotlib drops them
    without a word), and scatter plots none of whose points is in view.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.semilogy([1, 2, 3], [0.0, -1.0, 2.0], "o", label="err")
    >>> _ = ax.scatter([1, 2], [50, 60], label="s"); _ = ax.set_ylim(1, 10)
    >>> for problem in hidden_points(ax):
    ...     print(problem)
    line 'err': 2 of its 3 points are <= 0 on the log y axis
    scatter 's': none of its 2 points is in view
    >>> plt.close(fig)
    """
    from matplotlib.collections import PathCollection

    out = []
    logs = [(i, n) for i, n in enumerate("xy") if getattr(ax, f"get_{n}scale")() == "log"]
    sets = [(_name(line, "line"), line.get_transform(), np.asarray(line.get_xydata(), float))
            for line in ax.get_lines() if line.get_visible()]
    sets += [(_name(c, "scatter"), c.get_offset_transform(),
              np.asarray(c.get_offsets(), float).reshape(-1, 2))
             for c in ax.collections if isinstance(c, PathCollection) and c.get_visible()]
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    for name, transform, xy in sets:
        if transform != ax.transData or xy.size == 0:
            continue  # axhline & co: in axes coordinates along one direction
        for i, axis_name in logs:
            dropped = int(np.sum(xy[:, i] <= 0))
            if dropped:
                out.append(f"{name}: {dropped} of its {len(xy)} points are <= 0 on the log "
                           f"{axis_name} axis")
        if name.startswith(("scatter", "a scatter")):
            seen = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
            if not seen.any():
                out.append(f"{name}: none of its {len(xy)} points is in view")
    return out


def figure_legend_overlaps(fig) -> list[str]:
    """Legends of the figure itself (``fig.legend``) that cover data points of an axes.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot(range(9), range(9), "o", label="data")
    >>> _ = fig.legend(loc="center")
    >>> figure_legend_overlaps(fig)
    ['a figure legend covers 2 data points of axes 0']
    >>> plt.close(fig)
    """
    renderer = _renderer(fig)
    out = []
    for legend in fig.legends:
        if not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        for i, ax in enumerate(fig.axes):
            pts = data_points(ax)
            inside = int(np.sum((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
                                & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)))
            if inside:
                out.append(f"a figure legend covers {inside} data points of "
                           f"{ax.get_title() or f'axes {i}'}")
    return out


def _axes_texts(ax) -> list[tuple[str, object]]:
    """``ax``'s titles, texts (``ax.text``, ``annotate``), axis labels and tick labels in
    view, with a name each."""
    name = ax.get_title() or "its axes"
    texts = [(f"the title {t.get_text()!r}", t) for t in axes_titles(ax)]
    texts += [(f"the text {t.get_text()!r}", t) for t in ax.texts
              if t.get_visible() and t.get_text().strip()]
    for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        if not axis.get_visible():
            continue
        if axis.label.get_visible() and axis.label.get_text():
            texts.append((f"the {which} label {axis.label.get_text()!r} of {name}", axis.label))
        lo, hi = sorted(axis.get_view_interval())
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            if not lo <= tick.get_loc() <= hi:
                continue
            for label in (tick.label1, tick.label2):
                if label.get_visible() and label.get_text():
                    texts.append((f"the {which} tick label {label.get_text()!r} of {name}",
                                  label))
    return texts


def legend_text_overlaps(ax) -> list[str]:
    """The titles, axis labels and tick labels (of any axes of the figure) that ``ax``'s
    legend covers: a legend above the axes sat on their title.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2], label="data"); _ = ax.set_title("a title")
    >>> _ = ax.legend(loc="lower center", bbox_to_anchor=(0.5, 0.98))
    >>> legend_text_overlaps(ax)
    ["the title 'a title'"]
    >>> plt.close(fig)
    """
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return []
    renderer = _renderer(ax.figure)
    box = legend.get_window_extent(renderer)
    out = []
    fig = ax.figure
    # the figure's own texts too (fig.text, suptitle, supxlabel)
    figure_texts = [(f"the figure text {t.get_text()!r}", t) for t in fig.texts
                    if t.get_visible() and t.get_text().strip()]
    for other in [None, *fig.axes]:
        if other is not None and not other.get_visible():
            continue
        for name, text in (figure_texts if other is None else _axes_texts(other)):
            t = text.get_window_extent(renderer)
            # more than a pixel of both extents: a glyph's box touching the legend's
            # padding is not a covered text
            if (min(box.x1, t.x1) - max(box.x0, t.x0) > 1.0
                    and min(box.y1, t.y1) - max(box.y0, t.y0) > 1.0):
                out.append(name)
    return out


def mesh_low_contrast(ax, minimum: float = 4.5) -> list[str]:
    """Texts on a ``pcolormesh`` cell whose colour contrasts less than ``minimum`` (WCAG)
    with the cell's (:func:`~specproof.plotting.low_contrast_annotations` does images).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.pcolormesh(np.array([[0.0, 1.0]]), cmap="gray", vmin=0, vmax=1)
    >>> _ = ax.text(0.5, 0.5, "0", color="black"); _ = ax.text(1.5, 0.5, "1", color="black")
    >>> mesh_low_contrast(ax)
    ["'0' at (0.5, 0.5): contrast 1.0"]
    >>> plt.close(fig)
    """
    from matplotlib.collections import QuadMesh
    from matplotlib.colors import to_rgba

    out = []
    backdrop = _backdrop(ax)
    for mesh in (c for c in ax.collections if isinstance(c, QuadMesh) and c.get_visible()):
        corners = np.asarray(mesh.get_coordinates(), dtype=float)  # (rows + 1, cols + 1, 2)
        if mesh.get_transform() != ax.transData or corners.ndim != 3:
            continue
        rows, cols = corners.shape[0] - 1, corners.shape[1] - 1
        colours = np.asarray(mesh.to_rgba(mesh.get_array()), dtype=float).reshape(rows, cols, 4)
        if mesh.get_alpha() is not None:
            colours[..., 3] *= float(mesh.get_alpha())
        # each cell's bounding box: exact for the rectilinear grids heat maps use
        quad = np.stack([corners[:-1, :-1], corners[:-1, 1:], corners[1:, :-1],
                         corners[1:, 1:]])
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip() \
                    or text.get_transform() != ax.transData:
                continue
            x, y = text.get_position()
            hit = np.argwhere((lo[..., 0] <= x) & (x < hi[..., 0])
                              & (lo[..., 1] <= y) & (y < hi[..., 1]))
            if not hit.size:
                continue
            background = over(colours[tuple(hit[0])], backdrop)
            ink = over(to_rgba(text.get_color(), text.get_alpha()), background)
            ratio = contrast_ratio(ink, background)
            if ratio < minimum:
                out.append(f"{text.get_text()!r} at ({x:g}, {y:g}): contrast {ratio:.1f}")
    return out
