"""Findings of the eighth adversarial probe of specproof.groups, one section per finding.

1. Fourier transforms and spectral norms overflowed to inf / NaN / a wrong 0.0 (or
   numpy's LinAlgError) for finite filters.
2. ``intertwiners`` trusted ``generators=`` and plain arrays: wrong bases, no error.
3. Bool and integer plain arrays gave wrong traces.
4. The convolutions dropped imaginary parts; non-finite inputs went through.
5. float32 canonical bases, numpy-scalar ``rtol`` and zero-dimensional sides.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError
from specproof.groups import (
    EquivariantLinear,
    GroupConv,
    LiftingConv,
    NotAHomomorphismError,
    correlate2d,
    cyclic,
    dihedral,
    fourier_blocks,
    group_fourier_transform,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    inverse_group_fourier_transform,
    spectral_norm_equivariant,
)
from specproof.groups.canonical_basis import canonical_basis

D4 = dihedral(4)


def _orthogonal(d: int, seed: int = 0) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))[0]


# ---------------------------------------------------------------- 1. Fourier overflow


def test_spectral_norm_is_homogeneous_up_to_float64_and_refused_beyond():
    w = np.random.default_rng(1).standard_normal((8, 3, 2))
    base = spectral_norm_equivariant(w, D4)
    assert base.value == pytest.approx(7.3226314098553, rel=1e-12)
    for scale in (2.0**1000, 1e300, 1e-300):
        big = spectral_norm_equivariant(w * scale, D4)
        assert abs(big.value / (scale * base.value) - 1.0) <= 1e-13
        assert big.irrep == base.irrep
        for name, v in base.block_norms.items():
            assert abs(big.block_norms[name] - scale * v) <= 1e-13 * scale * v
    # representable up to the top of float64: sqrt(2) * 1e308
    w = np.zeros((8, 2, 2))
    w[0] = [[1e308, 1e308], [1e308, -1e308]]
    assert abs(spectral_norm_equivariant(w, D4).value / (math.sqrt(2) * 1e308) - 1) <= 1e-13
    for w in (np.full((8, 1, 1), 3e307),               # was SpectralNorm(value=nan)
              np.full((8, 1, 1), 1e308),               # was numpy's LinAlgError
              np.r_[1e308, 0.0, -1e308, np.zeros(5)]):  # was 0.0 (rot_1 block: 2e308 I)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning on the way either
            with pytest.raises(ComputationError, match=r"defined by w .*beyond float64"):
                spectral_norm_equivariant(w, D4)


def test_fourier_transform_beyond_float64_is_refused_naming_f():
    # was {'trivial': [[inf]], ...}: sum of 8 entries of 1e308
    with pytest.raises(ComputationError, match=r"f\^\(trivial\) .*transform of f overflows"):
        group_fourier_transform(np.full(8, 1e308), D4)
    with pytest.raises(ComputationError, match=r"'trivial'.*transform of w overflows"):
        fourier_blocks(np.full(8, 1e308), D4)
    fh = group_fourier_transform(np.full(8, 2e307), D4)  # 1.6e308 still fits
    assert fh["trivial"][0, 0] == 1.6e308


def test_inverse_fourier_transform_sums_without_overflow():
    # the delta 1e308 at e: each irrep contributes (d/c) tr psi(e) 1e308, partial sums
    # 4e308 and more, but f(e) = 1e308; the old sum gave [inf, inf, nan, inf, 0, ...]
    f = np.r_[1e308, np.zeros(7)]
    back = inverse_group_fourier_transform(group_fourier_transform(f, D4), D4)[:, 0, 0]
    assert np.all(np.isfinite(back))
    assert np.max(np.abs(back - f)) <= 1e-14 * 1e308


# ---------------------------------------------------------------- 2. generators, plain arrays


def test_generators_that_do_not_generate_the_group_are_refused():
    R = D4.regular_representation()
    assert hom_dimension(R, R) == 8
    # were bases of 16 and 64 matrices
    with pytest.raises(ArgumentError, match=r"generators \[1\] generate only 4 of the 8 "
                                            r"elements of D4"):
        intertwiners(R, R, generators=[1])
    with pytest.raises(ArgumentError, match=r"generators \[\] generate only 1 of the 8"):
        intertwiners(R, R, generators=[])
    # the dense path says so too, instead of blaming an ill-conditioned basis
    Rp = R.change_of_basis(_orthogonal(8))
    with pytest.raises(ArgumentError, match=r"generate only 4 of the 8"):
        intertwiners(Rp, Rp, generators=[1], structure="dense")
    assert intertwiners(R, R, generators=[1, 4]).shape == (8, 8, 8)
    assert intertwiners(R, R, generators=[5, 4, 1]).shape == (8, 8, 8)


def test_plain_generators_that_do_not_generate_are_refused():
    R = D4.regular_representation()
    M, Mp = R.matrices, R.change_of_basis(_orthogonal(8)).matrices
    for a in (M, Mp):
        with pytest.raises(ArgumentError, match=r"generators \[1\] do not generate .*"
                                                r"reach 4 of the 8 elements"):
            intertwiners(a, a, generators=[1])
        basis = intertwiners(a, a, generators=[1, 4])
        assert basis.shape == (8, 8, 8)
        assert intertwiner_residual(basis, a, a) < 1e-12


def test_a_plain_array_is_checked_against_the_other_sides_group():
    D5 = dihedral(5)
    C10 = cyclic(10).regular_representation().matrices
    # was a basis of one matrix
    with pytest.raises(NotAHomomorphismError, match=r"rho_in: .*not a representation of D5"):
        intertwiners(C10, D5.regular_representation())
    P = _orthogonal(10)
    skew = P @ C10 @ P.T  # not permutation matrices: the dense check
    with pytest.raises(NotAHomomorphismError, match=r"rho_out"):
        intertwiners(D5.regular_representation(), skew)
    good = D5.regular_representation().matrices
    assert intertwiners(D5.regular_representation(), good).shape == (10, 10, 10)


def test_plain_arrays_in_different_element_orders_are_refused():
    R = D4.regular_representation().matrices
    perm = np.random.default_rng(0).permutation(8)
    # was a basis of one matrix, unchecked on the orbit path
    with pytest.raises(ComputationError, match=r"not representations of one group with the "
                                               r"same element order"):
        intertwiners(R, R[perm])
    with pytest.raises(ComputationError, match=r"not representations of one group"):
        intertwiners(R, R[perm], structure="dense")


# ---------------------------------------------------------------- 3. bool and int arrays


def test_bool_and_integer_arrays_are_read_as_floats():
    R = dihedral(5).regular_representation().matrices
    expected = intertwiners(R, R, structure="dense")
    for dtype in (bool, np.int8, np.uint8):
        Rb = R.astype(dtype)
        # bool: was a ComputationError (dense) and "rank 9 but trace 1" (reynolds)
        for kw in ({"structure": "dense"}, {"method": "reynolds", "rng": 0}, {}):
            basis = intertwiners(Rb, Rb, **kw)
            assert basis.shape == (10, 10, 10)
            assert basis.dtype == np.float64
            assert np.max(np.abs(basis - expected)) < 1e-12


# ---------------------------------------------------------------- 4. layers: complex, NaN


def test_convolutions_refuse_complex_input_and_kernels():
    lift = LiftingConv(D4, 1, 2, 3, seed=0)
    with pytest.raises(ArgumentTypeError, match=r"x must be real, got dtype complex128"):
        lift(np.ones((1, 7, 7)) * (1 + 1j))  # was float64 output, the imaginary part lost
    with pytest.raises(ArgumentTypeError, match=r"kernel must be real"):
        LiftingConv(D4, 1, 1, kernel=np.ones((1, 1, 3, 3)) * 1j)
    with pytest.raises(ArgumentTypeError, match=r"kernel must be real"):
        GroupConv(D4, 1, 1, kernel=np.ones((1, 1, 8, 3, 3), dtype=complex))
    gconv = GroupConv(D4, 1, 1, 3, seed=0)
    with pytest.raises(ArgumentTypeError, match=r"x must be real"):
        gconv(np.ones((1, 8, 5, 5)) * 1j)
    with pytest.raises(ArgumentTypeError, match=r"kernels must be real"):
        correlate2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)) * 1j)
    assert correlate2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2))).tolist() == [[[4.0] * 2] * 2]


def test_layers_refuse_non_finite_inputs_and_coefficients():
    R = D4.regular_representation()
    layer = EquivariantLinear(R, R, seed=0)
    x = np.ones(8)
    x[1] = np.nan
    with pytest.raises(ArgumentError, match=r"x has a non-finite entry nan at index \(1,\)"):
        layer(x)
    img = np.ones((1, 7, 7))
    img[0, 2, 3] = np.inf
    with pytest.raises(ArgumentError, match=r"x has a non-finite entry inf at index "
                                            r"\(0, 2, 3\)"):
        LiftingConv(D4, 1, 2, 3, seed=0)(img)
    F = np.ones((1, 8, 5, 5))
    F[0, 7, 4, 4] = -np.inf
    with pytest.raises(ArgumentError, match=r"x has a non-finite entry -inf at index "
                                            r"\(0, 7, 4, 4\)"):
        GroupConv(D4, 1, 1, 3, seed=0)(F)
    with pytest.raises(ArgumentError, match=r"coefficients has a non-finite entry nan at "
                                            r"index \(0,\)"):
        EquivariantLinear.from_coefficients(np.eye(2)[None], [np.nan])
    with pytest.raises(ArgumentTypeError, match=r"coefficients must be real"):
        EquivariantLinear.from_coefficients(np.eye(2)[None], [1j])
    # a complex x is mapped exactly (W is linear), not refused
    out = layer(np.arange(8.0) * 1j)
    assert np.allclose(out, 1j * layer(np.arange(8.0)), rtol=0, atol=1e-13)


# ---------------------------------------------------------------- 5. small ones


def test_canonical_basis_accepts_an_orthonormal_float32_basis():
    # a basis with overlapping supports (D4's regular representation in a rotated basis):
    # its float32 Gram matrix is off the identity by ~1e-7, refused at the fixed atol 1e-8
    Rp = D4.regular_representation().change_of_basis(_orthogonal(8))
    B = intertwiners(Rp, Rp)
    C = canonical_basis(B.astype(np.float32))
    assert C.dtype == np.float32
    assert np.max(np.abs(C - B)) < 1e-5
    with pytest.raises(ArgumentError, match="orthonormal rows"):
        canonical_basis((2 * B).astype(np.float32))


def test_rtol_accepts_numpy_floats_only():
    R = D4.regular_representation()
    ref = intertwiners(R, R, structure="dense")
    for rtol in (np.float32(1e-6), np.float64(1e-6), 1e-6):
        basis = intertwiners(R, R, structure="dense", rtol=rtol)
        assert np.max(np.abs(basis - ref)) < 1e-13
    for bad in (True, 0, np.int64(0), np.float32(1.5), float("nan")):
        with pytest.raises(ArgumentError, match="rtol must be a float in"):
            intertwiners(R, R, rtol=bad)


def test_zero_dimensional_sides_give_the_empty_basis():
    # Hom from or to the zero space is {0}: was numpy's "argmax of an empty sequence"
    for method in ("nullspace", "reynolds"):
        assert intertwiners(np.ones((1, 0, 0)), np.ones((1, 1, 1)), method).shape == (0, 1, 0)
        assert intertwiners(np.ones((1, 1, 1)), np.ones((1, 0, 0)), method).shape == (0, 0, 1)
    assert intertwiners(np.ones((2, 0, 0)), cyclic(2).regular_representation()).shape == (
        0, 2, 0)
