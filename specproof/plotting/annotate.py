"""Drawing helpers: fitted log-log lines with a reference slope (heat-map annotations and
colours live in :mod:`specproof.plotting.colours`; they are re-exported here)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.fitting import SlopeFit, fit_loglog, slope_text
from specproof.plotting._args import finite_number, log_points, math_text, one_axes
from specproof.plotting.colours import (  # noqa: F401 (their home before the split)
    annotate_cells,
    contrast_ratio,
    relative_luminance,
    text_color_for,
)
from specproof.plotting.legend import place_legend
from specproof.plotting.style import figure  # noqa: F401 (the examples)
from specproof.plotting.ticks import log_ticks

# the artists' gids that the figure checks look for
FIT_GID = "fit"
REFERENCE_GID = "reference-slope"

# the level a legend's interval has when it does not say otherwise
DEFAULT_CONFIDENCE = 0.95


def reference_line(ax, slope: float, x, y, label: str | None = None, color="0.35"):
    """Draw the dashed line of ``slope`` through the geometric centre of the points
    ``(x, y)`` on log-log axes, over their x range: the rate a theorem predicts.

    Parameters
    ----------
    slope : float
        A finite real number (not a bool, text or complex number).
    x, y : array_like
        Points of one shape, every value finite and positive: a point that a log axis
        cannot show is an error naming its index, not dropped (dropping it would draw the
        line over a range other than the one given).
    label : str, optional
        The legend entry (default ``"slope <slope>"``).

    Returns
    -------
    Line2D
        The line (its gid is ``"reference-slope"``). Drawn on its own, it is the reference
        of every fitted slope on ``ax`` (:func:`~specproof.plotting.missing_reference_lines`).

    Examples
    --------
    >>> fig, ax = figure()
    >>> line = reference_line(ax, -0.5, [16, 64], [1.0, 0.5])
    >>> [round(float(v), 3) for v in line.get_ydata()[[0, -1]]]
    [1.0, 0.5]
    >>> line.get_label()
    'slope -1/2'
    >>> plt.close(fig)
    """
    ax = one_axes(ax)
    slope = finite_number(slope, "slope")
    _optional_text(label, "label")
    math_text(label, "label")
    grid, values = _reference_values(ax, slope, *log_points(x, y))
    return _draw_reference(ax, grid, values, slope, label, color)


def _reference_values(ax, slope: float, xa: np.ndarray, ya: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The x grid and the y values of the reference line through the points, checked:
    computed before anything is drawn, so that a refused line leaves the axes as they
    were."""
    x0 = float(np.exp(np.mean(np.log(xa))))
    y0 = float(np.exp(np.mean(np.log(ya))))
    grid = np.geomspace(xa.min(), xa.max(), 50)
    with np.errstate(over="ignore", under="ignore"):
        values = y0 * (grid / x0) ** slope
    if not np.all(np.isfinite(values) & (values > 0)):
        # slope 300 over [1, 100]: inf and 0 entries drew a vertical line and wiped out
        # the y axis, without an error
        decades = abs(slope) * np.log10(xa.max() / xa.min())
        raise ArgumentError(
            f"the reference line of slope {slope:g} over x in [{xa.min():.3g}, "
            f"{xa.max():.3g}] leaves float64's range (it spans {decades:.3g} decades): give "
            "a smaller slope or a narrower x range")
    _check_log_span(values, "the reference line's y", ax.margins()[1])
    return grid, values


def _draw_reference(ax, grid: np.ndarray, values: np.ndarray, slope: float,
                    label: str | None, color):
    # on axes that are log-log already, plot: loglog would reset ticks placed on purpose
    draw = ax.plot if ax.get_xscale() == ax.get_yscale() == "log" else ax.loglog
    (line,) = draw(grid, values, "--", color=color, lw=0.9,
                   label=label or f"slope {_slope_text(slope)}")
    line.set_gid(REFERENCE_GID)
    return line


def _check_log_span(values: np.ndarray, name: str, margin: float) -> None:
    """Refuse positive ``values`` whose log axis, widened by the axes' ``margin`` (a
    fraction of the span in decades, as matplotlib widens it), leaves float64's range."""
    lo, hi = np.log10(float(values.min())), np.log10(float(values.max()))
    pad = margin * (hi - lo)
    if lo - pad < -307.0 or hi + pad > 308.0:
        # 1e-300 .. 1e300 gave inverted limits (0.89 .. 0.001) and no point in view
        raise ArgumentError(
            f"{name} spans 1e{lo:.0f} to 1e{hi:.0f}: with the axes' margins of "
            f"{100 * margin:g} % its log axis would reach 1e{lo - pad:.0f} .. 1e{hi + pad:.0f},"
            " beyond float64, which matplotlib cannot draw; plot a narrower range")


def _optional_text(value, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a str or None, got {value!r} "
                                f"({type(value).__name__})")


