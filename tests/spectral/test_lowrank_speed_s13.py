"""The low-rank expm route without its wasted product, fresh d x k arrays or float64 tails.

``_integrate`` starts from zero without the product ``C @ 0``, and a float64 numpy series
forms its last terms in float32 where their bound is below float32's share of the sum
(the dense series' rule); ``apply_lowrank`` balances by a power of two and, given ``out``
and ``ws``, adds its two d x r products into ``out`` and makes the core in a workspace
array; Pion's transported momentum and ``A_out W`` go into reused arrays. These tests pin
the values (against an independent exponential, bit for bit where the operations are the
same) and that no reused array is one a caller or the state still holds.
"""

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import specproof.spectral as spectral
from specproof.spectral.optimizers import skew_core_series
from specproof.spectral.optimizers.base import NonFiniteUpdateError
from specproof.spectral.optimizers.pion_update import init_pion_state, pion_update
from specproof.spectral.optimizers.skew_core_series import _integrate, _late_terms_bound
from specproof.spectral.optimizers.skew_kernels import apply_lowrank
from specproof.spectral.optimizers.skew_numerics import FLOAT32_SHARE, _fro, norm2_estimate
from specproof.spectral.optimizers.workspace import Workspace


def _core(r: int = 40, k: int = 24, s: float = 0.02, seed: int = 0):
    """``(C, R)`` of a low-rank Pion step: ``C = s Z^T Y``, ``R = s Z^T U``."""
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((6 * r, r)) / np.sqrt(r)
    V = 0.1 * rng.standard_normal((6 * r, r)) / np.sqrt(r)
    UU, VV, VU = U.T @ U, V.T @ V, V.T @ U
    C = s * np.block([[VU, VV], [-UU, -VU.T]])
    R = s * np.concatenate([VU, -UU])[:, :k]
    return C, R


def _phi_reference(C, R):
    """``x(1)`` for ``x' = C x + R``, ``x(0) = 0``: the top right block of
    ``expm([[C, R], [0, 0]])`` (scipy's scaled Pade, independent of the Taylor series)."""
    n, k = R.shape
    big = np.zeros((n + k, n + k))
    big[:n, :n], big[:n, n:] = C, R
    return sla.expm(big)[:n, n:]


