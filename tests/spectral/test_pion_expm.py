"""Pion's dense out-side exponential with ``||A W||`` read off the even/odd series.

The route replaces the product ``A_out W`` by ``-<W, A^2 W>`` and the cross term
``<A_out W, W A_in>`` by half a product; these tests pin the step-size norm against the
direct one, the fallback when its parts cancel, the route choice, extreme magnitudes and
the whole step against scipy's expm.
"""

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import specproof.spectral as spectral
from specproof.spectral.optimizers import pion_expm, skew_series
from specproof.spectral.optimizers.pion_expm import (
    SquaredOutSide,
    skew_pair_inner,
    squared_out_side,
)
from specproof.spectral.optimizers.skew_even_odd import even_odd_applies, square_skew
from specproof.spectral.optimizers.skew_numerics import norm2_estimate


def _skew(rng, d):
    X = rng.standard_normal((d, d))
    return X - X.T


@settings(max_examples=40, deadline=None)
@given(d=st.integers(1, 40), c=st.integers(1, 12), strip=st.integers(1, 50),
       seed=st.integers(0, 2**16))
def test_skew_pair_inner_equals_the_dense_inner_product(d, c, strip, seed):
    rng = np.random.default_rng(seed)
    A, S, W = _skew(rng, d), _skew(rng, c), rng.standard_normal((d, c))
    ref = float(np.sum(A * (W @ S @ W.T)))
    scale = float(np.abs(A).sum() * np.abs(W @ S @ W.T).max())
    assert abs(skew_pair_inner(A, W @ S, W, strip=strip) - ref) <= 1e-13 * max(scale, 1e-300)


def test_skew_pair_inner_is_wrong_for_a_non_skew_product():
    # the control: the half-triangle sum needs Z W^T skew; a symmetric one is misread
    rng = np.random.default_rng(1)
    A, W = _skew(rng, 12), rng.standard_normal((12, 4))
    S = rng.standard_normal((4, 4))
    S = S + S.T
    ref = float(np.sum(A * (W @ S @ W.T)))   # 0: skew against symmetric
    assert abs(ref) < 1e-12
    assert abs(skew_pair_inner(A, W @ S, W, strip=5)) > 1e-3


@pytest.mark.parametrize("with_in", [True, False])
@pytest.mark.parametrize("d, c", [(60, 20), (200, 30), (33, 1)])
def test_the_step_norm_equals_the_direct_one(with_in, d, c):
    rng = np.random.default_rng(d + c)
    A, W = _skew(rng, d), rng.standard_normal((d, c))
    WA = W @ _skew(rng, c) if with_in else None
    got = SquaredOutSide(A, W, WA, norm2_estimate(A)).norm_D
    D = A @ W + (WA if with_in else 0.0)
    assert got is not None
    assert abs(got - np.linalg.norm(D)) <= 1e-13 * np.linalg.norm(D)


def test_cancelling_parts_give_no_norm_and_the_step_forms_d():
    # W with orthonormal columns and A_out = -W S W^T: A_out W = -W S exactly cancels W S
    rng = np.random.default_rng(3)
    W = np.linalg.qr(rng.standard_normal((50, 8)))[0]
    S = _skew(rng, 8)
    A = -(W @ S @ W.T)
    A = 0.5 * (A - A.T)
    assert SquaredOutSide(A, W, W @ S, norm2_estimate(A)).norm_D is None
    # half cancelled: still far from the threshold, and accurate
    part = SquaredOutSide(A, W, 0.5 * (W @ S), norm2_estimate(A)).norm_D
    ref = np.linalg.norm(A @ W + 0.5 * (W @ S))
    assert part is not None and abs(part - ref) <= 1e-12 * ref


def test_the_route_is_not_taken_where_the_taylor_series_is_cheaper():
    rng = np.random.default_rng(4)
    A, W = _skew(rng, 200), rng.standard_normal((200, 30))
    WA = W @ _skew(rng, 30)
    # the syrk costs 3.5 products here (d / c = 6.7): at a tiny step (degree 3) and at
    # lr 0.05 (|s| ||A|| = 0.018, degree 7) it does not pay, at lr 0.5 (0.18, degree 12)
    # it does
    assert squared_out_side(A, W, WA, lr=1e-7, rms=0.2, eps=1e-8) is None
    assert squared_out_side(A, W, WA, lr=0.05, rms=0.2, eps=1e-8) is None
    assert squared_out_side(A, W, WA, lr=0.5, rms=0.2, eps=1e-8) is not None
    # a block as wide as A is the factor route's
    assert squared_out_side(A, rng.standard_normal((200, 200)), None, 0.05, 0.2, 1e-8) is None


