"""Muon's step in reused arrays: the same values, and nothing a caller or the state holds
is ever written.

Fresh arrays of the weight's size page-fault through their memory on every step (five of
32 MB per step at 4096 x 1024; the benchmark's Muon read 1.2-1.4 s from run to run). The
momentum buffer and the new weight come from pools that reuse an array only once nothing
else refers to it; Newton-Schulz's arrays are plain workspace arrays.
"""

import numpy as np
import pytest

import specproof.spectral as spectral
from specproof.spectral.optimizers.base import NonFiniteUpdateError
from specproof.spectral.optimizers.muon import newton_schulz5
from specproof.spectral.optimizers.workspace import Workspace


def _reference(W, grads, mu, lr, wd, nesterov, steps=5):
    ref, buf = W.copy(), np.zeros_like(W)
    scale = max(1.0, W.shape[0] / W.shape[1]) ** 0.5
    for g in grads:
        buf = buf + (1.0 - mu) * (g - buf)
        u = g + mu * (buf - g) if nesterov else buf
        ref = ref * (1.0 - lr * wd) - (lr * scale) * newton_schulz5(u, steps)
    return ref, buf


@pytest.mark.parametrize("shape", [(40, 12), (12, 40), (16, 16)])
@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_muon_in_reused_arrays_equals_the_whole_array_expressions(shape, nesterov, dtype):
    rng = np.random.default_rng(5)
    W = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(5)]
    opt = spectral.Muon(lr=0.02, weight_decay=0.1, nesterov=nesterov)
    params = {"W": W.copy()}
    for g in grads:
        opt.step(params, {"W": g})
    ref, buf = _reference(W, grads, 0.95, 0.02, 0.1, nesterov)
    assert params["W"].dtype == dtype
    assert np.array_equal(params["W"], ref)
    assert np.array_equal(opt.state_dict()["state"]["W"]["buffer"], buf)


def test_newton_schulz_in_a_workspace_is_bit_for_bit_the_same_and_reuses_it():
    rng = np.random.default_rng(6)
    for shape in ((30, 8), (8, 30)):
        G = rng.standard_normal(shape)
        ws = Workspace()
        got = newton_schulz5(G, ws=ws)
        assert np.array_equal(got, newton_schulz5(G))
        G2 = rng.standard_normal(shape)
        again = newton_schulz5(G2, ws=ws)  # the same arrays: `got` is overwritten
        assert np.shares_memory(again, got) and np.array_equal(again, newton_schulz5(G2))
        assert np.array_equal(newton_schulz5(G, steps=0, ws=Workspace()),
                              newton_schulz5(G, steps=0))


def test_a_held_momentum_buffer_is_never_overwritten_and_a_refused_step_keeps_it():
    rng = np.random.default_rng(7)
    W = rng.standard_normal((20, 6))
    grads = [rng.standard_normal((20, 6)) for _ in range(6)]
    opt = spectral.Muon(lr=0.02)
    params = {"W": W.copy()}
    big = np.finfo(np.float64).max
    for g in grads[:2] + [np.full((20, 6), big)]:
        opt.step(params, {"W": g})
    held = opt._state["W"]["buffer"]
    saved, w_before = held.copy(), params["W"].copy()
    # g - b overflows for g = -max after a step at +max: refused after the buffer was
    # written, twice over
    for _ in range(2):
        with pytest.raises(NonFiniteUpdateError, match="overflows"):
            opt.step(params, {"W": np.full((20, 6), -big)})
        assert opt._state["W"]["buffer"] is held and np.array_equal(held, saved)
        assert np.array_equal(params["W"], w_before)
    for g in grads:
        opt.step(params, {"W": g})
    assert np.array_equal(held, saved)  # the caller's reference kept its values
    del held
    seen = set()
    for g in grads:
        opt.step(params, {"W": g})
        seen.add(id(opt._state["W"]["buffer"]))
    assert len(seen) == 2  # nothing held: two arrays alternate


def test_a_new_weight_a_subclass_keeps_is_never_overwritten():
    class Snapshots(spectral.Muon):
        kept: list = []

        def _update(self, name, p, g, state, t):
            new_p, st = super()._update(name, p, g, state, t)
            self.kept.append(new_p)
            return new_p, st

    rng = np.random.default_rng(8)
    W = rng.standard_normal((20, 6))
    opt = Snapshots(lr=0.02)
    opt.kept = []
    seen = []
    for _ in range(5):
        opt.step({"W": W}, {"W": rng.standard_normal((20, 6))})
        seen.append(W.copy())
    for kept, value in zip(opt.kept, seen):
        assert np.array_equal(kept, value)


def test_release_buffers_then_the_same_steps():
    rng = np.random.default_rng(9)
    W = rng.standard_normal((20, 6))
    grads = [rng.standard_normal((20, 6)) for _ in range(4)]
    a, b = spectral.Muon(lr=0.02), spectral.Muon(lr=0.02)
    pa, pb = {"W": W.copy()}, {"W": W.copy()}
    for g in grads:
        a.step(pa, {"W": g})
        a.release_buffers()
        assert not a._workspaces
        b.step(pb, {"W": g})
    assert np.array_equal(pa["W"], pb["W"])


def test_parameters_of_one_shape_share_the_scratch_not_what_is_handed_out():
    rng = np.random.default_rng(10)
    shape = (20, 6)
    params = {k: rng.standard_normal(shape) for k in ("a", "b")}
    params["c"] = rng.standard_normal((6, 20))
    ref = {k: v.copy() for k, v in params.items()}
    opt = spectral.Muon(lr=0.02)
    singles = {k: spectral.Muon(lr=0.02) for k in params}
    for _ in range(4):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        opt.step(params, grads)
        for k in params:
            singles[k].step({k: ref[k]}, {k: grads[k]})
    for k in params:
        assert np.array_equal(params[k], ref[k])
    ws = opt._workspaces
    assert ws["a"]._arrays is ws["b"]._arrays and ws["a"]._arrays is not ws["c"]._arrays
    assert opt._state["a"]["buffer"] is not opt._state["b"]["buffer"]
    assert not np.shares_memory(opt._state["a"]["buffer"], opt._state["b"]["buffer"])
    opt.release_buffers()
    assert not opt._workspaces
