"""Checks of the figure rules; the tests apply them to every built-in claim's figures.

Each returns what breaks a rule (empty when the figure is fine), so a test can show it:
tick labels that collide or repeat, data out of view (inverted limits), axes without a
label, a log axis with fewer than three labels,
fractional ticks on integer data, axes squeezed by a legend, annotations that do not
contrast with their cell, a fitted line without its reference slope, text that prints
below 7 pt in a column.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np  # noqa: F401 (the examples)

from specproof._core import ArgumentError
from specproof.plotting._args import one_figure, over, positive_number
from specproof.plotting.annotate import FIT_GID, REFERENCE_GID
from specproof.plotting.checks_hidden import (
    figure_legend_overlaps,
    hidden_points,
    legend_text_overlaps,
    mesh_low_contrast,
    oversized_figure,
)
from specproof.plotting.colours import cell_colours, cell_index, contrast_ratio
from specproof.plotting.legend import _renderer, held_drawn, legend_overlaps
from specproof.plotting.style import MIN_FONT_PT, WIDTHS, figure  # noqa: F401 (examples)
from specproof.plotting.ticks import (  # noqa: F401 (log_ticks: the examples)
    INTEGER_TOLERANCE,
    MIN_LOG_LABELS,
    integer_data,
    log_ticks,
)

# an axes with a legend keeps at least this share of its column of the figure's width
MIN_AXES_SHARE = 0.7


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
        # every pair, not neighbours after a sort by (x0, y0): right-aligned y labels of
        # different widths sorted "1.02" before "1", past the label it overlapped
        boxes = [(t.get_window_extent(renderer), t.get_text()) for t in labels]
        boxes.sort(key=lambda b: (b[0].x0, b[0].y0) if axis is ax.xaxis else (b[0].y0, b[0].x0))
        out += [(ta, tb) for i, (a, ta) in enumerate(boxes) for b, tb in boxes[i + 1:]
                if a.overlaps(b)]
    return out


def _in_view(axis, text) -> bool:
    lo, hi = sorted(axis.get_view_interval())
    x, y = text.get_position()
    v = x if axis.axis_name == "x" else y
    return lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) if lo > 0 else lo <= v <= hi


def repeated_tick_labels(ax) -> list[str]:
    """Tick labels of ``ax`` shown at more than one place with the same text ("3", "3",
    "3" on a log axis from 3 to 3.0000002: nobody can read the axis).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2, 3], [1, 2, 3]); _ = ax.set_xticks([1, 2, 3], ["a", "b", "a"])
    >>> repeated_tick_labels(ax)
    ["x: 'a' at 2 ticks"]
    >>> plt.close(fig)
    """
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
        texts = [t.label1.get_text() for t in ticks
                 if t.label1.get_visible() and t.label1.get_text() and _in_view(axis, t.label1)]
        for text in sorted(set(texts)):
            if texts.count(text) > 1:
                out.append(f"{axis.axis_name}: {text!r} at {texts.count(text)} ticks")
    return out


def data_out_of_view(ax) -> list[str]:
    """Limits of ``ax`` that are inverted or not finite (matplotlib's answer to a log axis
    it cannot draw), and lines none of whose points is in view.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2], label="a"); _ = ax.set_ylim(5, 6)
    >>> data_out_of_view(ax)
    ["line 'a': none of its 2 points is in view"]
    >>> plt.close(fig)
    """
    out = []
    limits = {"x": ax.get_xlim(), "y": ax.get_ylim()}
    for name, (lo, hi) in limits.items():
        inverted = getattr(ax, f"{name}axis_inverted")()
        if not (math.isfinite(lo) and math.isfinite(hi)) or (lo > hi) != inverted:
            out.append(f"{name} limits {lo:.3g} .. {hi:.3g} are not an interval matplotlib "
                       "drew on purpose (inverted or not finite)")
    if out:
        return out
    (x0, x1), (y0, y1) = (sorted(v) for v in limits.values())
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        y = np.asarray(line.get_ydata(), dtype=float)
        if x.size == 0 or x.shape != y.shape:
            continue
        seen = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        if not seen.any():
            label = line.get_label()
            name = f"line {label!r}" if label and not label.startswith("_") else "a line"
            out.append(f"{name}: none of its {x.size} points is in view")
    return out


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
            # a label set invisible (or transparent) is as missing as no label
            shown = axis.label.get_visible() and axis.label.get_alpha() != 0
            if shows_ticks and not (shown and axis.get_label_text().strip()):
                out.append(f"{name}: {which}")
    return out




def _labelled_ticks(ax, axis) -> list[tuple[float, str]]:
    """(value, text) of the major ticks of ``axis`` that show a label inside the view."""
    _renderer(ax.figure)
    lo, hi = sorted(axis.get_view_interval())
    out = []
    for value, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels()):
        if label.get_visible() and label.get_text().strip() and \
                lo - 1e-9 * abs(lo) <= value <= hi + 1e-9 * abs(hi):
            out.append((float(value), label.get_text()))
    return out


def sparse_log_axes(ax) -> list[str]:
    """The log axes of ``ax`` that show fewer than three labelled ticks, with their labels.

    On integer data (:func:`~specproof.plotting.integer_data`) whose view holds fewer than
    three integers (d from 3 to 4), every integer in view must be labelled instead: a
    label at d = 3.5 would break the integer rule.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.loglog([0.04, 0.5], [1e-9, 1e-5], "o")
    >>> len(sparse_log_axes(ax))      # x: only 0.1 is labelled
    1
    >>> log_ticks(ax)
    >>> sparse_log_axes(ax)
    []
    >>> plt.close(fig)
    """
    out = []
    for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if axis.get_scale() != "log" or not axis.get_visible():
            continue
        labels = _labelled_ticks(ax, axis)
        needed = MIN_LOG_LABELS
        if integer_data(ax, which):
            lo, hi = sorted(axis.get_view_interval())
            needed = min(needed, max(0, math.floor(hi) - math.ceil(lo) + 1))
        if len(labels) < needed:
            out.append(f"{which}: {[t for _, t in labels]}")
    return out


def fractional_ticks(ax) -> list[str]:
    """Labelled ticks that are not integers on an axis whose points are all integers.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2, 3], [1.0, 1.1, 1.0], "o")
    >>> fractional_ticks(ax)
    ['x: 1.5', 'x: 2.5']
    >>> plt.close(fig)
    """
    if ax.images:
        return []
    out = []
    for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if not integer_data(ax, which):
            continue
        out += [f"{which}: {v:g}" for v, _ in _labelled_ticks(ax, axis)
                if abs(v - round(v)) > INTEGER_TOLERANCE]
    return out


def squeezed_axes(fig) -> list[str]:
    """Axes with a legend that take less than 70 % of their column of the figure's width
    (a legend beside the plot squeezes it; above or below, it does not), or whose legend
    runs off the figure (where the layout gave up making room for it).

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [1, 2], label="a legend")
    >>> _ = ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    >>> squeezed_axes(fig)
    ['axes 0: 0.49 of its column']
    >>> _ = ax.legend(["a legend entry far too long to sit beside the plot"],
    ...               loc="upper left", bbox_to_anchor=(1.0, 1.0))
    >>> squeezed_axes(fig)
    ['axes 0: its legend runs off the figure']
    >>> plt.close(fig)
    """
    renderer = _renderer(fig)
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for i, ax in enumerate(fig.axes):
        legend = ax.get_legend()
        if legend is None or not ax.get_visible():
            continue
        name = ax.get_title() or f"axes {i}"
        box = legend.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(f"{name}: its legend runs off the figure")
            continue
        spec = ax.get_subplotspec()
        ncols = spec.get_gridspec().ncols if spec is not None else 1
        share = ax.get_position().width * ncols
        if share < MIN_AXES_SHARE:
            out.append(f"{name}: {share:.2f} of its column")
    return out


def low_contrast_annotations(ax, minimum: float = 4.5) -> list[str]:
    """Texts written on a heat map cell whose colour contrasts less than ``minimum`` (WCAG)
    with the colour the cell shows: black on a dark cell, white on a pale one, any text on
    a NaN cell as pale as the axes' face. Cells are found from the image's extent and
    origin; a text's or an image's transparency is composited before comparing.

    Parameters
    ----------
    minimum : float
        The least contrast ratio, in (1, 21]: at 1 or below nothing could be flagged.

    Examples
    --------
    >>> fig, ax = figure()
    >>> im = ax.imshow(np.array([[4.0, 0.0]]), cmap="Blues", vmin=0, vmax=4)
    >>> _ = ax.text(0, 0, "4", color="black"); _ = ax.text(1, 0, "0", color="black")
    >>> low_contrast_annotations(ax)
    ["'4' at (0, 0): contrast 1.6"]
    >>> plt.close(fig)
    """
    from matplotlib.colors import to_rgba

    minimum = positive_number(minimum, "minimum")
    if not 1 < minimum <= 21:
        raise ArgumentError(f"minimum must be a contrast ratio in (1, 21], got {minimum!r}")
    out = []
    for image in ax.images:
        colours = None
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            x, y = text.get_position()
            cell = cell_index(image, x, y)
            if cell is None:
                continue
            if colours is None:
                colours = cell_colours(image)
            background = colours[cell]
            ink = over(to_rgba(text.get_color(), text.get_alpha()), background)
            ratio = contrast_ratio(ink, background)
            if ratio < minimum:
                out.append(f"{text.get_text()!r} at ({x:g}, {y:g}): contrast {ratio:.1f}")
    return out


def missing_reference_lines(ax) -> list[str]:
    """The fitted slopes (``loglog_fit`` lines) of ``ax`` drawn without a reference slope.

    A reference drawn by ``loglog_fit(..., reference_slope=...)`` belongs to that fit
    alone; one drawn by :func:`~specproof.plotting.reference_line` on its own (the rate
    the paper predicts, beside one fit per architecture) serves every fit of the axes.

    Examples
    --------
    >>> from specproof.plotting import loglog_fit
    >>> fig, ax = figure()
    >>> _ = loglog_fit(ax, [1, 2, 4, 8], [1, 2.1, 3.9, 8.2], label="a", reference_slope=1)
    >>> _ = loglog_fit(ax, [1, 2, 4, 8], [1, 4.1, 16, 63], label="b")
    >>> missing_reference_lines(ax)
    ["a fitted slope without a reference slope line: 'b: slope 1.990 [1.942, 2.037]'"]
    >>> plt.close(fig)
    """
    lines = ax.get_lines()
    fits = [line for line in lines if line.get_gid() == FIT_GID]
    references = [line for line in lines if line.get_gid() == REFERENCE_GID]
    if any(getattr(r, "_specproof_fit", None) is None for r in references):
        return []
    served = {id(r._specproof_fit) for r in references}
    return [f"a fitted slope without a reference slope line: {line.get_label()!r}"
            for line in fits if id(line) not in served]


def small_text(fig, printed_width: float = WIDTHS["column"]) -> list[str]:
    """Text that prints below 7 pt when ``fig`` is printed ``printed_width`` inches wide
    (a figure narrower than that is printed at its own size).

    Examples
    --------
    >>> fig, ax = figure(width="page")
    >>> ax.set_xlabel("$x$", fontsize=8)
    Text(...)
    >>> small_text(fig)[:1]
    ["'$x$' prints at 3.9 pt"]
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    printed_width = positive_number(printed_width, "printed_width")
    _renderer(fig)
    scale = min(1.0, printed_width / fig.get_figwidth())
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.get_fontsize() * scale < MIN_FONT_PT - 1e-9:
            out.append(f"{text.get_text()!r} prints at {text.get_fontsize() * scale:.1f} pt")
    return out


