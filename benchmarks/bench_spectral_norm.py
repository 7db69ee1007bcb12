"""One spectral-normalisation step: specproof's PowerIterationSN against torch's parametrization.

The weight is a 512 x 512 x 3 x 3 convolution kernel (reshaped 512 x 4608), one power
iteration per step (torch's default), the same weight and the same (u, v) on both sides.
A torch step is one training-mode access of ``module.weight`` under
``torch.nn.utils.parametrizations.spectral_norm`` (power iteration, sigma, W / sigma); a
specproof step is ``sn(W)`` (the same, plus the finiteness check of the input). Best of
R runs of N steps, in this one process, float64 (specproof's precision) and float32.

Usage: ``python benchmarks/bench_spectral_norm.py [--steps N] [--repeat R]``
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from specproof.spectral import PowerIterationSN  # noqa: E402


def _best(f, steps: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(steps):
            f()
        best = min(best, (time.perf_counter() - t) / steps)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    try:
        import torch
        from torch.nn.utils.parametrizations import spectral_norm
    except ImportError as exc:
        raise SystemExit("torch is needed: pip install torch==2.13.0") from exc
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    W = rng.standard_normal((512, 512, 3, 3)) / np.sqrt(4608)
    u0, v0 = rng.standard_normal(512), rng.standard_normal(4608)
    rows = []
    for dtype in (torch.float64, torch.float32):
        m = torch.nn.Module()
        m.weight = torch.nn.Parameter(torch.tensor(W, dtype=dtype))
        spectral_norm(m, "weight")
        p = m.parametrizations.weight[0]
        p._u.copy_(torch.tensor(u0 / np.linalg.norm(u0), dtype=dtype))
        p._v.copy_(torch.tensor(v0 / np.linalg.norm(v0), dtype=dtype))
        with torch.no_grad():
            t_torch = _best(lambda m=m: m.weight, args.steps, args.repeat)
        rows.append((str(dtype).replace("torch.", ""), t_torch))
    sn = PowerIterationSN(W, u=u0, v=v0, init_iterations=0)
    t_ours = _best(lambda: sn(W), args.steps, args.repeat)
    sn_check = PowerIterationSN(W, u=u0, v=v0, init_iterations=0)
    m = torch.nn.Module()
    m.weight = torch.nn.Parameter(torch.tensor(W))
    spectral_norm(m, "weight")
    p = m.parametrizations.weight[0]
    p._u.copy_(torch.tensor(u0 / np.linalg.norm(u0)))
    p._v.copy_(torch.tensor(v0 / np.linalg.norm(v0)))
    diff = max(float(np.abs(m.weight.detach().numpy() - sn_check(W)).max()) for _ in range(3))
    print("SN power-iteration step, 512 x 4608 reshaped kernel, 1 iteration per step")
    print(f"{'implementation':38s}  {'ms/step':>8s}  {'specproof / torch':>17s}")
    t64 = dict(rows)["float64"]
    print(f"{'specproof PowerIterationSN (float64)':38s}  {1e3 * t_ours:8.2f}  {'':>17s}")
    for name, t in rows:
        print(f"{'torch parametrization (' + name + ')':38s}  {1e3 * t:8.2f}  {t_ours / t:16.2f}x")
    print(f"\nsame weight, same (u, v): max |W_sn(specproof) - W_sn(torch float64)| over 3 steps "
          f"= {diff:.1e}; target: specproof <= 1.5x torch float64 ({t_ours / t64:.2f}x)")


if __name__ == "__main__":
    main()
