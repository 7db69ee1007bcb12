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
