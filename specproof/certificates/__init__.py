"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers."""

from specproof.certificates.certificate import (
    SCHEMA_VERSION,
    Certificate,
    CertificateFormatError,
    CheckResult,
)
from specproof.certificates.certify import CertificationError, certify, rationalize, relax
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.checker import check
from specproof.certificates.io import load_matrix
from specproof.certificates.known import boolean_cube_certificate, identity_certificate
from specproof.certificates.monomials import (
    exponents,
    gram_basis,
    norm_power_coefficients,
    power_sum_coefficients,
)
from specproof.certificates.sos import (
    SolverError,
    SoSResult,
    full_moment_matrix,
    moment_matrix,
    solve_sos,
    solve_sos_fixed_bound,
    sos_structure,
)
from specproof.certificates.validation import check_matrix, check_q

__all__ = [
    "SCHEMA_VERSION",
    "Certificate",
    "CertificateFormatError",
    "CertificationError",
    "CheckResult",
    "boolean_cube_certificate",
    "certify",
    "check",
    "check_exact",
    "check_numeric",
    "identity_certificate",
    "load_matrix",
    "rationalize",
    "relax",
    "SoSResult",
    "SolverError",
    "check_matrix",
    "check_q",
    "exponents",
    "full_moment_matrix",
    "gram_basis",
    "moment_matrix",
    "norm_power_coefficients",
    "power_sum_coefficients",
    "solve_sos",
    "solve_sos_fixed_bound",
    "sos_structure",
]
