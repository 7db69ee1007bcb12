"""The certificate file format: parsing never crashes, malformed files exit 2 with one
line, float copies are faithful (no flush to zero), the result follows the convention."""

from __future__ import annotations

import contextlib
import io
import json
import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specproof._core import Result, SpecproofError
from specproof.certificates import (
    Certificate,
    CertificateFormatError,
    CheckResult,
    check,
    identity_certificate,
    power_method,
    relax,
)
from specproof.certificates.certificate import approximate, float_copy
from specproof.certificates.consistency import faithful
from specproof.cli import main

F = Fraction
CODES = {"ok", "malformed", "inconsistent", "not_exact", "not_symmetric", "not_representable",
         "identity_mismatch", "not_psd", "margin_too_small", "out_of_range"}


@pytest.fixture(scope="module")
def small_doc():
    return relax(identity_certificate(2), F(1, 1000)).to_dict()


def _cli_check(path, exact=False):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", str(path)] + (["--exact"] if exact else []))
    return status, out.getvalue(), err.getvalue()


def test_check_result_follows_the_result_convention(small_doc):
    ok = check(Certificate.from_dict(small_doc))
    assert isinstance(ok, Result) and ok.ok and ok.code == "ok" and ok.reason == ""
    assert ok.message.startswith("certified")
    d = ok.to_dict()
    assert list(d)[:3] == ["ok", "reason", "code"] and d["shape"] == [2, 2]
    bad = dict(small_doc, C={"rational": "1/2", "float": 0.5})
    res = check(Certificate.from_dict(bad), exact=True)
    assert not res.ok and res.code == "identity_mismatch" and res.reason


def test_errors_derive_from_the_root():
    assert issubclass(CertificateFormatError, SpecproofError)
    assert issubclass(CertificateFormatError, ValueError)


@pytest.mark.parametrize("depth", [70, 1000, 200_000])
def test_deep_nesting_is_malformed_with_one_line(tmp_path, depth):
    p = tmp_path / "deep.json"
    p.write_text("[" * depth + "]" * depth)
    res = check(str(p))
    assert res.code == "malformed" and "nested" in res.reason
    status, out, err = _cli_check(p)
    assert status == 2 and out.count("\n") == 1 and out.startswith("INVALID") and not err


@pytest.mark.parametrize("where", ["C.float", "X.float", "statement.q", "gram.float"])
def test_huge_integer_literals_are_malformed_with_one_line(tmp_path, small_doc, where):
    text = json.dumps(small_doc)
    big = "7" * 5000  # beyond Python's 4300-digit int conversion limit
    key, sub = where.split(".")
    doc = json.loads(text)
    target = doc[key]
    if sub == "float" and key != "C":
        target[sub][0][0] = "__BIG__"
    else:
        target[sub] = "__BIG__"
    p = tmp_path / "big.json"
    p.write_text(json.dumps(doc).replace('"__BIG__"', big))
    res = check(str(p))
    assert res.code == "malformed" and "5000 digits" in res.reason
    status, out, _ = _cli_check(p, exact=True)
    assert status == 2 and out.count("\n") == 1


def test_huge_rational_strings_are_bounded(tmp_path, small_doc):
    doc = json.loads(json.dumps(small_doc))
    doc["C"]["rational"] = "1" * 300_000
    p = tmp_path / "long.json"
    p.write_text(json.dumps(doc))
    res = check(str(p))
    assert res.code == "malformed" and "300000 digits" in res.reason


def test_faithful_copies_exactly():
    assert faithful(0.1, F(1, 10)) and not faithful(0.1, F(1, 10) + F(1, 10**16))
    assert not faithful(0.0, F(1, 10**400)) and faithful(math.nan, F(1, 10**400))
    assert faithful(5e-324, F(1, 10**400)) and not faithful(-5e-324, F(1, 10**400))
    assert not faithful(math.nan, F(1, 3)) and not faithful(math.nan, F(0))
    assert faithful(float_copy(F(10) ** 300 / 3), F(10) ** 300 / 3)
    assert float_copy(F(10) ** 400) is None and faithful(math.nan, F(10) ** 400)
    big = 1.7976931348623157e308
    assert faithful(big, F(big) + 1) and not faithful(big, F(2) ** 1024)
    assert approximate(F(1, 3) * F(10) ** -500) == "3.333333333E-501"


