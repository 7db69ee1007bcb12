"""Pion: exact skew-symmetry, the E2 defect, orthogonality of expm / Cayley, spectrum
preservation, the product form of the update, sides, momentum modes, RMS, routing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError
from specproof.spectral.optimizers import (
    AdamW,
    Pion,
    orthogonal_factor,
    skew_generators,
)

seeds = st.integers(0, 2**31)


def _skew(rng, n, scale=1.0):
    X = rng.standard_normal((n, n)) * scale
    return X - X.T


def _sv(W):
    return np.linalg.svd(W, compute_uv=False)


def _problem(seed, m=5, n=4):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((m, n))
    T = rng.standard_normal((m, n))
    return rng, W, T


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), seeds)
def test_generators_exactly_skew(m, n, seed):
    rng = np.random.default_rng(seed)
    W, G = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    G_out, G_in = skew_generators(W, G)
    assert np.array_equal(G_in, -G_in.T) and np.array_equal(G_out, -G_out.T)
    np.testing.assert_allclose(G_in, W.T @ G - G.T @ W, atol=1e-12)
    np.testing.assert_allclose(G_out, G @ W.T - W @ G.T, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.floats(1e-3, 2.0), seeds)
def test_e2_defect_is_quartic(n, s, seed):
    A = _skew(np.random.default_rng(seed), n)
    E = orthogonal_factor(A, s, "e2")
    B = s * A
    np.testing.assert_allclose(
        E.T @ E - np.eye(n),
        np.linalg.matrix_power(B, 4) / 4,
        atol=1e-12 * max(1.0, np.linalg.norm(B) ** 4),
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.floats(1e-3, 3.0), st.sampled_from(["expm", "cayley"]), seeds)
def test_exact_factors_orthogonal(n, s, transform, seed):
    A = _skew(np.random.default_rng(seed), n)
    Q = orthogonal_factor(A, s, transform)
    assert np.abs(Q.T @ Q - np.eye(n)).max() <= 1e-12


def test_cayley_is_not_orthogonal_for_a_general_matrix():
    # adversary: the orthogonality test must be able to fail
    A = np.random.default_rng(0).standard_normal((4, 4))
    Q = orthogonal_factor(A, 0.5, "cayley")
    assert np.abs(Q.T @ Q - np.eye(4)).max() > 1e-3


@pytest.mark.parametrize("side", ["both", "alternate", "in", "out"])
@pytest.mark.parametrize("momentum", ["lie-lie", "transported"])
@pytest.mark.parametrize("transform", ["expm", "cayley"])
def test_exact_transforms_preserve_singular_values(side, momentum, transform):
    rng, W, T = _problem(7)
    s0 = _sv(W)
    opt = Pion(lr=0.05, side=side, momentum=momentum, transform=transform)
    p = {"W": W.copy()}
    for _ in range(40):
        opt.step(p, {"W": p["W"] - T + 0.1 * rng.standard_normal(T.shape)})
    assert np.abs(_sv(p["W"]) - s0).max() <= 1e-13 * s0[0]
    assert np.abs(p["W"] - W).max() > 1e-2  # it did move


def test_step_is_the_product_e_out_w_e_in():
    rng, W, T = _problem(8)
    opt = Pion(lr=0.1)
    p = {"W": W.copy()}
    opt.step(p, {"W": W - T})
    d = opt.diagnostics["W"]
    s = d["step_size"]
    expected = orthogonal_factor(d["A_out"], s, "e2") @ W @ orthogonal_factor(d["A_in"], s, "e2")
    np.testing.assert_allclose(p["W"], expected, atol=1e-14)
    additive = (
        W @ orthogonal_factor(d["A_in"], s, "e2") + orthogonal_factor(d["A_out"], s, "e2") @ W - W
    )
    assert np.abs(p["W"] - additive).max() > 1e-6  # the additive form is a different update


def test_first_step_directions_and_alpha():
    rng, W, T = _problem(9)
    G = W - T
    opt = Pion(lr=0.1, rms=0.2, betas=(0.9, 0.999), eps=1e-8)
    opt.step({"W": W.copy()}, {"W": G})
    G_out, G_in = skew_generators(W, G)
    d = opt.diagnostics["W"]
    for A, Gs in ((d["A_out"], G_out), (d["A_in"], G_in)):
        np.testing.assert_allclose(A, -0.1 * Gs / (np.sqrt(0.001 * Gs * Gs) + 1e-8), rtol=1e-13)
    D = d["A_out"] @ W + W @ d["A_in"]
    assert d["alpha"] == pytest.approx(0.2 * np.sqrt(20) / (np.linalg.norm(D) + 1e-8), rel=1e-14)
    assert d["first_order_rms"] == pytest.approx(0.1 * 0.2, rel=1e-8)


def test_update_rms_close_to_lr_times_c_for_small_lr():
    rng, W, T = _problem(10, 16, 12)
    for lr in (1e-3, 1e-4):
        opt = Pion(lr=lr)
        p = {"W": W.copy()}
        opt.step(p, {"W": W - T})
        rms = np.linalg.norm(p["W"] - W) / np.sqrt(W.size)
        assert abs(rms / (lr * 0.2) - 1) < 50 * lr


def test_alternate_acts_left_then_right():
    rng, W, T = _problem(11)
    opt = Pion(lr=0.1, side="alternate", transform="expm")
    p = {"W": W.copy()}
    opt.step(p, {"W": W - T})  # left only: W^T W unchanged
    assert opt.diagnostics["W"]["acting"] == ("out",)
    np.testing.assert_allclose(p["W"].T @ p["W"], W.T @ W, atol=1e-12)
    assert np.abs(p["W"] @ p["W"].T - W @ W.T).max() > 1e-4
    W1 = p["W"].copy()
    opt.step(p, {"W": W1 - T})  # right only: W W^T unchanged
    assert opt.diagnostics["W"]["acting"] == ("in",)
    np.testing.assert_allclose(p["W"] @ p["W"].T, W1 @ W1.T, atol=1e-12)


def test_one_sided_state_keys():
    W = np.ones((3, 2))
    for side, keys in (("in", {"m_in", "v_in"}), ("out", {"m_out", "v_out"})):
        opt = Pion(side=side)
        opt.step({"W": W.copy()}, {"W": np.eye(3, 2)})
        st_ = opt.state_dict()["state"]["W"]
        assert {k for k in st_ if isinstance(st_[k], np.ndarray)} == keys


def test_transported_momentum_is_made_skew_at_use():
    rng, W, T = _problem(12)
    opt = Pion(lr=0.05, momentum="transported", second_moment=False)
    p = {"W": W.copy()}
    grads = [rng.standard_normal(W.shape) for _ in range(3)]
    M = np.zeros_like(W)
    for g in grads:
        Wb = p["W"].copy()
        opt.step(p, {"W": g})
        M = 0.9 * M + 0.1 * g
    M_out, M_in = skew_generators(Wb, M)
    np.testing.assert_allclose(opt.diagnostics["W"]["A_in"], -M_in, atol=1e-14)
    np.testing.assert_allclose(opt.diagnostics["W"]["A_out"], -M_out, atol=1e-14)


def test_descends_a_quadratic():
    # W has T's singular values, so T lies on W's orbit and the loss can reach 0
    rng = np.random.default_rng(13)
    T = rng.standard_normal((8, 6))
    U, s, _ = np.linalg.svd(T, full_matrices=False)
    W = U @ np.diag(s) @ np.linalg.qr(rng.standard_normal((6, 6)))[0]
    loss = lambda X: 0.5 * np.sum((X - T) ** 2)  # noqa: E731
    p = {"W": W.copy()}
    opt = Pion(lr=0.05)
    l0 = loss(W)
    for _ in range(300):
        opt.step(p, {"W": p["W"] - T})
    assert loss(p["W"]) < 1e-2 * l0


def test_vectors_and_excluded_matrices_take_adamw():
    rng = np.random.default_rng(14)
    params = {
        "b": rng.standard_normal(4),
        "E": rng.standard_normal((2, 3)),
        "k": rng.standard_normal((2, 2, 2)),
    }
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    ref = {k: v.copy() for k, v in params.items()}
    Pion(exclude=["E"], adamw_lr=0.003).step(params, grads)
    AdamW(lr=0.003, weight_decay=0.0).step(ref, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], ref[k])


def test_bad_options_named():
    with pytest.raises(ArgumentError, match="side"):
        Pion(side="left")
    with pytest.raises(ArgumentError, match="did you mean 'lie-lie'"):
        Pion(momentum="lie_lie")
    with pytest.raises(ArgumentError, match="transform"):
        Pion(transform="exp")
    with pytest.raises(ArgumentError, match="rms"):
        Pion(rms=0.0)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.sampled_from(["both", "alternate", "in", "out"]),
    st.sampled_from(["lie-lie", "transported"]),
    seeds,
)
def test_cayley_keeps_spectrum_any_shape(m, n, side, momentum, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((m, n))
    s0 = _sv(W)
    opt = Pion(lr=0.1, side=side, momentum=momentum, transform="cayley")
    p = {"W": W.copy()}
    for _ in range(5):
        opt.step(p, {"W": rng.standard_normal((m, n))})
    assert np.abs(_sv(p["W"]) - s0).max() <= 1e-13 * max(s0[0], 1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from(["e1", "e2", "expm", "cayley"]), seeds)
def test_step_equals_explicit_factors(m, n, transform, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((m, n))
    opt = Pion(lr=0.1, transform=transform)
    p = {"W": W.copy()}
    opt.step(p, {"W": rng.standard_normal((m, n))})
    d = opt.diagnostics["W"]
    s = d["step_size"]
    expected = (
        orthogonal_factor(d["A_out"], s, transform) @ W @ orthogonal_factor(d["A_in"], s, transform)
    )
    np.testing.assert_allclose(p["W"], expected, atol=1e-13 * max(1.0, np.abs(W).max()))


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.sampled_from(["lie-lie", "transported"]),
    st.booleans(),
    st.integers(1, 6),
    seeds,
)
def test_preconditioned_directions_exactly_skew(m, n, momentum, second, k, seed):
    rng = np.random.default_rng(seed)
    opt = Pion(lr=0.05, momentum=momentum, second_moment=second, low_rank="never")
    p = {"W": rng.standard_normal((m, n))}
    for _ in range(k):
        opt.step(p, {"W": rng.standard_normal((m, n)) * 10.0 ** rng.uniform(-3, 3)})
        for side in ("A_in", "A_out"):
            A = opt.diagnostics["W"][side]
            assert np.array_equal(A, -A.T)
