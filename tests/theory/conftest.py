"""Fixtures of the built-in claims' tests."""

import pytest


@pytest.fixture(autouse=True)
def _no_point_cache(monkeypatch):
    """No sweep cache (``SPECPROOF_SWEEP_CACHE``) under these tests: a mutation test's
    run would be served unmutated points (and store mutated ones), and a claim test
    would read points another run left."""
    monkeypatch.delenv("SPECPROOF_SWEEP_CACHE", raising=False)
