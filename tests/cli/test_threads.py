"""`--threads K` reaches every claim of `verify` and every point of `ntk`, serial and in
worker processes (where the default is cores // jobs)."""

import json
import sys
import textwrap

import pytest

from specproof._core.threads import cores
from specproof.claims import REGISTRY
from specproof.cli import main

PROBE = textwrap.dedent(
    '''
    from specproof._core.threads import blas_threads
    from specproof.claims import claim

    for _name in ("a", "b"):
        @claim(f"threads.{_name}", paper="threads", kind="exact", statement="threads",
               profiles={"quick": {}, "paper": {}})
        def probe(ctx):
            import numpy  # noqa: F401 - BLAS loaded before it is counted
            return ctx.evidence(holds=True, measured={"blas": blas_threads()}, expected="-")

        probe.control(lambda ctx: ctx.evidence(holds=False))
    '''
)


@pytest.fixture
def probe_module(tmp_path):
    path = tmp_path / "threads_claims.py"
    path.write_text(PROBE)
    yield str(path)
    for name in ("a", "b"):
        REGISTRY.remove(f"threads.{name}")
    sys.modules.pop("_specproof_user_threads_claims", None)


def blas_of(out):
    doc = json.loads((out / "evidence.json").read_text())
    return {c["check"]["measured"]["blas"] for c in doc["claims"]}


@pytest.mark.parametrize("extra, want", [
    (["--threads", "1"], 1),
    (["--jobs", "2", "--threads", "1"], 1),
    (["--jobs", "2"], max(1, cores() // 2)),
])
def test_verify_threads_reach_every_claim(tmp_path, probe_module, capsys, extra, want):
    out = tmp_path / "rep"
    assert main(["verify", "--module", probe_module, "--paper", "threads", *extra,
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert blas_of(out) == {want}
