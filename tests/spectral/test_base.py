"""The shared interface: atomic steps, bad input named, state dicts checked and restored."""

import copy
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError, ArgumentTypeError, SpecproofError
from specproof.spectral.optimizers import (
    SGD,
    Adam,
    AdamW,
    Muon,
    NonFiniteUpdateError,
    OptimizerStateError,
    Pion,
)

FACTORIES = {
    "sgd": lambda: SGD(lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(lr=0.01),
    "adamw": lambda: AdamW(lr=0.01),
    "muon": lambda: Muon(lr=0.02),
    "pion": lambda: Pion(lr=0.05),
    "pion-alt-transported": lambda: Pion(lr=0.05, side="alternate", momentum="transported"),
    "pion-cayley-in": lambda: Pion(lr=0.05, side="in", transform="cayley", second_moment=False),
}


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}


def _grads(rng):
    return {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}


def _run(opt, params, rng, k):
    for _ in range(k):
        opt.step(params, _grads(rng))


@pytest.mark.parametrize("key", list(FACTORIES))
@settings(max_examples=10, deadline=None)
@given(
    st.sampled_from(["W", "b"]),
    st.integers(0, 11),
    st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_nonfinite_gradient_named_and_nothing_changes(key, which, pos, bad):
    opt = FACTORIES[key]()
    params = _params()
    rng = np.random.default_rng(1)
    _run(opt, params, rng, 2)
    before_p = copy.deepcopy(params)
    before_s = opt.state_dict()
    grads = _grads(rng)
    grads[which].flat[pos % grads[which].size] = bad
    with pytest.raises(ArgumentError, match=rf"grads\['{which}'\] has a non-finite entry"):
        opt.step(params, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], before_p[k])
    after_s = opt.state_dict()
    assert after_s["step"] == before_s["step"]
    for name, st_ in before_s["state"].items():
        for k, v in st_.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(after_s["state"][name][k], v)


@pytest.mark.parametrize("key", list(FACTORIES))
@settings(max_examples=5, deadline=None)
@given(st.integers(0, 4), st.integers(1, 4), st.integers(0, 2**31))
def test_state_dict_round_trip(key, k_before, k_after, seed):
    a = FACTORIES[key]()
    params = _params(seed % 7)
    rng = np.random.default_rng(seed)
    _run(a, params, rng, k_before)
    saved = a.state_dict()
    params_b = copy.deepcopy(params)
    b = FACTORIES[key]()
    b.load_state_dict(saved, params=params_b)
    grads = [_grads(rng) for _ in range(k_after)]
    for g in grads:
        a.step(params, g)
        b.step(params_b, g)
    for name in params:
        np.testing.assert_array_equal(params[name], params_b[name])
    assert b.steps == a.steps


def test_state_dict_is_a_copy():
    opt = Pion()
    params = _params()
    _run(opt, params, np.random.default_rng(0), 1)
    sd = opt.state_dict()
    sd["state"]["W"]["m_in"][...] = 99.0
    assert not np.any(opt.state_dict()["state"]["W"]["m_in"] == 99.0)


def test_load_from_another_optimizer_names_the_key():
    adam = Adam()
    _run(adam, _params(), np.random.default_rng(0), 1)
    with pytest.raises(OptimizerStateError, match=r"state_dict\['optimizer'\] is 'Adam'"):
        Pion().load_state_dict(adam.state_dict())


def test_load_other_shapes_names_the_key():
    opt = Pion()
    _run(opt, _params(), np.random.default_rng(0), 1)
    sd = opt.state_dict()
    sd["state"]["W"]["m_in"] = np.zeros((4, 4))
    with pytest.raises(OptimizerStateError, match=r"state\['W'\]\['m_in'\] has shape \(4, 4\)"):
        Pion().load_state_dict(sd)
    # the state fits itself but not these parameters: refused at load with params ...
    good = opt.state_dict()
    other = {"W": np.zeros((5, 3)), "b": np.zeros(3)}
    with pytest.raises(OptimizerStateError, match=r"'W'"):
        Pion().load_state_dict(good, params=other)
    # ... and at the next step without them, before anything changes
    fresh = Pion()
    fresh.load_state_dict(good)
    with pytest.raises(OptimizerStateError, match=r"'W'"):
        fresh.step(other, {"W": np.ones((5, 3)), "b": np.ones(3)})
    assert np.all(other["W"] == 0)


