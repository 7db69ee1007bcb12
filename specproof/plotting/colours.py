"""Colours of text on heat maps: luminance, contrast, and numbers written on each cell."""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401 (the examples close their figures)
import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.plotting._args import _real_array, opaque_rgb, over
from specproof.plotting.style import figure  # noqa: F401 (the examples)


def relative_luminance(rgb) -> float:
    """WCAG relative luminance of an opaque sRGB colour (0 black .. 1 white).

    Parameters
    ----------
    rgb : colour
        A matplotlib colour (``"navy"``, ``"#102030"``) or 3 or 4 channels in [0, 1].
        A colour that is not opaque is refused (alpha below 1: its luminance depends on
        what lies under it); channels in 0..255 are refused.

    Examples
    --------
    >>> relative_luminance((0, 0, 0)), relative_luminance((1, 1, 1)), relative_luminance("w")
    (0.0, 1.0, 1.0)
    """
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in opaque_rgb(rgb, "rgb"))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(rgb1, rgb2) -> float:
    """WCAG contrast ratio of two opaque colours (1 .. 21; 4.5 is enough for small text).

    Both are colours as :func:`relative_luminance` takes them; a non-opaque one is refused.

    Examples
    --------
    >>> round(contrast_ratio("white", (0, 0, 0)), 6)
    21.0
    """
    l1 = relative_luminance(opaque_rgb(rgb1, "rgb1"))
    l2 = relative_luminance(opaque_rgb(rgb2, "rgb2"))
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def text_color_for(background) -> str:
    """``"black"`` or ``"white"``, whichever contrasts more with ``background``.

    ``background`` is an opaque colour as :func:`relative_luminance` takes it; a
    transparent one is refused (it is not black: composite it over what lies beneath).

    Examples
    --------
    >>> text_color_for((0.03, 0.19, 0.42)), text_color_for("navy"), text_color_for("0.97")
    ('white', 'white', 'black')
    """
    bg = opaque_rgb(background, "background")
    return "white" if contrast_ratio(bg, (1, 1, 1)) > contrast_ratio(bg, (0, 0, 0)) else "black"


def _backdrop(ax) -> tuple[float, float, float, float]:
    """The opaque colour under ``ax``'s images: its face over the figure's over white."""
    from matplotlib.colors import to_rgba

    colour = (1.0, 1.0, 1.0, 1.0)
    for face in (ax.figure.get_facecolor(), ax.get_facecolor()):
        colour = over(to_rgba(face), colour)
    return colour


def cell_colours(image) -> np.ndarray:
    """The opaque RGBA colour each cell of ``image`` shows, shape ``(rows, cols, 4)``:
    its own colour (colormap and norm, or its RGB data) composited over the axes, so a
    NaN cell (transparent) reads as the axes' face, not as black."""
    data = image.get_array()
    rgba = np.array(image.to_rgba(data), dtype=float)
    alpha = image.get_alpha()
    if alpha is not None:
        rgba[..., 3] *= np.asarray(alpha, dtype=float)
    backdrop = np.asarray(_backdrop(image.axes))
    a = rgba[..., 3:4]
    return np.concatenate([a * rgba[..., :3] + (1 - a) * backdrop[:3],
                           np.ones_like(a)], axis=-1)


def cell_centres(image) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates of the centres of ``image``'s columns and rows, from its extent
    and origin (row 0 at the top for ``origin="upper"``, at the bottom otherwise)."""
    rows, cols = np.shape(image.get_array())[:2]
    left, right, bottom, top = image.get_extent()
    # get_extent gives row 0's edge as "top" for origin="upper", as "bottom" otherwise
    start, end = (top, bottom) if image.origin == "upper" else (bottom, top)
    xs = left + (np.arange(cols) + 0.5) * (right - left) / cols
    ys = start + (np.arange(rows) + 0.5) * (end - start) / rows
    return xs, ys


def _check_image(ax, image) -> tuple[int, int]:
    from matplotlib.image import AxesImage, NonUniformImage

    if not isinstance(image, AxesImage) or isinstance(image, NonUniformImage):
        raise ArgumentTypeError("image must be what ax.imshow returned (an AxesImage), got "
                                f"{type(image).__name__}")
    if image.axes is not ax:
        raise ArgumentError("image must be drawn on ax (the texts go where its cells are)")
    data = image.get_array()
    if data is None or np.ndim(data) not in (2, 3):
        raise ArgumentError("image must hold a 2-D array of cells (or RGB(A) cells)")
    return tuple(np.shape(data)[:2])


def annotate_cells(ax, image, values, fmt: str = "{:g}", fontsize: float = 7) -> list:
    """Write each cell's value on a heat map, in black or white from the cell's colour.

    Parameters
    ----------
    image : AxesImage
        What ``ax.imshow`` returned. Each text takes its colour from the colour its own
        cell shows (so the values written need not be the values drawn), and sits at the
        cell's centre, wherever ``extent`` and ``origin`` put it.
    values : array_like (rows, cols)
        The numbers to write: one per cell, the same shape as the image's data. A NaN is
        written ``nan``, in the colour that reads on its cell (a NaN cell shows the axes'
        face).

    Returns
    -------
    list of Text
        Row by row.

    Examples
    --------
    >>> fig, ax = figure()
    >>> gram = np.array([[4.0, 0.0], [0.0, 1.0]])
    >>> texts = annotate_cells(ax, ax.imshow(gram, cmap="Blues", vmin=0, vmax=4), gram)
    >>> [t.get_color() for t in texts]
    ['white', 'black', 'black', 'black']
    >>> plt.close(fig)
    """
    shape = _check_image(ax, image)
    v = _real_array(values, "values")
    if v.shape != shape:
        raise ArgumentError(f"values must have the image's shape {shape} (one per cell), "
                            f"got {v.shape}")
    if not isinstance(fmt, str):
        raise ArgumentTypeError(f"fmt must be a format string, got {type(fmt).__name__}")
    colours = cell_colours(image)
    xs, ys = cell_centres(image)
    out = []
    for (i, j), value in np.ndenumerate(v):
        out.append(ax.text(xs[j], ys[i], fmt.format(value), ha="center", va="center",
                           fontsize=fontsize, color=text_color_for(colours[i, j])))
    return out


def cell_index(image, x: float, y: float) -> tuple[int, int] | None:
    """The (row, column) of ``image``'s cell under data point ``(x, y)``, or None outside."""
    if image.get_array() is None or np.ndim(image.get_array()) not in (2, 3):
        return None
    rows, cols = np.shape(image.get_array())[:2]
    left, right, bottom, top = image.get_extent()
    start, end = (top, bottom) if image.origin == "upper" else (bottom, top)
    if not (np.isfinite(x) and np.isfinite(y)) or right == left or end == start:
        return None
    j = int(np.floor((x - left) / (right - left) * cols))
    i = int(np.floor((y - start) / (end - start) * rows))
    if not (0 <= i < rows and 0 <= j < cols):
        return None
    return i, j
