"""Findings of the session-15 adversarial review of the spectral package, kept as tests.

Each case gave a wrong kind of answer before its fix: a refusal of a step the dense route
takes (with the wrong advice), a raw LinAlgError, NaN/inf returned from finite input, a
NaN matrix for a zero gradient, an affine filter of the wrong size taken as it came, and
masked entries of a gradient read as numbers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral import ConvNorm
from specproof.spectral.optimizers import (
    SGD,
    Adam,
    Muon,
    Pion,
    newton_schulz5,
    orthogonal_factor,
    skew_generators,
)

LOW_RANK = dict(momentum="transported", second_moment=False)


def _pion_run(W, grads, lr, transform, low_rank):
    params = {"W": W.copy()}
    opt = Pion(lr=lr, transform=transform, low_rank=low_rank, **LOW_RANK)
    for g in grads:
        opt.step(params, {"W": g})
    return params["W"]


@pytest.mark.parametrize("transform", ["e2", "cayley", "expm", "e1"])
@pytest.mark.parametrize("scale, dtype, tol", [(1e150, np.float64, 1e-14),
                                                (1e16, np.float32, 1e-6),
                                                (1.0, np.float64, 1e-14)])
def test_low_rank_route_steps_large_weights_as_the_dense_route(transform, scale, dtype, tol):
    # the factored E2 and Cayley formed core @ z before scaling by the step: |U||V| times
    # |X||U| overflowed at weights of 1e150 (float64) and 1e16 (float32), and the step was
    # refused with "lower the learning rate?", which did not help
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((20, 4)) * scale).astype(dtype)
    grads = [rng.standard_normal((20, 4)).astype(dtype) for _ in range(3)]
    lr = 0.05 * scale  # Pion's move is lr * rms in the weight's own units
    factored = _pion_run(W, grads, lr, transform, "auto")
    dense = _pion_run(W, grads, lr, transform, "never")
    moved = np.abs(factored - W).max() / np.abs(W).max()
    assert moved > 0.01  # a real step, not a no-op
    assert np.abs(factored - dense).max() <= tol * np.abs(W).max()
    if transform in ("cayley", "expm"):
        s0 = np.linalg.svd(W.astype(np.float64), compute_uv=False)
        s1 = np.linalg.svd(factored.astype(np.float64), compute_uv=False)
        assert np.abs(s1 - s0).max() <= 10 * tol * s0[0]


def test_cayley_factor_of_a_singular_non_skew_matrix_names_it():
    with pytest.raises(ArgumentError, match=r"I - \(s/2\) A to be invertible.*s = 1 \(A is "
                                            r"not skew-symmetric\)"):
        orthogonal_factor(np.eye(2) * 2.0, 1.0, "cayley")


def test_cayley_factor_of_a_skew_matrix_is_still_orthogonal():
    A = np.array([[0.0, 3.0, -1.0], [-3.0, 0.0, 2.0], [1.0, -2.0, 0.0]])
    Q = orthogonal_factor(A, 10.0, "cayley")
    assert np.abs(Q.T @ Q - np.eye(3)).max() < 1e-14


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e200), (np.float32, 1e25)])
def test_skew_generators_refuse_an_overflow_instead_of_returning_nan(dtype, big):
    W = np.array([[big, 0], [0, big], [big, big]], dtype=dtype)
    G = np.array([[big, big], [0, big], [big, 0]], dtype=dtype)
    with pytest.raises(ArgumentError, match=rf"overflows {np.dtype(dtype).name} .*max \|W\| ="):
        skew_generators(W, G)


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e150, 1e150, allow_subnormal=True), st.floats(-1e150, 1e150))
def test_skew_generators_of_finite_moderate_input_are_exact_and_finite(a, b):
    W = np.array([[a, 1.0], [2.0, b], [0.5, -1.0]])
    G = np.array([[b, -3.0], [1.0, a], [a, 0.25]])
    out, inn = skew_generators(W, G)
    assert np.isfinite(out).all() and np.isfinite(inn).all()
    assert np.array_equal(out, -out.T) and np.array_equal(inn, -inn.T)


@pytest.mark.parametrize("placement", ["add", "clamp"])
@pytest.mark.parametrize("shape", [(2, 2), (5, 3), (3, 5)])
def test_newton_schulz_of_zero_with_eps_zero_is_zero(placement, shape):
    # 0 / 0 gave an all-NaN matrix; the quintic maps 0 to 0, as it does for any eps > 0
    out = newton_schulz5(np.zeros(shape), eps=0.0, eps_placement=placement)
    assert out.shape == shape and np.array_equal(out, np.zeros(shape))
    assert np.array_equal(newton_schulz5(np.zeros(shape), eps=1e-7), np.zeros(shape))


def test_newton_schulz_with_eps_zero_on_a_nonzero_matrix_is_unchanged():
    G = np.diag([3.0, 1.0, 0.1])
    assert np.array_equal(newton_schulz5(G, eps=0.0), newton_schulz5(G, eps=0.0))
    s = np.linalg.svd(newton_schulz5(G, eps=0.0), compute_uv=False)
    assert np.all((s > 0.6) & (s < 1.25))


@pytest.mark.parametrize("shape", [(2, 5, 5), (2, 1, 1), (2, 2, 2), (2, 7, 1), (2, 1, 5, 5),
                                   (2, 3, 2)])
def test_convnorm_affine_weight_must_have_the_kernels_size(shape):
    kernel = np.random.default_rng(0).standard_normal((2, 3, 3, 3))
    with pytest.raises(ArgumentError, match=r"affine_weight must have shape \(2, 3, 3\)"):
        ConvNorm(kernel, affine_weight=np.ones(shape))


def test_convnorm_affine_weight_of_the_kernels_size_is_taken_in_both_layouts():
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((2, 3, 3, 3))
    aw = rng.standard_normal((2, 3, 3))
    x = rng.standard_normal((1, 3, 6, 6))
    a = ConvNorm(kernel, affine_weight=aw)(x, training=True)
    b = ConvNorm(kernel, affine_weight=aw[:, None])(x, training=True)
    assert a.shape == (1, 2, 4, 4) and np.array_equal(a, b)  # padding 0: 6 - 3 + 1


@pytest.mark.parametrize("opt", [lambda: SGD(lr=0.1), lambda: Adam(lr=0.1),
                                 lambda: Muon(lr=0.1), lambda: Pion(lr=0.1)])
@pytest.mark.parametrize("which", ["grads", "params"])
def test_optimizers_refuse_masked_arrays(opt, which):
    W = np.ones((3, 2))
    G = np.array([[1.0, 1e6], [1.0, 1.0], [0.5, 0.25]])
    masked = np.ma.masked_array(G if which == "grads" else W,
                                mask=[[0, 1], [0, 0], [0, 0]])
    params = {"W": masked if which == "params" else W.copy()}
    grads = {"W": masked if which == "grads" else G}
    before = np.array(params["W"])
    with pytest.raises(ArgumentTypeError, match=rf"{which}\['W'\] is a numpy masked array"):
        opt().step(params, grads)
    assert np.array_equal(np.array(params["W"]), before)
