"""The specproof pytest plugin (entry point ``pytest11``: loaded when specproof is installed).

Two ways to make a claim a test::

    @pytest.mark.specproof("lin-sn-gan.gradient-bound")
    def test_gradient_bound():
        pass                      # the claim runs first; the test fails unless it PASSes

    def test_gradient_bound_wide(specproof_claim):
        result = specproof_claim("lin-sn-gan.gradient-bound", width=32)
        assert result.check.measured["max_ratio"] <= 1

``--specproof-profile quick|paper`` (default quick) and ``--specproof-seed N`` choose the
parameter set and the run seed. The marker takes the overrides as keywords (never
``seed``, ``profile`` or ``claim_id``: those come from the options). A claim whose
function is named like a test (``test_*``) in a test module is collected as a test of
its own. A failure prints the verdict, its reason, the measured values that decided it
and any traceback as lines; its one-line form (``--tb=line``, the short summary) is
``ClaimFailed: <id>: <verdict>`` at the test's file and line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pytest
from _pytest._code.code import (
    ExceptionChainRepr,
    ReprEntryNative,
    ReprFileLocation,
    ReprTraceback,
)

# specproof.testing (numpy, the claims engine) is imported when a specproof test runs,
# not when pytest starts: the plugin loads in every pytest session of the environment.


# the keywords that assert_claim_passes takes for itself (claims.claim.RESERVED_PARAMETERS,
# not imported: the plugin loads in every pytest session and must not import numpy)
_RESERVED = ("claim_id", "profile", "seed")


def _seed(text: str) -> int:
    """``--specproof-seed``'s value: a non-negative integer, refused at startup otherwise
    (-1 was accepted, and every specproof test then failed with a traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def pytest_addoption(parser) -> None:
    group = parser.getgroup("specproof", "specproof claims")
    group.addoption("--specproof-profile", choices=("quick", "paper"), default="quick",
                    help="parameter set of the claims run by specproof tests (default quick)")
    group.addoption("--specproof-seed", type=_seed, default=0, metavar="N",
                    help="run seed (a non-negative integer) of the claims run by specproof "
                    "tests (default 0)")


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "specproof(claim_id, **overrides): run this specproof claim (check and negative "
        "control) before the test; the test fails unless the verdict is PASS",
    )


def _settings(config) -> tuple[str, int]:
    return config.getoption("specproof_profile"), config.getoption("specproof_seed")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    # every marker, not only the closest: a second marker (stacked, or on the class) was
    # ignored, and a test carrying a false claim's marker passed. runtest_call, not
    # pyfunc_call: pytest never calls the latter for unittest.TestCase tests, whose
    # markers were ignored
    pyfuncitem = item
    markers = list(pyfuncitem.iter_markers("specproof"))
    if not markers:
        return None
    for marker in markers:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str):
            raise pytest.UsageError(
                f"{pyfuncitem.nodeid}: @pytest.mark.specproof takes one claim id, "
                f"got {marker.args!r}"
            )
    from specproof.testing import assert_claim_passes

    profile, seed = _settings(pyfuncitem.config)
    __tracebackhide__ = True
    for marker in markers:
        _resolve_or_fail(marker.args[0], marker.kwargs, "@pytest.mark.specproof")
    for marker in markers:
        assert_claim_passes(marker.args[0], profile=profile, seed=seed, **marker.kwargs)
    return None  # then the test body runs as usual


