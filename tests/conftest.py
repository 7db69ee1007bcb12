import os

# One BLAS thread per process: the suite runs worker processes (verify --jobs, process
# pools, Dask) on 2 cores, and multi-threaded OpenBLAS oversubscribed there runs small
# LAPACK calls 10-60x slower. Set before numpy is imported; a user's setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


import pytest  # noqa: E402


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
