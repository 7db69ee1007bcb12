"""Fitted slopes with confidence intervals (log-log scaling laws)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    Displayable,
    as_generator,
    real_scalar,
)

#: the most entries (replicates x points) :func:`fit_loglog_bootstrap` resamples
MAX_BOOTSTRAP_ENTRIES = 50_000_000


def _t_quantile(tail: float, dof: float) -> float:
    """The upper ``tail`` quantile of Student's t with ``dof`` degrees of freedom
    (``scipy.stats.t.isf(tail, dof)``, the same value bit for bit): through
    ``scipy.special`` because importing ``scipy.stats`` took 0.4-1 s of every
    ``specproof`` command's start."""
    return float(-stdtrit(dof, tail)) + 0.0  # + 0.0: no -0.0 at the median


@dataclass(frozen=True, repr=False)
class SlopeFit(Displayable):
    """A least-squares slope of log y against log x with a two-sided confidence interval.

    Examples
    --------
    >>> fit = fit_loglog([1, 2, 4, 8], [1.0, 0.5, 0.25, 0.125])
    >>> round(fit.slope, 12), fit.within(-1.1, -0.9)
    (-1.0, True)
    """

    slope: float
    intercept: float
    low: float
    high: float
    confidence: float
    stderr: float
    n: int

    def within(self, lo: float, hi: float) -> bool:
        """Whether the point estimate lies in ``[lo, hi]``.

        Raises
        ------
        ArgumentTypeError
            ``lo`` or ``hi`` is not a real number (None, text, a bool).
        ArgumentError
            ``lo`` or ``hi`` is NaN, or ``lo > hi``: a range that holds no slope, in
            which the check could never hold, whatever the data.

        Examples
        --------
        >>> fit = fit_loglog([1, 2, 4], [1.0, 0.5, 0.25])
        >>> fit.within(-1.1, -0.9)
        True
        >>> fit.within(-0.9, -1.1)
        Traceback (most recent call last):
        ...
        specproof._core.errors.ArgumentError: lo must be <= hi, got lo=-0.9 > hi=-1.1: \
the range [lo, hi] is empty (for a negative slope the lower bound is the more negative)
        """
        lo, hi = _bounds(lo, hi)
        return bool(lo <= self.slope <= hi)

    def interval_within(self, lo: float, hi: float) -> bool:
        """Whether the whole confidence interval lies in ``[lo, hi]``; the bounds are
        checked as by :meth:`within`."""
        lo, hi = _bounds(lo, hi)
        return bool(lo <= self.low and self.high <= hi)

    def to_dict(self) -> dict[str, float]:
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "stderr": self.stderr,
            "n": self.n,
        }

    def __str__(self) -> str:
        # the level as given (99.9 %, not "100 %"), and values that are not 0 never shown
        # as 0.000
        pct = f"{100 * self.confidence:.6g}"
        if pct == "100" and self.confidence < 1:  # 1 - 1e-16 printed as "100% CI"
            pct = f"{100 * self.confidence:.17g}"
        return (f"{slope_text(self.slope)} [{slope_text(self.low)}, "
                f"{slope_text(self.high)}] ({pct}% CI)")


def _bounds(lo, hi) -> tuple[float, float]:
    """``lo`` and ``hi`` as floats with ``lo <= hi`` (infinities allowed), else an error
    naming the bound: reversed or NaN bounds made ``within`` False whatever the slope,
    silently, and a check written with them could never hold."""
    out = []
    for name, value in (("lo", lo), ("hi", hi)):
        try:
            x = real_scalar(value)
        except OverflowError:  # 10**400: beyond every float slope
            x = math.inf if value > 0 else -math.inf
        if x is None:
            raise ArgumentTypeError(f"{name} must be a real number, got {_short(value)} "
                                    f"({type(value).__name__})")
        if math.isnan(x):
            raise ArgumentError(f"{name} must be a number, got {x!r} (a bound computed from "
                                "a NaN makes the test False whatever the slope)")
        out.append(x)
    if out[0] > out[1]:
        hint = (" (for a negative slope the lower bound is the more negative)"
                if min(out) < 0 else "")
        raise ArgumentError(f"lo must be <= hi, got lo={out[0]!r} > hi={out[1]!r}: the "
                            f"range [lo, hi] is empty{hint}")
    return out[0], out[1]


def slope_text(value: float) -> str:
    """Three decimals, or three significant digits where those would read below 0.01
    (for a value that is not 0).

    Examples
    --------
    >>> slope_text(-0.5012), slope_text(1.4e-4), slope_text(0.0), slope_text(-3e-13)
    ('-0.501', '0.00014', '0.000', '-3e-13')
    """
    # decided on the rounded text, not the value: 0.0095 (a float just below it) passed a
    # ">= 0.0095" test and printed as "0.009", below its own interval's "0.0095"
    text = f"{value:.3f}"
    if value == 0 or abs(float(text)) >= 0.01:
        return text
    return f"{value:.3g}"


