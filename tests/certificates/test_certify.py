"""certify's up-front checks: the output path, the size estimate, X = 0, rescaling."""

from __future__ import annotations

import importlib
import os
import tempfile
from fractions import Fraction

import numpy as np
import pytest

from specproof._core import ArgumentError, ResourceLimitError
from specproof.certificates import certify, check, estimate_certify_bytes, two_to_q

# the module, not the function of the same name that the package exports
certify_module = importlib.import_module("specproof.certificates.certify")


def _no_work(*args, **kwargs):
    raise AssertionError("certify started working before refusing")


def test_found_5_output_is_checked_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(certify_module, "rationalize", _no_work)
    X = np.eye(2)
    with pytest.raises(ArgumentError, match="is a folder"):
        certify(X, output=tmp_path)
    with pytest.raises(ArgumentError, match="does not exist"):
        certify(X, output=tmp_path / "missing" / "c.json")


def test_unwritable_output_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(certify_module, "rationalize", _no_work)
    X = np.eye(2)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):
            # root writes anywhere (CI runs as root): make the probe's file creation fail
            # as it does for a user without write permission
            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied", str(locked))

            monkeypatch.setattr(tempfile, "mkstemp", refuse)
        with pytest.raises(ArgumentError, match="cannot create a file"):
            certify(X, output=locked / "c.json")
    finally:
        os.chmod(locked, 0o700)


def test_found_5_size_is_estimated_before_building(monkeypatch):
    # 10000 x 200 at q = 4: 68.7 M monomials; refused at once with need, limit, alternatives
    monkeypatch.setattr(certify_module, "rationalize", _no_work)
    monkeypatch.setattr("specproof.certificates.conic.available_memory", lambda: 16 * 2**30)
    X = np.ones((10000, 200))
    with pytest.raises(ResourceLimitError) as info:
        certify(X, q=4)
    msg = str(info.value)
    assert "68685050 monomials" in msg and "16.0 GiB" in msg and "method='power'" in msg
    assert isinstance(info.value, MemoryError)
    est = estimate_certify_bytes(10000, 200, 4)
    assert est["total"] > 100 * 2**30
    assert estimate_certify_bytes(24, 8, 4)["total"] < 2**20  # the usual case is tiny


def test_found_5_zero_matrix_has_nothing_to_certify():
    with pytest.raises(ArgumentError, match="nothing to certify"):
        certify(np.zeros((3, 2)), q=4)
    b = two_to_q(np.zeros((3, 2)), q=4)
    assert b.lower == b.upper == 0.0


@pytest.mark.parametrize("scale", [1e-100, 1e-82, 1e70, 1e100])
def test_found_2_certify_rescales_tiny_and_huge_data(scale):
    X0 = np.random.default_rng(3).standard_normal((6, 3))
    ref = certify(X0, q=4, exact=True)
    cert = certify(X0 * scale, q=4, exact=True)
    assert check(cert, exact=True).ok and check(cert).ok
    # the bound scales like scale^4 (not an absolute 4.4e-11 as before)
    ratio = cert.C / (ref.C * Fraction(scale) ** 4)
    assert abs(ratio - 1) < Fraction(1, 10**4)
    assert cert.provenance["scale_exponent"] != 0


def test_numeric_certificates_at_1e70_and_refusal_beyond_the_float_range():
    X0 = np.random.default_rng(3).standard_normal((6, 3))
    cert = certify(X0 * 1e70, q=4)  # once "increase delta": wrong advice
    assert check(cert).ok and not cert.exact
    with pytest.raises(ArgumentError, match="use exact=True"):
        certify(X0 * 1e-100, q=4)  # G ~ 2^-1300: no float file can hold it


def test_output_is_written_when_given(tmp_path):
    p = tmp_path / "c.json"
    cert = certify(np.eye(2), q=4, output=p)
    assert p.is_file() and check(str(p)).ok and check(str(p)).statement == cert.short_statement


def test_rationalize_reads_a_long_double_exactly():
    # np.longdouble(...).item() is the long double itself, which Fraction refused ("is not
    # a number or rational string"); a long double beyond float64 is finite, not "inf"
    from fractions import Fraction

    import numpy as np

    from specproof.certificates.certify_inputs import rationalize

    third, big = np.longdouble(1) / 3, np.longdouble(2) ** 2000
    r = rationalize(np.array([[third, big]], dtype=np.longdouble))
    assert r[0][0] == Fraction(*third.as_integer_ratio()) and r[0][1] == 2**2000
