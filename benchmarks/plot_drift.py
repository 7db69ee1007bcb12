"""Plot the rows of a ``bench_optimizers.py --drift-steps N --json FILE`` run.

The figure shows the max relative singular-value drift against the step, with the
target (1e-13) and float64's unit roundoff for scale, and prints the worst row.

Usage: ``python benchmarks/plot_drift.py ROWS.json OUT.png [--mark STEP ...]``
(``--mark`` draws a vertical line, e.g. where the run switched to newer code).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGET = 1e-13
UNIT_ROUNDOFF = 2.0**-53


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--mark", type=int, nargs="*", default=[])
    args = ap.parse_args()
    data = json.loads(args.rows.read_text())
    rows = data["rows"]
    if not rows:
        raise SystemExit(f"{args.rows} holds no rows")
    steps = [r["step"] for r in rows]
    drift = [r["drift"] for r in rows]
    m, n = data["shape"]
    worst = max(rows, key=lambda r: r["drift"])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.semilogy(steps, drift, ".-", lw=0.8, ms=3, label="max relative σ drift")
    ax.axhline(TARGET, color="C3", ls="--", lw=1, label="target 1e-13")
    ax.axhline(UNIT_ROUNDOFF, color="0.5", ls=":", lw=1, label="unit roundoff 2⁻⁵³")
    for s in args.mark:
        ax.axvline(s, color="0.7", lw=0.8)
    ax.set_ylim(UNIT_ROUNDOFF / 3, TARGET * 30)
    ax.set_xlabel("step")
    ax.set_ylabel(r"$\max_i |\sigma_i(W_t)-\sigma_i(W_0)|/\sigma_1(W_0)$")
    ax.set_title(f"low-rank expm Pion, {m} × {n}: {steps[-1]} steps, "
                 f"worst {worst['drift']:.2e} (step {worst['step']})", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"{len(rows)} rows, steps {steps[0]}-{steps[-1]}; worst {worst['drift']:.3e} "
          f"at step {worst['step']}; last {drift[-1]:.3e}; wrote {args.out}")


if __name__ == "__main__":
    main()
