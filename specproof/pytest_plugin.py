"""The specproof pytest plugin (entry point ``pytest11``: loaded when specproof is installed).

Two ways to make a claim a test::

    @pytest.mark.specproof("lin-sn-gan.gradient-bound")
    def test_gradient_bound():
        pass                      # the claim runs first; the test fails unless it PASSes

    def test_gradient_bound_wide(specproof_claim):
        result = specproof_claim("lin-sn-gan.gradient-bound", width=32)
        assert result.check.measured["max_ratio"] <= 1

``--specproof-profile quick|paper`` (default quick) and ``--specproof-seed N`` choose the
parameter set and the run seed. The marker takes the overrides as keywords. A failure
prints the verdict, its reason, the measured values that decided it and any
traceback as lines.
"""

from __future__ import annotations

import sys

import pytest

# specproof.testing (numpy, the claims engine) is imported when a specproof test runs,
# not when pytest starts: the plugin loads in every pytest session of the environment.


def pytest_addoption(parser) -> None:
    group = parser.getgroup("specproof", "specproof claims")
    group.addoption("--specproof-profile", choices=("quick", "paper"), default="quick",
                    help="parameter set of the claims run by specproof tests (default quick)")
    group.addoption("--specproof-seed", type=int, default=0,
                    help="run seed of the claims run by specproof tests (default 0)")


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

    def run(claim_id, **overrides):
        __tracebackhide__ = True
        _resolve_or_fail(claim_id, overrides, "specproof_claim")
        return assert_claim_passes(claim_id, profile=profile, seed=seed, **overrides)

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    testing = sys.modules.get("specproof.testing")  # not imported: no ClaimFailed possible
    claim_failed = getattr(testing, "ClaimFailed", None)
    # a ClaimFailed is evidence, not a bug in the test: shown as its own text (verdict,
    # reason, deciding values, traceback lines) instead of the runner's stack frames
    if (claim_failed is not None and call.excinfo is not None
            and isinstance(call.excinfo.value, claim_failed)):
        report.longrepr = f"ClaimFailed: {call.excinfo.value}"
