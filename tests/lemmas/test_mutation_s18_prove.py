"""Mutation-testing findings (s18): prove's re-check of its own certificate."""

from fractions import Fraction as F

import specproof.lemmas.prove_paths as prove_paths
from specproof import lemmas as lm
from specproof.certificates.check_sos import check_sos


def test_prove_does_not_return_proved_when_the_checker_rejects_the_produced_certificate(
        monkeypatch):
    # fault injection: the producer's Gram matrix is off by one in its (0, 0) entry (still
    # PSD, but the identity fails). The independent checker must reject the certificate
    # and prove must then say UNDECIDED, never PROVED with a certificate that is INVALID.
    real = prove_paths._global

    def corrupted(*args, **kwargs):
        found = real(*args, **kwargs)
        if found is not None:
            rows = [list(r) for r in found.attempt.grams[0][0]]
            rows[0][0] = F(rows[0][0]) + 1
            found.attempt.grams[0][0] = rows
        return found

    monkeypatch.setattr(prove_paths, "_global", corrupted)
    r = lm.prove("x**2 - 2*x + 1 >= 0")
    assert r.verdict != "PROVED", r
    assert any("independent checker rejected" in t for t in r.tried)


def test_every_proved_verdict_carries_a_certificate_the_checker_accepts():
    for text in ("x**2 - 2*x + 1 >= 0", "x**4 + y**4 >= 2*x**2*y**2"):
        r = lm.prove(text)
        assert r.verdict == "PROVED"
        assert check_sos(r.certificate).ok


def test_prove_never_says_proved_when_the_checker_says_invalid(monkeypatch):
    # fault injection on the other side: a checker that rejects everything. Every path of
    # prove (constant, constraint multiple, diagonal, solver) must then end UNDECIDED.
    from specproof.certificates.check_sos import SoSCheckResult

    def reject(cert):
        return SoSCheckResult(ok=False, reason="injected", code="identity_mismatch",
                              message="injected", exact=True)

    monkeypatch.setattr(prove_paths, "check_sos", reject)
    for text, domain in (("x**2 + 1 >= x**2", None), ("x**2 + 1 >= 1", None),
                         ("x**2 - 2*x + 1 >= 0", None), ("x**2 + 1e-6 >= 0", None),
                         ("2*x + 1 >= 0", lm.box(x=(0, 1)))):
        r = lm.prove(text, domain=domain) if domain is not None else lm.prove(text)
        assert r.verdict != "PROVED", (text, r)
