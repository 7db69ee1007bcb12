"""The SoS checker refuses a certificate whose domain its one-variable bounds show empty.

On an empty domain every p is "proved" (with ``g0 + g1 = -1``, ``p = sigma_0 + g0 s + g1 s``
for any p). The checker refused a constant empty constraint (``-1 >= 0``) but accepted
``{x - 5 >= 0, 4 - x >= 0}``, and a forged file for the false ``x >= 2`` on ``{a x - (a + 1)
>= 0, a - a x >= 0}`` (``a = 10^400 + 1``) was VALID, its domain shown as about ``x >= 1``
and ``x <= 1``: a reader saw the point x = 1, where x >= 2 is false.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates.check_sos import check_sos
from specproof.certificates.sos_certificate import Block, SoSCertificate
from specproof.certificates.sos_terms import EqualityTerm

ROOT = Path(__file__).resolve().parents[2]


def _x_ge_2_on(inequalities, equalities=(), equality_terms=()):
    # x - 2 = (x^2 + x + 1) - (x^2 + 3): valid whenever g0 + g1 = -1 (each g times x^2 + 3)
    s = ((F(3), F(0)), (F(0), F(1)))
    blocks = (Block((), ((0,), (1,)), ((F(1), F(1, 2)), (F(1, 2), F(1)))),
              Block((0,), ((0,), (1,)), s), Block((1,), ((0,), (1,)), s))
    return SoSCertificate(text="x >= 2", variables=("x",),
                          polynomial={(0,): F(-2), (1,): F(1)},
                          inequalities=tuple(inequalities), equalities=tuple(equalities),
                          blocks=blocks[: 1 + len(inequalities)],
                          equality_terms=tuple(equality_terms))


def test_the_hidden_empty_domain_forgery_is_invalid():
    a = 10**400 + 1
    cert = _x_ge_2_on([{(0,): F(-(a + 1)), (1,): F(a)}, {(0,): F(a), (1,): F(-a)}])
    res = check_sos(cert)
    assert not res.ok and res.code == "bad_generator"
    assert "domain inequalities 0 and 1 say x >=" in res.reason
    assert "so the domain is empty and the certificate would prove anything" in res.reason


def test_a_plain_empty_box_is_invalid_and_the_cli_says_so(tmp_path):
    cert = _x_ge_2_on([{(0,): F(-5), (1,): F(1)}, {(0,): F(4), (1,): F(-1)}])
    res = check_sos(cert)
    assert not res.ok
    assert res.reason.startswith("domain inequalities 0 and 1 say x >= 5 and x <= 4, and 5 > "
                                 "4 (by 1)")
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(cert.to_dict()))
    out = subprocess.run([sys.executable, "-m", "specproof", "check", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stdout.startswith("INVALID: domain inequalities 0 and 1 say x >= 5 and x <= 4")


def test_contradictory_equalities_and_an_equality_outside_a_bound_are_invalid():
    # x - 2 = (x^2 + x + 1) - (x^2 + 3) with the equality terms carrying -(x^2 + 3): here
    # only the domain test matters, the identity need not hold for the verdict
    two = check_sos(_x_ge_2_on([], [{(0,): F(-1), (1,): F(1)}, {(0,): F(-2), (1,): F(1)}],
                               [EqualityTerm(0, {(0,): F(0)})]))
    assert not two.ok and "domain equalities 0 and 1 fix x to 1 and 2" in two.reason
    out = check_sos(_x_ge_2_on([{(0,): F(2), (1,): F(-1)}], [{(0,): F(-3), (1,): F(1)}]))
    assert not out.ok
    assert "domain equality 0 fixes x = 3, which breaks domain inequality 0" in out.reason


def test_a_one_point_domain_is_not_called_empty():
    # x >= 1 and x <= 1: the point x = 1, where x >= 2 is false; the identity needs
    # g0 + g1 = -1, which fails here, so the file is refused for its identity instead
    res = check_sos(_x_ge_2_on([{(0,): F(-1), (1,): F(1)}, {(0,): F(1), (1,): F(-1)}]))
    assert not res.ok and res.code == "identity_mismatch"


def test_a_real_certificate_on_a_box_stays_valid(tmp_path):
    from specproof import lemmas as lm

    proof = lm.prove("x*y >= -1", domain=lm.box(x=(0, 1), y=(0, 1)))
    path = tmp_path / "c.json"
    proof.save(path)
    res = check_sos(path)
    assert res.ok, res.reason


@settings(max_examples=60, deadline=None)
@given(st.fractions(-100, 100), st.fractions(-100, 100))
def test_bounds_are_called_contradictory_exactly_when_low_exceeds_high(lo, hi):
    cert = _x_ge_2_on([{(0,): -lo, (1,): F(1)}, {(0,): hi, (1,): F(-1)}])
    res = check_sos(cert)
    flagged = "so the domain is empty" in (res.reason or "")
    assert flagged == (lo > hi)


def _square_sum(names):
    n = len(names)
    unit = [tuple(int(i == j) for i in range(n)) for j in range(n)]
    gram = tuple(tuple(F(int(i == j)) for i in range(n)) for j in range(n))
    text = " + ".join(f"{v}**2" for v in names) + " >= 0"
    return SoSCertificate(text=text, variables=tuple(names),
                          polynomial={tuple(2 * e for e in u): F(1) for u in unit},
                          blocks=(Block((), tuple(unit), gram),))


def test_variables_named_like_constants_are_called_variables():
    # "VALID: I**2 >= 0" reads as -1 >= 0 to anyone who takes I for the imaginary unit
    one = check_sos(_square_sum(["I"]))
    assert one.ok and "(I is a real variable here, not the constant of that name)" in (
        one.verdict_line)
    two = check_sos(_square_sum(["E", "x", "pi"]))
    assert two.ok and "(E, pi are real variables here, not the constants of those names)" in (
        two.verdict_line)
    plain = check_sos(_square_sum(["x", "y"]))
    assert plain.ok and "real variable" not in plain.verdict_line
