"""Session 23: a Rust panic inside Clarabel is a solver failure, not the end of the run.

CI hit ``pyo3_runtime.PanicException: Eigval error: Eigen(1)`` from Clarabel's PSD cone
in ``test_false_statements_are_never_proved``: a BaseException, so it passed every
``except Exception`` and ended ``prove`` (and the test) with a Rust backtrace.
"""

from __future__ import annotations

import pytest

from specproof.certificates.errors import SolverError
from specproof.lemmas import Undecided, prove

clarabel = pytest.importorskip("clarabel", reason="clarabel is not installed")

# pyo3 names the exception class PanicException and derives it from BaseException
PanicException = type("PanicException", (BaseException,), {})


class _Panicking:
    def __init__(self, *args, **kwargs):
        pass

    def solve(self):
        raise PanicException("Eigval error: Eigen(1)")


def test_a_clarabel_panic_is_a_solver_error(monkeypatch):
    import numpy as np
    import scipy.sparse as sps

    from specproof.certificates.conic import solve_conic

    monkeypatch.setattr(clarabel, "DefaultSolver", _Panicking)
    with pytest.raises(SolverError, match="clarabel failed inside its solver") as exc:
        solve_conic(np.array([1.0]), sps.csc_matrix((0, 1)), np.zeros(0),
                    sps.csc_matrix(np.array([[1.0]])), np.array([1.0]), 1, "clarabel", True)
    assert exc.value.status == "solver_panic"


def test_prove_with_a_panicking_solver_is_undecided_not_a_crash(monkeypatch):
    monkeypatch.setattr(clarabel, "DefaultSolver", _Panicking)
    r = prove("x**4 - x**2 + 1 >= 0", solver="clarabel")
    assert isinstance(r, Undecided)


def test_other_base_exceptions_still_pass_through(monkeypatch):
    class Stop(BaseException):
        pass

    class _Stopping(_Panicking):
        def solve(self):
            raise Stop

    monkeypatch.setattr(clarabel, "DefaultSolver", _Stopping)
    with pytest.raises(Stop):
        prove("x**4 - x**2 + 1 >= 0", solver="clarabel")
