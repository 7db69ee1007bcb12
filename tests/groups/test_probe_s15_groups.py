"""Findings of the session-15 adversarial review of specproof.groups, kept as tests.

A representation with entries past ~1e154 passed the homomorphism check whatever it was
(its rounding tolerance 64 d eps R_i C_j overflowed to inf, and every error divided by it
was 0 or NaN): rho(e) = 1e300 was a representation of C2, and check_equivariance and
intertwiners went on with it. decompose of a complex representation blamed the matrices;
float permutations were called "not a permutation".
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentTypeError
from specproof.groups import (
    FiniteGroup,
    Irrep,
    Representation,
    check_equivariance,
    cyclic,
    decompose,
    dihedral,
    intertwiners,
    irrep,
    trivial,
)
from specproof.groups.errors import GroupAxiomError, NotAHomomorphismError

TOO_LARGE = r"too large to check: the rounding tolerance 64 d eps R_i C_j"


@pytest.mark.parametrize("matrices", [
    np.array([[[1.0]], [[1e300]]]),   # rho(r)^2 = 1e600, not rho(e) = 1
    np.array([[[1e300]], [[1.0]]]),   # rho(e) = 1e300
])
def test_huge_entries_are_not_a_representation_of_c2(matrices):
    with pytest.raises(NotAHomomorphismError, match=TOO_LARGE):
        Representation(cyclic(2), matrices)
    with pytest.raises(NotAHomomorphismError, match=TOO_LARGE):
        Irrep(cyclic(2), matrices, name="x", type="R")
    with pytest.raises(NotAHomomorphismError, match=rf"rho_in: entries .*{TOO_LARGE}"):
        check_equivariance(lambda x: 5 * x, cyclic(2), matrices, matrices,
                           inputs=[np.ones(1)])


def test_intertwiners_refuse_a_huge_non_representation():
    with pytest.raises(NotAHomomorphismError, match=TOO_LARGE):
        intertwiners(Representation(cyclic(2), np.array([[[1.0]], [[1e300]]])),
                     trivial(cyclic(2)))


@pytest.mark.parametrize("scale", [1e155, 1e160, 1e200])
def test_a_scaled_irrep_is_refused_at_every_large_scale(scale):
    # rho(e) = scale * I is not I: refused at 1e100 already, and now beyond ~1e154 too
    with pytest.raises(NotAHomomorphismError):
        Representation(dihedral(4), irrep(dihedral(4), "rot_1").matrices * scale)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 150.0))
def test_a_skewed_basis_of_moderate_condition_is_still_a_representation(log10_scale):
    # P rho P^-1 with P = diag(10^k, 1): entries up to 10^k, still checked exactly enough
    P = np.diag([10.0**log10_scale, 1.0])
    M = irrep(dihedral(4), "rot_1").matrices
    rho = Representation(dihedral(4), P @ M @ np.linalg.inv(P))  # the check passes
    assert rho.dim == 2 and np.abs(rho.matrices).max() >= 10.0**log10_scale * 0.5


def test_decompose_of_a_complex_representation_says_it_takes_real_ones():
    rc = Representation(cyclic(4), np.array([[[1]], [[1j]], [[-1]], [[-1j]]]))
    with pytest.raises(ArgumentTypeError, match=r"decompose takes a real representation .*"
                                                r"rep1 has complex matrices.*realification"):
        decompose(rc)
    M = rc.matrices
    real = Representation(cyclic(4), np.block([[M.real, -M.imag], [M.imag, M.real]]))
    assert decompose(real) == {"trivial": 0, "alt": 0, "rot_1": 1}


def test_float_permutations_and_tables_get_the_right_message():
    with pytest.raises(ArgumentTypeError, match=r"generators\[0\] must hold integer images, "
                                                r"got dtype float64"):
        FiniteGroup.from_permutations([[1.0, 0.0, 2.0]])
    with pytest.raises(GroupAxiomError, match=r"integer indices \(whole numbers\), got dtype "
                                              r"float64 with the entry 1\.5"):
        FiniteGroup.from_table([[0, 1.5], [1, 0]])
    assert FiniteGroup.from_table([[0.0, 1.0], [1.0, 0.0]]).order == 2  # whole floats: taken
