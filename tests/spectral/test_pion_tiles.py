"""Pion's tiled moment update, the factor-or-action choice and the Taylor kernels.

The optimizers keep 256 x 256 tiles; these tests shrink the tile (``skew_moments.TILE``)
so that small matrices span many tiles and every code path (diagonal, off-diagonal,
ragged last tile, upper-only state) runs.
"""

import itertools
import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import specproof.spectral as spectral
from specproof._core import ArgumentError
from specproof.spectral.optimizers import skew_moments
from specproof.spectral.optimizers.skew_kernels import (
    apply_dense,
    apply_dense_right,
    dense_factor,
)
from specproof.spectral.optimizers.skew_moments import complete_lower, preconditioned_generator
from specproof.spectral.optimizers.skew_series import (
    _taylor_action,
    _taylor_polynomial,
    expm_apply,
    expm_skew,
    taylor_degree,
)

torch = pytest.importorskip(
    "torch", reason="torch not installed (extra 'torch'): torch tiles not tested"
)
from specproof.spectral import torch as sptorch  # noqa: E402


def _skew(rng, d):
    X = rng.standard_normal((d, d))
    return X - X.T


@pytest.mark.parametrize("tile", [1, 2, 3, 4, 7, 100])
@pytest.mark.parametrize("side", ["out", "in"])
@pytest.mark.parametrize("mode", ["lie-v", "lie", "transported-v", "transported"])
def test_tiles_equal_the_whole_array_formulas(tile, side, mode):
    rng = np.random.default_rng(tile)
    W, G, Mt = rng.standard_normal((3, 9, 5))
    d = 9 if side == "out" else 5
    m_old, v_old = _skew(rng, d), np.abs(rng.standard_normal((d, d)))
    v_old = v_old + v_old.T
    lie, second = mode.startswith("lie"), mode.endswith("-v")
    S = (G @ W.T if side == "out" else W.T @ G)
    S = S - S.T
    mom = 0.9 * m_old + (1 - 0.9) * S if lie else None
    if not lie:
        X = Mt @ W.T if side == "out" else W.T @ Mt
        mom_ref = X - X.T
    m2, v2, A = preconditioned_generator(
        W, G, side, m_old if lie else None, v_old if second else None, (0.9, 0.99), 1e-8,
        M=None if lie else Mt, tile=tile)
    moment = mom if lie else mom_ref
    if second:
        v_ref = 0.99 * v_old + (1 - 0.99) * (S * S)
        A_ref = -moment / (np.sqrt(v_ref) + 1e-8)
        np.testing.assert_allclose(v2, v_ref, rtol=1e-15, atol=0)
        assert np.all(v2 == v2.T)
    else:
        A_ref = -moment
        assert v2 is None
    if lie:
        np.testing.assert_allclose(m2, mom, rtol=1e-14, atol=1e-15)
        assert np.all(m2 == -m2.T)
    else:
        assert m2 is None
    np.testing.assert_allclose(A, A_ref, rtol=1e-13, atol=1e-14)
    assert np.all(A == -A.T)  # exactly skew, whatever the tile



@pytest.mark.parametrize("d, tile", [(300, 256), (450, 200), (129, 128), (260, 130)])
def test_lower_tiles_are_exact_transposes_across_the_copy_blocks(d, tile):
    # tiles larger than the 128-block of the numpy transposed copy, ragged on both axes:
    # a block copied to the wrong place or left out breaks the exact skew symmetry
    rng = np.random.default_rng(d)
    W, G = rng.standard_normal((2, d, 7))
    m_old, v_old = _skew(rng, d), np.abs(rng.standard_normal((d, d)))
    v_old = v_old + v_old.T
    m2, v2, A = preconditioned_generator(W, G, "out", m_old, v_old, (0.9, 0.99), 1e-8,
                                         tile=tile)
    S = G @ W.T
    S = S - S.T
    v_ref = 0.99 * v_old + 0.01 * (S * S)
    A_ref = -(0.9 * m_old + 0.1 * S) / (np.sqrt(v_ref) + 1e-8)
    assert np.array_equal(A, -A.T) and np.array_equal(m2, -m2.T) and np.array_equal(v2, v2.T)
    np.testing.assert_allclose(A, A_ref, rtol=1e-13, atol=1e-14)

