"""Optimizer speed and Pion's spectrum drift, measured in one process.

Run: ``python benchmarks/bench_optimizers.py [--shapes 1024x1024 4096x1024] [--threads 1 2]
[--reps R] [--numpy-shapes 4096x1024] [--drift-steps N] [--skip-drift] [--skip-forms]``.

1. torch, float32: one step of ``torch.optim.Muon``, specproof's torch Muon and torch Pion
   (E2, Cayley, expm; default options, and expm on the low-rank route: transported
   momentum without second moment), median of R steps taken round robin (a change of
   machine load hits all alike), each as a ratio to ``torch.optim.Muon``. torch.optim.Muon
   always runs Newton-Schulz in bfloat16, which on a CPU without bfloat16 units (AVX2
   only, as here) is ~60x slower than float32; the baseline is therefore torch.optim.Muon
   with its bfloat16 cast made a float32 copy (the same algorithm in float32), and our
   Muon uses eps_placement="clamp" and weight_decay=0.1 like it.
2. numpy, float64: the same steps of specproof's numpy optimizers as ratios to its Muon.
3. Singular-value drift of the expm / Cayley factors and of the additive form.
4. Low-rank expm Pion for N steps on a tall matrix: the largest change of any singular
   value relative to the largest one, printed as it goes; Ctrl-C stops and still prints
   what was measured. ``--checkpoint FILE`` keeps the run resumable across processes
   (the full 10^4 steps at 4096 x 1024 take hours on a small machine).

Every table is printed once per thread count (threadpoolctl for BLAS, torch.set_num_threads
for torch).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.spectral.optimizers import Muon, Pion, orthogonal_factor  # noqa: E402

LOW_RANK = dict(momentum="transported", second_moment=False)


def _shape(text: str) -> tuple[int, int]:
    m, n = text.lower().split("x")
    return int(m), int(n)


def _round_robin(steps: dict, reps: int) -> dict[str, float]:
    # warm-up: two steps, which allocate the state and the buffers an optimizer reuses
    # (Pion writes a step's moments into the arrays the step before replaced)
    for _ in range(2):
        for step in steps.values():
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(reps):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - t0)
    return {name: float(np.median(v)) for name, v in samples.items()}


def _print(title: str, times: dict[str, float], base: str, targets: dict[str, str]) -> None:
    print(f"\n{title}")
    print(f"{'step':<40} {'ms/step':>10} {'/ ' + base:>22} {'target':>8}")
    for name, t in times.items():
        print(f"{name:<40} {1e3 * t:>10.1f} {t / times[base]:>22.2f} "
              f"{targets.get(name, ''):>8}", flush=True)


def torch_table(shape: tuple[int, int], threads: int, reps: int) -> dict[str, float]:
    from unittest import mock

    import torch

    from specproof.spectral import torch as sptorch

    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(*shape, generator=gen) / shape[1] ** 0.5
    grads = [torch.randn(*shape, generator=gen) for _ in range(2)]
    makers = {
        "torch.optim.Muon (NS in float32)": lambda p: torch.optim.Muon([p], lr=0.02),
        "specproof Muon (torch)": lambda p: sptorch.Muon(
            [p], lr=0.02, weight_decay=0.1, eps_placement="clamp"),
        "Pion E2 (torch)": lambda p: sptorch.Pion([p], lr=0.01),
        "Pion Cayley (torch)": lambda p: sptorch.Pion([p], lr=0.01, transform="cayley"),
        "Pion expm (torch)": lambda p: sptorch.Pion([p], lr=0.01, transform="expm"),
        "Pion expm, low-rank route (torch)": lambda p: sptorch.Pion(
            [p], lr=0.01, transform="expm", **LOW_RANK),
        "Pion E2, low-rank route (torch)": lambda p: sptorch.Pion([p], lr=0.01, **LOW_RANK),
        "Pion Cayley, low-rank route (torch)": lambda p: sptorch.Pion(
            [p], lr=0.01, transform="cayley", **LOW_RANK),
    }
    steps = {}
    for name, make in makers.items():
        p = torch.nn.Parameter(W.clone())
        opt = make(p)
        count = [0]

        def step(p=p, opt=opt, count=count):
            p.grad = grads[count[0] % 2]
            count[0] += 1
            opt.step()

        steps[name] = step
    with mock.patch.object(torch.Tensor, "bfloat16", lambda self: self.clone()):
        times = _round_robin(steps, reps)
    _print(f"torch, float32, {shape[0]} x {shape[1]}, {threads} thread(s), median of {reps}",
           times, "torch.optim.Muon (NS in float32)",
           {"specproof Muon (torch)": "<= 1.2", "Pion E2 (torch)": "<= 1.5",
            "Pion Cayley (torch)": "<= 2", "Pion expm (torch)": "<= 3",
            "Pion expm, low-rank route (torch)": "<= 3",
            "Pion E2, low-rank route (torch)": "<= 1.5",
            "Pion Cayley, low-rank route (torch)": "<= 2"})
    return times


def numpy_table(shape: tuple[int, int], threads: int, reps: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    W = rng.standard_normal(shape) / np.sqrt(shape[1])
    grads = [rng.standard_normal(shape) for _ in range(2)]
    makers = {
        "specproof Muon": lambda: Muon(lr=0.02),
        "Pion E2": lambda: Pion(lr=0.01),
        "Pion Cayley": lambda: Pion(lr=0.01, transform="cayley"),
        "Pion expm": lambda: Pion(lr=0.01, transform="expm"),
        "Pion expm, low-rank route": lambda: Pion(lr=0.01, transform="expm", **LOW_RANK),
        "Pion Cayley, low-rank route": lambda: Pion(lr=0.01, transform="cayley", **LOW_RANK),
    }
    steps = {}
    for name, make in makers.items():
        opt, params, count = make(), {"W": W.copy()}, [0]

        def step(opt=opt, params=params, count=count):
            opt.step(params, {"W": grads[count[0] % 2]})
            count[0] += 1

        steps[name] = step
    with threadpool_limits(threads):
        times = _round_robin(steps, reps)
    _print(f"numpy, float64, {shape[0]} x {shape[1]}, {threads} thread(s), median of {reps}",
           times, "specproof Muon", {"Pion expm": "<= 4", "Pion expm, low-rank route": "<= 4"})
    return times


def drift_run(shape: tuple[int, int], steps: int, every: int, seed: int = 0,
              out: Path | None = None, checkpoint: Path | None = None) -> dict:
    """The drift of `steps` low-rank expm Pion steps, resumable through `checkpoint`.

    With a checkpoint file, everything the run needs (W, W_0, the target, the optimizer's
    state, the noise generator's state and the rows so far) is written there every
    `every` steps and on Ctrl-C (atomically: a new file, then a rename), and a run that
    finds the file continues from its last step, bit for bit the same run.
    """
    m, n = shape
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((m, n)) / np.sqrt(n)
    T = rng.standard_normal((m, n)) / np.sqrt(n)
    opt = Pion(lr=0.01, transform="expm", **LOW_RANK)
    params = {"W": W}
    rows: list[dict] = []
    start = 1
    if checkpoint is not None and checkpoint.exists():
        with open(checkpoint, "rb") as f:
            saved = pickle.load(f)
        if tuple(saved["shape"]) != shape or saved["seed"] != seed:
            raise SystemExit(f"{checkpoint} holds a {saved['shape']} run with seed "
                             f"{saved['seed']}, not {shape} with seed {seed}")
        W, T, params = saved["W0"], saved["T"], {"W": saved["W"]}
        opt.load_state_dict(saved["optimizer"], params)
        rng.bit_generator.state = saved["rng"]
        rows, start = saved["rows"], saved["step"] + 1
        print(f"\nresuming {checkpoint} after step {saved['step']}")
    W0 = W.copy()
    s0 = np.linalg.svd(W0, compute_uv=False)

    # the noise generator as it was after the last finished step: a Ctrl-C during a step
    # has drawn that step's noise already
    rng_done = rng.bit_generator.state

    def save(step: int) -> None:
        if checkpoint is None:
            return
        tmp = checkpoint.with_name(checkpoint.name + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump({"shape": shape, "seed": seed, "step": step, "W0": W0, "T": T,
                         "W": params["W"], "optimizer": opt.state_dict(),
                         "rng": rng_done, "rows": rows}, f)
        os.replace(tmp, checkpoint)

    t_start = time.perf_counter()
    print(f"\nexpm Pion, low-rank route ({opt.low_rank_sides(shape)} factored) on {m} x {n}: "
          "max_i |sigma_i(W_t) - sigma_i(W_0)| / sigma_1(W_0)")
    print(f"{'step':>7} {'drift':>11} {'||W_t - W_0||_F':>16} {'s/step':>8}")
    for r in rows:
        print(f"{r['step']:>7} {r['drift']:>11.3e} {r['moved']:>16.3f} {r['s_per_step']:>8.3f}")
    done = start - 1
    try:
        for t in range(start, steps + 1):
            G = params["W"] - T + 0.01 * rng.standard_normal((m, n))
            opt.step(params, {"W": G})
            done, rng_done = t, rng.bit_generator.state
            if t % every == 0 or t == steps:
                s = np.linalg.svd(params["W"], compute_uv=False)
                drift = float(np.abs(s - s0).max() / s0[0])
                moved = float(np.linalg.norm(params["W"] - W0))
                per = (time.perf_counter() - t_start) / (t - start + 1)
                rows.append({"step": t, "drift": drift, "moved": moved, "s_per_step": per})
                print(f"{t:>7} {drift:>11.3e} {moved:>16.3f} {per:>8.3f}", flush=True)
                if out is not None:
                    out.write_text(json.dumps({"shape": shape, "rows": rows}, indent=1))
                save(t)
    except KeyboardInterrupt:
        print(f"interrupted after {done} steps")
        save(done)
    result = {"shape": shape, "steps_done": done, "rows": rows}
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
    ap.add_argument("--shapes", nargs="+", default=["1024x1024", "4096x1024"])
    ap.add_argument("--numpy-shapes", nargs="+", default=["4096x1024"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--drift-steps", type=int, default=10_000)
    ap.add_argument("--drift-shape", default="4096x1024")
    ap.add_argument("--every", type=int, default=500)
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--skip-numpy", action="store_true")
    ap.add_argument("--skip-drift", action="store_true")
    ap.add_argument("--skip-forms", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="write the drift rows here")
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="resume the drift run from this file and keep it current")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for threads in args.threads:
        if not args.skip_torch:
            for shape in args.shapes:
                torch_table(_shape(shape), threads, args.reps)
        if not args.skip_numpy:
            for shape in args.numpy_shapes:
                numpy_table(_shape(shape), threads, args.reps)
    if not args.skip_forms:
        forms_table()
    if not args.skip_drift:
        with threadpool_limits(args.threads[-1]):
            drift_run(_shape(args.drift_shape), args.drift_steps, args.every, out=args.json,
                      checkpoint=args.checkpoint)


if __name__ == "__main__":
    main()
