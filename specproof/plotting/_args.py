"""Argument checks shared by the plotting helpers: each error names the argument and what
was expected, before anything is drawn."""

from __future__ import annotations

import math

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, real_scalar


def real_number(value, name: str) -> float:
    """``value`` as a float when it is a real number (bools, text, complex and None refused).

    Examples
    --------
    >>> real_number(np.int64(3), "slope")
    3.0
    >>> real_number(True, "slope")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: slope must be a real number, got True (bool)
    """
    # a bool is an int to Python, but slope=True is a mistake, not the slope 1; a Fraction,
    # a Decimal or a 0-d array is a real number (they were accepted before these checks)
    x = real_scalar(value)
    if x is None:
        raise ArgumentTypeError(
            f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    return x


def finite_number(value, name: str) -> float:
    """``value`` as a finite float, else an error naming ``name``."""
    x = real_number(value, name)
    if not math.isfinite(x):
        raise ArgumentError(f"{name} must be a finite number, got {x!r}")
    return x


def positive_number(value, name: str) -> float:
    """``value`` as a finite float > 0, else an error naming ``name``."""
    x = real_number(value, name)
    if not (math.isfinite(x) and x > 0):
        raise ArgumentError(f"{name} must be a finite positive number, got {x!r}")
    return x


def whole_number(value, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum``: Python and numpy integers and 0-d integer
    arrays, not bools (and not floats: ``ncols=2.0`` is refused, as matplotlib does)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ArgumentError(f"{name} must be an integer >= {minimum}, got {int(value)}")
    return int(value)


def _real_array(values, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        return np.array([real_number(entry, f"every entry of {name}")
                         for entry in arr.ravel()], dtype=float).reshape(arr.shape)
    elif arr.dtype.kind not in "iuf":
        raise ArgumentTypeError(f"{name} must hold real numbers, got an array of dtype "
                                f"{arr.dtype}")
    return np.asarray(arr, dtype=float)


def log_points(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as flat float arrays of one shape, at least one point, every value
    finite and positive: on log axes any other point cannot be drawn, and dropping it
    silently would draw over a range the caller did not give."""
    xa, ya = _real_array(x, "x"), _real_array(y, "y")
    if xa.shape != ya.shape:
        raise ArgumentError(f"x and y must have the same shape, got {xa.shape} and {ya.shape}")
    xa, ya = xa.ravel(), ya.ravel()
    if xa.size == 0:
        raise ArgumentError("x and y must hold at least one point, got none")
    for name, arr in (("x", xa), ("y", ya)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
        if bad.size:
            raise ArgumentError(f"{name} must be finite and positive on log axes; bad entry "
                                f"{float(arr[bad[0]])!r} at index {int(bad[0])}")
    return xa, ya


def opaque_rgb(colour, name: str) -> tuple[float, float, float]:
    """The red, green and blue channels (each in [0, 1]) of an opaque colour.

    ``colour`` is a matplotlib colour spec (``"navy"``, ``"#102030"``, ``"0.3"``) or a
    sequence of 3 or 4 numbers in [0, 1]. A colour with alpha below 1 is refused: how it
    looks depends on what lies under it, so the caller composites it first.
    """
    from matplotlib.colors import to_rgba

    if isinstance(colour, str):
        try:
            rgba = to_rgba(colour)
        except ValueError:
            raise ArgumentError(f"{name} must be a matplotlib colour or 3 or 4 numbers in "
                                f"[0, 1], got {colour!r}") from None
    else:
        try:
            arr = np.asarray(colour)
        except (TypeError, ValueError):
            arr = np.asarray(None)
        if arr.ndim != 1 or arr.size not in (3, 4):
            raise ArgumentTypeError(f"{name} must be a matplotlib colour or 3 or 4 numbers "
                                    f"in [0, 1], got {colour!r}")
        channels = _real_array(arr, name)
        bad = np.flatnonzero(~(np.isfinite(channels) & (channels >= 0) & (channels <= 1)))
        if bad.size:
            # 0..255 channels would give a luminance of 5e5 and a contrast of 1e7
            raise ArgumentError(f"{name} must have every channel in [0, 1] (not 0..255), got "
                                f"{float(channels[bad[0]])!r} at index {int(bad[0])}")
        rgba = (*channels[:3], channels[3] if channels.size == 4 else 1.0)
    if rgba[3] < 1:
        raise ArgumentError(f"{name} must be opaque (alpha 1), got alpha {float(rgba[3]):g}: "
                            "composite it over its background first")
    return float(rgba[0]), float(rgba[1]), float(rgba[2])


def over(top, bottom) -> tuple[float, float, float, float]:
    """RGBA colour ``top`` composited over the opaque RGBA colour ``bottom``."""
    a = float(top[3])
    return (*(a * float(t) + (1 - a) * float(b) for t, b in zip(top[:3], bottom[:3])), 1.0)


def one_axes(ax, name: str = "ax"):
    """``ax`` when it is one matplotlib ``Axes``, else an error naming ``name``: an array of
    axes (``figure(nrows=2)`` returns one), a Figure or None failed deep inside matplotlib
    with ``... has no attribute 'margins'``.

    Examples
    --------
    >>> one_axes(None)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: ax must be one matplotlib Axes, got None
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    if isinstance(ax, Axes):
        return ax
    if isinstance(ax, np.ndarray):
        got = (f"an array of {ax.size} axes of shape {ax.shape} (figure(nrows=...) gives one "
               f"Axes per panel: pass one of them, e.g. {name}[0])")
    elif isinstance(ax, (Figure, SubFigure)):
        got = f"a {type(ax).__name__} (pass one of its axes, e.g. fig.axes[0])"
    elif ax is None:
        got = "None"
    else:
        got = f"{ax!r} ({type(ax).__name__})"[:200]
    raise ArgumentTypeError(f"{name} must be one matplotlib Axes, got {got}")


def math_text(value: str | None, name: str) -> None:
    """Refuse text that matplotlib's mathtext cannot typeset (``r"$\\frac{1$"``), naming
    ``name``, before anything is drawn: matplotlib raises only when the text is drawn, with
    a message that names no argument, after the other artists are on the axes.

    Each line is checked as matplotlib typesets it: as mathtext when it holds an even
    number of unescaped dollars, as plain text otherwise. Nothing is checked when
    ``text.usetex`` is on (TeX, not mathtext, typesets the text then) or
    ``text.parse_math`` is off.

    Examples
    --------
    >>> math_text(r"$\\alpha$ costs \\$5", "xlabel")
    >>> math_text(r"$x^$", "xlabel")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: xlabel is not valid mathtext: '$x^$': ...
    """
    if value is None:
        return
    import matplotlib
    from matplotlib import cbook, mathtext

    params = matplotlib.rcParams
    if params["text.usetex"] or not params.get("text.parse_math", True):
        return  # TeX typesets it, or dollars are plain text
    for line in value.split("\n"):  # matplotlib typesets a text line by line
        if not cbook.is_math_text(line):
            continue
        try:
            mathtext.MathTextParser("path").parse(line)
        except ValueError as exc:
            lines = str(exc).strip().splitlines()
            detail = lines[-1] if lines else type(exc).__name__
            if len(detail) > 160:  # the list of what pyparsing expected runs to 600 chars
                detail = detail[:157] + "..."
            raise ArgumentError(f"{name} is not valid mathtext: {line!r}: {detail}") from None


def one_figure(fig, name: str = "fig"):
    """``fig`` when it is a matplotlib ``Figure``, else an error naming ``name`` (None
    failed with ``'NoneType' object has no attribute '_specproof_drawn_by'``).

    Examples
    --------
    >>> one_figure(None)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: fig must be a matplotlib Figure, got None
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(fig, Figure):
        return fig
    if isinstance(fig, Axes):
        got = "an Axes (pass its figure, ax.figure)"
    elif fig is None:
        got = "None"
    else:
        got = f"{fig!r} ({type(fig).__name__})"[:200]
    raise ArgumentTypeError(f"{name} must be a matplotlib Figure, got {got}")
