"""Buffers the numpy optimizers reuse between steps instead of allocating new memory.

Fresh 4096 x 4096 temporaries page-faulted through 0.9 s of a 6.3 s Pion step. Pion now
keeps them in a :class:`Workspace`, writes its new moments into the arrays the step
before replaced, and reports its generators from a pool that never reuses an array the
caller still holds; Muon's Newton-Schulz keeps three arrays for all its iterations; the
base optimizer reads the parameters through read-only views instead of copying them.
These tests pin that none of this changes a value, loses atomicity, or lets a caller's
reference see a later step's numbers.
"""

import sys

import numpy as np
import pytest

import specproof.spectral as spectral
from specproof.spectral.optimizers import skew_series
from specproof.spectral.optimizers.base import NonFiniteUpdateError, Optimizer
from specproof.spectral.optimizers.muon import _quintic_steps, newton_schulz5
from specproof.spectral.optimizers.pion_update import init_pion_state, pion_update
from specproof.spectral.optimizers.workspace import Workspace


# -- Workspace ------------------------------------------------------------------------
def test_workspace_reuses_by_name_shape_dtype_and_order():
    ws = Workspace()
    a = ws.array("x", (4, 3), np.float64)
    assert ws.array("x", (4, 3), np.float64) is a
    assert ws.array("x", (4, 3), np.float32) is not a
    f = ws.array("x", (4, 3), np.float32, order="F")
    assert f.flags.f_contiguous and ws.array("x", (4, 3), np.float32, order="F") is f
    assert ws.array("y", (4, 3), np.float32, order="F") is not f
    assert ws.nbytes == f.nbytes + 4 * 3 * 4
    ws.clear()
    assert ws.nbytes == 0


def test_workspace_flat_views_share_one_array_and_grow():
    ws = Workspace()
    big = ws.flat("s", (3, 5), np.float64)
    small = ws.flat("s", (2, 4), np.float64)
    assert small.base is big.base and small.flags.c_contiguous
    bigger = ws.flat("s", (4, 5), np.float64)
    assert bigger.base is not big.base and bigger.shape == (4, 5)


def test_unshared_never_hands_out_an_array_someone_holds():
    ws = Workspace()
    held = [ws.unshared("A", (3, 3), np.float64) for _ in range(5)]
    assert len({id(a) for a in held}) == 5  # every one held: five arrays
    view_only = held[0][1:, :2]
    kept = held[1]
    del held
    got = {id(ws.unshared("A", (3, 3), np.float64)) for _ in range(3)}
    # the pool keeps the two newest; neither is held any more, so they alternate
    assert len(got) == 1 and id(kept) not in got and id(view_only.base) not in got


# -- Pion ------------------------------------------------------------------------------
def _even_odd_setup():
    # a tall weight whose out side is dense and takes the even/odd series (see
    # test_expm_even_odd), its in side the formed factor
    rng = np.random.default_rng(5)
    W = rng.standard_normal((120, 40)) / 6
    grads = [rng.standard_normal((120, 40)) for _ in range(4)]
    return W, grads


def test_pion_with_buffers_equals_the_update_without_them_bit_for_bit(monkeypatch):
    W, grads = _even_odd_setup()
    seen = []
    real = skew_series._even_odd_action
    monkeypatch.setattr(skew_series, "_even_odd_action",
                        lambda *a, **k: seen.append(k.get("ws") is not None) or real(*a, **k))
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"W": W.copy()}
    ref_W, ref_state = W.copy(), init_pion_state(W, opt._pion_hyper())
    for g in grads:
        opt.step(params, {"W": g})
        ref_W, ref_state, _ = pion_update(ref_W, g, ref_state, opt._pion_hyper(), False)
        assert np.array_equal(params["W"], ref_W)
    # every step took the series: the optimizer's with its workspace, the reference without
    assert seen == [True, False] * len(grads)
    ws = opt._workspaces["W"]
    assert ws.nbytes > 0
    opt.release_buffers()
    assert not opt._workspaces and not opt._written
    opt.step(params, {"W": grads[0]})  # made again; the same update as without them
    ref_W, ref_state, _ = pion_update(ref_W, grads[0], ref_state, opt._pion_hyper(), False)
    assert np.array_equal(params["W"], ref_W)
    mine = opt.state_dict()["state"]["W"]
    for key in ("m_out", "v_out", "m_in", "v_in"):
        ref = ref_state[key]
        # the update keeps the upper block triangle current; state_dict completes it
        assert np.array_equal(np.triu(mine[key]), np.triu(ref))


