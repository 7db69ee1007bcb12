"""Bad input to the plotting helpers is refused by name, before anything is drawn; and
the figure checks can fail on the faults an adversarial probe found."""

import os
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from specproof._core import ArgumentError, ArgumentTypeError  # noqa: E402
from specproof.plotting import (  # noqa: E402
    annotate_cells,
    contrast_ratio,
    figure,
    figure_problems,
    finish_figure,
    integer_data,
    log_tick_values,
    loglog_fit,
    low_contrast_annotations,
    missing_reference_lines,
    reference_line,
    relative_luminance,
    save_figure,
    small_text,
    sparse_log_axes,
    text_color_for,
)


@pytest.fixture
def fig_ax():
    fig, ax = figure()
    yield fig, ax
    plt.close(fig)


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# 5: the legend's digits and its level


def test_fit_legend_shows_small_slopes_and_the_level(fig_ax):
    _, ax = fig_ax
    loglog_fit(ax, [1, 2, 4, 8], [1, 1.001, 1.002, 1.0031])
    # was "slope 0.00 [0.00, 0.00]"
    assert _legend_texts(ax) == ["slope 0.00148 [0.00138, 0.00159]"]


def test_fit_legend_of_a_falling_line_and_another_level():
    fig, ax = figure()
    loglog_fit(ax, [1, 2, 4, 8], [1, 1 / 1.001, 1 / 1.002, 1 / 1.0031], confidence=0.5,
               label="d")
    # was "d: slope -0.00 [-0.00, -0.00]", the 50 % interval passing for a 95 % one
    assert _legend_texts(ax) == ["d: slope -0.00148 [-0.0015, -0.00146] (50% CI)"]
    plt.close(fig)


# 7, 8: reference_line and loglog_fit check everything before drawing


@pytest.mark.parametrize(("x", "y", "match"), [
    ([1, 2, -3, np.nan, 100], [1, 2, 3, 4, 0], r"x must be finite and positive on log axes; "
                                              r"bad entry -3.0 at index 2"),
    ([1, 2, 3], [1, 2, 0], r"y must be finite and positive on log axes; bad entry 0.0 at "
                           r"index 2"),
    ([1, 2, 3], [1, 2], r"x and y must have the same shape, got \(3,\) and \(2,\)"),
    ([], [], "at least one point"),
])
def test_reference_line_refuses_points_it_cannot_draw(fig_ax, x, y, match):
    _, ax = fig_ax
    with pytest.raises(ArgumentError, match=match):
        reference_line(ax, 1, x, y)
    assert len(ax.get_lines()) == 0


@pytest.mark.parametrize("slope", ["1", None, 1 + 1j, True, np.bool_(True)])
def test_reference_line_refuses_a_slope_that_is_not_a_real_number(fig_ax, slope):
    _, ax = fig_ax
    with pytest.raises(ArgumentTypeError, match="slope must be a real number, got"):
        reference_line(ax, slope, [1, 2], [1, 2])
    assert len(ax.get_lines()) == 0


def test_reference_line_takes_numpy_numbers(fig_ax):
    _, ax = fig_ax
    line = reference_line(ax, np.float32(2.0), np.array([1, 4]), np.array([1.0, 16.0]))
    assert line.get_ydata()[-1] == pytest.approx(16.0)


@pytest.mark.parametrize(("kw", "error", "match"), [
    (dict(reference_slope=float("nan")), ArgumentError,
     "reference_slope must be a finite number, got nan"),
    (dict(reference_slope="2"), ArgumentTypeError, "reference_slope must be a real number"),
    (dict(reference_label=3), ArgumentTypeError, "reference_label must be a str or None"),
    (dict(xlabel=1.5), ArgumentTypeError, "xlabel must be a str or None"),
    (dict(label=None), ArgumentTypeError, "label must be a str"),
])
def test_loglog_fit_draws_nothing_when_an_argument_is_bad(fig_ax, kw, error, match):
    _, ax = fig_ax
    with pytest.raises(error, match=match):
        loglog_fit(ax, [1, 2, 4], [1, 4, 16], **kw)
    assert len(ax.get_lines()) == 0 and ax.get_legend() is None


