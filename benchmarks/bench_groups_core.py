"""Timings of the core group machinery: axiom checks, permutation closure, homomorphism
validation, character decomposition.

Run ``python benchmarks/bench_groups_core.py``; prints one table (best of 3 runs).
"""

from __future__ import annotations

import time

import numpy as np

from specproof.groups import (
    FiniteGroup,
    Representation,
    check_group_axioms,
    cyclic,
    decompose,
    dihedral,
    symmetric,
)


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
    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'size':<22}  seconds")
    for name, size, sec in rows:
        print(f"{name:<{width}}  {size:<22}  {sec:.4f}")


if __name__ == "__main__":
    main()
