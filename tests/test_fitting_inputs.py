"""fit_loglog and fit_loglog_bootstrap: intervals that hold at extreme data, bad input refused."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.fitting import fit_loglog, fit_loglog_bootstrap, slope_text


def _exact_slope(x, y) -> float:
    """The least-squares slope of the logs of these floats, in 200-bit arithmetic."""
    with mpmath.workprec(200):
        lx = [mpmath.log(mpmath.mpf(float(v))) for v in x]
        ly = [mpmath.log(mpmath.mpf(float(v))) for v in y]
        mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
        sxy = sum((a - mx) * (b - my) for a, b in zip(lx, ly))
        return float(sxy / sum((a - mx) ** 2 for a in lx))


def test_logs_of_x_collapsed_by_rounding_are_refused_not_fitted():
    # the logs took two values an ulp apart: the fit said slope -0.009 in [-0.151, 0.133]
    # where the exact least-squares slope of these floats is -3.39
    x = [7.749081140205464e191, 7.749081140205482e191, 7.749081140205477e191,
         7.74908114020547e191, 7.749081140205487e191]
    y = [0.15357722252796965, 0.1535772225279685, 0.15357722252796888,
         0.15357722252796926, 0.15357722252796807]
    assert _exact_slope(x, y) == pytest.approx(-3.3926, abs=1e-3)
    with pytest.raises(ValueError, match="logs of x are too close to fit a slope"):
        fit_loglog(x, y)


@settings(max_examples=60, deadline=None)
@given(magnitude=st.floats(-300, 300), y_magnitude=st.floats(-300, 300),
       spread=st.floats(-16, 2), slope=st.floats(-4, 4), n=st.integers(3, 6))
def test_interval_contains_the_exact_slope_of_the_floats_at_any_magnitude(
        magnitude, y_magnitude, spread, slope, n):
    k = np.arange(n, dtype=float)[::-1] if n % 2 else np.arange(n, dtype=float)
    x = 10.0**magnitude * (1.0 + k * 10.0**spread)
    y = 10.0**y_magnitude * (1.0 + k * 10.0**spread) ** slope
    if not (np.all(np.isfinite(x) & (x > 0)) and np.all(np.isfinite(y) & (y > 0))):
        return
    try:
        fit = fit_loglog(x, y)
    except ValueError as err:  # refused, never a wrong interval
        assert "too close" in str(err) or "distinct" in str(err)
        return
    exact = _exact_slope(x, y)
    assert fit.low <= exact <= fit.high, (exact, fit)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.ma.array([1, 2, 4, 8], mask=[0, 0, 0, 1]), [1, 4, 16, 1e6], "x is a masked array"),
        (np.array([1 + 5j, 2 + 1j, 4, 8 + 9j]), [1, 2, 4, 8], "x must hold real numbers.*complex"),
        (["1", "2", "4"], [1, 4, 16], "x must hold real numbers"),
        ([1, 2, 4], [True, True, True], "y must hold real numbers.*bool"),
        (np.array(["2020-01-01", "2020-01-02", "2020-01-04"], dtype="datetime64[D]"), [1, 2, 3],
         "x must hold real numbers.*datetime64"),
        ([1, 2, 4], [1, None, 3], "y must hold real numbers, got an entry None"),
        ([1, 2, 4], np.array([1, "a", 3], dtype=object), "y must hold real numbers"),
    ],
)
def test_values_that_are_not_real_numbers_are_refused_by_name(x, y, message):
    with pytest.raises(ValueError, match=message):
        fit_loglog(x, y)
    with pytest.raises(ValueError, match=message):  # checked before anything else
        fit_loglog_bootstrap(x, y)


@pytest.mark.parametrize("slope", [3e-13, 7.77e-12, 1 / 3, -2.5e-9])
def test_small_and_repeating_slopes_are_not_rounded_away(slope):
    x = np.array([2.0, 3, 5, 7, 11])
    fit = fit_loglog(x, 3 * x**slope)
    # the data's own rounding: exp/log of values near 3 carry ~1e-16 each
    assert abs(fit.slope - slope) <= 1e-15 + 1e-12 * abs(slope)
    assert fit.low <= _exact_slope(x, 3 * x**slope) <= fit.high


def test_text_shows_the_level_as_given_and_never_a_nonzero_value_as_zero():
    assert str(fit_loglog([1, 2, 4], [1, 2, 5], confidence=0.999)).endswith("(99.9% CI)")
    assert str(fit_loglog([1, 2, 4], [1, 2, 5], confidence=0.001)).endswith("(0.1% CI)")
    text = str(fit_loglog([1, 2, 4, 8], [1, 1.0001, 1.0002, 1.00031]))
    assert text.startswith("0.000149 [0.000138, 0.000159]"), text
    assert [slope_text(v) for v in (-0.5012, 0.0, -3e-13, 0.0123)] == [
        "-0.501", "0.000", "-3e-13", "0.012"]


def test_to_dict_is_json_and_holds_the_intercept():
    fit = fit_loglog([1, 2, 4], [3, 6, 12], confidence=np.float32(0.95))
    d = json.loads(json.dumps(fit.to_dict()))
    assert d["intercept"] == pytest.approx(np.log(3), abs=1e-15)
    assert d["confidence"] == pytest.approx(0.95, abs=1e-7) and type(fit.confidence) is float


def test_bootstrap_names_the_lonely_x_exactly_and_checks_seed_and_size():
    with pytest.raises(ValueError, match=r"x = 2\.0000000000000004 has 1"):
        fit_loglog_bootstrap([2, 2, 4, 4, 2.0000000000000004], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="seed must be a non-negative int, got -1"):
        fit_loglog_bootstrap([2, 2, 4, 4], [1, 2, 3, 4], seed=-1)
    with pytest.raises(TypeError, match="seed must be an int, a numpy Generator or None"):
        fit_loglog_bootstrap([2, 2, 4, 4], [1, 2, 3, 4], seed=1.5)
    with pytest.raises(ValueError, match=r"n_boot = 100000000 replicates of 4 points"):
        fit_loglog_bootstrap([2, 2, 4, 4], [1, 2, 3, 4], n_boot=10**8)
