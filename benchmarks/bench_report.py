"""Benchmark: rendering the report folder's documents from an evidence file.

Run ``python benchmarks/bench_report.py EVIDENCE.json`` (an ``evidence.json`` written by
``specproof verify``; without an argument a synthetic one of 16 claims with 40-row
tables is built). Times the document model and each renderer (median of 5), with the
JSON serialisation of the same evidence as the baseline, in one process: the renderers
must stay a small fraction of any claim's run time.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.claims.document import build_document  # noqa: E402
from specproof.claims.render import render_html, render_markdown, render_tex  # noqa: E402


def _synthetic(n_claims: int = 16, rows: int = 40) -> dict:
    def outcome(verdict):
        return {"verdict": verdict, "measured": {"a": 0.5, "b": [1, 2, 3], "c": "x"},
                "expected": "a < 1", "key": "a", "seconds": 0.1, "traceback": None,
                "error": "", "figure": None, "certificates": [],
                "table": [{"i": i, "value": i / 7, "name": f"r{i}"} for i in range(rows)]}

    claims = []
    for k in range(n_claims):
        rec = {"id": f"bench.claim-{k}", "paper": "bench", "kind": "numerical",
               "statement": "A statement with ||x||_2 <= 1 and λ_max → 0.",
               "verdict": "PASS" if k % 4 else "FAIL", "reason": "why", "seed": 0,
               "seed_entropy": [0, k], "profile": "quick", "params": {"n": k, "ds": [3, 5]},
               "seconds": 1.0, "check": outcome("HOLDS"),
               "control": {**outcome("FAILS"), "description": "a variant"}, "figures": {}}
        claims.append(rec)
    return {"schema": "specproof.evidence/2", "seed": 0, "profile": "quick", "complete": True,
            "claims": claims, "environment": {"versions": {"numpy": "2"}, "platform": {},
                                              "command_line": ["x"], "modules": []}}


def _median(fn, repeats=5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
        doc = json.loads(path.read_text())
        figures = path.parent / "figures"
    else:
        doc, figures = _synthetic(), None
    render_html(build_document(doc), figures)  # warm the template cache
    base = _median(lambda: json.dumps(doc, indent=2))
    model = build_document(doc)
    rows = [
        ("json.dumps (baseline)", base),
        ("document model", _median(lambda: build_document(doc))),
        ("report.md", _median(lambda: render_markdown(model))),
        ("report.tex", _median(lambda: render_tex(model))),
        ("report.html (PNG embedded)", _median(lambda: render_html(model, figures))),
    ]
    print(f"{len(doc['claims'])} claims")
    print(f"{'step':<28} {'ms':>8} {'x baseline':>11}")
    for name, t in rows:
        print(f"{name:<28} {1000 * t:8.2f} {t / base:11.1f}")


if __name__ == "__main__":
    main()
