"""Readable ticks: at least three labels on every log axis, integer ticks for integer data."""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.ticker import (
    AutoLocator,
    FixedLocator,
    Formatter,
    Locator,
    LogLocator,
    MaxNLocator,
    NullFormatter,
)

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.plotting._args import one_axes, positive_number, whole_number

# the fewest labelled ticks a log axis may show (one or two labels do not tell the scale)
MIN_LOG_LABELS = 3
# more labels than this collide at column width (x) or crowd the axis (y)
_MAX_LABELS = {"x": 5, "y": 6}
_LOG_STEPS = ((1.0,), (1.0, 2.0, 5.0))
# how far from an integer a value of integer data may be (absolute: rounding in 0.1 * 30)
INTEGER_TOLERANCE = 1e-9


def _inside(ticks, lo: float, hi: float) -> list[float]:
    return [float(t) for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]


def log_tick_values(lo: float, hi: float, integer: bool = False, max_labels: int = 6
                    ) -> list[float]:
    """Between 3 and ``max_labels`` readable tick values inside ``[lo, hi]`` (log axis).

    Powers of ten when at least three fit; else 1, 2 and 5 times powers of ten; else (a
    range under about a decade, where such ticks would bunch at one end) evenly spaced
    round values, which on so short a log axis look evenly spaced too.

    Parameters
    ----------
    lo, hi : float
        Finite and positive, ``lo <= hi``. When ``lo == hi`` the one tick is that value.
    integer : bool
        Integer ticks only (a dimension, a width). A range holding fewer than three
        integers (1 to 2, 3 to 4) then gets fewer than three ticks: every integer in it,
        never a fractional one.
    max_labels : int
        At least 3.

    Examples
    --------
    >>> log_tick_values(1e-3, 1e3)
    [0.001, 0.1, 10.0, 1000.0]
    >>> log_tick_values(0.04, 0.55)
    [0.05, 0.1, 0.2, 0.5]
    >>> log_tick_values(16, 128, integer=True)
    [20.0, 50.0, 100.0]
    >>> log_tick_values(2.1, 2.9)
    [2.2, 2.4, 2.6, 2.8]
    >>> log_tick_values(6.5, 19.0)
    [8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
    >>> log_tick_values(1, 2, integer=True), log_tick_values(5, 5)
    ([1.0, 2.0], [5.0])
    """
    lo, hi = positive_number(lo, "lo"), positive_number(hi, "hi")
    if lo > hi:
        raise ArgumentError(f"lo must be <= hi, got lo = {lo!r} and hi = {hi!r}")
    if not isinstance(integer, (bool, np.bool_)):
        raise ArgumentTypeError(f"integer must be a bool, got {integer!r}")
    max_labels = whole_number(max_labels, "max_labels", MIN_LOG_LABELS)
    if lo == hi:
        # one value: three ticks would be one tick three times
        return [] if integer and not _is_integer(lo) else [lo]
    # 10.0**309 overflows (an OverflowError, not inf): the largest power is 10**308
    k0, k1 = math.floor(math.log10(lo)), min(math.ceil(math.log10(hi)), 308)
    for steps in _LOG_STEPS:
        ticks = _inside([m * 10.0**k for k in range(k0, k1 + 1) for m in steps], lo, hi)
        if integer:
            ticks = [t for t in ticks if t >= 1]
        if len(ticks) >= MIN_LOG_LABELS:
            ticks = _thin(ticks, max_labels)
            return [float(f"{t:.12g}") for t in ticks]
    locator = MaxNLocator(nbins=max(MIN_LOG_LABELS, max_labels - 2), integer=integer,
                          steps=[1, 2, 5, 10], min_n_ticks=MIN_LOG_LABELS)
    ticks = _inside(locator.tick_values(lo, hi), lo, hi)
    if len(ticks) < MIN_LOG_LABELS:  # a range too narrow for round values: its ends and middle
        ticks = [lo, lo * math.sqrt(hi / lo), hi]
    if integer:
        ticks = _integer_ticks(ticks, lo, hi, max_labels)
    return [float(f"{t:.12g}") for t in ticks]


