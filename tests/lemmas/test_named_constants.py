"""sympy's named real constants in a statement are those constants, not variables.

``GoldenRatio``, ``EulerGamma`` and ``Catalan`` were read as variable names: the true
``GoldenRatio**2 - GoldenRatio - 1 == 0`` was "refuted at GoldenRatio = 0".
"""

from __future__ import annotations

import sympy

from specproof import lemmas as lm


def test_the_golden_ratio_identity_is_proved_exactly():
    p = lm.prove("GoldenRatio**2 - GoldenRatio - 1 == 0")
    assert p.verdict == "PROVED" and "exact" in p.trust
    r = lm.refute("GoldenRatio**2 - GoldenRatio - 1 == 0", budget=2)
    assert r.verdict == "UNDECIDED"


def test_each_constant_is_enclosed_on_the_right_side_of_its_digits():
    # each pair straddles the constant in its fourth decimal: one true, one false
    cases = {
        "GoldenRatio": ("1.6180", "1.6181", sympy.GoldenRatio),
        "EulerGamma": ("0.5772", "0.5773", sympy.EulerGamma),
        "Catalan": ("0.9159", "0.9160", sympy.Catalan),
    }
    for name, (below, above, value) in cases.items():
        assert sympy.Rational(below) < value < sympy.Rational(above)  # the cases are right
        assert lm.prove(f"{name} >= {below}").verdict == "PROVED"
        assert lm.prove(f"{name} <= {above}").verdict == "PROVED"
        for false in (f"{name} <= {below}", f"{name} >= {above}"):
            assert lm.prove(false).verdict == "UNDECIDED"
            r = lm.refute(false, budget=2)
            assert isinstance(r, lm.Refuted) and r.point == {}


def test_a_constant_in_a_statement_with_variables_is_not_a_variable():
    r = lm.refute("x**2 + x + Catalan >= 1", seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and set(r.point) == {"x"}


def test_a_variable_of_the_same_name_is_given_explicitly():
    r = lm.refute("GoldenRatio**2 - GoldenRatio - 1 == 0", variables=["GoldenRatio"],
                  seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and set(r.point) == {"GoldenRatio"}
