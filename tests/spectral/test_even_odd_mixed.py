"""The even/odd series' mirrored square (products by gemm) and its float32 last powers.

``square_skew`` mirrors syrk's upper triangle so that the products run as ``gemm``;
``_even_odd_action`` forms the powers whose contribution ``late_powers_bound`` puts below
``u64 / u32`` of ``||x||`` in float32. These tests pin the mirror, the route taken
and that the float32 powers change the result by no more than float64's own rounding.
"""

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.spectral.optimizers import skew_even_odd as eo


def _skew(rng, d):
    X = rng.standard_normal((d, d))
    return X - X.T


@pytest.mark.parametrize("d", [1, 2, 63, 64, 65, 130, 200])
def test_square_is_exactly_symmetric_and_equals_the_product(d):
    rng = np.random.default_rng(d)
    B = _skew(rng, d)
    norm = max(float(np.linalg.norm(B, 2)), 1e-3)
    C = eo.square_skew(B, norm)
    assert C.flags.f_contiguous
    assert np.array_equal(C, C.T)   # the mirror copies, bit for bit
    ref = (B / norm) @ (B / norm)
    assert np.abs(C - ref).max() <= 1e-14 * max(1.0, np.abs(ref).max())
    P = rng.standard_normal((d, 3))
    for C_any in (C, np.ascontiguousarray(C)):
        got = eo.square_times(C_any, P, 0.5)
        assert got.flags.c_contiguous
        assert np.abs(got - 0.5 * ref @ P).max() <= 1e-13 * max(1.0, np.abs(P).max())



@pytest.mark.parametrize("n", [1, 5, 63, 64, 65, 127, 128, 129, 200])
@pytest.mark.parametrize("order", ["C", "F"])
def test_mirror_copies_the_upper_triangle_block_by_block(n, order):
    # ragged last blocks and both memory orders: every lower entry is its upper twin and
    # the upper triangle (diagonal included) is untouched
    C = np.asarray(np.random.default_rng(n).standard_normal((n, n)), order=order)
    ref = np.triu(C) + np.triu(C, 1).T
    assert np.array_equal(eo._mirror_upper(C.copy(order=order)), ref)

def _spy_float32(monkeypatch):
    calls = []
    real = eo._float32_power
    monkeypatch.setattr(eo, "_float32_power", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("x_scale", [1.0, 1e-30, 1e-300, 1e250])
def test_float32_last_powers_change_nothing_beyond_float64_rounding(monkeypatch, x_scale):
    # d = 300 and ||sA|| = 0.18, about Pion's step: the last power's bound is below the
    # float32 share, the earlier ones are not
    rng = np.random.default_rng(7)
    A = _skew(rng, 300)
    X = rng.standard_normal((300, 40)) * x_scale
    s = 0.18 / np.linalg.norm(A, 2)
    calls = _spy_float32(monkeypatch)
    mixed = eo._even_odd_action(A, X, s)
    assert calls, "no power was formed in float32: the test does not cover that route"
    monkeypatch.setattr(eo, "late_powers_bound", lambda *a: np.inf)
    plain = eo._even_odd_action(A, X, s)
    big = np.abs(X).max()
    # the two routes differ by float64 rounding only (a few ulps of X's entries)
    assert np.abs(mixed - plain).max() <= 4e-16 * big
    ref = sla.expm(s * A) @ (X / x_scale) * x_scale
    assert np.abs(mixed - ref).max() <= 2e-14 * big
    assert np.all(np.isfinite(mixed))


def test_a_zero_block_and_a_float32_input_stay_off_the_float32_powers(monkeypatch):
    rng = np.random.default_rng(8)
    A = _skew(rng, 120)
    s = 0.18 / np.linalg.norm(A, 2)
    calls = _spy_float32(monkeypatch)
    assert np.array_equal(eo._even_odd_action(A, np.zeros((120, 5)), s), np.zeros((120, 5)))
    X32 = rng.standard_normal((120, 5)).astype(np.float32)
    out = eo._even_odd_action(A.astype(np.float32), X32, s)
    assert out.dtype == np.float32 and not calls   # float32 throughout, nothing mixed


def test_large_steps_keep_float64_for_the_powers_that_matter(monkeypatch):
    # at ||sA|| = 3 (substeps of norm 1/2) every power counts: float32 only where the
    # bound allows it, and the result is still scipy's to float64 accuracy
    rng = np.random.default_rng(9)
    A = _skew(rng, 150)
    X = rng.standard_normal((150, 20))
    s = 3.0 / np.linalg.norm(A, 2)
    got = eo._even_odd_action(A, X, s)
    ref = sla.expm(s * A) @ X
    assert np.abs(got - ref).max() <= 3e-14 * 3.0 * np.abs(X).max()


@settings(max_examples=25, deadline=None)
@given(exponent=st.floats(-6, 1.5), seed=st.integers(0, 2**16), cols=st.integers(1, 12))
def test_mixed_series_is_orthogonal(exponent, seed, cols):
    rng = np.random.default_rng(seed)
    A = _skew(rng, 40)
    s = 10.0**exponent / np.linalg.norm(A, 2)
    Q = eo._even_odd_action(A, np.eye(40)[:, :cols], s)
    assert np.abs(Q.T @ Q - np.eye(cols)).max() < 2e-14 * max(1.0, 10.0**exponent)


def test_the_bound_separates_pions_last_powers_from_the_ones_before():
    # the norms measured at a 4096 x 1024 Pion step: ||P_1|| = 3.7e-3, ||P_2|| = 2.2e-5 and
    # ||P_3|| = 1.4e-7 of ||W||, r = 2 ||hB|| = 0.175; the float32 share is 2^-29 of ||W||
    share = 2.0**-53 / 2.0**-24
    assert eo.FLOAT32_SHARE == share
    assert eo.late_powers_bound(0.175, 3.7e-3, 2) > share
    # the third power's bound is about half the share: formed in float32 (an eighth of the
    # share, the rule until 2026-12-07, kept it in float64)
    assert share / 4 < eo.late_powers_bound(0.175, 2.2e-5, 3) < share * 0.6
    assert eo.late_powers_bound(0.175, 1.4e-7, 4) < share / 1000
    # the bound is the stated formula: P_k's part times the geometric sum of the later ones
    r, p, k = 0.3, 1e-3, 2
    q = r * r / 30
    assert eo.late_powers_bound(r, p, k) == pytest.approx(
        r * r * p * (1 / 24 + r / 120) / (1 - q), rel=1e-15)
    # later powers that need not shrink: no bound, so float64
    assert eo.late_powers_bound(6.0, 1e-30, 1) == float("inf")


def test_the_bound_holds_for_the_powers_it_leaves_out():
    # the tail it bounds, summed exactly for a C with ||C|| = r^2 (a multiple of the
    # identity, the worst case: no power shrinks faster than r^2), is below the bound
    for r in (0.05, 0.175, 0.5, 1.0):
        for k in (1, 2, 3, 5):
            p = 1.0
            tail = sum(r ** (2 * (j - k + 1)) * p * (1 / math.factorial(2 * j)
                                                      + r / math.factorial(2 * j + 1))
                       for j in range(k, k + 40))
            assert tail <= eo.late_powers_bound(r, p, k) * (1 + 1e-14)
            assert tail >= eo.late_powers_bound(r, p, k) * 0.9   # and not far above it
