"""Benchmark: recording a check's evidence when it returns a large table.

Run ``python benchmarks/bench_evidence.py [ROWS]`` (default 100000 rows of three plain
columns). Times, in one process (median of 3): ``record_evidence`` (conversion, copy and
the NaN look-through of every value), one NaN scan of the recorded table, and
``json.dumps`` of the recorded table as the baseline (what writing it costs at least).
Session 18: 100k rows took ~10 s to record (a conversion and a NaN scan per cell, ~15
type checks per number); a row at once and plain numbers inline make it ~1 s.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.claims.decide import nan_in  # noqa: E402
from specproof.claims.evidence import Evidence, record_evidence  # noqa: E402


def _median(f, reps: int = 3) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    table = [{"i": i, "x": i * 0.5, "name": f"r{i}"} for i in range(rows)]
    ev = Evidence(holds=True, measured={"n": rows}, table=table)
    recorded = record_evidence(ev)[3]
    base = _median(lambda: json.dumps(recorded))
    results = {
        "json.dumps of the table (baseline)": base,
        "record_evidence": _median(lambda: record_evidence(ev)),
        "nan_in of the recorded table": _median(lambda: nan_in(recorded, "table",
                                                               recorded=True)),
    }
    width = max(map(len, results))
    print(f"{rows} rows, median of 3")
    print(f"{'step'.ljust(width)}  seconds  / baseline")
    for name, sec in results.items():
        print(f"{name.ljust(width)}  {sec:7.3f}  {sec / base:9.2f}")


if __name__ == "__main__":
    main()
