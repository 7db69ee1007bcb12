"""A refused torch step changes nothing, across parameters and param groups.

The torch optimizers used to write each parameter as soon as its own step succeeded: an
error at a later parameter left the earlier ones (and their states) moved, so fixing the
gradient and stepping again moved them twice. Every parameter's step is now computed
first and written only once all have succeeded, as the numpy optimizers do.
"""

import copy

import pytest

from specproof.spectral.optimizers import NonFiniteUpdateError

torch = pytest.importorskip(
    "torch", reason="torch is an optional extra (pip install torch==2.13.0)")

from specproof.spectral import torch as sptorch  # noqa: E402


def _model(seed):
    gen = torch.Generator().manual_seed(seed)
    shapes = [(6, 4), (3,), (5, 5), (4, 7)]
    return [torch.nn.Parameter(torch.randn(*s, generator=gen)) for s in shapes]


def _grads(params, seed, scale=None):
    gen = torch.Generator().manual_seed(seed)
    out = [torch.randn(*p.shape, generator=gen) for p in params]
    if scale is not None:
        index, factor = scale
        out[index] = out[index] * factor
    return out


def _step(opt, params, grads):
    for p, g in zip(params, grads):
        p.grad = g.clone()
    opt.step()


def _snapshot(opt, params):
    state = {i: {k: (v.clone() if torch.is_tensor(v) else v)
                 for k, v in opt.state[p].items()} for i, p in enumerate(params)}
    return [p.detach().clone() for p in params], state


def _assert_same(snap, opt, params):
    weights, state = snap
    for i, p in enumerate(params):
        assert torch.equal(p.detach(), weights[i]), f"parameter {i} moved"
        now = opt.state[p]
        assert set(now) == set(state[i]), f"state keys of parameter {i} changed"
        for k, v in state[i].items():
            if torch.is_tensor(v):
                assert torch.equal(now[k], v), f"state {k!r} of parameter {i} changed"
            else:
                assert now[k] == v, f"state {k!r} of parameter {i} changed"


def _assert_retry_is_the_step(refused, twin, grads):
    # the optimizer that refused a step, and a copy made before it, take the same next step
    (opt, params), (twin_opt, twin_params) = refused, twin
    _step(opt, params, grads)
    _step(twin_opt, twin_params, grads)
    for p, q in zip(params, twin_params):
        assert torch.equal(p.detach(), q.detach())
        for k, v in opt.state[p].items():
            w = twin_opt.state[q][k]
            assert torch.equal(v, w) if torch.is_tensor(v) else v == w


def _make(cls, params, **kwargs):
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]
    return getattr(sptorch, cls)(groups, lr=0.01, **kwargs)


@pytest.mark.parametrize("transform", ["e2", "cayley", "expm"])
@pytest.mark.parametrize("failing", [2, 3])
def test_pion_step_refused_at_a_later_parameter_changes_nothing(transform, failing):
    params = _model(0)
    opt = _make("Pion", params, transform=transform)
    for k in range(3):
        _step(opt, params, _grads(params, 10 + k))
    twin_params, twin_opt = copy.deepcopy((params, opt))
    snap = _snapshot(opt, params)
    # float32 S*S of the failing matrix overflows: Pion's second moment is refused
    bad = _grads(params, 20, scale=(failing, 1e22))
    with pytest.raises(NonFiniteUpdateError,
                       match=rf"parameter {failing - 2} of param group 1 .*No parameter or "
                             r"state was changed by this step\.$"):
        _step(opt, params, bad)
    _assert_same(snap, opt, params)
    # the retry after fixing the gradient is the step the optimizer would have taken
    _assert_retry_is_the_step((opt, params), (twin_opt, twin_params), _grads(params, 21))


def test_pion_first_step_refused_leaves_every_state_empty():
    params = _model(1)
    opt = _make("Pion", params)
    with pytest.raises(NonFiniteUpdateError, match="No parameter or state was changed"):
        _step(opt, params, _grads(params, 2, scale=(3, 1e22)))
    assert all(not opt.state[p] for p in params)


def test_muon_momentum_overflow_at_a_later_parameter_changes_nothing():
    params = _model(2)
    opt = _make("Muon", params)
    top = torch.finfo(torch.float32).max
    first = _grads(params, 30)
    first[3] = torch.full((4, 7), top)
    _step(opt, params, first)
    twin_params, twin_opt = copy.deepcopy((params, opt))
    snap = _snapshot(opt, params)
    bad = _grads(params, 31)
    bad[3] = torch.full((4, 7), -top)  # buffer + 0.05 (g - buffer) overflows
    with pytest.raises(NonFiniteUpdateError,
                       match=r"parameter 1 of param group 1 .*momentum buffer overflows.*"
                             r"No parameter or state was changed by this step\.$"):
        _step(opt, params, bad)
    _assert_same(snap, opt, params)
    _assert_retry_is_the_step((opt, params), (twin_opt, twin_params), _grads(params, 32))


def test_a_single_parameter_error_has_no_sentence_about_others():
    W = torch.nn.Parameter(torch.ones(3, 2))
    opt = sptorch.Pion([W], lr=0.1)
    W.grad = torch.tensor([[1e22, 0.0], [0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(NonFiniteUpdateError) as info:
        opt.step()
    assert "No parameter or state was changed by this step" not in str(info.value)
    assert torch.equal(W.detach(), torch.ones(3, 2)) and not opt.state[W]


@pytest.mark.parametrize("clone", ["deepcopy", "pickle"])
def test_a_copied_pion_steps_like_the_original(clone, tmp_path):
    # torch's Optimizer pickles only defaults, state and param groups: the copy had no
    # spare moments and failed with AttributeError at its first step
    params = _model(3)
    opt = _make("Pion", params)
    _step(opt, params, _grads(params, 40))
    if clone == "deepcopy":
        twin_params, twin_opt = copy.deepcopy((params, opt))
    else:
        torch.save((params, opt), tmp_path / "opt.pt")
        twin_params, twin_opt = torch.load(tmp_path / "opt.pt", weights_only=False)
    for k in (41, 42):
        _step(opt, params, _grads(params, k))
        _step(twin_opt, twin_params, _grads(twin_params, k))
    for p, q in zip(params, twin_params):
        assert torch.equal(p.detach(), q.detach())


def test_a_pickled_muon_steps_like_the_original(tmp_path):
    params = _model(4)
    opt = _make("Muon", params)
    _step(opt, params, _grads(params, 50))
    torch.save((params, opt), tmp_path / "opt.pt")
    twin_params, twin_opt = torch.load(tmp_path / "opt.pt", weights_only=False)
    assert type(twin_opt) is sptorch.Muon
    _step(opt, params, _grads(params, 51))
    _step(twin_opt, twin_params, _grads(twin_params, 51))
    for p, q in zip(params, twin_params):
        assert torch.equal(p.detach(), q.detach())
