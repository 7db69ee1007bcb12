"""The torch optimizers match the numpy ones to 1e-12 in float64."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

import specproof.spectral as spectral
from specproof._core import ArgumentError
from specproof.spectral.optimizers import NonFiniteUpdateError

torch = pytest.importorskip(
    "torch", reason="torch not installed (extra 'torch'): torch optimizers not tested"
)
from specproof.spectral import torch as sptorch  # noqa: E402

CONFIGS = [
    dict(side=s, momentum=m, transform=t)
    for s, m, t in itertools.product(
        ["both", "alternate", "in", "out"], ["lie-lie", "transported"], ["e2", "cayley"]
    )
] + [
    dict(transform="expm"),
    dict(transform="e1", second_moment=False),
    dict(adamw_weight_decay=0.1, adamw_lr=0.01),
]


def _compare(np_opt, torch_cls, kw, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    W0, b0 = rng.standard_normal((5, 4)), rng.standard_normal(4)
    params = {"W": W0.copy(), "b": b0.copy()}
    tW = torch.nn.Parameter(torch.tensor(W0.copy()))
    tb = torch.nn.Parameter(torch.tensor(b0.copy()))
    topt = torch_cls([tW, tb], **kw)
    for _ in range(steps):
        g = {"W": rng.standard_normal((5, 4)), "b": rng.standard_normal(4)}
        np_opt.step(params, g)
        tW.grad, tb.grad = torch.tensor(g["W"]), torch.tensor(g["b"])
        topt.step()
    scale = max(1.0, np.abs(params["W"]).max())
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-12 * scale
    assert np.abs(params["b"] - tb.detach().numpy()).max() <= 1e-12


@pytest.mark.parametrize("kw", CONFIGS, ids=lambda kw: "-".join(map(str, kw.values())))
def test_pion_matches_numpy(kw):
    kw = {"lr": 0.05, **kw}
    _compare(spectral.Pion(**kw), sptorch.Pion, kw)


@pytest.mark.parametrize("kw", [dict(), dict(nesterov=False, weight_decay=0.1)])
def test_muon_matches_numpy(kw):
    kw = {"lr": 0.05, **kw}
    _compare(spectral.Muon(**kw), sptorch.Muon, kw)


def test_with_autograd_and_a_closure():
    torch.manual_seed(0)
    X = torch.randn(32, 6, dtype=torch.float64)
    Y = torch.randn(32, 3, dtype=torch.float64)
    W = torch.nn.Parameter(torch.randn(6, 3, dtype=torch.float64))
    s0 = torch.linalg.svdvals(W.detach())
    opt = sptorch.Pion([W], lr=0.05, transform="cayley")

    def closure():
        opt.zero_grad()
        loss = ((X @ W - Y) ** 2).mean()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(50):
        last = opt.step(closure).item()
    assert last < first
    assert torch.allclose(torch.linalg.svdvals(W.detach()), s0, atol=1e-13, rtol=0)


def test_bad_arguments_and_nonfinite_gradients():
    W = torch.nn.Parameter(torch.eye(2, dtype=torch.float64))
    with pytest.raises(ArgumentError, match="side"):
        sptorch.Pion([W], side="left")
    opt = sptorch.Pion([W])
    W.grad = torch.tensor([[0.0, float("nan")], [0.0, 0.0]], dtype=torch.float64)
    with pytest.raises(ArgumentError, match="parameter 0 of param group 0"):
        opt.step()
    assert torch.equal(W.detach(), torch.eye(2, dtype=torch.float64)) and not opt.state


@pytest.mark.parametrize("cls", ["Pion", "Muon"])
@pytest.mark.parametrize(
    "bad", [[float("inf"), 0.0], [float("inf"), float("-inf")], [1.0, float("nan")]],
    ids=["inf", "inf-minus-inf", "nan"])
def test_nonfinite_gradients_refused_float32(cls, bad):
    # the check sums the gradient first: +inf and -inf cancel to NaN, never to a number
    W = torch.nn.Parameter(torch.eye(2))
    opt = getattr(sptorch, cls)([W])
    W.grad = torch.tensor([bad, [0.0, 0.0]])
    with pytest.raises(ArgumentError, match="has a non-finite entry"):
        opt.step()
    assert torch.equal(W.detach(), torch.eye(2)) and not opt.state


def test_finite_gradient_whose_sum_overflows_is_accepted():
    # 3e38 * G overflows float32's sum and Frobenius norm to inf; every entry is finite,
    # so the step runs, and Muon is scale-invariant: the same move as for G (whose norm
    # is far above eps), not the zero move of G / inf
    G = torch.tensor(np.random.default_rng(0).uniform(0.5, 1.0, (3, 2)), dtype=torch.float32)
    moves = []
    for scale in (3e38, 1.0):
        W = torch.nn.Parameter(torch.zeros(3, 2))
        W.grad = G * scale
        assert bool(torch.isfinite(W.grad.sum())) == (scale == 1.0)
        sptorch.Muon([W], lr=0.1).step()
        moves.append(W.detach().clone())
    assert moves[1].abs().min() > 1e-3
    torch.testing.assert_close(moves[0], moves[1], rtol=1e-5, atol=1e-6)


def test_import_spectral_does_not_import_torch():
    code = "import sys, specproof.spectral; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_exclude_refused_rather_than_ignored():
    W = torch.nn.Parameter(torch.eye(2, dtype=torch.float64))
    for cls in (sptorch.Pion, sptorch.Muon):
        with pytest.raises(ArgumentError, match="exclude is not supported"):
            cls([W], exclude=["W"])


@pytest.mark.parametrize("cls", ["Pion", "Muon"])
def test_torch_state_dict_round_trip(cls):
    opt_cls = getattr(sptorch, cls)
    rng = np.random.default_rng(3)
    W0 = rng.standard_normal((4, 3))
    a = torch.nn.Parameter(torch.tensor(W0.copy()))
    b = torch.nn.Parameter(torch.tensor(W0.copy()))
    oa = opt_cls([a], lr=0.05)
    grads = [torch.tensor(rng.standard_normal((4, 3))) for _ in range(4)]
    for g in grads[:2]:
        a.grad = g
        oa.step()
    with torch.no_grad():
        b.copy_(a)
    ob = opt_cls([b], lr=0.05)
    ob.load_state_dict(oa.state_dict())
    for g in grads[2:]:
        a.grad, b.grad = g, g.clone()
        oa.step()
        ob.step()
    assert torch.equal(a.detach(), b.detach())


@pytest.mark.parametrize("shape", [(7, 3), (3, 7)], ids=["tall", "wide"])
@pytest.mark.parametrize("side", ["both", "alternate", "in", "out"])
@pytest.mark.parametrize("momentum", ["lie-lie", "transported"])
@pytest.mark.parametrize("second_moment", [True, False])
def test_torch_expm_matches_numpy_over_20_steps(shape, side, momentum, second_moment):
    # the exponential is the shared Taylor series in float64 on both sides (not
    # torch.linalg.matrix_exp, which is off by ~4e-14 at Pion's step sizes)
    kw = dict(lr=0.05, side=side, momentum=momentum, second_moment=second_moment,
              transform="expm")
    rng = np.random.default_rng(11)
    W0 = rng.standard_normal(shape)
    params = {"W": W0.copy()}
    tW = torch.nn.Parameter(torch.tensor(W0.copy()))
    np_opt, topt = spectral.Pion(**kw), sptorch.Pion([tW], **kw)
    for _ in range(20):
        g = rng.standard_normal(shape)
        np_opt.step(params, {"W": g})
        tW.grad = torch.tensor(g)
        topt.step()
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-12 * np.abs(W0).max()
    assert np.abs(params["W"] - W0).max() > 1e-2


def _torch_muon_pair(shape, dtype, ns_dtype, steps=3):
    """specproof's torch Muon and torch.optim.Muon with the same lr, decay and eps placement."""
    gen = torch.Generator().manual_seed(0)
    W0 = torch.randn(*shape, generator=gen, dtype=dtype)
    a = torch.nn.Parameter(W0.clone())
    b = torch.nn.Parameter(W0.clone())
    ours = sptorch.Muon([a], lr=0.02, weight_decay=0.1, eps_placement="clamp",
                        ns_dtype=ns_dtype)
    theirs = torch.optim.Muon([b], lr=0.02, weight_decay=0.1)
    for _ in range(steps):
        g = torch.randn(*shape, generator=gen, dtype=dtype)
        a.grad, b.grad = g.clone(), g.clone()
        ours.step()
        theirs.step()
    return a.detach(), b.detach(), W0


