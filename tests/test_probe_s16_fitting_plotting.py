"""Review s16 of fitting and plotting: interval coverage under unequal scatter, figures
wider than their column, colliding and hidden things the figure checks missed, the
width-sweep figure, and errors that name their argument."""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from specproof import SpecproofError
from specproof._core import ArgumentError, ArgumentTypeError
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep
from specproof.fitting import fit_loglog, fit_loglog_bootstrap
from specproof.plotting import (
    figure,
    figure_problems,
    loglog_fit,
    missing_labels,
    reference_line,
    save_figure,
    tick_label_collisions,
)
from specproof.plotting.legend import _renderer
from specproof.plotting.style import FigureSizeWarning


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize(("noise", "seeds", "widest"), [
    (lambda m: 0.3 * (m / 16) ** -0.5, 8, 0.18),   # before: 0.9125 of 400, median 0.12
    (lambda m: 0.4 * (m / 16) ** -1.0, 4, 0.4),    # before: 0.88 of 400, median 0.23
])
def test_bootstrap_interval_covers_when_scatter_differs_across_widths(noise, seeds, widest):
    # nominal 95 %; the percentile bootstrap united with the pooled t-interval covered
    # 0.88-0.92 (benchmarks/bench_bootstrap_coverage.py); now 0.945-0.95 on these datasets
    rng = np.random.default_rng(16)
    x = np.repeat([16.0, 32.0, 64.0, 128.0, 256.0], seeds)
    hits, widths = 0, []
    for i in range(400):
        y = x**-0.5 * np.exp(noise(x) * rng.standard_normal(x.size))
        fit = fit_loglog_bootstrap(x, y, n_boot=200, seed=i)
        hits += fit.low <= -0.5 <= fit.high
        widths.append(fit.high - fit.low)
    assert hits / 400 >= 0.93
    # and not by being absurdly wide (measured medians: 0.145 and 0.31)
    assert np.median(widths) < widest


def test_bootstrap_interval_holds_the_welch_interval():
    # two seeds per width, one width far noisier: the Welch interval (3 quantile at ~1 dof)
    # is wider than the pooled t-interval, and the union keeps it
    from scipy import stats

    x = np.repeat([16.0, 32.0, 64.0, 128.0], 2)
    ly = -0.5 * np.log(x) + np.array([0.3, -0.3, 0.01, -0.01, 0.0, 0.02, 0.01, -0.01])
    fit, t_fit = fit_loglog_bootstrap(x, np.exp(ly), seed=0), fit_loglog(x, np.exp(ly))
    lx = np.log(x)
    c = (lx - lx.mean()) / ((lx - lx.mean()) @ (lx - lx.mean()))
    s2 = np.array([np.var(ly[k:k + 2], ddof=1) for k in range(0, 8, 2)])
    parts = 2 * c[::2] ** 2 * s2
    dof = parts.sum() ** 2 / np.sum(parts**2)
    half = stats.t.isf(0.025, dof) * np.sqrt(parts.sum())
    assert fit.low <= fit.slope - half + 1e-12 and fit.slope + half - 1e-12 <= fit.high
    assert fit.high - fit.low > t_fit.high - t_fit.low
    assert fit.stderr == pytest.approx(np.sqrt(parts.sum()))


def test_fitting_errors_are_the_packages_and_name_the_argument():
    with pytest.raises(ArgumentError, match="need at least 3 points"):
        fit_loglog([1, 2], [1, 2])
    with pytest.raises(ArgumentError, match=r"^x must be an array of real numbers of one shape"):
        fit_loglog([[1, 2], [3]], [1, 2, 3])
    with pytest.raises(ArgumentError, match=r"^y must be an array"):
        fit_loglog([1, 2, 4], [1, [2, 3], 4])
    with pytest.raises(ArgumentError, match="beyond float64's range") as info:
        fit_loglog([10**400, 10**401, 10**402], [1, 2, 3])
    assert "finite and positive" not in str(info.value) and "index 0" in str(info.value)
    with pytest.raises(SpecproofError, match="n_boot must be an integer >= 100"):
        fit_loglog_bootstrap([1, 1, 2, 2], [1, 2, 3, 4], n_boot=10)


def _labelled(ax, x="$x$", y="$y$"):
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def _sweep(slope=-0.5, label="mlp", scale=1.0, rng=None):
    rng = rng or np.random.default_rng(0)
    return WidthSweep("ntk_change", {}, tuple(
        SweepPoint(w, s, float(scale * w**slope * np.exp(0.05 * rng.normal())))
        for w in (16, 32, 64, 128, 256) for s in range(3)), label=label)


def test_sweep_slope_arguments_are_named():
    sweep = _sweep()
    with pytest.raises(ArgumentTypeError, match="min_width must be a number or None, got '64'"):
        sweep.slope(min_width="64")
    with pytest.raises(ArgumentError, match=r"min_width = 200 leaves 1 of the widths"):
        sweep.slope(min_width=200)
    assert sweep.slope(min_width=64).n == 9


def test_sweep_summary_shows_small_slopes_in_significant_digits():
    rng = np.random.default_rng(0)
    sweep = WidthSweep("m", {}, tuple(SweepPoint(w, s, float(w**1.4e-4 * (1 + 1e-6 * rng.normal())))
                                      for w in (16, 64, 256) for s in range(3)))
    fit = sweep.slope()
    assert "0.000 [0.000, 0.000]" not in repr(sweep) + sweep._repr_html_()
    assert "slope='0.00014 [" in repr(sweep) and f"{fit.low:.3g}" in repr(sweep)


