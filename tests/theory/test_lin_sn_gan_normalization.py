"""The lin-sn-gan spectral-normalisation claims: pass on quick, controls fail."""

from __future__ import annotations

import numpy as np
import pytest

CLAIMS = [
    "lin-sn-gan.sn-gradient-norm",
    "lin-sn-gan.sn-weight-scale",
    "lin-sn-gan.reshape-underestimates",
    "lin-sn-gan.power-iteration-converges",
]


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claim_passes_and_control_fails(claim_id, quick_claim):
    result = quick_claim(claim_id)
    assert result.control.verdict == "FAILS"


def test_gradient_evidence(quick_claim):
    res = quick_claim("lin-sn-gan.sn-gradient-norm")
    assert res.check.measured["max_ratio"] <= 1 + 1e-12
    assert res.check.measured["fd_max_rel_error"] < 1e-6
    assert res.control.measured["max_ratio"] > 2.0


def test_weight_scale_evidence(quick_claim):
    res = quick_claim("lin-sn-gan.sn-weight-scale")
    m = res.check.measured
    assert -1.1 <= m["slope_interval"][0] and m["slope_interval"][1] <= -0.9
    assert res.control.measured["ratio_max"] > 2.0  # LeCun: 1 + sqrt(64/16) = 3


def test_reshape_evidence(quick_claim):
    res = quick_claim("lin-sn-gan.reshape-underestimates")
    assert res.check.measured["max_sigma_over_norm"] <= 1 + 1e-12
    # 1x1 kernels: the reshape sigma IS the operator norm
    ones = [r for r in res.check.table if r["k"] == 1]
    assert all(abs(r["||conv|| / sigma"] - 1) < 1e-12 for r in ones)
    assert max(r["||conv|| / sigma"] for r in res.check.table) > 1.2


def test_power_iteration_evidence(quick_claim):
    res = quick_claim("lin-sn-gan.power-iteration-converges")
    assert res.check.measured["max_final_relative_error"] < 1e-10
    assert res.control.measured["max_final_relative_error"] > 1e-3
    steps = [r["steps to 1e-10"] for r in res.check.table]
    assert all(s is not None for s in steps)
    assert np.all(np.array(steps) > 1)  # it converges, it does not start there