@pytest.mark.parametrize("tile", [1, 2, 3, 4, 7, 100])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_tiles_equal_numpy_tiles(tile, dtype):
    # the torch lower tiles go through contiguous buffers (a blockwise transpose): every
    # entry must equal the numpy tiles' (same operations) and A be exactly skew
    rng = np.random.default_rng(tile)
    W, G = rng.standard_normal((2, 9, 5)).astype(dtype)
    m_old = _skew(rng, 9).astype(dtype)
    v_old = np.abs(rng.standard_normal((9, 9))).astype(dtype)
    v_old = v_old + v_old.T
    ref = preconditioned_generator(W, G, "out", m_old, v_old, (0.9, 0.99), 1e-8, tile=tile)
    got = preconditioned_generator(
        torch.tensor(W), torch.tensor(G), "out", torch.tensor(m_old), torch.tensor(v_old),
        (0.9, 0.99), 1e-8, tile=tile)
    A = got[2].numpy()
    assert A.dtype == np.dtype(dtype) and np.array_equal(A, -A.T)
    tol = 1e-5 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(A, ref[2], rtol=tol, atol=tol * np.abs(ref[2]).max())
    assert np.abs(A).min() < np.abs(A).max()  # not all zero


def test_upper_only_state_completes_to_the_full_update():
    rng = np.random.default_rng(0)
    W, G = rng.standard_normal((2, 11, 4))
    m, v = _skew(rng, 11), rng.random((11, 11))
    v = v + v.T
    full = preconditioned_generator(W, G, "out", m.copy(), v.copy(), (0.9, 0.99), 1e-8, tile=3)
    part = preconditioned_generator(W, G, "out", m.copy(), v.copy(), (0.9, 0.99), 1e-8, tile=3,
                                    complete=False)
    assert not np.array_equal(part[0], full[0])  # the lower tiles were not written
    assert np.array_equal(complete_lower(part[0], -1.0, tile=3), full[0])
    assert np.array_equal(complete_lower(part[1], 1.0, tile=3), full[1])
    assert np.array_equal(part[2], full[2])


def test_bad_moment_arguments():
    W = np.ones((3, 2))
    with pytest.raises(ValueError, match="first moment m or the transported moment M"):
        preconditioned_generator(W, W, "out", None, None, (0.9, 0.99), 1e-8)


PION_CASES = [
    dict(side=s, momentum=m, second_moment=v, transform=t)
    for s, m, v, t in itertools.product(
        ["both", "alternate", "in", "out"], ["lie-lie", "transported"], [True, False],
        ["e2", "cayley", "expm"])
]


@pytest.mark.parametrize("kw", PION_CASES[::3], ids=lambda kw: "-".join(map(str, kw.values())))
def test_pion_does_not_depend_on_the_tile(monkeypatch, kw):
    rng = np.random.default_rng(5)
    W0 = rng.standard_normal((13, 6))
    grads = [rng.standard_normal((13, 6)) for _ in range(6)]
    results = []
    for tile in (3, 10_000):
        monkeypatch.setattr(skew_moments, "TILE", tile)
        opt, params = spectral.Pion(lr=0.05, **kw), {"W": W0.copy()}
        for g in grads:
            opt.step(params, {"W": g})
        results.append((params["W"], opt.state_dict()["state"]["W"]))
    (Wa, sa), (Wb, sb) = results
    np.testing.assert_allclose(Wa, Wb, rtol=0, atol=1e-13)
    for key in sa:
        if key.startswith(("m_", "v_")):
            np.testing.assert_allclose(sa[key], sb[key], rtol=0, atol=1e-13)
            sign = -1 if key.startswith("m_") else 1
            assert np.array_equal(sa[key], sign * sa[key].T), key


def test_numpy_state_dict_is_complete_and_resumes(monkeypatch):
    monkeypatch.setattr(skew_moments, "TILE", 4)
    rng = np.random.default_rng(1)
    W0 = rng.standard_normal((10, 3))
    grads = [rng.standard_normal((10, 3)) for _ in range(6)]
    a, pa = spectral.Pion(lr=0.05), {"W": W0.copy()}
    for g in grads[:3]:
        a.step(pa, {"W": g})
    sd = a.state_dict()
    m = sd["state"]["W"]["m_out"]
    assert np.array_equal(m, -m.T) and np.abs(m).max() > 0
    b, pb = spectral.Pion(lr=0.05), {"W": pa["W"].copy()}
    b.load_state_dict(sd)
    for g in grads[3:]:
        a.step(pa, {"W": g})
        b.step(pb, {"W": g})
    assert np.array_equal(pa["W"], pb["W"])


