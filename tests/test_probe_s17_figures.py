"""Probe s17: a long legend label collapsed a log-log fit figure; the width-sweep figure of
docs/dag_nets.md failed the package's own figure checks.

Measured before the fix (column figure, ``loglog_fit`` with a reference slope, saved): the
axes took 0.83, 0.46, 0.05, 0.33 and 0.78 of the figure's width for labels of 1, 15, 20,
40 and 60 characters, the legend beside the axes or off the figure, and matplotlib warned
"constrained_layout not applied because axes sizes collapsed to zero".
"""

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.dag_nets import MEASURES
from specproof.dag_nets.sweep import measure_name
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep
from specproof.plotting import figure, figure_problems, loglog_fit, save_figure
from specproof.plotting.legend import _renderer, wrap_label
from specproof.plotting.style import FigureSizeWarning

# the axes keep at least this share of the figure's width whatever the label's length
# (figure_problems flags a share below 0.7; a short label gives 0.83)
MIN_WIDTH_SHARE = 0.8
# and this share of its height: a wrapped legend above them takes some of it
MIN_HEIGHT_SHARE = 0.45

X = [1, 2, 4, 8, 1, 2, 4, 8]
Y = [1, 0.8, 0.45, 0.3, 1.2, 0.7, 0.5, 0.36]
MATH_LABEL = r"$|\|G\|_2/\sqrt{m} - 2|$"
LABELS = ["L", "L" * 15, "L" * 20, "L" * 40, "L" * 60, MATH_LABEL,
          "the distance of the kernel to its limit at every width"]


def _saved(fig, tmp_path, name="fig"):
    """Save ``fig``, turning the warnings of a collapsed layout or a too-wide file into
    errors: both came with the squeezed figure."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*axes sizes collapsed.*")
        warnings.simplefilter("error", FigureSizeWarning)
        save_figure(fig, tmp_path / name)


def _no_space(text):
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize("label", LABELS, ids=lambda s: f"{len(s)}-chars")
def test_a_long_fit_label_leaves_the_axes_their_width(label, tmp_path):
    fig, ax = figure()
    loglog_fit(ax, X, Y, label=label, xlabel="$m$", ylabel="$y$", reference_slope=-0.5)
    _saved(fig, tmp_path)
    _, _, width, height = ax.get_position().bounds
    assert width > MIN_WIDTH_SHARE, (len(label), width)
    assert height > MIN_HEIGHT_SHARE, (len(label), height)
    assert figure_problems(fig) == []
    renderer = _renderer(fig)
    box, axes = ax.get_legend().get_window_extent(renderer), ax.bbox
    # inside or above the axes, never beside them: from the y label's left edge at most
    # to the axes' right edge
    assert ax.yaxis.get_tightbbox(renderer).x0 - 1 <= box.x0 and box.x1 <= axes.x1 + 1
    assert box.y1 <= fig.bbox.y1 + 1
    # wrapping breaks lines only: every character of the entry is still shown
    fit_line = [line for line in ax.get_lines() if line.get_gid() == "fit"][0]
    shown = [t.get_text() for t in ax.get_legend().get_texts()]
    assert _no_space(shown[0]) == _no_space(fit_line.get_label())
    assert shown[0].startswith(label[:10])
    plt.close(fig)


def test_a_short_label_stays_in_a_free_corner_and_a_long_one_goes_above(tmp_path):
    fig, ax = figure()
    loglog_fit(ax, X, Y, label="L", xlabel="$m$", ylabel="$y$", reference_slope=-0.5)
    _saved(fig, tmp_path, "short")
    renderer = _renderer(fig)
    box = ax.get_legend().get_window_extent(renderer)
    assert ax.bbox.y0 <= box.y0 and box.y1 <= ax.bbox.y1  # inside the axes
    assert "\n" not in ax.get_legend().get_texts()[0].get_text()
    plt.close(fig)
    fig, ax = figure()
    loglog_fit(ax, X, Y, label="L" * 60, xlabel="$m$", ylabel="$y$", reference_slope=-0.5)
    _saved(fig, tmp_path, "long")
    renderer = _renderer(fig)
    box = ax.get_legend().get_window_extent(renderer)
    assert box.y0 >= ax.bbox.y1  # above the axes
    # 60 characters do not fit one line of a column at 7 pt (the legend takes the width
    # of the axes and their y labels): broken into two
    assert ax.get_legend().get_texts()[0].get_text().count("\n") == 1
    assert ax.get_legend().get_texts()[0].get_fontsize() == 7.0  # not shrunk below 7 pt
    plt.close(fig)


def test_two_long_fits_on_one_axes_keep_their_width(tmp_path):
    fig, ax = figure()
    loglog_fit(ax, X, Y, label="the first architecture, a ladder of 3 blocks",
               xlabel="width $m$", ylabel="$y$", reference_slope=-0.5)
    loglog_fit(ax, X, [2 * v for v in Y], label=r"$\|K_T - K_0\|_F / \|K_0\|_F$ for a DenseNet",
               reference_slope=-0.5)
    _saved(fig, tmp_path)
    assert ax.get_position().width > MIN_WIDTH_SHARE
    assert figure_problems(fig) == []
    plt.close(fig)


def test_a_formula_wider_than_the_axes_is_refused_by_name():
    fig, ax = figure()
    wide = "$" + "+".join(f"x_{{{k}}}" for k in range(40)) + "$"
    with pytest.raises(ArgumentError, match=r"cannot be placed: its formula .* wider than"):
        loglog_fit(ax, X, Y, label=wide, reference_slope=-0.5)
    plt.close(fig)


def test_wrap_label_breaks_at_spaces_outside_formulas():
    assert wrap_label("short", 10, len) == "short"
    assert wrap_label("a b $c d$ e", 5, len) == "a b\n$c d$\ne"  # "$c d$" kept whole
    assert wrap_label("abcdefg hi", 3, len) == "abc\ndef\ng\nhi"
    assert wrap_label("one\ntwo words", 5, len) == "one\ntwo\nwords"
    # a lone dollar is plain text (matplotlib draws no formula), broken like any word
    assert wrap_label("$5 and 6", 3, len) == "$5\nand\n6"
    # an escaped one is no formula's edge: "$a \$ b$" is one formula
    assert wrap_label(r"$a \$ b$ c", 9, len) == "$a \\$ b$\nc"
    with pytest.raises(ArgumentError, match=r"its formula '\$abcdef\$'"):
        wrap_label("x $abcdef$", 5, len)


def _hessian_sweep(label=""):
    """A sweep of the built-in hessian measure (keyed by its module path), values m^-1/2,
    with the paper's width (layer width + 10, as for a DenseNet) recorded."""
    rng = np.random.default_rng(3)
    points = tuple(
        SweepPoint(w, s, float(w ** -0.5 * np.exp(0.05 * rng.normal())),
                   extra={"paper_width": w + 10})
        for w in (64, 128, 256) for s in range(4))
    return WidthSweep(measure_name(MEASURES["hessian"]), {}, points, label=label)


