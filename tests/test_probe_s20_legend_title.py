"""Probe s20: a legend that place_legend put above the axes sat on the axes' title.

Measured before the fix (column figure, four curves filling every corner, a title): the
legend's box ran from 157 to 221 px and the title's from 160 to 172 px; the saved figure
printed the last legend entry through the title, and figure_problems did not say so.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from specproof.plotting import figure, figure_problems, finish_figure, place_legend
from specproof.plotting.checks_hidden import legend_text_overlaps
from specproof.plotting.legend import _renderer


def _crowded(ax, n=4):
    """Curves through every corner of ``ax``: no place inside for a legend."""
    x = np.linspace(0.0, 1.0, 200)
    for k in range(n):
        ax.plot(x, np.sin(6 * x + k), "o", ms=2, label=f"curve number {k} with a long label")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("value")


def _gap(fig, ax, text):
    """Pixels between the bottom of ``ax``'s legend and the top of ``text`` (< 0: overlap)."""
    r = _renderer(fig)
    return ax.get_legend().get_window_extent(r).y0 - text.get_window_extent(r).y1


@pytest.mark.parametrize("loc", ["center", "left", "right"])
def test_legend_above_goes_over_the_title(loc):
    fig, ax = figure()
    _crowded(ax)
    ax.set_title("A title for the panel", loc=loc)
    place_legend(ax)
    finish_figure(fig)
    title = {"center": ax.title, "left": ax._left_title, "right": ax._right_title}[loc]
    # above the axes (no free corner), and above the title by at least a point
    assert ax.get_legend().get_window_extent(_renderer(fig)).y0 > ax.bbox.y1
    assert _gap(fig, ax, title) >= fig.dpi / 72
    assert legend_text_overlaps(ax) == []
    assert figure_problems(fig) == []
    plt.close(fig)


def test_without_a_title_the_legend_stays_just_above_the_axes():
    # the placement of figures without a title is what it was: 2 % of the axes' height
    fig, ax = figure()
    _crowded(ax)
    place_legend(ax)
    finish_figure(fig)
    r = _renderer(fig)
    gap = ax.get_legend().get_window_extent(r).y0 - ax.bbox.y1
    assert gap == pytest.approx(0.02 * ax.bbox.height, abs=1.0)
    assert figure_problems(fig) == []
    plt.close(fig)


def test_a_title_added_after_the_legend_is_cleared_by_finish_figure():
    fig, ax = figure()
    _crowded(ax)
    place_legend(ax)
    ax.set_title("A title set later")
    assert legend_text_overlaps(ax) == ["the title 'A title set later'"]
    finish_figure(fig)  # places the legend again: it covered the title
    assert legend_text_overlaps(ax) == []
    assert _gap(fig, ax, ax.title) >= fig.dpi / 72
    plt.close(fig)


def test_the_check_names_a_legend_on_a_title_and_on_tick_labels():
    fig, ax = figure()
    _crowded(ax)
    ax.set_title("A title")
    # where the old placement put it: 2 % of the axes' height above them
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02))
    assert "A title: the legend covers the title 'A title'" in figure_problems(fig)
    ax.legend(loc="upper left", bbox_to_anchor=(-0.3, 0.6))  # over the y tick labels
    covered = legend_text_overlaps(ax)
    assert covered and all(c.startswith("the y tick label") for c in covered)
    plt.close(fig)


def test_a_legend_above_the_lower_panel_does_not_cover_the_upper_one():
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(3.0, 4.5), layout="constrained")
    for ax, name in ((top, "upper"), (bottom, "lower")):
        _crowded(ax)
        ax.set_title(f"the {name} panel")
    place_legend(bottom)
    finish_figure(fig)
    assert legend_text_overlaps(bottom) == []
    assert legend_text_overlaps(top) == []
    plt.close(fig)


def test_the_check_names_a_legend_on_a_text_or_a_figure_title():
    fig, ax = figure()
    _crowded(ax)
    ax.text(0.5, 1.25, "annotation above", transform=ax.transAxes, ha="center")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.15))
    assert "the text 'annotation above'" in legend_text_overlaps(ax)
    ax.texts[0].remove()
    fig.suptitle("A figure title", y=0.98, va="center")
    # the legend centred where the figure's title is
    ax.legend(loc="center", bbox_to_anchor=(0.5, 0.98), bbox_transform=fig.transFigure)
    assert "the figure text 'A figure title'" in legend_text_overlaps(ax)
    plt.close(fig)
