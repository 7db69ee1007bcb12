"""The torch optimizers refuse what the numpy ones refuse, and a refused step changes nothing."""

import numpy as np
import pytest

import specproof.spectral as spectral
from specproof._core import ArgumentError, ArgumentTypeError
from specproof.spectral.optimizers import NonFiniteUpdateError, OptimizerStateError

torch = pytest.importorskip(
    "torch", reason="torch not installed (extra 'torch'): torch optimizer checks not tested"
)
from specproof.spectral import torch as sptorch  # noqa: E402


def _tensors(state):
    return {k: v.clone() for k, v in state.items() if torch.is_tensor(v)}


@pytest.mark.parametrize("kw", [dict(second_moment=False),
                                dict(momentum="transported", second_moment=False)])
def test_a_refused_pion_step_leaves_the_state_and_the_next_step_runs(kw):
    # the moments were written in place before the overflow was found: m became inf and
    # every later step failed; transported momentum took in the refused gradient
    g = torch.Generator().manual_seed(0)
    W = torch.nn.Parameter(torch.randn(6, 4, generator=g))
    opt = sptorch.Pion([W], lr=0.05, **kw)
    W.grad = torch.randn(6, 4, generator=g)
    opt.step()
    before, W0 = _tensors(opt.state[W]), W.detach().clone()
    W.grad = torch.full((6, 4), 1e38)
    with pytest.raises(NonFiniteUpdateError, match="nothing was changed"):
        opt.step()
    assert torch.equal(W.detach(), W0) and opt.state[W]["step"] == 1
    assert all(torch.equal(opt.state[W][k], v) for k, v in before.items())
    W.grad = torch.randn(6, 4, generator=g)
    opt.step()
    assert opt.state[W]["step"] == 2 and bool(torch.isfinite(W).all())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("transform", ["e2", "cayley", "expm"])
def test_half_precision_matrices_are_computed_in_float32(dtype, transform):
    # float16 rounded eps = 1e-8 to 0 (0/0 on the generator's diagonal); torch has no
    # bfloat16 LU for Cayley
    g = torch.Generator().manual_seed(1)
    W0, G = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    half = torch.nn.Parameter(W0.to(dtype))
    single = torch.nn.Parameter(W0.to(dtype).float())
    opts = [sptorch.Pion([p], lr=0.05, transform=transform) for p in (half, single)]
    for p, opt in zip((half, single), opts):
        p.grad = G.to(dtype).to(p.dtype)
        opt.step()
    assert half.dtype == dtype
    assert opts[0].state[half]["m_out_upper"].dtype == torch.float32
    assert torch.equal(half.detach(), single.detach().to(dtype))


def test_loaded_states_must_fit_the_parameters_and_options():
    W = torch.nn.Parameter(torch.randn(6, 4, dtype=torch.float64))
    b = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    opt = sptorch.Pion([W, b], lr=0.05)
    W.grad, b.grad = torch.ones_like(W), torch.ones_like(b)
    opt.step()
    sd = opt.state_dict()
    del sd["state"][0]["v_in"]  # was loaded, and the in side lost its second moment
    with pytest.raises(OptimizerStateError, match=r"parameter 0 .*has no key 'v_in'"):
        sptorch.Pion([W, b], lr=0.05).load_state_dict(sd)
    sd = opt.state_dict()
    sd["state"][1]["m"] = torch.zeros(1, dtype=torch.float64)  # was broadcast to (5,)
    with pytest.raises(OptimizerStateError, match=r"parameter 1 .*'m' is \(1,\), expected"):
        sptorch.Pion([W, b], lr=0.05).load_state_dict(sd)
    sd = opt.state_dict()
    sd["state"][1]["step"] = -1  # ZeroDivisionError in the bias correction
    with pytest.raises(OptimizerStateError, match="'step' must be an int >= 0, got -1"):
        sptorch.Pion([W, b], lr=0.05).load_state_dict(sd)
    muon = sptorch.Muon([W, b], lr=0.05)
    muon.step()
    msd = muon.state_dict()
    msd["state"][0]["buffer"] = torch.zeros(1, 4, dtype=torch.float64)
    with pytest.raises(OptimizerStateError, match=r"'buffer' is \(1, 4\), expected"):
        sptorch.Muon([W, b], lr=0.05).load_state_dict(msd)
    # another optimizer's state (KeyError: 'rms' before)
    with pytest.raises(OptimizerStateError, match="another optimizer"):
        sptorch.Pion([W, b], lr=0.05).load_state_dict(muon.state_dict())
    with pytest.raises(OptimizerStateError, match="another optimizer"):
        sptorch.Muon([W, b], lr=0.05).load_state_dict(opt.state_dict())


