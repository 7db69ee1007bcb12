"""float32 end to end in the numpy optimizers: parameters, state and arithmetic stay
float32, and the result is the float64 one to float32 accuracy."""

import numpy as np
import pytest

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