@pytest.mark.parametrize("shape", [(11, 4), (4, 11)], ids=["tall", "wide"])
@pytest.mark.parametrize("kw", PION_CASES[1::4], ids=lambda kw: "-".join(map(str, kw.values())))
def test_torch_tiles_equal_numpy_over_20_steps(monkeypatch, shape, kw):
    monkeypatch.setattr(skew_moments, "TILE", 3)
    rng = np.random.default_rng(7)
    W0 = rng.standard_normal(shape)
    params = {"W": W0.copy()}
    tW = torch.nn.Parameter(torch.tensor(W0.copy()))
    np_opt, topt = spectral.Pion(lr=0.05, **kw), sptorch.Pion([tW], lr=0.05, **kw)
    for _ in range(20):
        g = rng.standard_normal(shape)
        np_opt.step(params, {"W": g})
        tW.grad = torch.tensor(g)
        topt.step()
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-12 * np.abs(W0).max()
    np_state = np_opt.state_dict()["state"]["W"]
    t_state = topt.state_dict()["state"][0]
    for key, value in np_state.items():
        if key.startswith(("m_", "v_")):
            got = t_state[key].numpy()
            np.testing.assert_allclose(got, value, rtol=0, atol=1e-12 * np.abs(value).max())
            sign = -1 if key.startswith("m_") else 1
            assert np.array_equal(got, sign * got.T)


def test_torch_state_names_the_upper_only_tensors_and_is_not_shared(monkeypatch):
    monkeypatch.setattr(skew_moments, "TILE", 2)
    rng = np.random.default_rng(2)
    a = torch.nn.Parameter(torch.tensor(rng.standard_normal((7, 3))))
    oa = sptorch.Pion([a], lr=0.05)
    grads = [torch.tensor(rng.standard_normal((7, 3))) for _ in range(5)]
    for g in grads[:2]:
        a.grad = g
        oa.step()
    assert {"m_out_upper", "v_out_upper", "m_in_upper", "v_in_upper"} <= set(oa.state[a])
    sd = oa.state_dict()
    assert "m_out" in sd["state"][0] and "m_out_upper" not in sd["state"][0]
    b = torch.nn.Parameter(a.detach().clone())
    ob = sptorch.Pion([b], lr=0.05)
    ob.load_state_dict(sd)
    assert oa.state[a]["m_out_upper"].data_ptr() != ob.state[b]["m_out_upper"].data_ptr()
    for g in grads[2:]:
        a.grad, b.grad = g, g.clone()
        oa.step()
        ob.step()
    assert torch.equal(a.detach(), b.detach())


