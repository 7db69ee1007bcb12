"""Forged general SoS (lemma) certificates are rejected at every magnitude.

Each attempt to make :func:`specproof.certificates.check_sos` accept something false is
kept as a test: a constant lowered by one ulp, a Gram matrix with an eigenvalue at
``-1e-17`` relative (with the identity made to hold exactly: the most convincing
forgery), a basis that cannot represent a monomial, subnormal and huge data, a statement
edited after the certificate was made, a swapped multiplier, a non-symmetric Gram matrix,
a wrong variable order, floats where rationals belong; and a hypothesis search over
random perturbations of a valid file.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates import check_sos
from specproof.certificates.sos_certificate import Block, SoSCertificate, statement_digest

ONE = F(1)
ULP = F(1, 2**53)  # 1 - 2^-53 is the float just below 1
MAGNITUDES = [F(1, 2**1074), F(1, 10**300), ONE, F(10**300), F(2**990)]


def resign(doc: dict) -> dict:
    """What a forger does after editing the statement: recompute its hash."""
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    return doc


def square_doc(scale: F = ONE, eps: F = F(0)) -> dict:
    """``s((1-eps)x^2 - 2xy + (1-eps)y^2) >= 0`` with the Gram matrix that matches it
    exactly: honest for eps = 0, false (at x = y) with lambda_min = -eps s for eps > 0."""
    a = scale * (1 - eps)
    cert = SoSCertificate(
        text="x**2 - 2*x*y + y**2 >= 0", variables=("x", "y"),
        polynomial={(2, 0): a, (1, 1): -2 * scale, (0, 2): a},
        blocks=(Block((), ((1, 0), (0, 1)), ((a, -scale), (-scale, a))),))
    return cert.to_dict()


@pytest.fixture(scope="module")
def motzkin_doc() -> dict:
    from specproof.lemmas.prove import prove

    proved = prove("x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0")
    assert proved.multiplier == "(1 + x^2 + y^2)^1"
    return proved.certificate.to_dict()


def _set_coefficient(doc: dict, exponent: list[int], value: str) -> None:
    for term in doc["statement"]["polynomial"]:
        if term[0] == exponent:
            term[1] = value
            return
    doc["statement"]["polynomial"].append([exponent, value])


# ------------------------------------------------------------------ a constant 1 ulp low
def test_motzkin_honest_file_is_accepted(motzkin_doc):
    assert check_sos(copy.deepcopy(motzkin_doc)).ok


def test_constant_lowered_by_one_ulp(motzkin_doc):
    doc = copy.deepcopy(motzkin_doc)
    _set_coefficient(doc, [0, 0], str(ONE - ULP))     # p(1, 1) = -2^-53 < 0: false
    assert check_sos(doc).code == "statement_mismatch"  # the hash still names the old one
    res = check_sos(resign(doc))
    assert res.code == "identity_mismatch" and "the constant term" in res.reason


def test_gram_entry_lowered_by_one_ulp(motzkin_doc):
    doc = copy.deepcopy(motzkin_doc)
    g = doc["blocks"][0]["gram"]
    g[0][0] = str(F(g[0][0]) * (1 - ULP))
    assert check_sos(doc).code == "identity_mismatch"


# ------------------------------------------ an eigenvalue at -1e-17, at every magnitude
@pytest.mark.parametrize("scale", MAGNITUDES, ids=["2^-1074", "1e-300", "1", "1e300", "2^990"])
def test_negative_eigenvalue_1e_17_relative_at_every_magnitude(scale):
    honest = square_doc(scale)
    assert check_sos(honest).ok
    forged = resign(square_doc(scale, eps=F(1, 10**17)))  # identity holds exactly
    res = check_sos(forged)
    assert res.code == "not_psd" and "not PSD" in res.reason


@pytest.mark.parametrize("scale", MAGNITUDES, ids=["2^-1074", "1e-300", "1", "1e300", "2^990"])
def test_false_constant_at_every_magnitude(scale):
    doc = square_doc(scale)
    doc["statement"]["polynomial"].append([[0, 0], str(-scale / 10**30)])  # p(1,1) < 0
    res = check_sos(resign(doc))
    assert res.code == "identity_mismatch"


# ------------------------------------------------------------- unrepresentable monomial
def test_basis_cannot_represent_a_monomial():
    doc = square_doc()
    doc["statement"]["polynomial"].append([[3, 0], "1"])  # (x-y)^2 + x^3: false at x = -2
    res = check_sos(resign(doc))
    assert res.code == "identity_mismatch" and "x^3" in res.reason


def test_basis_row_removed(motzkin_doc):
    doc = copy.deepcopy(motzkin_doc)
    block = doc["blocks"][-1]
    block["basis"] = block["basis"][1:]
    block["gram"] = [row[1:] for row in block["gram"][1:]]
    assert check_sos(doc).code == "identity_mismatch"


# ----------------------------------------------------------------------------- subnormal
def test_subnormal_gram_perturbation():
    doc = square_doc()
    tiny = F(1, 2**1074)
    doc["blocks"][0]["gram"][0][1] = doc["blocks"][0]["gram"][1][0] = str(-1 + tiny)
    assert check_sos(doc).code == "identity_mismatch"


def test_subnormal_negative_constant():
    doc = square_doc()
    doc["statement"]["polynomial"].append([[0, 0], str(-F(1, 2**1074))])
    assert check_sos(resign(doc)).code == "identity_mismatch"


def test_subnormal_written_as_a_decimal_is_refused():
    doc = square_doc()
    doc["blocks"][0]["gram"][0][0] = "4.9e-324"
    res = check_sos(doc)
    assert res.code == "malformed" and "rational string" in res.reason


# ---------------------------------------------------------- statement changed afterwards
@pytest.mark.parametrize("edit", ["text", "polynomial", "domain", "variables"])
def test_statement_changed_after_signing(edit):
    doc = square_doc()
    st_ = doc["statement"]
    if edit == "text":
        st_["text"] = "x**2 - 2*x*y + y**2 >= 1"
    elif edit == "polynomial":
        st_["polynomial"][0][1] = "1/2"
    elif edit == "domain":
        st_["domain"]["inequalities"].append([[[0, 0], "-1"]])
    else:
        st_["variables"] = ["y", "x"]
    res = check_sos(doc)
    assert res.code == "statement_mismatch" and "changed after" in res.reason


def test_text_edited_and_rehashed_is_caught_by_the_text_check():
    """The exact checker proves p >= 0 for the file's p; the text beside it is re-parsed
    (what ``specproof check`` does) so an edited, rehashed text cannot ride along."""
    from specproof.lemmas.recheck import statement_matches

    doc = resign(square_doc())
    doc["statement"]["text"] = "x**2 - 2*x*y + y**2 >= 1"
    cert = SoSCertificate.from_dict(resign(doc))
    assert check_sos(cert).ok                         # p itself is still proved ...
    ok, why = statement_matches(cert)                 # ... but the text says otherwise
    assert not ok and "does not parse to the certified polynomial" in why


# ---------------------------------------------------------------------- wrong variables
def _weighted() -> dict:
    """x^2 + 2 y^2 >= 0 (not symmetric in x, y)."""
    return SoSCertificate(text="x**2 + 2*y**2 >= 0", variables=("x", "y"),
                          polynomial={(2, 0): ONE, (0, 2): F(2)},
                          blocks=(Block((), ((1, 0), (0, 1)), ((ONE, 0), (0, F(2)))),)
                          ).to_dict()


def test_wrong_variable_order():
    from specproof.lemmas.recheck import statement_matches

    doc = _weighted()
    doc["statement"]["variables"] = ["y", "x"]      # now the file's p reads y^2 + 2x^2
    cert = SoSCertificate.from_dict(resign(doc))
    ok, why = statement_matches(cert)
    assert not ok and "variable order" in why
    doc = _weighted()                                # exponents of p permuted, Gram kept
    doc["statement"]["polynomial"] = [[e[::-1], c] for e, c in doc["statement"]["polynomial"]]
    assert check_sos(resign(doc)).code == "identity_mismatch"


# --------------------------------------------------------------------- swapped multiplier
@pytest.mark.parametrize("multiplier", [{"constant": "1", "power": 2},
                                        {"constant": "0", "power": 1},
                                        {"constant": "2", "power": 1},
                                        {"constant": "1", "power": 0}])
def test_multiplier_swapped(motzkin_doc, multiplier):
    doc = copy.deepcopy(motzkin_doc)
    doc["multiplier"] = multiplier
    assert check_sos(doc).code == "identity_mismatch"


def test_vanishing_multiplier_refused_on_a_domain():
    # x >= 1 is false at x = 0 of {x^2 <= 1}... with m = x^2: m (x - 1) = ... never an
    # identity here, but the side condition is checked first and names the problem
    cert = SoSCertificate(text="x - 1 >= 0", variables=("x",),
                          polynomial={(1,): ONE, (0,): -ONE},
                          inequalities=({(0,): ONE, (2,): -ONE},),
                          multiplier_constant=F(0), multiplier_power=1)
    res = check_sos(cert)
    assert res.code == "bad_multiplier" and "vanishes at the origin" in res.reason


def test_substitution_needs_the_orthant():
    doc = square_doc()
    doc["substitution"] = "squares"
    res = check_sos(resign(doc))
    assert res.code == "bad_generator" and "x_i >= 0" in res.reason


# ------------------------------------------------------------------------ not symmetric
def test_gram_not_symmetric_with_the_identity_intact():
    doc = square_doc()
    doc["blocks"][0]["gram"][0][1] = "-1/2"
    doc["blocks"][0]["gram"][1][0] = "-3/2"          # the xy coefficient is still -2
    res = check_sos(doc)
    assert res.code == "not_symmetric"


# ------------------------------------------------------------------------- wrong types
@pytest.mark.parametrize("where, value", [("gram", 1.0), ("gram", 1), ("poly", 0.5),
                                          ("poly", None), ("gram", "1/0")])
def test_float_or_junk_instead_of_a_rational_string(where, value):
    doc = square_doc()
    if where == "gram":
        doc["blocks"][0]["gram"][0][0] = value
    else:
        doc["statement"]["polynomial"][0][1] = value
    assert check_sos(doc).code == "malformed"


def test_work_bombs_are_refused_before_expanding():
    doc = square_doc()
    doc["statement"]["variables"] = [f"v{i}" for i in range(300)]
    doc["statement"]["polynomial"] = [[[2] + [0] * 299, "1"]]
    doc["blocks"] = [{"generator": [], "basis": [[1] + [0] * 299], "gram": [["1"]]}]
    doc["multiplier"] = {"constant": "1", "power": 16}   # C(316, 16) ~ 1e26 terms
    res = check_sos(resign(doc))
    assert res.code == "malformed" and "too large to expand" in res.reason
    doc = square_doc()
    doc["statement"]["domain"]["inequalities"] = [[[[0, 0], "1"]]]
    doc["blocks"][0]["generator"] = [0] * 50               # g^50
    res = check_sos(resign(doc))
    assert res.code == "malformed" and "at most 8 indices" in res.reason


def test_strict_json(tmp_path):
    text = json.dumps(square_doc())
    dup = text.replace('"substitution": "none"', '"substitution": "none", "substitution": "none"')
    for body in (dup, text.replace('"1"', "NaN", 1), text[: len(text) // 2]):
        path = tmp_path / "f.json"
        path.write_text(body)
        assert check_sos(path).code == "malformed"


# ---------------------------------------------------------------- random perturbations
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_perturbations_are_never_accepted(motzkin_doc, data):
    doc = copy.deepcopy(motzkin_doc)
    kind = data.draw(st.sampled_from(["gram", "poly", "swap", "basis"]))
    sign = data.draw(st.sampled_from([1, -1]))
    delta = sign * F(1, 2 ** data.draw(st.integers(0, 1100)))
    if kind == "gram":
        b = data.draw(st.integers(0, len(doc["blocks"]) - 1))
        g = doc["blocks"][b]["gram"]
        i = data.draw(st.integers(0, len(g) - 1))
        j = data.draw(st.integers(0, len(g) - 1))
        g[i][j] = str(F(g[i][j]) + delta)
        if i != j:
            g[j][i] = str(F(g[j][i]) + delta)
    elif kind == "poly":
        terms = doc["statement"]["polynomial"]
        t = data.draw(st.integers(0, len(terms) - 1))
        terms[t][1] = str(F(terms[t][1]) + delta)
        resign(doc)
    elif kind == "swap":
        b = data.draw(st.integers(0, len(doc["blocks"]) - 1))
        basis = doc["blocks"][b]["basis"]
        if len(basis) < 2:
            basis[0] = [basis[0][0] + 1, basis[0][1]]
        else:
            basis[0], basis[1] = basis[1], basis[0]
            if doc["blocks"][b]["gram"][0][0] == doc["blocks"][b]["gram"][1][1]:
                basis[0] = [basis[0][0] + 2, basis[0][1]]
    else:
        b = data.draw(st.integers(0, len(doc["blocks"]) - 1))
        doc["blocks"][b]["basis"][0] = [e + 1 for e in doc["blocks"][b]["basis"][0]]
    assert not check_sos(doc).ok
