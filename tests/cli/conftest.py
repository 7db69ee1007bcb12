"""Fixtures for the tests that run `specproof verify` on claim modules written by the test."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from specproof.claims import REGISTRY


@pytest.fixture
def claim_module(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``<tmp_path>/<name>.py``: ``from specproof.claims import claim`` and ``body``."""

    def write(name: str, body: str) -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text("from specproof.claims import claim\n" + textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def clean() -> Iterator[None]:
    """Forget the claims and user modules a test registered, keeping the built-in claims.

    verify loads the built-in claims on first use, so "everything registered during the
    test" would remove them for the tests after: only claims from outside the package go.
    """
    before = {c.id for c in REGISTRY}
    yield
    for cid in [c.id for c in REGISTRY
                if c.id not in before and not c.module.startswith("specproof.")]:
        REGISTRY.remove(cid)
    for name in [n for n in sys.modules if n.startswith("_specproof_user_")]:
        del sys.modules[name]
