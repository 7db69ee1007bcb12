"""Session-12 speed changes of the dense Pion step: each keeps the values it replaced.

- the Paterson-Stockmeyer chunks are added in place (``axpy``), for numpy of any
  order and dtype and for torch;
- the large temporaries of a step (the float32 copy for the norm estimate, the
  generator's row strips, the in side's exponential) come from the workspace: the same
  values as fresh arrays, bit for bit;
- the generator's denominator is negated before the division (one pass less), exactly;
- ``first_nonfinite`` decides from the sum first, never passing a non-finite entry;
- the even/odd series adds ``h B odd`` into its even sum by one ``gemm`` and scales its
  float32 power by the known ``||P||_F``;
- float64 Frobenius norms are einsum's, not BLAS's, and the Paterson-Stockmeyer terms
  numpy's ufuncs, not scipy's ``axpy``: numpy and scipy each load an OpenBLAS, whose
  threads slow each other down when calls alternate.
"""

import math
import re

import numpy as np
import pytest
import scipy.linalg as sla

from specproof._core import ArgumentError, first_nonfinite
from specproof.spectral.optimizers import pion_expm
from specproof.spectral.optimizers import skew_even_odd as eo
from specproof.spectral.optimizers.skew_kernels import apply_dense_right, dense_factor
from specproof.spectral.optimizers.skew_moments import preconditioned_generator
from specproof.spectral.optimizers.skew_numerics import _fro, _plain_fro
from specproof.spectral.optimizers.skew_series import _taylor_polynomial, expm_skew
from specproof.spectral.optimizers.workspace import Workspace


def _naive(C, m):
    return sum(np.linalg.matrix_power(C, k) / math.factorial(k) for k in range(m + 1))


