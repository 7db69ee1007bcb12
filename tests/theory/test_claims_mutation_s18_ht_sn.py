"""Mutation tests for probe s18's findings F1, F2 and F7: plausibly-wrong library variants,
patched in where the claim (or the library code it runs) looks them up, must turn the
claim's verdict to FAIL (VACUOUS where what the mutation breaks is caught by the
control alone), and the unmutated claims must PASS.

- F1: ``solve_sos`` returning the power-method value (a lower bound) or a value 2e-6
  below SoS_4, with the solver's Gram matrix: hopkins-tiegel.sos4-exact-small-d and
  hopkins-tiegel.sandwich judge the Gram matrix as a certificate of the value.
- F2: the exact checker's ``LDL^T`` saying PSD for every matrix: the controls of
  hopkins-tiegel.exact-certificate-roundtrip and boolean-cube-identity hold a false
  bound whose coefficient identity holds exactly, which only the ``LDL^T`` rejects.
- F7: torch's iteration counts (16 at registration, one per step) changed:
  lin-sn-gan.power-iteration-converges runs a reference iteration with those counts.
"""

from __future__ import annotations

import dataclasses
import importlib

import pytest

import specproof.theory.hopkins_tiegel.norms as ht_norms
from specproof.claims import Context, run_claim
from specproof.theory import get_claim

check_exact_module = importlib.import_module("specproof.certificates.check_exact")
checker_module = importlib.import_module("specproof.certificates.checker")
normalization = importlib.import_module("specproof.spectral.normalization")

CLAIMS = [
    "hopkins-tiegel.sos4-exact-small-d",
    "hopkins-tiegel.sandwich",
    "hopkins-tiegel.exact-certificate-roundtrip",
    "hopkins-tiegel.boolean-cube-identity",
    "lin-sn-gan.power-iteration-converges",
]


def _run(claim_id: str):
    return run_claim(claim_id, profile="quick", seed=0)


@pytest.fixture
def fresh_sos_cache(monkeypatch):
    # the sandwich remembers SoS solves per instance: a mutated solve must not be served
    # from (or left in) the cache the other tests share
    monkeypatch.setattr(ht_norms, "_SOS_CACHE", {})


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_unmutated_claim_passes(claim_id, quick_claim):
    assert quick_claim(claim_id).verdict == "PASS"


# --------------------------------------------------------------------------- F1
def _power_value_as_sos(monkeypatch):
    original = ht_norms.solve_sos

    def estimate_not_bound(X, q=4, *args, **kwargs):
        r = original(X, q, *args, **kwargs)
        # a lower bound, equal to SoS_4 to ~1e-10 where degree 4 is tight
        return dataclasses.replace(r, value=ht_norms.power_method(X, q, seed=0).value ** q)

    monkeypatch.setattr(ht_norms, "solve_sos", estimate_not_bound)


def _sos_two_ppm_low(monkeypatch):
    original = ht_norms.solve_sos

    def low(X, q=4, *args, **kwargs):
        r = original(X, q, *args, **kwargs)
        return dataclasses.replace(r, value=r.value * (1 - 2e-6))

    monkeypatch.setattr(ht_norms, "solve_sos", low)


@pytest.mark.parametrize("mutate", [_power_value_as_sos, _sos_two_ppm_low])
@pytest.mark.parametrize(
    "claim_id", ["hopkins-tiegel.sos4-exact-small-d", "hopkins-tiegel.sandwich"]
)
def test_sos_value_not_certified_by_its_gram_fails(monkeypatch, fresh_sos_cache, mutate,
                                                   claim_id):
    mutate(monkeypatch)
    result = _run(claim_id)
    assert result.verdict == "FAIL", result.reason
    # the Gram matrix no longer certifies the value on some instance
    assert result.check.measured["uncertified"] > 0
    assert result.check.measured["max_identity_residual"] > 1e-10


def test_sos4_tolerance_applies_to_sos4_itself(monkeypatch):
    # 2e-6 below SoS_4 is 5e-7 on its 4th root: inside the old tolerance, which was
    # applied to the root; on SoS_4 itself it is twice the stated 1e-6
    _sos_two_ppm_low(monkeypatch)
    m = _run("hopkins-tiegel.sos4-exact-small-d").check.measured
    assert m["max_rel_gap"] > 1e-6


def test_sos_certificate_measured(quick_claim):
    for claim_id in ("hopkins-tiegel.sos4-exact-small-d", "hopkins-tiegel.sandwich"):
        m = quick_claim(claim_id).check.measured
        assert m["uncertified"] == 0
        assert m["max_identity_residual"] <= 1e-10  # Clarabel: the identity to rounding
        assert m["max_certified_excess"] <= 1e-8  # G PSD to the solver's tolerance


# --------------------------------------------------------------------------- F2
def _psd_always(monkeypatch):
    original = check_exact_module.ldl_psd

    def always(G, backend=None):
        return dataclasses.replace(original(G, backend=backend), psd=True)

    monkeypatch.setattr(check_exact_module, "ldl_psd", always)