# 9: annotate_cells and the contrast check


def test_annotate_cells_needs_one_value_per_cell(fig_ax):
    _, ax = fig_ax
    image = ax.imshow(np.arange(4.0).reshape(2, 2))
    with pytest.raises(ArgumentError, match=r"values must have the image's shape \(2, 2\)"):
        annotate_cells(ax, image, np.ones((3, 3)))
    assert len(ax.texts) == 0


def test_annotate_cells_colours_text_from_the_cell_not_from_the_value(fig_ax):
    _, ax = fig_ax
    image = ax.imshow([[0.0, 1.0], [2.0, 3.0]], cmap="gray")
    # the values written are 100 everywhere: coloured from norm(100), all were black on
    # the black cell and ... white on the white one
    texts = annotate_cells(ax, image, [[100.0] * 2] * 2)
    assert [t.get_color() for t in texts] == ["white", "white", "black", "black"]
    assert low_contrast_annotations(ax) == []


def test_annotate_cells_follows_extent_and_origin(fig_ax):
    _, ax = fig_ax
    image = ax.imshow([[0.0, 1.0], [2.0, 3.0]], cmap="Blues", extent=(10, 20, 10, 20))
    texts = annotate_cells(ax, image, [[0, 1], [2, 3]])
    # row 0 at the top (origin "upper"): was (0, 0)..(1, 1), outside the image
    assert [tuple(map(float, t.get_position())) for t in texts] == [
        (12.5, 17.5), (17.5, 17.5), (12.5, 12.5), (17.5, 12.5)]
    assert low_contrast_annotations(ax) == []
    for t in texts:
        t.set_color("white")
    # the check now finds those texts on their cells (it returned [] before)
    assert [p.split(":")[0] for p in low_contrast_annotations(ax)] == [
        "'0' at (12.5, 17.5)", "'1' at (17.5, 17.5)", "'2' at (12.5, 12.5)"]


def test_annotate_cells_with_origin_lower(fig_ax):
    _, ax = fig_ax
    image = ax.imshow([[0.0, 3.0]] * 2, cmap="gray", origin="lower", extent=(0, 2, 0, 4))
    texts = annotate_cells(ax, image, [[0, 3], [0, 3]])
    assert [tuple(map(float, t.get_position())) for t in texts] == [
        (0.5, 1.0), (1.5, 1.0), (0.5, 3.0), (1.5, 3.0)]
    assert [t.get_color() for t in texts] == ["white", "black", "white", "black"]


def test_a_nan_cell_gets_visible_text_and_the_check_sees_invisible_text(fig_ax):
    _, ax = fig_ax
    data = np.array([[0.0, np.nan], [2.0, 4.0]])
    image = ax.imshow(data, cmap="Blues", vmin=0, vmax=4)
    # a NaN cell shows the axes' white face: the bad colour (0, 0, 0, 0) read as black
    # gave white text on white
    texts = annotate_cells(ax, image, data)
    assert texts[1].get_text() == "nan" and texts[1].get_color() == "black"
    assert low_contrast_annotations(ax) == []
    texts[1].set_color("white")
    assert low_contrast_annotations(ax) == ["'nan' at (1, 0): contrast 1.0"]


def test_annotate_cells_refuses_an_image_of_other_axes():
    fig, (a, b) = figure(nrows=2)
    image = a.imshow(np.eye(2))
    with pytest.raises(ArgumentError, match="image must be drawn on ax"):
        annotate_cells(b, image, np.eye(2))
    with pytest.raises(ArgumentTypeError, match="image must be what ax.imshow returned"):
        annotate_cells(a, np.eye(2), np.eye(2))
    plt.close(fig)


# 10: colours


