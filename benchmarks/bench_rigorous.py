"""Cost of certification in the norms code: certified bounds against the float estimates
they replace, measured in one process (ratios are what to read; absolute times depend
on the machine's load).

    python benchmarks/bench_rigorous.py
"""

from __future__ import annotations

import time

import numpy as np

from specproof.certificates.operator import spectral_norm
from specproof.certificates.rigorous import lq_ratio_bounds, spectral_upper
from specproof.certificates.rounding import lq_norms


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'operation':38s} {'n':>6s} {'d':>4s} {'estimate s':>11s} {'certified s':>12s} "
          f"{'ratio':>6s}")
    print("-" * 82)
    for n, d in [(200, 10), (2000, 20), (20000, 50)]:
        X = rng.standard_normal((n, d))
        w = rng.standard_normal(d)
        est = best_of(lambda X=X, w=w: lq_norms(X @ w, 4.0))
        cer = best_of(lambda X=X, w=w: lq_ratio_bounds(X, w, 4.0))
        print(f"{'witness value ||Xw||_4 (lower bound)':38s} {n:6d} {d:4d} {est:11.2e} "
              f"{cer:12.2e} {cer / est:6.1f}")
        est = best_of(lambda X=X: spectral_norm(X))
        cer = best_of(lambda X=X: spectral_upper(X))
        print(f"{'||X||_2 (upper bound)':38s} {n:6d} {d:4d} {est:11.2e} {cer:12.2e} "
              f"{cer / est:6.1f}")


if __name__ == "__main__":
    main()
