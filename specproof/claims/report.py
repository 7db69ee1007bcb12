"""The report folder: ``report.md``, ``report.html``, ``evidence.json``, ``figures/``.

``evidence.json`` follows the JSON schema ``evidence.schema.json`` shipped beside this
module (schema id ``specproof.evidence/1``); see ``docs/cli.md``.
"""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import tempfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from specproof._core import to_jsonable
from specproof._core.version import __version__
from specproof.claims.run import VerifyRun
from specproof.claims.runner import VERDICTS

SCHEMA_ID = "specproof.evidence/1"


def evidence_schema() -> dict[str, Any]:
    """The JSON schema that ``evidence.json`` validates against.

    Examples
    --------
    >>> evidence_schema()["properties"]["schema"]["const"]
    'specproof.evidence/1'
    """
    text = resources.files("specproof.claims").joinpath("evidence.schema.json").read_text()
    return json.loads(text)


def evidence_document(run: VerifyRun, complete: bool) -> dict[str, Any]:
    """The evidence of ``run`` as a JSON-able dict (the content of ``evidence.json``)."""
    counts = {v: sum(r.verdict == v for r in run.results) for v in VERDICTS}
    return {
        "schema": SCHEMA_ID,
        "specproof_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "seed": run.seed,
        "profile": run.profile,
        "complete": bool(complete),
        "interrupted": bool(run.interrupted),
        "seconds": round(run.seconds, 3),
        "summary": counts,
        "claims": [r.to_dict() for r in run.results],
    }


def _atomic_write(path: Path, text: str) -> None:
    # a reader (or an interrupted run) never sees a half-written file
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _summary_rows(run: VerifyRun) -> list[tuple[str, str, str, str, str]]:
    return [
        (r.id, r.kind, r.verdict, r.key_figure(), f"{r.seconds:.2f}") for r in run.results
    ]


def summary_table(run: VerifyRun) -> str:
    """The terminal summary: id, kind, verdict, key figure, seconds."""
    header = ("claim", "kind", "verdict", "key figure", "seconds")
    rows = [header, *_summary_rows(run)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = {v: sum(r.verdict == v for r in run.results) for v in VERDICTS}
    tail = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    state = " (interrupted)" if run.interrupted else ""
    lines.append(f"{len(run.results)} claims: {tail or 'none'}; {run.seconds:.1f} s{state}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    value = to_jsonable(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def _markdown(run: VerifyRun, complete: bool) -> str:
    out = [
        "# specproof verification report",
        "",
        f"profile `{run.profile}`, seed {run.seed}, {len(run.results)} claims, "
        f"{run.seconds:.1f} s" + ("" if complete else " (incomplete)"),
        "",
        "| claim | kind | verdict | key figure | seconds |",
        "|---|---|---|---|---|",
    ]
    out += [f"| {' | '.join(row)} |" for row in _summary_rows(run)]
    for r in run.results:
        out += ["", f"## {r.id} — {r.verdict}", "", f"*{r.statement}*", ""]
        out += [f"- paper: `{r.paper}`; kind: {r.kind}; verdict reason: {r.reason}"]
        out += [f"- parameters: `{json.dumps(to_jsonable(r.params))}`"]
        for label, o in (("check", r.check), ("control", r.control)):
            desc = f" ({r.control_description})" if label == "control" else ""
            out += [f"- **{label}**{desc}: {o.verdict}; expected: {o.expected or '—'}"]
            out += [f"  - {k} = {_fmt(v)}" for k, v in o.measured.items()]
            out += [f"  - certificate: [{n}](certificates/{n})" for n in o.certificates]
            if o.traceback:
                out += ["", "```", o.traceback.rstrip(), "```"]
        if r.check.table:
            cols = list(dict.fromkeys(k for row in r.check.table for k in row))
            out += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            out += [
                "| " + " | ".join(_fmt(row.get(c, "")) for c in cols) + " |"
                for row in r.check.table
            ]
        for fig in r.figures.values():
            out += ["", f"![{fig}](figures/{fig}.png) ([PDF](figures/{fig}.pdf))"]
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em}
.PASS{color:#0a7a2f;font-weight:bold}.FAIL,.ERROR{color:#b00020;font-weight:bold}
.VACUOUS{color:#b36b00;font-weight:bold}pre{background:#f6f6f6;padding:.5em;overflow:auto}
img{max-width:100%}
"""


def _html(run: VerifyRun, figure_dir: Path, complete: bool) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>specproof report</title><style>{_CSS}</style></head><body>",
        "<h1>specproof verification report</h1>",
        f"<p>profile <code>{e(run.profile)}</code>, seed {run.seed}, "
        f"{len(run.results)} claims, {run.seconds:.1f} s"
        + ("" if complete else " (incomplete)")
        + "</p>",
        "<table><tr><th>claim</th><th>kind</th><th>verdict</th><th>key figure</th>"
        "<th>seconds</th></tr>",
    ]
    for cid, kind, verdict, key, secs in _summary_rows(run):
        parts.append(
            f"<tr><td><a href='#{e(cid)}'>{e(cid)}</a></td><td>{e(kind)}</td>"
            f"<td class='{verdict}'>{verdict}</td><td>{e(key)}</td><td>{secs}</td></tr>"
        )
    parts.append("</table>")
    for r in run.results:
        parts.append(
            f"<h2 id='{e(r.id)}'>{e(r.id)} — <span class='{r.verdict}'>{r.verdict}</span></h2>"
        )
        parts.append(f"<p><em>{e(r.statement)}</em></p><p>{e(r.reason)}</p>")
        for label, o in (("check", r.check), ("control", r.control)):
            desc = f" ({e(r.control_description)})" if label == "control" else ""
            parts.append(
                f"<p><b>{label}</b>{desc}: {o.verdict}; expected: {e(o.expected or '—')}</p>"
            )
            if o.measured:
                parts.append("<table>")
                parts += [
                    f"<tr><td>{e(k)}</td><td>{e(_fmt(v))}</td></tr>" for k, v in o.measured.items()
                ]
                parts.append("</table>")
            if o.traceback:
                parts.append(f"<pre>{e(o.traceback)}</pre>")
        for fig in r.figures.values():
            png = figure_dir / f"{fig}.png"
            if png.exists():
                data = base64.b64encode(png.read_bytes()).decode()
                parts.append(f"<img alt='{e(fig)}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(run: VerifyRun, complete: bool = True, with_html: bool = True) -> None:
    """Write ``evidence.json`` and ``report.md`` (and ``report.html`` when ``with_html``)."""
    out = Path(run.out)
    doc = evidence_document(run, complete)
    _atomic_write(out / "evidence.json", json.dumps(doc, indent=2, allow_nan=False) + "\n")
    _atomic_write(out / "report.md", _markdown(run, complete))
    if with_html:
        _atomic_write(out / "report.html", _html(run, out / "figures", complete))
