"""Certificate files and their two checkers: round trips, tampering, known values."""

from __future__ import annotations

import json
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specproof.certificates import (
    Certificate,
    CertificateFormatError,
    CertificationError,
    boolean_cube_certificate,
    certify,
    check,
    identity_certificate,
    relax,
)
from specproof.certificates.certify import project_gram
from specproof.certificates.polynomial import target_coefficients

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def cube3():
    return boolean_cube_certificate(3)


@pytest.fixture(scope="module")
def solved():
    """An exact certificate from the full Peyrl-Parrilo pipeline (d = 3, n = 7)."""
    X = np.random.default_rng(5).standard_normal((7, 3))
    return certify(X, q=4, exact=True, data_bits=8)


@pytest.fixture(scope="module")
def solved_numeric():
    X = np.random.default_rng(6).standard_normal((8, 3))
    return certify(X, q=4, exact=False)


def _doc(cert: Certificate) -> dict:
    return json.loads(json.dumps(cert.to_dict()))


def _from(doc: dict) -> Certificate:
    return Certificate.from_dict(doc)


def _write(tmp_path, doc_or_text, name="c.json"):
    p = tmp_path / name
    p.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
    return str(p)


# ------------------------------------------------------------------ valid certificates


def test_cube_certificate_is_accepted_exactly_and_is_tight(cube3):
    res = check(cube3, exact=True)
    assert res.ok, res.reason
    assert cube3.C == Fraction(8) * (3 - Fraction(2, 3))
    # the Laplacian block has rank m - 1 = 2: every other pivot is zero
    assert res.details["ldl"]["rank"] == 2
    # tight: lambda_min(G) = 0, so the float checker cannot absorb any residual
    assert not check(cube3).ok


@pytest.mark.parametrize("m", [2, 4, 5])
def test_cube_and_identity_known_values(m):
    assert check(boolean_cube_certificate(m), exact=True).ok
    assert check(identity_certificate(m), exact=True).ok
    relaxed = relax(boolean_cube_certificate(m), Fraction(1, 10**6))
    assert relaxed.C == Fraction(2**m) * (3 - Fraction(2, m)) * (1 + Fraction(1, 10**6))
    assert check(relaxed, exact=True).ok
    res = check(relaxed)
    assert res.ok, res.reason
    # relax adds delta*C*diag(k!/beta!) (entries 1 and 2) to a Laplacian block (kernel
    # spanned by the all-ones vector on the squares): lambda_min = delta*C exactly
    lam = res.details["lambda_min_computed"]
    assert lam == pytest.approx(2**m * (3 - 2 / m) * 1e-6, abs=1e-12)


def test_pipeline_certificates_check(solved, solved_numeric):
    assert solved.exact and not solved_numeric.exact
    assert check(solved, exact=True).ok
    assert check(solved).ok
    assert check(solved_numeric).ok
    res = check(solved_numeric, exact=True)
    assert not res.ok and "not an exact certificate" in res.reason


def test_certified_bound_is_above_the_witness_value(solved):
    # any unit v gives a lower bound ||Xv||_4^4 <= ||X||^4 <= C
    X = solved.X
    rng = np.random.default_rng(0)
    V = rng.standard_normal((2000, X.shape[1]))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    assert float(np.max(np.sum((V @ X.T) ** 4, axis=1))) <= float(solved.C)
    # d = 3: SoS is exact (Hilbert), so C is the norm up to the stated delta (<= 1e-6)
    sos, delta = solved.provenance["sos_value"], solved.provenance["delta"]
    assert 0 < delta <= 1e-6
    assert sos * (1 + delta) <= float(solved.C) <= sos * (1 + delta) * (1 + 1e-11)


def test_save_load_round_trip(tmp_path, solved):
    p = solved.save(tmp_path / "x.cert.json")
    back = Certificate.load(p)
    assert back.C == solved.C and back.basis == solved.basis
    assert back.gram_rational == solved.gram_rational
    assert back.X_rational == solved.X_rational
    np.testing.assert_array_equal(back.gram, solved.gram)
    assert check(str(p), exact=True).ok
    assert os.listdir(tmp_path) == ["x.cert.json"]  # no temporary file left


def test_save_is_atomic(tmp_path, cube3, monkeypatch):
    p = cube3.save(tmp_path / "c.json")
    before = p.read_text()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        relax(cube3, Fraction(1, 2)).save(p)
    assert p.read_text() == before
    assert os.listdir(tmp_path) == ["c.json"]


