"""Benchmark: exact certification and checking of ||X||_{2->4}^4 bounds.

Run ``python benchmarks/bench_certificates.py``. For d = 4, 6, 8 and n = 3d, X is
Gaussian rounded to the grid 2^-16 (rational data with a common power-of-two
denominator); the last row takes the floats of d = 8 exactly (53-bit data). Columns:
certification time (two SoS solves + rounding + projection + the final exact check),
exact check time (median of 3) and the LDL^T part of it for each arithmetic back end,
and the numeric check. Target: exact checking at d = 8 under 5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.certificates import certify, check_exact, check_numeric  # noqa: E402
from specproof.certificates.ldl import BACKENDS, ldl_psd  # noqa: E402


def _median_seconds(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    rng = np.random.default_rng(0)
    cases = [(4, 16), (6, 16), (8, 16), (8, None)]
    header = (f"{'d':>2} {'n':>3} {'N':>3} {'data':>7} {'bits':>4} {'certify s':>9} "
              f"{'check s':>8} {'numeric s':>9} "
              + " ".join(f"{'ldl ' + b:>13}" for b in BACKENDS))
    print(header)
    print("-" * len(header))
    for d, data_bits in cases:
        n = 3 * d
        X = rng.standard_normal((n, d))
        t0 = time.perf_counter()
        cert = certify(X, q=4, exact=True, data_bits=data_bits)
        t_cert = time.perf_counter() - t0
        t_check, res = _median_seconds(lambda c=cert: check_exact(c))
        assert res.ok, res.reason
        t_num, num = _median_seconds(lambda c=cert: check_numeric(c))
        assert num.ok, num.reason
        ldl = []
        for b in BACKENDS:
            t, r = _median_seconds(lambda b=b, c=cert: ldl_psd(c.gram_rational, backend=b))
            assert r.psd
            ldl.append(t)
        data = f"2^-{data_bits}" if data_bits is not None else "float"
        print(f"{d:>2} {n:>3} {len(cert.basis):>3} {data:>7} {cert.provenance['bits']:>4} "
              f"{t_cert:>9.3f} {t_check:>8.3f} {t_num:>9.4f} "
              + " ".join(f"{t:>13.4f}" for t in ldl))


if __name__ == "__main__":
    main()
