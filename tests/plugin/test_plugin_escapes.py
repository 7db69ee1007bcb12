"""The plugin's failure text writes terminal escapes from evidence as escapes.

A check's exception message or a measured key/value holding ESC or CR went raw into
pytest's failure output, where it can erase or redraw lines (verify's own output was
already escaped).
"""

from __future__ import annotations

from importlib import metadata

from specproof.claims.providers import load_claim_providers

pytest_plugins = ["pytester"]

load_claim_providers()


def _plugin_args() -> list[str]:
    installed = any(ep.value == "specproof.pytest_plugin"
                    for ep in metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "specproof.pytest_plugin"]


MODULE = '''
import pytest
from specproof.claims import claim

P = {"quick": {}, "paper": {}}

@claim("escs9.raises", paper="escs9", kind="numerical", statement="s", profiles=P)
def raises(ctx):
    raise RuntimeError("boom\\x1b[2K\\x1b[1A\\rall good")

@raises.control
def raises_c(ctx):
    return ctx.evidence(holds=False, measured={}, expected="")

@claim("escs9.fails", paper="escs9", kind="numerical", statement="s", profiles=P)
def fails(ctx):
    return ctx.evidence(holds=False, measured={"note\\x1b[2K": "x\\x1b[2K\\ry"},
                        expected="e\\x1b[1A")

@fails.control
def fails_c(ctx):
    return ctx.evidence(holds=False, measured={}, expected="")

@pytest.mark.specproof("escs9.raises")
def test_raises():
    pass

@pytest.mark.specproof("escs9.fails")
def test_fails():
    pass
'''


def test_escapes_in_evidence_reach_the_terminal_escaped(pytester):
    pytester.makepyfile(test_escs9=MODULE)
    result = pytester.runpytest_subprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                           "-p", "no:randomly")
    result.assert_outcomes(failed=2)
    out = "\n".join(result.outlines)
    assert "\x1b" not in out and "\r" not in out
    assert r"boom\x1b[2K\x1b[1A\rall good" in out
    assert r"note\x1b[2K=x\x1b[2K\ry" in out and r"expected e\x1b[1A" in out