def test_load_missing_or_foreign_state_key():
    opt = Muon()
    _run(opt, _params(), np.random.default_rng(0), 1)
    sd = opt.state_dict()
    del sd["state"]["W"]["buffer"]
    with pytest.raises(OptimizerStateError, match="has no key 'buffer'"):
        Muon().load_state_dict(sd)
    sd = opt.state_dict()
    sd["state"]["W"]["m_in"] = np.zeros((3, 3))
    with pytest.raises(OptimizerStateError, match=r"\['m_in'\] is not a Muon state key"):
        Muon().load_state_dict(sd)
    sd = opt.state_dict()
    sd["hyperparameters"]["rms"] = 0.2
    with pytest.raises(OptimizerStateError, match="'rms'"):
        Muon().load_state_dict(sd)


def test_load_mode_mismatch_is_refused():
    # a lie-lie state cannot feed a transported optimizer: the hyperparameters come along
    opt = Pion(momentum="lie-lie")
    _run(opt, _params(), np.random.default_rng(0), 1)
    sd = opt.state_dict()
    sd["state"]["W"]["m"] = np.zeros((4, 3))
    with pytest.raises(OptimizerStateError, match=r"\['m'\] is not a Pion state key"):
        Pion(momentum="transported").load_state_dict(sd)


def test_restores_hyperparameters():
    a = Pion(lr=0.3, side="in")
    b = Pion()
    b.load_state_dict(a.state_dict())
    assert (b.lr, b.side) == (0.3, "in")


@pytest.mark.parametrize("key", list(FACTORIES))
def test_mismatched_dicts_named(key):
    opt = FACTORIES[key]()
    params = _params()
    with pytest.raises(ArgumentError, match="no entry for parameter 'b'"):
        opt.step(params, {"W": np.ones((4, 3))})
    with pytest.raises(ArgumentError, match=r"grads\['c'\] names no parameter"):
        opt.step(params, {**_grads(np.random.default_rng(0)), "c": np.ones(1)})
    with pytest.raises(ArgumentError, match=r"grads\['W'\] has shape \(3, 4\)"):
        opt.step(params, {"W": np.ones((3, 4)), "b": np.ones(3)})
    with pytest.raises(TypeError, match=r"params\['W'\] must be a floating-point numpy array"):
        opt.step({"W": [[1.0]]}, {"W": [[1.0]]})
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(ArgumentError, match="read-only"):
        opt.step({"b": ro}, {"b": np.ones(3)})


def test_overflow_changes_nothing():
    opt = SGD(lr=1e10)
    p = {"w": np.array([1.0, 2.0])}
    with pytest.raises(NonFiniteUpdateError, match=r"params\['w'\]"):
        opt.step(p, {"w": np.array([1.0, 1e300])})
    assert list(p["w"]) == [1.0, 2.0] and opt.steps == 0
    assert issubclass(NonFiniteUpdateError, SpecproofError)


@pytest.mark.parametrize("key", list(FACTORIES))
def test_parameter_changing_shape_between_steps_is_refused(key):
    opt = FACTORIES[key]()
    params = _params()
    _run(opt, params, np.random.default_rng(0), 1)
    other = {"W": np.zeros((4, 1)), "b": np.zeros(3)}
    with pytest.raises(OptimizerStateError, match=r"state\['W'\] was built for shape \(4, 3\)"):
        opt.step(other, {"W": np.ones((4, 1)), "b": np.ones(3)})
    assert np.all(other["W"] == 0)


def test_float32_overflow_is_caught_in_its_own_dtype():
    opt = SGD(lr=4.0)
    p = {"w": np.array([1.0], dtype=np.float32)}
    with pytest.raises(NonFiniteUpdateError):
        opt.step(p, {"w": np.array([-1e38], dtype=np.float32)})  # 4e38 is inf in float32
    assert p["w"][0] == 1.0


def test_mixed_dtypes_are_an_error_naming_both():
    p = {"w": np.ones(2, dtype=np.float32)}
    with pytest.raises(ArgumentTypeError, match="float64 but params.*float32"):
        SGD(lr=0.1).step(p, {"w": np.ones(2)})
    assert p["w"].dtype == np.float32 and np.all(p["w"] == 1.0)