def _is_integer(value: float) -> bool:
    return abs(value - round(value)) <= INTEGER_TOLERANCE


def _integer_ticks(ticks: list[float], lo: float, hi: float, max_labels: int) -> list[float]:
    """The integers among ``ticks``; when fewer than three, every integer in ``[lo, hi]``
    (MaxNLocator(integer=True) gives 1, 1.5, 2 over 1..2: it keeps its minimum count)."""
    kept = [float(round(t)) for t in ticks if _is_integer(t)]
    if len(kept) >= MIN_LOG_LABELS:
        return kept
    first, last = math.ceil(lo - INTEGER_TOLERANCE), math.floor(hi + INTEGER_TOLERANCE)
    if last - first > 1000:  # beyond 2**53 every float is an integer: the ticks are fine
        return kept
    return _thin([float(k) for k in range(first, last + 1)], max_labels)


def _thin(ticks: list[float], max_labels: int) -> list[float]:
    """Every k-th tick, k the smallest stride leaving at most ``max_labels`` — unless that
    leaves fewer than three, when three or more matter more than the cap."""
    stride = 1
    while len(ticks[::stride]) > max_labels:
        if len(ticks[:: stride + 1]) < MIN_LOG_LABELS:
            break
        stride += 1
    return ticks[::stride]


class ReadableLogLocator(Locator):
    """Major ticks of a log axis from :func:`log_tick_values`, recomputed at every draw;
    or at the data's own values (``at``: a few integers such as d = 3, 5, 8) when at least
    three of them are in view."""

    def __init__(self, integer: bool = False, max_labels: int = 6, at=None):
        self.integer = bool(integer)
        self.max_labels = whole_number(max_labels, "max_labels", MIN_LOG_LABELS)
        self.at = sorted(float(v) for v in at) if at is not None else None

    def __call__(self):
        lo, hi = self.axis.get_view_interval()
        return _apart(self.axis, self.tick_values(lo, hi))

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((float(vmin), float(vmax)))
        # a view before any data, or an inverted one, is no caller's mistake: no ticks, or
        # the range clipped to what a log axis can show
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > 0):
            return []
        lo = max(lo, hi * 1e-300)
        if self.at is not None:
            ticks = _inside(self.at, lo, hi)
            if len(ticks) >= MIN_LOG_LABELS:
                return ticks
        return log_tick_values(lo, hi, integer=self.integer, max_labels=self.max_labels)


# the least gap, in points, between two neighbouring tick labels
_LABEL_GAP_PT = 2.0


@functools.lru_cache(maxsize=4096)
def _text_size(text: str, prop) -> tuple[float, float]:
    """Width and height in points of ``text`` at ``prop`` (a copy nobody changes: the cache
    key). Cached because the locator measures the same labels at every draw, and a fresh
    mathtext parse of one "$10^{-3}$" costs milliseconds: uncached, the measuring took most
    of a claim's run (pion.training: 20 of 25 s)."""
    from matplotlib.textpath import TextToPath

    w, h, _ = TextToPath().get_text_width_height_descent(text, prop, ismath="$" in text)
    return float(w), float(h)


