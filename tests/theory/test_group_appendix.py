"""The group-appendix claims on groups, characters and the regular representation."""

from __future__ import annotations

import pytest

from specproof.claims import run_claim
from specproof.testing import assert_claim_passes
from specproof.theory import get_claim

CLAIMS = [
    "group-appendix.group-axioms",
    "group-appendix.character-orthogonality",
    "group-appendix.regular-multiplicity",
]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claim_passes_and_control_fails(claim_id):
    result = assert_claim_passes(claim_id)
    assert result.control.verdict == "FAILS"
    again = run_claim(get_claim(claim_id), profile="quick", seed=0)
    assert again.control.verdict == "FAILS"


def test_group_axioms_evidence():
    res = assert_claim_passes("group-appendix.group-axioms")
    assert res.check.measured["failures"] == 0
    # 6 cyclic + 6 dihedral + S1..S4 + Klein + Q8 + 3 products
    assert res.check.measured["groups_checked"] == 21
    ctrl = res.control
    # the planted defects are rows of their own, each caught by its own test (the real
    # groups, D3 included, all pass in the control too)
    assert ctrl.measured["failures"] == 0 and ctrl.measured["planted_missed"] == []
    loop = [row for row in ctrl.table if row["group"].startswith("loop5")][0]
    assert "associativity fails for the triple (a, b, c) = (1, 1, 2)" in loop["reason"]
    fake = [row for row in ctrl.table if row["group"] == "D3, right action as left"][0]
    assert not fake["actions_ok"] and "compatibility" in fake["reason"]


def test_character_orthogonality_evidence():
    res = assert_claim_passes("group-appendix.character-orthogonality")
    assert res.check.measured["max_error"] <= 1e-12
    # c = 1 instead of 4 for Q8's quaternionic irrep: <chi, chi> = 4 misses by 3
    assert res.control.measured["max_error"] == pytest.approx(3.0, abs=1e-12)
    rows = {row["group"]: row for row in res.control.table}
    assert rows["C5"]["max_gram_error"] == pytest.approx(1.0, abs=1e-12)
    assert rows["D5"]["max_gram_error"] <= 1e-12  # dihedral irreps are all type R
    assert not res.control.measured["sum_rule_holds"]


def test_regular_multiplicity_evidence():
    res = assert_claim_passes("group-appendix.regular-multiplicity")
    m = res.check.measured
    assert (m["mismatches"], m["representations"]) == (0, 32)
    assert m["max_homomorphism_defect"] == 0.0 and m["max_pin_error"] == 0.0
    # conjugation rep of every (non-trivial) group in the list is detected as non-regular
    # (the 17th row is the planted R(h)^T of D3, caught by its homomorphism defect)
    assert res.control.measured["mismatches"] == 16
    assert res.control.measured["representations"] == 17
    assert res.control.measured["planted_missed"] == []