def test_schema_file_accepts_written_certificates(solved, solved_numeric):
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("specproof.certificates").joinpath(
        "certificate.schema.json").read_text())
    for cert in (solved, solved_numeric, boolean_cube_certificate(3)):
        jsonschema.validate(_doc(cert), schema)
    bad = _doc(solved)
    bad["schema"] = "specproof.certificate/2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_huge_rationals_survive_the_file(tmp_path, cube3):
    # Python refuses int->str past 4300 digits; the writer must not
    big = Fraction(3**20000 + 1, 3**20000)
    cert = relax(cube3, big - 1)
    back = Certificate.load(cert.save(tmp_path / "big.json"))
    assert back.C == cert.C
    assert check(back, exact=True).ok


# ------------------------------------------------------------------ tampering


def test_lowered_C_is_rejected(cube3, solved):
    for cert in (cube3, solved):
        doc = _doc(cert)
        lowered = cert.C - Fraction(1, 1000)
        doc["C"] = {"rational": f"{lowered.numerator}/{lowered.denominator}",
                    "float": float(lowered)}
        res_e, res_n = check(_from(doc), exact=True), check(_from(doc))
        assert not res_e.ok and "identity fails" in res_e.reason
        assert not res_n.ok


def test_float_C_must_match_rational_C(solved):
    doc = _doc(solved)
    doc["C"]["float"] = doc["C"]["float"] * 0.5
    for exact in (True, False):
        res = check(_from(doc), exact=exact)
        assert not res.ok and "C.float" in res.reason


def test_changed_gram_entry_is_rejected(solved):
    doc = _doc(solved)
    r = Fraction(doc["gram"]["rational"][0][1]) + Fraction(1, 2**30)
    doc["gram"]["rational"][0][1] = doc["gram"]["rational"][1][0] = str(r)
    doc["gram"]["float"][0][1] = doc["gram"]["float"][1][0] = float(r)
    res = check(_from(doc), exact=True)
    assert not res.ok and "identity fails" in res.reason
    # a single (asymmetric) change is caught too
    doc = _doc(solved)
    doc["gram"]["rational"][2][0] = "1/7"
    doc["gram"]["float"][2][0] = 1 / 7
    res = check(_from(doc), exact=True)
    assert not res.ok and "not symmetric" in res.reason


def test_changed_X_is_rejected(solved):
    doc = _doc(solved)
    x = Fraction(doc["X"]["rational"][1][2]) + Fraction(1, 4)
    doc["X"]["rational"][1][2] = str(x)
    doc["X"]["float"][1][2] = float(x)
    res = check(_from(doc), exact=True)
    assert not res.ok and "identity fails" in res.reason
    # changing only the float copy is caught by the consistency test
    doc = _doc(solved)
    doc["X"]["float"][1][2] += 0.25
    for exact in (True, False):
        res = check(_from(doc), exact=exact)
        assert not res.ok and "X.float[1][2]" in res.reason


def test_reordered_basis_is_rejected(solved):
    doc = _doc(solved)
    doc["basis"] = doc["basis"][::-1]
    for exact in (True, False):
        res = check(_from(doc), exact=exact)
        assert not res.ok, exact


def test_wrong_schema_version_is_rejected(tmp_path, solved):
    doc = _doc(solved)
    doc["schema"] = "specproof.certificate/0"
    res = check(_write(tmp_path, doc), exact=True)
    assert not res.ok and "unsupported schema" in res.reason
    with pytest.raises(CertificateFormatError, match="unsupported schema"):
        Certificate.from_dict(doc)


