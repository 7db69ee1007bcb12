"""A claim that passed for the wrong reason, found by probing the engine (kept)."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentTypeError
from specproof.claims import Registry, lemma_claim, run_claim
from specproof.claims.evidence import Context


@pytest.mark.parametrize("holds", ["False", float("nan"), 0, None])
def test_context_evidence_refuses_a_holds_that_is_not_a_bool(holds):
    # bool("False") and bool(nan) are True: a check returning them passed
    ctx = Context(seed=0, profile="quick", claim_id="p.c")
    with pytest.raises(ArgumentTypeError, match="Evidence.holds must be a bool"):
        ctx.evidence(holds=holds)
    assert ctx.evidence(holds=np.bool_(False)).holds is False


def test_a_control_with_only_a_numerical_counterexample_makes_the_claim_vacuous():
    # (x + 1e8)^2 - x^2 - 2e8 x - 1e16 is exactly 0, so "control >= 0" is TRUE; its float
    # value is negative at some points (rounding). An unconfirmed counterexample is no
    # proof that the control is false: the claim is vacuous, not a pass
    def square(x):
        return x * x

    def rounding_noise(x):
        return (x + 1e8) ** 2 - x**2 - 2e8 * x - 1e16

    c = lemma_claim("d.c", square, paper="d", control=rounding_noise, variables={"x": ()},
                    registry=Registry())
    assert run_claim(c).verdict == "VACUOUS"