def _short(entry) -> str:
    """``repr(entry)`` cut to a readable length (an int of 400 digits is one entry)."""
    text = repr(entry)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"


def _real_values(values, name: str) -> np.ndarray:
    """``values`` as a float64 array when every entry is a real number (not bool, text,
    complex or time), else an ArgumentError naming the argument; masked arrays and ragged
    nestings are refused."""
    if isinstance(values, np.ma.MaskedArray):
        raise ArgumentError(f"{name} is a masked array: pass only the points to fit "
                            f"({name}.compressed(), with the same mask on the other argument)")
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # [[1, 2], [3]]: numpy's message names no argument
        raise ArgumentError(f"{name} must be an array of real numbers of one shape; it mixes "
                            "numbers and lists, or lists of different lengths") from exc
    kind = arr.dtype.kind
    if not isinstance(values, np.ndarray) and kind in "iuf" and any(
            isinstance(v, (bool, np.bool_)) for v in np.asarray(values, dtype=object).ravel()):
        # [True, 2, 4] became the integers [1, 2, 4]: a bool is refused in a list too
        raise ArgumentError(f"{name} must hold real numbers, got a bool in {values!r}"[:300])
    if kind == "O":
        # Fraction, Decimal, sympy numbers and huge ints are real numbers too (as floats)
        out = []
        for index, entry in enumerate(arr.ravel()):
            if isinstance(entry, (list, tuple, np.ndarray)):
                raise ArgumentError(f"{name} must be a flat sequence of real numbers; entry "
                                    f"{index} is a {type(entry).__name__} ({_short(entry)})")
            try:
                value = real_scalar(entry)
                # Decimal("1e400") becomes inf without an OverflowError
                beyond = value is not None and math.isinf(value) and not (
                    isinstance(entry, float) or (hasattr(entry, "is_finite")
                                                 and not entry.is_finite()))
            except OverflowError:  # 10**400, Fraction(10**400)
                beyond = True
            if beyond:
                raise ArgumentError(
                    f"{name} holds {_short(entry)} at index {index}, a finite number beyond "
                    "float64's range (about 1.8e308; the fit runs in float64)")
            if value is None:
                raise ArgumentError(f"{name} must hold real numbers, got an entry "
                                    f"{_short(entry)} of type {type(entry).__name__}")
            out.append(value)
        return np.array(out, dtype=float).reshape(arr.shape)
    elif kind not in "iuf":
        raise ArgumentError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    with np.errstate(over="ignore"):
        out = np.asarray(arr, dtype=float)
    beyond = np.isinf(out) & np.isfinite(arr)
    if beyond.any():
        # a long double of 1e4000 is finite; it was refused as "not finite"
        i = tuple(int(k) for k in np.argwhere(beyond)[0])
        raise ArgumentError(f"{name} holds {arr[i]} at index {i}, beyond float64's range "
                            "(the fit runs in float64)")
    return out