@pytest.mark.parametrize(("call", "match"), [
    (lambda: relative_luminance((255, 255, 255)), r"rgb must have every channel in \[0, 1\]"),
    (lambda: relative_luminance((-0.1, 0, 0)), r"got -0.1 at index 0"),
    (lambda: relative_luminance((0, np.nan, 0)), r"got nan at index 1"),
    (lambda: contrast_ratio((1, 1, 1), (0, 0, 300)), r"rgb2 must have every channel"),
    (lambda: text_color_for("not a colour"), r"background must be a matplotlib colour"),
    (lambda: text_color_for((0, 0, 0, 0)), r"background must be opaque \(alpha 1\), got "
                                            r"alpha 0"),
    (lambda: relative_luminance((0.5, 0.5, 0.5, 0.5)), r"rgb must be opaque"),
])
def test_colours_are_checked(call, match):
    with pytest.raises(ArgumentError, match=match):
        call()


def test_colours_take_matplotlib_specs():
    assert text_color_for("navy") == "white" and text_color_for("#fafafa") == "black"
    assert relative_luminance("white") == 1.0 and relative_luminance("k") == 0.0
    assert contrast_ratio("white", (0, 0, 0, 1)) == pytest.approx(21.0)
    with pytest.raises(ArgumentTypeError, match="rgb must be a matplotlib colour"):
        relative_luminance((0.1, 0.2))


# 11: one reference per fit


def test_a_second_fit_without_its_reference_is_flagged(fig_ax):
    _, ax = fig_ax
    loglog_fit(ax, [1, 2, 4, 8], [1, 2, 4, 8.1], label="a", reference_slope=1)
    assert missing_reference_lines(ax) == []
    loglog_fit(ax, [1, 2, 4, 8], [1, 4, 16, 64.1], label="b")
    assert missing_reference_lines(ax) == [
        "a fitted slope without a reference slope line: 'b: slope 2.001 [1.999, 2.002]'"]


def test_a_reference_drawn_on_its_own_serves_every_fit(fig_ax):
    # the zhu_dag figures: one fit per architecture, the paper's rate drawn once
    _, ax = fig_ax
    loglog_fit(ax, [1, 2, 4, 8], [1, 2, 4, 8.1], label="a")
    loglog_fit(ax, [1, 2, 4, 8], [1, 2.2, 4, 8.3], label="b")
    assert len(missing_reference_lines(ax)) == 2
    reference_line(ax, 1.0, [1, 8], [1, 8])
    assert missing_reference_lines(ax) == []


# 12: widths and contrast minima the checks cannot fail with


@pytest.mark.parametrize("width", [float("nan"), -1, 0, float("inf")])
def test_printed_width_must_be_finite_and_positive(width):
    fig, ax = figure()
    with pytest.raises(ArgumentError, match="printed_width must be a finite positive number"):
        small_text(fig, printed_width=width)
    with pytest.raises(ArgumentError, match="printed_width must be a finite positive number"):
        figure_problems(fig, printed_width=width)
    with pytest.raises(ArgumentTypeError, match="printed_width must be a real number"):
        small_text(fig, printed_width="3")
    plt.close(fig)


@pytest.mark.parametrize(("minimum", "match"), [
    (float("nan"), "minimum must be a finite positive number"),
    (-1, "minimum must be a finite positive number"),
    (1.0, r"minimum must be a contrast ratio in \(1, 21\]"),
    (22, r"minimum must be a contrast ratio in \(1, 21\]"),
])
def test_contrast_minimum_must_be_able_to_fail(fig_ax, minimum, match):
    _, ax = fig_ax
    ax.imshow(np.eye(2))
    with pytest.raises(ArgumentError, match=match):
        low_contrast_annotations(ax, minimum=minimum)


# 13: integer data on a short log axis


def test_integer_log_axis_gets_integer_ticks_only_and_passes_the_checks():
    fig, ax = figure()
    loglog_fit(ax, [3, 3, 4, 4, 4], [1, 1.1, 1.9, 2.1, 2.0], xlabel="$d$", ylabel="$y$",
               reference_slope=1)
    finish_figure(fig)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels == ["3", "4"]  # was ['3', '3.5', '4'], flagged by the style itself
    assert sparse_log_axes(ax) == [] and figure_problems(fig) == []
    plt.close(fig)


