"""The even/odd series for ``exp(sA) X`` (one syrk, then two degrees per product).

numpy's Pion takes this route for its dense expm side when it needs fewer flops than the
plain Taylor series; these tests pin its values against scipy's expm, its agreement
with the Taylor route, the route choice and its orthogonality over many substeps.
"""

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import specproof.spectral as spectral
from specproof.spectral.optimizers import skew_series
from specproof.spectral.optimizers.skew_series import (
    _even_odd_action,
    _taylor_action,
    expm_apply,
)


def _skew(rng, d):
    X = rng.standard_normal((d, d))
    return X - X.T


@pytest.mark.parametrize("scale", [0.0, 1e-6, 0.05, 0.09, 0.5, 3.0, 40.0, -2.5])
@pytest.mark.parametrize("d, c", [(9, 4), (60, 7)])
def test_even_odd_equals_scipy_expm(scale, d, c):
    rng = np.random.default_rng(int(abs(scale) * 100) + d)
    A = _skew(rng, d)
    X = rng.standard_normal((d, c))
    s = scale / np.linalg.norm(A, 2)
    ref = sla.expm(s * A) @ X
    got = _even_odd_action(A, X, s)
    tol = 1e-14 * max(1.0, abs(scale)) * np.abs(X).max()
    assert np.abs(got - ref).max() <= 4 * tol
    # against the Taylor route: both are cut at the unit roundoff
    assert np.abs(got - _taylor_action(A, X, s=s)).max() <= 4 * tol
    # float32: the unit roundoff of float32, same scale rule
    got32 = _even_odd_action(A.astype(np.float32), X.astype(np.float32), s)
    assert got32.dtype == np.float32
    assert np.abs(got32 - ref).max() <= 2e-6 * max(1.0, abs(scale)) * np.abs(X).max()


def test_even_odd_at_zero_step_is_exactly_x_and_does_not_write_inputs():
    rng = np.random.default_rng(1)
    A, X = _skew(rng, 8), rng.standard_normal((8, 3))
    A0, X0 = A.copy(), X.copy()
    assert np.array_equal(_even_odd_action(A, X, 0.0), X)
    _even_odd_action(A, X, 0.7)
    assert np.array_equal(A, A0) and np.array_equal(X, X0)


def test_even_odd_reads_a_fortran_ordered_generator():
    rng = np.random.default_rng(2)
    A, X = _skew(rng, 30), rng.standard_normal((30, 5))
    s = 1.3 / np.linalg.norm(A, 2)
    np.testing.assert_allclose(_even_odd_action(np.asfortranarray(A), X, s),
                               _even_odd_action(A, X, s), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "d, c, scale, dtype, route",
    [
        (200, 30, 0.2, np.float64, "even_odd"),   # degree ~11: fewer products
        (200, 30, 1e-3, np.float64, "taylor"),    # degree 3: the syrk does not pay
        (200, 1, 0.5, np.float64, "taylor"),      # one column: the syrk costs 100 products
        (200, 30, 0.2, np.float32, "taylor"),     # float32 needs degree ~6
        (200, 30, 3.0, np.float32, "even_odd"),   # substeps in float32
    ],
)
def test_route_choice(monkeypatch, d, c, scale, dtype, route):
    calls = []
    for name in ("_even_odd_action", "_taylor_action"):
        real = getattr(skew_series, name)
        monkeypatch.setattr(skew_series, name,
                            lambda *a, _r=real, _n=name, **k: calls.append(_n) or _r(*a, **k))
    rng = np.random.default_rng(4)
    A, X = _skew(rng, d).astype(dtype), rng.standard_normal((d, c)).astype(dtype)
    s = scale / np.linalg.norm(A, 2)
    Y = expm_apply(A, s, X)
    assert calls == ["_" + route + "_action"]
    ref = sla.expm(s * A.astype(np.float64)) @ X.astype(np.float64)
    eps = np.finfo(dtype).eps
    assert np.abs(Y - ref).max() <= 50 * eps * max(1.0, scale) * np.abs(X).max()


