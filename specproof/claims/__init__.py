"""The claims engine: claims, their registry, evidence, the runner, selection, verify, report.

The engine knows no paper and no capability: the papers' claims live in
:mod:`specproof.theory`, user claims in user modules; both register here.

Examples
--------
>>> from specproof.claims import Registry, claim, run_claim
>>> reg = Registry()
>>> @claim("demo.square", paper="demo", kind="numerical", statement="x*x >= 0",
...        profiles={"quick": {"n": 3}, "paper": {"n": 10}}, registry=reg)
... def square(ctx, n, sign=1.0):
...     x = ctx.rng.standard_normal(n)
...     return ctx.evidence(holds=bool(min(sign * x * x) >= 0), measured={"n": n})
>>> @square.control
... def negated(ctx, n):
...     '''-x*x instead of x*x: negative, so the check must fail.'''
...     return square.check(ctx, n, sign=-1.0)
>>> run_claim(square, profile="quick", seed=0).verdict
'PASS'
"""

from specproof.claims.claim import (
    KINDS,
    PROFILES,
    REGISTRY,
    Claim,
    Registry,
    UnknownClaimError,
    claim,
    first_paragraph,
)
from specproof.claims.evidence import Context, Evidence, claim_seed
from specproof.claims.lemma_claim import lemma_claim
from specproof.claims.paper import Paper
from specproof.claims.report import (
    EvidenceFileError,
    evidence_schema,
    load_evidence,
    rerender,
    summary_table,
    write_report,
)
from specproof.claims.resume import ResumeError
from specproof.claims.run import OutputDirError, VerifyRun
from specproof.claims.runner import (
    BAD_VERDICTS,
    VERDICTS,
    ClaimResult,
    Outcome,
    resolve_claim,
    run_claim,
)
from specproof.claims.selection import (
    SelectionError,
    UserModuleError,
    import_user_modules,
    order_failed_first,
    previous_outcome,
    select_claims,
)
from specproof.claims.verify import prepare_output_dir, verify

__all__ = [
    "BAD_VERDICTS",
    "KINDS",
    "PROFILES",
    "REGISTRY",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "Context",
    "Evidence",
    "EvidenceFileError",
    "Outcome",
    "OutputDirError",
    "Paper",
    "Registry",
    "ResumeError",
    "SelectionError",
    "UnknownClaimError",
    "UserModuleError",
    "VerifyRun",
    "claim",
    "claim_seed",
    "evidence_schema",
    "first_paragraph",
    "import_user_modules",
    "lemma_claim",
    "load_evidence",
    "order_failed_first",
    "previous_outcome",
    "prepare_output_dir",
    "rerender",
    "resolve_claim",
    "run_claim",
    "select_claims",
    "summary_table",
    "verify",
    "write_report",
]
