"""The global random generators during a check: seeded from the claim's seed, then put back."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np

from specproof.claims.evidence import claim_seed


@contextlib.contextmanager
def global_random_state(seed: int, claim_id: str) -> Iterator[None]:
    """Seed the global ``numpy.random`` and ``random`` generators from the claim's seed,
    and put back their previous states afterwards.

    A check that draws from ``np.random.standard_normal`` (not ``ctx.rng``) gave numbers,
    and possibly a verdict, that no run seed reproduced.

    Examples
    --------
    >>> with global_random_state(0, "demo.x"):
    ...     a = np.random.random()
    >>> with global_random_state(0, "demo.x"):
    ...     a == np.random.random()
    True
    """
    entropy = np.random.SeedSequence(claim_seed(seed, claim_id)).generate_state(4)
    # the legacy global generator is the very state a check may have used
    np_state = np.random.get_state()  # noqa: NPY002
    py_state = random.getstate()
    np.random.seed(entropy)  # noqa: NPY002
    random.seed(int.from_bytes(entropy.tobytes(), "little"))
    try:
        yield
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