def test_truncated_file_is_rejected(tmp_path, solved):
    text = json.dumps(solved.to_dict())
    for cut in (0, 10, len(text) // 2, len(text) - 1):
        res = check(_write(tmp_path, text[:cut]), exact=True)
        assert not res.ok and "not valid JSON" in res.reason


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("gram"), "no field 'gram'"),
        (lambda d: d["statement"].update(q=5), "statement.q"),
        (lambda d: d["basis"][0].append(0), "basis[0]"),
        (lambda d: d["basis"].__setitem__(1, d["basis"][0]), "repeated monomial"),
        (lambda d: d["X"]["rational"][0].__setitem__(0, "1/0"), "zero denominator"),
        (lambda d: d["X"]["rational"][0].__setitem__(0, "0.5"), "rational string"),
        (lambda d: d["gram"]["float"][0].__setitem__(0, "x"), "gram.float[0][0]"),
        (lambda d: d["X"].update(shape=[2, 2]), "X.float"),
        (lambda d: d["C"].update(float=float("nan")), "NaN is not a JSON number"),
        (lambda d: d["C"].update(float=10**400), "integer literal of 401 digits"),
        (lambda d: d["C"].update(float=10**300), "C.float = 1e+300 is not a faithful copy"),
        (lambda d: d["C"].update(float="1"), "C.float must be a finite number or null"),
        (lambda d: d["X"]["float"][0].__setitem__(1, float("inf")), "Infinity is not a JSON"),
        (lambda d: d["gram"]["float"][1].__setitem__(1, 10**400), "integer literal of 401"),
        (lambda d: d["gram"]["float"][1].__setitem__(1, [1]), "gram.float[1][1] must be"),
        (lambda d: d.__setitem__("statement", [4]), "statement must be an object"),
        (lambda d: d.__setitem__("basis", {"a": 1}), "basis must be a list"),
    ],
)
def test_malformed_fields_are_named(tmp_path, solved, mutate, message):
    doc = _doc(solved)
    mutate(doc)
    for exact in (True, False):
        res = check(_write(tmp_path, doc), exact=exact)
        assert not res.ok and message in res.reason, res.reason


def test_check_rejects_a_non_certificate_argument():
    with pytest.raises(TypeError, match="source must be a path or a Certificate"):
        check(42)
    res = check("/nonexistent/cert.json")
    assert not res.ok and "cannot read" in res.reason


# ------------------------------------------------------------------ random tampering


@FAST
@given(
    i=st.integers(0, 9), j=st.integers(0, 9),
    size=st.integers(1, 60), sign=st.sampled_from([-1, 1]),
)
def test_exact_checker_rejects_every_random_gram_tampering(solved, i, j, size, sign):
    N = len(solved.basis)
    i, j = i % N, j % N
    G = [list(r) for r in solved.gram_rational]
    eps = sign * Fraction(1, 2**size)
    G[i][j] += eps
    if i != j:
        G[j][i] += eps  # keep it symmetric, so that the identity test is what rejects
    cert = Certificate(q=solved.q, X=solved.X, X_rational=solved.X_rational, C=solved.C,
                       basis=solved.basis, gram=np.array([[float(x) for x in r] for r in G]),
                       gram_rational=tuple(tuple(r) for r in G))
    res = check(cert, exact=True)
    assert not res.ok and "identity fails" in res.reason


@FAST
@given(
    i=st.integers(0, 6), j=st.integers(0, 2),
    size=st.integers(0, 60), sign=st.sampled_from([-1, 1]),
)
def test_exact_checker_rejects_every_random_data_tampering(solved, i, j, size, sign):
    Xr = [list(r) for r in solved.X_rational]
    Xr[i][j] += sign * Fraction(1, 2**size)
    cert = Certificate(q=solved.q, X=np.array([[float(x) for x in r] for r in Xr]),
                       X_rational=tuple(tuple(r) for r in Xr), C=solved.C,
                       basis=solved.basis, gram=solved.gram,
                       gram_rational=solved.gram_rational)
    res = check(cert, exact=True)
    assert not res.ok and "identity fails" in res.reason


@FAST
@given(
    m=st.sampled_from([2, 3, 4]),
    shortfall=st.floats(1e-9, 0.5),
    mode=st.sampled_from(["same-gram", "projected", "projected+noise"]),
    noise_seed=st.integers(0, 2**16),
)
def test_numeric_checker_never_accepts_C_below_the_true_norm(m, shortfall, mode, noise_seed):
    """The cube's ||X||^4 = 2^m(3 - 2/m) is known; every C below it must be rejected,
    whatever Gram matrix comes with it (the nearest consistent one included)."""
    cube = boolean_cube_certificate(m)
    true = cube.C
    C = true * (1 - Fraction(shortfall))
    # start from a generous certificate, then lower C
    G = [list(r) for r in relax(cube, Fraction(1, 10)).gram_rational]
    if mode != "same-gram":
        G = project_gram(G, target_coefficients(cube.X_rational, C, 4), cube.basis)
    Gf = np.array([[float(x) for x in r] for r in G])
    if mode == "projected+noise":
        E = np.random.default_rng(noise_seed).standard_normal(Gf.shape) * 1e-3
        Gf = Gf + (E + E.T)
    cert = Certificate(q=4, X=cube.X, X_rational=cube.X_rational, C=C, basis=cube.basis,
                       gram=Gf)
    assert not check(cert).ok