def _count_float32_terms(monkeypatch):
    calls = []
    real = skew_core_series._float32_term
    monkeypatch.setattr(skew_core_series, "_float32_term",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_starting_from_none_skips_the_zero_product_and_changes_nothing():
    C, R = _core()
    rate = norm2_estimate(C, power=2)
    assert np.array_equal(_integrate(C, None, R, rate), _integrate(C, 0.0 * R, R, rate))
    # and with substeps (the later ones start from a non-zero x)
    C8 = 40.0 * C
    rate8 = norm2_estimate(C8, power=2)
    assert np.array_equal(_integrate(C8, None, R, rate8), _integrate(C8, 0.0 * R, R, rate8))
    with pytest.raises(Exception, match="x\\(0\\) or R"):
        _integrate(C, None, None, rate)


@pytest.mark.parametrize("s", [0.02, 0.2, 2.0])
def test_float32_tail_matches_an_independent_exponential(monkeypatch, s):
    C, R = _core(s=s)
    calls = _count_float32_terms(monkeypatch)
    got = _integrate(C, None, R, norm2_estimate(C, power=2), norm2_estimate(C))
    ref = _phi_reference(C, R)
    f64 = _integrate(C, None, R, norm2_estimate(C, power=2))
    assert calls, "the series' last terms are meant to run in float32 here"
    assert _fro(got - ref) <= 1e-15 * _fro(ref)
    # the float32 terms cost at most the float64 series' own rounding
    assert _fro(got - f64) <= 2e-16 * _fro(f64)


def test_float32_tail_is_off_without_a_norm_or_for_float32_input(monkeypatch):
    C, R = _core()
    calls = _count_float32_terms(monkeypatch)
    _integrate(C, None, R, norm2_estimate(C, power=2))
    _integrate(C.astype(np.float32), None, R.astype(np.float32),
               norm2_estimate(C, power=2), norm2_estimate(C))
    _integrate(C, None, R, norm2_estimate(C, power=2), float("nan"))
    assert not calls


@settings(max_examples=30, deadline=None)
@given(st.integers(-900, 900))
def test_float32_tail_scales_exactly_with_the_input(k):
    # R 2^k: every float32 operand is scaled by the power of two of its own norm, so the
    # float32 roundings are the same and the result is exactly 2^k times as large
    C, R = _core(r=12, k=8)
    rate, norm = norm2_estimate(C, power=2), norm2_estimate(C)
    base = _integrate(C, None, R, rate, norm)
    assert np.array_equal(_integrate(C, None, np.ldexp(R, k), rate, norm), np.ldexp(base, k))


def test_float32_tail_on_a_subnormal_input_stays_finite_and_close():
    C, R = _core(r=12, k=8)
    rate, norm = norm2_estimate(C, power=2), norm2_estimate(C)
    tiny = R * 1e-300
    got = _integrate(C, None, tiny, rate, norm)
    f64 = _integrate(C, None, tiny, rate)
    assert np.all(np.isfinite(got))
    assert _fro(got - f64) <= 1e-15 * _fro(f64)
    assert np.array_equal(_integrate(C, None, 0.0 * R, rate, norm), 0.0 * R)


def test_late_terms_bound():
    # a term's bound: (h / k) (2 norm) ||w_(k-1)||, doubled for the later terms
    assert _late_terms_bound(1.0, 7, 0.18, 1.0) == pytest.approx(4 * 0.18 / 7, rel=1e-15)
    assert _late_terms_bound(0.5, 4, 0.3, 2.0) == pytest.approx(2 * (0.5 * 2 * 0.3 / 4) * 2.0,
                                                                rel=1e-15)
    # later terms shrinking by more than 1/2 per term: no bound, no float32
    assert _late_terms_bound(1.0, 3, 1.5, 1e-30) == float("inf")
    assert _late_terms_bound(1.0, 7, 0.18, 8.9e-10) < FLOAT32_SHARE
    assert not _late_terms_bound(1.0, 6, 0.18, 8.8e-8) < FLOAT32_SHARE


def _factors(m=60, r=12, seed=1):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((m, r)) / np.sqrt(r)
    V = 0.3 * rng.standard_normal((m, r)) / np.sqrt(r)
    return U, V


@pytest.mark.parametrize("transform", ["expm", "cayley", "e2", "e1"])
def test_apply_lowrank_into_out_equals_the_expression(transform):
    U, V = _factors()
    X = U.copy()
    ref = apply_lowrank(U, V, 0.3, X, transform)
    out = np.empty_like(X)
    got = apply_lowrank(U, V, 0.3, X, transform, out=out, ws=Workspace())
    assert got is out
    assert _fro(got - ref) <= 2e-16 * _fro(ref)
    A = U @ V.T - V @ U.T
    if transform == "expm":
        assert _fro(got - sla.expm(0.3 * A) @ X) <= 1e-14 * _fro(X)


def test_apply_lowrank_core_in_the_workspace_is_bit_for_bit_the_same():
    U, V = _factors()
    for a in (1.0, 2.0**12, 3.0**-7):  # the same A, balanced by other powers of two
        Ua, Va = U * a, V / a
        ref = apply_lowrank(Ua, Va, 0.3, U, "expm")
        ws = Workspace()
        got = apply_lowrank(Ua, Va, 0.3, U, "expm", ws=ws)
        assert np.array_equal(got, ref)
        again = apply_lowrank(Ua, Va, 0.3, U, "expm", ws=ws)  # the core array reused
        assert np.array_equal(again, ref)


def test_apply_lowrank_refuses_an_out_that_overlaps_its_factors():
    U, V = _factors()
    with pytest.raises(ValueError, match="overlap"):
        apply_lowrank(U, V, 0.3, U.copy(), "expm", out=V)


def test_apply_lowrank_balance_never_overflows():
    # tr(V^T V) / tr(U^T U) beyond float64: the balance is taken from the logarithms
    U, V = _factors(m=20, r=3)
    U, V = U * 1e-100, V * 1e100
    X = U / np.linalg.norm(U)
    got = apply_lowrank(U, V, 1e-3, X, "expm")
    A = U @ V.T - V @ U.T
    assert np.all(np.isfinite(got))
    assert _fro(got - sla.expm(1e-3 * A) @ X) <= 1e-14


LOW_RANK = dict(transform="expm", momentum="transported", second_moment=False)


def _tall(seed=3, shape=(48, 10)):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(shape) / np.sqrt(shape[1])
    T = rng.standard_normal(shape) / np.sqrt(shape[1])
    return W, [W - T + 0.1 * rng.standard_normal(shape) for _ in range(6)]


def test_low_rank_pion_with_its_workspace_equals_the_update_without_it():
    W, grads = _tall()
    opt = spectral.Pion(lr=0.05, **LOW_RANK)
    assert opt.low_rank_sides(W.shape) == ("out",)
    params = {"W": W.copy()}
    ref_W, ref_state = W.copy(), init_pion_state(W, opt._pion_hyper())
    for g in grads:
        opt.step(params, {"W": g})
        ref_W, ref_state, _ = pion_update(ref_W, g, ref_state, opt._pion_hyper(), False)
        # the momentum is the same operations in reused arrays: bit for bit
        assert np.array_equal(opt._state["W"]["m"], ref_state["m"])
        # the factor's two products add into the result (gemm, beta = 1): to rounding
        assert _fro(params["W"] - ref_W) <= 1e-15 * _fro(ref_W)
    s0 = np.linalg.svd(W, compute_uv=False)
    assert np.abs(np.linalg.svd(params["W"], compute_uv=False) - s0).max() <= 1e-14 * s0[0]


def test_low_rank_momentum_is_never_written_while_the_state_or_a_caller_holds_it():
    W, grads = _tall()
    opt = spectral.Pion(lr=0.05, **LOW_RANK)
    params = {"W": W.copy(), "V": W[:20].copy()}
    for g in grads[:3]:
        opt.step(params, {"W": g, "V": g[:20]})
    held = opt._state["W"]["m"]
    saved = held.copy()
    w_before = params["W"].copy()
    # W's update writes its momentum before V's step is refused: the state keeps its own
    v_before = params["V"]
    for _ in range(2):
        params["V"] = v_before * 1e160  # V's Gram blocks overflow: its update is refused
        with pytest.raises(NonFiniteUpdateError, match="params\\['V'\\]"):
            opt.step(params, {"W": grads[3], "V": grads[3][:20]})
        assert opt._state["W"]["m"] is held and np.array_equal(held, saved)
        assert np.array_equal(params["W"], w_before)
    params["V"] = v_before
    # a caller holding an old momentum keeps its values through later steps
    kept = opt._state["W"]["m"]
    kept_copy = kept.copy()
    for g in grads:
        opt.step(params, {"W": g, "V": g[:20]})
    assert np.array_equal(kept, kept_copy)
    # nothing held: two arrays alternate
    del kept, held
    seen = set()
    for g in grads:
        opt.step(params, {"W": g, "V": g[:20]})
        seen.add(id(opt._state["W"]["m"]))
    assert len(seen) == 2


def test_low_rank_weight_kept_by_a_subclass_is_never_overwritten():
    class Snapshots(spectral.Pion):
        kept: list = []

        def _update(self, name, p, g, state, t):
            new_p, st_ = super()._update(name, p, g, state, t)
            self.kept.append(new_p)
            return new_p, st_

    W, grads = _tall()
    opt = Snapshots(lr=0.05, side="out", **LOW_RANK)
    opt.kept = []
    seen = []
    for g in grads:
        opt.step({"W": W}, {"W": g})
        seen.append(W.copy())
    for kept, value in zip(opt.kept, seen):
        assert np.array_equal(kept, value)


@pytest.mark.parametrize("s", [0.02, 2.0])  # one substep, and several
def test_integrate_in_a_workspace_is_bit_for_bit_the_series_on_new_arrays(monkeypatch, s):
    C, R = _core(s=s)
    rate, norm = norm2_estimate(C, power=2), norm2_estimate(C)
    calls = _count_float32_terms(monkeypatch)
    for n in (None, norm):  # float64 only, and with the float32 tail
        ref = _integrate(C, None, R, rate, n)
        ws = Workspace()
        got = _integrate(C, None, R, rate, n, ws=ws)
        assert got is ws.array("integrate_x", R.shape, R.dtype)
        assert np.array_equal(got, ref)
        kept = got.copy()
        assert np.array_equal(_integrate(C, None, R, rate, n, ws=ws), kept)  # reused
        # from a given x(0) as well
        x0 = 0.5 * R
        assert np.array_equal(_integrate(C, x0, R, rate, n, ws=Workspace()),
                              _integrate(C, x0, R, rate, n))
    assert calls


def test_float32_term_into_out_of_a_zero_block_is_zero():
    C, R = _core(r=6, k=4)
    C32 = skew_core_series._float32_scaled(C, Workspace())
    out = np.full(R.shape, np.nan)
    got = skew_core_series._float32_term(C32, np.zeros_like(R), 0.5, out=out, ws=Workspace())
    assert got is out and np.array_equal(out, np.zeros_like(R))


def test_integrate_in_a_workspace_leaves_the_callers_start_alone():
    C, R = _core(s=2.0)
    x0 = 0.5 * R
    kept = x0.copy()
    _integrate(C, x0, R, norm2_estimate(C, power=2), norm2_estimate(C), ws=Workspace())
    assert np.array_equal(x0, kept)


def test_wide_low_rank_pion_update_in_a_workspace_equals_it_without_one():
    W, grads = _tall(shape=(10, 48))
    hyper = spectral.Pion(lr=0.05, **LOW_RANK)._pion_hyper()
    ws = Workspace()
    a, sa = W.copy(), init_pion_state(W, hyper)
    b, sb = W.copy(), init_pion_state(W, hyper)
    for g in grads:
        a, sa, _ = pion_update(a, g, sa, hyper, False, workspace=ws)
        b, sb, _ = pion_update(b, g, sb, hyper, False)
        # the in side's core and series in workspace arrays: the same operations
        assert np.array_equal(a, b) and np.array_equal(sa["m"], sb["m"])
    assert any(k.startswith("integrate_") for k in ws._arrays)


@pytest.mark.parametrize("which", ["U", "V", "X"])
def test_apply_lowrank_refuses_an_overlapping_out_before_writing_anything(which):
    U, V = _factors()
    X = U.copy() * 0.5
    arrays = {"U": U, "V": V, "X": X}
    kept = {k: v.copy() for k, v in arrays.items()}
    with pytest.raises(ValueError, match="overlap"):
        apply_lowrank(U, V, 0.3, X, "expm", out=arrays[which])
    for k, v in arrays.items():
        assert np.array_equal(v, kept[k])


@pytest.mark.parametrize("transform", ["expm", "e1", "cayley"])
def test_apply_lowrank_into_out_with_no_columns_or_a_dtype_blas_lacks(transform):
    U, V = _factors()
    empty = apply_lowrank(U, V, 0.1, np.zeros((U.shape[0], 0)), transform,
                          out=np.empty((U.shape[0], 0)))
    assert empty.shape == (U.shape[0], 0)
    X = U.copy()
    out16 = np.empty(X.shape, dtype=np.float16)
    got = apply_lowrank(U, V, 0.1, X, transform, out=out16)
    assert got is out16
    assert np.array_equal(got, apply_lowrank(U, V, 0.1, X, transform).astype(np.float16))


def test_balance_of_factors_far_apart_in_scale_stays_finite():
    # U 1e-158, V 1e150: t^2 for equal norms would be 2^(2 * 511) and beyond; the balance
    # stops at 2^511 so that t^2 and 1 / t^2 are finite
    from specproof.spectral.optimizers.skew_kernels import _power_of_two

    assert _power_of_two(600.0) == 2.0**511 and _power_of_two(-600.0) == 2.0**-511
    assert _power_of_two(float("inf")) == 2.0**511 and _power_of_two(float("nan")) == 1.0
    assert np.isfinite(_power_of_two(600.0) ** 2) and _power_of_two(-600.0) ** 2 > 0.0
    U, V = _factors(m=20, r=3)
    U, V = U * 1e-120, V * 1e120
    X = U / np.linalg.norm(U)
    got = apply_lowrank(U, V, 1e-3, X, "expm")
    A = U @ V.T - V @ U.T
    assert _fro(got - sla.expm(1e-3 * A) @ X) <= 1e-14


def test_momentum_in_the_workspace_keeps_the_dtype_of_the_expression():
    W, grads = _tall()
    hyper = spectral.Pion(lr=0.05, **LOW_RANK)._pion_hyper()
    ws = Workspace()
    a, sa = W.copy(), init_pion_state(W, hyper)
    b, sb = W.copy(), init_pion_state(W, hyper)
    for g in grads[:3]:
        g32 = g.astype(np.float32)  # a direct caller's float32 gradient beside float64 W
        a, sa, _ = pion_update(a, g32, sa, hyper, False, workspace=ws)
        b, sb, _ = pion_update(b, g32, sb, hyper, False)
        assert sa["m"].dtype == sb["m"].dtype == np.float64
        assert np.array_equal(sa["m"], sb["m"]) and np.array_equal(a, b)
