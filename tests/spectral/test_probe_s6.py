"""A sixth review of the spectral package: each finding kept as a test.

Before: torch Muon wrote NaN into weights and buffer (overflowing momentum, lr = nan set
by a scheduler, an inf buffer loaded); group options changed after construction ran
unchecked (transform="expmm", lr=-1); Adam with eps = 1e-300 moved a weight by 1e97 when
g*g underflowed; a Pion step on a weight of scale 1e-9 rotated by ~1e7 radians and
drifted the spectrum by 1e-12 (float64) and 1e-3 (float32).
"""

from __future__ import annotations

import numpy as np
import pytest

from specproof import spectral
from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral import NonFiniteUpdateError, OptimizerStateError, RotationTooLargeError
from specproof.spectral.optimizers.muon import newton_schulz5

torch = pytest.importorskip("torch", reason="torch is an optional extra (the torch optimizers)")
from specproof.spectral import torch as sptorch  # noqa: E402

F32_MAX = float(torch.finfo(torch.float32).max)


def _snapshot(opt, p):
    return p.detach().clone(), {k: (v.clone() if torch.is_tensor(v) else v)
                                for k, v in opt.state[p].items()}


def _same(opt, p, snap):
    w, st = snap
    assert torch.equal(p.detach(), w)
    for k, v in st.items():
        now = opt.state[p][k]
        assert torch.equal(now, v) if torch.is_tensor(v) else now == v


def test_torch_muon_refuses_an_overflowing_buffer_and_changes_nothing():
    p = torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))
    opt = sptorch.Muon([p], lr=0.1)
    p.grad = torch.full((1, 2), F32_MAX)
    opt.step()
    snap = _snapshot(opt, p)
    p.grad = torch.full((1, 2), -F32_MAX)
    with pytest.raises(NonFiniteUpdateError, match="momentum buffer overflows"):
        opt.step()
    _same(opt, p, snap)
    assert torch.isfinite(p).all()


@pytest.mark.parametrize("key, value, message", [
    ("lr", float("nan"), "lr must be finite"),
    ("weight_decay", float("inf"), "weight_decay"),
    ("momentum", float("nan"), "momentum"),
])
def test_torch_muon_checks_group_options_at_every_step(key, value, message):
    p = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 5.0]]))
    opt = sptorch.Muon([p], lr=0.1)
    p.grad = torch.ones(2, 2)
    opt.step()
    snap = _snapshot(opt, p)
    opt.param_groups[0][key] = value
    with pytest.raises(ArgumentError, match=f"param group 0: .*{message}.*nothing was changed"):
        opt.step()
    _same(opt, p, snap)


@pytest.mark.parametrize("key, value", [
    ("transform", "expmm"), ("lr", -1.0), ("betas", (1.5, 0.9)), ("lr", float("nan")),
])
def test_torch_pion_checks_group_options_at_every_step(key, value):
    p = torch.nn.Parameter(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)))
    opt = sptorch.Pion([p], lr=0.01)
    p.grad = torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
    opt.step()
    snap = _snapshot(opt, p)
    opt.param_groups[0][key] = value
    with pytest.raises(ArgumentError, match="param group 0: .*nothing was changed"):
        opt.step()
    _same(opt, p, snap)


def test_loaded_states_with_non_finite_or_complex_moments_are_refused():
    p = torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))
    muon = sptorch.Muon([p], lr=0.1)
    p.grad = torch.ones(1, 2)
    muon.step()
    sd = muon.state_dict()
    sd["state"][0]["buffer"] = torch.full((1, 2), float("inf"))
    with pytest.raises(OptimizerStateError, match="'buffer' has a non-finite entry"):
        muon.load_state_dict(sd)
    q = torch.nn.Parameter(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)))
    pion = sptorch.Pion([q], lr=0.01)
    q.grad = torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
    pion.step()
    sd = pion.state_dict()
    bad = dict(sd["state"][0])
    bad["v_out"] = torch.full_like(bad["v_out"], float("inf"))
    with pytest.raises(OptimizerStateError, match="'v_out' has a non-finite entry"):
        pion.load_state_dict({**sd, "state": {0: bad}})
    bad = dict(sd["state"][0])
    bad["m_out"] = bad["m_out"].to(torch.complex64)
    with pytest.raises(OptimizerStateError, match="m_out'? is torch.complex64"):
        pion.load_state_dict({**sd, "state": {0: bad}})


def test_numpy_muon_names_the_buffer_not_the_gradient():
    f = float(np.finfo(np.float32).max)
    opt = spectral.Muon(lr=0.1)
    params = {"W": np.array([[1.0, 2.0]], dtype=np.float32)}
    opt.step(params, {"W": np.full((1, 2), f, dtype=np.float32)})
    before = params["W"].copy()
    with pytest.raises(NonFiniteUpdateError, match="momentum buffer of 'W' overflows"):
        opt.step(params, {"W": np.full((1, 2), -f, dtype=np.float32)})
    assert np.array_equal(params["W"], before)


