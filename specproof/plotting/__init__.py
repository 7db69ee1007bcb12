"""One matplotlib style for appendix figures, and the checks that keep it.

Figures are sized for a paper column (3.0 in, printed at 100 % in a two-column paper on
A4 or letter) or a full page width (6.2 in), use fonts that stay at 7 pt or more at that
size, and are saved as vector PDF with a PNG beside it. The rules every figure follows (and
:func:`figure_problems` checks): at least three labelled ticks on every log axis, integer
ticks for integer data, legends that cover no point and do not squeeze the axes, heat-map
annotations coloured from their cell, a reference slope next to every fitted slope.

- style: :func:`figure`, :func:`style`, :func:`save_figure`, :func:`finish_figure`
- ticks: :func:`log_ticks`, :func:`integer_ticks`, :func:`tidy_ticks`
- legends: :func:`place_legend`, :func:`legend_overlaps`, :func:`data_points`
- drawing: :func:`loglog_fit`, :func:`reference_line`
- heat maps: :func:`annotate_cells`, :func:`text_color_for`, :func:`contrast_ratio`
- checks: :func:`figure_problems` and the single rules it gathers
"""

from specproof.plotting.annotate import loglog_fit, reference_line
from specproof.plotting.checks import (
    figure_problems,
    fractional_ticks,
    low_contrast_annotations,
    missing_labels,
    missing_reference_lines,
    small_text,
    sparse_log_axes,
    squeezed_axes,
    tick_label_collisions,
)
from specproof.plotting.colours import (
    annotate_cells,
    contrast_ratio,
    relative_luminance,
    text_color_for,
)
from specproof.plotting.legend import data_points, legend_overlaps, place_legend
from specproof.plotting.style import (
    MIN_FONT_PT,
    STYLE,
    WIDTHS,
    figure,
    finish_figure,
    restyle,
    save_figure,
    style,
)
from specproof.plotting.ticks import (
    integer_data,
    integer_ticks,
    log_tick_values,
    log_ticks,
    tidy_ticks,
)

__all__ = [
    "MIN_FONT_PT",
    "STYLE",
    "WIDTHS",
    "annotate_cells",
    "contrast_ratio",
    "data_points",
    "figure",
    "figure_problems",
    "finish_figure",
    "fractional_ticks",
    "integer_data",
    "integer_ticks",
    "legend_overlaps",
    "log_tick_values",
    "log_ticks",
    "loglog_fit",
    "low_contrast_annotations",
    "missing_labels",
    "missing_reference_lines",
    "place_legend",
    "reference_line",
    "relative_luminance",
    "restyle",
    "save_figure",
    "small_text",
    "sparse_log_axes",
    "squeezed_axes",
    "style",
    "text_color_for",
    "tick_label_collisions",
    "tidy_ticks",
]
