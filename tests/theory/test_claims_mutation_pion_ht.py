"""Mutation tests for the pion and hopkins-tiegel claims: plausibly-wrong library variants,
patched in where the claim (or the library code it runs) looks them up, must turn the
claim's verdict to FAIL, and the unmutated claims must PASS.

Each mutation is one that an earlier version of the checks let PASS: a Pion generator of
the wrong sign (ascent), a wrong E2 coefficient, an inflated spectral baseline, a
power-method value 1% off and an SoS value 1% too large.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import specproof.certificates.sos as sos_module
import specproof.spectral as spectral
import specproof.spectral.optimizers.pion_update as pion_update
import specproof.spectral.optimizers.skew_kernels as skew_kernels
import specproof.spectral.optimizers.skew_moments as skew_moments
import specproof.theory.hopkins_tiegel.norms as ht_norms
from specproof.claims import run_claim

MUTATED_CLAIMS = [
    "pion.update-rms",
    "pion.descent-rate",
    "pion.e2-defect",
    "hopkins-tiegel.baseline-guarantee",
    "hopkins-tiegel.sandwich",
    "hopkins-tiegel.certified-sandwich",
]


def _verdict(claim_id: str) -> str:
    return run_claim(claim_id, profile="quick", seed=0).verdict


@pytest.mark.parametrize("claim_id", MUTATED_CLAIMS)
def test_unmutated_claim_passes(claim_id):
    assert _verdict(claim_id) == "PASS"


# --------------------------------------------------------------------------- pion: sign
def _negated_generator(monkeypatch):
    original = pion_update.preconditioned_generator

    def ascent(*args, **kwargs):
        m, v, A = original(*args, **kwargs)
        return m, v, -A  # the step then climbs the loss

    monkeypatch.setattr(pion_update, "preconditioned_generator", ascent)


def _swapped_side_factors(monkeypatch):
    original = skew_moments.side_factors

    def swapped(W, G, side):
        a, b = original(W, G, side)
        return b, a  # b a^T - a b^T: every gradient generator negated

    monkeypatch.setattr(skew_moments, "side_factors", swapped)


@pytest.mark.parametrize("mutate", [_negated_generator, _swapped_side_factors])
@pytest.mark.parametrize("claim_id", ["pion.update-rms", "pion.descent-rate"])
def test_pion_ascent_fails(monkeypatch, mutate, claim_id):
    mutate(monkeypatch)
    assert _verdict(claim_id) == "FAIL"


def test_pion_step_measured_against_the_formula():
    result = run_claim("pion.update-rms", profile="quick", seed=0)
    m = result.check.measured
    # the optimizer's steps and the formula recomputed in the check agree to rounding
    assert m["max_step_error"] < 1e-11 and m["max_first_step_expm_error"] < 1e-11
    rate = run_claim("pion.descent-rate", profile="quick", seed=0).check.measured
    assert rate["max_optimizer_rate_error"] < 1e-7


# --------------------------------------------------------------------------- pion: E2
def _bad_e2(B):
    # the second-order coefficient 0.4 in place of 1/2
    return np.eye(len(B)) + B + 0.4 * (B @ B)


def _wrong_orthogonal_factor(monkeypatch):
    original = spectral.orthogonal_factor

    def wrong(A, s=1.0, transform="e2"):
        if transform == "e2":
            return _bad_e2(s * np.asarray(A))
        return original(A, s, transform)

    monkeypatch.setattr(spectral, "orthogonal_factor", wrong)


def _wrong_apply_dense(monkeypatch):
    original = skew_kernels.apply_dense

    def wrong(A, s, X, transform, *args, **kwargs):
        if transform == "e2":
            return _bad_e2(s * A) @ X
        return original(A, s, X, transform, *args, **kwargs)

    monkeypatch.setattr(skew_kernels, "apply_dense", wrong)


def _wrong_dense_factor(monkeypatch):
    original = skew_kernels.dense_factor

    def wrong(A, s, transform, *args, **kwargs):
        if transform == "e2":
            return _bad_e2(s * A)
        return original(A, s, transform, *args, **kwargs)

    # apply_dense forms the factor for a block wider than A (looked up in its module)
    monkeypatch.setattr(skew_kernels, "dense_factor", wrong)


@pytest.mark.parametrize(
    "mutate", [_wrong_orthogonal_factor, _wrong_apply_dense, _wrong_dense_factor]
)
def test_pion_wrong_e2_coefficient_fails(monkeypatch, mutate):
    mutate(monkeypatch)
    assert _verdict("pion.e2-defect") == "FAIL"


# --------------------------------------------------------------------------- hopkins-tiegel
def _scaled_baseline(monkeypatch, factor):
    original = ht_norms.spectral_baseline

    def inflated(X, q=4, symmetrise=True):
        r = original(X, q, symmetrise)
        return dataclasses.replace(r, lambda_max=r.lambda_max * factor)

    monkeypatch.setattr(ht_norms, "spectral_baseline", inflated)


@pytest.mark.parametrize("factor", [1.05, 2.0])
@pytest.mark.parametrize(
    "claim_id", ["hopkins-tiegel.baseline-guarantee", "hopkins-tiegel.sandwich"]
)
def test_inflated_baseline_fails(monkeypatch, factor, claim_id):
    _scaled_baseline(monkeypatch, factor)
    assert _verdict(claim_id) == "FAIL"


@pytest.mark.parametrize("fourth_power_factor", [0.99, 1.01])
def test_power_value_one_percent_off_fails(monkeypatch, fourth_power_factor):
    original = ht_norms.power_method

    def off(X, q=4, *args, **kwargs):
        r = original(X, q, *args, **kwargs)
        return dataclasses.replace(r, value=r.value * fourth_power_factor**0.25)

    monkeypatch.setattr(ht_norms, "power_method", off)
    assert _verdict("hopkins-tiegel.sandwich") == "FAIL"


def test_inflated_sos_value_fails(monkeypatch):
    original = sos_module.solve_sos

    def inflated(*args, **kwargs):
        r = original(*args, **kwargs)
        # value and Gram matrix scaled together: certify still builds a valid (1% loose)
        # certificate from it, which the exact checker accepts
        return dataclasses.replace(r, value=r.value * 1.01, gram=r.gram * 1.01)

    # certify imports solve_sos from this module when it runs
    monkeypatch.setattr(sos_module, "solve_sos", inflated)
    result = run_claim("hopkins-tiegel.certified-sandwich", profile="quick", seed=0)
    assert result.verdict == "FAIL"
    assert result.check.measured["accepted"] == 1  # valid, but loose against the reference
    assert result.check.measured["C_over_reference_minus_1"] > 5e-3