@pytest.mark.parametrize("m", [0, 1, 2, 3, 4, 5, 8, 9, 14])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_paterson_stockmeyer_in_place_leaves_C_and_matches_the_sum(m, layout):
    rng = np.random.default_rng(m)
    base = rng.standard_normal((14, 14)) / 8.0
    C = {"C": base.copy(), "F": np.asfortranarray(base),
         "strided": np.repeat(base, 2, 1)[:, ::2]}[layout]
    before = C.copy()
    got = _taylor_polynomial(C, m)
    assert np.array_equal(C, before)  # the chunks never write C or its powers' source
    np.testing.assert_allclose(got, _naive(base, m), rtol=0, atol=2e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_paterson_stockmeyer_torch_equals_numpy(dtype):
    torch = pytest.importorskip(
        "torch", reason="torch not installed (extra 'torch'): the torch chunks not tested")
    rng = np.random.default_rng(3)
    C = (rng.standard_normal((12, 12)) / 6.0).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-15
    for m in (0, 3, 8):
        ref = _naive(C.astype(np.float64), m)
        got_np = _taylor_polynomial(C, m)
        got_t = _taylor_polynomial(torch.tensor(C), m).numpy()
        assert got_np.dtype == dtype and got_t.dtype == dtype
        np.testing.assert_allclose(got_np, ref, rtol=0, atol=tol)
        np.testing.assert_allclose(got_t, ref, rtol=0, atol=tol)


# -- the workspace arrays: the same values as fresh arrays, bit for bit --------------------

def _skew(rng, d):
    X = rng.standard_normal((d, d))
    return X - X.T


@pytest.mark.parametrize("scale", [0.0, 0.05, 0.4, 3.0, 40.0])  # 0 to 7 squarings
def test_expm_with_a_workspace_equals_without(scale):
    rng = np.random.default_rng(1)
    ws = Workspace()
    for d, dtype in ((10, np.float64), (7, np.float64), (10, np.float32)):
        A = _skew(rng, d).astype(dtype)
        B = scale * A / np.linalg.norm(A, 2)
        ref = expm_skew(B.copy())
        got = expm_skew(B.copy(), ws)
        assert got.dtype == dtype and np.array_equal(got, ref)
        assert np.array_equal(dense_factor(A, 0.3, "expm", ws=ws), dense_factor(A, 0.3, "expm"))
    # the factor is a workspace temporary, but what apply_dense_right returns is not
    A = _skew(rng, 6)
    X = rng.standard_normal((20, 6))
    first = apply_dense_right(X, A, 0.2, "expm", ws=ws)
    kept = first.copy()
    apply_dense_right(2.0 * X, A, 0.7, "expm", ws=ws)
    assert np.array_equal(first, kept)
    np.testing.assert_allclose(first, X @ expm_skew(-0.2 * A).T, rtol=0, atol=1e-14)


@pytest.mark.parametrize("mode", ["lie-v", "lie", "transported-v", "transported"])
def test_generator_strips_from_a_workspace_equal_fresh_ones(mode):
    rng = np.random.default_rng(2)
    ws = Workspace()
    lie, second = mode.startswith("lie"), mode.endswith("-v")
    for d_out, d_in, tile in ((23, 9, 4), (9, 23, 4), (23, 9, 5)):
        W, G, M = rng.standard_normal((3, d_out, d_in))
        for side, d in (("out", d_out), ("in", d_in)):
            m = _skew(rng, d) if lie else None
            v = np.abs(rng.standard_normal((d, d))) if second else None
            v = v + v.T if second else None
            args = (W, G, side, m, v, (0.9, 0.99), 1e-8)
            ref = preconditioned_generator(*args, M=None if lie else M, tile=tile)
            got = preconditioned_generator(*args, M=None if lie else M, tile=tile,
                                           workspace=ws)
            for r, g in zip(ref, got):
                assert (r is None and g is None) or np.array_equal(r, g)
            assert np.array_equal(got[2], -got[2].T)


def test_generator_denominator_is_the_whole_array_expression_exactly():
    # -m / (sqrt(v) + eps) as -eps - sqrt(v) and one division: bit for bit the same
    rng = np.random.default_rng(4)
    W, G = rng.standard_normal((2, 17, 6))
    m, v = _skew(rng, 17), np.abs(rng.standard_normal((17, 17)))
    v = v + v.T
    v[3, 5] = v[5, 3] = 0.0  # sqrt(0) + eps
    for eps in (1e-8, 0.0, 1e-300):
        m2, v2, A = preconditioned_generator(W, G, "out", m, v, (0.9, 0.99), eps, tile=4)
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = -m2 / (np.sqrt(v2) + eps)
        assert np.array_equal(A, ref, equal_nan=True)


def test_norm_estimate_from_a_workspace_copy_equals_a_fresh_copy():
    rng = np.random.default_rng(5)
    A = _skew(rng, 1100)  # past the 2^20 entries of the float32 route
    ws = Workspace()
    assert pion_expm._norm_estimate(A, ws) == pion_expm._norm_estimate(A)
    assert ws.array("estimate32", A.shape, np.float32).dtype == np.float32
    big = A * 1e35  # outside float32's range: the float64 estimate, equal to a scaled one
    est = pion_expm._norm_estimate(big, ws)
    assert abs(est / 1e35 - pion_expm._norm_estimate(A)) < 1e-6 * est / 1e35


def test_first_nonfinite_by_its_sum_never_passes_a_nonfinite_entry():
    first_nonfinite(np.array([1e308, 1e308, -1e308]), "x")  # the sum overflows: all finite
    first_nonfinite(np.array([2**62, 2**62], dtype=np.int64), "x")  # integers: finite
    for bad, where in ((np.array([np.inf, -np.inf]), "(0,)"),
                       (np.array([1.0, np.nan]), "(1,)"),
                       (np.array([[1.0, 2.0], [3.0, -np.inf]]), "(1, 1)"),
                       (np.array([1.0 + 0j, 2.0 + 1j * np.inf]), "(1,)"),
                       (np.array([6e4, np.inf], dtype=np.float16), "(1,)")):
        expected = rf"x has a non-finite entry .* at index {re.escape(where)}"
        with pytest.raises(ArgumentError, match=expected):
            first_nonfinite(bad, "x")


# -- the even/odd series: h B odd + even by one gemm, the float32 power's scale from ||P|| --

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_times_plus_is_y_plus_h_b_x(dtype, layout):
    rng = np.random.default_rng(6)
    B, X, Y = (rng.standard_normal(shape).astype(dtype) for shape in ((9, 9), (9, 4), (9, 4)))
    if layout == "F":
        B = np.asfortranarray(B)
    elif layout == "strided":
        X = np.repeat(X, 2, 1)[:, ::2]
    ref = Y.astype(np.float64) + 0.3 * (B.astype(np.float64) @ X.astype(np.float64))
    out = Y.copy()
    got = eo._times_plus(B, X, 0.3, out)
    assert got is out and got.dtype == dtype  # into Y itself
    tol = 1e-5 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e-300, 1e250])
