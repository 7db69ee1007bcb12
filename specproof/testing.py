"""Helpers for pytest: run a claim and fail the test with its evidence unless it passes.

A failure reads like a pytest failure: the verdict and its reason, the measured values
that decided it, and any traceback as lines (see :func:`failure_report`). The pytest
plugin (:mod:`specproof.pytest_plugin`) builds on these.
"""

from __future__ import annotations

import textwrap
from typing import Any

from specproof._core import ArgumentError, ArgumentTypeError, SpecproofError
from specproof.claims import Claim, ClaimResult, run_claim
from specproof.claims.display import format_value
from specproof.claims.registry import UnknownClaimError
from specproof.claims.runner import deciding_side


class ClaimFailed(SpecproofError, AssertionError):
    """A claim's verdict was not PASS; the message carries the evidence."""

    def __init__(self, message: str, result: ClaimResult | None = None) -> None:
        super().__init__(message)
        self.result = result


def failure_report(result: ClaimResult) -> str:
    """A claim result as a readable failure: verdict, reason, deciding values, traceback.

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> print(failure_report(run_claim("lin-sn-gan.homogeneity")).splitlines()[0])
    lin-sn-gan.homogeneity: PASS
    """
    lines = [
        f"{result.id}: {result.verdict}",
        f"reason: {result.reason}",
        f"check: {result.check.verdict}; negative control: {result.control.verdict}",
    ]
    decided_by = deciding_side(result)
    outcome = result.control if decided_by == "control" else result.check
    if outcome.expected:
        lines.append(f"expected ({decided_by}): {outcome.expected}")
    shown = [("check", result.check.measured)]
    if decided_by == "control":
        shown.append(("control", result.control.measured))
    for label, values in shown:
        if values:
            lines.append(f"measured ({label}):")
            lines += [f"    {k} = {format_value(v)}" for k, v in values.items()]
    if result.verdict == "VACUOUS":
        lines.append(f"negative control: {result.control_description}")
    for label, o in (("check", result.check), ("control", result.control)):
        if o.traceback:
            lines.append(f"traceback ({label}):")
            lines += [textwrap.indent(t, "    ") for t in o.traceback_lines]
    if result.verdict == "FAIL" and result.control.verdict == "ERROR":
        # the statement is false all the same; the control's problem still needs fixing
        lines.append(f"negative control: {result.control.error or result.control.expected}")
    params = ", ".join(f"{k}={format_value(v, 60)}" for k, v in result.params.items())
    lines.append(f"profile {result.profile}, seed {result.seed}, parameters {params or 'none'}")
    return "\n".join(lines)


def assert_claim_passes(
    claim_id: str | Claim,
    profile: str = "quick",
    seed: int = 0,
    **overrides: Any,
) -> ClaimResult:
    """Run one registered claim and raise :class:`ClaimFailed` unless its verdict is PASS.

    Parameters
    ----------
    claim_id : str or Claim
        The claim to run; built-in claims are loaded on demand, a user's claims must be
        registered (their module imported) first.
    profile : {"quick", "paper"}
        Parameter set.
    seed : int
        Run seed.
    **overrides
        Parameters replacing the profile's (a check may not take a parameter named
        ``claim_id``, ``profile`` or ``seed``: these three keywords are this function's).

    Returns
    -------
    ClaimResult
        The result, for further assertions on the measured values (its figures are kept:
        ``result.check_figure``).

    Examples
    --------
    >>> assert_claim_passes("lin-sn-gan.homogeneity").verdict
    'PASS'
    """
    __tracebackhide__ = True  # pytest shows the test's line, not this helper's
    try:
        result = run_claim(claim_id, profile=profile, seed=seed, overrides=overrides)
    except (ArgumentError, ArgumentTypeError, UnknownClaimError) as exc:
        # a bad argument of the test (a typo'd id, seed=-5): its message at the test's
        # line, without run_claim's frames (pytest printed its 50-line docstring)
        raise exc.with_traceback(None) from None
    if result.verdict != "PASS":
        raise ClaimFailed(failure_report(result), result)
    return result


class LemmaFailed(SpecproofError, AssertionError):
    """A lemma assertion failed; the message carries the verdict (witness or what was tried)."""

    def __init__(self, message: str, verdict: Any = None) -> None:
        super().__init__(message)
        self.verdict = verdict


def assert_no_counterexample(statement: Any, variables: Any = None, domain: Any = None, *,
                             seed: int = 0, budget: float = 5.0) -> Any:
    """Search for a counterexample to ``statement``; raise :class:`LemmaFailed` if one is seen.

    A confirmed counterexample (``Refuted``) and an unconfirmed numerical one both fail,
    with the point and both sides in the message. So does a search that could evaluate
    the statement at no point (NaN, an overflow, an exception or outside the domain
    everywhere): nothing was tested. Passing proves nothing: it returns the
    ``Undecided`` verdict with the tightest case seen.

    Examples
    --------
    >>> assert_no_counterexample("x**2 + 1 >= 2*x", budget=0.3).verdict
    'UNDECIDED'
    >>> assert_no_counterexample("x**2 >= x", budget=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.testing.LemmaFailed: counterexample: Refuted(x**2 >= x fails at x = ...
    """
    __tracebackhide__ = True
    from specproof.lemmas.refute import refute

    verdict = refute(statement, variables, domain, seed=seed, budget=budget, progress=False)
    if verdict.verdict != "UNDECIDED":
        raise LemmaFailed(f"counterexample: {verdict!r}", verdict)
    if _nothing_evaluated(verdict):
        raise LemmaFailed(
            f"no point could be evaluated: the statement was NaN, overflowed, raised or "
            f"was outside the domain at every point tried, so nothing was tested: "
            f"{verdict!r}", verdict)
    return verdict


def _nothing_evaluated(verdict: Any) -> bool:
    """Whether an ``Undecided`` verdict rests on no evaluation of the statement at all
    (:attr:`~specproof.lemmas.verdicts.Undecided.nothing_evaluated`)."""
    return bool(getattr(verdict, "nothing_evaluated", False))


def assert_proved(statement: Any, variables: Any = None, domain: Any = None,
                  **prove_options: Any) -> Any:
    """Prove ``statement`` with an exact, independently checked certificate, or raise.

    Returns the ``Proved`` verdict; raises :class:`LemmaFailed` with what was tried when
    the prover is undecided (a statement that is not polynomial raises the prover's
    error: only refutation applies to it).

    Examples
    --------
    >>> assert_proved("x**2 + y**2 >= 2*x*y").verdict
    'PROVED'
    """
    __tracebackhide__ = True
    from specproof.lemmas.prove import prove

    verdict = prove(statement, variables=variables, domain=domain, **prove_options)
    if verdict.verdict != "PROVED":
        raise LemmaFailed(f"not proved: {verdict!r}", verdict)
    return verdict
