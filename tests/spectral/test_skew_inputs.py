"""orthogonal_factor and skew_generators: dtypes kept, bad input refused by name."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral import orthogonal_factor, skew_generators

A64 = np.array([[0.0, 1.0, -2.0], [-1.0, 0.0, 0.5], [2.0, -0.5, 0.0]])


@pytest.mark.parametrize("transform", ["e1", "e2", "expm", "cayley"])
def test_float32_factor_stays_float32_and_matches_float64(transform):
    Q32 = orthogonal_factor(A64.astype(np.float32), 0.3, transform)
    Q64 = orthogonal_factor(A64, 0.3, transform)
    assert Q32.dtype == np.float32 and Q64.dtype == np.float64
    assert np.abs(Q32 - Q64).max() < 4 * np.finfo(np.float32).eps


def test_expm_factor_is_scipy_expm_and_orthogonal():
    Q = orthogonal_factor(A64, 0.7, "expm")
    assert np.abs(Q - sla.expm(0.7 * A64)).max() < 1e-15
    assert np.abs(Q.T @ Q - np.eye(3)).max() < 1e-14


def test_integer_lists_are_read_as_float64():
    Q = orthogonal_factor([[0, 1], [-1, 0]], 0.5, "cayley")
    assert Q.dtype == np.float64
    # Cayley of the 2x2 rotation generator: angle 2 atan(s/2)
    th = 2 * np.arctan(0.25)
    assert np.abs(Q - [[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]]).max() < 1e-15


@pytest.mark.parametrize(
    ("A", "message"),
    [
        (np.ones(3), "A must be a 2-D array"),
        (np.ones((2, 3)), "A must be a square matrix"),
        (np.array([[0.0, np.nan], [0.0, 0.0]]), "non-finite"),
        (np.array([[0.0, np.inf], [-np.inf, 0.0]]), "non-finite"),
    ],
)
def test_bad_generator_is_refused_by_name(A, message):
    with pytest.raises(ArgumentError, match=message):
        orthogonal_factor(A, 0.1)


def test_overflowing_step_is_an_error_not_inf():
    A = np.array([[0.0, 1e38], [-1e38, 0.0]], dtype=np.float32)
    with pytest.raises(ArgumentError, match="overflows float32"):
        orthogonal_factor(A, 1e5, "e1")


def test_generators_keep_float32_and_are_exactly_skew():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 3)).astype(np.float32)
    G = rng.standard_normal((5, 3)).astype(np.float32)
    G_out, G_in = skew_generators(W, G)
    assert G_out.dtype == G_in.dtype == np.float32
    assert np.array_equal(G_out, -G_out.T) and np.array_equal(G_in, -G_in.T)
    W64, G64 = W.astype(np.float64), G.astype(np.float64)
    assert np.abs(G_in - (W64.T @ G64 - G64.T @ W64)).max() < 1e-5


@pytest.mark.parametrize(
    ("W", "G", "error", "message"),
    [
        (np.ones((3, 2)), np.ones((2, 3)), ArgumentError, r"G must have W's shape \(3, 2\)"),
        (np.ones(3), np.ones(3), ArgumentError, "W must be a 2-D array"),
        (np.ones((3, 2)), np.ones((3, 2), np.float32), ArgumentTypeError,
         "G is float32 but W is float64"),
        (np.ones((3, 2)), np.full((3, 2), np.nan), ArgumentError, "G has a non-finite"),
    ],
)
def test_bad_generator_inputs_are_refused(W, G, error, message):
    with pytest.raises(error, match=message):
        skew_generators(W, G)