@settings(max_examples=30, deadline=None)
@given(exponent=st.floats(-8, 2.5), seed=st.integers(0, 2**16))
def test_even_odd_action_is_orthogonal(exponent, seed):
    rng = np.random.default_rng(seed)
    A = _skew(rng, 11)
    s = 10.0**exponent / np.linalg.norm(A, 2)
    Q = _even_odd_action(A, np.eye(11)[:, :5], s)
    assert np.abs(Q.T @ Q - np.eye(5)).max() < 2e-14 * max(1.0, 10.0**exponent)


def test_numpy_pion_on_the_even_odd_route_equals_the_scipy_update(monkeypatch):
    # a tall weight whose out side is dense (second moment on) and large enough for the
    # even/odd route; the reference applies scipy's expm to the same generators
    calls = []
    real = skew_series._even_odd_action
    monkeypatch.setattr(skew_series, "_even_odd_action",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    rng = np.random.default_rng(5)
    W = rng.standard_normal((120, 40)) / 6
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"W": W.copy()}
    for _ in range(3):
        before = params["W"].copy()
        opt.step(params, {"W": rng.standard_normal(W.shape)})
        d = opt.diagnostics["W"]
        s = d["step_size"]
        ref = sla.expm(s * d["A_out"]) @ before @ sla.expm(s * d["A_in"])
        assert np.abs(params["W"] - ref).max() <= 1e-13 * np.abs(before).max()
    assert calls, "the even/odd route was not taken: the test does not cover it"


@pytest.mark.parametrize("bad", ["nan_entry", "inf_step", "nan_step"])
def test_a_non_finite_generator_or_step_is_refused(bad):
    from specproof._core import ArgumentError

    rng = np.random.default_rng(6)
    A, X, s = _skew(rng, 20), rng.standard_normal((20, 5)), 0.3
    if bad == "nan_entry":
        A[3, 4], A[4, 3] = np.nan, np.nan
    else:
        s = np.inf if bad == "inf_step" else np.nan
    with pytest.raises(ArgumentError, match="finite step s and a finite A"):
        expm_apply(A, s, X)


def test_1500_dense_expm_steps_on_the_even_odd_route_keep_the_spectrum(monkeypatch):
    # default options (dense out side); at lr 0.05 every step takes the even/odd route
    taken = []
    real = skew_series._even_odd_action
    monkeypatch.setattr(skew_series, "_even_odd_action",
                        lambda *a, **k: taken.append(1) or real(*a, **k))
    rng = np.random.default_rng(0)
    W, T = rng.standard_normal((2, 40, 12)) / 4
    s0 = np.linalg.svd(W, compute_uv=False)
    opt, params = spectral.Pion(lr=0.05, transform="expm"), {"W": W.copy()}
    for _ in range(1500):
        opt.step(params, {"W": params["W"] - T + 0.01 * rng.standard_normal(W.shape)})
    drift = np.abs(np.linalg.svd(params["W"], compute_uv=False) - s0).max() / s0[0]
    assert len(taken) == 1500
    assert np.linalg.norm(params["W"] - W) > 0.5 * np.linalg.norm(W)  # W really moved
    assert drift <= 1e-13


def test_even_odd_accepts_any_memory_layout():
    # BLAS wants Fortran order: other layouts are copied, never misread
    rng = np.random.default_rng(7)
    A, X = _skew(rng, 30), rng.standard_normal((30, 12))
    s = 2.0 / np.linalg.norm(A, 2)
    E = sla.expm(s * A)
    spread = np.zeros((60, 60))
    spread[::2, ::2] = A
    for Av in (A, np.asfortranarray(A), spread[::2, ::2]):
        for Xv in (X, np.asfortranarray(X), X[:, ::2], rng.standard_normal((12, 30)).T):
            assert np.abs(_even_odd_action(Av, Xv, s) - E @ Xv).max() < 1e-14
