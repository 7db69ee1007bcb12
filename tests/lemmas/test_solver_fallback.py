"""solver="auto": a Clarabel run that delivers no solution is tried again with SCS."""

from __future__ import annotations

import sympy

from specproof.certificates import check_sos
from specproof.certificates.errors import SolverError
from specproof.lemmas import sos_search
from specproof.lemmas.prove import Proved, prove
from specproof.lemmas.verdicts import Undecided

x, y = sympy.symbols("x y", real=True)
STATEMENT = x**4 + y**4 - 2 * x**2 * y**2 + x**2 >= 0  # (x^2 - y^2)^2 + x^2


def _clarabel_breaks(monkeypatch, calls):
    real = sos_search.solve_gram_program

    def solve(f, terms, free, solver):
        calls.append(solver)
        if solver in ("auto", "clarabel"):
            raise SolverError("clarabel returned status 'NumericalError'", status="error",
                              solver="clarabel")
        return real(f, terms, free, solver)

    monkeypatch.setattr(sos_search, "solve_gram_program", solve)


def test_a_clarabel_failure_is_retried_with_scs_and_the_certificate_is_exact(monkeypatch):
    calls: list[str] = []
    _clarabel_breaks(monkeypatch, calls)
    r = prove(STATEMENT, multiplier="none")
    assert isinstance(r, Proved), r
    assert calls[0] == "auto" and set(calls[1:]) == {"scs"}  # (a facial reduction may repeat)
    assert check_sos(r.certificate).ok


def test_an_explicit_clarabel_is_not_switched(monkeypatch):
    calls: list[str] = []
    _clarabel_breaks(monkeypatch, calls)
    r = prove(STATEMENT, multiplier="none", solver="clarabel")
    assert isinstance(r, Undecided)
    assert calls == ["clarabel"]
    assert "NumericalError" in r.tried[0]
