"""The convnorm claims: each passes on the quick profile and its control fails."""

from __future__ import annotations

import pytest

from specproof.claims import run_claim
from specproof.theory import get_claim

CLAIMS = [
    "convnorm.fft-singular-values",
    "convnorm.channel-isometry",
    "convnorm.spectral-norm-reduction",
]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claim_passes_and_control_fails(claim_id, quick_claim):
    result = quick_claim(claim_id)
    assert result.control.verdict == "FAILS"


def test_fft_values_evidence(quick_claim):
    res = quick_claim("convnorm.fft-singular-values")
    assert res.check.measured["max_relative_error"] < 1e-12
    # the zero-padded operator is far from the circular formula, not marginally
    assert res.control.measured["max_relative_error"] > 0.05


def test_isometry_evidence(quick_claim):
    res = quick_claim("convnorm.channel-isometry")
    assert res.check.measured["max_deviation"] < 1e-12
    assert res.control.measured["max_deviation"] > 1.0


def test_norm_reduction_evidence(quick_claim):
    res = quick_claim("convnorm.spectral-norm-reduction")
    m = res.check.measured
    assert m["max_block_norm"] <= 1 + 1e-10
    assert m["max_layer_norm_over_sqrt_c_out"] <= 1 + 1e-10
    assert m["median_reduction"] > 1.2
    assert res.control.measured["max_block_norm"] > 1.5
    # ConvNorm lowers the norm of most layers, not of each: a 1x1 kernel with one output
    # channel is 1 after, and may be below 1 before (not a theorem; seed-dependent)
    rows = res.check.table
    lower = sum(row["||B|| after"] < row["||B|| before"] for row in rows)
    assert lower >= 0.75 * len(rows), (lower, len(rows))


def test_paper_metadata():
    import specproof.theory.convnorm as mod

    assert mod.PAPER.key == "convnorm"
    assert "2103.00673" in mod.PAPER.url and mod.PAPER.venue == "NeurIPS 2021"
    assert get_claim("convnorm.channel-isometry").paper == "convnorm"


def test_other_seed():
    res = run_claim(get_claim("convnorm.channel-isometry"), profile="quick", seed=7)
    assert res.verdict == "PASS" and res.control.verdict == "FAILS"