def _label_extents(axis, ticks: list[float]) -> tuple[np.ndarray, np.ndarray] | None:
    """Centres and sizes along ``axis``, in points, of the labels ``ticks`` would get;
    None where they cannot be measured (no axes yet, a view a log scale cannot map)."""
    ax = getattr(axis, "axes", None)
    if ax is None or not ticks:
        return None
    # majorTicks[0] is the tick every label copies; reading it calls no locator
    prop = axis.majorTicks[0].label1.get_fontproperties()
    texts = axis.get_major_formatter().format_ticks(ticks)
    along = 0 if axis.axis_name == "x" else 1
    key = prop.copy()
    sizes = np.array([_text_size(t, key)[along] if t else 0.0 for t in texts])
    scale = axis.get_transform()
    lo, hi = sorted(axis.get_view_interval())
    ends = scale.transform(np.array([lo, hi], dtype=float))
    span_pt = (ax.bbox.width if along == 0 else ax.bbox.height) * 72.0 / ax.figure.dpi
    if not (np.all(np.isfinite(ends)) and ends[1] > ends[0] and span_pt > 0):
        return None
    centres = (scale.transform(np.asarray(ticks, float)) - ends[0]) / (ends[1] - ends[0])
    return centres * span_pt, sizes


def _collide(axis, ticks: list[float]) -> bool:
    extents = _label_extents(axis, ticks)
    if extents is None:
        return False
    centres, sizes = extents
    order = np.argsort(centres)
    centres, sizes = centres[order], sizes[order]
    room = np.diff(centres) - (sizes[1:] + sizes[:-1]) / 2
    return bool(np.any(room < _LABEL_GAP_PT))


def _apart(axis, ticks: list[float]) -> list[float]:
    """``ticks`` thinned (every k-th, the smallest k) until their labels, measured at the
    axis's font and length, leave a gap between neighbours: "1.6x10^5" and "1.8x10^5" ran
    into each other at column width. Three labels stay even when they still collide (the
    figure check then reports it): fewer would not tell the scale."""
    stride = 1
    while len(ticks[::stride]) > MIN_LOG_LABELS and _collide(axis, ticks[::stride]):
        if len(ticks[:: stride + 1]) < MIN_LOG_LABELS:
            break
        stride += 1
    return ticks[::stride]


def _tick_at_data(values: np.ndarray, max_labels: int):
    """The distinct values, when they make good ticks themselves: 3 to ``max_labels`` of
    them, each at least 25 % above the previous (so their labels cannot collide)."""
    distinct = np.unique(values)
    if not (MIN_LOG_LABELS <= distinct.size <= max_labels) or distinct[0] <= 0:
        return None
    if np.any(distinct[1:] / distinct[:-1] < 1.25):
        return None
    return distinct.tolist()


def _mantissa_exponent(value: float) -> tuple[float, int]:
    k = math.floor(math.log10(abs(value)))
    m = float(f"{value / 10.0**k:.6g}")
    if abs(m) >= 10:
        m, k = m / 10, k + 1
    return m, k


class ReadableLogFormatter(Formatter):
    """Plain numbers (``0.05``, ``200``) when every label of the axis is between 1e-3 and
    1e5; otherwise ``10^k`` and ``m x 10^k`` in mathtext, all labels of an axis alike."""

    @staticmethod
    def _plain(values) -> bool:
        return all(v == 0 or 1e-3 <= abs(v) < 1e5 for v in values)

    @staticmethod
    def _text(value: float, plain: bool) -> str:
        if value == 0 or plain:
            return f"{value:.6g}"
        m, k = _mantissa_exponent(value)
        return f"$10^{{{k}}}$" if m == 1 else f"${m:g}\\times10^{{{k}}}$"

    def __call__(self, x, pos=None):
        return self._text(float(x), self._plain([float(x)]))

    def format_ticks(self, values):
        values = [float(v) for v in values]
        plain = self._plain(values)
        return [self._text(v, plain) for v in values]


def _marker_values(ax, which: str) -> np.ndarray:
    """Data coordinates (x or y) of the marked points of ``ax``: scatter offsets and the
    vertices of lines drawn with markers, in data coordinates (not axhline & co)."""
    from matplotlib.collections import PathCollection

    col = 0 if which == "x" else 1
    values = []
    for line in ax.get_lines():
        if line.get_transform() != ax.transData or line.get_marker() in (None, "", "None", " "):
            continue
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.size:
            values.append(xy[:, col])
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and coll.get_offset_transform() == ax.transData:
            offsets = np.asarray(coll.get_offsets(), dtype=float)
            if offsets.size:
                values.append(offsets[:, col])
    if not values:
        return np.empty(0)
    out = np.concatenate(values)
    return out[np.isfinite(out)]