def test_pion_moments_alternate_between_two_arrays_and_a_failed_step_changes_nothing():
    W, grads = _even_odd_setup()
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"W": W.copy(), "V": W[:60].copy()}
    for g in grads[:3]:
        opt.step(params, {"W": g, "V": g[:60]})
    before = {k: v for k, v in opt._state["W"].items() if k[:2] in ("m_", "v_")}
    saved = {k: v.copy() for k, v in before.items()}
    w_before = params["W"].copy()
    # V's generator overflows: W's update (and its writes into the spare moments) has
    # run before V's step is refused, twice over, and the state must stay as it was
    for _ in range(2):
        with pytest.raises(NonFiniteUpdateError, match="params\\['V'\\]"):
            opt.step(params, {"W": grads[3], "V": grads[3][:60] * 1e300})
        for k, v in before.items():
            assert opt._state["W"][k] is v and np.array_equal(v, saved[k])
        assert np.array_equal(params["W"], w_before)
    # and the steps go on as if the failed one had not been tried
    fresh = spectral.Pion(lr=0.2, transform="expm")
    p2 = {"W": W.copy(), "V": W[:60].copy()}
    for g in grads[:3] + [grads[0]]:
        fresh.step(p2, {"W": g, "V": g[:60]})
    opt.step(params, {"W": grads[0], "V": grads[0][:60]})
    assert np.array_equal(params["W"], p2["W"]) and np.array_equal(params["V"], p2["V"])
    ids = [{id(v) for k, v in opt._state["W"].items() if k[:2] in ("m_", "v_")}]
    for g in grads:
        opt.step(params, {"W": g, "V": g[:60]})
        ids.append({id(v) for k, v in opt._state["W"].items() if k[:2] in ("m_", "v_")})
    assert ids[0] == ids[2] == ids[4] and ids[1] == ids[3] and not ids[0] & ids[1]


def test_pion_non_finite_update_leaves_state_and_moments_as_they_were():
    W, grads = _even_odd_setup()
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"W": W.copy()}
    opt.step(params, {"W": grads[0]})
    opt.step(params, {"W": grads[1]})
    saved = opt.state_dict()
    with pytest.raises(NonFiniteUpdateError):
        opt.step(params, {"W": grads[2] * 1e300})  # the generator G W^T overflows
    after = opt.state_dict()
    for k, v in saved["state"]["W"].items():
        if isinstance(v, np.ndarray):
            assert np.array_equal(v, after["state"]["W"][k])


def test_a_held_generator_is_never_overwritten_by_later_steps():
    W, grads = _even_odd_setup()
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"W": W.copy()}
    opt.step(params, {"W": grads[0]})
    held_array = opt.diagnostics["W"]["A_out"]
    held_dict = opt.diagnostics
    copies = (held_array.copy(), held_dict["W"]["A_in"].copy())
    for g in grads:
        opt.step(params, {"W": g})
    assert np.array_equal(held_array, copies[0])
    assert np.array_equal(held_dict["W"]["A_in"], copies[1])
    # nothing held: the pool alternates between two arrays
    del held_array, held_dict
    seen = set()
    for g in grads:
        opt.step(params, {"W": g})
        seen.add(id(opt.diagnostics["W"]["A_out"]))
    assert len(seen) == 2


def test_low_rank_factor_reported_is_the_weight_the_step_used():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((60, 8)) / 3
    opt = spectral.Pion(lr=0.05, momentum="transported", second_moment=False)
    params = {"W": W.copy()}
    for _ in range(2):
        before = params["W"].copy()
        opt.step(params, {"W": rng.standard_normal((60, 8))})
        U, _ = opt.diagnostics["W"]["factors"]["out"]
        assert np.array_equal(U, before) and not np.shares_memory(U, params["W"])


# -- the base optimizer's read-only view ------------------------------------------------
class _Scribbler(Optimizer):
    name = "Scribbler"
    _reads_parameters_only = True  # a false promise: its rule writes into p

    def __init__(self):
        super().__init__()
        self._hyper = {}

    def _init_state(self, name, p):
        return {}

    def _update(self, name, p, g, state, t):
        p -= g  # a rule that writes into the parameter it was given
        return p, state


def test_an_update_that_writes_into_p_is_refused_and_nothing_changes():
    params = {"a": np.ones(3)}
    with pytest.raises(ValueError, match="read-only"):
        _Scribbler().step(params, {"a": np.ones(3)})
    assert np.array_equal(params["a"], np.ones(3))


def test_the_promise_is_not_inherited():
    # a subclass of a class that reads p only gets a copy it may change
    class Subclass(_Scribbler):
        pass

    params = {"a": np.ones(3)}
    Subclass().step(params, {"a": np.full(3, 0.25)})
    assert np.array_equal(params["a"], np.full(3, 0.75))


