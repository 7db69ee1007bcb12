"""scaling's drift test over every pair of local slopes (half the level for the first and last
slope, half Bonferroni-corrected over all pairs).

Only the first and the last local slope were compared: a statistic 3x off the law at one
middle width passed as a power law, since its local slopes jump up and come back down.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from scipy import stats

from specproof import lemmas as lm

W = [16, 32, 64, 128, 256]


def _recording(statistic):
    """``statistic`` plus the values it returned, by width, in call order."""
    seen: dict[int, list[float]] = defaultdict(list)

    def wrapped(m, rng):
        v = statistic(m, rng)
        seen[m].append(v)
        return v

    return wrapped, seen


def _mean_and_var_of_mean(vals):
    logs = np.log(vals)
    return float(np.mean(logs)), float(np.var(logs, ddof=1)) / len(vals)


@pytest.mark.parametrize("noise", [0.0, 0.01, 0.05])
def test_a_bump_at_one_middle_width_is_rejected_and_named(noise):
    def bump(m, rng):
        return m**-0.5 * (3.0 if m == 64 else 1.0) * math.exp(noise * rng.standard_normal())

    stat, seen = _recording(bump)
    r = lm.scaling(stat, W, seeds=4, expect=-0.5)
    # the first/last comparison saw nothing: those two slopes agree, the fit is -0.5
    assert abs(r.local_slopes[-1] - r.local_slopes[0]) < 0.15
    assert abs(r.fit.slope + 0.5) < 0.05 and "excludes" not in r.reason
    # local slopes -0.5, -0.5 + log2(3), -0.5 - log2(3), -0.5: the worst pair is the jump
    assert r.local_slopes[1] == pytest.approx(-0.5 + math.log2(3), abs=0.15)
    assert r.local_slopes[2] == pytest.approx(-0.5 - math.log2(3), abs=0.15)
    assert not r.holds
    assert "between widths 32-64 and 64-128" in r.reason, r.reason
    assert r.drift_pair == ((32, 64), (64, 128))
    assert r.to_dict()["drift_pair"] == [[32, 64], [64, 128]]
    assert r.drift == pytest.approx(-2 * math.log2(3), abs=0.3)
    # the two slopes share width 64, whose mean log enters with coefficient -2 / log 2:
    # the reported error is sqrt(v32 + 4 v64 + v128) / log 2, not the four-ends sum
    v = {w: _mean_and_var_of_mean(seen[w])[1] for w in W}
    se = math.sqrt(v[32] + 4 * v[64] + v[128]) / math.log(2)
    assert f"by {r.drift:+.3f} ± {se:.3f} between" in r.reason, r.reason


def test_noise_alone_rarely_rejects_a_true_power_law():
    def noisy(m, rng):
        return m**-0.5 * math.exp(0.2 * rng.standard_normal())

    rejected = [s for s in range(100)
                if not lm.scaling(noisy, W, seeds=4, expect=-0.5, seed=s).holds]
    # first/last at 2.5 %, all 6 pairs at 2.5 % / 6 each: at most about 5 % of runs in all
    # (0 of these 100, 5 of 1000 when measured); 10 leaves room for another noise draw
    assert len(rejected) <= 10, rejected


def test_a_smooth_curvature_is_rejected():
    # m^-0.5 log(m)^2: local slope -0.5 + 2 / log m, from about +0.13 to -0.23 over 16..4096
    widths = [2**k for k in range(4, 13)]
    r = lm.scaling(lambda m, rng: m**-0.5 * math.log(m) ** 2
                   * math.exp(0.01 * rng.standard_normal()), widths, seeds=4)
    exact = [-0.5 + 2 * math.log(math.log(b) / math.log(a)) / math.log(b / a)
             for a, b in zip(widths, widths[1:])]
    assert np.allclose(r.local_slopes, exact, atol=0.03)
    assert not r.holds and "drift" in r.reason
    assert r.drift < -0.3 and r.drift_pair[0][0] <= 32 and r.drift_pair[1][1] >= 2048


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_widths_keep_the_first_last_test(seed):
    # one pair, so no correction: the first/last formula at the unadjusted level, checked
    # at the threshold itself (max_drift just below and just above the test's margin)
    def kinked(m, rng):
        return (m**-0.5 if m <= 16 else 0.25 * 16 / m) * math.exp(0.02 * rng.standard_normal())

    widths = [8, 16, 32]
    stat, seen = _recording(kinked)
    first = lm.scaling(stat, widths, seeds=3, seed=seed)
    mv = [_mean_and_var_of_mean(seen[w]) for w in widths]
    lw = np.log(widths)
    l0 = (mv[1][0] - mv[0][0]) / (lw[1] - lw[0])
    l1 = (mv[2][0] - mv[1][0]) / (lw[2] - lw[1])
    drift = l1 - l0
    coef = np.array([1 / (lw[1] - lw[0]), -1 / (lw[1] - lw[0]) - 1 / (lw[2] - lw[1]),
                     1 / (lw[2] - lw[1])])
    terms = coef**2 * np.array([v for _, v in mv])
    se = math.sqrt(terms.sum())
    dof = terms.sum() ** 2 / ((terms**2).sum() / 2)
    margin = abs(drift) - stats.t.isf(0.025, dof) * se
    assert first.drift == pytest.approx(drift, rel=1e-12)
    assert first.drift_pair == ((8, 16), (16, 32))
    assert margin > 0.05  # a kink from -0.5 to -1: the threshold below is not at 0
    below = lm.scaling(kinked, widths, seeds=3, seed=seed, max_drift=margin - 1e-9)
    above = lm.scaling(kinked, widths, seeds=3, seed=seed, max_drift=margin + 1e-9)
    assert not below.holds and above.holds
    assert below.reason == (f"the local slopes drift by {drift:+.3f} ± {se:.3f} between "
                            f"widths 8-16 and 16-32 (more than {margin - 1e-9} beyond its 95% "
                            f"sampling error) from {l0:+.3f} to {l1:+.3f}")


def test_a_smooth_curvature_keeps_most_of_the_first_last_power():
    # with 5 % noise and 4 seeds the old first/last test caught this curvature in 36 of 50
    # runs, all 36 pairs at Bonferroni's level alone in 10, first/last at half the level
    # plus all pairs at the other half in 26 (measured)
    widths = [2**k for k in range(4, 13)]

    def curved(m, rng):
        return m**-0.5 * math.log(m) ** 2 * math.exp(0.05 * rng.standard_normal())

    caught = sum(not lm.scaling(curved, widths, seeds=4, seed=s).holds for s in range(50))
    assert caught >= 20, caught