def _positive_pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    xa, ya = _real_values(x, "x"), _real_values(y, "y")
    if xa.shape != ya.shape:
        # checked before flattening: x of shape (2, 3) and y of shape (3, 2) have the
        # same length flattened but pair the wrong values
        raise ArgumentError(f"x and y must have the same length and shape, got {xa.shape} and "
                         f"{ya.shape}")
    xa, ya = xa.ravel(), ya.ravel()
    for name, arr in (("x", xa), ("y", ya)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
        if bad.size:
            raise ArgumentError(f"{name} must be finite and positive; bad entry at index {bad[0]}")
    return xa, ya


def _check_confidence(confidence) -> float:
    if (isinstance(confidence, (bool, np.bool_))
            or not isinstance(confidence, (int, float, np.integer, np.floating))
            or not 0 < confidence < 1):
        raise ArgumentError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return float(confidence)


def fit_loglog(x, y, confidence: float = 0.95) -> SlopeFit:
    """Fit ``log y = slope * log x + intercept`` by least squares.

    Parameters
    ----------
    x, y : array_like
        Positive values of equal length, at least 3 points (a two-point line has no
        interval). Repeated x values (seeds) are fine.
    confidence : float
        Level of the t-interval on the slope.

    Examples
    --------
    >>> fit_loglog([10, 100, 1000], [3.0, 30.0, 300.0]).slope
    1.0
    """
    xa, ya = _positive_pairs(x, y)
    if xa.size < 3:
        raise ArgumentError(
            f"need at least 3 points to fit a slope with an interval, got {xa.size}")
    confidence = _check_confidence(confidence)
    lx, ly = np.log(xa), np.log(ya)
    if np.ptp(lx) == 0:
        raise ArgumentError("x must take at least two distinct values"
                            + ("" if np.ptp(xa) == 0 else
                            f" whose logs differ (the {xa.size} values differ by a few ulps: "
                            f"their logs are all {float(lx[0])!r})"))
    # least squares by hand: linregress reports a NaN error when y is constant
    xc = lx - lx.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (ly - ly.mean()) / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    resid = ly - (intercept + slope * lx)
    dof = xa.size - 2
    stderr = float(np.sqrt(max(float(resid @ resid), 0.0) / dof / sxx))
    # isf of the tail, not ppf of 0.5 + c/2: that rounds to 1 for c = 1 - 1e-16 (an
    # infinite quantile, a NaN interval for an exact power law) and loses digits near it
    half = _t_quantile((1.0 - confidence) / 2, dof) * stderr
    # the logs carry rounding of u |log| each. In log y that moves the slope by up to
    # u max|log y| sqrt(n / sxx); in log x it perturbs the design by a relative
    # eps_x = 2 u max|log x| sqrt(n / sxx), which moves the slope by eps_x |true slope| <=
    # eps_x |slope| / (1 - eps_x). Negligible at ordinary data, but x over a relative range
    # of 1e-6 with y near 1e300 puts it at 1e-7, far above stderr. The bound takes the
    # true slope from the estimate's own error, not the estimate alone: logs of x that
    # collapsed onto two values made a slope of ~0 and an interval that missed -3.39
    u = np.finfo(float).eps
    eps_x = 2.0 * u * float(np.abs(lx).max()) * float(np.sqrt(xa.size / sxx))
    if eps_x >= 0.5:
        raise ArgumentError(
            f"the logs of x are too close to fit a slope: they span {float(np.ptp(lx)):.3g}, "
            f"within rounding (relative {eps_x:.2g}) of their size {float(np.abs(lx).max()):.4g}"
            "; spread the x values further apart")
    rounding = (8.0 * u * float(np.abs(ly).max()) * float(np.sqrt(xa.size / sxx))
                + 4.0 * eps_x * abs(slope) / (1.0 - eps_x))
    half = max(half, float(rounding))
    # an exact power law has zero residual: the last-ulp noise of the fit is rounded off
    # at 12 significant digits (relative, so a slope of 3e-13 stays 3e-13), and the
    # interval covers that rounding (a zero-width interval at 0.333333333333 excluded the
    # exact slope 1/3)
    if stderr <= 1e-12 * max(abs(slope), float(np.finfo(float).tiny)):
        rounded = float(f"{slope:.12g}")
        half = max(half, 2.0 * abs(rounded - slope), 1e-12 * abs(slope))
        slope = rounded
    return SlopeFit(
        slope=slope,
        intercept=intercept,
        low=float(slope - half),
        high=float(slope + half),
        confidence=confidence,
        stderr=stderr,
        n=int(xa.size),
    )


def fit_loglog_bootstrap(
    x,
    y,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = 0,
) -> SlopeFit:
    """Least-squares log-log slope with an interval over repeats that holds when the
    scatter differs between widths.

    The interval is the union of three: a Welch interval built from the spread of the
    points at each distinct ``x`` (one per seed in a width sweep) with a t quantile at the
    Welch-Satterthwaite degrees of freedom; the percentile bootstrap interval of
    replicates that resample the points *within* each ``x``; and the t-interval of
    :func:`fit_loglog`. Neither assumes that the scatter is equal at every width except
    the last, which covers a misfit of the line that the spread within widths does not
    show. ``stderr`` is the largest of the three standard errors.

    Measured coverage of a nominal 95 % interval (``benchmarks/bench_bootstrap_coverage.py``,
    5 widths, 1000 synthetic sweeps each, Monte Carlo error 0.7 %): 0.96-0.99 for equal
    Gaussian scatter with 2 to 8 seeds per width, 0.948-0.962 for scatter falling like
    ``m**-1/2`` or ``1/m`` or growing like ``m``, where the bootstrap united with the
    t-interval alone covered 0.87-0.92. The price is width where seeds are few: with 2
    seeds the median interval is 1.8 times the t-interval's, with 8 seeds 1.05 times.

    Parameters
    ----------
    x, y : array_like
        Positive values of equal length; at least two distinct ``x`` and at least two
        points at every distinct ``x`` (one point per ``x`` shows no spread).
    confidence : float
        Level of the interval, in (0, 1).
    n_boot : int
        Number of bootstrap replicates (at least 100).
    seed : int or Generator or None
        Seed of the resampling.

    Raises
    ------
    ArgumentError
        For a bad argument (a :class:`ValueError` too), naming it.

    Examples
    --------
    >>> x = [64, 64, 128, 128, 256, 256]
    >>> y = [8.0, 8.2, 5.6, 5.8, 4.0, 4.1]
    >>> fit = fit_loglog_bootstrap(x, y, seed=0)
    >>> round(fit.slope, 2), fit.low < fit.slope < fit.high
    (-0.5, True)
    """
    xa, ya = _positive_pairs(x, y)
    confidence = _check_confidence(confidence)
    if (isinstance(n_boot, (bool, np.bool_)) or not isinstance(n_boot, (int, float, np.integer,
                                                                        np.floating))
            or not np.isfinite(n_boot) or int(n_boot) != n_boot or n_boot < 100):
        raise ArgumentError(f"n_boot must be an integer >= 100, got {n_boot}")
    if int(n_boot) * xa.size > MAX_BOOTSTRAP_ENTRIES:
        raise ArgumentError(
            f"n_boot = {int(n_boot)} replicates of {xa.size} points would resample "
            f"{int(n_boot) * xa.size:.3g} entries (limit {MAX_BOOTSTRAP_ENTRIES:.0e}, about "
            f"{8 * MAX_BOOTSTRAP_ENTRIES / 2**30:.1f} GiB); 2000 replicates are plenty for a "
            "95 % interval")
    rng = as_generator(seed)
    levels, inverse, counts = np.unique(xa, return_inverse=True, return_counts=True)
    if levels.size < 2:
        raise ArgumentError("x must take at least two distinct values")
    if counts.min() < 2:
        lonely = levels[int(np.argmin(counts))]
        raise ArgumentError(
            f"every distinct x needs at least 2 points to resample; x = {float(lonely)!r} "
            "has 1"
        )
    # first: it refuses x whose logs coincide (distinct floats near 1e300 have equal
    # logs) by name, where the slope below divided by zero (a RuntimeWarning, which
    # `-W error` turned into the only error the user saw)
    t_fit = fit_loglog(xa, ya, confidence)
    lx, ly = np.log(xa), np.log(ya)
    xc = lx - lx.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (ly - ly.mean()) / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    # resampling within each x keeps the x column fixed, so each replicate slope is a dot
    # product of the fixed centred design with the resampled log y
    idx = np.empty((int(n_boot), xa.size), dtype=np.intp)
    for level in range(levels.size):
        members = np.flatnonzero(inverse == level)
        idx[:, members] = rng.choice(members, size=(int(n_boot), members.size), replace=True)
    # log y centred first: uncentred, sum(xc) (zero only up to rounding) times a large
    # mean of log y shifted every replicate (an interval that missed its own estimate)
    boot = ((ly[idx] - ly.mean()) @ xc) / sxx
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    # the percentile interval alone is too narrow with few points per x: resampling n
    # points shrinks their variance by (n - 1) / n and the quantiles are normal, not t
    # (measured: 68 % and 85 % coverage for a nominal 95 % with 2 and 3 seeds per width)
    half, welch_se = _welch_half_width(xc / sxx, ly, inverse, counts, alpha)
    # the t-interval (t_fit) covers a misfit of the line, which the spread within widths
    # misses
    low, high = min(low, slope - half, t_fit.low), max(high, slope + half, t_fit.high)
    return SlopeFit(
        slope=slope,
        intercept=intercept,
        low=float(low),
        high=float(high),
        confidence=confidence,
        stderr=float(max(welch_se, boot.std(ddof=1), t_fit.stderr)),
        n=int(xa.size),
    )


def _welch_half_width(weights: np.ndarray, ly: np.ndarray, inverse: np.ndarray,
                      counts: np.ndarray, alpha: float) -> tuple[float, float]:
    """Half-width and standard error of the Welch interval of ``slope = weights @ ly``.

    The slope is a fixed linear combination of the log values, so its variance is
    ``sum_k n_k w_k**2 sigma_k**2`` over the distinct x (group k: ``n_k`` points sharing
    the weight ``w_k``), whatever the scatter ``sigma_k`` of each group. Each
    ``sigma_k**2`` is estimated by the unbiased spread within its group (which a misfit of
    the line does not inflate), and the t quantile takes the Welch-Satterthwaite degrees
    of freedom, between the smallest ``n_k - 1`` and their sum: a pooled ``n - 2`` claimed
    more certainty than a few noisy widths carry (0.88 coverage for a nominal 95 %).
    """
    n_groups = counts.size
    means = np.bincount(inverse, ly, n_groups) / counts
    spread = np.bincount(inverse, (ly - means[inverse]) ** 2, n_groups) / (counts - 1)
    group_weight = np.bincount(inverse, weights, n_groups) / counts
    parts = counts * group_weight**2 * spread
    variance = float(parts.sum())
    if not variance > 0:  # the same value at every seed: the other intervals decide
        return 0.0, 0.0
    dof = variance**2 / float(np.sum(parts**2 / (counts - 1)))
    return _t_quantile(alpha, dof) * math.sqrt(variance), math.sqrt(variance)