# -- Muon --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(7, 19), (16, 16)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quintic_steps_equal_the_whole_array_expressions_bit_for_bit(shape, dtype):
    rng = np.random.default_rng(2)
    X0 = rng.standard_normal(shape)
    X0 = (X0 / np.linalg.norm(X0)).astype(dtype)
    a, b, c = spectral.optimizers.NS_COEFFICIENTS
    ref = X0.copy()
    for _ in range(5):
        A = ref @ ref.T
        B = b * A + c * (A @ A)
        ref = a * ref + B @ ref
    got = _quintic_steps(X0.copy(), 5, (a, b, c), transpose=False)
    assert got.dtype == dtype and np.array_equal(got, ref)


@pytest.mark.parametrize("shape", [(30, 9), (9, 30)])
def test_newton_schulz_leaves_its_input_alone(shape):
    G = np.random.default_rng(3).standard_normal(shape)
    before = G.copy()
    O = newton_schulz5(G)
    assert np.array_equal(G, before) and not np.shares_memory(O, G)


def test_muon_step_equals_the_reference_expressions():
    # the momentum, Nesterov and update lines, each now one array: the same operations
    rng = np.random.default_rng(4)
    W = rng.standard_normal((40, 12))
    g1, g2 = rng.standard_normal((2, 40, 12))
    opt = spectral.Muon(lr=0.02, weight_decay=0.1)
    params = {"W": W.copy()}
    opt.step(params, {"W": g1})
    opt.step(params, {"W": g2})
    mu, lr, wd = 0.95, 0.02, 0.1
    ref, buf = W.copy(), np.zeros_like(W)
    for g in (g1, g2):
        buf = buf + (1.0 - mu) * (g - buf)
        u = g + mu * (buf - g)
        O = newton_schulz5(u)
        ref = ref * (1.0 - lr * wd) - (lr * (40 / 12) ** 0.5) * O
    assert np.array_equal(params["W"], ref)
    assert np.array_equal(opt.state_dict()["state"]["W"]["buffer"], buf)


def test_refcount_baseline_of_the_pool_is_what_cpython_reports():
    # Workspace.unshared relies on CPython's reference counts; a change in them would
    # make it either never reuse (slow) or reuse a held array (wrong): pin the count
    ws = Workspace()
    a = ws.unshared("A", (2,), np.float64)
    assert sys.getrefcount(a) == 3  # the pool list, `a`, getrefcount's argument


@pytest.mark.parametrize("shape", [(120, 40), (40, 120)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_muon_update_rms_is_the_norm_of_the_move_as_numpy_sums_it(shape, dtype):
    # the move is formed in the Newton-Schulz result's memory; for a tall weight that is
    # a transposed array, whose norm numpy summed in another order (7e-8 off in float32)
    rng = np.random.default_rng(2)
    W, G = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    old = W.copy()
    opt = spectral.Muon(lr=0.03, momentum=0.9, ns_steps=1, weight_decay=0.05)
    opt.step({"W": W}, {"W": G})
    assert opt.diagnostics["W"]["update_rms"] == float(np.linalg.norm(W - old) / np.sqrt(W.size))


# -- what subclasses and callers keep (probe findings) ---------------------------------
def test_a_subclass_that_keeps_p_keeps_the_value_it_was_given():
    # the read-only view is for the built-in classes only: a subclass (here L2-SP, which
    # keeps the starting weights) gets its own copy, as before
    class L2SP(spectral.SGD):
        def _init_state(self, name, p):
            return {**super()._init_state(name, p), "anchor": p}

        def _update(self, name, p, g, state, t):
            return super()._update(name, p, g + (p - state["anchor"]), state, t)

    w = np.array([1.0, 2.0])
    opt = L2SP(lr=0.1)
    for _ in range(2):
        opt.step({"w": w}, {"w": np.array([1.0, 1.0])})
    assert np.allclose(w, [0.81, 1.81], rtol=0, atol=1e-15)
    assert np.array_equal(opt.state_dict()["state"]["w"]["anchor"], [1.0, 2.0])


@pytest.mark.parametrize("transform", ["e2", "expm"])
def test_a_new_weight_a_subclass_keeps_is_never_overwritten(transform):
    class Averaged(spectral.Pion):
        snapshots: list = []

        def _update(self, name, p, g, state, t):
            new_p, st = super()._update(name, p, g, state, t)
            self.snapshots.append(new_p)
            return new_p, st

    W, grads = _even_odd_setup()
    opt = Averaged(lr=0.2, transform=transform)
    opt.snapshots = []
    seen = []
    for g in grads:
        opt.step({"W": W}, {"W": g})
        seen.append(W.copy())
    for kept, value in zip(opt.snapshots, seen):
        assert np.array_equal(kept, value)


def test_pion_update_with_one_workspace_never_overwrites_what_it_returned():
    W, grads = _even_odd_setup()
    hyper = spectral.Pion(lr=0.2, transform="expm")._pion_hyper()
    ws = Workspace()
    W1, st1, _ = pion_update(W, grads[0], init_pion_state(W, hyper), hyper, False, workspace=ws)
    kept = W1.copy()
    W2, _, _ = pion_update(W1, grads[1], st1, hyper, False, workspace=ws)
    assert np.array_equal(W1, kept) and not np.shares_memory(W1, W2)


def test_a_subclass_taking_two_sub_steps_still_changes_nothing_when_refused():
    class TwoSubsteps(spectral.Pion):
        def _update(self, name, p, g, state, t):
            p1, s1 = super()._update(name, p, g, state, t)
            return super()._update(name, p1, g, s1, t)

    rng = np.random.default_rng(0)
    P = {"a": rng.standard_normal((30, 10)), "b": rng.standard_normal((30, 10))}
    opt = TwoSubsteps(lr=0.05)
    for _ in range(2):
        opt.step(P, {k: rng.standard_normal((30, 10)) for k in P})
    before = opt.state_dict()
    for _ in range(2):
        with pytest.raises(NonFiniteUpdateError):
            opt.step(P, {"a": rng.standard_normal((30, 10)),
                         "b": 1e200 * rng.standard_normal((30, 10))})
        after = opt.state_dict()
        for k in ("m_out", "v_out", "m_in", "v_in"):
            assert np.array_equal(before["state"]["a"][k], after["state"]["a"][k])


@pytest.mark.parametrize("make", [lambda big: big[:, ::2], lambda big: big[::-1, :40],
                                  lambda big: np.asfortranarray(big[:, :40])])
def test_a_strided_or_fortran_parameter_steps_as_its_contiguous_copy(make):
    rng = np.random.default_rng(1)
    W = make(rng.standard_normal((120, 80)))
    Wc = np.ascontiguousarray(W)
    G = rng.standard_normal((120, 40))
    o1, o2 = (spectral.Pion(lr=0.2, transform="expm") for _ in range(2))
    for _ in range(3):
        o1.step({"W": W}, {"W": G})
        o2.step({"W": Wc}, {"W": G})
        assert np.array_equal(W, Wc)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(120, 40), (40, 120)])
