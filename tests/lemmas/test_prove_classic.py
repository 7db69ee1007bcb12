"""Classic nonnegative forms from the literature: which are proved, at which degree, with
which multiplier (the table in docs/lemmas.md). Every "proved" is an exact certificate
accepted by the independent checker; every "not SoS" carries the solver's t* < 0.

Sources: Motzkin (1967); Robinson (1973); Choi and Lam (1977), forms S and Q; Horn's
copositive form (Hall and Newman 1963), via x = y^2 with (sum y_i^2) as in Parrilo's
thesis (2000); Schur's inequality with t = 1; AM-GM in the Hurwitz form; Schmuedgen's
products of constraints (1991) against Putinar's single constraints (1993).
"""

from __future__ import annotations

import re

import pytest
import sympy

from specproof.certificates import check_sos
from specproof.lemmas.domains import ball, box, orthant
from specproof.lemmas.prove import Proved, prove
from specproof.lemmas.verdicts import Undecided

x, y, z, w = sympy.symbols("x y z w", real=True)
MOTZKIN = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
ROBINSON = (x**6 + y**6 + z**6 - (x**4 * y**2 + x**2 * y**4 + x**4 * z**2 + x**2 * z**4
                                  + y**4 * z**2 + y**2 * z**4) + 3 * x**2 * y**2 * z**2)
CHOI_LAM_S = x**4 * y**2 + y**4 * z**2 + z**4 * x**2 - 3 * x**2 * y**2 * z**2
CHOI_LAM_Q = x**2 * y**2 + y**2 * z**2 + z**2 * x**2 + w**4 - 4 * x * y * z * w
SCHUR = x * (x - y) * (x - z) + y * (y - x) * (y - z) + z * (z - x) * (z - y)
HORN_M = [[1, -1, 1, 1, -1], [-1, 1, -1, 1, 1], [1, -1, 1, -1, 1], [1, 1, -1, 1, -1],
          [-1, 1, 1, -1, 1]]
XS = sympy.symbols("x1:6", real=True)
HORN = sum(HORN_M[i][j] * XS[i] * XS[j] for i in range(5) for j in range(5))


def _t_star(line: str) -> float:
    return float(re.search(r"t\* = (-?[0-9.e+-]+)", line).group(1))


def _assert_proved(r, method: str, multiplier: str, degree: int) -> None:
    assert isinstance(r, Proved), r
    assert (r.method, r.multiplier, r.degree) == (method, multiplier, degree)
    assert check_sos(r.certificate).ok


@pytest.mark.parametrize("name, form, multiplier, degree, plain_t", [
    ("Motzkin", MOTZKIN, "(1 + x^2 + y^2)^1", 8, -0.75),
    ("Robinson", ROBINSON, "(x^2 + y^2 + z^2)^1", 8, -0.0121),
    ("Choi-Lam S", CHOI_LAM_S, "(x^2 + y^2 + z^2)^1", 8, -0.75),
])
def test_not_sos_but_proved_with_the_reznick_multiplier(name, form, multiplier, degree, plain_t):
    plain = prove(form >= 0, multiplier="none")
    assert isinstance(plain, Undecided)
    assert "not a sum of squares in these bases" in plain.tried[0]
    assert _t_star(plain.tried[0]) == pytest.approx(plain_t, abs=2e-4)
    _assert_proved(prove(form >= 0), "sos", multiplier, degree)


def test_choi_lam_q_plain_basis_has_no_gram_matrix_at_all():
    plain = prove(CHOI_LAM_Q >= 0, multiplier="none")
    assert isinstance(plain, Undecided) and "no Gram matrices" in plain.tried[0]
    _assert_proved(prove(CHOI_LAM_Q >= 0), "sos", "(w^2 + x^2 + y^2 + z^2)^1", 6)


def test_am_gm_four_variables_is_sos():
    _assert_proved(prove(x**4 + y**4 + z**4 + w**4 - 4 * x * y * z * w >= 0), "sos", "1", 4)


def test_am_gm_three_variables_on_the_orthant_via_squares():
    r = prove(x**3 + y**3 + z**3 - 3 * x * y * z >= 0, domain=orthant([x, y, z]))
    _assert_proved(r, "sos (x = y^2)", "1", 6)
    assert r.certificate.substitution == "squares"


def test_schur_t1_on_the_orthant_needs_the_multiplier():
    r = prove(SCHUR >= 0, domain=orthant([x, y, z]))
    _assert_proved(r, "sos (x = y^2)", "(x + y + z)^1", 8)
    assert "not a sum of squares" in r.details["tried"][0]   # Schur(y^2) itself is not SoS


def test_horn_form_is_copositive():
    """x^T H x >= 0 on the orthant: H(y^2) (sum y_i^2) is SoS, H(y^2) itself is not."""
    r = prove(HORN >= 0, domain=orthant(XS))
    _assert_proved(r, "sos (x = y^2)", "(x1 + x2 + x3 + x4 + x5)^1", 6)
    assert _t_star(r.details["tried"][0]) < -0.03


def test_putinar_on_the_disk():
    r = prove(1 - x**4 - y**4 >= 0, domain=ball([x, y]))
    _assert_proved(r, "putinar", "1", 4)


def test_schmudgen_products_prove_what_putinar_cannot_at_low_degree():
    dom = box({x: (1, 2), y: (1, 2)})
    put = prove((x - 1) * (y - 1) >= 0, domain=dom, degree=4)
    assert isinstance(put, Undecided) and len(put.tried) == 2
    assert all(_t_star(t) < 0 for t in put.tried)
    _assert_proved(prove((x - 1) * (y - 1) >= 0, domain=dom, generators="schmudgen"),
                   "schmuedgen", "1", 2)