def test_muon_equals_torch_optim_muon_in_bfloat16():
    # torch.optim.Muon always runs Newton-Schulz in bfloat16; so does ns_dtype="bfloat16"
    a, b, W0 = _torch_muon_pair((24, 10), torch.float32, "bfloat16")
    assert float((a - b).abs().max()) <= 1e-6 * float(W0.abs().max())
    assert float((a - W0).abs().max()) > 1e-2


def test_muon_equals_torch_optim_muon_in_float32(monkeypatch):
    # torch.optim.Muon with its bfloat16 cast made a float32 copy: the same algorithm in
    # float32, which specproof's Muon runs with ns_dtype=None
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self: self.clone())
    a, b, W0 = _torch_muon_pair((40, 16), torch.float32, None)
    assert float((a - b).abs().max()) <= 2e-7 * float(W0.abs().max())
    # and the default eps placement ("add") is a different, measurable update at this size?
    # no: eps = 1e-7 against ||X|| ~ 1 changes nothing visible; placement matters only
    # for tiny gradients
    gen = torch.Generator().manual_seed(1)
    W = torch.randn(6, 3, generator=gen)
    tiny = torch.randn(6, 3, generator=gen) * 1e-9
    out = {}
    for placement in ("add", "clamp"):
        p = torch.nn.Parameter(W.clone())
        p.grad = tiny.clone()
        sptorch.Muon([p], lr=0.1, eps_placement=placement, momentum=0.0).step()
        out[placement] = p.detach()
    assert float((out["add"] - out["clamp"]).abs().max()) > 1e-3