def test_sweep_plot_names_the_quantity_not_the_module_path(tmp_path):
    sweep = _hessian_sweep()
    assert sweep.measure == "specproof.dag_nets.measures.hessian"
    fig, ax = figure()
    fit = sweep.plot(ax, x="paper_width", reference_slope=-0.5)
    _saved(fig, tmp_path)
    # the label `specproof ntk` gives its figure
    assert ax.get_ylabel() == r"$\|H_f(w_0)\|_2$"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith(r"$\|H_f(w_0)\|_2$: ")
    assert "specproof" not in " ".join(texts)
    assert ax.get_position().width > MIN_WIDTH_SHARE
    assert figure_problems(fig) == []
    plt.close(fig)
    # the fit drawn is the one the doc prints: against the same x
    assert (fit.slope, fit.low, fit.high) == pytest.approx(
        tuple(getattr(sweep.slope(x="paper_width"), k) for k in ("slope", "low", "high")))
    assert fit.slope != pytest.approx(sweep.slope().slope, abs=1e-3)
    assert ax.get_xlabel() == "width $m$ (minimum in-degree)"


def test_sweep_plot_legend_below_wraps_a_long_label(tmp_path):
    fig, ax = figure()
    sweep = _hessian_sweep(label="a DenseNet of four blocks with erf activations, seeds 0-3")
    sweep.plot(ax, reference_slope=-0.5)
    _saved(fig, tmp_path)
    assert ax.get_xlabel() == "width $m$"
    assert ax.get_position().width > MIN_WIDTH_SHARE
    assert figure_problems(fig) == []
    renderer = _renderer(fig)
    box = ax.get_legend().get_window_extent(renderer)
    assert box.y1 < ax.xaxis.label.get_window_extent(renderer).y0  # still below the label
    # no wider than the axes and their y labels, ending by the axes' right edge
    assert ax.yaxis.get_tightbbox(renderer).x0 - 1 <= box.x0 and box.x1 <= ax.bbox.x1 + 1
    assert "\n" in ax.get_legend().get_texts()[0].get_text()
    plt.close(fig)
