"""Findings of a review of intertwiners and equivariance checks, each kept as a test."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentError, ComputationError
from specproof.groups import (
    FiniteGroup,
    check_equivariance,
    cyclic,
    dihedral,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    irrep,
)


def _skewed(rng, cond):
    q1, q2 = (np.linalg.qr(rng.standard_normal((2, 2)))[0] for _ in range(2))
    return q1 @ np.diag([1.0, 1.0 / cond]) @ q2


def test_a_generator_basis_that_is_not_one_over_the_group_is_refused():
    # C7's rot_1 -> rot_2 (Hom = 0) in bases of condition number 1e3: the generator's
    # constraint had a genuinely nonzero singular value below the threshold, and a basis
    # of one matrix with residual 1.7 came back (20 of 20 random bases)
    G = cyclic(7)
    rng = np.random.default_rng(0)
    A = irrep(G, "rot_1").change_of_basis(_skewed(rng, 1e3))
    B = irrep(G, "rot_2").change_of_basis(_skewed(rng, 1e3))
    assert hom_dimension(A, B) == 0
    with pytest.raises(ComputationError, match="too ill-conditioned for the generator"):
        intertwiners(A, B)
    W = intertwiners(A, A)  # the true ones pass the check over every element
    assert W.shape[0] == hom_dimension(A, A) == 2
    assert intertwiner_residual(W, A, A) < 1e-9


def test_a_default_tolerance_too_large_to_fail_is_refused():
    # float16 outputs: tolerance 2 on a relative error of at most about 2, and a random
    # map was "equivariant"
    G = dihedral(16)
    R = G.regular_representation()
    M = np.random.default_rng(0).standard_normal((32, 32))
    with pytest.raises(ArgumentError, match="too large for the check to fail"):
        check_equivariance(lambda x: (x @ M.T).astype(np.float16), G, R, R, rng=0)
    rep = check_equivariance(lambda x: x @ M.T, G, R, R, rng=0)  # float64: it fails
    assert not rep.ok


def test_the_degree_zero_group_is_refused_by_name():
    with pytest.raises(ArgumentError, match="the degree must be at least 1"):
        FiniteGroup.from_permutations([], degree=0)