def test_muon_bad_ns_options():
    w = torch.nn.Parameter(torch.eye(2))
    with pytest.raises(ArgumentError, match="ns_dtype"):
        sptorch.Muon([w], ns_dtype="float16")
    with pytest.raises(ArgumentError, match="eps_placement"):
        sptorch.Muon([w], eps_placement="max")


@pytest.mark.parametrize("placement", ["add", "clamp"])
def test_numpy_muon_eps_placement_equals_the_torch_muon(placement):
    # a gradient of norm ~3e-8 < eps = 1e-7: there the placements differ by a factor ~4,
    # and the numpy and torch Muon must agree to float64 rounding for each
    rng = np.random.default_rng(5)
    W0 = rng.standard_normal((9, 4))
    grads = [rng.standard_normal((9, 4)) * 5e-9 for _ in range(3)]
    params = {"W": W0.copy()}
    np_opt = spectral.Muon(lr=0.1, eps_placement=placement)
    tW = torch.nn.Parameter(torch.tensor(W0))
    t_opt = sptorch.Muon([tW], lr=0.1, eps_placement=placement)
    for g in grads:
        np_opt.step(params, {"W": g})
        tW.grad = torch.tensor(g)
        t_opt.step()
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-14
    assert np.abs(params["W"] - W0).max() > 1e-3


def test_numpy_muon_clamp_equals_torch_optim_muon_in_float32(monkeypatch):
    # torch.optim.Muon's bfloat16 cast made a float32 copy: the same algorithm in float32
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self: self.clone())
    rng = np.random.default_rng(6)
    W0 = rng.standard_normal((40, 16)).astype(np.float32)
    grads = [(rng.standard_normal((40, 16)) * s).astype(np.float32) for s in (1.0, 1e-8, 1.0)]
    params = {"W": W0.copy()}
    np_opt = spectral.Muon(lr=0.02, weight_decay=0.1, eps_placement="clamp")
    tW = torch.nn.Parameter(torch.tensor(W0))
    t_opt = torch.optim.Muon([tW], lr=0.02, weight_decay=0.1)
    for g in grads:
        np_opt.step(params, {"W": g})
        tW.grad = torch.tensor(g)
        t_opt.step()
    assert params["W"].dtype == np.float32
    assert np.abs(params["W"] - tW.detach().numpy()).max() <= 1e-6 * np.abs(W0).max()


@pytest.mark.parametrize("cls", ["Pion", "Muon"])
def test_adamw_route_overflow_names_the_parameter_and_changes_nothing(cls):
    # the error names the parameter that failed; the step is atomic: the matrix before
    # it, computed first, is not written either (it once was, and the error said so)
    W = torch.nn.Parameter(torch.ones(3, 2))
    b = torch.nn.Parameter(torch.ones(3))
    opt = getattr(sptorch, cls)([W, b], lr=0.1)
    W.grad = torch.tensor([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]])
    b.grad = torch.tensor([0.5, 1e20, 0.5])
    with pytest.raises(NonFiniteUpdateError, match=(
            r"parameter 1 of param group 0 \(shape \(3,\)\): AdamW's second moment .* "
            r"overflows float32 at index \(1,\): g = 1e\+20 there.*This parameter was not "
            r"changed \(scale the loss down, or train in float64\)\. No parameter or state "
            r"was changed by this step\.$")):
        opt.step()
    assert torch.equal(b.detach(), torch.ones(3)) and not opt.state[b]
    assert torch.equal(W.detach(), torch.ones(3, 2)) and not opt.state[W]


def test_torch_pion_second_moment_overflow_is_named():
    # the moments used to be written in place before the overflow was found; they now go
    # into spare tensors, so a refused step changes nothing, and the next one runs
    W = torch.nn.Parameter(torch.ones(3, 2))
    opt = sptorch.Pion([W], lr=0.1)
    W.grad = torch.tensor([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    opt.step()
    before = {k: v.clone() for k, v in opt.state[W].items() if torch.is_tensor(v)}
    W0 = W.detach().clone()
    W.grad = torch.tensor([[1e22, 0.0], [0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(NonFiniteUpdateError, match=(
            r"parameter 0 of param group 0 \(shape \(3, 2\)\): Pion's second moment .* "
            r"overflows float32 at index \(0, 1\): S = 1.01e\+22 there.*Nothing was changed")):
        opt.step()
    assert torch.equal(W.detach(), W0)
    assert all(torch.equal(opt.state[W][k], v) for k, v in before.items())
    assert opt.state[W]["step"] == 1
    W.grad = torch.tensor([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    opt.step()
    assert opt.state[W]["step"] == 2 and torch.isfinite(W).all()
