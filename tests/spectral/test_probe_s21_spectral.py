"""Findings of the session-21 review of the spectral package, each kept as a test.

The exponential's series measured its last terms, and cut itself, against ``||X||_F``.
A column that the generator rotates among many it leaves alone then came out with the
rounding of the whole block: 2.9e-14 (dense), 4.3e-13 (low-rank core, float32 terms)
and 7e-14 (Taylor) of its size, and the torch Pion's untouched singular value drifted
by 1e-11 in 300 steps. Both now measure every column against its own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError
from specproof.spectral import Pion, orthogonal_factor
from specproof.spectral.optimizers import skew_even_odd as eo
from specproof.spectral.optimizers.skew_kernels import apply_lowrank
from specproof.spectral.optimizers.skew_numerics import column_norms, column_ratio
from specproof.spectral.optimizers.skew_series import _taylor_action, expm_skew


def _rotating_column(n, k):
    """B rotates e0 into e1; X has e0 as column 0 and ones below row 2 elsewhere."""
    B = np.zeros((n, n))
    B[0, 1], B[1, 0] = 1.0, -1.0
    X = np.zeros((n, k))
    X[0, 0] = 1.0
    X[2:, 1:] = 1.0
    return B, X


def _rotated(X, s):
    ref = X.copy()
    ref[0, 0], ref[1, 0] = math.cos(s), -math.sin(s)
    return ref


def test_dense_even_odd_series_is_accurate_in_every_column(monkeypatch):
    B, X = _rotating_column(600, 600)
    s = 1.8025316455696203
    got = eo._even_odd_action(B, X, s)
    assert np.abs(got - sla.expm(s * B) @ X).max() <= 4e-16   # was 2.9e-14
    monkeypatch.setattr(eo, "late_powers_bound", lambda *a: math.inf)
    assert np.abs(got - eo._even_odd_action(B, X, s)).max() <= 4e-16


def test_low_rank_core_series_is_accurate_in_every_column():
    d = k = 600
    s = 5.195973154362416
    U, V = np.zeros((d, 2)), np.zeros((d, 2))
    U[0, 0], V[1, 0] = 1.0, 1.0
    U[2:, 1] = 1.0 / math.sqrt(d - 2)
    _, X = _rotating_column(d, k)
    assert np.abs(apply_lowrank(U, V, s, X, "expm") - _rotated(X, s)).max() <= 4e-15


@pytest.mark.parametrize("k", [1, 300])
def test_taylor_series_is_accurate_in_every_column(k):
    B, X = _rotating_column(300, k)
    got = _taylor_action(B, X, None, 6.0)
    assert np.abs(got - _rotated(X, 6.0)).max() <= 3e-16   # k = 300 was 1.25e-13


def test_a_pion_step_keeps_the_rotated_column_a_unit_vector():
    W0 = np.zeros((600, 500))
    W0[0, 0] = 1.0
    W0[2:, 1:] = 1.0
    G = np.zeros((600, 500))
    G[1, 0] = 1.0
    opt = Pion(lr=np.linspace(0.003, 0.02, 48)[44], side="out", transform="expm",
               momentum="lie-lie", second_moment=False)
    p = {"W": W0.copy()}
    opt.step(p, {"W": G})
    A, s = opt.diagnostics["W"]["A_out"], opt.diagnostics["W"]["step_size"]
    ref = W0.copy()
    ref[:2, 0] = sla.expm(s * A[:2, :2]) @ W0[:2, 0]
    assert np.abs(p["W"] - ref).max() <= 1e-15              # was 2.6e-14
    assert abs(np.linalg.norm(p["W"][:, 0]) - 1.0) <= 4e-16


def test_torch_pion_keeps_the_untouched_singular_value():
    torch = pytest.importorskip("torch", reason="torch is an optional extra")
    from specproof.spectral.torch import Pion as TorchPion

    W0 = np.zeros((300, 250))
    W0[0, 0] = 1.0
    W0[2:, 1:] = 1.0
    G = np.zeros((300, 250))
    G[1, 0] = 1.0
    W = torch.nn.Parameter(torch.tensor(W0))
    opt = TorchPion([W], lr=0.01, side="out", transform="expm", momentum="lie-lie",
                    second_moment=False)
    for _ in range(100):
        W.grad = torch.tensor(G)
        opt.step()
    # the column e0 only rotates: its norm stays 1 (drifted 3.4e-12 in 100 steps before)
    assert abs(np.linalg.norm(W.detach().numpy()[:, 0]) - 1.0) <= 1e-14


@pytest.mark.parametrize("rotation, error", [(0.3, 2e-15), (4.0, 2e-15), (40.0, 5e-14)])
def test_orthogonal_factor_expm_is_pions_factor(rotation, error):
    # scipy's Pade: 9.7e-14 from orthogonal at 4 radians, 7.9e-14 at 40; Pion's own
    # exponential (Taylor on sA / 2^j, squared j times) loses about 2^j u in the squaring
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    Q = orthogonal_factor(A, rotation, "expm")
    assert np.array_equal(Q, expm_skew(rotation * A))
    exact = np.array([[math.cos(rotation), math.sin(rotation)],
                      [-math.sin(rotation), math.cos(rotation)]])
    assert np.abs(Q.T @ Q - np.eye(2)).max() <= error
    assert np.abs(Q - exact).max() <= error


def test_orthogonal_factor_of_a_general_matrix_is_scipys():
    A = np.array([[0.1, 0.7], [0.2, -0.3]])
    assert np.array_equal(orthogonal_factor(A, 0.5, "expm"), sla.expm(0.5 * A))


@pytest.mark.parametrize("s, transform", [(1e154, "expm"), (1e7, "expm"), (1e200, "e2")])
def test_orthogonal_factor_refuses_what_it_cannot_compute(s, transform):
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    with pytest.raises(ArgumentError, match="radians is not computed|overflows float64"):
        orthogonal_factor(A, s, transform)


@settings(max_examples=60, deadline=None)
@given(exponent=st.integers(-320, 300), seed=st.integers(0, 2**16),
       zero_col=st.booleans())
def test_column_norms_at_every_magnitude(exponent, seed, zero_col):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((7, 4)) * 10.0 ** exponent
    if zero_col:
        x[:, 1] = 0.0
    got = column_norms(x)
    # the reference scales each column by a power of two first: exact scaling
    ref = np.array([np.linalg.norm(np.ldexp(c, -math.frexp(np.abs(c).max())[1]))
                    * 2.0 ** math.frexp(np.abs(c).max())[1] if np.any(c) else 0.0
                    for c in x.T])
    ok = ref > 0
    assert np.all(got[~ok] == 0.0)
    # subnormal entries carry fewer digits, but the norm of what is stored is exact
    assert np.allclose(got[ok], ref[ok], rtol=1e-14, atol=0.0)


def test_column_ratio_floors_at_the_largest_columns_rounding():
    assert column_ratio(np.array([1e-3, 0.0]), np.array([1.0, 1e3])) == 1e-3
    # a column of x far below the largest is measured against u times the largest
    assert column_ratio(np.array([1e-30]), np.array([0.0])) == math.inf
    assert column_ratio(np.array([0.0, 0.0]), np.array([0.0, 0.0])) == 0.0
    assert column_ratio(np.array([1e-10, 1e-20]), np.array([1.0, 1e-30])) == pytest.approx(
        1e-20 / 2.0**-53, rel=1e-15)


def test_column_ratio_floors_at_the_series_own_unit_roundoff():
    # a float32 series is measured against float32's floor, not float64's
    p, x = np.array([0.0, 1e-12]), np.array([1.0, 1e-12])
    assert column_ratio(p, x, 2.0**-24) == pytest.approx(1e-12 / 2.0**-24, rel=1e-15)
    assert column_ratio(p, x) == 1.0
