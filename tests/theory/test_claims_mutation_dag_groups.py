"""Mutation tests for zhu-dag.hessian-scaling, zhu-dag.linearization, zhu-dag.ntk-limit and
group-appendix.conv-equivariance.

Each test replaces one library function with a plausibly wrong variant (where the claim
looks it up at run time) and asserts that the claim's verdict is FAIL. Before the claims
pinned their measurements to independent references, every one of these variants passed:
a slope cannot see a constant factor, a missing term that decays at the same rate, or an
action turned the other way in both the layers and the actions. The tests also assert that
the part which fails is the pin (the slope or equivariance part still passes), so that a
change making the mutation fail for an unrelated reason does not hide a weaker pin.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from specproof.claims import run_claim
from specproof.dag_nets import hessian as hessian_module
from specproof.dag_nets import ntk as ntk_module
from specproof.dag_nets.hessian_reduced import ReducedHessian
from specproof.dag_nets.maps import MapsMixin
from specproof.groups.actions import GridAction
from specproof.theory.group_appendix.equivariance import PIN_IMAGE, PIN_R, PIN_S
from specproof.theory.zhu_dag.common import SQRT_BAND
from specproof.theory.zhu_dag.reference import (
    GRAD_TOL,
    HESSIAN_TOL,
    central_jacobian,
)

HESSIAN_CLAIMS = ["zhu-dag.hessian-scaling", "zhu-dag.linearization"]


# the mutants are caught by the central-difference pins, which do not depend on the
# sweep's size: the small sweeps of the earlier quick profiles keep these runs short (the
# quick profiles grew so that a true statement passes at every run seed)
_SMALL = {
    "zhu-dag.hessian-scaling": {"widths": [16, 32, 64, 128], "seeds": 3},
    "zhu-dag.linearization": {"widths": [16, 32, 64, 128], "seeds": 3},
    # two architectures: the random DAG and the DenseNet took 9 of the 12 s, and the pins
    # that catch the mutant are per architecture
    "zhu-dag.ntk-limit": {"runs": {"mlp": ["erf"], "resnet": ["erf"]},
                          "widths": {"mlp": [32, 64, 128, 256, 512],
                                     "resnet": [32, 64, 128, 256, 512]}, "n_inputs": 6},
}


def _run(claim_id):
    return run_claim(claim_id, profile="quick", seed=0, overrides=_SMALL.get(claim_id))


def _slopes_in_band(result) -> bool:
    return all(SQRT_BAND[0] <= s["slope"] <= SQRT_BAND[1]
               for s in result.check.measured["slopes"].values())


# --- mutations of the Hessian, the gradient and the NTK --------------------------------


def _hvp_without_second_derivative(monkeypatch):
    """Pearlmutter's backward R-pass without the sigma'' R z g term."""
    original = hessian_module._cache

    def cache(net, w, X, output, preactivation):
        A, G, Yh, D1, D2 = original(net, w, X, output, preactivation)
        return A, G, Yh, D1, np.zeros_like(D2)

    monkeypatch.setattr(hessian_module, "_cache", cache)


def _hvp_scaled(monkeypatch, factor=1.05):
    """Every Hessian-vector product off by a constant factor, in full space and in the
    reduced subspace alike (scaling only one of them is caught by the library itself:
    ``hessian_norm``'s full-space residual check refuses the reduced eigenvalue)."""
    original = hessian_module._hvp
    monkeypatch.setattr(hessian_module, "_hvp",
                        lambda net, w, cache, V: factor * original(net, w, cache, V))
    reduced = ReducedHessian.matvec
    monkeypatch.setattr(ReducedHessian, "matvec", lambda self, c: factor * reduced(self, c))


def _hessian_norm_scaled(monkeypatch, factor=1.1):
    """The reported Hessian norm off by a constant factor (the products left alone)."""
    original = hessian_module.hessian_norm

    def hessian_norm(*args, **kwargs):
        r = original(*args, **kwargs)
        return dataclasses.replace(r, value=factor * r.value, eigenvalue=factor * r.eigenvalue)

    monkeypatch.setattr(hessian_module, "hessian_norm", hessian_norm)


def _gradient_short(monkeypatch, factor=0.99):
    """``net.grad`` 1 % too small."""
    original = MapsMixin.grad
    monkeypatch.setattr(MapsMixin, "grad",
                        lambda self, *a, **k: factor * original(self, *a, **k))


def _ntk_biased(monkeypatch, factor=1.02):
    """The empirical NTK 2 % too large."""
    original = ntk_module.ntk
    monkeypatch.setattr(ntk_module, "ntk", lambda *a, **k: factor * original(*a, **k))


# (zhu-dag.ntk-limit's unmutated pins are asserted on test_registry's run of the claim)
@pytest.mark.parametrize("claim_id", HESSIAN_CLAIMS)
def test_unmutated_claims_pass_with_their_pins_far_inside_the_tolerances(claim_id):
    r = _run(claim_id)
    assert r.verdict == "PASS" and not r.control.holds
    m = r.check.measured
    assert m["fd_grad_error"] <= GRAD_TOL / 100
    assert m["fd_hessian_norm_error"] <= HESSIAN_TOL / 100
    assert m["fd_hessian_dense_error"] <= HESSIAN_TOL / 100


