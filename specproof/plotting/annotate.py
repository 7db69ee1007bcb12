"""Drawing helpers: fitted log-log lines with a reference slope, annotated heat maps."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof.fitting import SlopeFit, fit_loglog
from specproof.plotting.legend import place_legend
from specproof.plotting.style import figure  # noqa: F401 (the examples)
from specproof.plotting.ticks import log_ticks

# the artists' gids that the figure checks look for
FIT_GID = "fit"
REFERENCE_GID = "reference-slope"


def reference_line(ax, slope: float, x, y, label: str | None = None, color="0.35"):
    """Draw the dashed line of ``slope`` through the geometric centre of the points
    ``(x, y)`` on log-log axes, over their x range: the rate a theorem predicts.

    Returns the line (its gid is ``"reference-slope"``).

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
    if not np.isfinite(slope):
        raise ValueError(f"reference_line: slope must be a finite number, got {slope!r}")
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(xa) & np.isfinite(ya) & (xa > 0) & (ya > 0)
    if keep.sum() < 1:
        raise ValueError("reference_line needs at least one point with positive x and y")
    xa, ya = xa[keep], ya[keep]
    x0 = float(np.exp(np.mean(np.log(xa))))
    y0 = float(np.exp(np.mean(np.log(ya))))
    grid = np.geomspace(xa.min(), xa.max(), 50)
    # on axes that are log-log already, plot: loglog would reset ticks placed on purpose
    draw = ax.plot if ax.get_xscale() == ax.get_yscale() == "log" else ax.loglog
    (line,) = draw(grid, y0 * (grid / x0) ** slope, "--", color=color, lw=0.9,
                   label=label or f"slope {_slope_text(slope)}")
    line.set_gid(REFERENCE_GID)
    return line


def _slope_text(slope: float) -> str:
    from fractions import Fraction

    f = Fraction(slope).limit_denominator(8)
    if abs(float(f) - slope) < 1e-12 and f.denominator != 1:
        return f"{f.numerator}/{f.denominator}"
    return f"{slope:g}"


def relative_luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white).

    Examples
    --------
    >>> relative_luminance((0, 0, 0)), relative_luminance((1, 1, 1))
    (0.0, 1.0)
    """
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(c)) for c in tuple(rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(rgb1, rgb2) -> float:
    """WCAG contrast ratio of two colours (1 .. 21; 4.5 is enough for small text)."""
    l1, l2 = sorted((relative_luminance(rgb1), relative_luminance(rgb2)), reverse=True)
    return (l1 + 0.05) / (l2 + 0.05)


def text_color_for(background) -> str:
    """``"black"`` or ``"white"``, whichever contrasts more with ``background``.

    Examples
    --------
    >>> text_color_for((0.03, 0.19, 0.42)), text_color_for((0.97, 0.98, 1.0))
    ('white', 'black')
    """
    white = contrast_ratio(background, (1, 1, 1))
    black = contrast_ratio(background, (0, 0, 0))
    return "white" if white > black else "black"


def annotate_cells(ax, image, values, fmt: str = "{:g}", fontsize: float = 7) -> list:
    """Write each cell's value on a heat map, in black or white from the cell's colour.

    Parameters
    ----------
    image : AxesImage
        What ``ax.imshow`` returned: its colormap and norm give each cell's colour.
    values : array_like (rows, cols)
        The numbers to write (cell ``(i, j)`` at ``x = j, y = i``).

    Examples
    --------
    >>> fig, ax = figure()
    >>> gram = np.array([[4.0, 0.0], [0.0, 1.0]])
    >>> texts = annotate_cells(ax, ax.imshow(gram, cmap="Blues", vmin=0, vmax=4), gram)
    >>> [t.get_color() for t in texts]
    ['white', 'black', 'black', 'black']
    >>> plt.close(fig)
    """
    v = np.asarray(values, dtype=float)
    out = []
    for (i, j), value in np.ndenumerate(v):
        colour = image.cmap(image.norm(value))
        out.append(ax.text(j, i, fmt.format(value), ha="center", va="center",
                           fontsize=fontsize, color=text_color_for(colour)))
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
        the rate a theorem predicts (:func:`reference_line`). A scaling plot should show
        one: the figure checks of the built-in claims require it next to every fit.
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
    (line,) = ax.loglog(
        grid,
        # one exp of the whole line: exp(intercept) alone overflows (y near 1e300 over a
        # narrow x range gave an all-inf, invisible line) or underflows to 0
        np.exp(fit.intercept + fit.slope * np.log(grid)),
        "-",
        color=c,
        label=f"{label}: {text}" if label else text,
    )
    line.set_gid(FIT_GID)
    if reference_slope is not None:
        reference_line(ax, reference_slope, xa, ya, label=reference_label)
    if xlabel is not None or not ax.get_xlabel():
        ax.set_xlabel(xlabel or "$x$")
    if ylabel is not None or not ax.get_ylabel():
        ax.set_ylabel(ylabel or "$y$")
    log_ticks(ax)
    place_legend(ax)
    return fit