def test_float32_power_scaled_by_a_bound_equals_scaled_by_the_largest_entry(scale):
    rng = np.random.default_rng(7)
    C = rng.standard_normal((50, 50))
    C = (C + C.T) / 20.0
    C32 = np.asfortranarray(C.astype(np.float32))
    P = rng.standard_normal((50, 6)) * scale
    ref = C @ P * 0.25
    by_max = eo._float32_power(C32, P, 0.25, np.empty_like(P))
    for bound in (float(np.linalg.norm(P / scale)) * scale, None, 0.0, np.inf, np.nan):
        got = eo._float32_power(C32, P, 0.25, np.empty_like(P), bound=bound)
        # the same float32 rounding either way: within float32's accuracy of the product
        assert np.abs(got - ref).max() <= 1e-5 * np.abs(ref).max()
        assert np.abs(got - by_max).max() <= 1e-5 * np.abs(ref).max()
    zero = eo._float32_power(C32, np.zeros((50, 6)), 0.25, np.ones((50, 6)), bound=0.0)
    assert np.array_equal(zero, np.zeros((50, 6)))


@pytest.mark.parametrize("step_norm", [0.09, 3.0, 7.5])  # 1, 6 and 15 substeps
def test_even_odd_result_with_a_workspace_over_substeps(step_norm):
    rng = np.random.default_rng(8)
    A = _skew(rng, 60)
    X = rng.standard_normal((60, 7))
    s = step_norm / np.linalg.norm(A, 2)
    ws = Workspace()
    ref = eo._even_odd_action(A, X, s)
    got = eo._even_odd_action(A, X, s, ws=ws)
    assert np.array_equal(got, ref)  # the same operations, alternating arrays
    again = eo._even_odd_action(A, 2.0 * X, s, ws=ws)  # `got` is held: a new array
    assert again is not got and np.array_equal(got, ref)
    np.testing.assert_allclose(ref, sla.expm(s * A) @ X, rtol=0,
                               atol=3e-14 * max(1.0, step_norm) * np.abs(X).max())


# -- norms without BLAS (numpy's and scipy's OpenBLAS threads must not alternate) ---------

@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_frobenius_norm_by_einsum_equals_numpys(layout, dtype):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((300, 70))
    if dtype == np.complex128:
        x = x + 1j * rng.standard_normal((300, 70))
    x = x.astype(dtype)
    x = {"C": x, "F": np.asfortranarray(x), "strided": x[::3, 1::2]}[layout]
    ref = float(np.linalg.norm(x.astype(np.complex128 if dtype == np.complex128 else np.float64)))
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert abs(_plain_fro(x) - ref) <= tol * ref
    big = 1e30 if dtype == np.float32 else 1e200  # squares past the dtype's range
    assert abs(_fro(x * big) / big - ref) <= tol * ref  # the scaled pass past overflow
    assert abs(_fro(x / big) * big - ref) <= tol * ref  # and past underflow


# -- the session's review: numpy's negative on a column view, aliasing, a NaN ||A W|| -----


@pytest.mark.parametrize("dtype, tile, d", [(np.float32, 3, 7), (np.float32, 4, 9),
                                            (np.float64, 7, 15), (np.float64, 8, 17)])
@pytest.mark.parametrize("lie", [True, False])
def test_a_one_wide_last_tile_negates_the_right_entries(dtype, tile, d, lie):
    # numpy 2.4's np.negative read the wrong elements of an (n, 1) column view with a
    # row stride of 16 (float32) or 64 bytes (float64): the last tile of these tilings
    rng = np.random.default_rng(d)
    W, M = rng.standard_normal((2, d, 5)).astype(dtype)
    m = _skew(rng, d).astype(dtype) if lie else None
    _, _, A = preconditioned_generator(W, 0 * W, "out", m, None, (0.9, 0.99), 1e-8,
                                       M=None if lie else M, tile=tile)
    ref = -(0.9 * m.astype(np.float64)) if lie else -(M @ W.T - W @ M.T).astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(A, ref, rtol=0, atol=tol * np.abs(ref).max())
    assert np.array_equal(A, -A.T)


def test_times_plus_refuses_an_output_that_overlaps_its_inputs():
    rng = np.random.default_rng(10)
    B, X = rng.standard_normal((2, 7, 7))
    with pytest.raises(ValueError, match="must not overlap"):
        eo._times_plus(B, X, 0.5, X)
    with pytest.raises(ValueError, match="must not overlap"):
        eo._times_plus(B, X, 0.5, B)


def test_a_nan_norm_of_a_w_leaves_d_to_the_caller(monkeypatch):
    # max(0.0, nan) was 0: ||D|| 0, alpha 0, a step that silently did not move
    rng = np.random.default_rng(11)
    A = _skew(rng, 30)
    W = rng.standard_normal((30, 4))
    monkeypatch.setattr(pion_expm, "square_times",
                        lambda C, P, alpha=1.0, out=None: np.full(P.shape, np.nan))
    for WA in (None, W @ _skew(rng, 4)):
        assert pion_expm.SquaredOutSide(A, W, WA, 10.0).norm_D is None
