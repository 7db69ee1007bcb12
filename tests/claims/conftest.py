"""Fixtures shared by the claims tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from specproof.claims import REGISTRY
from specproof.theory import load_builtin_claims


@pytest.fixture
def forget_registered() -> Iterator[None]:
    """Forget the claims a test registers and the user modules it imports, and only those.

    The built-in claims are loaded first, so that they count as there before. Only modules
    new since the test began go: removing every ``_specproof_user_*`` module left another
    test's registered claim with no fingerprinted code (a later ``--last-failed`` ran it).
    """
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    modules = set(sys.modules)
    yield
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - modules:
        if name.startswith("_specproof_user_"):
            del sys.modules[name]