def _resolve_or_fail(claim_id, overrides: dict, where: str) -> None:
    """An unknown claim id or override fails the test in one line (with "did you mean"),
    before anything runs."""
    from specproof._core import SpecproofError
    from specproof.claims.runner import check_overrides, resolve_claim

    __tracebackhide__ = True
    reserved = [key for key in overrides if key in _RESERVED]
    if reserved:
        # assert_claim_passes takes these keywords itself: passed on, "seed=5" raised
        # "multiple values for keyword argument" (or set the run seed)
        pytest.fail(f"{where}({claim_id!r}): {reserved[0]!r} is not a claim parameter: "
                    "the profile and the seed come from --specproof-profile and "
                    "--specproof-seed, and no check may take a parameter named "
                    f"{', '.join(_RESERVED)}", pytrace=False)
    try:
        check_overrides(resolve_claim(claim_id), overrides)
        return
    except SpecproofError as exc:
        message = str(exc)
    if message.startswith("no claim ") and "; registered: " in message:
        # the full list of ids would bury the one line; "did you mean" stays
        message = message.split("; registered: ")[0]
    # outside the except block: no "during handling of the above exception" chain
    pytest.fail(f"{where}({claim_id!r}): {message}", pytrace=False)


@pytest.fixture
def specproof_claim(request):
    """Run a claim with the session's profile and seed: ``specproof_claim(id, **overrides)``
    returns the :class:`~specproof.claims.ClaimResult` and fails the test unless PASS."""
    from specproof.testing import assert_claim_passes

    profile, seed = _settings(request.config)

    def run(claim_id, /, **overrides):
        __tracebackhide__ = True
        _resolve_or_fail(claim_id, overrides, "specproof_claim")
        return assert_claim_passes(claim_id, profile=profile, seed=seed, **overrides)

    return run


def _crash_place(item, excinfo) -> tuple[str, int]:
    """The deepest line of the test's own file in the traceback (the fixture call), else
    the test's definition (a marker's claim runs before the body)."""
    path = getattr(item, "path", None)
    for entry in reversed(excinfo.traceback):
        if path is not None and entry.path == path:
            return str(entry.path), entry.lineno + 1
    fspath, lineno, _ = item.reportinfo()
    return str(fspath), (lineno or 0) + 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    testing = sys.modules.get("specproof.testing")  # not imported: no ClaimFailed possible
    claim_failed = getattr(testing, "ClaimFailed", None)
    # a ClaimFailed is evidence, not a bug in the test: shown as its own text (verdict,
    # reason, deciding values, traceback lines) instead of the runner's stack frames.
    # Not a plain str: pytest cut that at 50 characters for --tb=line ("...reason: the
    # check does"), which read as the opposite of the verdict. pytest's own structure,
    # the text as one "native" entry, so that pytest-xdist carries the crash line too
    if (claim_failed is not None and call.excinfo is not None
            and isinstance(call.excinfo.value, claim_failed)):
        from specproof._core.printable import printable

        # a reason or measured value holding terminal escapes (ESC, CR) could erase or
        # redraw the failure lines: written as escapes, as verify's output is
        text = printable(f"ClaimFailed: {call.excinfo.value}", keep="\n")
        path, lineno = _crash_place(item, call.excinfo)
        entry = ReprEntryNative([line + "\n" for line in text.splitlines()])
        crash = ReprFileLocation(path, lineno, text.splitlines()[0])
        report.longrepr = ExceptionChainRepr([(ReprTraceback([entry], None, "native"),
                                               crash, None)])


class ClaimItem(pytest.Item):
    """A claim collected as a test: a :class:`~specproof.claims.Claim` bound to a test
    name (``@claim(...) def test_x(ctx)``), which pytest would otherwise skip with a
    warning ("not a function"). It passes when the claim's verdict is PASS."""

    def __init__(self, *, claim: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim

    def runtest(self) -> None:
        from specproof.testing import assert_claim_passes

        profile, seed = _settings(self.config)
        assert_claim_passes(self.claim, profile=profile, seed=seed)

    def reportinfo(self):
        code = getattr(self.claim.check, "__code__", None)
        line = code.co_firstlineno - 1 if code is not None else None
        return self.path, line, f"claim {self.claim.id}"


def pytest_pycollect_makeitem(collector, name, obj):
    claims = sys.modules.get("specproof.claims.claim")  # a module defining one imported it
    if claims is None or not isinstance(obj, claims.Claim):
        return None
    if not collector.funcnamefilter(name):
        return None
    return ClaimItem.from_parent(collector, name=name, claim=obj)
