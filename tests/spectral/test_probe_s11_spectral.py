"""Spectral normalization and ConvNorm inputs an adversarial probe found mishandled.

A ConvNorm filter from a Fourier energy within the FFT's rounding of zero, a subnormal
scale, masked arrays, truthy strings as flags, and tensors without values here: each was
accepted (and gave a wrong or meaningless number) before its fix.
"""

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError, as_matrix
from specproof.spectral import (
    BSNPowerIteration,
    ConvNorm,
    PowerIterationSN,
    bsn_normalize,
    conv_operator_normalize,
    convnorm_filter,
    cosine_rampdown,
    depthwise_affine,
    spectral_normalize,
)


def _notch(N):
    # [1, -2 cos(4 pi / N), 1] has K_hat = 0 at frequency 2 in exact arithmetic; its float
    # taps leave an energy of order 1e-32, which the FFT rounds to anything from 0 to 4e-32
    t = 2 * np.cos(2 * np.pi * 2 / N)
    return np.array([1.0, -t, 1.0]).reshape(1, 1, 1, 3)


@pytest.mark.parametrize("N", [7, 9, 11, 13, 17, 31])
def test_an_energy_within_the_fft_rounding_of_zero_is_refused(N):
    # before: V = 1.8e16 for a true 7.6e15 at N = 9 (136 % off), the report then saying
    # ConvNorm's guarantee fails (||B_0|| = 4.33); or the zero-energy error, by chance
    with pytest.raises(ArgumentError, match=r"channel 0 has .*at frequency \(0, 2\)"):
        convnorm_filter(_notch(N), (1, N))


def test_a_small_but_resolved_energy_still_gives_v():
    # |K_hat| = 1e-5 of ||K|| at one frequency: far above the FFT's rounding, V is accurate
    N = 9
    K = _notch(N).copy()
    K[0, 0, 0, 1] += 1e-5
    V = convnorm_filter(K, (1, N))
    z = np.sum(K[0, 0, 0] * np.exp(-2j * np.pi * 2 * np.arange(3) / N))
    assert abs(V[0, 0, 2] * abs(z) - 1.0) < 1e-9


def test_an_exact_zero_is_still_named_as_such():
    with pytest.raises(ArgumentError, match="zero Fourier energy"):
        convnorm_filter(np.array([1.0, -2.0, 1.0]).reshape(1, 1, 1, 3), (1, 8))


@pytest.mark.parametrize("c", [1e-310, 2e-309, 5e-324])
def test_conv_operator_normalize_refuses_a_subnormal_scale(c):
    K = np.random.default_rng(1).standard_normal((3, 2, 3, 3))
    with pytest.raises(ArgumentError, match="below the smallest normal"):
        conv_operator_normalize(K, 6, c=c, mode="circular")


def test_masked_arrays_are_refused_not_read_through_their_mask():
    W = np.ma.array([[3.0, 100.0], [0.0, 1.0]], mask=[[0, 1], [0, 0]])
    for f in (spectral_normalize, bsn_normalize, lambda w: as_matrix(w, "weight")):
        with pytest.raises(ArgumentTypeError, match="masked array"):
            f(W)


@pytest.mark.parametrize("flag", ["no", None, 0, 1.0])
def test_flags_must_be_bools(flag):
    W = np.diag([3.0, 1.0])
    with pytest.raises(ArgumentTypeError, match="training must be a bool"):
        PowerIterationSN(W, seed=0)(W, training=flag)
    K = np.ones((2, 2, 1, 1))
    with pytest.raises(ArgumentTypeError, match="training must be a bool"):
        BSNPowerIteration(K, seed=0)(K, training=flag)
    with pytest.raises(ArgumentTypeError, match="affine must be a bool"):
        ConvNorm(np.ones((1, 1, 3, 3)), affine=flag)


def test_numpy_bools_are_flags_and_np_matrix_a_plain_matrix():
    W = np.diag([3.0, 1.0])
    a = PowerIterationSN(W, seed=0)(W, training=np.True_)
    b = PowerIterationSN(np.matrix(W), seed=0)(np.matrix(W))
    assert type(b) is np.ndarray and np.array_equal(a, b)
    assert ConvNorm(np.ones((1, 1, 3, 3)), affine=np.False_).affine is False


def test_meta_and_sparse_tensors_are_named():
    torch = pytest.importorskip("torch", reason="torch not installed (extra 'torch')")
    with pytest.raises(ArgumentTypeError, match="weight is a tensor on the meta device"):
        spectral_normalize(torch.ones(3, 3, device="meta"))
    with pytest.raises(ArgumentTypeError, match=r"weight is a torch.sparse_coo tensor"):
        spectral_normalize(torch.eye(3).to_sparse())


def test_exact_sigma_beyond_float64_is_an_error():
    from specproof.spectral import exact_sigma

    with pytest.raises(ComputationError, match="beyond float64's range"):
        exact_sigma(np.full((4, 4), 1.5e308))  # it returned inf


@pytest.mark.parametrize("args, error, message", [
    ((1, 0), ArgumentError, "length must be >= 1"),
    ((1, -10), ArgumentError, "length must be >= 1"),
    (("a",), ArgumentTypeError, "step must be an integer"),
    ((float("nan"),), ArgumentTypeError, "step must be an integer"),
])
def test_cosine_rampdown_checks_its_counts(args, error, message):
    with pytest.raises(error, match=message):
        cosine_rampdown(*args)
    assert cosine_rampdown(np.int64(20000)) == 0.5 and cosine_rampdown(-3) == 1.0


def test_depthwise_affine_refuses_an_empty_output_and_names_an_overflow():
    with pytest.raises(ArgumentError, match="larger than x's 1 x 1 grid"):
        depthwise_affine(np.ones((1, 1, 1, 1)), np.ones((1, 4, 4)), [1.0])
    x = np.full((1, 1, 3, 3), 3e38, dtype=np.float32)
    with pytest.raises(ComputationError, match="overflows float32"):
        depthwise_affine(x, np.ones((1, 3, 3), dtype=np.float32), np.zeros(1, np.float32))
