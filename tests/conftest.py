# One BLAS thread per process and the Agg backend are set by the root conftest.py, which
# pytest loads first (before anything imports numpy).
import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def quick_claim():
    """``assert_claim_passes(claim_id)`` on the quick profile, seed 0, once per session."""
    from specproof.testing import assert_claim_passes

    cache: dict = {}

    def run(claim_id: str):
        if claim_id not in cache:
            cache[claim_id] = assert_claim_passes(claim_id)
        return cache[claim_id]

    return run


_BUILTIN_CLAIMS: dict = {}


@pytest.fixture(autouse=True, scope="module")
def _builtin_claims_stay_registered(request):
    """Fail a test module that leaves a built-in claim unregistered, and put it back.

    The built-in claims register when their modules are imported, once per process: a
    module whose cleanup removes them (as "everything registered during the test") left
    every later test in the same worker with no built-in claim at all, and which tests
    that was depended on how xdist shared out the files.
    """
    from specproof.claims import REGISTRY
    from specproof.theory import load_builtin_claims

    if not _BUILTIN_CLAIMS:
        load_builtin_claims()
        _BUILTIN_CLAIMS.update({c.id: c for c in REGISTRY
                                if c.module.startswith("specproof.theory.")})
    yield
    missing = sorted(cid for cid in _BUILTIN_CLAIMS if cid not in REGISTRY)
    for cid in missing:
        REGISTRY.restore(cid, _BUILTIN_CLAIMS[cid])
    if missing:
        pytest.fail(f"{request.module.__name__} left {len(missing)} built-in claims "
                    f"unregistered (e.g. {missing[0]!r}); its cleanup must keep claims "
                    "from specproof.theory", pytrace=False)