def test_load_rejects_nonfinite_state_and_bad_step():
    opt = Adam()
    _run(opt, _params(), np.random.default_rng(0), 1)
    sd = opt.state_dict()
    sd["state"]["W"]["v"][0, 0] = np.nan
    with pytest.raises(OptimizerStateError, match=r"state\['W'\]\['v'\] has a non-finite entry"):
        Adam().load_state_dict(sd)
    sd = opt.state_dict()
    sd["step"] = -1
    with pytest.raises(OptimizerStateError, match=r"state_dict\['step'\]"):
        Adam().load_state_dict(sd)
    sd = opt.state_dict()
    sd["hyperparameters"]["lr"] = -1.0
    with pytest.raises(OptimizerStateError, match="lr must be > 0"):
        Adam().load_state_dict(sd)
    # a refused load keeps the current state
    b = Adam(lr=0.5)
    with pytest.raises(OptimizerStateError):
        b.load_state_dict(sd)
    assert b.lr == 0.5 and b.steps == 0


@pytest.mark.parametrize(("dtype", "big"), [("float32", 1e20), ("float64", 1e160)])
@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
def test_adam_second_moment_overflow_is_an_error_not_a_zero_step(cls, dtype, big):
    # g * g overflows: v = inf would make m / sqrt(v) = 0, a step that does not move
    # (torch.optim.Adam's behaviour). Refused, the entry named, nothing changed
    import specproof.spectral.optimizers as opts

    opt = getattr(opts, cls)(lr=0.1)
    p = {"w": np.ones((2, 3), dtype=dtype)}
    opt.step(p, {"w": np.full((2, 3), 0.5, dtype=dtype)})
    assert opt.steps == 1
    before, state = p["w"].copy(), opt.state_dict()
    g = np.full((2, 3), 0.5, dtype=dtype)
    g[1, 2] = big
    hint = r"\(scale the loss down, or train in float64\)" if dtype == "float32" else (
        r"\(scale the loss down\)")
    with pytest.raises(NonFiniteUpdateError,
                       match=rf"params\['w'\]: Adam's second moment .* overflows {dtype} at "
                             rf"index \(1, 2\): g = {re.escape(f'{big:.3g}')} there.*Nothing was "
                             rf"changed {hint}"):
        opt.step(p, {"w": g})
    assert np.array_equal(p["w"], before) and opt.steps == 1
    after = opt.state_dict()["state"]["w"]
    for key in ("m", "v"):
        assert np.array_equal(after[key], state["state"]["w"][key])
    # one notch below the overflow, the step is taken and moves by about lr
    g[1, 2] = np.sqrt(np.finfo(dtype).max) / 2
    opt.step(p, {"w": g})
    assert 0.05 < before[1, 2] - p["w"][1, 2] < 0.2


def test_pion_second_moment_overflow_names_the_global_entry(monkeypatch):
    from specproof.spectral.optimizers import Pion, skew_moments

    monkeypatch.setattr(skew_moments, "TILE", 2)  # the entry lies in tile (0, 1)
    W = np.ones((5, 2), dtype=np.float32)
    G = np.zeros((5, 2), dtype=np.float32)
    G[3, 0] = 1e20  # S = G W^T - W G^T: row 3 and column 3 are +-1e20, S*S = inf
    p, opt = {"W": W.copy()}, Pion(lr=0.1)
    with pytest.raises(NonFiniteUpdateError,
                       match=r"params\['W'\]: Pion's second moment .* of the out side "
                             r"\(S = G W\^T - W G\^T\) overflows float32 at index \(0, 3\): "
                             r"S = -1e\+20 there.*Nothing was changed"):
        opt.step(p, {"W": G})
    assert np.array_equal(p["W"], W) and opt.steps == 0 and not opt.state_dict()["state"]


@pytest.mark.parametrize(("key", "value", "match"), [
    ("step", -1, r"state\['w'\]\['step'\] must be an int >= 0.*got -1"),
    ("step", "x", r"\['step'\] must be an int >= 0.*got 'x'"),
    ("step", 2.7, r"\['step'\] must be an int >= 0.*got 2.7"),
    ("step", True, r"\['step'\] must be an int >= 0.*got True"),
    ("v", -np.ones(2), r"state\['w'\]\['v'\] has a negative entry -1: it is a second moment"),
])
@pytest.mark.parametrize("with_params", [True, False])
def test_load_refuses_impossible_step_counts_and_second_moments(key, value, match, with_params):
    # each was accepted; the next step then raised ZeroDivisionError (step -1: bias
    # correction 1 - b1^0), a bare int() error, or "not finite ... lower the lr?" (v < 0)
    opt, params = Adam(), {"w": np.ones(2)}
    opt.step(params, {"w": np.ones(2)})
    sd = opt.state_dict()
    sd["state"]["w"][key] = value
    with pytest.raises(OptimizerStateError, match=match):
        Adam().load_state_dict(sd, **({"params": params} if with_params else {}))
