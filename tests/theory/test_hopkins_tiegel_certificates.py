"""The hopkins-tiegel certificate claims pass, and their negative controls really fail."""

from __future__ import annotations

import pytest

from specproof.claims import run_claim
from specproof.testing import assert_claim_passes
from specproof.theory import get_claim


def test_boolean_cube_identity_passes():
    result = assert_claim_passes("hopkins-tiegel.boolean-cube-identity")
    assert result.check.measured == {"identities_zero": 3, "certificates_accepted": 3,
                                     "cases": 3}
    rows = result.check.table
    assert [r["C"] for r in rows] == ["8", "56/3", "40"]  # 2^m (3 - 2/m), m = 2, 3, 4
    assert all(r["C_minus_witness"] == "0" for r in rows)  # tight: the witness attains C


def test_boolean_cube_control_fails_everywhere():
    result = run_claim(get_claim("hopkins-tiegel.boolean-cube-identity"))
    assert result.control.verdict == "FAILS"
    m = result.control.measured
    assert m["identities_zero"] == 0 and m["certificates_accepted"] == 0
    for row in result.control.table:
        assert "not PSD" in row["reason"]  # the identity is forced; PSD is what fails
        assert row["C_minus_witness"].startswith("-")


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_roundtrip_passes_and_tampering_fails(seed):
    result = assert_claim_passes("hopkins-tiegel.exact-certificate-roundtrip", seed=seed)
    assert result.check.measured["accepted"] == 1
    assert result.control.verdict == "FAILS"
    assert result.control.measured["accepted"] == 0
    reasons = [r["reason"] for r in result.control.table]
    assert all("identity fails" in r for r in reasons)
    # C exceeds the SoS value by the default delta = 1e-6 (rounded up to 10 digits)
    m = result.check.measured
    assert m["C"] == pytest.approx(m["sos_value"] * (1 + 1e-6), rel=1e-9)