# ---------------------------------------------------------------- fuzzing
_json_leaf = st.one_of(
    st.none(), st.booleans(), st.text(max_size=8),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1/0", "-0/1", "3/4", "0x10", "1e5", "", "-", "1/-2", "٣"]),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)
_paths = st.lists(st.integers(0, 7), min_size=1, max_size=5)


def _replace(doc, path, value):
    """``doc`` with the subtree at ``path`` (indices into keys/items) replaced."""
    doc = json.loads(json.dumps(doc))
    node = doc
    for step, k in enumerate(path):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) \
            if isinstance(node, list) else []
        if not children:
            break
        key, child = children[k % len(children)]
        if step == len(path) - 1 or not isinstance(child, (dict, list)):
            node[key] = value
            return doc
        node = child
    return doc


FUZZ = settings(max_examples=1000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(path=_paths, value=_json, exact=st.booleans())
def test_fuzzed_documents_never_crash_a_checker(small_doc, path, value, exact):
    doc = _replace(small_doc, path, value)
    res = check(Certificate.from_dict(doc) if _parses(doc) else _as_file(doc), exact=exact)
    assert isinstance(res, CheckResult) and res.code in CODES
    if res.ok:  # a mutation may leave the statement true (e.g. provenance), never false
        cert = Certificate.from_dict(doc)
        if all(F(float(x)) == r for row, rrow in zip(cert.X, cert.X_rational)
               for x, r in zip(row, rrow) if math.isfinite(x)) and math.isfinite(cert.X.sum()):
            low = power_method(cert.X, cert.q).lower  # certified: <= ||X||_{2->q}
            assert F(low) ** cert.q <= cert.C


def _parses(doc) -> bool:
    try:
        Certificate.from_dict(doc)
    except CertificateFormatError:
        return False
    return True


_TMP: dict[str, str] = {}


def _as_file(doc) -> str:
    import tempfile

    path = _TMP.setdefault("p", tempfile.mkstemp(suffix=".json")[1])
    with open(path, "w") as fh:
        fh.write(json.dumps(doc))
    return path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.builds(lambda d, k: "[" * d + k + "]" * d, st.integers(0, 3000),
              st.sampled_from(["", "1", "NaN", "1e999", "-Infinity", '"x"', "9" * 4400])),
    st.builds(lambda n: '{"schema": "specproof.certificate/1", "C": ' + n + "}",
              st.sampled_from(["1" * 5000, "1e400", "NaN", "-0", "[[[]]]", "{}"])),
))
def test_fuzzed_text_exits_2_with_one_line(tmp_path_factory, text):
    p = tmp_path_factory.getbasetemp() / "fuzz.json"
    p.write_text(text, encoding="utf-8")
    status, out, err = _cli_check(p)
    assert status == 2 and out.startswith("INVALID") and out.count("\n") == 1 and not err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exp=st.integers(-1100, 1100), mant=st.integers(1, 2**53), neg=st.booleans())
def test_float_copies_at_every_magnitude_are_consistent(small_doc, exp, mant, neg):
    # put a value of any magnitude in X (both copies, the float one as the writer would)
    r = F(mant) * F(2) ** exp * (-1 if neg else 1)
    doc = json.loads(json.dumps(small_doc))
    doc["X"]["rational"][0][1] = str(r)
    doc["X"]["float"][0][1] = float_copy(r)
    res = check(Certificate.from_dict(doc))
    assert res.code != "inconsistent"
    if float_copy(r) not in (None, 0.0):  # a nonzero float beside its rational, moved an ulp
        f = float_copy(r)
        doc["X"]["float"][0][1] = math.nextafter(f, math.inf if F(f) >= r else -math.inf)
        moved = check(Certificate.from_dict(doc))
        assert moved.code == "inconsistent" or F(doc["X"]["float"][0][1]) == r


def test_schema_accepts_null_float_copies():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev dependency")
    from importlib.resources import files

    schema = json.loads(files("specproof.certificates").joinpath(
        "certificate.schema.json").read_text())
    tiny = F(2) ** -350
    base = relax(identity_certificate(2), F(1, 1000))
    Xr = tuple(tuple(x * tiny for x in row) for row in base.X_rational)
    Gr = tuple(tuple(g * tiny**4 for g in row) for row in base.gram_rational)
    from specproof.certificates.certificate import float_copies

    cert = Certificate(q=4, X=float_copies(Xr), X_rational=Xr, C=base.C * tiny**4,
                       basis=base.basis, gram=float_copies(Gr), gram_rational=Gr)
    doc = cert.to_dict()
    assert doc["C"]["float"] is None and doc["gram"]["float"][0][0] is None
    jsonschema.validate(doc, schema)
    assert check(cert).ok and check(cert, exact=True).ok
