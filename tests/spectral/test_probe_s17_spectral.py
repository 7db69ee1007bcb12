"""Session 17 review of the spectral package: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.spectral import Pion, PowerIterationSN
from specproof.spectral.optimizers import NonFiniteUpdateError
from specproof.spectral.optimizers.radial import is_radial

torch = pytest.importorskip("torch", reason="torch (the [torch] extra) is not installed")
from specproof.spectral.torch import Muon as TorchMuon  # noqa: E402
from specproof.spectral.torch import Pion as TorchPion  # noqa: E402

W0 = np.random.default_rng(0).standard_normal((6, 4))
MODES = [(tr, mom, sm) for tr in ("cayley", "e2", "expm")
         for mom in ("lie-lie", "transported") for sm in (True, False)]


@pytest.mark.parametrize("lam", [0.7, 1.0, 3.0, -2.5])
@pytest.mark.parametrize("tr,mom,sm", MODES)
def test_radial_gradient_does_not_move_the_weight(lam, tr, mom, sm):
    # G = lambda W has generator 0 exactly; its rounding noise (~1e-17) was normalised by
    # alpha into a move of 0.037 (numpy) and 0.026 (torch), different rotations
    P = {"w": W0.copy()}
    Pion(lr=0.1, transform=tr, momentum=mom, second_moment=sm).step(P, {"w": lam * W0})
    assert np.array_equal(P["w"], W0)
    p = torch.nn.Parameter(torch.tensor(W0))
    opt = TorchPion([p], lr=0.1, transform=tr, momentum=mom, second_moment=sm)
    p.grad = torch.tensor(lam * W0)
    opt.step()
    assert np.array_equal(p.detach().numpy(), W0)


def test_radial_low_rank_route_tall_does_not_move():
    W = np.random.default_rng(1).standard_normal((40, 6))
    opt = Pion(lr=0.1, transform="expm", momentum="transported", second_moment=False)
    assert opt.low_rank_sides(W.shape) == ("out",)
    P = {"w": W.copy()}
    opt.step(P, {"w": 0.3 * W})
    assert np.array_equal(P["w"], W)


@pytest.mark.parametrize("tr,mom,sm", MODES)
def test_nearly_radial_gradient_still_moves_and_numpy_equals_torch(tr, mom, sm):
    # a component off W of relative size 1e-6 is a genuine generator, far above rounding
    # (numpy and torch then differ by rounding / 1e-6, amplified by alpha: 1e-12 at 1e-3)
    E = np.random.default_rng(2).standard_normal(W0.shape)
    tiny = {"w": W0.copy()}
    Pion(lr=0.1, transform=tr, momentum=mom, second_moment=sm).step(
        tiny, {"w": 0.7 * W0 + 1e-9 * E})
    assert np.abs(tiny["w"] - W0).max() > 1e-3
    G = 0.7 * W0 + 1e-3 * E
    P = {"w": W0.copy()}
    Pion(lr=0.1, transform=tr, momentum=mom, second_moment=sm).step(P, {"w": G})
    p = torch.nn.Parameter(torch.tensor(W0))
    opt = TorchPion([p], lr=0.1, transform=tr, momentum=mom, second_moment=sm)
    p.grad = torch.tensor(G)
    opt.step()
    assert np.abs(P["w"] - W0).max() > 1e-3
    assert np.abs(p.detach().numpy() - P["w"]).max() < 1e-12


def test_is_radial_threshold():
    W = np.random.default_rng(3).standard_normal((50, 30))
    assert is_radial(W, 0.7 * W) and is_radial(W, -1e-200 * W) and is_radial(W, 1e200 * W)
    assert is_radial(W * 1e-300, 2.0**-1000 * W) and is_radial(1e300 * W, W)
    # subnormal entries are not 5e-310 W to 8 u: their rounding is a real off-W part
    assert not is_radial(W, 5e-310 * W)
    u = np.finfo(float).eps / 2
    E = np.random.default_rng(4).standard_normal(W.shape)
    E -= np.vdot(E, W) / np.vdot(W, W) * W
    E *= np.linalg.norm(W) / np.linalg.norm(E)
    assert is_radial(W, W + 2 * u * E)
    assert not is_radial(W, W + 64 * u * E)
    assert not is_radial(W, np.zeros_like(W)) and not is_radial(np.zeros_like(W), W)
    Wt = torch.tensor(W, dtype=torch.float32)
    assert is_radial(Wt, 0.7 * Wt) and not is_radial(Wt, Wt + 1e-4 * torch.tensor(E).float())


def _one_step(cls, dt, scale):
    """``(W, G, parameter, optimizer)`` after one step of ``cls`` in dtype ``dt`` on a
    6 x 4 weight with a gradient of entries about ``scale``."""
    rng = np.random.default_rng(0)
    W, G = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)) * scale
    p = torch.nn.Parameter(torch.tensor(W, dtype=dt))
    opt = cls([p], lr=0.1)
    p.grad = torch.tensor(G, dtype=dt)
    opt.step()
    return W, G, p, opt


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_torch_muon_half_precision_small_gradient_moves(dtype):
    # the float16 buffer 0.05 g underflowed for |g| ~ 1e-7: a silent zero step
    dt = getattr(torch, dtype)
    W, G, p, opt = _one_step(TorchMuon, dt, 1e-7)
    assert opt.state[p]["buffer"].dtype == torch.float32
    ref = torch.nn.Parameter(torch.tensor(W, dtype=dt).float())
    ropt = TorchMuon([ref], lr=0.1)
    ref.grad = torch.tensor(G, dtype=dt).float()
    ropt.step()
    assert torch.equal(p.detach(), ref.detach().to(dt))
    assert float((p.detach().double() - torch.tensor(W, dtype=dt).double()).abs().max()) > 0.05


@pytest.mark.parametrize("cls", [TorchPion, TorchMuon])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_state_survives_state_dict_round_trip(cls, dtype):
    # torch's load_state_dict rounded the float32 state to the parameter's dtype, and the
    # next step refused it ("the parameter changed dtype")
    dt = getattr(torch, dtype)
    W, G, p, opt = _one_step(cls, dt, 1e-3)
    q = torch.nn.Parameter(p.detach().clone())
    opt2 = cls([q], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    for st in opt2.state[q].values():
        if torch.is_tensor(st) and st.is_floating_point():
            assert st.dtype == torch.float32
    p.grad = torch.tensor(G, dtype=dt)
    q.grad = torch.tensor(G, dtype=dt)
    opt.step()
    opt2.step()
    assert torch.equal(p.detach(), q.detach())


def test_negative_power_iteration_estimate_is_not_called_a_zero_weight():
    W = np.diag([3.0, 1.0])
    sn = PowerIterationSN(W, u=[-1, 0], v=[1, 0], init_iterations=0)
    with pytest.raises(ArgumentError, match=r"u\^T W v is -3 .*negative") as exc:
        sn(W, training=False)
    assert "zero weight" not in str(exc.value)


def test_overflowing_generator_is_named_as_such():
    rng = np.random.default_rng(0)
    W, G = rng.standard_normal((2, 6, 4)) * 1e200
    with pytest.raises(NonFiniteUpdateError, match="itself an overflow") as exc:
        Pion().step({"w": W}, {"w": G})
    assert "whose square exceeds" not in str(exc.value)