@pytest.mark.parametrize("claim_id", HESSIAN_CLAIMS)
@pytest.mark.parametrize("mutate", [_hvp_without_second_derivative, _hvp_scaled],
                         ids=["no-sigma-second-derivative", "hvp-times-1.05"])
def test_a_wrong_hessian_vector_product_fails(monkeypatch, claim_id, mutate):
    mutate(monkeypatch)
    r = _run(claim_id)
    assert r.verdict == "FAIL"
    m = r.check.measured
    assert m["fd_hessian_dense_error"] > 100 * HESSIAN_TOL
    assert m["fd_hessian_norm_error"] > 100 * HESSIAN_TOL
    assert m["fd_grad_error"] <= GRAD_TOL  # only the Hessian was changed


def test_a_hessian_norm_off_by_a_constant_factor_fails(monkeypatch):
    _hessian_norm_scaled(monkeypatch)
    r = _run("zhu-dag.hessian-scaling")
    assert r.verdict == "FAIL"
    # a constant factor leaves the slope where it was: only the pin sees it
    assert _slopes_in_band(r)
    assert r.check.measured["fd_hessian_norm_error"] == pytest.approx(0.1, rel=1e-5)
    assert r.check.measured["fd_hessian_dense_error"] <= HESSIAN_TOL


@pytest.mark.parametrize("claim_id", HESSIAN_CLAIMS)
def test_a_gradient_one_percent_short_fails(monkeypatch, claim_id):
    _gradient_short(monkeypatch)
    r = _run(claim_id)
    assert r.verdict == "FAIL"
    assert r.check.measured["fd_grad_error"] == pytest.approx(0.01, rel=1e-5)
    if claim_id == "zhu-dag.linearization":
        assert _slopes_in_band(r)  # the weakness: the gap's slope alone still passed


def test_an_ntk_biased_by_two_percent_fails(monkeypatch):
    _ntk_biased(monkeypatch)
    r = _run("zhu-dag.ntk-limit")
    assert r.verdict == "FAIL"
    assert _slopes_in_band(r)  # the weakness: the slopes alone still passed
    # a kernel 2 % large is 2 % off J J^T, to the differences' accuracy
    assert r.check.measured["fd_ntk_error"] == pytest.approx(0.02, rel=1e-5)


def test_central_jacobian_matches_a_known_derivative():
    # f(w) = (sin w0 * w1, w1^3): J = [[cos w0 w1, sin w0], [0, 3 w1^2]]
    w = np.array([0.3, -1.7])
    J = central_jacobian(lambda v: np.array([np.sin(v[0]) * v[1], v[1] ** 3]), w)
    exact = np.array([[np.cos(w[0]) * w[1], np.sin(w[0])], [0.0, 3 * w[1] ** 2]])
    assert np.max(np.abs(J - exact)) <= 1e-9


# --- the grid action's conventions -----------------------------------------------------


def test_the_literal_pins_are_the_documented_convention():
    # written out by hand in the claim; here checked against numpy's own functions
    assert np.array_equal(PIN_R, np.rot90(PIN_IMAGE))
    assert np.array_equal(PIN_S, np.fliplr(PIN_IMAGE))


def _clockwise(self, g, x):
    """GridAction with r a clockwise quarter turn: still a valid action, so equivariance
    of layers built on it still holds."""
    x = np.asarray(x)
    k, j = g % self.N, g // self.N
    y = np.flip(x, axis=self.axes[1]) if j else x
    return np.rot90(y, k=-k * self.quarter_turns, axes=self.axes)


def _up_down_mirror(self, g, x):
    """GridAction with s the up-down mirror (reverses the row axis instead)."""
    x = np.asarray(x)
    k, j = g % self.N, g // self.N
    y = np.flip(x, axis=self.axes[0]) if j else x
    return np.rot90(y, k=k * self.quarter_turns, axes=self.axes)


def test_conv_equivariance_unmutated_passes():
    r = _run("group-appendix.conv-equivariance")
    assert r.verdict == "PASS" and not r.control.holds
    assert r.check.measured["generators_pinned"] == 3
    assert r.check.measured["generators_wrong"] == []


@pytest.mark.parametrize("act, wrong", [(_clockwise, ["C4 r", "D4 r"]),
                                        (_up_down_mirror, ["D4 s"])],
                         ids=["clockwise-r", "up-down-s"])
def test_conv_equivariance_fails_with_the_grid_action_turned_around(monkeypatch, act, wrong):
    monkeypatch.setattr(GridAction, "act", act)
    r = _run("group-appendix.conv-equivariance")
    assert r.verdict == "FAIL"
    # the layers turn with the action, so equivariance alone still holds: the pin catches it
    assert r.check.measured["max_relative_error"] <= 1e-12
    assert r.check.measured["generators_wrong"] == wrong
