"""The unpivoted block solve with ``I - hA`` (torch Cayley) equals LAPACK's pivoted solve."""

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip(
    "torch", reason="torch not installed (extra 'torch'): the torch block solve not tested"
)
import specproof.spectral as spectral  # noqa: E402
from specproof.spectral import torch as sptorch  # noqa: E402
from specproof.spectral.optimizers import skew_solve  # noqa: E402
from specproof.spectral.optimizers.skew_numerics import _cayley_solve  # noqa: E402


def _skew(d, seed, spread=0.0):
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((d, d)) * np.logspace(0, spread, d)
    A = G - G.T
    return A / np.linalg.norm(A, 2)


@settings(max_examples=60, deadline=None)
@given(d=st.integers(1, 40), block=st.integers(1, 9), log_h=st.floats(-3, 2),
       seed=st.integers(0, 2**16), k=st.integers(1, 5))
def test_block_solve_equals_pivoted_solve(d, block, log_h, seed, k):
    # every size against every block size (ragged last blocks, one block, blocks of 1)
    A = _skew(d, seed) if d > 1 else np.zeros((1, 1))
    h = 10.0**log_h
    M = np.eye(d) - h * A
    B = np.random.default_rng(seed + 1).standard_normal((d, k))
    X = skew_solve.solve_blocked(torch.tensor(M), torch.tensor(B), block=block).numpy()
    ref = np.linalg.solve(M, B)
    assert np.abs(X - ref).max() <= 1e-13 * max(1.0, h) * np.abs(ref).max()


@pytest.mark.parametrize("h", [0.01, 1.0, 10.0, 30.0])
@pytest.mark.parametrize("spread", [0.0, 3.0])
@pytest.mark.parametrize("seed", [7, 8])
def test_block_solve_as_accurate_as_lapack_up_to_rho_30(h, spread, seed):
    # rho = h ||A||_2 up to 30 (3x the route's bound): the error of the blocked route stays
    # within 3x the pivoted solve's (both against the float64 solve; float32 inputs). At
    # rho = 100 it was measured up to 6x worse, which is why the route stops at 10
    d = 300
    A = _skew(d, seed, spread)
    M = np.eye(d) - h * A
    B = np.random.default_rng(8).standard_normal((d, 20))
    ref = np.linalg.solve(M, B)
    M32, B32 = torch.tensor(M, dtype=torch.float32), torch.tensor(B, dtype=torch.float32)
    pivoted = torch.linalg.solve(M32, B32).double().numpy()
    blocked = skew_solve.solve_blocked(M32.clone(), B32.clone(), block=64).double().numpy()
    err = lambda X: np.abs(X - ref).max() / np.abs(ref).max()  # noqa: E731
    assert err(blocked) <= max(3.0 * err(pivoted), 2e-6)


def test_blocked_route_is_chosen_by_size_and_step_bound():
    A = torch.tensor(_skew(skew_solve.MIN_BLOCKED, 1))
    fro = float(torch.linalg.vector_norm(A))
    limit = skew_solve.MAX_BLOCKED_RHO / fro
    assert skew_solve.blocked_applies(A, 0.999 * limit)
    assert skew_solve.blocked_applies(A, -0.999 * limit)
    assert not skew_solve.blocked_applies(A, 1.01 * limit)
    assert not skew_solve.blocked_applies(A, float("inf"))
    small = A[:-1, :-1]
    assert not skew_solve.blocked_applies(small, 1e-6)
    with_inf = A.clone()
    with_inf[0, 1], with_inf[1, 0] = float("inf"), -float("inf")
    assert not skew_solve.blocked_applies(with_inf, 1e-6)


@pytest.mark.parametrize("h", [0.003, 0.02, 1e3])
def test_cayley_solve_torch_equals_scipy(h):
    # d = 600 takes the blocked route for the first two steps and the pivoted one for
    # the last (h ||A||_F far above 10); B is left alone unless overwrite_b. Two solvers
    # agree to about cond(I - hA) u, and cond = sqrt(1 + (h ||A||_2)^2)
    d = 600
    A = _skew(d, 3) * 5.0
    B = np.random.default_rng(4).standard_normal((d, 30))
    ref = sla.solve(np.eye(d) - h * A, B)
    tol = 1e-13 * np.hypot(1.0, 5.0 * h) * np.abs(ref).max()
    tA, tB = torch.tensor(A), torch.tensor(B)
    assert skew_solve.blocked_applies(tA, h) == (h < 1.0)
    X = _cayley_solve(tA, h, tB).numpy()
    assert np.array_equal(tB.numpy(), B)
    assert np.abs(X - ref).max() <= tol
    X2 = _cayley_solve(tA, h, tB.clone(), overwrite_b=True).numpy()
    assert np.abs(X2 - ref).max() <= tol


@pytest.mark.parametrize("side", ["out", "both"])
@pytest.mark.parametrize("momentum", ["lie-lie", "transported"])
def test_torch_cayley_pion_on_a_tall_matrix_matches_numpy(side, momentum, monkeypatch):
    # 600 x 40: the out-side generator is 600 x 600, so the torch step takes the blocked
    # solve (counted), the numpy step scipy's pivoted one; 5 steps agree to 1e-12
    calls = []
    original = skew_solve.solve_blocked
    monkeypatch.setattr(skew_solve, "solve_blocked",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    kw = dict(lr=0.02, transform="cayley", side=side, momentum=momentum, low_rank="never")
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((600, 40)) / np.sqrt(40)
    params = {"W": W0.copy()}
    tW = torch.nn.Parameter(torch.tensor(W0.copy()))
    np_opt, t_opt = spectral.Pion(**kw), sptorch.Pion([tW], **kw)
    for _ in range(5):
        g = rng.standard_normal(W0.shape)
        np_opt.step(params, {"W": g})
        tW.grad = torch.tensor(g)
        t_opt.step()
    assert len(calls) == 5
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-12
    s0, s1 = (np.linalg.svd(x, compute_uv=False) for x in (W0, tW.detach().numpy()))
    assert np.abs(s1 - s0).max() <= 1e-13


def test_float32_cayley_factor_is_orthogonal_to_float32_rounding():
    d = 700
    A = torch.tensor(_skew(d, 11) * 3.0, dtype=torch.float32)
    eye = torch.eye(d)
    assert skew_solve.blocked_applies(A, 0.05)
    Q = _cayley_solve(A, 0.05, eye + 0.05 * A)
    err = float((Q.double().T @ Q.double() - torch.eye(d, dtype=torch.float64)).abs().max())
    assert err <= 2e-6