def test_checker_without_psd_test_roundtrip_is_vacuous(monkeypatch):
    _psd_always(monkeypatch)
    result = _run("hopkins-tiegel.exact-certificate-roundtrip")
    # the original file still verifies; the control's identity-preserving false bound
    # is now accepted, so the control holds
    assert result.verdict == "VACUOUS", result.reason
    rows = {r["file"]: r for r in result.control.table}
    assert rows["below-witness"]["exact_ok"] and rows["below-witness"]["code"] == "ok"
    assert rows["lowered-C"]["code"] == rows["gram-entry"]["code"] == "identity_mismatch"


def test_checker_without_psd_test_cube_is_vacuous(monkeypatch):
    _psd_always(monkeypatch)
    result = _run("hopkins-tiegel.boolean-cube-identity")
    assert result.verdict == "VACUOUS", result.reason
    # sympy still refutes 3 - 3/m; the checker alone accepts it
    assert result.control.measured["identities_zero"] == 0
    assert result.control.measured["certificates_accepted"] == 3


def test_roundtrip_control_requires_each_failure_code(quick_claim):
    result = quick_claim("hopkins-tiegel.exact-certificate-roundtrip")
    assert result.control.verdict == "FAILS"
    assert result.control.measured["rejected_as_expected"] == 3
    codes = {r["file"]: r["code"] for r in result.control.table}
    assert codes == {"lowered-C": "identity_mismatch", "gram-entry": "identity_mismatch",
                     "below-witness": "not_psd"}


def test_roundtrip_control_holds_when_a_tamper_fails_for_another_reason(monkeypatch):
    # a checker that rejects a not-PSD Gram matrix as an identity mismatch rejects every
    # tampered file, but not for the reason the third tamper tests
    original = check_exact_module.check_exact

    def relabelled(source, *args, **kwargs):
        res = original(source, *args, **kwargs)
        if res.code == "not_psd":
            return dataclasses.replace(res, code="identity_mismatch")
        return res

    # check() calls the check_exact it imported into the checker module
    monkeypatch.setattr(checker_module, "check_exact", relabelled)
    result = _run("hopkins-tiegel.exact-certificate-roundtrip")
    assert result.control.measured["accepted"] == 0
    assert result.verdict == "VACUOUS", result.reason


# --------------------------------------------------------------------------- F7
POWER = "lin-sn-gan.power-iteration-converges"


def _power_check():
    """The check alone, on the quick profile: the mutations below act on the check's
    persistent iteration only (the control builds its own with ``init_iterations=0``),
    and a failing check is a FAIL verdict. Rendering the check's and the control's
    figures to compare them is what makes the whole claim take seconds."""
    import matplotlib.pyplot as plt

    c = get_claim(POWER)
    evidence = c.check(Context(seed=0, profile="quick", claim_id=c.id), **c.params("quick"))
    plt.close(evidence.figure)
    return evidence


def test_no_registration_iterations_fails(monkeypatch):
    # the probe's first mutation, through run_claim: 1 iteration at registration, not 16
    monkeypatch.setattr(normalization, "TORCH_INIT_ITERATIONS", 0)
    result = _run(POWER)
    assert result.verdict == "FAIL", result.reason
    assert result.check.measured["max_final_relative_error"] < 1e-10  # it still converges
    assert result.check.measured["max_count_deviation"] > 1e-6


@pytest.mark.parametrize("init", [14, 16])
def test_registration_count_off_by_one_fails(monkeypatch, init):
    # 15 or 17 iterations at registration instead of 16
    monkeypatch.setattr(normalization, "TORCH_INIT_ITERATIONS", init)
    evidence = _power_check()
    assert not evidence.holds
    assert evidence.measured["max_final_relative_error"] < 1e-10
    assert evidence.measured["max_count_deviation"] > 1e-6


def test_tripled_iterate_fails(monkeypatch):
    # the probe's "three iterations per call": _iterate runs the registration iterations
    # (48 instead of 16) and the n - 1 = 0 extra ones of each step
    original = normalization.PowerIterationSN._iterate
    monkeypatch.setattr(normalization.PowerIterationSN, "_iterate",
                        lambda self, M, n, eps: original(self, M, 3 * n, eps))
    evidence = _power_check()
    assert not evidence.holds
    assert evidence.measured["max_count_deviation"] > 1e-6


def test_two_iterations_per_step_fails(monkeypatch):
    # registration untouched, each training step iterates twice
    original = normalization.PowerIterationSN._sigma

    def twice(self, M, training, eps):
        if training:
            original(self, M, training, eps)
        return original(self, M, training, eps)

    monkeypatch.setattr(normalization.PowerIterationSN, "_sigma", twice)
    evidence = _power_check()
    assert not evidence.holds
    assert evidence.measured["max_final_relative_error"] < 1e-10
    assert evidence.measured["max_count_deviation"] > 1e-6


def test_power_iteration_counts_measured(quick_claim):
    m = quick_claim(POWER).check.measured
    assert m["max_count_deviation"] <= 1e-13  # rounding only
    assert m["off_by_one_separation"] > 1e-3  # 15 or 17 iterations would show
