"""Width sweep wall time and BLAS threads: serial vs ``--jobs 2`` (one BLAS thread per
worker), optionally a local Dask cluster; and the empirical NTK at n = 128 inputs with
1 vs 2 BLAS threads.

Everything runs in one process, so each ratio compares two codes under the same load
(the load average is printed: on a machine shared with other jobs the absolute times are
not a quiet machine's). The sweep tables of every executor are compared and must be
identical. Targets (issue 18): ``--jobs 2`` with single-threaded workers takes at most
0.6x the serial wall time of a 16-point sweep.

Run: ``python benchmarks/bench_sweep.py [--widths 128,256,512,1024] [--seeds 4] [--dask]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

# run from a checkout: import the package next to this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
logging.getLogger("distributed").setLevel(logging.ERROR)  # worker shutdown chatter

import numpy as np  # noqa: E402

from specproof._core.threads import blas_threads, cores, limit_threads  # noqa: E402
from specproof.dag_nets import (  # noqa: E402
    MEASURES,
    compile,
    local_dask_executor,
    measurement_config,
    mlp,
    open_executor,
    width_sweep,
)


def rows(sweep):
    return [(p.width, p.seed, p.value) for p in sweep.points]


def worker_threads(config, seed):
    """A measurement that reports the BLAS threads of the process it runs in."""
    return {"value": 1.0, "blas": blas_threads()}


def ntk_seconds(threads: int, n: int = 128, repeats: int = 7) -> float:
    net = compile(mlp(1024, depth=3, d_in=10), activation="erf", seed=0)
    X = np.random.default_rng(0).standard_normal((n, 10))
    with limit_threads(threads):
        net.ntk(X)  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            net.ntk(X)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--widths", default="128,256,512,1024")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--measure", default="hessian")
    ap.add_argument("--arch", default="mlp")
    ap.add_argument("--dask", action="store_true", help="also a Dask LocalCluster (~30 s)")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    cfg = measurement_config(args.measure, arch=args.arch)
    measure = MEASURES[args.measure]
    print(f"cores {cores()}, load average {os.getloadavg()[0]:.1f} at start, BLAS threads "
          f"of this process {blas_threads()}")

    with open_executor(jobs=2) as ex:
        probe = width_sweep(worker_threads, [1, 2], 2, executor=ex, progress=False)
    per_worker = sorted({p.extra["blas"] for p in probe.points})

    results = {}
    t = time.perf_counter()
    serial = width_sweep(measure, widths, args.seeds, cfg, progress=False)
    results[f"serial ({blas_threads()} BLAS threads)"] = time.perf_counter() - t
    base = time.perf_counter() - t
    t = time.perf_counter()
    serial1 = width_sweep(measure, widths, args.seeds, cfg, threads=1, progress=False)
    results["serial, --threads 1"] = time.perf_counter() - t
    t = time.perf_counter()
    pooled = width_sweep(measure, widths, args.seeds, cfg, jobs=2, progress=False)
    results[f"--jobs 2 (workers' BLAS threads {per_worker})"] = time.perf_counter() - t
    same = rows(serial) == rows(serial1) == rows(pooled)
    if args.dask:
        t = time.perf_counter()
        with local_dask_executor(workers=2, processes=True) as ex:
            t_ready = time.perf_counter()
            dask = width_sweep(measure, widths, args.seeds, cfg, executor=ex, threads=1,
                               progress=False)
            t_sweep = time.perf_counter() - t_ready
        results["Dask LocalCluster (2 worker processes, 1 thread)"] = time.perf_counter() - t
        results["  of which the sweep itself"] = t_sweep
        same = same and rows(dask) == rows(serial)

    n = len(serial.points)
    print(f"{args.measure} on {args.arch}, widths {widths}, {args.seeds} seeds: {n} points; "
          f"tables identical: {same}")
    print(f"{'executor':<48} {'wall s':>8} {'vs serial':>10}")
    for name, sec in results.items():
        print(f"{name:<48} {sec:8.2f} {sec / base:9.2f}x")
    jobs2 = [v for k, v in results.items() if k.startswith("--jobs 2")][0]
    print(f"target: --jobs 2 <= 0.6x serial: {'met' if jobs2 <= 0.6 * base else 'NOT met'} "
          f"({jobs2 / base:.2f}x)")

    one, two = ntk_seconds(1), ntk_seconds(2)
    print(f"\nNTK of a 3 x 1024 erf MLP (d_in 10), 128 inputs, median of 7 "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(f"{'BLAS threads':<14} {'s':>8} {'vs 1 thread':>12}")
    print(f"{1:<14} {one:8.3f} {1.0:11.2f}x")
    print(f"{2:<14} {two:8.3f} {two / one:11.2f}x")
    if not same:
        raise SystemExit("tables differ")


if __name__ == "__main__":
    main()
