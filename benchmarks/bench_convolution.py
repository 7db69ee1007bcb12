"""Speed of the FFT singular values of convolutions (Sedghi, Gupta, Long) in specproof.

Prints three tables, every ratio measured in this one process:

1. FFT singular values against the dense SVD of the operator (c_in = c_out = 16, k = 3,
   n = 16: a 4096 x 4096 matrix), with the largest difference.
2. The FFT method alone for 64 channels at n = 32.
3. c = 128 channels, n = 32: the reference of Sedghi et al. (``fft2`` of the kernel, then a
   batched SVD per frequency) against specproof's default (real FFT half-grid by Hermitian
   symmetry, Gram matrices of all frequencies from the kernel's autocorrelation, and
   eigenvalues of the Gram; SVD only where the Gram would lose accuracy).

Table 3 is printed once per thread count (``--threads 1 2``; threadpoolctl limits BLAS and
LAPACK in this process). On a shared machine OpenBLAS's spinning threads can slow the
batched LAPACK calls by orders of magnitude; the ratios, measured in one process with the
methods interleaved, are what to read.

Usage: ``python benchmarks/bench_convolution.py [--skip-dense] [--skip-64] [--repeat R]
[--threads 1 2]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from specproof.certificates import circular_singular_values, conv2d_operator


def _best(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def _kernel(c: int, k: int, seed: int = 0) -> np.ndarray:
    # He-style scale so that sigma_max is O(1) and differences read as relative
    return np.random.default_rng(seed).standard_normal((c, c, k, k)) / np.sqrt(k * k * c)


def _table(rows: list[dict]) -> None:
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    print("  ".join(k.ljust(w) for k, w in zip(keys, widths)))
    for r in rows:
        print("  ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths)))
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-dense", action="store_true", help="skip the 4096 x 4096 dense SVD")
    ap.add_argument("--repeat", type=int, default=3, help="best of R runs for the FFT methods")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="threads for the parallel row of table 3 (default: all cores)")
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--skip-64", action="store_true", help="skip table 2")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with threadpool_limits(1):
        _small_tables(args)
    for threads in args.threads:
        with threadpool_limits(threads):
            _table3(args, threads)


def _small_tables(args: argparse.Namespace) -> None:

    if not args.skip_dense:
        K = _kernel(16, 3)
        t_fft, s = _best(lambda: circular_singular_values(K, 16), args.repeat)
        t_ref, s_ref = _best(lambda: circular_singular_values(K, 16, method="svd"), args.repeat)
        A = conv2d_operator(K, 16, mode="circular")
        t_build, D = _best(A.dense, 1)
        t_dense, sd = _best(lambda: np.linalg.svd(D, compute_uv=False), 1)
        print("1. FFT singular values vs the dense SVD (c_in = c_out = 16, k = 3, n = 16)")
        _table([
            {"method": "dense SVD (4096 x 4096, values only)", "seconds": f"{t_dense:.2f}",
             "speed-up": "1", "max |diff|": "-"},
            {"method": "fft2 + batched SVD (Sedghi et al.)", "seconds": f"{t_ref:.4f}",
             "speed-up": f"{t_dense / t_ref:.0f}x",
             "max |diff|": f"{np.abs(s_ref - sd).max():.2e}"},
            {"method": "specproof default (rfft2 + Gram eigvalsh)", "seconds": f"{t_fft:.4f}",
             "speed-up": f"{t_dense / t_fft:.0f}x",
             "max |diff|": f"{np.abs(s - sd).max():.2e}"},
        ])
        print(f"   (building the dense matrix took {t_build:.2f} s, not counted)\n")

    if args.skip_64:
        return
    K = _kernel(64, 3)
    t64, _ = _best(lambda: circular_singular_values(K, 32), args.repeat)
    t64p, _ = _best(lambda: circular_singular_values(K, 32, workers=args.workers), args.repeat)
    print("2. FFT alone, 64 channels, k = 3, n = 32 (65536 singular values)")
    _table([{"method": "specproof default", "seconds": f"{t64:.3f}", "target": "< 0.5 s"},
            {"method": f"workers={args.workers}", "seconds": f"{t64p:.3f}", "target": ""}])



def _table3(args: argparse.Namespace, threads: int) -> None:
    K = _kernel(128, 3)
    t_new = t_ref = t_par = float("inf")
    for _ in range(args.repeat):  # interleaved, so that a change of load hits all three
        t, s_new = _best(lambda: circular_singular_values(K, 32), 1)
        t_new = min(t_new, t)
        t, s_par = _best(lambda: circular_singular_values(K, 32, workers=args.workers), 1)
        t_par = min(t_par, t)
        t, s_ref = _best(lambda: circular_singular_values(K, 32, method="svd"), 1)
        t_ref = min(t_ref, t)
    print(f"3. c = 128, k = 3, n = 32 (131072 singular values), BLAS/LAPACK threads: {threads}")
    _table([
        {"method": "fft2 + batched SVD (Sedghi et al.)", "seconds": f"{t_ref:.2f}",
         "speed-up": "1", "max |diff|": "-"},
        {"method": "rfft2 half-grid + autocorrelation Gram + zhetrd/dsterf", "seconds":
         f"{t_new:.2f}", "speed-up": f"{t_ref / t_new:.2f}x",
         "max |diff|": f"{np.abs(s_new - s_ref).max():.2e} (sigma_max {s_ref[0]:.3f})"},
        {"method": f"  the same, workers={args.workers} threads", "seconds":
         f"{t_par:.2f}", "speed-up": f"{t_ref / t_par:.2f}x",
         "max |diff|": f"{np.abs(s_par - s_ref).max():.2e}"},
    ])


if __name__ == "__main__":
    main()