def integer_data(ax, which: str) -> bool:
    """True when the marked points of ``ax`` take at least two distinct integer values
    along ``which`` ("x" or "y") and every one is within 1e-9 of an integer (a dimension,
    a width, a count); values of 2**53 or more (all integers as floats) do not count.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([3, 4, 5], [0.5, 0.7, 0.9], "o")
    >>> integer_data(ax, "x"), integer_data(ax, "y")
    (True, False)
    >>> plt.close(fig)
    """
    if which not in ("x", "y"):
        raise ArgumentError(f"which must be 'x' or 'y', got {which!r}")
    v = _marker_values(ax, which)
    # beyond 2**53 every float is an integer: integrality says nothing about the data
    if v.size == 0 or np.any(np.abs(v) >= 2.0**53):
        return False
    rounded = np.round(v)
    # an absolute tolerance: a relative one called 1e9 + 0.5 an integer, and values near
    # 1e-16 (rounding to 0) integers too, which then labelled every one of them
    return bool(np.all(np.abs(v - rounded) <= INTEGER_TOLERANCE)
                and np.unique(rounded).size >= 2)


def _user_fixed(axis) -> bool:
    # ticks the figure's author placed on purpose (set_xticks, a width per sweep point)
    return isinstance(axis.get_major_locator(), FixedLocator)


def log_ticks(ax) -> None:
    """Readable ticks on the log axes of ``ax``: at least three labels, never colliding.

    Labels at powers of ten when three or more fit in the view, else at 1-2-5 multiples,
    else at evenly spaced round values, as plain numbers; a few integer data values
    (d = 3, 5, 8) are labelled themselves. Unlabelled minor ticks. The ticks follow later
    changes of the limits. Ticks placed with ``set_xticks`` are kept.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3.0, 2.25))
    >>> _ = ax.loglog([20, 40], [30, 60])
    >>> log_ticks(ax)
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ['20', '30', '40']
    >>> plt.close(fig)
    """
    ax = one_axes(ax)  # None or an array of axes: an error naming ax, not AttributeError
    for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if axis.get_scale() != "log" or _user_fixed(axis):
            continue
        integer = integer_data(ax, which)
        at = _tick_at_data(_marker_values(ax, which), _MAX_LABELS[which]) if integer else None
        axis.set_major_locator(ReadableLogLocator(integer=integer, at=at,
                                                  max_labels=_MAX_LABELS[which]))
        axis.set_major_formatter(ReadableLogFormatter())
        axis.set_minor_locator(LogLocator(base=10, subs="auto"))
        axis.set_minor_formatter(NullFormatter())


def integer_ticks(ax) -> None:
    """Integer ticks on the linear axes of ``ax`` whose marked points are all integers
    (no "d = 3.5", no "kernel size 1.5"). Heat maps and ticks set by hand are left alone.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3.0, 2.25))
    >>> _ = ax.plot([1, 3, 5], [1.0, 1.4, 2.5], "o")
    >>> integer_ticks(ax); fig.canvas.draw()
    >>> all(float(t).is_integer() for t in ax.get_xticks())
    True
    >>> plt.close(fig)
    """
    ax = one_axes(ax)
    if ax.images:
        return
    for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if axis.get_scale() != "linear" or not isinstance(axis.get_major_locator(), AutoLocator):
            continue
        if integer_data(ax, which):
            axis.set_major_locator(MaxNLocator(nbins="auto", integer=True,
                                               steps=[1, 2, 2.5, 5, 10]))


def tidy_ticks(ax) -> None:
    """:func:`log_ticks` and :func:`integer_ticks` on one axes."""
    log_ticks(ax)
    integer_ticks(ax)