def test_a_parameter_that_changes_shape_or_dtype_between_steps_is_refused():
    p = torch.nn.Parameter(torch.randn(4))
    opt = sptorch.Pion([p], lr=0.05)
    p.grad = torch.ones(4)
    opt.step()
    p.data = torch.randn(4, 4)
    p.grad = torch.ones(4, 4)
    with pytest.raises(OptimizerStateError, match="has no key 'm_out'.*changed since"):
        opt.step()
    q = torch.nn.Parameter(torch.randn(4, 3))
    opt = sptorch.Muon([q], lr=0.05)
    q.grad = torch.ones(4, 3)
    opt.step()
    q.data, q.grad = q.data.double(), torch.ones(4, 3, dtype=torch.float64)
    with pytest.raises(ArgumentTypeError, match="changed dtype"):
        opt.step()


def test_gradients_of_another_dtype_or_sparse_matrix_gradients_are_refused():
    b = torch.nn.Parameter(torch.randn(5))
    opt = sptorch.Pion([b], lr=0.05)
    b.grad_dtype = None
    b.grad = torch.ones(5, dtype=torch.float64)
    with pytest.raises(ArgumentTypeError, match="is torch.float64 but the parameter is "
                                                "torch.float32; nothing was changed"):
        opt.step()
    assert not opt.state[b]
    emb = torch.nn.Embedding(10, 4, sparse=True)
    for cls in (sptorch.Pion, sptorch.Muon):
        opt = cls(emb.parameters(), lr=0.05)
        emb(torch.tensor([1, 2])).sum().backward()
        with pytest.raises(ArgumentError, match="is sparse"):
            opt.step()
        emb.zero_grad(set_to_none=True)


@pytest.mark.parametrize(("cls", "group", "match"), [
    ("Pion", dict(transform="expmm"), "param group 1: transform must be one of"),
    ("Pion", dict(lr=-0.05), "param group 1: lr"),
    ("Pion", dict(betas=(1.5, 0.9)), "param group 1: betas"),
    ("Pion", dict(low_rank="sometimes"), "param group 1: low_rank"),
    ("Muon", dict(momentum=1.5), "param group 1: momentum"),
    ("Muon", dict(eps_placement="foo"), "param group 1: eps_placement"),
    ("Muon", dict(ns_dtype="float16"), "param group 1: ns_dtype"),
])
def test_param_group_options_are_checked_like_the_defaults(cls, group, match):
    # a typo ran Cayley silently; the constructor refuses the same value
    a, b = torch.nn.Parameter(torch.randn(4, 3)), torch.nn.Parameter(torch.randn(4, 3))
    with pytest.raises(ArgumentError, match=match):
        getattr(sptorch, cls)([{"params": [a]}, {"params": [b], **group}], lr=0.05)
    opt = getattr(sptorch, cls)([a], lr=0.05)
    with pytest.raises(ArgumentError, match=match.replace("group 1", "group 1")):
        opt.add_param_group({"params": [b], **group})
    assert len(opt.param_groups) == 1


def test_e2_does_not_overflow_where_the_step_does_not_depend_on_the_scale():
    # without the second moment the step is scale-free; A (A W) overflowed float32 for
    # gradients from about 1e19
    g = torch.Generator().manual_seed(2)
    W0, G = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    out = []
    for scale in (1.0, 1e25):
        W = torch.nn.Parameter(W0.clone())
        opt = sptorch.Pion([W], lr=0.05, transform="e2", second_moment=False)
        W.grad = G * scale
        opt.step()
        out.append(W.detach())
    assert float((out[0] - out[1]).abs().max()) <= 1e-6


def test_bfloat16_tensors_are_read_by_sn_and_convnorm():
    # "Got unsupported ScalarType BFloat16" from .numpy()
    W = torch.randn(5, 4).to(torch.bfloat16)
    ref = W.double().numpy()
    assert spectral.exact_sigma(W) == pytest.approx(np.linalg.norm(ref, 2), rel=1e-13)
    assert spectral.spectral_normalize(W).dtype == np.float64
    K = torch.randn(2, 2, 3, 3).to(torch.bfloat16)
    assert spectral.convnorm_filter(K, (6, 6)).shape[:2] == (2, 6)


def test_a_float16_adamw_update_that_would_be_nan_is_refused():
    # adamw_eps = 1e-8 is 0 in float16: a zero gradient entry made 0/0 (torch.optim.AdamW
    # writes the NaN)
    b = torch.nn.Parameter(torch.ones(4, dtype=torch.float16))
    opt = sptorch.Pion([b], lr=0.05)
    b.grad = torch.tensor([1.0, 0.0, -1.0, 0.0], dtype=torch.float16)
    with pytest.raises(NonFiniteUpdateError, match="adamw_eps = 1e-08 is 0 in that dtype"):
        opt.step()
    assert torch.equal(b.detach(), torch.ones(4, dtype=torch.float16)) and not opt.state[b]