def test_newton_schulz_refuses_complex_input():
    with pytest.raises(ArgumentTypeError, match="G must be a real array"):
        newton_schulz5(1j * np.eye(2))


def test_adam_refuses_an_underflowed_square_with_a_tinier_eps():
    params = {"w": np.array([1.0, 2.0])}
    with pytest.raises(NonFiniteUpdateError, match="underflows float64 while eps = 1e-300"):
        spectral.Adam(lr=1e-3, eps=1e-300).step(params, {"w": np.array([-1e-200, 1e-200])})
    assert np.array_equal(params["w"], [1.0, 2.0])
    # with the default eps the step is the tiny one eps makes it (as torch's)
    spectral.Adam(lr=1e-3).step(params, {"w": np.array([-1e-200, 1e-200])})
    assert np.allclose(params["w"], [1.0, 2.0], rtol=0, atol=1e-180)
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))  # a vector: the AdamW route
    opt = sptorch.Pion([p], adamw_eps=1e-40)
    p.grad = torch.tensor([-1e-25, 1e-25])
    with pytest.raises(NonFiniteUpdateError, match="underflows torch.float32"):
        opt.step()
    assert torch.equal(p.detach(), torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("transform", ["cayley", "expm", "e2"])
@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_pion_refuses_a_rotation_its_dtype_cannot_keep_orthogonal(transform, dtype, scale):
    rng = np.random.default_rng(0)
    W = (scale * rng.standard_normal((6, 3))).astype(dtype)
    opt, params = spectral.Pion(lr=0.05, transform=transform), {"W": W.copy()}
    with pytest.raises(RotationTooLargeError, match="would rotate by up to"):
        opt.step(params, {"W": rng.standard_normal((6, 3)).astype(dtype)})
    assert np.array_equal(params["W"], W)
    assert opt.state_dict()["state"] == {} or opt.state_dict()["state"]["W"]["step"] == 0


@pytest.mark.parametrize("transform", ["cayley", "expm"])
@pytest.mark.parametrize("dtype, scale, drift", [(np.float64, 1e-2, 1e-14),
                                                 (np.float32, 1e-1, 2e-6)])
def test_pion_at_ordinary_scales_still_steps_and_keeps_the_spectrum(transform, dtype, scale,
                                                                    drift):
    rng = np.random.default_rng(0)
    W = (scale * rng.standard_normal((6, 3))).astype(dtype)
    opt, params = spectral.Pion(lr=0.05, transform=transform), {"W": W.copy()}
    opt.step(params, {"W": rng.standard_normal((6, 3)).astype(dtype)})
    s0 = np.linalg.svd(W.astype(np.float64), compute_uv=False)
    s1 = np.linalg.svd(params["W"].astype(np.float64), compute_uv=False)
    assert not np.array_equal(params["W"], W)
    assert np.abs(s1 - s0).max() / s0[0] < drift


@pytest.mark.parametrize("make, key", [(lambda: spectral.Adam(), "m"),
                                       (lambda: spectral.Muon(), "buffer")])
def test_numpy_loaded_states_must_be_real(make, key):
    opt = make()
    params = {"W": np.ones((3, 2))}
    opt.step(params, {"W": np.ones((3, 2))})
    sd = opt.state_dict()
    sd["state"]["W"][key] = sd["state"]["W"][key].astype(complex)
    with pytest.raises(OptimizerStateError, match=f"\\['{key}'\\] is complex128"):
        opt.load_state_dict(sd)


def test_parameters_that_share_memory_are_refused():
    W = np.random.default_rng(0).standard_normal((6, 3))
    before = W.copy()
    with pytest.raises(ArgumentError, match="params\\['a'\\] and params\\['b'\\] share memory"):
        spectral.Pion(transform="cayley").step(
            {"a": W, "b": W[:3]}, {"a": np.ones((6, 3)), "b": np.ones((3, 3))})
    assert np.array_equal(W, before)
    # disjoint views of one array are fine
    spectral.Muon().step({"a": W[:3], "b": W[3:]}, {"a": np.ones((3, 3)), "b": np.ones((3, 3))})


def test_power_iteration_refuses_a_collapsed_sigma():
    from specproof.spectral.normalization import power_iteration

    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 4))
    W = W / np.linalg.norm(W, 2) * 3e-13  # sigma 3e-13, below the default eps 1e-12
    u0, v0 = np.ones(5) / 5**0.5, np.ones(4) / 2
    with pytest.raises(ArgumentError, match="fell below eps = 1e-12 .*pass eps below"):
        power_iteration(W, u0, v0, 10)
    u, v, sigma = power_iteration(W, u0, v0, 200, eps=1e-30)
    assert abs(sigma - 3e-13) < 1e-24
