"""Timings of the core group machinery: axiom checks, permutation closure, homomorphism
validation (vectorised against the per-row loop it replaced), building validated irreps
tables, checking a user's irreps list, character decomposition.

Run ``python benchmarks/bench_groups_core.py``; prints two tables (best of 3 runs).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

# Benchmark the checkout this script lives in, not whichever specproof is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specproof.groups import (  # noqa: E402
    FiniteGroup,
    Irrep,
    Representation,
    check_group_axioms,
    check_irreps,
    cyclic,
    decompose,
    dihedral,
    direct_product,
    homomorphism_error,
    quaternion,
    spectral_norm_equivariant,
    symmetric,
)


def loop_homomorphism_error(G: FiniteGroup, m: np.ndarray) -> float:
    """The per-row loop homomorphism_error used before (baseline for the ratio)."""
    worst = 0.0
    for a in range(G.order):
        diff = m[a] @ m - m[G.table[a]]
        worst = max(worst, float(np.max(np.abs(diff))))
    return worst


def validation_rows() -> list[tuple[str, str, float]]:
    rows = []
    for G in (dihedral(40), cyclic(97)):
        m = next(p for p in G.irreps if p.dim == 2).matrices
        loop = best_of(lambda G=G, m=m: loop_homomorphism_error(G, m))
        vec = best_of(lambda G=G, m=m: homomorphism_error(G, m, mode="all"))
        rows.append((f"homomorphism check, all pairs, 2-d irrep of {G.name}",
                     f"loop {loop:.4f} s", vec))
    for make in (lambda: dihedral(16), lambda: dihedral(64), lambda: cyclic(97),
                 lambda: direct_product(quaternion(), dihedral(4))):
        G = make()
        t = best_of(lambda make=make: make().irreps)
        rows.append((f"irreps of {G.name} built and validated (first use)",
                     f"{len(G.irreps)} irreps", t))
    for G in (dihedral(16), dihedral(64)):
        user = [Irrep(G, p.matrices, name=p.name, type=p.type) for p in G.irreps]
        rows.append((f"check_irreps on a user list for {G.name}", f"{len(user)} irreps",
                     best_of(lambda G=G, u=user: check_irreps(G, u))))
        w = np.random.default_rng(0).standard_normal((G.order, 8, 8))
        base = best_of(lambda G=G, w=w: spectral_norm_equivariant(w, G))
        rows.append((f"spectral_norm_equivariant {G.name}, 8 ch, user irreps",
                     f"library list {base:.4f} s",
                     best_of(lambda G=G, w=w, u=user: spectral_norm_equivariant(w, G, irreps=u))))
    return rows


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rows = []
    for G in (dihedral(12), symmetric(5), cyclic(200), dihedral(150)):
        n = G.order
        rows.append((f"check_group_axioms {G.name}", f"n={n}, n^3={n**3:.1e}",
                     best_of(lambda G=G: check_group_axioms(G.table))))
    for n in (5, 6):
        gens = [[1, 0] + list(range(2, n)), list(range(1, n)) + [0]]
        rows.append((f"from_permutations S{n}", f"n={np.prod(range(1, n + 1))}",
                     best_of(lambda g=gens: FiniteGroup.from_permutations(g))))
    for G in (dihedral(12), dihedral(40)):
        M = G.regular_representation().matrices
        for mode in ("all", "generators"):
            rows.append((f"Representation check={mode} regular({G.name})",
                         f"n=d={G.order}",
                         best_of(lambda M=M, G=G, mode=mode: Representation(G, M, check=mode))))
    for G in (dihedral(12), dihedral(40)):
        rho = G.regular_representation()
        rows.append((f"decompose regular({G.name})", f"n={G.order}",
                     best_of(lambda rho=rho: decompose(rho))))
    for title, table in (("core", rows), ("validation", validation_rows())):
        width = max(len(r[0]) for r in table)
        print(f"{title + ' operation':<{width}}  {'size / baseline':<22}  seconds")
        for name, size, sec in table:
            print(f"{name:<{width}}  {size:<22}  {sec:.4f}")
        print()


if __name__ == "__main__":
    main()
