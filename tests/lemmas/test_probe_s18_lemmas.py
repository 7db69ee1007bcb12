"""Probe s18 (claims review, findings 3, 4 and 8): check_dimensions and scaling().

* check_dimensions reported "first failure: none" for a family that could be evaluated at
  no point: nothing was decided, yet it read as a pass.
* scaling() printed its interval with three fixed decimals: "[0.000, 0.000] excludes 0.0".
* scaling() arguments: np.int64 seeds refused, a generator of widths used up by the first
  check, scalar / None widths and a non-callable statistic raw TypeErrors.
"""

from __future__ import annotations

import numpy as np
import pytest

from specproof import lemmas as lm
from specproof.lemmas.errors import ArgumentTypeError, StatementError
from specproof.lemmas.scaling import scaling

# --- 3. check_dimensions: nothing evaluated is not "first failure: none" -------------


def _never_evaluable(d):
    # log of a negative number at every point: NaN everywhere, nothing tested
    return " + ".join(f"log(-1 - x{i}**2)" for i in range(d)) + " >= 5"


def test_a_dimension_where_nothing_was_evaluated_is_a_failure():
    r = lm.check_dimensions(_never_evaluable, dims=[1, 2, 3], exact_up_to=0, budget=0.3)
    assert r.first_failure == 1 and r.untested == (1,)
    assert sorted(r.verdicts) == [1]  # stopped there, as at a counterexample
    assert r.verdicts[1].verdict == "UNDECIDED" and r.verdicts[1].nothing_evaluated
    assert repr(r) == ("DimensionResult(first failure: d = 1, where nothing was decided: no "
                       "point could be evaluated; d=1: UNDECIDED (nothing evaluated))")
    assert r.to_dict()["untested"] == [1] and r.to_dict()["first_failure"] == 1


def test_every_untested_dimension_is_listed_when_not_stopping():
    r = lm.check_dimensions(_never_evaluable, dims=[1, 2], exact_up_to=0, budget=0.3,
                            stop_at_first=False)
    assert r.first_failure == 1 and r.untested == (1, 2)
    assert "d=2: UNDECIDED (nothing evaluated)" in repr(r)


def test_a_family_that_was_searched_still_reports_no_failure():
    r = lm.check_dimensions(lambda d: " + ".join(f"x{i}**2" for i in range(d)) + " >= 0",
                            dims=[1, 2], exact_up_to=0, budget=0.3)
    assert r.first_failure is None and r.untested == ()
    assert repr(r).startswith("DimensionResult(first failure: none; ")


# --- 4. scaling(): significant digits, not three fixed decimals ----------------------


def test_a_small_slope_is_not_printed_as_zero():
    def stat(m, rng):
        return m**0.0003 * np.exp(1e-5 * rng.standard_normal())

    r = scaling(stat, [16, 32, 64, 128], seeds=4, expect=0.0, tolerance=0.0)
    assert not r.holds
    assert r.reason == "the 95% interval [0.000292, 0.000304] excludes 0.0 (tolerance 0.0)"
    assert "0.000]" not in repr(r) and "+0.000," not in repr(r)
    assert repr(r).startswith("ScalingResult(rejects exponent 0.0: slope +0.000298 "
                              "[+0.000292, +0.000304], local slopes +0.000289, ")


def test_ordinary_slopes_keep_three_decimals():
    def stat(m, rng):
        return m**-0.5 * np.exp(0.01 * rng.standard_normal())

    r = scaling(stat, [16, 32, 64], seeds=3, expect=0.5, tolerance=0.0)
    assert not r.holds
    assert r.reason.startswith("the 95% interval [-0.5")
    assert repr(r).startswith("ScalingResult(rejects exponent 0.5: slope -0.50")


def test_a_drift_reason_uses_significant_digits():
    def stat(m, rng):  # a kink at 64: local slopes 0 then 0.0004
        return (1.0 if m <= 64 else (m / 64) ** 0.0004) * np.exp(1e-7 * rng.standard_normal())

    r = scaling(stat, [16, 32, 64, 128], seeds=3, max_drift=0.0)
    assert not r.holds and "drift by +0.0004" in r.reason
    assert "to +0.0004" in r.reason


# --- 8. scaling() arguments -----------------------------------------------------------


def _stat(m, rng):
    return m**-0.5 * np.exp(0.1 * rng.standard_normal())


def test_numpy_integer_seeds_are_integers():
    a = scaling(_stat, [16, 32, 64], seeds=np.int64(3), expect=-0.5)
    b = scaling(_stat, [16, 32, 64], seeds=3, expect=-0.5)
    assert a.fit.slope == b.fit.slope and a.means == b.means
    for bad in (np.int64(1), True, 2.0):
        with pytest.raises(StatementError, match="seeds must be an integer >= 2"):
            scaling(_stat, [16, 32, 64], seeds=bad)


def test_a_generator_of_widths_is_read_once():
    r = scaling(_stat, (w for w in [16, 32, 64]), seeds=3, expect=-0.5)
    assert r.widths == (16, 32, 64)
    with pytest.raises(StatementError, match=r"at least three distinct positive integers, "
                                             r"got \[16, 32\]"):
        scaling(_stat, (w for w in [16, 32]), seeds=3)
    with pytest.raises(StatementError, match=r"widths must be integers, got 16.5 in "
                                             r"\[16.5, 32, 64\]"):
        scaling(_stat, iter([16.5, 32, 64]), seeds=3)


@pytest.mark.parametrize("widths", [16, None, "16,32,64", np.array(16)])
def test_widths_that_are_no_sequence_are_named(widths):
    with pytest.raises(ArgumentTypeError, match=r"^widths must be a sequence of at least "
                                                r"three distinct positive integers, got "):
        scaling(_stat, widths, seeds=3)


def test_a_statistic_or_coupled_that_is_not_callable_is_named():
    with pytest.raises(ArgumentTypeError, match=r"^statistic must be a callable "
                                                r"statistic\(width, rng\).*got float 0.5"):
        scaling(0.5, [16, 32, 64], 3)
    with pytest.raises(ArgumentTypeError, match=r"^coupled must be a callable width -> "
                                                r"dimension or None, got int 4"):
        scaling(lambda m, d, rng: 1.0, [16, 32, 64], 3, coupled=4)
