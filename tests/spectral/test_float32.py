"""float32 end to end in the numpy optimizers: parameters, state and arithmetic stay
float32, and the result is the float64 one to float32 accuracy."""

import numpy as np
import pytest

from specproof._core import ArgumentTypeError
from specproof.spectral.optimizers import SGD, Adam, AdamW, Muon, Pion

OPTIMIZERS = {
    "sgd": lambda: SGD(lr=0.05, momentum=0.9),
    "adam": lambda: Adam(lr=1e-2),
    "adamw": lambda: AdamW(lr=1e-2, weight_decay=0.1),
    "muon": lambda: Muon(lr=0.02),
    "pion-e2": lambda: Pion(lr=0.02),
    "pion-cayley": lambda: Pion(lr=0.02, transform="cayley"),
    "pion-expm": lambda: Pion(lr=0.02, transform="expm"),
    "pion-expm-lowrank": lambda: Pion(lr=0.02, transform="expm", momentum="transported",
                                      second_moment=False),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_stays_float32_and_matches_float64(name):
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((12, 4)) / 2, rng.standard_normal(4)
    grads = [(rng.standard_normal((12, 4)), rng.standard_normal(4)) for _ in range(5)]
    p64 = {"W": W.copy(), "b": b.copy()}
    p32 = {"W": W.astype(np.float32), "b": b.astype(np.float32)}
    o64, o32 = OPTIMIZERS[name](), OPTIMIZERS[name]()
    for gW, gb in grads:
        o64.step(p64, {"W": gW, "b": gb})
        o32.step(p32, {"W": gW.astype(np.float32), "b": gb.astype(np.float32)})
    assert p32["W"].dtype == np.float32 and p32["b"].dtype == np.float32
    for st in o32.state_dict()["state"].values():
        for v in st.values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32
    # stated accuracy: 5 steps in float32 agree with float64 to 2e-6 of the weights' scale
    # (a few float32 ulps per step; Adam's division by sqrt(v) + eps is the worst case)
    for k in ("W", "b"):
        err = np.abs(p32[k] - p64[k]).max() / np.abs(p64[k]).max()
        assert err <= 2e-6, (k, err)
        assert err > 0.0  # it really ran in float32 (float64 would agree exactly)


def test_float32_pion_keeps_the_spectrum_to_float32_accuracy():
    rng = np.random.default_rng(1)
    W = (rng.standard_normal((16, 6)) / 4).astype(np.float32)
    s0 = np.linalg.svd(W.astype(np.float64), compute_uv=False)
    opt = Pion(lr=0.02, transform="expm")
    p = {"W": W.copy()}
    for _ in range(50):
        opt.step(p, {"W": rng.standard_normal(W.shape).astype(np.float32)})
    s = np.linalg.svd(p["W"].astype(np.float64), compute_uv=False)
    drift = np.abs(s - s0).max() / s0[0]
    assert 1e-9 < drift <= 5e-6  # float32 rounding, not float64's, and not more


def test_adam_update_keeps_float32():
    # np.sqrt of the Python bias correction is an np.float64: it promoted the update
    from specproof.spectral.optimizers import adam_update

    p, g = np.ones(3, np.float32), np.full(3, 0.3, np.float32)
    z = np.zeros(3, np.float32)
    out = adam_update(p, g, z, z, 1, 0.01, (0.9, 0.999), 1e-8, 0.0, False)
    assert [a.dtype for a in out] == [np.float32] * 3
    # the first step moves every entry by lr (m / sqrt(v) = 1 after bias correction)
    np.testing.assert_allclose(out[0], np.float32(0.99), rtol=0, atol=1e-7)


@pytest.mark.parametrize("cls", [SGD, Adam, Muon, Pion])
def test_a_loaded_state_takes_its_parameters_dtype(cls):
    # float64 state loaded for float32 parameters stayed float64 and kept every later
    # step in float64 (torch.optim converts it, and so does this now)
    rng = np.random.default_rng(0)
    kw = {"momentum": 0.9} if cls is SGD else {}
    p64 = {"W": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}
    grads = {k: rng.standard_normal(v.shape) for k, v in p64.items()}
    a = cls(**kw)
    a.step(p64, grads)
    for with_params in (True, False):
        p32 = {k: v.astype(np.float32) for k, v in p64.items()}
        b = cls(**kw)
        b.load_state_dict(a.state_dict(), params=p32 if with_params else None)
        b.step(p32, {k: v.astype(np.float32) for k, v in grads.items()})
        for k, st in b.state_dict()["state"].items():
            arrays = [v for v in st.values() if isinstance(v, np.ndarray)]
            assert arrays and all(v.dtype == np.float32 for v in arrays), (k, st)
        assert all(v.dtype == np.float32 for v in p32.values())
    # a parameter that changes dtype between steps of one optimizer is refused
    p = {k: v.copy() for k, v in p64.items()}
    c = cls(**kw)
    c.step(p, grads)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    with pytest.raises(ArgumentTypeError, match="changed dtype since the optimizer"):
        c.step(p32, {k: v.astype(np.float32) for k, v in grads.items()})
