"""The figure style: sizes for a paper column, fonts readable at the printed size, saving."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt

from specproof._core import ArgumentError, ArgumentTypeError

# a two-column article's column is 221 pt (3.06 in) on A4 and 229.5 pt (3.18 in) on letter;
# report.tex includes figures at their natural size, shrunk only to \columnwidth, so a
# figure drawn 3.0 in wide prints at 100 % on both and a 7 pt font stays 7 pt. "page" is
# for a figure* across both columns (\textwidth: 452 pt on A4, 469 pt on letter)
WIDTHS = {"column": 3.0, "page": 6.2}

# the smallest font, in points, that a figure may print at
MIN_FONT_PT = 7.0

# the tallest panel, over its width: beyond, a typo (1e6 made a 3 x 3,000,000 in figure)
MAX_ASPECT = 20.0

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
        Column width (3.0 in: printed at 100 % in a two-column paper) or page width (6.2 in,
        for a ``figure*``).
    aspect : float
        Height of one panel over its width, in (0, 20].
    ncols, nrows : int
        Panel grid (Python or numpy integers >= 1; not bools). For a column, stack panels
        (``nrows``) rather than squeeze them side by side: each panel keeps the full width.

    Returns
    -------
    (Figure, Axes or array of Axes)

    Examples
    --------
    >>> fig, ax = figure()
    >>> float(round(fig.get_figwidth(), 1))
    3.0
    >>> fig2, (top, bottom) = figure(nrows=2, aspect=0.6)
    >>> [round(float(v), 2) for v in fig2.get_size_inches()]
    [3.0, 3.6]
    >>> plt.close(fig); plt.close(fig2)
    """
    from specproof.plotting._args import positive_number, whole_number

    if not isinstance(width, str):
        raise ArgumentTypeError(f"width must be one of {list(WIDTHS)}, got {width!r} "
                                f"({type(width).__name__})")
    if width not in WIDTHS:
        raise ArgumentError(f"width must be one of {list(WIDTHS)}, got {width!r}")
    aspect = positive_number(aspect, "aspect")
    if aspect > MAX_ASPECT:
        raise ArgumentError(f"aspect (panel height over width) must be in (0, {MAX_ASPECT:g}]"
                            f", got {aspect!r}")
    nrows = whole_number(nrows, "nrows", 1)
    ncols = whole_number(ncols, "ncols", 1)
    w = WIDTHS[width]
    with style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(w, w * aspect * nrows / ncols), layout="constrained"
        )
    return fig, axes


def restyle(fig) -> None:
    """Bring labels, titles and legends of ``fig`` to the style's font sizes.

    They take their size when they are created, often outside :func:`style`; text set
    smaller than :data:`MIN_FONT_PT` (e.g. ``fontsize=5`` in a heat map) is raised to it.
    """
    from matplotlib.text import Text

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
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)


def finish_figure(fig) -> None:
    """Apply the whole style to a drawn figure: fonts, then readable ticks on every axes.

    :func:`save_figure` calls it; so does the claims runner before it compares a control
    figure with its check figure.

    Examples
    --------
    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2, 3], [1.0, 1.1, 1.0], "o")
    >>> finish_figure(fig); fig.canvas.draw()
    >>> [float(v) for v in ax.get_xticks() if 1 <= v <= 3]      # not 1.5 and 2.5
    [1.0, 2.0, 3.0]
    >>> plt.close(fig)
    """
    from specproof.plotting._args import one_figure
    from specproof.plotting.legend import replace_legends
    from specproof.plotting.ticks import tidy_ticks

    restyle(one_figure(fig))
    for ax in fig.axes:
        tidy_ticks(ax)
    replace_legends(fig)  # after the last change of fonts and ticks, which move the layout


def save_figure(fig, stem: str | Path) -> tuple[Path, Path]:
    """Save ``fig`` as ``stem.pdf`` (vector) and ``stem.png`` (200 dpi), styled.

    Parameters
    ----------
    stem : str or path-like
        The path without suffix; a ``.pdf`` or ``.png`` suffix given anyway is dropped
        (``out/fig.pdf`` writes ``out/fig.pdf`` and ``out/fig.png``). Any other suffix is
        part of the name (``fig.v2`` writes ``fig.v2.pdf``). An empty stem, ``"."``,
        ``".."`` or one ending in a path separator (a folder, not a file name) is refused.
        Its folder is made, with its parents, when it does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> fig, ax = figure()
    >>> pdf, png = save_figure(fig, os.path.join(tempfile.mkdtemp(), "demo"))
    >>> pdf.suffix, png.suffix
    ('.pdf', '.png')
    >>> plt.close(fig)
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):  # "x" raised a bare AttributeError
        raise ArgumentTypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    stem = _file_stem(stem)
    finish_figure(fig)
    stem.parent.mkdir(parents=True, exist_ok=True)
    pdf = stem.with_name(stem.name + ".pdf")
    png = stem.with_name(stem.name + ".png")
    with style():
        fig.savefig(pdf)
        fig.savefig(png, dpi=200)
    _warn_if_wider(fig, pdf)
    return pdf, png


class FigureSizeWarning(UserWarning):
    """A saved figure is wider than the figure: its text prints smaller than it was set."""


def _warn_if_wider(fig, pdf: Path) -> None:
    """Warn when the PDF written is wider than ``fig`` (``savefig.bbox = "tight"`` grew it
    to hold a title or text sticking out): shrunk to the column, its fonts drop below
    :data:`MIN_FONT_PT`. Measured on the file, as the layout settles anew at every draw."""
    import re
    import warnings

    found = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)",
                      pdf.read_bytes()[:200_000])
    if found is None:
        return
    width = (float(found.group(3)) - float(found.group(1))) / 72.0
    if width > fig.get_figwidth() * 1.005:
        warnings.warn(
            f"{pdf.name} is {width:.2f} in wide, wider than the figure "
            f"({fig.get_figwidth():.2f} in): something sticks out of it (a long title, a "
            f"text beside the axes); scaled to {fig.get_figwidth():.2f} in its "
            f"{MIN_FONT_PT:g} pt text prints at {MIN_FONT_PT * fig.get_figwidth() / width:.1f}"
            " pt. figure_problems(fig) names what sticks out", FigureSizeWarning, stacklevel=3)


def _file_stem(stem) -> Path:
    """``stem`` as a path to a file name without a .pdf or .png suffix, else an error."""
    import os

    if not isinstance(stem, (str, os.PathLike)):
        raise ArgumentTypeError(f"stem must be a str or a path, got {type(stem).__name__}")
    text = os.fspath(stem)
    if not isinstance(text, str):
        raise ArgumentTypeError(f"stem must be a str or a path, got bytes {text!r}")
    # Path() drops a trailing separator: "out/figs/" would write out/figs.pdf beside the
    # folder meant to hold it
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        raise ArgumentError(f"stem must name a file (no trailing separator), got {text!r}")
    path = Path(text)
    if path.suffix.lower() in (".pdf", ".png"):
        path = path.with_suffix("")
    if path.name in ("", ".", ".."):
        raise ArgumentError(f"stem must end in a file name, got {text!r}")
    return path
