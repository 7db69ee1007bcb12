"""Session 17 review of the groups package: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ComputationError
from specproof.groups import (
    FiniteGroup,
    GridAction,
    check_equivariance,
    cyclic,
    dihedral,
    intertwiners,
    irrep,
)
from specproof.groups.errors import GroupAxiomError
from specproof.groups.intertwiners import reynolds_basis


def _skewed_rot1(cond: float):
    rot1 = irrep(dihedral(5), "rot_1")
    P = np.linalg.qr(np.random.default_rng(0).standard_normal((2, 2)))[0] @ np.diag(
        [1.0, 1.0 / cond])
    return rot1.change_of_basis(P)


@pytest.mark.parametrize("cond", [1e8, 1e9, 1e12])
def test_intertwiners_in_a_badly_skewed_basis_are_refused_not_wrong(cond):
    # Hom_G(rot_1, rot_1) has dimension 1 (type R); the count check gave up at condition
    # number 1e8 (tolerance 64 eps d^2 s_in s_out > 1/4) and a basis of 2 went out,
    # with residual 1.9
    a = _skewed_rot1(cond)
    with pytest.raises(ComputationError, match="gave 2 basis matrices, but the characters"):
        intertwiners(a, a)


@pytest.mark.parametrize("cond", [1e3, 1e6, 3e7])
def test_intertwiners_in_a_moderately_skewed_basis_are_right(cond):
    a = _skewed_rot1(cond)
    (B,) = intertwiners(a, a)
    res = max(np.linalg.norm(a.matrices[g] @ B - B @ a.matrices[g]) for g in range(10))
    assert res <= 1e-6 * np.linalg.norm(B)


def test_reynolds_refusal_names_the_conditioning_and_shows_the_trace_digits():
    a = _skewed_rot1(1e8)
    with pytest.raises(ValueError, match="too ill-conditioned") as exc:
        intertwiners(a, a, method="reynolds")
    # the trace is ~1: the message no longer says only "not representations"
    assert "largest entries" in str(exc.value)
    psi = irrep(dihedral(4), "rot_1").matrices
    with pytest.raises(ValueError, match="trace 0.5:"):
        reynolds_basis(psi, psi[[0, 2, 1, 3, 4, 5, 6, 7]], rng=0)


def test_character_inner_product_shown_with_the_digits_that_matter():
    from specproof.groups import Representation

    G = dihedral(5)
    m = irrep(G, "rot_1").matrices.copy()
    m[1] += 1e-7
    bad = Representation(G, m, check="none")
    with pytest.raises(ComputationError, match=r"= 1\.0000000\d+"):
        intertwiners(bad, irrep(G, "rot_1"))


def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, n)).astype(np.float32) for _ in range(3)]


def test_float32_map_three_percent_off_equivariance_fails():
    G = cyclic(4)
    A = GridAction(G)

    def f(x):
        return (0.98 * x + 0.02 * np.roll(x, 1, axis=1)).astype(np.float32)

    res = check_equivariance(f, G, A, A, inputs=_images(64))
    assert not res.ok and res.worst_error > 0.02
    # the tolerance 64 eps32 max(sqrt(4096), min(4096, 64)) = 64 eps32 * 64
    assert res.tolerance == pytest.approx(64 * np.finfo(np.float32).eps * 64)
    # a 0.1 % defect fails too
    g = lambda x: (0.999 * x + 0.001 * np.roll(x, 1, axis=1)).astype(np.float32)  # noqa: E731
    assert not check_equivariance(g, G, A, A, inputs=_images(64)).ok


def test_float32_equivariant_maps_with_real_rounding_pass():
    # a dense float32 group convolution on the regular representation: sums of N terms
    rng = np.random.default_rng(1)
    for N in (50, 150):
        G = cyclic(N)
        R = G.regular_representation()
        c = rng.standard_normal(N)
        M = np.stack([np.roll(c, i) for i in range(N)]).astype(np.float32)
        res = check_equivariance(lambda x, M=M: (M @ x.astype(np.float32)).astype(np.float32),
                                 G, R, R, rng=0)
        assert res.ok and res.worst_error > 0.0
    # a 256 x 256 float32 image map: tolerance 1.95e-3 (it was 0.5, refused as > 0.1)
    G = cyclic(4)
    A = GridAction(G)
    res = check_equivariance(lambda x: 2 * x + np.rot90(x, 2), G, A, A,
                             inputs=_images(256)[:1])
    assert res.ok and res.tolerance < 2e-3


def test_long_double_output_of_float64_data_uses_float64_rounding():
    G = cyclic(8)
    rho = irrep(G, "rot_1")
    M = np.array([[0.3, -1.7], [1.7, 0.3]])
    res = check_equivariance(
        lambda x: x.astype(np.longdouble) @ M.T.astype(np.longdouble), G, rho, rho, rng=0)
    assert res.ok
    assert res.tolerance == pytest.approx(64 * np.finfo(np.float64).eps * 2)
    # still able to fail
    bad = check_equivariance(lambda x: x.astype(np.longdouble) @ np.diag([1.0, 2.0]),
                             G, rho, rho, rng=0)
    assert not bad.ok


def test_table_with_an_index_beyond_int64_is_a_group_axiom_error():
    with pytest.raises(GroupAxiomError, match="1180591620717411303424"):
        FiniteGroup.from_table([[0, 2**70], [1, 0]])


def test_family_irreps_are_checked_once_and_still_checked():
    # the family's table goes through check_irreps; the Irreps are built without their own
    # (duplicate) checks only inside the family builder
    from specproof.groups.irrep import Irrep, NotIrreducibleError, deferred_irrep_checks

    G = cyclic(6)
    assert [p.name for p in G.irreps][:2] == ["trivial", "alt"]
    with pytest.raises(NotIrreducibleError):
        Irrep(G, np.stack([np.eye(2)] * 6), name="two_trivials", type="C")
    with deferred_irrep_checks():
        p = Irrep(G, np.stack([np.eye(2)] * 6), name="two_trivials", type="C")
    from specproof.groups import check_irreps

    assert check_irreps(G, [p]).code == "reducible"