def test_muon_update_rms_in_either_memory_order(order, shape):
    rng = np.random.default_rng(2)
    W = np.array(rng.standard_normal(shape).astype(np.float32), order=order)
    G = rng.standard_normal(shape).astype(np.float32)
    old = W.copy(order="K")
    opt = spectral.Muon(lr=0.03, momentum=0.9, ns_steps=1, weight_decay=0.05)
    opt.step({"W": W}, {"W": G})
    assert opt.diagnostics["W"]["update_rms"] == float(np.linalg.norm(W - old) / np.sqrt(W.size))


def test_parameters_of_one_shape_share_the_temporaries_but_not_what_is_handed_out():
    # memory: the scratch arrays once per shape and dtype, not once per parameter; the
    # generators and new weights stay per parameter (each is held by its diagnostics)
    W, grads = _even_odd_setup()
    opt = spectral.Pion(lr=0.2, transform="expm")
    params = {"a": W.copy(), "b": W[::-1].copy(), "c": W[:, :20].copy()}
    ref = {k: spectral.Pion(lr=0.2, transform="expm") for k in params}
    alone = {k: {k: v.copy()} for k, v in params.items()}
    for g in grads:
        gs = {"a": g, "b": g[::-1], "c": g[:, :20]}
        opt.step(params, gs)
        for k in params:
            ref[k].step(alone[k], {k: gs[k]})
            assert np.array_equal(params[k], alone[k][k])  # sharing changes no value
    wa, wb, wc = (opt._workspaces[k] for k in "abc")
    assert wa._arrays is wb._arrays and wa._arrays is not wc._arrays
    assert wa._pools is not wb._pools
    assert not np.shares_memory(opt.diagnostics["a"]["A_out"], opt.diagnostics["b"]["A_out"])


def test_pool_threshold_is_measured_and_is_cpythons_count():
    from specproof.spectral.optimizers import workspace

    # measured by the same code as Workspace.unshared's loop; 4 on CPython 3.10-3.13
    assert workspace._POOLED_REFS == workspace._pooled_refs() == 4
    ws = Workspace()
    a = ws.unshared("A", (3,), np.float64)
    held = [a]  # one more reference than the pool's: never handed out again
    del a
    b = ws.unshared("A", (3,), np.float64)
    assert b is not held[0]
    del held
    assert ws.unshared("A", (3,), np.float64) is not b  # b is held by this frame
