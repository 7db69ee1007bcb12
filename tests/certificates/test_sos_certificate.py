"""The general SoS certificate format and its exact checker: honest files are accepted,
``check`` and ``specproof check`` dispatch on the schema, and a 2->q certificate is the
special case ``p = C||v||^q - sum <x_i,v>^q`` of the general format."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F

import pytest

from specproof.certificates import boolean_cube_certificate, check, check_sos, relax
from specproof.certificates.sos_certificate import (
    SOS_SCHEMA,
    Block,
    EqualityTerm,
    SoSCertificate,
    from_two_to_q,
    statement_digest,
)

ONE = F(1)


def square_cert() -> SoSCertificate:
    """(x - y)^2 >= 0 with G = [[1, -1], [-1, 1]] on (x, y) (singular: x = y is a zero)."""
    return SoSCertificate(
        text="x**2 - 2*x*y + y**2 >= 0", variables=("x", "y"),
        polynomial={(2, 0): ONE, (1, 1): F(-2), (0, 2): ONE},
        blocks=(Block((), ((1, 0), (0, 1)), ((ONE, -ONE), (-ONE, ONE))),))


def test_square_accepted_with_its_reason():
    res = check_sos(square_cert())
    assert res.ok and res.code == "ok" and res.exact
    assert res.details["monomials_checked"] == 3 and res.details["ranks"] == [1]
    assert "certified exactly on all of R^n" in res.verdict_line


def test_round_trip_through_a_file_and_check_dispatch(tmp_path):
    path = square_cert().save(tmp_path / "sq.json")
    doc = json.loads(path.read_text())
    assert doc["schema"] == SOS_SCHEMA
    assert doc["statement"]["sha256"] == statement_digest(doc["statement"])
    assert doc["statement"]["polynomial"] == [[[0, 2], "1"], [[1, 1], "-2"], [[2, 0], "1"]]
    for exact in (True, False):  # the format has one checker, the exact one
        res = check(str(path), exact=exact)
        assert res.ok and res.exact and type(res).__name__ == "SoSCheckResult"
    loaded = SoSCertificate.load(path)
    assert loaded.polynomial == square_cert().polynomial and loaded.blocks == square_cert().blocks


def test_putinar_certificate_on_the_disk():
    # 1 - x^4 - y^4 = 2 x^2 y^2 + (1 + x^2 + y^2)(1 - x^2 - y^2) on {1 - x^2 - y^2 >= 0}
    g = {(0, 0): ONE, (2, 0): -ONE, (0, 2): -ONE}
    cert = SoSCertificate(
        text="1 - x**4 - y**4 >= 0", variables=("x", "y"),
        polynomial={(0, 0): ONE, (4, 0): -ONE, (0, 4): -ONE}, inequalities=(g,),
        blocks=(Block((), ((1, 1),), ((F(2),),)),
                Block((0,), ((0, 0), (1, 0), (0, 1)),
                      ((ONE, 0, 0), (0, ONE, 0), (0, 0, ONE)))))
    res = check_sos(cert)
    assert res.ok and "on the domain {1 - x^2 - y^2 >= 0}" in res.verdict_line
    # the same identity without the domain proves nothing: the generator must exist
    doc = cert.to_dict()
    doc["statement"]["domain"]["inequalities"] = []
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    assert check_sos(doc).code == "malformed"


def test_equality_multiplier_on_the_circle():
    # x^2 + y^2 - 1/2 >= 0 on x^2 + y^2 = 1:  p = 1/2 + (x^2 + y^2 - 1) * 1
    h = {(2, 0): ONE, (0, 2): ONE, (0, 0): -ONE}
    cert = SoSCertificate(
        text="x**2 + y**2 - 1/2 >= 0", variables=("x", "y"),
        polynomial={(2, 0): ONE, (0, 2): ONE, (0, 0): F(-1, 2)}, equalities=(h,),
        blocks=(Block((), ((0, 0),), ((F(1, 2),),)),),
        equality_terms=(EqualityTerm(0, {(0, 0): ONE}),))
    assert check_sos(cert).ok


def test_two_to_q_is_the_special_case():
    """The 2->q certificate converts, and the general checker agrees with the 2->q one."""
    cube = boolean_cube_certificate(3)
    general = from_two_to_q(cube)
    assert check(cube, exact=True).ok and check_sos(general).ok
    assert general.polynomial[(4, 0, 0)] == cube.C - 8  # C v1^4 - sum_i x_i1^4 (8 rows of +-1)
    looser = from_two_to_q(relax(cube, F(1, 10)))
    assert check_sos(looser).ok
    # a C below the true norm: the identity no longer holds with the cube's G
    doc = general.to_dict()
    doc["statement"]["polynomial"] = [[e, "0" if e == [4, 0, 0] else c]
                                      for e, c in doc["statement"]["polynomial"]]
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    assert check_sos(doc).code == "identity_mismatch"


def test_a_certify_output_converts_and_checks():
    import numpy as np

    from specproof.certificates import certify

    X = np.random.default_rng(0).standard_normal((8, 3))
    cert = certify(X, q=4, exact=True, data_bits=12)
    general = from_two_to_q(cert)
    res = check_sos(general)
    assert res.ok and res.details["blocks"] == [len(cert.basis)]
    doc = general.to_dict()
    g = doc["blocks"][0]["gram"]
    g[0][0] = str(F(g[0][0]) - F(1, 2**60))            # C lowered through G: caught
    assert check_sos(doc).code == "identity_mismatch"


def test_cli_check_exact_valid_and_forged(tmp_path):
    from specproof.lemmas.prove import prove

    proved = prove("x**2 - 2*x*y + y**2 >= 0")
    good = proved.save(tmp_path / "good.json")
    run = [sys.executable, "-m", "specproof", "check"]
    out = subprocess.run(run + [str(good), "--exact"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("VALID: x**2 - 2*x*y + y**2 >= 0")
    assert "the statement text parses to the certified polynomial" in out.stdout
    doc = json.loads(good.read_text())
    doc["statement"]["text"] = "x**2 - 2*x*y + y**2 >= 1"   # claims more, hash recomputed
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    out = subprocess.run(run + [str(bad), "--exact", "--json"], capture_output=True, text=True)
    verdict = json.loads(out.stdout)
    assert out.returncode == 1 and not verdict["valid"]
    assert verdict["code"] == "statement_mismatch"
    assert "does not parse to the certified polynomial" in verdict["reason"]
    junk = tmp_path / "junk.json"
    junk.write_text('{"schema": "specproof.sos-certificate/1", "statement": 3}')
    out = subprocess.run(run + [str(junk)], capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout.startswith("INVALID: malformed certificate")


@pytest.mark.parametrize("field, value, words", [
    ("substitution", "cubes", "substitution must be one of"),
    ("multiplier", {"constant": "-1", "power": 1}, "multiplier.constant must be >= 0"),
    ("multiplier", {"constant": "1", "power": 99}, "multiplier.power must be an integer"),
    ("blocks", [{"generator": [0], "basis": [[1, 0]], "gram": [["1"]]}],
     "generator must be a list of at most 8 indices"),
])
def test_structural_errors_name_the_field(field, value, words):
    doc = square_cert().to_dict()
    doc[field] = value
    res = check_sos(doc)
    assert res.code == "malformed" and words in res.reason
