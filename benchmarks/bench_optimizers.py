"""Optimizer speed and Pion's spectrum drift, measured in one process.

Run: ``python benchmarks/bench_optimizers.py [--drift-steps N] [--skip-drift]``.

1. One step of Pion (E2, official), Pion (Cayley), Pion (expm), Muon and Adam on a
   1024 x 1024 matrix and on a 512 x 512 matrix: median wall-clock of a few steps, and
   each as a ratio to Muon measured in the same run.
2. Cayley Pion for N steps (default 10^4) on a 512 x 512 matrix: the largest change
   of any singular value relative to the largest one, printed as it goes; Ctrl-C stops
   the run and still prints what was measured (with the per-step rate extrapolated to
   10^4 steps, linearly, which bounds a random walk too).

BLAS runs single-threaded unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are set: on a
shared machine multi-threaded BLAS timings swing by 3x (measured), ratios do not.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.spectral.optimizers import Adam, Muon, Pion, orthogonal_factor  # noqa: E402

OPTIMIZERS = {
    "Pion (E2, official)": lambda: Pion(lr=0.01),
    "Pion (Cayley)": lambda: Pion(lr=0.01, transform="cayley"),
    "Pion (expm)": lambda: Pion(lr=0.01, transform="expm"),
    "Muon": lambda: Muon(lr=0.02),
    "Adam": lambda: Adam(lr=1e-3),
}


def speed_table(n: int, reps: int, seed: int = 0) -> dict[str, float]:
    """Median seconds per step on an n x n matrix; the optimizers take turns step by step
    (round robin) so that a change of machine load hits all of them alike."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n)) / np.sqrt(n)
    grads = [rng.standard_normal((n, n)) for _ in range(2)]
    opts = {name: make() for name, make in OPTIMIZERS.items()}
    params = {name: {"W": W.copy()} for name in opts}
    for name, opt in opts.items():  # warm-up step: allocates the state
        opt.step(params[name], {"W": grads[0]})
    samples: dict[str, list[float]] = {name: [] for name in opts}
    for k in range(reps):
        for name, opt in opts.items():
            t0 = time.perf_counter()
            opt.step(params[name], {"W": grads[k % 2]})
            samples[name].append(time.perf_counter() - t0)
    times = {name: float(np.median(v)) for name, v in samples.items()}
    print(f"\none step on a {n} x {n} matrix (median of {reps}, round robin, after a warm-up)")
    print(f"{'optimizer':<22} {'ms/step':>10} {'/ Muon':>8}")
    for name, t in times.items():
        print(f"{name:<22} {1e3 * t:>10.1f} {t / times['Muon']:>8.2f}")
    return times


def drift_run(n: int, steps: int, every: int, seed: int = 0, out: Path | None = None) -> dict:
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n)) / np.sqrt(n)
    T = rng.standard_normal((n, n)) / np.sqrt(n)
    s0 = np.linalg.svd(W, compute_uv=False)
    opt = Pion(lr=0.01, transform="cayley")
    params = {"W": W}
    rows = []
    t_start = time.perf_counter()
    print(f"\nCayley Pion on {n} x {n}: max_i |sigma_i(W_t) - sigma_i(W_0)| / sigma_1(W_0)")
    print(f"{'step':>7} {'drift':>11} {'||W_t - W_0||_F':>16} {'s/step':>8}")
    W0 = W.copy()
    done = 0
    try:
        for t in range(1, steps + 1):
            G = params["W"] - T + 0.01 * rng.standard_normal((n, n))
            opt.step(params, {"W": G})
            done = t
            if t % every == 0 or t == steps:
                s = np.linalg.svd(params["W"], compute_uv=False)
                drift = float(np.abs(s - s0).max() / s0[0])
                moved = float(np.linalg.norm(params["W"] - W0))
                per = (time.perf_counter() - t_start) / t
                rows.append({"step": t, "drift": drift, "moved": moved, "s_per_step": per})
                print(f"{t:>7} {drift:>11.3e} {moved:>16.3f} {per:>8.3f}", flush=True)
                if out is not None:
                    out.write_text(json.dumps({"n": n, "rows": rows}, indent=1))
    except KeyboardInterrupt:
        print(f"interrupted after {done} steps")
    result = {"n": n, "steps_done": done, "rows": rows}
    if rows:
        worst = max(r["drift"] for r in rows)
        last = rows[-1]
        rate = worst / last["step"]
        result.update(worst=worst, extrapolated_1e4_linear=rate * 1e4,
                      extrapolated_1e4_sqrt=worst * np.sqrt(1e4 / last["step"]))
        print(f"worst drift {worst:.3e} over {last['step']} steps; "
              f"extrapolated to 10^4 steps: linear {rate * 1e4:.3e}, "
              f"random walk {result['extrapolated_1e4_sqrt']:.3e}")
    return result


def forms_table(n: int = 64, steps: int = 200, lr: float = 0.01, seed: int = 0) -> None:
    """Drift of each factor, and of the additive form W E_in + E_out W - W, over `steps`."""
    print(f"\nsingular-value drift after {steps} steps on {n} x {n} (lr {lr}, same gradients)")
    print(f"{'update':<34} {'max rel. drift':>15}")
    for label, transform, additive in (
        ("E_out W E_in, E2 (official)", "e2", False),
        ("W E_in + E_out W - W, E2 (additive)", "e2", True),
        ("E_out W E_in, E1 (first order)", "e1", False),
        ("E_out W E_in, Cayley", "cayley", False),
        ("E_out W E_in, expm", "expm", False),
    ):
        rng = np.random.default_rng(seed)
        W = rng.standard_normal((n, n)) / np.sqrt(n)
        T = rng.standard_normal((n, n)) / np.sqrt(n)
        s0 = np.linalg.svd(W, compute_uv=False)
        opt = Pion(lr=lr, transform=transform)
        params = {"W": W.copy()}
        for _ in range(steps):
            before = params["W"].copy()
            opt.step(params, {"W": before - T + 0.01 * rng.standard_normal((n, n))})
            if additive:
                d = opt.diagnostics["W"]
                E_out = orthogonal_factor(d["A_out"], d["step_size"], "e2")
                E_in = orthogonal_factor(d["A_in"], d["step_size"], "e2")
                params["W"] = before @ E_in + E_out @ before - before
        drift = np.abs(np.linalg.svd(params["W"], compute_uv=False) - s0).max() / s0[0]
        print(f"{label:<34} {drift:>15.3e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drift-steps", type=int, default=10_000)
    ap.add_argument("--drift-size", type=int, default=512)
    ap.add_argument("--every", type=int, default=500)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-drift", action="store_true")
    ap.add_argument("--skip-forms", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="write the drift rows here")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    if not args.skip_speed:
        speed_table(1024, max(3, args.reps // 2))
        speed_table(512, args.reps)
    if not args.skip_forms:
        forms_table()
    if not args.skip_drift:
        drift_run(args.drift_size, args.drift_steps, args.every, out=args.json)


if __name__ == "__main__":
    main()