def test_short_log_axis_still_needs_its_labels():
    from matplotlib.ticker import FixedLocator, ScalarFormatter

    fig, ax = figure()
    ax.loglog([3.2, 3.9], [10, 1000], "o")  # not integer data: three labels needed
    ax.xaxis.set_major_locator(FixedLocator([3.5, 3.7]))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    assert sparse_log_axes(ax) == ["x: ['3.5', '3.7']"]
    plt.close(fig)
    fig, ax = figure()
    ax.loglog([3, 4], [10, 1000], "o")  # integer data: every integer in view needed
    ax.xaxis.set_major_locator(FixedLocator([3]))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    assert sparse_log_axes(ax) == ["x: ['3']"]
    ax.xaxis.set_major_locator(FixedLocator([3, 4]))
    assert sparse_log_axes(ax) == []
    plt.close(fig)


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (1, 2, [1.0, 2.0]),          # was [1.0, 1.5, 2.0]
    (3.2, 4.5, [4.0]),
    (3.2, 3.5, []),
    (1, 3, [1.0, 2.0, 3.0]),
    (16, 128, [20.0, 50.0, 100.0]),
])
def test_integer_log_ticks_are_integers(lo, hi, expected):
    assert log_tick_values(lo, hi, integer=True) == expected


# 14: log_tick_values' arguments


@pytest.mark.parametrize(("args", "kw", "error", "match"), [
    ((0, 10), {}, ArgumentError, "lo must be a finite positive number, got 0.0"),
    ((-5, 100), {}, ArgumentError, "lo must be a finite positive number, got -5.0"),
    ((float("nan"), 10), {}, ArgumentError, "lo must be a finite positive number, got nan"),
    ((1, float("inf")), {}, ArgumentError, "hi must be a finite positive number, got inf"),
    ((10, 1), {}, ArgumentError, "lo must be <= hi, got lo = 10.0 and hi = 1.0"),
    (("1", 10), {}, ArgumentTypeError, "lo must be a real number"),
    ((1, 100), dict(max_labels=0), ArgumentError, "max_labels must be an integer >= 3, got 0"),
    ((1, 100), dict(max_labels=2), ArgumentError, "max_labels must be an integer >= 3, got 2"),
    ((1, 100), dict(max_labels=2.5), ArgumentTypeError, "max_labels must be an integer"),
    ((1, 100), dict(max_labels=True), ArgumentTypeError, "max_labels must be an integer"),
    ((1, 100), dict(integer="yes"), ArgumentTypeError, "integer must be a bool"),
])
def test_log_tick_values_names_bad_arguments(args, kw, error, match):
    with pytest.raises(error, match=match):
        log_tick_values(*args, **kw)


def test_log_tick_values_of_a_single_value_is_one_tick():
    assert log_tick_values(5, 5) == [5.0]  # was [5.0, 5.0, 5.0]
    assert log_tick_values(5, 5, integer=True) == [5.0]
    assert log_tick_values(5.5, 5.5, integer=True) == []
    assert log_tick_values(1, 100, max_labels=np.int64(3)) == [1.0, 10.0, 100.0]


# 15: save_figure's stem


def test_save_figure_drops_a_pdf_or_png_suffix(tmp_path):
    fig, ax = figure()
    pdf, png = save_figure(fig, str(tmp_path / "out" / "fig.pdf"))
    assert (pdf.name, png.name) == ("fig.pdf", "fig.png")
    pdf, png = save_figure(fig, tmp_path / "out" / "other.PNG")
    assert (pdf.name, png.name) == ("other.pdf", "other.png")
    pdf, _ = save_figure(fig, tmp_path / "out" / "fig.v2")
    assert pdf.name == "fig.v2.pdf"
    assert sorted(os.listdir(tmp_path / "out")) == [
        "fig.pdf", "fig.png", "fig.v2.pdf", "fig.v2.png", "other.pdf", "other.png"]
    plt.close(fig)