def test_extreme_norms_stay_off_the_even_odd_route_and_are_right():
    # syrk squares before it scales: at ||A|| ~ 1e200 A^T A would overflow
    rng = np.random.default_rng(5)
    A, X = _skew(rng, 40), rng.standard_normal((40, 6))
    norm = np.linalg.norm(A, 2)
    for big in (1e200, 1e-200):
        assert not even_odd_applies(A * big, X, norm * big)
        assert squared_out_side(A * big, X, None, lr=0.05, rms=0.2, eps=0.0) is None
        got = skew_series.expm_apply(A * big, 0.7 / (norm * big), X)
        ref = sla.expm(0.7 / norm * A) @ X
        assert np.abs(got - ref).max() <= 1e-13 * np.abs(X).max()
    # inside the safe range the normalised square is exact to rounding
    C1 = square_skew(A * 1e140, norm * 1e140)
    ref = (A / norm) @ (A / norm)
    assert np.abs(np.triu(C1) - np.triu(ref)).max() <= 1e-14


def test_a_step_on_the_route_equals_the_dense_update_and_skips_aw(monkeypatch):
    built = []
    real = pion_expm.SquaredOutSide
    monkeypatch.setattr(pion_expm, "SquaredOutSide",
                        lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    rng = np.random.default_rng(6)
    W = rng.standard_normal((150, 40)) / 6
    opt, params = spectral.Pion(lr=0.1, transform="expm"), {"W": W.copy()}
    for _ in range(3):
        before = params["W"].copy()
        opt.step(params, {"W": rng.standard_normal(W.shape)})
        d = opt.diagnostics["W"]
        D = d["A_out"] @ before + before @ d["A_in"]
        # the step size was set by ||D|| exactly: the first-order RMS is rms * lr
        assert abs(d["first_order_rms"] - 0.2 * 0.1 * np.linalg.norm(D)
                   / (np.linalg.norm(D) + 1e-8)) <= 1e-14
        assert abs(built[-1].norm_D - np.linalg.norm(D)) <= 1e-13 * np.linalg.norm(D)
        s = d["step_size"]
        ref = sla.expm(s * d["A_out"]) @ before @ sla.expm(s * d["A_in"])
        assert np.abs(params["W"] - ref).max() <= 1e-13 * np.abs(before).max()
    assert len(built) == 3


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(30, 8), (45, 12), (64, 5)]),
       side=st.sampled_from(["both", "out", "alternate"]),
       lr=st.sampled_from([0.02, 0.1, 0.3]), seed=st.integers(0, 2**16))
