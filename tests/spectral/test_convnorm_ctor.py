"""ConvNorm's constructor refuses a bad geometry or affine before any training call."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral import ConvNorm

K = np.random.default_rng(0).standard_normal((4, 3, 3, 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stride": 0}, ArgumentError, "stride must be >= 1"),
        ({"stride": (1, 0)}, ArgumentError, "stride must be >= 1"),
        ({"stride": (1, 2, 3)}, ArgumentError, "stride must be an int or a pair"),
        ({"stride": 1.5}, ArgumentTypeError, "stride must be an int or a pair"),
        ({"stride": True}, ArgumentTypeError, "stride must be an int or a pair"),
        ({"padding": -1}, ArgumentError, "padding must be >= 0"),
        ({"padding": 3}, ArgumentError, r"padding \(3, 3\) must be at most kernel_size - 1"),
        ({"affine_weight": np.ones((3, 3, 3))}, ArgumentError,
         r"affine_weight must have shape \(4, 3, 3\)"),
        ({"affine_weight": np.ones((4, 9))}, ArgumentError, "affine_weight must have shape"),
        ({"affine_bias": np.ones(3)}, ArgumentError, r"affine_bias must have shape \(4,\)"),
    ],
)
def test_bad_constructor_arguments_are_refused_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        ConvNorm(K, **kwargs)


def test_pairs_and_torch_depthwise_layout_are_accepted():
    w = np.zeros((4, 1, 3, 3))
    w[:, 0, 1, 1] = 2.0  # twice the identity, in torch's (C, 1, k, k) layout
    doubled = ConvNorm(K, stride=[1, 2], padding=(1, 1), affine_weight=w)
    plain = ConvNorm(K, stride=(1, 2), padding=1)
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8))
    y2, y1 = doubled(x), plain(x)
    assert y1.shape == (2, 4, 8, 4)
    assert np.abs(y2 - 2.0 * y1).max() <= 1e-14 * np.abs(y1).max()
