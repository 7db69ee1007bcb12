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
    # each tampered file is rejected for its own reason: the lowered C and the changed
    # entry break the identity; the false C with a re-projected Gram matrix keeps it
    # exactly and fails the LDL^T (probe s18, F2)
    reasons = {r["file"]: r["reason"] for r in result.control.table}
    assert "identity fails" in reasons["lowered-C"] and "identity fails" in reasons["gram-entry"]
    assert "not PSD" in reasons["below-witness"]
    assert result.control.measured["rejected_as_expected"] == 3
    # C exceeds the SoS value by the delta certify chose from the solver's residuals
    m = result.check.measured
    assert m["sos_value"] < m["C"] <= m["sos_value"] * (1 + 1e-6)


def test_certified_sandwich_passes_and_a_lowered_bound_is_rejected(tmp_path):
    from specproof.certificates import check

    result = run_claim(get_claim("hopkins-tiegel.certified-sandwich"),
                       certificate_dir=tmp_path)
    assert result.verdict == "PASS"
    m = result.check.measured
    assert m["accepted"] == 1 and m["N"] == 21
    assert 0 <= m["C_over_lower_minus_1"] and m["C_over_sos_minus_1"] <= 1e-5
    # the certificate is in the report folder and the exact checker accepts the file
    assert result.check.certificates == ("hopkins-tiegel.certified-sandwich.sandwich-d6.json",)
    assert check(tmp_path / result.check.certificates[0], exact=True).ok
    assert result.control.verdict == "FAILS" and result.control.measured["accepted"] == 0
    assert "not PSD" in result.control.table[0]["reason"]
    (lowered,) = result.control.certificates
    assert not check(tmp_path / lowered, exact=True).ok
