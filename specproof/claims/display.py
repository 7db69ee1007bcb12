"""Rich display of one claim's result in Jupyter: verdict, reason, key values, figures."""

from __future__ import annotations

import base64
import html
import io
import math
from typing import Any

from specproof._core.jsonable import jsonable_head
from specproof._core.printable import printable
from specproof.claims.values import float_text

VERDICT_COLOURS = {
    "PASS": "#0a7a2f",
    "FAIL": "#b00020",
    "ERROR": "#b00020",
    "VACUOUS": "#b36b00",
}


def format_value(value: Any, limit: int = 120) -> str:
    """A measured value as short text: floats to 6 significant digits (more where those
    would read as a rounder number, :func:`~specproof.claims.values.float_text`), long
    text cut.

    NaN and the infinities print as ``NaN``, ``Infinity`` and ``-Infinity`` alone or
    inside a list, booleans and None as Python writes them (``True``, as in the reason):
    the JSON form quoted ``"NaN"`` inside arrays and wrote ``true``.

    Examples
    --------
    >>> format_value(1 / 3), format_value([1, 2])
    ('0.333333', '[1, 2]')
    >>> format_value([float("nan"), 1.0]), format_value(float("nan")), format_value(True)
    ('[NaN, 1.0]', 'NaN', 'True')
    """
    # only the head of a long array or list: it is cut at `limit` characters anyway, and
    # the text of its first `limit` items is at least that long
    value = jsonable_head(value, limit)
    if isinstance(value, float):
        return float_text(value) if math.isfinite(value) else repr(value)
    text = value if isinstance(value, str) else _literal(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# to_jsonable writes non-finite floats as these strings
_NON_FINITE = ("NaN", "Infinity", "-Infinity")
_BARE = (*_NON_FINITE, "…")  # and jsonable_head's "nested too deep to show"


def _literal(value: Any) -> str:
    """A JSON-able value as text: JSON, except that non-finite floats, booleans and None
    read as they do in a scalar and in the reason."""
    import json

    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, str):
        return value if value in _BARE else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_literal(v)}"
                               for k, v in value.items()) + "}"
    return json.dumps(value)


def _deciding_values(r) -> dict[str, Any]:
    """The measured values of the side that decided the verdict."""
    return r.deciding_values()


def _values_heading(r) -> str:
    """``"check measured"`` or ``"control measured"``: whose values the table shows. A
    VACUOUS result shows the control's, beside a repr and a summary that show the
    check's key value (``k=1.0`` over a table headed "measured" reading ``k = 2``)."""
    from specproof.claims.decide import deciding_side  # decide imports the results

    return f"{deciding_side(r)} measured"


def figure_png_base64(fig, dpi: int = 110) -> str | None:
    """The figure as a base64 PNG (None for no figure).

    Examples
    --------
    >>> figure_png_base64(None) is None
    True
    """
    if fig is None:
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def result_html(r) -> str:
    """HTML for a :class:`~specproof.claims.ClaimResult` (``_repr_html_``).

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> ">PASS</span>" in result_html(run_claim("lin-sn-gan.homogeneity"))
    True
    """
    from specproof.claims.markup import html_rich  # statements may hold math: MathML

    e = html.escape
    colour = VERDICT_COLOURS.get(r.verdict, "#222")
    rows = "".join(
        f"<tr><td><code>{e(k)}</code></td><td>{e(format_value(v))}</td></tr>"
        for k, v in _deciding_values(r).items()
    )
    if rows:
        rows = f"<tr><th>{e(_values_heading(r))}</th><th>value</th></tr>{rows}"
    figs = []
    for label, fig in (("check", r.check_figure), ("control", r.control_figure)):
        data = figure_png_base64(fig)
        if data:
            figs.append(
                f"<figure style='display:inline-block;margin:0 1em 0 0'>"
                f"<img src='data:image/png;base64,{data}' style='max-width:420px'>"
                f"<figcaption>{label}</figcaption></figure>"
            )
    return (
        f"<div><p><b>{e(r.id)}</b> "
        f"<span style='color:{colour};font-weight:bold'>{e(r.verdict)}</span>"
        f" <small>({r.profile}, seed {r.seed}, {r.seconds:.2f} s)</small></p>"
        f"<p><em>{html_rich(r.statement)}</em></p><p>{html_rich(r.reason)}</p>"
        f"<table>{rows}</table>{''.join(figs)}</div>"
    )


def result_markdown(r) -> str:
    """Markdown for a :class:`~specproof.claims.ClaimResult` (``_repr_markdown_``): the
    table of measured values is headed by whose they are (``check measured``, or
    ``control measured`` where the control decided the verdict, as for VACUOUS).

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> result_markdown(run_claim("lin-sn-gan.homogeneity")).splitlines()[0][:40]
    '**lin-sn-gan.homogeneity** — **PASS** (q'
    """
    lines = [
        f"**{r.id}** — **{r.verdict}** ({r.profile}, seed {r.seed}, {r.seconds:.2f} s)",
        "",
        f"*{r.statement}*",
        "",
        r.reason,
        "",
    ]
    values = _deciding_values(r)
    if values:
        lines += [f"| {_values_heading(r)} | value |", "|---|---|"]
        lines += [f"| `{k}` | {format_value(v)} |" for k, v in values.items()]
    return printable("\n".join(lines), keep="\n") + "\n"  # ESC codes shown, not obeyed
