"""Power-method lower bound on ||X||_{2->4} for a tall Gaussian matrix (n = 10^4, d = 100).

Run: ``python benchmarks/bench_power.py``. Times are the best of 3 runs, wall clock.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

# run from a checkout: import the package next to this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.certificates import power_method, two_to_q


def best_of(fn, reps: int = 3):
    best, out = np.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    n, d = 10_000, 100
    X = np.random.default_rng(0).standard_normal((n, d))
    print(f"power method, X Gaussian {n} x {d}, q = 4 (3n = {3 * n}; n/d^2 = {n / d**2:g})")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; BLAS threads: "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'setting':<44} {'seconds':>8} {'value^4':>12} {'starts':>6} {'iters':>6}")
    rows = [
        ("power_method defaults (20 random + 11 good)", lambda: power_method(X, 4)),
        ("power_method restarts=5", lambda: power_method(X, 4, restarts=5)),
        ("power_method restarts=50", lambda: power_method(X, 4, restarts=50)),
        ("power_method no pruning (prune_after=None)",
         lambda: power_method(X, 4, prune_after=None)),
    ]
    for name, fn in rows:
        t, r = best_of(fn)
        print(f"{name:<44} {t:>8.3f} {r.value**4:>12.6g} {r.starts:>6} {r.iterations:>6}")
    t, b = best_of(lambda: two_to_q(X, 4, method="power"))
    print(f"{'two_to_q(method=power) (+ ||X||_2 upper)':<44} {t:>8.3f} {b.lower**4:>12.6g}"
          f"   upper^4 = {b.upper**4:.6g}")


if __name__ == "__main__":
    main()
