"""SGD: closed forms and agreement with torch.optim.SGD in float64."""

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.spectral.optimizers import SGD


def test_momentum_closed_form():
    # constant gradient 1: buffers 1, 1 + mu, 1 + mu + mu^2; steps lr times those
    opt = SGD(lr=0.5, momentum=0.5)
    p = {"w": np.array([0.0])}
    for _ in range(3):
        opt.step(p, {"w": np.array([1.0])})
    assert p["w"][0] == pytest.approx(-0.5 * (1 + 1.5 + 1.75), abs=0, rel=1e-15)


def test_nesterov_closed_form():
    opt = SGD(lr=1.0, momentum=0.5, nesterov=True)
    p = {"w": np.array([0.0])}
    opt.step(p, {"w": np.array([1.0])})  # buf = 1, d = 1 + 0.5
    opt.step(p, {"w": np.array([1.0])})  # buf = 1.5, d = 1 + 0.75
    assert p["w"][0] == -(1.5 + 1.75)


def test_nesterov_needs_momentum():
    with pytest.raises(ArgumentError, match="nesterov"):
        SGD(nesterov=True)
    with pytest.raises(ArgumentError, match="momentum"):
        SGD(momentum=1.0)


@pytest.mark.parametrize(
    "kw",
    [
        dict(momentum=0.0),
        dict(momentum=0.9),
        dict(momentum=0.9, nesterov=True, weight_decay=0.1),
        dict(momentum=0.8, dampening=0.3, weight_decay=0.05),
    ],
)
def test_matches_torch(kw):
    torch = pytest.importorskip(
        "torch", reason="torch not installed: comparison with torch.optim.SGD skipped"
    )
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(5)]
    opt = SGD(lr=0.1, **kw)
    p = {"w": w0.copy()}
    tw = torch.tensor(w0.copy(), dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1, **kw)
    for g in grads:
        opt.step(p, {"w": g})
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(p["w"], tw.detach().numpy(), rtol=0, atol=1e-14)
