"""The pytest plugin: marker, fixture, options, and a failure that reads like pytest's."""

from importlib import metadata

import pytest

from specproof.claims.providers import load_claim_providers

pytest_plugins = ["pytester"]

# the claim modules (and numpy.fft, which they import) load before any in-process pytester
# run: pytester drops the modules first imported inside a run, and numpy's extension
# modules cannot be imported twice in one process
load_claim_providers()

DEMO = '''
import pytest
from specproof.claims import claim

@claim("plugdemo.fails", paper="plugdemo", kind="exact", statement="s",
       profiles={"quick": {"n": 2}, "paper": {"n": 5}})
def fails(ctx, n, variant="check"):
    return ctx.evidence(holds=False, measured={"gap": 0.25, "n": n}, expected="gap == 0",
                        key="gap")

@fails.control
def fails_control(ctx, n):
    """A variant."""
    return fails.check(ctx, n, variant="control")

@claim("plugdemo.boom", paper="plugdemo", kind="exact", statement="s",
       profiles={"quick": {}, "paper": {}})
def boom(ctx):
    raise ZeroDivisionError("demo boom")

boom.control(lambda ctx: ctx.evidence(holds=False))

@claim("plugdemo.sized", paper="plugdemo", kind="exact", statement="s",
       profiles={"quick": {"n": 2}, "paper": {"n": 5}})
def sized(ctx, n, variant="check"):
    return ctx.evidence(holds=variant == "check", measured={"n": n})

@sized.control
def sized_control(ctx, n):
    """A variant."""
    return sized.check(ctx, n, variant="control")

@pytest.mark.specproof("lin-sn-gan.homogeneity")
def test_marker_pass():
    pass

@pytest.mark.specproof("plugdemo.fails")
def test_marker_fail():
    pass

def test_fixture_error(specproof_claim):
    specproof_claim("plugdemo.boom")

def test_fixture_profile(specproof_claim):
    r = specproof_claim("plugdemo.sized")
    print("PROFILE", r.profile, "N", r.check.measured["n"])

@pytest.mark.specproof("plugdemo.nonexistent")
def test_unknown():
    pass

# a false claim's marker beside a true one's: it ran only the closest marker, so these
# passed
@pytest.mark.specproof("plugdemo.fails")
class TestOnAClass:
    @pytest.mark.specproof("lin-sn-gan.homogeneity")
    def test_in_class(self):
        pass

@pytest.mark.specproof("plugdemo.fails")
@pytest.mark.specproof("lin-sn-gan.homogeneity")
def test_stacked():
    pass

# unittest tests: pytest never calls pytest_pyfunc_call for them, and their markers were
# ignored (both passed)
import unittest

class TestUnit(unittest.TestCase):
    @pytest.mark.specproof("plugdemo.fails")
    def test_unittest_method(self):
        pass

@pytest.mark.specproof("plugdemo.fails")
class TestUnitClass(unittest.TestCase):
    def test_in_marked_unittest_class(self):
        pass
'''


def _plugin_args() -> list[str]:
    # installed: the pytest11 entry point loads it; a source checkout needs -p
    installed = any(ep.value == "specproof.pytest_plugin"
                    for ep in metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "specproof.pytest_plugin"]


@pytest.fixture
def demo_run(pytester):
    from specproof.claims import REGISTRY

    pytester.makepyfile(test_demo=DEMO)

    def run(*args):
        try:
            return pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                                "-s", *args)
        finally:
            for name in ("fails", "boom", "sized"):
                REGISTRY.remove(f"plugdemo.{name}")

    return run


def test_marker_fixture_and_failures_read_like_pytest(demo_run):
    result = demo_run()
    result.assert_outcomes(passed=2, failed=7)
    out = result.stdout.str()
    for test in ("TestOnAClass::test_in_class", "test_stacked"):
        assert f"FAILED test_demo.py::{test}" in out
    # the failure: verdict, reason, deciding values, no JSON dump
    assert "plugdemo.fails: FAIL" in out
    assert "reason: the check does not hold: expected gap == 0; measured gap=0.25" in out
    assert "    gap = 0.25" in out and '"measured"' not in out
    # an error: its traceback as lines, the exception and where it was raised
    assert "plugdemo.boom: ERROR" in out
    assert "reason: the check raised ZeroDivisionError: demo boom (at test_demo.py:" in out
    assert "traceback (check):" in out
    assert '    raise ZeroDivisionError("demo boom")' in out
    # an unknown id: did you mean
    assert "no claim 'plugdemo.nonexistent'" in out
    assert "PROFILE quick N 2" in out


def test_profile_option(demo_run):
    result = demo_run("--specproof-profile", "paper", "-k", "fixture_profile")
    result.assert_outcomes(passed=1)
    assert "PROFILE paper N 5" in result.stdout.str()


def test_entry_point_declared():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert ('[project.entry-points.pytest11]\n' in text
            and '"specproof.pytest_plugin" = "specproof.pytest_plugin"' in text)


TYPOS = '''
import pytest

RAN = []

@pytest.mark.specproof("lin-sn-gan.homogenity")
def test_typo_in_id():
    RAN.append("id")

@pytest.mark.specproof("lin-sn-gan.homogeneity", nn=3)
def test_typo_in_override():
    RAN.append("override")

def test_typo_in_fixture(specproof_claim):
    specproof_claim("lin-sn-gan.homogeneity", nn=3)

def test_nothing_ran():
    assert RAN == []
'''


def test_unknown_id_or_override_fails_in_one_line_before_running(pytester):
    pytester.makepyfile(test_typos=TYPOS)
    result = pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                          "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=3)
    out = result.stdout.str()
    lines = out.splitlines()
    expected = [
        "@pytest.mark.specproof('lin-sn-gan.homogenity'): no claim 'lin-sn-gan.homogenity' "
        "(did you mean 'lin-sn-gan.homogeneity'?)",
        "@pytest.mark.specproof('lin-sn-gan.homogeneity'): unknown override 'nn' for claim "
        "'lin-sn-gan.homogeneity' (did you mean 'n'?); its check takes n, c_sign",
        "specproof_claim('lin-sn-gan.homogeneity'): unknown override 'nn' for claim "
        "'lin-sn-gan.homogeneity' (did you mean 'n'?); its check takes n, c_sign",
    ]
    for line in expected:
        assert line in lines, out
    # one line each: no traceback, no ClaimFailed report, no list of every id
    assert "Traceback" not in out and "ClaimFailed" not in out and "registered:" not in out
    assert "TypeError" not in out
