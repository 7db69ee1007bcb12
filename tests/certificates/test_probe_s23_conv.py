"""Session 23: the Gram route's tap-pair products one tap at a time where all at once
would not fit in memory ((k^2 c)^2 floats: 5 GB at c = 512 with 7 x 7 taps)."""

from __future__ import annotations

import numpy as np
import pytest

from specproof.certificates import circular_singular_values, conv2d_operator
from specproof.certificates import convolution_grams as cg


@pytest.mark.parametrize("shape,grid", [((5, 7, 3, 4), (9, 8)), ((7, 5, 3, 3), (6, 6)),
                                        ((3, 3, 1, 5), (4, 7))])
def test_one_tap_at_a_time_equals_the_dense_svd(monkeypatch, shape, grid):
    K = np.random.default_rng(sum(shape)).standard_normal(shape)
    dense = np.linalg.svd(conv2d_operator(K, grid, mode="circular").dense(), compute_uv=False)
    c, kh, kw = min(shape[:2]), shape[2], shape[3]
    # one byte short of the whole product array: the per-tap branch
    monkeypatch.setattr(cg, "_PAIR_PRODUCTS_BYTES", 8 * (kh * kw * c) ** 2 - 1)
    per_tap = circular_singular_values(K, grid)
    assert np.abs(per_tap - dense).max() < 1e-12 * dense[0]
    monkeypatch.setattr(cg, "_PAIR_PRODUCTS_BYTES", 8 * (kh * kw * c) ** 2)
    whole = circular_singular_values(K, grid)
    assert np.abs(whole - dense).max() < 1e-12 * dense[0]
    assert np.abs(per_tap - whole).max() < 1e-13 * dense[0]