@pytest.mark.parametrize("transform", ["e1", "e2", "cayley", "expm"])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_factor_route_equals_action_route(transform, lib):
    rng = np.random.default_rng(3)
    A, X = _skew(rng, 6) / 4, rng.standard_normal((6, 20))
    if lib == "torch":
        A, X = torch.tensor(A), torch.tensor(X)
    wide = apply_dense(A, 0.3, X, transform)  # 20 columns > 6 rows: T(sA) formed
    narrow = [apply_dense(A, 0.3, X[:, i : i + 3], transform) for i in range(0, 20, 3)]
    narrow = np.concatenate([np.asarray(n) for n in narrow], axis=1)
    np.testing.assert_allclose(np.asarray(wide), narrow, rtol=0, atol=1e-14)
    expected = {"e1": np.eye(6) + 0.3 * np.asarray(A),
                "e2": np.eye(6) + 0.3 * np.asarray(A) + 0.045 * np.asarray(A) @ np.asarray(A),
                "cayley": np.linalg.solve(np.eye(6) - 0.15 * np.asarray(A),
                                          np.eye(6) + 0.15 * np.asarray(A)),
                "expm": sla.expm(0.3 * np.asarray(A))}[transform]
    np.testing.assert_allclose(np.asarray(dense_factor(A, 0.3, transform)), expected,
                               rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("h", [0.0, 1e-3, 0.05, 2.0, 1e4])
def test_torch_cayley_solve_reads_the_transposed_view_bit_for_bit(dtype, h):
    # torch solves (I + hA)^T, not I - hA: equal bits only because A is exactly skew
    from specproof.spectral.optimizers.skew_numerics import _cayley_solve

    rng = np.random.default_rng(11)
    A = torch.tensor(_skew(rng, 70), dtype=getattr(torch, dtype))
    B = torch.tensor(rng.standard_normal((70, 9)), dtype=A.dtype)
    got = _cayley_solve(A, h, B)
    assert torch.equal(got, torch.linalg.solve(torch.eye(70, dtype=A.dtype) - h * A, B))
    ref = np.linalg.solve(np.eye(70) - h * A.double().numpy(), B.double().numpy())
    tol = 1e-5 if dtype == "float32" else 1e-13
    assert np.abs(got.double().numpy() - ref).max() <= tol * np.abs(ref).max()
    # the numpy route solves I - hA as written: the same system
    np.testing.assert_allclose(_cayley_solve(A.double().numpy(), h, B.double().numpy()), ref,
                               rtol=0, atol=1e-13 * np.abs(ref).max())


def test_apply_dense_uses_a_known_product_and_the_right_side():
    rng = np.random.default_rng(4)
    A, X = _skew(rng, 8) / 3, rng.standard_normal((3, 8))
    for transform in ("e1", "e2", "cayley", "expm"):
        ref = X @ dense_factor(A, 0.2, transform)
        np.testing.assert_allclose(apply_dense_right(X, A, 0.2, transform, XA=X @ A), ref,
                                   rtol=0, atol=1e-14)
        np.testing.assert_allclose(apply_dense_right(X, A, 0.2, transform), ref, rtol=0,
                                   atol=1e-14)
    # a wrong "known" product is used, not recomputed: the result changes
    wrong = apply_dense(A, 0.2, X.T, "e2", AX=np.zeros((8, 3)))
    assert np.abs(wrong - dense_factor(A, 0.2, "e2") @ X.T).max() > 1e-3


@pytest.mark.parametrize("scale", [0.0, 1e-6, 1e-3, 0.09, 0.5, 3.0, 40.0])
def test_taylor_kernels_against_scipy(scale):
    rng = np.random.default_rng(6)
    A = _skew(rng, 12)
    B = scale * A / np.linalg.norm(A, 2)
    X = rng.standard_normal((12, 4))
    ref = sla.expm(B)
    tol = 1e-13 * max(1.0, scale)
    np.testing.assert_allclose(expm_skew(B), ref, rtol=0, atol=tol)
    np.testing.assert_allclose(_taylor_action(B, X), ref @ X, rtol=0, atol=tol * 4)
    np.testing.assert_allclose(_taylor_action(B, X, BX=B @ X), ref @ X, rtol=0, atol=tol * 4)
    np.testing.assert_allclose(expm_apply(A, scale / np.linalg.norm(A, 2), X), ref @ X,
                               rtol=0, atol=tol * 4)
    Q = expm_skew(B)
    assert np.abs(Q.T @ Q - np.eye(12)).max() < 1e-14 * max(1.0, scale)


def test_taylor_degree_and_paterson_stockmeyer():
    # the remainder bound r^(m+1)/(m+1)! / (1 - r/(m+2)) against the tolerance
    assert taylor_degree(0.5, 2.0**-53) == 14
    assert 0.5**15 / 1307674368000 / (1 - 0.5 / 16) <= 2.0**-53 < 0.5**14 / 87178291200
    assert taylor_degree(0.09, 2.0**-24) == 4
    assert taylor_degree(0.0, 1e-16) == 0
    rng = np.random.default_rng(8)
    C = _skew(rng, 7) / 10
    for m in range(0, 13):
        naive = sum(np.linalg.matrix_power(C, k) / math.factorial(k) for k in range(m + 1))
        np.testing.assert_allclose(_taylor_polynomial(C, m), naive, rtol=0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(exponent=st.floats(-12, 2), seed=st.integers(0, 2**16))
def test_expm_action_is_orthogonal_over_scales(exponent, seed):
    rng = np.random.default_rng(seed)
    A = _skew(rng, 9)
    s = 10.0**exponent / np.linalg.norm(A, 2)
    Q = expm_apply(A, s, np.eye(9)[:, :4])  # the action on 4 columns
    assert np.abs(Q.T @ Q - np.eye(4)).max() < 1e-14 * max(1.0, 10.0**exponent)


def test_eps_zero_with_second_moment_is_refused():
    with pytest.raises(ArgumentError, match="eps must be > 0 when second_moment=True"):
        spectral.Pion(eps=0.0)
    with pytest.raises(ArgumentError, match="0/0"):
        sptorch.Pion([torch.nn.Parameter(torch.eye(3))], eps=0.0)


@pytest.mark.parametrize("transform", ["e2", "cayley", "expm"])
def test_a_vanishing_generator_leaves_w_unchanged_even_with_eps_zero(transform):
    # alpha = c sqrt(mn) / ||D|| would be inf and s * A = inf * 0 = nan: the step is I
    kw = dict(lr=0.1, eps=0.0, second_moment=False, transform=transform)
    W0 = np.random.default_rng(0).standard_normal((5, 3))
    params = {"W": W0.copy()}
    spectral.Pion(**kw).step(params, {"W": np.zeros((5, 3))})
    assert np.array_equal(params["W"], W0)
    tW = torch.nn.Parameter(torch.tensor(W0.copy()))
    opt = sptorch.Pion([tW], **kw)
    tW.grad = torch.zeros(5, 3, dtype=torch.float64)
    opt.step()
    assert np.array_equal(tW.detach().numpy(), W0)
    # a gradient along W itself (G = W: both generators are exactly 0) does the same
    tW.grad = tW.detach().clone()
    opt.step()
    assert np.array_equal(tW.detach().numpy(), W0)


def test_torch_refuses_a_non_finite_update_and_keeps_w():
    from specproof.spectral.optimizers import NonFiniteUpdateError

    W0 = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    tW = torch.nn.Parameter(W0.clone())
    opt = sptorch.Pion([tW], lr=1e30, transform="e1")  # float32: s * A W overflows
    tW.grad = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    # refused before the overflow now: a rotation by 3e29 radians (RotationTooLargeError,
    # a NonFiniteUpdateError)
    with pytest.raises(NonFiniteUpdateError, match="nothing was changed"):
        opt.step()
    assert torch.equal(tW.detach(), W0)
    # nor the state: the first step's fresh moments enter opt.state only with a step
    # that succeeds (they were once written in place, then left as zeros)
    assert not opt.state[tW]


@pytest.mark.parametrize("key, edit, message", [
    ("m_out", lambda a: a.__setitem__((0, 1), np.nextafter(a[0, 1], np.inf)),
     "m_out is not skew-symmetric"),
    ("v_in", lambda a: a.__setitem__((1, 0), a[1, 0] * (1 + 2**-52)), "v_in is not symmetric"),
    ("v_out", lambda a: a.__setitem__((2, 2), -1e-320), "v_out has a negative entry"),
])
def test_a_forged_moment_matrix_is_refused(key, edit, message):
    from specproof.spectral.optimizers import OptimizerStateError

    rng = np.random.default_rng(0)
    opt, params = spectral.Pion(lr=0.05), {"W": rng.standard_normal((6, 4))}
    for _ in range(2):
        opt.step(params, {"W": rng.standard_normal((6, 4))})
    sd = opt.state_dict()
    edit(sd["state"]["W"][key])
    fresh = spectral.Pion(lr=0.05)
    with pytest.raises(OptimizerStateError, match=message):
        fresh.load_state_dict(sd)
    assert fresh.steps == 0  # nothing was loaded
    tW = torch.nn.Parameter(torch.tensor(params["W"]))
    topt = sptorch.Pion([tW], lr=0.05)
    tW.grad = torch.ones(6, 4, dtype=torch.float64)
    topt.step()
    tsd = topt.state_dict()
    arr = tsd["state"][0][key].numpy()
    edit(arr)
    with pytest.raises(OptimizerStateError, match=message):
        sptorch.Pion([tW], lr=0.05).load_state_dict(tsd)
