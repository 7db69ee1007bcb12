"""Findings of the eighth probe of specproof.fitting, specproof.testing and lemmas.scaling.

- assert_no_counterexample passed on callables whose value was negative but above -1e-5
  (a constant -1e-6, the smallest eigenvalue -5e-8 of a matrix claimed PSD): a callable's
  floats can never be confirmed, and the search climbed its tolerances until it called the
  violation noise.
- fit_loglog at confidence = 1 - 1e-16 gave a NaN interval ([nan, nan] for an exact power
  law): 0.5 + c/2 rounded to 1 and the t quantile was infinite; the bootstrap interval then
  excluded the exact slope. Its label read "100% CI".
- scaling(coupled=...) cut 8/3 to 2 and took "5", True and -8 as dimensions; widths of
  1e20 ended in numpy's TypeError.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from specproof import lemmas as lm
from specproof.fitting import fit_loglog, fit_loglog_bootstrap
from specproof.testing import LemmaFailed, assert_no_counterexample


@pytest.mark.parametrize("value", [1e-6, 1e-9, 1e-11])
def test_a_small_negative_callable_fails_the_assertion(value):
    with pytest.raises(LemmaFailed, match="seems to fail"):
        assert_no_counterexample(lambda x: value * (x**2 - 1), variables={"x": ()}, budget=1)


def test_a_matrix_claimed_psd_fails_at_its_negative_eigenvalue():
    def smallest(t):
        M = np.array([[1.0, 1.0], [1.0, 1.0 + (t - 0.5) ** 2 - 1e-7]])
        return np.linalg.eigvalsh(M)[0]  # -5e-8 at t = 1/2

    with pytest.raises(LemmaFailed, match="t = 1/2"):
        assert_no_counterexample(smallest, variables={"t": ()}, budget=2)


def test_true_callables_and_rounding_level_negatives_still_pass():
    def psd(t):
        return np.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0 + t * t]]))[0]

    assert_no_counterexample(psd, variables={"t": ()}, budget=1)
    assert_no_counterexample(lambda x: -1e-13 + 0 * x, variables={"x": ()}, budget=1)


C = 0.9999999999999999  # the largest float below 1


def test_an_extreme_confidence_gives_a_finite_interval_around_the_slope():
    f = fit_loglog([1, 2, 4, 8], [1, 2, 4, 8], C)
    assert f.low <= 1.0 <= f.high and np.isfinite([f.low, f.high]).all()
    g = fit_loglog([1, 2, 4, 8], [1, 2.1, 4, 8.3], C)
    # the quantile is t.isf(5.55e-17, 2) = 9.49e7, not inf
    q = stats.t.isf((1 - C) / 2, 2)
    assert np.isfinite(q) and abs((g.high - g.slope) / g.stderr - q) < 1e-6 * q
    assert "(100% CI)" not in str(g) and "(99.9999999999999" in str(g)
    b = fit_loglog_bootstrap([1, 1, 2, 2], [1, 1, 2, 2], C)
    assert b.low <= 1.0 <= b.high


@pytest.mark.parametrize("coupled", [lambda m: m / 3, lambda m: "5", lambda m: True,
                                     lambda m: -m, lambda m: float("nan")])
def test_scaling_refuses_a_coupled_dimension_that_is_not_a_positive_integer(coupled):
    with pytest.raises(lm.StatementError, match=r"coupled\(8\) must be a positive integer"):
        lm.scaling(lambda m, rng: m**-0.5, [8, 16, 32], seeds=2, expect=-0.5,
                   coupled=coupled)


def test_scaling_accepts_integer_valued_dimensions():
    r = lm.scaling(lambda m, rng, d: m**-0.5, [8, 16, 32], seeds=2, expect=-0.5,
                   coupled=lambda m: float(m // 2))
    assert r.holds


@pytest.mark.parametrize("widths", [[10**20, 2 * 10**20, 4 * 10**20], [1e300, 2e300, 4e300]])
def test_scaling_refuses_widths_beyond_float64_integers(widths):
    with pytest.raises(lm.StatementError, match=r"widths must be at most 2\*\*53"):
        lm.scaling(lambda m, rng: m**-0.5, widths, seeds=2, expect=-0.5)


def test_scaling_without_an_exponent_does_not_claim_one():
    r = lm.scaling(lambda m, rng: m**-0.5, [8, 16, 32], seeds=2, expect=None)
    assert r.holds and "exponent None" not in repr(r)
    assert repr(r).startswith("ScalingResult(a power law (no exponent tested): slope -0.500")