def test_every_side_on_the_route_equals_scipy(shape, side, lr, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(shape) / math.sqrt(shape[1])
    opt, params = spectral.Pion(lr=lr, transform="expm", side=side), {"W": W.copy()}
    for _ in range(2):
        before = params["W"].copy()
        opt.step(params, {"W": rng.standard_normal(shape)})
        d = opt.diagnostics["W"]
        s = d["step_size"]
        E_out = sla.expm(s * d["A_out"]) if "out" in d["acting"] else np.eye(shape[0])
        E_in = sla.expm(s * d["A_in"]) if "in" in d["acting"] else np.eye(shape[1])
        ref = E_out @ before @ E_in
        assert np.abs(params["W"] - ref).max() <= 1e-13 * np.abs(before).max()


@pytest.mark.parametrize("transform", ["expm", "e2"])
@pytest.mark.parametrize("w_scale", [1e155])
def test_a_weight_at_extreme_scale_still_takes_its_step(transform, w_scale):
    # G W^T stays O(1) (the gradient has the inverse scale), but ||D||^2 overflows as a
    # plain sum of squares: the step size must still come from ||D||, not from inf
    # (which made the step a silent no-op)
    rng = np.random.default_rng(8)
    W = rng.standard_normal((60, 20)) * w_scale
    opt, params = spectral.Pion(lr=0.1, transform=transform), {"W": W.copy()}
    opt.step(params, {"W": rng.standard_normal(W.shape) / w_scale})
    d = opt.diagnostics["W"]
    assert d["first_order_rms"] == pytest.approx(0.1 * 0.2, rel=1e-12)
    assert np.all(np.isfinite(params["W"]))
    s0, s1 = (np.linalg.svd(x / w_scale, compute_uv=False) for x in (W, params["W"]))
    assert np.abs(s1 - s0).max() <= 1e-13 * s0[0]


@pytest.mark.parametrize("transform", ["expm", "e2"])
def test_an_overflowing_generator_is_an_error_not_a_silent_no_op(transform):
    from specproof.spectral import NonFiniteUpdateError

    rng = np.random.default_rng(9)
    W = rng.standard_normal((60, 20)) * 1e160
    opt, params = spectral.Pion(lr=0.1, transform=transform), {"W": W.copy()}
    with pytest.raises(NonFiniteUpdateError, match="overflows"):
        opt.step(params, {"W": rng.standard_normal(W.shape) * 1e160})  # G W^T = inf
    assert np.array_equal(params["W"], W)


def test_a_rotation_past_a_million_radians_is_an_error_not_a_hang():
    # a weight of RMS 1e-170 moved by lr * rms = 0.02: ||sA|| ~ 1e168, which the series
    # would split into 1e168 substeps (it used to underflow ||D|| to 0 and do nothing)
    from specproof._core import ArgumentError

    rng = np.random.default_rng(10)
    W = rng.standard_normal((60, 20)) * 1e-170
    opt, params = spectral.Pion(lr=0.1, transform="expm"), {"W": W.copy()}
    # refused before the series by the step's rotation bound (1e4 radians in float64)
    with pytest.raises(spectral.RotationTooLargeError, match=r"beyond the 1e\+04 radians"):
        opt.step(params, {"W": rng.standard_normal(W.shape) * 1e170})
    assert np.array_equal(params["W"], W)
    rng = np.random.default_rng(11)
    A, X = _skew(rng, 30), rng.standard_normal((30, 4))
    for s in (1e7, -1e7):   # both series, and the factor
        with pytest.raises(ArgumentError, match="rotation"):
            skew_series.expm_apply(A, s, X)
        with pytest.raises(ArgumentError, match="rotation"):
            skew_series._even_odd_action(A, X, s)
        with pytest.raises(ArgumentError, match="rotation"):
            skew_series.expm_skew(s * A)


def test_sampled_columns_that_are_all_zero_do_not_break_the_route_choice():
    # eps = 0 is allowed without a second moment; W's sampled columns are 0 (the others
    # not): the estimate of ||D|| is 0, which must not become a division by zero
    rng = np.random.default_rng(12)
    W = rng.standard_normal((300, 100)) / 10
    cols = np.unique(np.linspace(0, 99, pion_expm._SAMPLED_COLUMNS).astype(int))
    W[:, cols] = 0.0
    A = _skew(rng, 300)
    assert squared_out_side(A, W, None, lr=0.1, rms=0.2, eps=0.0) is None
    opt = spectral.Pion(lr=0.1, transform="expm", second_moment=False, eps=0.0)
    params = {"W": W.copy()}
    opt.step(params, {"W": rng.standard_normal(W.shape)})
    d = opt.diagnostics["W"]
    s = d["step_size"]
    ref = sla.expm(s * d["A_out"]) @ W @ sla.expm(s * d["A_in"])
    assert np.abs(params["W"] - ref).max() <= 1e-13 * np.abs(W).max()


@pytest.mark.parametrize("scale", [1.0, 1e-20, 1e20])
def test_the_float32_norm_estimate_equals_the_float64_one_to_float32_rounding(scale):
    # d = 1024: A.size reaches the float32 route; the estimate picks the route and the
    # series' degree, so float32's 6e-8 is far inside its doubled bound
    rng = np.random.default_rng(21)
    A = _skew(rng, 1024) * scale
    est = pion_expm._norm_estimate(A)
    ref = norm2_estimate(A)
    assert abs(est - ref) <= 1e-6 * ref
    assert ref <= np.linalg.norm(A, 2) * (1 + 1e-12)


@pytest.mark.parametrize("scale", [1e-40, 1e40, 1e300])
def test_the_norm_estimate_reads_float64_outside_float32s_safe_range(scale, monkeypatch):
    rng = np.random.default_rng(22)
    A = _skew(rng, 1024) * scale
    calls = []
    real = pion_expm.norm2_estimate
    monkeypatch.setattr(pion_expm, "norm2_estimate",
                        lambda M, *a: calls.append(M.dtype) or real(M, *a))
    assert pion_expm._norm_estimate(A) == real(A)
    assert calls == [np.float64]


def test_an_entry_the_sample_misses_falls_back_to_float64():
    # every sampled entry is moderate, one entry between them overflows float32
    rng = np.random.default_rng(23)
    A = _skew(rng, 1024)
    A[1, 2], A[2, 1] = 1e39, -1e39  # flat indices 1026 and 2049: not every 256th
    assert np.abs(A.reshape(-1)[::256]).max() < 1e30
    assert pion_expm._norm_estimate(A) == norm2_estimate(A)
    assert math.isfinite(pion_expm._norm_estimate(A))
