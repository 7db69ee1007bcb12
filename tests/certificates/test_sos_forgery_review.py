"""Adversarial review of the general SoS checker (issue 15): hand-forged
``specproof.sos-certificate/1`` files that must not check, each kept as a test.

Every forged file below is *internally consistent* where that is possible (the hash is
recomputed, the identity holds): what makes it false is a side condition, the text, or
the cost of checking it.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from fractions import Fraction as F

import pytest

from specproof.certificates import check, check_sos
from specproof.certificates.sos_certificate import Block, EqualityTerm, SoSCertificate
from specproof.cli import main
from specproof.lemmas.recheck import statement_matches


def _gram(rows) -> tuple[tuple[F, ...], ...]:
    return tuple(tuple(F(x) for x in r) for r in rows)


def _save(cert: SoSCertificate, tmp_path, name: str = "c.json") -> str:
    path = tmp_path / name
    cert.save(path)
    return str(path)


def _check_cli(path: str, capsys) -> tuple[int, str]:
    status = main(["check", path, "--exact"])
    return status, capsys.readouterr().out.strip()


# x**2 + 1 = (1)^2 + (x)^2: an honest certificate of x**2 + 1 >= 0
SQUARE = dict(variables=("x",), polynomial={(2,): F(1), (0,): F(1)},
              blocks=(Block((), ((0,), (1,)), _gram([[1, 0], [0, 1]])),))


def test_honest_file_checks_and_says_so(tmp_path, capsys):
    status, out = _check_cli(_save(SoSCertificate(text="x**2 + 1 >= 0", **SQUARE), tmp_path),
                             capsys)
    assert status == 0 and out.startswith("VALID: x**2 + 1 >= 0")


def test_equality_text_on_an_inequality_proof_is_refused(tmp_path, capsys):
    # the file proves x**2 + 1 >= 0; its text says x**2 + 1 == 0, which is false everywhere.
    # Before the review `specproof check` printed "VALID: x**2 + 1 == 0".
    cert = SoSCertificate(text="x**2 + 1 == 0", **SQUARE)
    # the checker itself (certificates.check, no parser) refuses a text that states '=='
    res = check_sos(cert)
    assert not res.ok and res.code == "statement_mismatch" and "identity" in res.reason
    assert check_sos(SoSCertificate(text="x**2 + 1", **SQUARE)).code == "statement_mismatch"
    assert check_sos(SoSCertificate(text="x**2 + 1 \u2265 0", **SQUARE)).ok
    same, why = statement_matches(cert)
    assert not same and "'=='" in why
    status, out = _check_cli(_save(cert, tmp_path), capsys)
    assert status == 1 and out.startswith("INVALID") and "'=='" in out


def test_reversed_text_is_refused(tmp_path, capsys):
    cert = SoSCertificate(text="x**2 + 1 <= 0", **SQUARE)
    status, out = _check_cli(_save(cert, tmp_path), capsys)
    assert status == 1 and "does not parse to the certified polynomial" in out


@pytest.mark.parametrize("constant", ["-1", "-1/1000000000000000000000000000000"])
def test_empty_domain_proves_nothing(constant, tmp_path, capsys):
    # on {-1 >= 0} every p is sigma_0 - sigma_1: here x - 1 = (1 + x/2)^2 - (2 + x^2/4)
    c = F(constant)
    cert = SoSCertificate(
        text="x - 1 >= 0", variables=("x",), polynomial={(1,): F(1), (0,): F(-1)},
        inequalities=({(0,): c},),
        blocks=(Block((), ((0,), (1,)), _gram([[1, F(1, 2)], [F(1, 2), F(1, 4)]])),
                Block((0,), ((0,), (1,)), _gram([[-2 / c, 0], [0, F(-1, 4) / c]]))))
    res = check_sos(cert)
    assert not res.ok and res.code == "bad_generator" and "empty" in res.reason
    status, out = _check_cli(_save(cert, tmp_path), capsys)
    assert status == 1


def test_nonzero_constant_equality_is_an_empty_domain():
    # on {1 = 0}: x - 1 = sigma + 1 * tau with tau = x - 1 - sigma
    cert = SoSCertificate(
        text="x - 1 >= 0", variables=("x",), polynomial={(1,): F(1), (0,): F(-1)},
        equalities=({(0,): F(1)},), blocks=(Block((), ((0,),), _gram([[0]])),),
        equality_terms=(EqualityTerm(0, {(1,): F(1), (0,): F(-1)}),))
    res = check_sos(cert)
    assert not res.ok and res.code == "bad_generator"


def test_domain_added_is_shown_in_full(tmp_path, capsys):
    # x - 1 >= 0 is false on R; with a domain {x - 2 = 0} hidden behind six harmless
    # constraints it is true. The verdict line must show the seventh constraint.
    harmless = tuple({(2,): F(1), (0,): F(k)} for k in range(1, 7))  # x^2 + k >= 0
    cert = SoSCertificate(
        text="x - 1 >= 0", variables=("x",), polynomial={(1,): F(1), (0,): F(-1)},
        inequalities=harmless, equalities=({(1,): F(1), (0,): F(-2)},),
        blocks=(Block((), ((0,),), _gram([[1]])),),
        equality_terms=(EqualityTerm(0, {(0,): F(1)}),))
    status, out = _check_cli(_save(cert, tmp_path), capsys)
    assert status == 0
    assert "6 + x^2 >= 0; -2 + x = 0}" in out and "..." not in out


def test_orthant_proof_claimed_for_all_of_r_n_is_refused():
    # x*y >= 0 is proved on the orthant by x = y^2; drop the orthant from the domain
    cert = SoSCertificate(text="x*y >= 0", variables=("x", "y"), polynomial={(1, 1): F(1)},
                          substitution="squares",
                          blocks=(Block((), ((1, 1),), _gram([[1]])),))
    res = check_sos(cert)
    assert not res.ok and res.code == "bad_generator"
    # with only one coordinate kept
    half = SoSCertificate(text="x*y >= 0", variables=("x", "y"), polynomial={(1, 1): F(1)},
                          inequalities=({(1, 0): F(1)},), substitution="squares",
                          blocks=(Block((), ((1, 1),), _gram([[1]])),))
    assert check_sos(half).code == "bad_generator"
    # a weakened coordinate (2x >= 0 is the same set, but the checker only takes x_i)
    doubled = SoSCertificate(text="x*y >= 0", variables=("x", "y"), polynomial={(1, 1): F(1)},
                             inequalities=({(1, 0): F(2)}, {(0, 1): F(1)}),
                             substitution="squares",
                             blocks=(Block((), ((1, 1),), _gram([[1]])),))
    assert check_sos(doubled).code == "bad_generator"


def test_vanishing_multiplier_on_a_domain_is_refused():
    # (x^2) * (x - 1/2) ... m = (sum x^2)^1 with c = 0 vanishes at 0; on a domain that is
    # refused even when the identity holds
    p = {(2,): F(1)}  # x^2 >= 0, m p = x^4 = (x^2)^2
    cert = SoSCertificate(text="x**2 >= 0", variables=("x",), polynomial=p,
                          inequalities=({(0,): F(1), (1,): F(1)},), multiplier_power=1,
                          blocks=(Block((), ((2,),), _gram([[1]])),))
    assert check_sos(cert).code == "bad_multiplier"
    honest = SoSCertificate(text="x**2 >= 0", variables=("x",), polynomial=p,
                            multiplier_power=1, blocks=(Block((), ((2,),), _gram([[1]])),))
    assert check_sos(honest).ok  # on all of R the c = 0 multiplier is sound (continuity)


def test_negative_multiplier_constant_is_malformed():
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["multiplier"] = {"constant": "-1", "power": 1}
    assert check_sos(doc).code == "malformed"


def test_gram_psd_but_identity_off_by_a_tiny_term():
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["blocks"][0]["gram"][0][0] = "1" + "0" * 300 + "1/1" + "0" * 300
    assert check_sos(doc).code in ("identity_mismatch", "statement_mismatch")


def test_renamed_and_duplicated_variables(tmp_path, capsys):
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    dup = copy.deepcopy(doc)
    dup["statement"]["variables"] = ["x", "x"]
    assert check_sos(dup).code == "malformed"
    renamed = SoSCertificate(text="x**2 + 1 >= 0", **{**SQUARE, "variables": ("y",)})
    assert check_sos(renamed).ok
    status, out = _check_cli(_save(renamed, tmp_path), capsys)
    assert status == 1 and "variables" in out


def test_symmetric_kind_is_named_in_the_verdict(tmp_path, capsys):
    # det(S) <= trace(S)^2/4 holds for symmetric S only: the kind must be visible
    from specproof import lemmas as lm

    S = lm.Matrix("S", 2, 2, kind="symmetric")
    r = lm.prove(lm.det(S) <= lm.trace(S) ** 2 / 4)
    assert r.verdict == "PROVED"
    path = tmp_path / "s.json"
    r.save(path)
    status, out = _check_cli(str(path), capsys)
    assert status == 0 and "S is 2x2 symmetric" in out


@pytest.mark.parametrize("bad", ['{"schema": "specproof.sos-certificate/1", "a": 1, "a": 2}',
                                 "NaN", "Infinity", '{"x": 1e400}', "[" * 5000])
def test_strict_json(bad, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(bad.replace("NaN", '{"schema": "specproof.sos-certificate/1", "v": NaN}')
                    .replace("Infinity", '{"schema": "specproof.sos-certificate/1", '
                                         '"v": Infinity}'))
    assert not check(str(path)).ok


@pytest.mark.parametrize("value", ["1/0", "NaN", "Infinity", "1e400", "0x10", "1_0", " 1",
                                   "1/-2", "", "+-1"])
def test_bad_rational_strings(value):
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["blocks"][0]["gram"][1][1] = value
    assert check_sos(doc).code == "malformed"


def test_generator_product_work_bomb_is_refused_quickly():
    # a 1500-term generator squared: 2.25e6 coefficient products, refused before it runs
    g = {e: F(1) for e in itertools.product(range(20), repeat=3) if sum(e) <= 19}
    assert len(g) >= 1500
    cert = SoSCertificate(text="x >= 0", variables=("x", "y", "z"), polynomial={(1, 0, 0): F(1)},
                          inequalities=(g,), blocks=(Block((0,) * 8, ((0, 0, 0),), _gram([[1]])),))
    t0 = time.perf_counter()
    res = check_sos(cert)
    assert not res.ok and res.code == "malformed" and "coefficient products" in res.reason
    assert time.perf_counter() - t0 < 60  # a bound a hang would miss by hours, not a timing


def test_multiplier_power_bomb_is_refused():
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["multiplier"] = {"constant": "1", "power": 10**6}
    assert check_sos(doc).code == "malformed"
    many = SoSCertificate(text="v >= 0", variables=tuple(f"v{i}" for i in range(60)),
                          polynomial={}, blocks=()).to_dict()
    many["multiplier"] = {"constant": "1", "power": 16}
    assert check_sos(many).code == "malformed"


def test_huge_exponent_is_malformed():
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["blocks"][0]["basis"][1] = [10**9]
    assert check_sos(doc).code == "malformed"


def test_text_with_a_different_polynomial_but_the_right_hash(tmp_path, capsys):
    doc = SoSCertificate(text="x**2 + 1 >= 0", **SQUARE).to_dict()
    doc["statement"]["text"] = "x**2 + 1 >= 0.5"
    from specproof.certificates.sos_certificate import statement_digest

    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    status, out = _check_cli(str(path), capsys)
    assert status == 1 and "coefficient of 1 is 1/2 in the text, 1 in the file" in out
