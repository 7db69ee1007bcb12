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


def loglog_fit(
    ax,
    x: Sequence[float],
    y: Sequence[float],
    label: str = "",
    confidence: float = 0.95,
    marker: str = "o",
    color=None,
) -> SlopeFit:
    """Scatter ``y`` against ``x`` on log-log axes, draw the fitted line, annotate its slope.

    The legend entry reads ``label: slope s [lo, hi]`` with the ``confidence`` interval.

    Returns
    -------
    SlopeFit
        The fit that was drawn.

    Examples
    --------
    >>> fig, ax = figure()
    >>> loglog_fit(ax, [1, 2, 4], [1, 4, 16], label="x^2").slope
    2.0
    >>> plt.close(fig)
    """
    fit = fit_loglog(x, y, confidence=confidence)
    xa = np.asarray(x, dtype=float)
    pts = ax.loglog(xa, np.asarray(y, dtype=float), marker, color=color, alpha=0.7)
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
    with style():  # the legend is built now, so it must see the style's font sizes
        ax.legend(loc="best", frameon=False)
    return fit