@FAST
@given(shortfall=st.fractions(Fraction(1, 10**12), Fraction(1, 2)), d=st.integers(2, 4))
def test_numeric_checker_rejects_identity_below_one(shortfall, d):
    # ||I_d||_{2->4}^4 = 1: the projected Gram matrix of any smaller C is not PSD
    ident = identity_certificate(d)
    C = 1 - shortfall
    G = project_gram([list(r) for r in relax(ident, Fraction(1, 10)).gram_rational],
                     target_coefficients(ident.X_rational, C, 4), ident.basis)
    cert = Certificate(q=4, X=ident.X, X_rational=ident.X_rational, C=C, basis=ident.basis,
                       gram=np.array([[float(x) for x in r] for r in G]),
                       gram_rational=tuple(tuple(r) for r in G))
    assert not check(cert).ok
    res = check(cert, exact=True)
    assert not res.ok and "not PSD" in res.reason  # the identity holds; PSD fails


# ------------------------------------------------------------------ certify errors


def test_certify_rejects_a_bound_below_the_sos_value():
    X = np.random.default_rng(1).standard_normal((6, 3))
    # C = 1 is false here: a witness says so (FalseBoundError is a CertificationError)
    with pytest.raises(CertificationError, match="^FALSE: the witness v gives ‖Xv‖₄⁴ = "):
        certify(X, q=4, exact=True, C=1.0)


def test_certify_tight_C_says_it_cannot_be_rounded(solved):
    # the cube's norm is its SoS value: C = 2^m(3 - 2/m) exactly is tight
    X = boolean_cube_certificate(3).X
    with pytest.raises(CertificationError, match="tight C"):
        certify(X, q=4, exact=True, C=Fraction(56, 3))
    with pytest.raises(ValueError, match="tight C cannot be rounded"):
        certify(X, q=4, exact=True, delta=0.0)


def test_certify_validates_its_arguments():
    with pytest.raises(ValueError, match="even"):
        certify(np.eye(2), q=3)
    with pytest.raises(ValueError, match="non-finite|not finite"):
        certify(np.array([[1.0, np.nan]]), q=4)
    with pytest.raises(ValueError, match="solver"):
        certify(np.eye(2), q=4, solver="gurobi")
    with pytest.raises(ValueError, match="bits"):
        certify(np.eye(2), q=4, exact=True, bits=0)


@pytest.mark.parametrize("q", [2, 6])
def test_other_even_degrees(q):
    X = np.random.default_rng(q).standard_normal((6, 3))
    for exact in (False, True):
        cert = certify(X, q=q, exact=exact, data_bits=8 if exact else None)
        assert cert.q == q and len(cert.basis) == {2: 3, 6: 10}[q]
        assert check(cert).ok
        if exact:
            assert check(cert, exact=True).ok
    if q == 2:  # the 2->2 norm: C = sigma_max^2 (1 + delta), delta <= 1e-6
        sigma2 = np.linalg.norm(np.array(cert.X), 2) ** 2
        assert sigma2 <= float(cert.C) <= sigma2 * (1 + 1e-6)


@FAST
@given(change=st.fractions(-10, 10).filter(lambda x: x != 0))
def test_exact_checker_rejects_every_change_of_C(solved, change):
    # any change of C changes the coefficient of v_1^4 (c_alpha = 1): the identity breaks
    doc = _doc(solved)
    C = solved.C + change
    doc["C"] = {"rational": f"{C.numerator}/{C.denominator}", "float": float(C)}
    res = check(_from(doc), exact=True)
    assert not res.ok and "identity fails" in res.reason


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k != "provenance":
                yield from _leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path


json_values = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                        st.lists(st.integers(0, 3), max_size=4))


@FAST
@given(data=st.data())
def test_checkers_never_raise_and_never_accept_a_changed_statement(tmp_path, solved, data):
    doc = _doc(solved)
    paths = list(_leaves(doc))
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    p = tmp_path / "fuzz.json"
    p.write_text(json.dumps(doc))
    for exact in (True, False):
        res = check(str(p), exact=exact)
        if res.ok:  # only a change that leaves the statement and its proof intact
            back = Certificate.load(p)
            assert back.C == solved.C and back.X_rational == solved.X_rational
            assert back.q == solved.q
            if exact:
                assert back.gram_rational == solved.gram_rational
