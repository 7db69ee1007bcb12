"""Low-rank Pion: the factored route equals the dense one, the kernels equal scipy's
expm / an explicit Cayley solve, and the spectrum does not drift over many steps."""

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError
from specproof.spectral.optimizers import Pion
from specproof.spectral.optimizers.skew_kernels import (
    apply_dense,
    apply_lowrank,
    apply_lowrank_right,
    expm_apply,
    expm_skew,
)

seeds = st.integers(0, 2**31)
TRANSFORMS = ("e1", "e2", "cayley", "expm")


def _reference(A, s, X, transform):
    I = np.eye(A.shape[0])
    T = {
        "e1": lambda: I + s * A,
        "e2": lambda: I + s * A + 0.5 * (s * A) @ (s * A),
        "cayley": lambda: np.linalg.solve(I - 0.5 * s * A, I + 0.5 * s * A),
        "expm": lambda: sla.expm(s * A),
    }[transform]()
    return T @ X


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 30),
    st.integers(1, 6),
    st.integers(1, 8),
    st.floats(-8, 2),
    st.floats(1e-3, 1.0),
    st.sampled_from(TRANSFORMS),
    seeds,
)
def test_lowrank_kernel_equals_dense_reference(d, r, k, log_scale, step, transform, seed):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((d, r))
    V = rng.standard_normal((d, r)) * 10.0**log_scale  # unbalanced on purpose
    X = rng.standard_normal((d, k))
    A = U @ V.T - V @ U.T
    s = step / max(np.linalg.norm(A, 2), 1e-300)  # ||sA|| = step, as in Pion
    ref = _reference(A, s, X, transform)
    tol = 1e-13 * max(1.0, np.abs(X).max())
    assert np.abs(apply_lowrank(U, V, s, X, transform) - ref).max() <= tol
    assert np.abs(apply_dense(A, s, X, transform) - ref).max() <= tol
    right = apply_lowrank_right(X.T, U, V, s, transform)
    assert np.abs(right - _reference(-A, s, X, transform).T).max() <= tol


