"""Degree-4 SoS solve time: symmetry-reduced Gram form vs a naive cvxpy moment formulation.

Run: ``python benchmarks/bench_sos.py [--cap SECONDS]``. Every solve runs in a child
process so that a slow one can be stopped at the cap (reported as "> cap").

Instances: X ~ N(0, 1)^{n x d} with n = 3d, seed 0. The naive formulation is the
textbook moment relaxation: a full d^2 x d^2 PSD matrix Y indexed by pairs (i, j), one
explicit equality Y[(i,j),(k,l)] == Y[canonical(i,j,k,l)] per entry to impose the
4-index symmetry, trace constraint sum_ij Y[(i,i),(j,j)] = 1, objective <M, Y> with
M = sum_i (x_i x_i)(x_i x_i)^T. Its optimum equals SoS_4 (the value column checks that).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

# run from a checkout: import the package next to this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cvxpy as cp  # noqa: E402  (imported before forking: children time the solve only)

from specproof.certificates import power_method, solve_sos  # noqa: E402


def instance(d: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((3 * d, d))


def naive_sos4(X: np.ndarray) -> float:
    n, d = X.shape
    D = d * d
    K = (X[:, :, None] * X[:, None, :]).reshape(n, D)
    M = K.T @ K
    Y = cp.Variable((D, D), PSD=True)
    cons = []
    for i in range(d):
        for j in range(d):
            for k in range(d):
                for m in range(d):
                    a, b, c, e = sorted((i, j, k, m))
                    if (i, j, k, m) != (a, b, c, e):
                        cons.append(Y[i * d + j, k * d + m] == Y[a * d + b, c * d + e])
    cons.append(sum(Y[i * d + i, j * d + j] for i in range(d) for j in range(d)) == 1)
    prob = cp.Problem(cp.Maximize(cp.trace(M @ Y)), cons)
    prob.solve(solver="CLARABEL")
    if prob.status != "optimal":
        raise RuntimeError(f"naive formulation: status {prob.status}")
    return float(prob.value)


def reduced_sos4(X: np.ndarray, solver: str) -> float:
    return solve_sos(X, 4, solver=solver).value


def _child(kind: str, d: int, solver: str, out) -> None:
    X = instance(d)
    if kind == "reduced":
        solve_sos(np.eye(2), 4, solver=solver)  # warm-up: first-call set-up is not the solve
    t0 = time.perf_counter()
    try:
        value = naive_sos4(X) if kind == "naive" else reduced_sos4(X, solver)
    except Exception as exc:  # e.g. Clarabel refusing a problem that cannot fit in memory
        out.put((None, f"error: {exc}"))
        return
    out.put((time.perf_counter() - t0, value))


def timed(kind: str, d: int, solver: str, cap: float) -> tuple[float | None, float | None]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(kind, d, solver, q))
    p.start()
    p.join(cap)
    if p.is_alive():
        p.terminate()
        p.join()
        return None, None
    if q.empty():  # the child died without a result (the OS killed it, say)
        return None, f"error: child exited with code {p.exitcode}"
    return q.get()


ERRORS: list[str] = []


def fmt(t: float | None, cap: float, value=None) -> str:
    if isinstance(value, str):  # the solve failed or was refused: say so below the table
        ERRORS.append(value)
        return f"error [{len(ERRORS)}]"
    return f"> {cap:.0f} (cap)" if t is None else f"{t:.3f}"


def num(value) -> float | None:
    return value if isinstance(value, float) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--dims", type=int, nargs="*", default=[6, 10, 15, 20])
    ap.add_argument("--naive-dims", type=int, nargs="*", default=[6, 8])
    args = ap.parse_args()
    from math import comb

    print("SoS_4 of ||X||_{2->4}^4, X Gaussian n = 3d (seconds, wall clock, 1 process)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'d':>3} {'N':>4} {'#eq':>6} {'clarabel s':>14} {'scs s':>14} {'value (clarabel)':>18}"
          f" {'value (scs)':>16} {'power^4 (lower)':>16}")
    for d in args.dims:
        tc, vc = timed("reduced", d, "clarabel", args.cap)
        ts, vs = timed("reduced", d, "scs", args.cap)
        vcs = "-" if num(vc) is None else f"{vc:.8g}"
        vss = "-" if num(vs) is None else f"{vs:.8g}"
        low = power_method(instance(d), 4).value ** 4
        print(f"{d:>3} {comb(d + 1, 2):>4} {comb(d + 3, 4):>6} {fmt(tc, args.cap, vc):>14} "
              f"{fmt(ts, args.cap, vs):>14} {vcs:>18} {vss:>16} {low:>16.8g}", flush=True)
    print()
    print("naive cvxpy moment formulation (d^2 x d^2, explicit symmetry equalities) vs reduced")
    print(f"{'d':>3} {'naive s':>14} {'reduced s':>10} {'speed-up':>9} {'naive value':>14}"
          f" {'reduced value':>14}")
    for d in args.naive_dims:
        tn, vn = timed("naive", d, "clarabel", args.cap)
        tr, vr = timed("reduced", d, "clarabel", args.cap)
        speed = "-" if tn is None or tr is None else f"{tn / tr:.1f}x"
        if tn is None and tr is not None and num(vn) is None and not isinstance(vn, str):
            speed = f"> {args.cap / tr:.0f}x"
        vns = "-" if num(vn) is None else f"{vn:.8g}"
        vrs = "-" if num(vr) is None else f"{vr:.8g}"
        print(f"{d:>3} {fmt(tn, args.cap, vn):>14} {fmt(tr, args.cap, vr):>10} {speed:>9} "
              f"{vns:>14} {vrs:>14}", flush=True)
    for k, msg in enumerate(ERRORS, 1):
        print(f"[{k}] {msg}")


if __name__ == "__main__":
    main()
