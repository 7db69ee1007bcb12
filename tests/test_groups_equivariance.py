"""Equivariance checks, intertwiner bases, equivariant layers, group Fourier transform."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.claims import run_claim
from specproof.groups import (
    EquivariantLinear,
    GridAction,
    GroupConv,
    GroupGridAction,
    LiftingConv,
    Representation,
    block_diagonalize,
    check_equivariance,
    correlate2d,
    cyclic,
    dihedral,
    direct_sum,
    equivariant_matrix,
    fourier_blocks,
    group_fourier_transform,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    inverse_group_fourier_transform,
    irrep,
    irreps,
    isotypic_basis,
    klein_four,
    right_regular_representation,
    spectral_norm_equivariant,
    subspace_gap,
    symmetric,
    trivial,
    verify_action,
)
from specproof.groups.intertwiners import nullspace_basis, reynolds_basis, reynolds_operator
from specproof.testing import assert_claim_passes
from specproof.theory import get_claim

SMALL_GROUPS = [cyclic(N) for N in range(1, 7)] + [dihedral(N) for N in range(1, 7)]


def _random_basis_rep(G, rng, parts=2):
    irs = irreps(G)
    rho = direct_sum(*[irs[int(i)] for i in rng.integers(len(irs), size=parts)])
    q, _ = np.linalg.qr(rng.standard_normal((rho.dim, rho.dim)))
    return rho.change_of_basis(q @ np.diag(rng.uniform(0.5, 2.0, rho.dim)))


# ------------------------------------------------------------------ intertwiners


@pytest.mark.parametrize("G", SMALL_GROUPS, ids=lambda G: G.name)
def test_intertwiner_dims_equal_character_inner_products(G):
    for a in irreps(G):
        for b in irreps(G):
            expected = hom_dimension(a, b)
            null = intertwiners(a, b)
            rey = intertwiners(a, b, method="reynolds", rng=0)
            assert len(null) == len(rey) == expected
            # Schur: c_psi on the diagonal, 0 off it
            assert expected == (a.endomorphism_dim if a.name == b.name else 0)
            assert intertwiner_residual(null, a, b) <= 1e-13
            assert subspace_gap(null, rey) <= 1e-10


def test_orthonormal_in_frobenius():
    G = dihedral(5)
    rho = _random_basis_rep(G, np.random.default_rng(3), parts=3)
    for method in ("nullspace", "reynolds"):
        B = intertwiners(rho, rho, method=method, rng=1).reshape(-1, rho.dim**2)
        np.testing.assert_allclose(B @ B.T, np.eye(len(B)), atol=1e-12)


@pytest.mark.parametrize("G", [cyclic(6), dihedral(4), dihedral(5), klein_four(), symmetric(3)],
                         ids=lambda G: G.name)
def test_regular_rep_orbit_dense_and_reynolds_agree(G):
    R = G.regular_representation()
    orbit = intertwiners(R, R)  # permutation structure -> exact orbit solver
    dense = intertwiners(R, R, structure="dense")
    rey = intertwiners(R, R, method="reynolds", rng=0)
    assert len(orbit) == len(dense) == len(rey) == G.order
    assert subspace_gap(orbit, dense) <= 1e-10
    assert subspace_gap(orbit, rey) <= 1e-10
    assert intertwiner_residual(orbit, R, R) == 0.0
    # Hom_G(L, L) is spanned by the right translations R(h)
    Rr = right_regular_representation(G).matrices
    coeffs = np.einsum("kij,hij->hk", orbit, Rr)
    np.testing.assert_allclose(np.einsum("hk,kij->hij", coeffs, orbit), Rr, atol=1e-12)


def test_rectangular_hom_between_regular_and_irrep():
    G = dihedral(4)
    R, psi = G.regular_representation(), irrep(G, "rot_1")
    B = intertwiners(R, psi)  # (k, 2, 8); mixed dense path (psi is not a permutation)
    assert B.shape == (2, 2, 8)  # multiplicity d/c = 2 copies of rot_1 in R, c = 1
    assert intertwiner_residual(B, R, psi) <= 1e-13


def test_trivial_group_gives_whole_space():
    G = cyclic(1)
    B = intertwiners(trivial(G, 2), trivial(G, 3))
    assert B.shape == (6, 3, 2)


def test_one_generator_of_dihedral_is_too_weak():
    G = dihedral(5)
    psi = irrep(G, "rot_1")
    r = [G.generators[0]]
    assert len(nullspace_basis(psi.matrices[r], psi.matrices[r])) == 2
    assert len(intertwiners(psi, psi)) == 1 == hom_dimension(psi, psi)


def test_reynolds_is_a_projector_onto_commutant():
    G = dihedral(3)
    rho = _random_basis_rep(G, np.random.default_rng(0))
    inv = np.linalg.inv(rho.matrices)
    W = np.random.default_rng(1).standard_normal((rho.dim, rho.dim))
    S1 = reynolds_operator(W, inv, rho.matrices)
    S2 = reynolds_operator(S1, inv, rho.matrices)
    np.testing.assert_allclose(S1, S2, atol=1e-12)
    assert intertwiner_residual(S1[None], rho, rho) <= 1e-12


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 6), dihedral_group=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_hypothesis_random_change_of_basis(n, dihedral_group, seed):
    G = dihedral(n) if dihedral_group else cyclic(n)
    rng = np.random.default_rng(seed)
    a, b = _random_basis_rep(G, rng), _random_basis_rep(G, rng)
    null = intertwiners(a, b)
    rey = intertwiners(a, b, method="reynolds", rng=rng)
    assert len(null) == len(rey) == hom_dimension(a, b)
    assert subspace_gap(null, rey) <= 1e-8
    scale = max(np.abs(a.matrices).max(), np.abs(b.matrices).max())
    assert intertwiner_residual(null, a, b) <= 1e-11 * scale


def test_reynolds_refuses_scrambled_element_order():
    psi = irrep(dihedral(4), "rot_1").matrices
    scrambled = psi[[0, 2, 1, 3, 4, 5, 6, 7]]  # r and r^2 swapped: not a representation
    with pytest.raises(ValueError, match="numerical rank 4 but trace 0.5"):
        reynolds_basis(psi, scrambled, rng=0)


def test_intertwiners_errors():
    G, H = dihedral(3), cyclic(6)
    with pytest.raises(ValueError, match="same group"):
        intertwiners(G.regular_representation(), irrep(cyclic(4), "rot_1"))
    with pytest.raises(ValueError, match="different groups"):
        intertwiners(G.regular_representation(), H.regular_representation())
    with pytest.raises(ValueError, match="method"):
        intertwiners(G.regular_representation(), G.regular_representation(), method="svd")
    with pytest.raises(ValueError, match="rtol"):
        intertwiners(G.regular_representation(), G.regular_representation(), rtol=2.0)
    with pytest.raises(TypeError, match="rho_in"):
        intertwiners("regular", G.regular_representation())
    with pytest.raises(ValueError, match=r"\(2, 3, 3\).*\(1, 2, 2\)"):
        nullspace_basis(np.zeros((2, 3, 3)), np.zeros((1, 2, 2)))


# ------------------------------------------------------------------ equivariance checks


def test_check_equivariance_reports_worst_element():
    G = dihedral(4)
    R = G.regular_representation()
    layer = EquivariantLinear(R, R, seed=0, bias=True)
    rep = check_equivariance(layer, G, R, R, rng=0)
    assert rep.ok and rep.worst_error <= 1e-12 and set(rep.errors) == set(G.labels)
    # M commutes with the rotations (they keep the coset of s) but not with reflections.
    M = np.diag(np.where(np.arange(8) < 4, 1.0, 2.0))
    bad = check_equivariance(lambda x: M @ x, G, R, R, rng=0)
    assert not bad.ok and bad.worst_element.endswith("s") and "not equivariant" in bad.reason
    assert bad.errors["e"] == 0.0 and bad.errors["r"] == 0.0 and bad.errors["s"] > 0.1


def test_check_equivariance_refuses_elements_outside_group():
    G = dihedral(4)
    R = G.regular_representation()
    f = EquivariantLinear(R, R, seed=1)
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(f, G, R, R, elements=[8])
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(f, G, R, R, elements=[-1])
    with pytest.raises(ValueError, match="'t', which is not an element of D4"):
        check_equivariance(f, G, R, R, elements=["t"])
    with pytest.raises(ValueError, match="is not rho\\(g\\) for any g"):
        check_equivariance(f, G, R, R, elements=[np.eye(8)[[1, 0, 2, 3, 4, 5, 6, 7]]])
    with pytest.raises(TypeError):
        check_equivariance(f, G, R, R, elements=[True])
    # a matrix that is rho(g) is accepted and resolved to g
    rep = check_equivariance(f, G, R, R, elements=[R("rs"), "r", 0], rng=0)
    assert set(rep.errors) == {"rs", "r", "e"}
    with pytest.raises(ValueError, match="representation of C4, not of D4"):
        check_equivariance(f, G, cyclic(4).regular_representation(), R)


@settings(max_examples=25, deadline=None)
@given(g=st.one_of(st.integers(max_value=-1), st.integers(min_value=8)),
       label=st.text(min_size=1, max_size=4))
def test_hypothesis_refuses_any_index_or_label_outside_group(g, label):
    G = dihedral(4)
    R = G.regular_representation()
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(lambda x: x, G, R, R, elements=[g])
    if label not in G.labels:
        with pytest.raises(ValueError, match="not an element of D4"):
            check_equivariance(lambda x: x, G, R, R, elements=[label])


def test_check_equivariance_dimension_mismatch_names_shapes():
    G = cyclic(4)
    R = G.regular_representation()
    psi = irrep(G, "rot_1")
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\); got shape \(4,\)"):
        check_equivariance(lambda x: x, G, R, psi, rng=0)
    layer = EquivariantLinear(R, psi, seed=0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\), got shape \(3,\)"):
        layer(np.ones(3))


def test_check_equivariance_samples_large_groups():
    G = dihedral(600)
    # the defining 2-d representation, built directly (irreps(G) would build all 300)
    k, j = np.arange(G.order) % 600, np.arange(G.order) // 600
    c, s = np.cos(2 * np.pi * k / 600), np.sin(2 * np.pi * k / 600)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    psi = Representation(G, rot @ np.where(j[:, None, None] == 1, np.diag([1.0, -1.0]),
                                           np.eye(2)), check="generators")
    rep = check_equivariance(lambda x: 2.0 * x, G, psi, psi, rng=0)
    assert rep.ok and rep.sampled and len(rep.errors) <= 64 + len(G.generators)
    assert {G.labels[g] for g in G.generators} <= set(rep.errors)


def test_tolerance_from_dtype():
    G = cyclic(4)
    R = G.regular_representation()
    f64 = check_equivariance(lambda x: x, G, R, R, rng=0)
    f32 = check_equivariance(lambda x: x.astype(np.float32), G, R, R, rng=0)
    ratio = f32.tolerance / f64.tolerance
    assert ratio == pytest.approx(np.finfo(np.float32).eps / np.finfo(np.float64).eps)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 6))
def test_hypothesis_equivariant_linear_layers(seed, n):
    G = dihedral(n)
    rng = np.random.default_rng(seed)
    a = direct_sum(G.regular_representation(), _random_basis_rep(G, rng))
    b = _random_basis_rep(G, rng, parts=3)
    layer = EquivariantLinear(a, b, seed=rng)
    rep = check_equivariance(layer, G, a, b, rng=rng)
    assert rep.ok, rep.reason
    assert rep.worst_error <= 1e-12


# ------------------------------------------------------------------ convolutions


@pytest.mark.parametrize("G", [cyclic(4), dihedral(4)], ids=lambda G: G.name)
@pytest.mark.parametrize("padding,ks", [("valid", 3), ("same", 3), ("valid", 4)])
def test_lifting_and_group_conv_equivariant(G, padding, ks):
    rng = np.random.default_rng(0)
    lift = LiftingConv(G, 2, 3, ks, seed=1, padding=padding)
    gconv = GroupConv(G, 3, 2, ks, seed=2, padding=padding)
    xs = [rng.standard_normal((2, 9, 9)) for _ in range(2)]
    r1 = check_equivariance(lift, G, GridAction(G, axes=(-2, -1)), GroupGridAction(G), inputs=xs)
    r2 = check_equivariance(lambda x: gconv(lift(x)), G, GridAction(G, axes=(-2, -1)),
                            GroupGridAction(G), inputs=xs)
    for r in (r1, r2):
        assert r.ok and r.worst_error <= 1e-12 and len(r.errors) == G.order


def test_unshared_filters_are_not_equivariant():
    G = cyclic(4)
    rng = np.random.default_rng(0)
    bank = rng.standard_normal((4, 1, 3, 3))  # four independent filters, no sharing
    xs = [rng.standard_normal((1, 7, 7))]

    def as_group(x):  # read the four output channels as the group axis
        return correlate2d(x, bank).reshape(1, 4, 5, 5)

    r = check_equivariance(as_group, G, GridAction(G, axes=(-2, -1)), GroupGridAction(G),
                           inputs=xs)
    assert not r.ok and r.worst_error > 0.1


def test_group_grid_action_and_conv_values():
    G = dihedral(4)
    assert verify_action(GroupGridAction(G, size=3, channels=2), samples=1, rng=0).ok
    # a delta kernel at the centre makes the lifting conv copy the image into every g
    k = np.zeros((1, 1, 3, 3))
    k[0, 0, 1, 1] = 1.0
    x = np.random.default_rng(0).standard_normal((1, 5, 5))
    out = LiftingConv(G, 1, 1, kernel=k, padding="same")(x)
    for g in range(8):
        np.testing.assert_array_equal(out[0, g], x[0])
    # correlate2d against a direct double loop
    kern = np.random.default_rng(1).standard_normal((2, 1, 3, 2))
    got = correlate2d(x, kern)
    ref = np.array([[[np.sum(kern[o, 0] * x[0, i:i + 3, j:j + 2]) for j in range(4)]
                     for i in range(3)] for o in range(2)])
    np.testing.assert_allclose(got, ref, atol=1e-13)


def test_conv_errors():
    with pytest.raises(ValueError, match="does not act exactly on a square grid"):
        LiftingConv(cyclic(8), 1, 1)
    with pytest.raises(ValueError, match="odd kernel"):
        correlate2d(np.ones((1, 5, 5)), np.ones((1, 1, 2, 2)), padding="same")
    with pytest.raises(ValueError, match=r"c_in = 2 \(from x of shape \(2, 5, 5\)\)"):
        correlate2d(np.ones((2, 5, 5)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"\(3, 8, H, W\), got shape \(3, 4, 5, 5\)"):
        GroupConv(dihedral(4), 3, 1)(np.ones((3, 4, 5, 5)))


# ------------------------------------------------------------------ Fourier


@pytest.mark.parametrize("N", [1, 2, 3, 4, 7, 8])
def test_cyclic_spectral_norm_is_fft_formula(N):
    w = np.random.default_rng(N).standard_normal((N, 3, 2))
    fft = max(np.linalg.norm(b, 2) for b in np.fft.fft(w, axis=0))
    sn = spectral_norm_equivariant(w, cyclic(N))
    assert abs(sn.value - fft) <= 1e-12 * max(1.0, fft)
    assert abs(sn.value - np.linalg.norm(equivariant_matrix(w, cyclic(N)), 2)) <= 1e-10
    # on an abelian group the inverse convention gives the same number
    assert abs(spectral_norm_equivariant(w, cyclic(N), indexing="gh^-1").value - fft) <= 1e-12


def test_single_channel_circulant_matches_fft_of_first_row():
    c = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    W = equivariant_matrix(c, cyclic(5))  # (Wf)(g) = sum_h c(h) f(g+h): circulant rows
    np.testing.assert_array_equal(W[0], c)
    assert spectral_norm_equivariant(c, cyclic(5)).value == pytest.approx(
        np.abs(np.fft.fft(c)).max(), abs=1e-12)


@pytest.mark.parametrize("N", [3, 4, 5, 8])
def test_fourier_matches_dense_svd_on_dihedral(N):
    G = dihedral(N)
    w = np.random.default_rng(10 + N).standard_normal((G.order, 4, 3))
    for indexing in ("gh", "gh^-1"):
        dense = np.linalg.norm(equivariant_matrix(w, G, indexing=indexing), 2)
        assert abs(spectral_norm_equivariant(w, G, indexing=indexing).value - dense) <= 1e-10


def _two_dim_only(w, G):
    fh = group_fourier_transform(w, G)
    for p in irreps(G):
        if p.dim == 1:
            fh[p.name] = 0 * fh[p.name]
    return inverse_group_fourier_transform(fh, G)


@pytest.mark.parametrize("N", [3, 4, 5, 6])
def test_wrong_convention_differs_on_dihedral(N):
    G = dihedral(N)
    w = _two_dim_only(np.random.default_rng(N).standard_normal((G.order, 3, 3)), G)
    assert not np.allclose(w, np.swapaxes(w, 1, 2))
    dense = np.linalg.norm(equivariant_matrix(w, G), 2)
    right = spectral_norm_equivariant(w, G).value
    wrong = spectral_norm_equivariant(w, G, indexing="gh^-1").value
    assert abs(right - dense) <= 1e-10
    assert abs(wrong - dense) > 1e-3 * dense


@pytest.mark.parametrize("G", [cyclic(6), dihedral(3), dihedral(4), klein_four(), symmetric(4)],
                         ids=lambda G: G.name)
def test_plancherel_inverse_and_block_diagonalization(G):
    rng = np.random.default_rng(0)
    f = rng.standard_normal((G.order, 2, 3))
    fh = group_fourier_transform(f, G)
    np.testing.assert_allclose(inverse_group_fourier_transform(fh, G), f, atol=1e-12)
    energy = sum(p.dim / p.endomorphism_dim * np.sum(fh[p.name] ** 2) for p in irreps(G))
    assert energy / G.order == pytest.approx(np.sum(f**2), rel=1e-12)
    B = isotypic_basis(G)
    np.testing.assert_allclose(B.Q.T @ B.Q, np.eye(G.order), atol=1e-12)
    bd = block_diagonalize(equivariant_matrix(f, G), G, c_out=2, c_in=3)
    assert bd.residual <= 1e-12
    blocks = fourier_blocks(f, G)
    for name, blk in bd.blocks.items():
        np.testing.assert_allclose(blk, blocks[name], atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 7), dihedral_group=st.booleans(), c_out=st.integers(1, 3),
       c_in=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_hypothesis_fourier_norm_equals_svd(n, dihedral_group, c_out, c_in, seed):
    G = dihedral(n) if dihedral_group else cyclic(n)
    w = np.random.default_rng(seed).standard_normal((G.order, c_out, c_in))
    dense = np.linalg.norm(equivariant_matrix(w, G), 2)
    assert abs(spectral_norm_equivariant(w, G).value - dense) <= 1e-10 * max(1.0, dense)


def test_fourier_errors():
    G = dihedral(3)
    with pytest.raises(ValueError, match=r"\|G\| = 6, got shape \(5, 2, 2\)"):
        spectral_norm_equivariant(np.ones((5, 2, 2)), G)
    with pytest.raises(ValueError, match="indexing"):
        spectral_norm_equivariant(np.ones(6), G, indexing="hg")
    with pytest.raises(ValueError, match="non-finite entry at index \\(2, 0, 0\\)"):
        spectral_norm_equivariant(np.array([0, 0, np.nan, 0, 0, 0.0]), G)
    with pytest.raises(ValueError, match="complete list"):
        spectral_norm_equivariant(np.ones(6), G, irreps=irreps(G)[:2])
    with pytest.raises(ValueError, match=r"\(12, 12\), got shape \(6, 6\)"):
        block_diagonalize(np.eye(6), G, 2, 2)


# ------------------------------------------------------------------ claims

CLAIMS = ["group-appendix.hom-dimension", "group-appendix.conv-equivariance",
          "group-appendix.fourier-spectral-norm"]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claims_pass_and_controls_fail(claim_id):
    res = assert_claim_passes(claim_id)
    assert res.control.verdict == "FAILS"
    assert run_claim(get_claim(claim_id), profile="quick", seed=1).verdict == "PASS"


def test_claim_evidence_values():
    hom = assert_claim_passes("group-appendix.hom-dimension")
    assert hom.check.measured["mismatches"] == 0
    assert hom.control.measured["mismatches"] > 0
    conv = assert_claim_passes("group-appendix.conv-equivariance")
    assert conv.check.measured["max_relative_error"] <= 1e-12
    assert conv.control.measured["max_relative_error"] > 0.1
    four = assert_claim_passes("group-appendix.fourier-spectral-norm")
    assert four.check.measured["max_rel_error"] <= 1e-10
    assert four.check.measured["min_wrong_convention_gap_nonabelian"] > 1e-3
    assert four.control.measured["max_rel_error"] > 1e-3
