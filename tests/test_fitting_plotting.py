"""Slope fits and the figure style."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.fitting import fit_loglog
from specproof.plotting import figure, loglog_fit, save_figure


@settings(max_examples=30, deadline=None)
@given(slope=st.floats(-3, 3), c=st.floats(1e-3, 1e3))
def test_exact_power_law_recovers_slope(slope, c):
    x = np.array([2.0, 4.0, 8.0, 16.0])
    fit = fit_loglog(x, c * x**slope)
    assert abs(fit.slope - slope) < 1e-10
    assert fit.low <= fit.slope <= fit.high


def test_interval_covers_truth_on_noisy_data():
    rng = np.random.default_rng(0)
    x = np.repeat([64, 128, 256, 512, 1024], 8)
    y = x**-0.5 * np.exp(0.05 * rng.standard_normal(x.size))
    fit = fit_loglog(x, y)
    assert fit.low < -0.5 < fit.high
    assert fit.high - fit.low < 0.1
    assert not fit.within(-0.4, 0.0)


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 3 points"):
        fit_loglog([1, 2], [1, 2])
    with pytest.raises(ValueError, match="y must be finite and positive; bad entry at index 2"):
        fit_loglog([1, 2, 3], [1, 2, -1])
    with pytest.raises(ValueError, match="same length"):
        fit_loglog([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="two distinct values"):
        fit_loglog([2, 2, 2], [1, 2, 3])


def test_figure_saves_pdf_and_png(tmp_path):
    fig, ax = figure(width="page")
    assert fig.get_figwidth() == pytest.approx(6.2)
    fit = loglog_fit(ax, [1, 2, 4, 8], [3, 12, 48, 192], label="y")
    assert fit.slope == pytest.approx(2.0, abs=1e-12)
    assert "slope 2.00" in ax.get_legend().get_texts()[0].get_text()
    pdf, png = save_figure(fig, tmp_path / "sub" / "f")
    assert pdf.read_bytes()[:5] == b"%PDF-" and png.stat().st_size > 1000
    plt.close(fig)
    with pytest.raises(ValueError, match="width must be one of"):
        figure(width="poster")


@settings(max_examples=300, deadline=None)
@given(lo_exp=st.floats(-300, 300), span=st.floats(1e-9, 12), integer=st.booleans(),
       max_labels=st.integers(3, 8))
def test_log_ticks_label_at_least_three_values_inside_any_range(lo_exp, span, integer,
                                                                 max_labels):
    from specproof.plotting import log_tick_values

    lo = 10.0**lo_exp
    hi = lo * 10.0**span
    if not np.isfinite(hi) or (integer and hi < 3):
        return
    ticks = log_tick_values(lo, hi, integer=integer and lo >= 1, max_labels=max_labels)
    assert len(ticks) >= 3, (lo, hi, ticks)
    assert len(set(ticks)) == len(ticks) and ticks == sorted(ticks)
    assert all(lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9) for t in ticks), (lo, hi, ticks)


def test_integer_ticks_on_integer_data_only():
    from specproof.plotting import figure_problems, finish_figure, fractional_ticks

    fig, ax = figure()
    ax.plot([1, 2, 3], [0.25, 0.5, 0.75], "o")
    ax.set_xlabel("$k$")
    ax.set_ylabel("$r$")
    finish_figure(fig)
    fig.canvas.draw()
    assert [float(v) for v in ax.get_xticks() if 1 <= v <= 3] == [1.0, 2.0, 3.0]
    # the y data are fractions: their ticks may be too
    assert any(not float(v).is_integer() for v in ax.get_yticks())
    assert fractional_ticks(ax) == [] and figure_problems(fig) == []
    plt.close(fig)
