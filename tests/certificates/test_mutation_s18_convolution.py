"""Mutation-testing findings (s18): the convolution bracket against the dense operator norm."""

import itertools

import numpy as np
import pytest

from specproof.certificates.convolution import conv2d_operator
from specproof.certificates.convolution_norm import conv_operator_norm

GEOMETRIES = [  # (input_shape, kernel k x k, stride, padding)
    ((5, 5), 3, 1, 1), ((5, 5), 3, 2, 1), ((4, 6), 3, 2, 2), ((6, 6), 2, 3, 1),
    ((3, 3), 3, 1, 2), ((7, 5), 3, 3, 0), ((4, 4), 4, 2, 3),
    ((3, 3), 3, 1, 0), ((3, 4), 2, 3, 1), ((3, 3), 3, 3, 1), ((4, 3), 4, 3, 1),
]


def _dense_norm(K, shape, stride, padding):
    op = conv2d_operator(K, shape, stride=stride, padding=padding)
    return float(np.linalg.norm(op.dense(), 2))


@pytest.mark.parametrize("shape,k,stride,padding", GEOMETRIES)
def test_every_single_tap_kernel_is_bracketed(shape, k, stride, padding):
    # one nonzero tap at each kernel position: a tap that reads input pixels must count
    # (a live tap taken for a dead one, or a grid too small for the embedding, gave an
    # upper bound below the norm, or 0 for a nonzero operator)
    for a, b in itertools.product(range(k), range(k)):
        K = np.zeros((1, 1, k, k))
        K[0, 0, a, b] = 1.5
        true = _dense_norm(K, shape, stride, padding)
        nb = conv_operator_norm(K, shape, stride=stride, padding=padding)
        assert nb.lower <= true * (1 + 1e-12) and true <= nb.upper, (a, b, nb, true)
        assert (nb.upper == 0) == (true == 0), (a, b, nb.upper, true)


@pytest.mark.parametrize("shape,k,stride,padding", GEOMETRIES)
def test_random_kernels_are_bracketed(shape, k, stride, padding):
    rng = np.random.default_rng(7)
    for _ in range(3):
        K = rng.standard_normal((2, 3, k, k))
        true = _dense_norm(K, shape, stride, padding)
        nb = conv_operator_norm(K, shape, stride=stride, padding=padding)
        assert nb.lower <= true * (1 + 1e-12) and true <= nb.upper, (nb, true)


def test_an_integer_kernel_whose_norm_exceeds_the_symbols_of_a_too_small_grid():
    # on a 6 x 6 input with padding 1 the embedding needs a 7 x 7 circular grid; the
    # symbols of this kernel on 6 x 6 peak at exactly 3, below the norm 3.0237
    K = np.array([[-1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, -1.0, 0.0]]).reshape(1, 1, 3, 3)
    true = _dense_norm(K, (6, 6), 1, 1)
    assert true > 3.02
    nb = conv_operator_norm(K, (6, 6), padding=1)
    assert nb.certificate.grid == (7, 7)
    assert nb.lower <= true <= nb.upper


def test_the_fft_and_svd_margins_are_the_documented_ones():
    # specification test (no input found where the smaller margin is exceeded in practice):
    # margin >= (log2 N + 1) 8 u sqrt(N) ||K||_F + 8 max(c_out, c_in) u s on the grid N
    from specproof.certificates.convolution_spectrum import UNIT_ROUNDOFF as u

    rng = np.random.default_rng(1)
    K = rng.uniform(0.5, 0.99, (2, 3, 3, 3))  # entries in [1/2, 1): no rescaling
    nb = conv_operator_norm(K, (6, 5), padding=1)
    c = nb.certificate
    N = c.grid[0] * c.grid[1]
    fft = (np.log2(N) + 1) * 8 * u * np.sqrt(N) * np.linalg.norm(K)
    svd = 8 * 3 * u * c.sigma_computed
    assert c.margin >= (fft + svd) * (1 - 1e-9)
    assert nb.upper >= c.sigma_computed + c.margin
