"""The exceptions of the certificates package (all derive from ``SpecproofError``).

Examples
--------
>>> issubclass(CertificationError, RuntimeError) and issubclass(SolverError, SpecproofError)
True
"""

from __future__ import annotations

from specproof._core import ComputationError, SpecproofError
from specproof.certificates.certificate import CertificateFormatError


class CertificationError(SpecproofError, RuntimeError):
    """No certificate could be produced; the message says why and what to change."""


class SolverError(ComputationError):
    """The conic solver did not return an optimal solution (``status`` says what it did)."""

    def __init__(self, message: str, status: str | None = None, solver: str | None = None):
        super().__init__(message)
        self.status = status
        self.solver = solver


__all__ = ["CertificateFormatError", "CertificationError", "SolverError"]
