"""SoS at scale: solvers, the exact pipeline end to end through the CLI, exact LDL back ends.

Run: ``python benchmarks/bench_sos.py`` (all sections, ~10 minutes on 2 cores), or pick
sections with ``--only solvers cli ldl expand import``; ``--sizes 12 20`` limits the CLI
sizes; ``--write-docs`` replaces the tables between the ``<!-- bench_sos:NAME -->``
markers in ``docs/norms.md`` and ``docs/certificates.md`` with this run's (one command
regenerates every performance table). Every timed run is a child process with a cap.

Instances: X ~ N(0, 1)^{3d x d}, seed 0, q = 4 (the issue's benchmark). The load average
of the machine is printed with every table: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable


def load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def instance(d: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((3 * d, d))


def run(cmd: list[str], cap: float) -> tuple[float | None, str]:
    """Wall seconds of a child process (None past the cap) and its output."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=cap)
    except subprocess.TimeoutExpired:
        return None, f"> {cap:.0f} s"
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return None, (p.stdout + p.stderr).strip().splitlines()[-1][:200]
    return wall, p.stdout


def py(code: str, cap: float) -> tuple[float | None, str]:
    return run([PY, "-c", code], cap)


def fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


# ---------------------------------------------------------------- sections


def solvers(sizes: list[int], cap: float) -> str:
    rows = ["| d | N | auto picks | Clarabel (s) | SCS (s) | value (Clarabel) | value (SCS) "
            "| rel. diff |", "|---|---|---|---|---|---|---|---|"]
    for d in sizes:
        N = d * (d + 1) // 2
        out = {}
        for solver in ("clarabel", "scs"):
            if solver == "clarabel" and d > 12:
                out[solver] = (None, None)
                continue
            code = (f"import numpy as np, time, json; from specproof.certificates import "
                    f"solve_sos; X = np.random.default_rng(0).standard_normal(({3 * d}, {d}));"
                    f"solve_sos(np.eye(2), 4, solver='{solver}'); t = time.perf_counter(); "
                    f"r = solve_sos(X, 4, solver='{solver}'); "
                    f"print(json.dumps([time.perf_counter() - t, r.value]))")
            wall, text = py(code, cap)
            out[solver] = tuple(json.loads(text.splitlines()[-1])) if wall else (None, None)
        from specproof.certificates.solver_choice import choose_solver

        pick = choose_solver(N, "auto", memory=64 * 2**30).solver
        (tc, vc), (ts, vs) = out["clarabel"], out["scs"]
        diff = abs(vc - vs) / abs(vc) if vc and vs else None
        rows.append(f"| {d} | {N} | {pick} | {fmt(tc)} | {fmt(ts)} | "
                    f"{'—' if vc is None else f'{vc:.10g}'} | "
                    f"{'—' if vs is None else f'{vs:.10g}'} | {fmt(diff, 2)} |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + f"\n\nload average during the run: {load()} (2 cores)\n"


NAIVE = """
import itertools, json, time, numpy as np, cvxpy as cp
from specproof.certificates import solve_sos
d = {d}
X = np.random.default_rng(0).standard_normal((3 * d, d))
n, D = X.shape[0], d * d
K = (X[:, :, None] * X[:, None, :]).reshape(n, D)
t = time.perf_counter()
Y = cp.Variable((D, D), PSD=True)
cons = [Y[i * d + j, k * d + m] == Y[a * d + b, c * d + e]
        for i, j, k, m in itertools.product(range(d), repeat=4)
        for a, b, c, e in [sorted((i, j, k, m))] if (i, j, k, m) != (a, b, c, e)]
cons.append(sum(Y[i * d + i, j * d + j] for i in range(d) for j in range(d)) == 1)
prob = cp.Problem(cp.Maximize(cp.trace((K.T @ K) @ Y)), cons)
prob.solve(solver="CLARABEL")
naive = time.perf_counter() - t
solve_sos(np.eye(2), 4, solver="clarabel")
t = time.perf_counter()
r = solve_sos(X, 4, solver="clarabel")
print(json.dumps([naive, prob.value, time.perf_counter() - t, r.value]))
"""


def naive(sizes: list[int], cap: float) -> str:
    rows = ["| d | naive cvxpy (s) | reduced (s) | speed-up | naive value | reduced value |",
            "|---|---|---|---|---|---|"]
    for d in sizes:
        wall, text = py(NAIVE.replace("{d}", str(d)), cap)
        if wall is None:
            rows.append(f"| {d} | {text} | | | | |")
        else:
            tn, vn, tr, vr = json.loads(text.splitlines()[-1])
            rows.append(f"| {d} | {tn:.3g} | {tr:.3g} | {tn / tr:.1f}× | {vn:.10g} | {vr:.10g} |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + f"\n\nload average: {load()} (2 cores)\n"


def cli(sizes: list[int], cap: float) -> str:
    rows = ["| d | N | `certify --exact` (s) | `check --exact` (s) | solver | SoS solve | "
            "exact expansion | round+project | exact check in certify | C / SoS value − 1 "
            "| bits tried | load |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    tmp = Path(tempfile.mkdtemp(prefix="bench_sos_"))
    for d in sizes:
        X = tmp / f"g{d}.npy"
        np.save(X, instance(d))
        cert = tmp / f"c{d}.json"
        exact = d <= 30
        cmd = [PY, "-m", "specproof", "certify", str(X), "-o", str(cert)]
        l0 = load()
        wall, text = run(cmd + (["--exact"] if exact else []), cap)
        if wall is None:
            rows.append(f"| {d} | {d * (d + 1) // 2} | {text} | | | | | | | | | {l0} |")
            print(rows[-1], flush=True)
            continue
        cwall = None
        if exact:
            cwall, _ = run([PY, "-m", "specproof", "check", "--exact", str(cert)], cap)
        p = json.loads(cert.read_text())["provenance"]
        label = "" if exact else " (bound only)"
        rows.append(
            f"| {d}{label} | {d * (d + 1) // 2} | {wall:.1f} | {fmt(cwall)} | {p['solver']} | "
            f"{p['sos_seconds']:.1f} | {fmt(p.get('expand_seconds'))} | "
            f"{fmt(p.get('round_seconds'))} | {fmt(p.get('check_seconds'))} | "
            f"{p['delta']:.1e} | {p.get('bits_tried', '—')} | {l0}–{load()} |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + "\n"


def ldl(sizes: list[int], cap: float) -> str:
    rows = ["| N | entry bits | factor-dd (s) | Bareiss (s) | flint fmpq (s) |",
            "|---|---|---|---|---|"]
    for d in sizes:
        code = (
            "import numpy as np, time, json; from specproof.certificates import certify;"
            "from specproof.certificates.ldl import ldl_psd;"
            f"X = np.random.default_rng(0).standard_normal(({3 * d}, {d}));"
            "c = certify(X, 4, exact=True); G = c.gram_rational;"
            "bits = max(x.numerator.bit_length() + x.denominator.bit_length() for r in G "
            "for x in r); t = time.perf_counter(); r = ldl_psd(G, backend='BACKEND');"
            "print(json.dumps([time.perf_counter() - t, r.psd, r.backend, bits]))")
        out = {}
        for b in ("factor-dd", "bareiss", "flint"):
            wall, text = py(code.replace("BACKEND", b), cap)
            out[b] = json.loads(text.splitlines()[-1]) if wall else None
        bits = next((v[3] for v in out.values() if v), "?")
        cells = [fmt(out[b][0]) if out[b] else f"> {cap:.0f}" for b in out]
        rows.append(f"| {d * (d + 1) // 2} | {bits} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + f"\n\nload average: {load()} (2 cores)\n"


def expand(sizes: list[int], cap: float) -> str:
    rows = ["| d | N | limbs + BLAS (s) | python-flint fmpz_mat (s) | numpy object dot (s) |",
            "|---|---|---|---|---|"]
    for d in sizes:
        setup = ("import numpy as np, time, json; from specproof.certificates.certify import "
                 "rationalize; from specproof.certificates import rational_gram as rg;"
                 f"Xr = rationalize(np.random.default_rng(0).standard_normal(({3 * d}, {d})));"
                 "Y, L = rg.integer_data(Xr); from specproof.certificates.monomials import "
                 f"exponents; B = exponents({d}, 2);"
                 "W = np.array([[y[i] * y[j] * (1 if i == j else 2) for i in range({d}) "
                 f"for j in range(i, {d})] for y in Y], dtype=object);")
        bodies = {
            "limbs": "t = time.perf_counter(); rg.exact_power_sums(Xr, 4);",
            "flint": "import flint; t = time.perf_counter(); F = flint.fmpz_mat(W.shape[0], "
                     "W.shape[1], [int(x) for x in W.ravel()]); P = F.transpose() * F; "
                     "[int(x) for x in P.entries()];",
            "object": "t = time.perf_counter(); W.T.dot(W);",
        }
        cells = []
        for body in bodies.values():
            wall, text = py(setup + body + "print(json.dumps(time.perf_counter() - t))", cap)
            cells.append(fmt(json.loads(text.splitlines()[-1])) if wall else text)
        rows.append(f"| {d} | {d * (d + 1) // 2} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + f"\n\nload average: {load()} (2 cores)\n"


def imports(cap: float) -> str:
    rows = ["| command | import time (s, `-X importtime`, cumulative of the top module) |",
            "|---|---|"]
    for label, cmd in [("import specproof", [PY, "-X", "importtime", "-c", "import specproof"]),
                       ("specproof certify --help",
                        [PY, "-X", "importtime", "-m", "specproof", "certify", "--help"]),
                       ("from specproof.certificates import check",
                        [PY, "-X", "importtime", "-c",
                         "from specproof.certificates import check"])]:
        best = None
        for _ in range(3):
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=cap)
            total = sum(int(m.group(1)) for m in re.finditer(
                r"import time:\s+\d+ \|\s+(\d+) \| [^ ]", p.stderr))
            best = total if best is None else min(best, total)
        rows.append(f"| `{label}` | {best / 1e6:.3f} |")
        print(rows[-1], flush=True)
    return "\n".join(rows) + f"\n\nbest of 3; load average: {load()} (2 cores)\n"


def write_docs(tables: dict[str, str]) -> None:
    for doc in ("docs/norms.md", "docs/certificates.md"):
        path = ROOT / doc
        text = path.read_text()
        for name, table in tables.items():
            pattern = re.compile(rf"(<!-- bench_sos:{name} -->\n).*?(<!-- /bench_sos:{name} -->)",
                                 re.S)
            text = pattern.sub(lambda m, t=table: m.group(1) + t + m.group(2), text)
        path.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*",
                    default=["solvers", "naive", "cli", "ldl", "expand", "import"])
    ap.add_argument("--sizes", nargs="*", type=int, default=[12, 20, 30, 40])
    ap.add_argument("--cap", type=float, default=600.0, help="seconds per child process")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {load()}; cores: {os.cpu_count()}", flush=True)
    tables = {}
    if "solvers" in args.only:
        tables["solvers"] = solvers([4, 6, 8, 10, 12, 20, 30], args.cap)
    if "naive" in args.only:
        tables["naive"] = naive([6, 8], args.cap)
    if "cli" in args.only:
        tables["cli"] = cli(args.sizes, args.cap)
    if "ldl" in args.only:
        tables["ldl"] = ldl([8, 12, 20], min(args.cap, 120))
    if "expand" in args.only:
        tables["expand"] = expand([20, 30], args.cap)
    if "import" in args.only:
        tables["import"] = imports(args.cap)
    for name, table in tables.items():
        print(f"\n## {name}\n\n{table}")
    if args.write_docs:
        write_docs(tables)


if __name__ == "__main__":
    main()
