"""Width sweep wall time: serial vs a process pool (--jobs 2) vs a local Dask cluster.

A sweep of 4 widths x 8 seeds of the Hessian norm at initialisation (erf MLP, 2 hidden
layers, d_in = 10), the same points three ways in one process; the tables must be
identical. Run: ``python benchmarks/bench_sweep.py [--widths 32,64,128,256] [--seeds 8]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

# run from a checkout: import the package next to this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
logging.getLogger("distributed").setLevel(logging.ERROR)  # worker shutdown chatter

from specproof.dag_nets import (  # noqa: E402
    MEASURES,
    local_dask_executor,
    measurement_config,
    open_executor,
    width_sweep,
)


def rows(sweep):
    return [(p.width, p.seed, p.value) for p in sweep.points]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--widths", default="32,64,128,256")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--measure", default="hessian")
    ap.add_argument("--arch", default="mlp")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    cfg = measurement_config(args.measure, arch=args.arch)
    measure = MEASURES[args.measure]
    results = {}

    t = time.perf_counter()
    serial = width_sweep(measure, widths, args.seeds, cfg, progress=False)
    results["serial"] = time.perf_counter() - t

    t = time.perf_counter()
    with open_executor(jobs=2) as ex:
        pooled = width_sweep(measure, widths, args.seeds, cfg, executor=ex, progress=False)
    results["--jobs 2 (process pool)"] = time.perf_counter() - t

    t = time.perf_counter()
    with local_dask_executor(workers=2, processes=True) as ex:
        t_ready = time.perf_counter()
        dask = width_sweep(measure, widths, args.seeds, cfg, executor=ex, progress=False)
        t_sweep = time.perf_counter() - t_ready
    results["Dask LocalCluster (2 worker processes)"] = time.perf_counter() - t
    results["  of which the sweep itself"] = t_sweep

    same = rows(serial) == rows(pooled) == rows(dask)
    n = len(serial.points)
    print(f"{args.measure} on {args.arch}, widths {widths}, {args.seeds} seeds: {n} points; "
          f"tables identical: {same}; slope {serial.slope()}")
    print(f"{'executor':<42} {'wall s':>8} {'vs serial':>10}")
    for name, sec in results.items():
        print(f"{name:<42} {sec:8.2f} {results['serial'] / sec:9.2f}x")
    if not same:
        raise SystemExit("tables differ")


if __name__ == "__main__":
    main()
