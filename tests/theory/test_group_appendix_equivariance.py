"""The group-appendix claims on equivariance, intertwiners and Fourier norms."""

from __future__ import annotations

import pytest

from specproof.claims import run_claim
from specproof.testing import assert_claim_passes
from specproof.theory import get_claim

CLAIMS = ["group-appendix.hom-dimension", "group-appendix.conv-equivariance",
          "group-appendix.fourier-spectral-norm"]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claims_pass_and_controls_fail(claim_id):
    res = assert_claim_passes(claim_id)
    assert res.control.verdict == "FAILS"
    assert run_claim(get_claim(claim_id), profile="quick", seed=1).verdict == "PASS"


def test_claim_evidence_values():
    hom = assert_claim_passes("group-appendix.hom-dimension")
    assert hom.check.measured["mismatches"] == 0
    assert hom.control.measured["mismatches"] > 0
    conv = assert_claim_passes("group-appendix.conv-equivariance")
    assert conv.check.measured["max_relative_error"] <= 1e-12
    assert conv.control.measured["max_relative_error"] > 0.1
    four = assert_claim_passes("group-appendix.fourier-spectral-norm")
    assert four.check.measured["max_rel_error"] <= 1e-10
    assert four.check.measured["min_wrong_convention_gap_nonabelian"] > 1e-3
    assert four.control.measured["max_rel_error"] > 1e-3

