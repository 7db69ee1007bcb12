"""``convnorm_operator(V=...)``: a user-supplied filter must be a ConvNorm filter."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral.convnorm import convnorm_operator
from specproof.spectral.convnorm_fourier import convnorm_filter

K = np.random.default_rng(3).standard_normal((2, 3, 3, 3))


@settings(max_examples=40, deadline=None)
@given(
    idx=st.tuples(st.integers(0, 1), st.integers(0, 4), st.integers(0, 2)),
    bad=st.sampled_from([0.0, -0.0, -1.0, -5e-324, -1e300]),
)
def test_non_positive_entry_is_refused_and_named(idx, bad):
    V = convnorm_filter(K, 5).copy()
    V[idx] = bad
    where = rf"V\[{idx[0]}, {idx[1]}, {idx[2]}\]"
    with pytest.raises(ArgumentError, match=rf"V must be positive.*{where}"):
        convnorm_operator(K, 5, form="circular", V=V)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_entry_is_refused(bad):
    V = convnorm_filter(K, 5).copy()
    V[1, 2, 1] = bad
    with pytest.raises(ArgumentError, match="V"):
        convnorm_operator(K, 5, form="circular", V=V)


def test_complex_filter_is_refused():
    V = convnorm_filter(K, 5).astype(complex)
    with pytest.raises(ArgumentTypeError, match="V must be real"):
        convnorm_operator(K, 5, form="circular", V=V)


def test_float32_filter_is_the_same_operator_as_its_float64_copy():
    V32 = convnorm_filter(K, 5).astype(np.float32)
    a = convnorm_operator(K, 5, form="circular", V=V32).dense()
    b = convnorm_operator(K, 5, form="circular", V=V32.astype(np.float64)).dense()
    assert a.dtype == np.float64
    assert np.array_equal(a, b)


def test_own_filter_passed_back_gives_the_default_operator():
    a = convnorm_operator(K, 5, form="circular").dense()
    b = convnorm_operator(K, 5, form="circular", V=convnorm_filter(K, 5)).dense()
    assert np.array_equal(a, b)
    # and the rows of each channel block are orthonormal (ConvNorm's isometry)
    B0 = a[:25]
    assert np.abs(B0 @ B0.T - np.eye(25)).max() < 1e-12