def figure_problems(fig, printed_width: float = WIDTHS["column"]) -> list[str]:
    """Every rule that ``fig`` breaks, one line each (empty when none).

    Examples
    --------
    >>> from specproof.plotting import finish_figure, loglog_fit
    >>> fig, ax = figure()
    >>> _ = loglog_fit(ax, [2, 3, 4, 5], [1, 1.5, 2.1, 2.4], xlabel="$d$",
    ...                ylabel="$f(d)$", reference_slope=1)
    >>> finish_figure(fig)
    >>> figure_problems(fig)
    []
    >>> plt.close(fig)
    """
    # checked before the batch: a NaN width made the text rule pass every figure
    printed_width = positive_number(printed_width, "printed_width")
    fig = one_figure(fig)
    with held_drawn(fig):
        out = [f"axes without a label: {m}" for m in missing_labels(fig)]
        out += [f"squeezed by its legend: {m}" for m in squeezed_axes(fig)]
        out += small_text(fig, printed_width)
        for i, ax in enumerate(fig.axes):
            name = ax.get_title() or f"axes {i}"
            if legend_overlaps(ax):
                out.append(f"{name}: the legend covers {legend_overlaps(ax)} data points")
            out += [f"{name}: the legend covers {m}" for m in legend_text_overlaps(ax)]
            out += [f"{name}: tick labels collide: {a} / {b}" for a, b in tick_label_collisions(ax)]
            out += [f"{name}: the same tick label twice, {m}" for m in repeated_tick_labels(ax)]
            out += [f"{name}: {m}" for m in data_out_of_view(ax)]
            out += [f"{name}: fewer than 3 log tick labels on {m}" for m in sparse_log_axes(ax)]
            out += [f"{name}: fractional tick on integer data: {m}" for m in fractional_ticks(ax)]
            out += [f"{name}: low-contrast annotation {m}" for m in low_contrast_annotations(ax)]
            out += [f"{name}: {m}" for m in missing_reference_lines(ax)]
            out += [f"{name}: {m}" for m in hidden_points(ax)]
            out += [f"{name}: low-contrast annotation {m}" for m in mesh_low_contrast(ax)]
        out += figure_legend_overlaps(fig)
        out += oversized_figure(fig, printed_width)
    return out