@pytest.mark.parametrize(("stem", "match"), [
    ("{tmp}/out/dirstem/", "stem must name a file \\(no trailing separator\\)"),
    ("", "stem must end in a file name, got ''"),
    (".", "stem must end in a file name, got '.'"),
    ("{tmp}/..", "stem must end in a file name"),
])
def test_save_figure_refuses_a_stem_without_a_file_name(tmp_path, stem, match):
    fig, ax = figure()
    with pytest.raises(ArgumentError, match=match):
        save_figure(fig, stem.format(tmp=tmp_path))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ArgumentTypeError, match="stem must be a str or a path"):
        save_figure(fig, 3)
    plt.close(fig)


# 16: figure's arguments


@pytest.mark.parametrize(("kw", "error", "match"), [
    (dict(aspect="1"), ArgumentTypeError, "aspect must be a real number, got '1'"),
    (dict(aspect=0), ArgumentError, "aspect must be a finite positive number, got 0"),
    (dict(aspect=float("nan")), ArgumentError, "aspect must be a finite positive number"),
    (dict(aspect=1e6), ArgumentError, r"aspect \(panel height over width\) must be in "
                                      r"\(0, 20\], got 1000000.0"),
    (dict(width=["column"]), ArgumentTypeError, r"width must be one of \['column', 'page'\]"),
    (dict(width="poster"), ArgumentError, r"width must be one of \['column', 'page'\]"),
    (dict(nrows=True), ArgumentTypeError, "nrows must be an integer, got True"),
    (dict(ncols=0), ArgumentError, "ncols must be an integer >= 1, got 0"),
    (dict(ncols=2.0), ArgumentTypeError, "ncols must be an integer, got 2.0"),
])
def test_figure_names_its_bad_argument(kw, error, match):
    before = plt.get_fignums()
    with pytest.raises(error, match=match):
        figure(**kw)
    assert plt.get_fignums() == before


def test_figure_takes_numpy_integers_and_the_largest_aspect():
    fig, axes = figure(nrows=np.int64(2), ncols=np.int32(1))
    assert [round(float(v), 2) for v in fig.get_size_inches()] == [3.0, 4.5]
    assert len(axes) == 2
    plt.close(fig)
    fig, _ = figure(aspect=20)
    assert fig.get_size_inches()[1] == pytest.approx(60.0)
    plt.close(fig)


# 18: integer data


def test_integer_data_uses_an_absolute_tolerance(fig_ax):
    _, ax = fig_ax
    ax.plot([1e9 + 0.5, 1e9 + 1.5], [1, 2], "o")
    assert integer_data(ax, "x") is False  # 0.5 off an integer: not one
    assert integer_data(ax, "y") is True
    with pytest.raises(ArgumentError, match="which must be 'x' or 'y', got 'z'"):
        integer_data(ax, "z")


def test_values_near_zero_are_not_integer_data(fig_ax):
    # drift values of 1e-16 all round to 0: counted as integers, each was labelled as a
    # tick of its own ("1.10212x10^-16"), and the labels collapsed the axes
    _, ax = fig_ax
    ax.plot([1, 2, 3], [1.1e-16, 2.2e-16, 4.3e-16], "o")
    assert integer_data(ax, "y") is False
    ax.plot([1, 2], [3.0000000000000004, 1e-17], "o")
    assert integer_data(ax, "x") is True


# the pion figure: a drift of rounding noise against a reference slope of 4


def test_noise_level_drift_figure_lays_out_without_collapsing():
    lrs = [0.05, 0.1, 0.2, 0.4]
    drift = [2.2e-16, 2.2e-16, 1.65e-16, 1.1e-16, 3.19e-16, 3.19e-16, 4.26e-16, 4.26e-16]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied ... collapsed"
        fig, ax = figure()
        loglog_fit(ax, lrs * 2, drift, label="cayley", xlabel=r"learning rate $\eta$",
                   ylabel=r"one-step drift $\max_i |\Delta\sigma_i| / \sigma_1$",
                   reference_slope=4, reference_label=r"slope 4 ($O(\eta^4)$, E2)")
        finish_figure(fig)
        assert figure_problems(fig) == []
    assert ax.get_position().width > 0.5
    plt.close(fig)
