"""Benchmark of ``specproof lemma``: prove and refute, against targets and references
measured in the same process.

    python benchmarks/bench_lemmas.py [--full-basis-cap SECONDS]

Each row is one function returning a :class:`Row`; :func:`print_table` prints them all.
Prove rows (issue 15): Frobenius submultiplicativity at 3x3 (18 variables, degree 4),
exact certificate and independent check, target <= 30 s, with the full degree-2 Gram
basis as the reference (what SumOfSquares.py would use: one 171x171 block), solved by
SCS under a time cap; (x^2+y^2+1) * Motzkin, exact certificate, target <= 2 s.
Refute rows: a false cubic bound violated on an interval of width ~1e-3, exact rational
counterexample, target <= 5 s (reference: scipy's float minimiser); start-up of the lemma
command path, target <= 0.5 s over bare Python.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


@dataclass
class Row:
    name: str
    seconds: float
    target: float | None = None
    reference: str = ""
    ratio: str = ""
    note: str = ""


def _warm_up() -> None:
    from specproof.lemmas.prove import prove

    prove("x**2 + 1 >= 0")  # imports sympy, scipy, clarabel, flint once


def row_frobenius_3x3(cap: float) -> list[Row]:
    from specproof.certificates import check
    from specproof.certificates.solver_choice import estimate
    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.prove import prove

    A, B = Matrix("A", 3, 3), Matrix("B", 3, 3)
    stmt = 'norm(A @ B, "fro")**2 <= norm(A, "fro")**2 * norm(B, "fro")**2'
    t0 = time.perf_counter()
    r = prove(stmt, variables=[A, B])
    prove_s = time.perf_counter() - t0
    path = "/tmp/bench_frobenius_3x3.json"
    r.save(path)
    t0 = time.perf_counter()
    ok = check(path, exact=True).ok
    check_s = time.perf_counter() - t0
    ours = sum(r.basis_sizes)
    full = _full_basis_solve(cap)
    ref = (f"full basis {full['N']} (1 block, {full['N'] * (full['N'] + 1) // 2} unknowns): "
           f"{full['text']}")
    rows = [Row("Frobenius 3x3 prove (exact, checked)", prove_s, 30.0, ref,
                f"{prove_s / 30.0:.3f} of target; basis {ours} in {len(r.basis_sizes)} blocks "
                f"vs {full['N']} ({full['N'] ** 2 / sum(b * b for b in r.basis_sizes):.0f}x "
                "fewer Gram entries)",
                f"Clarabel on the full basis would need "
                f"{estimate(full['N']).clarabel_bytes / 2**30:.1f} GiB (64 T^2, refused up front)")]
    rows.append(Row("Frobenius 3x3 check --exact", check_s, None, "",
                    f"{'VALID' if ok else 'INVALID'}", ""))
    if full["seconds"] is not None:
        rows.append(Row("  reference: full-basis SCS solve only", full["seconds"], None, "",
                        f"{full['seconds'] / prove_s:.1f}x our whole prove"))
    return rows


def _full_solve_worker(queue) -> None:
    from fractions import Fraction

    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.newton import all_monomials
    from specproof.lemmas.prove import to_poly
    from specproof.lemmas.sos_program import SoSTerm, solve_gram_program
    from specproof.lemmas.statement import as_statement

    A, B = Matrix("A", 3, 3), Matrix("B", 3, 3)
    st = as_statement('norm(A @ B, "fro")**2 <= norm(A, "fro")**2 * norm(B, "fro")**2',
                      variables=[A, B])
    f = to_poly(st.difference(), st.variables)
    basis = [e for e in all_monomials(18, 2) if sum(e) == 2]
    t0 = time.perf_counter()
    sol = solve_gram_program(f, [SoSTerm((), {(0,) * 18: Fraction(1)}, [basis])], [], "scs")
    queue.put((time.perf_counter() - t0, sol.t, sol.status))


def _full_basis_solve(cap: float) -> dict:
    N = 171  # monomials of degree 2 in 18 variables (the homogeneous full basis)
    if cap <= 0:
        return {"N": N, "seconds": None, "text": "not run (--full-basis-cap 0)"}
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=_full_solve_worker, args=(queue,))
    t0 = time.perf_counter()
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return {"N": N, "seconds": None, "text": f"SCS did not finish in {cap:g} s"}
    seconds, t_star, status = queue.get()
    return {"N": N, "seconds": seconds,
            "text": f"SCS {status}, t* = {t_star:.2g} (numerical only: a singular Gram space "
                    "cannot be rounded without facial reduction); wall "
                    f"{time.perf_counter() - t0:.1f} s"}


def row_frobenius_4x4() -> list[Row]:
    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.prove import prove

    A, B = Matrix("A", 4, 4), Matrix("B", 4, 4)
    t0 = time.perf_counter()
    r = prove('norm(A @ B, "fro")**2 <= norm(A, "fro")**2 * norm(B, "fro")**2',
              variables=[A, B])
    seconds = time.perf_counter() - t0
    return [Row("Frobenius 4x4 prove (32 variables; scaling)", seconds, None, "",
                f"{r.verdict}; basis {sum(r.basis_sizes)} in {len(r.basis_sizes)} blocks",
                r.details.get("basis", ""))]


def row_motzkin() -> list[Row]:
    from specproof.lemmas.prove import prove

    stmt = "x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0"
    t0 = time.perf_counter()
    r = prove(stmt, multiplier="reznick")
    direct = time.perf_counter() - t0
    t0 = time.perf_counter()
    prove(stmt)
    auto = time.perf_counter() - t0
    return [Row("(x^2+y^2+1)*Motzkin prove (exact, checked)", direct, 2.0, "",
                f"{direct / 2.0:.3f} of target", f"multiplier {r.multiplier}, blocks "
                f"{list(r.basis_sizes)}"),
            Row("Motzkin, multiplier='auto' (plain SoS first)", auto, 2.0, "",
                f"{auto / 2.0:.3f} of target", "plain attempt reports t* = -0.75")]


def row_refute_cubic() -> list[Row]:
    """Refute x^3 - x >= -0.3848997 on [0, 1]: violated only on an interval of width ~1e-3.

    Reference: scipy's bounded scalar minimiser on the same cubic (a float minimiser, no
    exactness), in the same process.
    """
    from fractions import Fraction

    import numpy as np
    from scipy.optimize import minimize_scalar

    from specproof.lemmas.domains import box
    from specproof.lemmas.refute import refute

    c = Fraction(3848997, 10**7)
    roots = np.roots([1, 0, -1, float(c)])
    inside = sorted(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    width = inside[1] - inside[0]
    t0 = time.perf_counter()
    r = refute("x**3 - x >= -0.3848997", domain=box(x=(0, 1)), seed=0, budget=5,
               progress=False)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(100):
        ref = minimize_scalar(lambda x: x**3 - x, bounds=(0, 1), method="bounded")
    ref_s = (time.perf_counter() - t0) / 100
    x = r.point.get("x") if r.verdict == "REFUTED" else None
    exact_ok = x is not None and x**3 - x < -c
    return [Row(f"refute cubic, window {width:.1e} (exact rational)", ours, 5.0,
                f"reference: scipy minimize_scalar (float only) {ref_s * 1e3:.2f} ms, "
                f"x* = {ref.x:.6f}",
                f"{ours / 5.0:.3f} of target; {ours / ref_s:.0f}x the float minimiser",
                f"{r.verdict} at x = {x} (denominator {x.denominator if x else '-'}); "
                f"re-checked in Fraction: {exact_ok}")]


def _child_seconds(code: str, repeats: int = 5) -> float:
    import subprocess

    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True,
                       cwd=os.path.join(os.path.dirname(__file__), ".."))
        best = min(best, time.perf_counter() - t0)
    return best


def row_startup() -> list[Row]:
    """Import time of the lemma command path (best of 5 child processes), over bare Python."""
    bare = _child_seconds("pass")
    cli = _child_seconds("import specproof.cli")
    lemma = _child_seconds("import specproof.cli.lemma")
    parse = _child_seconds("import specproof.lemmas.parse")
    sym = _child_seconds("import sympy")
    ref = f"reference: bare python {bare:.3f} s"
    return [Row("start-up: import specproof.cli.lemma", lemma - bare, 0.5, ref,
                f"{(lemma - bare) / 0.5:.3f} of target", f"absolute {lemma:.3f} s"),
            Row("start-up: import specproof.cli (all commands)", cli - bare, 0.5, ref,
                f"{(cli - bare) / 0.5:.3f} of target", f"absolute {cli:.3f} s"),
            Row("  statement parser, paid when the command runs", parse - bare, None,
                f"reference: import sympy alone {sym - bare:.3f} s over bare python",
                f"{(parse - bare) / max(sym - bare, 1e-9):.2f}x sympy's own import",
                f"absolute {parse:.3f} s")]


def print_table(rows: list[Row]) -> None:
    print(f"{'row':48} {'seconds':>9} {'target':>7}  ratio / reference")
    print("-" * 110)
    for r in rows:
        target = "" if r.target is None else f"{r.target:g}"
        print(f"{r.name:48} {r.seconds:9.3f} {target:>7}  {r.ratio}")
        for extra in (r.reference, r.note):
            if extra:
                print(f"{'':67}{extra}")
    print(f"load average: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")


ROWS = [row_motzkin, row_frobenius_4x4, row_refute_cubic, row_startup]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full-basis-cap", type=float, default=120.0,
                    help="seconds allowed for the full-basis reference solve (0: skip)")
    args = ap.parse_args()
    _warm_up()
    rows: list[Row] = []
    rows += row_frobenius_3x3(args.full_basis_cap)
    for fn in ROWS:
        rows += fn()
    print_table(rows)


if __name__ == "__main__":
    main()
