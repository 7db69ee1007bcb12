"""Review of 2026-12-07 (second): what `specproof check` says beside VALID.

Each test failed before its fix: an equality constraint that matches a psd minor as an
inequality was not named among the file's extra assumptions, a 638-byte statement text
kept the text check expanding for minutes, and an empty domain written with coefficients
of 1329 bits read like the point x = 1 (every statement is VALID on an empty domain).
"""

from __future__ import annotations

import time
from fractions import Fraction as F

from specproof import lemmas as lm
from specproof.certificates.check_sos import check_sos
from specproof.certificates.sos_certificate import Block, SoSCertificate
from specproof.lemmas.recheck import statement_matches


def test_an_equality_beyond_the_matrix_kinds_is_named():
    P = lm.Matrix("P", 2, 2, kind="psd")
    proved = lm.prove("det(P) <= 0", variables=[P],
                      domain=lm.constraints("P_0_0*P_1_1 - P_0_1**2 == 0"))
    assert proved.verdict == "PROVED"
    ok, why = statement_matches(proved.certificate)
    assert ok
    # the psd kind implies the minor >= 0, not == 0: det(P) <= 0 is false for P = I
    assert "also assumes P_0_0*P_1_1 - P_0_1^2 == 0" in why


def test_the_psd_minor_itself_is_not_named():
    P = lm.Matrix("P", 2, 2, kind="psd")
    proved = lm.prove("P_0_1**2 <= P_0_0*P_1_1", variables=[P])
    ok, why = statement_matches(proved.certificate)
    assert ok and "also assumes" not in why


def test_a_text_too_big_to_expand_is_not_expanded():
    names = [f"x{i}" for i in range(8)]
    s1, s2 = "+".join(names), "+".join("2*" + v for v in names)
    # parses to x0**2, after expanding two 24th powers in 8 variables
    cert = SoSCertificate(text=f"({s1})**24 - ({s2})**24/2**24 + x0**2 >= 0",
                          variables=tuple(names), polynomial={(2,) + (0,) * 7: F(1)},
                          blocks=(Block((), ((1,) + (0,) * 7,), ((F(1),),)),))
    start = time.monotonic()
    ok, why = statement_matches(cert)
    assert not ok and "too big to expand" in why, why
    assert time.monotonic() - start < 60  # a behavioural bound: it ran for minutes


def test_a_domain_shown_by_coefficient_sizes_says_so():
    a = 10**400 + 1
    cert = SoSCertificate(
        text="x >= 2", variables=("x",), polynomial={(0,): F(-2), (1,): F(1)},
        inequalities=({(1,): F(a), (0,): F(-(a + 1))},   # x >= 1 + 1/a
                      {(0,): F(a), (3,): F(-a)}),          # x**3 <= 1: empty with the first
        blocks=(Block((), ((0,), (1,)), ((F(2), F(5, 2)), (F(5, 2), F(4)))),
                Block((0,), ((0,), (1,)), ((F(4), F(2)), (F(2), F(4)))),
                Block((1,), ((0,),), ((F(4),),))))
    res = check_sos(cert)
    assert res.ok  # vacuously: the identity and the Gram matrices are right
    assert "4 of its coefficients are shown by their size only" in res.message, res.message


def test_a_dict_holding_what_json_cannot_is_malformed_not_a_crash():
    cert = SoSCertificate(text="x**2 >= 0", variables=("x",), polynomial={(2,): F(1)},
                          blocks=(Block((), ((1,),), ((F(1),),)),))
    doc = cert.to_dict()
    assert check_sos(doc).ok
    doc["statement"]["note"] = {1, 2}  # a set: TypeError from the digest before
    res = check_sos(doc)
    assert not res.ok and res.code == "malformed"
