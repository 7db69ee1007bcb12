"""Exact certificates from one (first-order) solve: the slack spent, delta from residuals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from specproof.certificates import (
    CertificationError,
    FalseBoundError,
    certify,
    check,
    power_method,
)
from specproof.certificates.check_exact import check_exact


@pytest.fixture(scope="module")
def X8():
    return np.random.default_rng(0).standard_normal((24, 8))


@pytest.fixture(scope="module")
def scs_cert(X8):
    return certify(X8, q=4, exact=True, solver="scs")


def test_first_order_exact_certificate_passes_at_the_first_precision(scs_cert):
    p = scs_cert.provenance
    assert p["solver"] == "scs" and p["solver_choice"]["requested"] == "scs"
    assert len(p["bits_tried"]) == 1                 # no retry in the common case
    assert check_exact(scs_cert).ok and check(scs_cert).ok
    assert "factor-dd" in check_exact(scs_cert).details["ldl"]["backend"]


def test_certified_C_is_close_to_the_sos_value(scs_cert, X8):
    p = scs_cert.provenance
    t, C = p["sos_value"], float(scs_cert.C)
    assert t < C <= t * (1 + 1e-6)
    assert p["delta"] == pytest.approx(C / t - 1, rel=1e-3, abs=1e-11)
    assert "lambda_min" in p["delta_reason"] and p["margin"] > 0
    # the upper bound sits above every lower bound: C >= ||X v||_4^4 for the power witness
    lower = power_method(X8, 4, seed=0).value
    assert lower**4 <= C


def test_interior_point_and_first_order_certify_the_same_value(scs_cert, X8):
    ip = certify(X8, q=4, exact=False, solver="clarabel")
    assert ip.provenance["solver"] == "clarabel"
    assert float(ip.C) == pytest.approx(float(scs_cert.C), rel=1e-6)
    assert check(ip).ok


def test_auto_choice_is_recorded_in_the_provenance():
    cert = certify(np.random.default_rng(1).standard_normal((12, 4)), q=4, exact=True)
    choice = cert.provenance["solver_choice"]
    assert choice["requested"] == "auto" and choice["solver"] == "clarabel"
    assert "interior point (Clarabel) is cheap at N = 10" in choice["reason"]
    assert cert.provenance["versions"]["numpy"]


def test_C_below_the_power_value_is_false_with_the_witness(X8):
    # the data are rescaled by 2^-2 inside; the verdict is in the user's units
    lower = power_method(X8, 4, seed=0).value ** 4
    with pytest.raises(FalseBoundError, match=r"^FALSE: the witness v gives ‖Xv‖₄⁴ = "
                       r"249\.42 > C = 249\.17 "):
        certify(X8, q=4, exact=True, C=Fraction(lower) * Fraction(999, 1000))


def test_a_delta_smaller_than_the_solver_error_is_refused(X8):
    with pytest.raises(CertificationError, match="does not cover what the solver's Gram"):
        certify(X8, q=4, exact=True, solver="scs", delta=1e-16)


def test_given_C_above_the_sos_value_is_certified(X8, scs_cert):
    C = Fraction(int(float(scs_cert.C) * 1.01) + 1)
    cert = certify(X8, q=4, exact=True, C=C)
    assert cert.C == C and check_exact(cert).ok


def test_tampered_first_order_certificate_fails(scs_cert):
    G = [list(r) for r in scs_cert.gram_rational]
    G[0][0] -= Fraction(1)   # breaks the identity at v_1^4
    from specproof.certificates.certificate import Certificate

    bad = Certificate(q=4, X=scs_cert.X, X_rational=scs_cert.X_rational, C=scs_cert.C,
                      basis=scs_cert.basis,
                      gram=np.array([[float(x) for x in r] for r in G]),
                      gram_rational=tuple(tuple(r) for r in G))
    res = check_exact(bad)
    assert not res.ok and "identity fails" in res.reason
