"""Executable claims from the papers, their runner and the verification report.

Examples
--------
>>> from specproof.theory import load_builtin_claims, get_claim, run_claim
>>> load_builtin_claims()
>>> run_claim(get_claim("lin-sn-gan.homogeneity"), profile="quick", seed=0).verdict
'PASS'
"""

from specproof.theory.builtin import BUILTIN_MODULES, load_builtin_claims
from specproof.theory.engine import (
    KINDS,
    PROFILES,
    REGISTRY,
    Claim,
    Context,
    Evidence,
    Registry,
    claim,
    to_jsonable,
)
from specproof.theory.papers import PAPERS
from specproof.theory.runner import VERDICTS, ClaimResult, Outcome, run_claim


def get_claim(claim_id: str) -> Claim:
    """The registered claim with this id (built-in claims are loaded first)."""
    load_builtin_claims()
    return REGISTRY.get(claim_id)


__all__ = [
    "BUILTIN_MODULES",
    "KINDS",
    "PAPERS",
    "PROFILES",
    "REGISTRY",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "Context",
    "Evidence",
    "Outcome",
    "Registry",
    "claim",
    "get_claim",
    "load_builtin_claims",
    "run_claim",
    "to_jsonable",
]
