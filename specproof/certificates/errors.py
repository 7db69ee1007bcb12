"""The exceptions of the certificates package (all derive from ``SpecproofError``).

Examples
--------
>>> issubclass(CertificationError, RuntimeError) and issubclass(SolverError, SpecproofError)
True
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from specproof._core import ComputationError, SpecproofError
from specproof.certificates.rational_text import CertificateFormatError


class CertificationError(SpecproofError, RuntimeError):
    """No certificate could be produced; the message says why and what to change."""


class FalseBoundError(CertificationError):
    """The bound asked for is false: a witness ``v`` has ``||Xv||_q^q > C ||v||_2^q``,
    decided in exact rational arithmetic (``value`` is that ratio, ``C`` the bound, both
    exact Fractions in the units of the data)."""

    code = "false_bound"

    def __init__(self, message: str, witness: Any, value: Fraction, C: Fraction, q: int):
        super().__init__(message)
        self.witness = witness
        self.value = value
        self.C = C
        self.q = q


class SolverError(ComputationError):
    """The conic solver did not return an optimal solution (``status`` says what it did)."""

    def __init__(self, message: str, status: str | None = None, solver: str | None = None):
        super().__init__(message)
        self.status = status
        self.solver = solver


__all__ = ["CertificateFormatError", "CertificationError", "FalseBoundError", "SolverError"]
