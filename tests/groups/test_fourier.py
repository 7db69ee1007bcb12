"""Group Fourier transform, spectral norms of equivariant maps, block diagonalization."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    block_diagonalize,
    cyclic,
    dihedral,
    equivariant_matrix,
    fourier_blocks,
    group_fourier_transform,
    inverse_group_fourier_transform,
    irreps,
    isotypic_basis,
    klein_four,
    spectral_norm_equivariant,
    symmetric,
)


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
    with pytest.raises(ValueError, match="w has a non-finite entry nan at index \\(2, 0, 0\\)"):
        spectral_norm_equivariant(np.array([0, 0, np.nan, 0, 0, 0.0]), G)
    with pytest.raises(ValueError, match="complete list"):
        spectral_norm_equivariant(np.ones(6), G, irreps=irreps(G)[:2])
    with pytest.raises(ValueError, match=r"\(12, 12\), got shape \(6, 6\)"):
        block_diagonalize(np.eye(6), G, 2, 2)

