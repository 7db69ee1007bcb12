"""The linearization measure at radii where its gap is rounding, or beyond float64.

``specproof ntk --measure linearization --radius 1e-320`` ran every point (gaps of
1e-320, subnormal noise) and then failed in the plot without naming --radius; at radius
1e-9 the gap ``f - f0 - grad.d`` is the rounding of the forward passes (2e-16 against
about 3e-13), printed as a measurement.
"""

from __future__ import annotations

import pytest

from specproof._core import ArgumentError, ComputationError
from specproof.cli import main
from specproof.dag_nets.measures import linearization, measurement_config


@pytest.mark.parametrize("radius", [1e-320, 1e-151, 1e151])
def test_a_radius_whose_square_leaves_float64_is_refused_before_any_point(radius, tmp_path,
                                                                          capsys):
    out = tmp_path / "r"
    status = main(["ntk", "--measure", "linearization", "--radius", str(radius), "--widths",
                   "16,32", "--seeds", "2", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "radius must be in [1e-150, 1e+150]" in err and "radius**2" in err
    assert not (out / "cache").exists()


def test_a_gap_within_the_rounding_of_f_is_refused_naming_the_radius():
    cfg = {**measurement_config("linearization", radius=1e-9), "width": 16}
    with pytest.raises(ComputationError, match=r"at radius 1e-09 the linearization gap .* "
                                               r"rounding noise; use a larger radius"):
        linearization(cfg, 0)


def test_a_small_radius_above_the_rounding_measures_the_quadratic_gap():
    # the gap is R^2 ||H|| / 2 to leading order: 1e-4 and 1e-3 differ by 100x, within 1 %
    small, large = (linearization({**measurement_config("linearization", radius=r),
                                   "width": 16}, 0) for r in (1e-4, 1e-3))
    assert large["gap_eigvec"] / small["gap_eigvec"] == pytest.approx(100.0, rel=1e-2)
    assert small["gap_eigvec"] == pytest.approx(0.5e-8 * small["hessian_norm"], rel=1e-2)


def test_the_radius_range_is_checked_by_the_config_check():
    with pytest.raises(ArgumentError, match="radius must be in"):
        linearization.check(measurement_config("linearization", radius=1e-200), [16, 32])