def _slope_text(slope: float) -> str:
    from fractions import Fraction

    f = Fraction(slope).limit_denominator(8)
    if abs(float(f) - slope) < 1e-12 and f.denominator != 1:
        return f"{f.numerator}/{f.denominator}"
    return f"{slope:g}"


def fit_text(fit: SlopeFit) -> str:
    """``slope s [lo, hi]`` in :func:`~specproof.fitting.slope_text`'s digits (a slope of
    0.0015 is not "0.00"), with the level of the interval when it is not 95 %.

    Examples
    --------
    >>> fit_text(fit_loglog([1, 2, 4, 8], [1, 1.001, 1.002, 1.0031], confidence=0.5))
    'slope 0.00148 [0.00146, 0.0015] (50% CI)'
    >>> fit_text(fit_loglog([1, 2, 4], [1, 4, 16]))
    'slope 2.000 [2.000, 2.000]'
    """
    text = f"slope {slope_text(fit.slope)} [{slope_text(fit.low)}, {slope_text(fit.high)}]"
    if fit.confidence != DEFAULT_CONFIDENCE:
        text += f" ({100 * fit.confidence:.6g}% CI)"
    return text


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

    The legend entry reads ``label: slope s [lo, hi]`` with the ``confidence`` interval
    (three decimals, or three significant digits below 0.01), followed by the level, e.g.
    ``(90% CI)``, when it is not 95 %; the legend goes where it covers no point, the log
    ticks are chosen from the data. Every argument is checked before anything is drawn.

    Parameters
    ----------
    x, y : array_like
        Positive values of one shape, at least 3 points (:func:`~specproof.fitting.fit_loglog`).
    xlabel, ylabel : str, optional
        Axis labels (mathtext welcome); ``"$x$"`` and ``"$y$"`` when the axes have none.
    reference_slope : float, optional
        Also draw the line of this slope through the data's geometric centre (dashed),
        the rate a theorem predicts (:func:`reference_line`). A scaling plot should show
        one: the figure checks of the built-in claims require it next to every fit.
    reference_label : str, optional
        Its legend entry (default ``"slope <reference_slope>"``).

    Returns
    -------
    SlopeFit
        The fit that was drawn.

    Raises
    ------
    ArgumentTypeError
        ``ax`` is not one Axes (an array of axes, a Figure, None), or a text argument is
        not a str.
    ArgumentError
        A bad point, a text argument that mathtext cannot typeset (named), or a range a
        log axis cannot show; raised before anything is drawn.

    Examples
    --------
    >>> fig, ax = figure()
    >>> loglog_fit(ax, [1, 2, 4], [1, 4, 16], label="x^2", reference_slope=2).slope
    2.0
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x$', '$y$')
    >>> plt.close(fig)
    """
    ax = one_axes(ax)
    fit = fit_loglog(x, y, confidence=confidence)
    # flat: x and y of shape (2, 3) would otherwise draw as three lines of two points
    xa, ya = log_points(x, y)
    if reference_slope is not None:
        reference_slope = finite_number(reference_slope, "reference_slope")
    if not isinstance(label, str):
        raise ArgumentTypeError(f"label must be a str, got {label!r} ({type(label).__name__})")
    text = fit_text(fit)
    entry = f"{label}: {text}" if label else text
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel),
                        ("reference_label", reference_label)):
        _optional_text(value, name)
    # mathtext is parsed only when drawn: a typo raised matplotlib's ValueError, naming
    # no argument, with the points and the lines already on the axes
    for name, value in (("label", entry), ("xlabel", xlabel), ("ylabel", ylabel),
                        ("reference_label", reference_label)):
        math_text(value, name)
    _check_log_span(xa, "x", ax.margins()[0])
    _check_log_span(ya, "y", ax.margins()[1])
    reference_points = None
    if reference_slope is not None:  # its range checked now, drawn after the fit
        reference_points = _reference_values(ax, reference_slope, xa, ya)
    pts = ax.loglog(xa, ya, marker, color=color, alpha=0.7, linestyle="none")
    c = pts[0].get_color()
    grid = np.geomspace(xa.min(), xa.max(), 50)
    (line,) = ax.loglog(
        grid,
        # one exp of the whole line: exp(intercept) alone overflows (y near 1e300 over a
        # narrow x range gave an all-inf, invisible line) or underflows to 0
        np.exp(fit.intercept + fit.slope * np.log(grid)),
        "-",
        color=c,
        label=entry,
    )
    line.set_gid(FIT_GID)
    if reference_points is not None:
        reference = _draw_reference(ax, *reference_points, reference_slope, reference_label,
                                    "0.35")
        # this reference belongs to this fit alone; one drawn by reference_line on its
        # own serves every fit of the axes (missing_reference_lines)
        reference._specproof_fit = line
    if xlabel is not None or not ax.get_xlabel():
        ax.set_xlabel(xlabel or "$x$")
    if ylabel is not None or not ax.get_ylabel():
        ax.set_ylabel(ylabel or "$y$")
    log_ticks(ax)
    place_legend(ax)
    return fit
