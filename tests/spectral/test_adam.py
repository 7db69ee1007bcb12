"""Adam / AdamW: closed forms, per-parameter step counts, agreement with torch in float64."""

import numpy as np
import pytest

from specproof.spectral.optimizers import Adam, AdamW


def test_first_step_is_lr_times_sign():
    opt = Adam(lr=0.01, eps=0.0)
    g = np.array([3.0, -1e-3, 7.0])
    p = {"w": np.zeros(3)}
    opt.step(p, {"w": g})
    np.testing.assert_allclose(p["w"], -0.01 * np.sign(g), rtol=1e-15, atol=0)


def test_decoupled_decay_closed_form():
    opt = AdamW(lr=0.1, weight_decay=0.5, eps=0.0)
    p = {"w": np.array([2.0])}
    opt.step(p, {"w": np.array([-4.0])})
    assert p["w"][0] == pytest.approx(2.0 * (1 - 0.05) + 0.1, rel=1e-15)


def test_late_parameter_gets_its_own_bias_correction():
    opt = Adam(lr=0.01, eps=0.0)
    a = {"a": np.zeros(1)}
    for _ in range(3):
        opt.step(a, {"a": np.ones(1)})
    both = {"a": a["a"], "b": np.zeros(1)}
    opt.step(both, {"a": np.ones(1), "b": np.array([-5.0])})
    # first step of b moves it by exactly lr * sign(g)
    assert both["b"][0] == pytest.approx(0.01, rel=1e-14)


@pytest.mark.parametrize("cls,wd", [(Adam, 0.0), (Adam, 0.1), (AdamW, 0.0), (AdamW, 0.2)])
def test_matches_torch(cls, wd):
    torch = pytest.importorskip(
        "torch", reason="torch not installed: comparison with torch.optim skipped"
    )
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3, 5))
    grads = [rng.standard_normal((3, 5)) for _ in range(6)]
    opt = cls(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd)
    p = {"w": w0.copy()}
    tw = torch.tensor(w0.copy(), dtype=torch.float64, requires_grad=True)
    tcls = torch.optim.Adam if cls is Adam else torch.optim.AdamW
    topt = tcls([tw], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd)
    for g in grads:
        opt.step(p, {"w": g})
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(p["w"], tw.detach().numpy(), rtol=0, atol=1e-14)


def test_eps_zero_with_a_zero_gradient_entry_says_why():
    # 0/0 where the second moment is 0: the generic hint was "lower the learning rate?"
    from specproof.spectral.optimizers import NonFiniteUpdateError

    p = {"w": np.ones(3)}
    with pytest.raises(NonFiniteUpdateError, match=r"eps = 0 and the second moment is 0 at "
                                                   r"index \(1,\)"):
        Adam(lr=0.1, eps=0.0).step(p, {"w": np.array([1.0, 0.0, 2.0])})
    assert np.array_equal(p["w"], np.ones(3))
    Adam(lr=0.1, eps=0.0).step(p, {"w": np.array([1.0, -1.0, 2.0])})  # no zero: torch's step
    np.testing.assert_allclose(p["w"], [0.9, 1.1, 0.9], rtol=1e-15)
