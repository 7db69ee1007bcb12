"""Fitted slopes with confidence intervals (log-log scaling laws)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class SlopeFit:
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
        """Whether the point estimate lies in ``[lo, hi]``."""
        return bool(lo <= self.slope <= hi)

    def interval_within(self, lo: float, hi: float) -> bool:
        """Whether the whole confidence interval lies in ``[lo, hi]``."""
        return bool(lo <= self.low and self.high <= hi)

    def to_dict(self) -> dict[str, float]:
        return {
            "slope": self.slope,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "stderr": self.stderr,
            "n": self.n,
        }

    def __str__(self) -> str:
        pct = round(100 * self.confidence)
        return f"{self.slope:.3f} [{self.low:.3f}, {self.high:.3f}] ({pct}% CI)"


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
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size < 3:
        raise ValueError(f"need at least 3 points to fit a slope with an interval, got {xa.size}")
    for name, arr in (("x", xa), ("y", ya)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
        if bad.size:
            raise ValueError(f"{name} must be finite and positive; bad entry at index {bad[0]}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    lx, ly = np.log(xa), np.log(ya)
    if np.ptp(lx) == 0:
        raise ValueError("x must take at least two distinct values")
    # least squares by hand: linregress reports a NaN error when y is constant
    xc = lx - lx.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (ly - ly.mean()) / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    resid = ly - (intercept + slope * lx)
    dof = xa.size - 2
    stderr = float(np.sqrt(max(float(resid @ resid), 0.0) / dof / sxx))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * stderr
    # an exact power law has zero residual; round off the last-ulp noise of the fit
    if stderr < 1e-12:
        slope = float(np.round(slope, 12))
    return SlopeFit(
        slope=slope,
        intercept=intercept,
        low=float(slope - half),
        high=float(slope + half),
        confidence=confidence,
        stderr=stderr,
        n=int(xa.size),
    )
