"""Helpers for pytest: run a claim and fail the test with its evidence unless it passes."""

from __future__ import annotations

import json
from typing import Any

from specproof._core import SpecproofError
from specproof.claims import ClaimResult, run_claim
from specproof.theory import get_claim


class ClaimFailed(SpecproofError, AssertionError):
    """A claim's verdict was not PASS; the message carries the evidence."""


def assert_claim_passes(
    claim_id: str,
    profile: str = "quick",
    seed: int = 0,
    **overrides: Any,
) -> ClaimResult:
    """Run one registered claim and raise :class:`ClaimFailed` unless its verdict is PASS.

    Parameters
    ----------
    claim_id : str
        The claim to run; import the module that registers it first (built-in claims
        are loaded automatically).
    profile : {"quick", "paper"}
        Parameter set.
    seed : int
        Run seed.
    **overrides
        Parameters replacing the profile's.

    Returns
    -------
    ClaimResult
        The result, for further assertions on the measured values.

    Examples
    --------
    >>> assert_claim_passes("lin-sn-gan.homogeneity").verdict
    'PASS'
    """
    result = run_claim(get_claim(claim_id), profile=profile, seed=seed, overrides=overrides)
    if result.verdict != "PASS":
        evidence = json.dumps(result.to_dict(), indent=2, default=str)
        raise ClaimFailed(f"{claim_id}: {result.verdict} ({result.reason})\n{evidence}")
    return result
