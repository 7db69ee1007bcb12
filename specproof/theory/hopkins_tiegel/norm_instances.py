"""The matrices the 2->q norm claims of :mod:`specproof.theory.hopkins_tiegel.norms` run
on: the Boolean cube, the closed-form cases and the random families."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.linalg import hadamard


def boolean_cube(m: int) -> np.ndarray:
    """All 2^m rows of {-1, +1}^m."""
    return np.array(list(itertools.product([-1.0, 1.0], repeat=m)))


# --------------------------------------------------------------------------- closed forms
def _closed_form_cases(rng: np.random.Generator, d_max: int, cube_ms, variant: str):
    """(name, X, q, value of ||X||_{2->q} claimed, use_sos) for the closed forms."""
    from scipy.stats import ortho_group  # here: scipy.stats costs every command ~0.5 s

    cases = []
    for d in range(2, d_max + 1):
        Q = ortho_group.rvs(d, random_state=int(rng.integers(2**31)))
        for q in (3.0, 4.0, 6.0):
            cases.append((f"I_{d}", np.eye(d), q, 1.0))
            cases.append((f"orthogonal_{d}", Q, q, 1.0))
        u, w = rng.standard_normal(d + 3), rng.standard_normal(d)
        for q in (3.0, 4.0, 5.0):
            # ||u w^T||_{2->q} = ||u||_q ||w||_2; the wrong variant uses ||u||_2
            lu = np.linalg.norm(u, ord=2 if variant == "wrong" else q)
            cases.append((f"rank1_{d}", np.outer(u, w), q, float(lu * np.linalg.norm(w))))
        s = rng.standard_normal(d)
        cases.append((f"diag_{d}", np.diag(s), 4.0, float(np.max(np.abs(s)))))
    for k in (2, 4, 8):
        if k <= max(d_max, 4) * 2:
            cases.append((f"hadamard_{k}", hadamard(k).astype(float), 4.0, math.sqrt(k)))
    for m in cube_ms:
        # 2^m (3 - 2/m); the wrong variant drops the -2/m (the Gaussian moment 3)
        val4 = 2**m * (3.0 if variant == "wrong" else 3.0 - 2.0 / m)
        cases.append((f"cube_{m}", boolean_cube(m), 4.0, val4**0.25))
    return cases


# --------------------------------------------------------------------------- families
def _family(name: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    if name == "gaussian":
        return rng.standard_normal((n, d))
    if name == "student-t":
        return rng.standard_t(3, size=(n, d))
    if name == "spike":
        # most mass on one hidden direction: a random vector sees only ~1/d^2 of it
        u = rng.standard_normal(d)
        u /= np.linalg.norm(u)
        return np.outer(rng.standard_normal(n), u) * 3 + 0.1 * rng.standard_normal((n, d))
    if name == "sparse":
        mask = rng.random((n, d)) < 2.0 / d
        return rng.standard_normal((n, d)) * mask + 1e-3 * rng.standard_normal((n, d))
    raise ValueError(name)
