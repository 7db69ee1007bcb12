"""The hopkins-tiegel claims pass on the quick profile, and their controls really fail."""

from __future__ import annotations

import pytest

from specproof.claims import run_claim
from specproof.testing import assert_claim_passes
from specproof.theory import get_claim

IDS = [
    "hopkins-tiegel.closed-forms",
    "hopkins-tiegel.baseline-guarantee",
    "hopkins-tiegel.sos4-exact-small-d",
    "hopkins-tiegel.sandwich",
]


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_and_control_fails(claim_id):
    result = assert_claim_passes(claim_id)
    assert result.control.verdict == "FAILS"
    assert get_claim(claim_id).paper == "hopkins-tiegel"


def test_measured_values_are_real():
    closed = run_claim(get_claim(IDS[0]), profile="quick", seed=0)
    assert closed.check.measured["max_rel_err"] < 1e-7
    assert closed.control.measured["max_rel_err"] > 0.1  # the wrong formulas are far off
    base = run_claim(get_claim(IDS[1]), profile="quick", seed=0)
    assert base.check.measured["worst_ratio_over_d"] <= 1.0
    assert base.control.measured["worst_ratio_over_d"] > 10.0
    exact = run_claim(get_claim(IDS[2]), profile="quick", seed=0)
    assert exact.check.measured["max_rel_gap"] < 1e-6
    assert exact.control.measured["max_rel_gap"] > 1e-3
    sw = run_claim(get_claim(IDS[3]), profile="quick", seed=0)
    assert sw.check.measured["violations"] == 0
    assert sw.check.measured["max_baseline_over_opt"] > sw.check.measured["max_sos_over_opt"]
    assert sw.control.measured["violations"] > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_claims_pass_on_other_seeds(seed):
    for claim_id in IDS:
        assert_claim_passes(claim_id, seed=seed)