def test_sweep_plot_legend_below_the_label_lists_a_later_reference():
    fig, ax = figure(aspect=1.0)
    rng = np.random.default_rng(1)
    for k, name in enumerate(["mlp", "resnet", "densenet", "vgg"]):
        _sweep(label=name, scale=k + 1, rng=rng).plot(ax)
    reference_line(ax, -0.5, [16, 256], [0.25, 0.0625])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureSizeWarning)
        save_figure(fig, "/tmp/s16-sweep-test")  # fits its column
    renderer = _renderer(fig)
    legend, xlabel = ax.get_legend(), ax.xaxis.label
    # before: anchored 0.2 of the axes below them, the legend covered "width m"
    assert legend.get_window_extent(renderer).y1 < xlabel.get_window_extent(renderer).y0
    assert [t.get_text() for t in legend.get_texts()][-1] == "slope -1/2"
    assert ax.get_ylabel() == "ntk_change"
    assert figure_problems(fig) == []


def test_sweep_plot_takes_the_reference_slope():
    fig, ax = figure()
    fit = _sweep().plot(ax, reference_slope=-0.5)
    assert figure_problems(fig) == []  # before: "a fitted slope without a reference slope"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [f"mlp: {fit.slope:.3f} [{fit.low:.3f}, {fit.high:.3f}]", "slope -1/2"]


def _pdf_width(path) -> float:
    box = re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+)", path.read_bytes())
    return float(box.group(3)) / 72


def test_a_title_wider_than_the_column_is_reported_and_warned(tmp_path):
    fig, ax = figure()
    ax.plot([1, 2, 3], [1, 2, 3], "o")
    _labelled(ax, "$x$", "$y$")
    ax.set_title("Change of the empirical NTK against width $m$ for five architectures")
    with pytest.warns(FigureSizeWarning, match=r"its 7 pt text prints at [56]\.\d pt") as info:
        pdf, _ = save_figure(fig, tmp_path / "wide")
    width = _pdf_width(pdf)
    assert width > 3.5 and f"is {width:.2f} in wide" in str(info[0].message)
    problems = figure_problems(fig)
    assert len(problems) == 1 and problems[0].startswith("saved 3.")
    assert "sticking out: 'Change of the empirical NTK" in problems[0]


def test_a_plain_figure_saves_within_its_width(tmp_path):
    fig, ax = figure()
    loglog_fit(ax, [16, 32, 64, 128], [1, 0.7, 0.5, 0.36], label="mlp", reference_slope=-0.5,
               xlabel="width $m$", ylabel="$v$")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureSizeWarning)
        pdf, _ = save_figure(fig, tmp_path / "plain")
    assert _pdf_width(pdf) <= 3.0 and figure_problems(fig) == []


def test_log_ticks_drop_labels_until_none_collide():
    x = np.array([1e5, 1.2e5, 1.4e5, 1.6e5, 1.8e5])
    fig, ax = figure()
    loglog_fit(ax, x, x**-0.5, xlabel="width $m$", ylabel="$v$", reference_slope=-0.5)
    save = _renderer(fig)  # noqa: F841 (a draw)
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    # before: all five, "1.6x10^5" running into "1.8x10^5"
    assert labels == ["$10^{5}$", "$1.4\\times10^{5}$", "$1.8\\times10^{5}$"]
    assert tick_label_collisions(ax) == [] and figure_problems(fig) == []


def test_overlapping_y_tick_labels_of_different_widths_are_found():
    fig, ax = figure()
    ax.plot([0.5, 1.5, 2.5], [1.2, 2.2, 2.7], "o")
    ax.set_yticks([1, 1.02, 2.5], ["1", "1.02", "2.5"])
    ax.set_ylim(0.9, 3.1)
    assert tick_label_collisions(ax) == [("1", "1.02")]  # before: []


def test_hidden_points_figure_legends_meshes_and_invisible_labels_are_reported():
    fig, ax = figure()
    ax.semilogy([1, 2, 3, 4, 5], [0.0, -1e-3, 1e-2, 1e-1, 1.0], "o-", label="err")
    _labelled(ax, "$t$", "err")
    assert "axes 0: line 'err': 2 of its 5 points are <= 0 on the log y axis" \
        in figure_problems(fig)

    fig, ax = figure()
    ax.scatter([1, 2, 3], [1, 2, 3], label="d")
    ax.set_xlim(10, 20)
    _labelled(ax, "$x$", "$y$")
    assert "axes 0: scatter 'd': none of its 3 points is in view" in figure_problems(fig)

    fig, ax = figure()
    ax.plot(np.arange(1, 10), np.arange(1, 10), "o", label="data points")
    _labelled(ax, "$x$", "$y$")
    fig.legend(loc="center", frameon=True)
    assert any(p.startswith("a figure legend covers") for p in figure_problems(fig))

    fig, ax = figure()
    ax.pcolormesh(np.array([[0.0, 1.0], [1.0, 0.0]]), cmap="gray", vmin=0, vmax=1)
    for i in range(2):
        for j in range(2):
            ax.text(j + 0.5, i + 0.5, "0.00", color="black", ha="center", va="center")
    _labelled(ax, "$i$", "$j$")
    flagged = [p for p in figure_problems(fig) if "low-contrast" in p]
    assert flagged == ["axes 0: low-contrast annotation '0.00' at (0.5, 0.5): contrast 1.0",
                       "axes 0: low-contrast annotation '0.00' at (1.5, 1.5): contrast 1.0"]

    fig, ax = figure()
    ax.plot([1, 2, 3], [1, 2, 3], "o")
    _labelled(ax, "$x$", "$y$")
    ax.yaxis.label.set_visible(False)
    assert missing_labels(fig) == ["axes 0: y"]