def test_lowrank_kernel_can_fail():
    # adversary: swapping U and V negates A; the comparison must see it
    rng = np.random.default_rng(0)
    U, V, X = (rng.standard_normal((9, 2)) for _ in range(3))
    A = U @ V.T - V @ U.T
    wrong = apply_lowrank(V, U, 0.3, X, "expm")
    assert np.abs(wrong - sla.expm(0.3 * A) @ X).max() > 1e-3


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.floats(1e-6, 60.0), st.integers(1, 14), seeds)
def test_own_expm_equals_scipy(n, norm, k, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A - A.T
    B = A * (norm / max(np.linalg.norm(A, 2), 1e-300))
    E = expm_skew(B)
    # reference from the eigendecomposition of the Hermitian -iB (scipy's expm is off by
    # ~1e-14 ||B|| here, e.g. 3.7e-14 on a 2 x 2 rotation by 4 radians; ours by 2e-16)
    lam, Q = np.linalg.eigh(-1j * B)
    ref = ((Q * np.exp(1j * lam)) @ Q.conj().T).real
    assert np.abs(E - ref).max() <= 4e-15 * max(1.0, norm)
    assert np.abs(E.T @ E - np.eye(n)).max() <= 1e-13 * max(1.0, norm)
    X = rng.standard_normal((n, k))
    assert np.abs(expm_apply(B, 1.0, X) - ref @ X).max() <= 1e-14 * max(1.0, norm) * np.abs(X).max()


def test_own_expm_on_a_rotation():
    for theta in (0.5, 4.0, 30.0):
        B = np.array([[0.0, theta], [-theta, 0.0]])
        exact = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
        assert np.abs(expm_skew(B) - exact).max() <= 1e-15


@pytest.mark.parametrize("shape", [(13, 4), (4, 13)])
@pytest.mark.parametrize("side", ["both", "alternate", "in", "out"])
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_factored_route_equals_dense_route(shape, side, transform):
    rng = np.random.default_rng(3)
    W = rng.standard_normal(shape)
    T = rng.standard_normal(shape)
    kw = dict(lr=0.05, side=side, momentum="transported", second_moment=False,
              transform=transform)
    fast, dense = Pion(**kw), Pion(**kw, low_rank="never")
    expected = {"out": ("out",), "in": ("in",)}[("out" if shape[0] > shape[1] else "in")]
    assert fast.low_rank_sides(shape) == tuple(s for s in expected if s in fast._sides())
    assert dense.low_rank_sides(shape) == ()
    pf, pd = {"W": W.copy()}, {"W": W.copy()}
    used = False
    for _ in range(6):
        G = pf["W"] - T + 0.1 * rng.standard_normal(shape)
        fast.step(pf, {"W": G})
        dense.step(pd, {"W": G.copy()})
        used |= bool(fast.diagnostics["W"]["factors"])
        assert np.abs(pf["W"] - pd["W"]).max() <= 1e-13 * np.abs(pd["W"]).max()
    assert used == bool(fast.low_rank_sides(shape))
    assert np.abs(pf["W"] - W).max() > 1e-2  # it moved


def test_default_modes_are_not_low_rank():
    # the elementwise sqrt(v) preconditioner makes the generator full rank, and a lie-lie
    # EMA sums generators of past weights (rank 2 d_in each): no factoring
    rng = np.random.default_rng(0)
    for kw in ({}, {"momentum": "transported"}, {"second_moment": False}):
        opt = Pion(lr=0.05, **kw)
        assert opt.low_rank_sides((12, 3)) == ()
        p = {"W": rng.standard_normal((12, 3))}
        for _ in range(3):
            opt.step(p, {"W": rng.standard_normal((12, 3))})
        assert np.linalg.matrix_rank(opt.diagnostics["W"]["A_out"]) > 6
    with pytest.raises(ArgumentError, match="low_rank"):
        Pion(low_rank="always")


def test_zero_and_in_range_gradients_leave_w():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((10, 3))
    # A_out = W M^T - M W^T is 0 when M = 0, and also when M is W times a symmetric
    # matrix (exactly cancelling factors: the factored core would amplify rounding by
    # ~1e16; the step falls back to the dense generator, whose rounding noise alpha
    # scales up to a change of ~1e-9)
    S = rng.standard_normal((3, 3))
    for G, tol in ((np.zeros_like(W), 0.0), (0.5 * W, 1e-8), (W @ (S + S.T), 1e-8)):
        for transform in ("expm", "cayley", "e2"):
            kw = dict(lr=0.05, side="out", momentum="transported", second_moment=False,
                      transform=transform)
            p, q = {"W": W.copy()}, {"W": W.copy()}
            Pion(**kw).step(p, {"W": G})
            Pion(**kw, low_rank="never").step(q, {"W": G})
            assert np.abs(p["W"] - q["W"]).max() <= 1e-13 * np.abs(W).max()
            assert np.abs(p["W"] - W).max() <= tol * np.abs(W).max()


@pytest.mark.parametrize("transform", ["expm", "cayley"])
def test_factored_spectrum_does_not_drift(transform):
    rng = np.random.default_rng(5)
    W = rng.standard_normal((24, 6)) / np.sqrt(6)
    T = rng.standard_normal((24, 6)) / np.sqrt(6)
    s0 = np.linalg.svd(W, compute_uv=False)
    opt = Pion(lr=0.02, momentum="transported", second_moment=False, transform=transform)
    p = {"W": W.copy()}
    for _ in range(1500):
        opt.step(p, {"W": p["W"] - T + 0.01 * rng.standard_normal(W.shape)})
    assert opt.low_rank_sides(W.shape) == ("out",)
    drift = np.abs(np.linalg.svd(p["W"], compute_uv=False) - s0).max() / s0[0]
    assert drift <= 1e-13
    assert np.abs(p["W"] - W).max() > 0.1  # it moved


@pytest.mark.parametrize("gap", [1e-1, 1e-2, 1e-3])
def test_nearly_cancelling_factors(gap):
    # adversary: V = U + gap * noise makes A = U V^T - V U^T small while Z^T Y is not (a
    # non-normal core): the series must stay short, and the error stay within
    # kappa^2 u ||sA|| ||X|| for kappa = ||U|| ||V|| / ||A|| (Pion itself switches to the
    # dense route above kappa^2 = 1e3, see test_pion_falls_back_when_factors_cancel)
    rng = np.random.default_rng(2)
    U = rng.standard_normal((40, 5))
    V = U + gap * rng.standard_normal((40, 5))
    X = rng.standard_normal((40, 5))
    A = U @ V.T - V @ U.T
    s = 0.1 / np.linalg.norm(A, 2)
    kappa = np.linalg.norm(U) * np.linalg.norm(V) / np.linalg.norm(A)
    for transform in ("expm", "cayley"):
        got = apply_lowrank(U, V, s, X, transform)
        ref = _reference(A, s, X, transform)
        assert np.abs(got - ref).max() <= 4e-16 * kappa**2 * np.abs(X).max()


@pytest.mark.parametrize("gap", [1.0, 1e-2, 1e-6])
def test_pion_falls_back_when_factors_cancel(gap):
    rng = np.random.default_rng(4)
    W = rng.standard_normal((30, 4))
    G = W @ np.diag([1.0, 2.0, 3.0, 4.0]) + gap * rng.standard_normal(W.shape)
    kw = dict(lr=0.05, momentum="transported", second_moment=False, transform="expm")
    p, q = {"W": W.copy()}, {"W": W.copy()}
    fast = Pion(**kw)
    fast.step(p, {"W": G})
    Pion(**kw, low_rank="never").step(q, {"W": G})
    assert bool(fast.diagnostics["W"]["factors"]) == (gap > 0.5)  # kappa^2: 14, 1e5, 1e13
    assert np.abs(p["W"] - q["W"]).max() <= 1e-13 * np.abs(W).max()
