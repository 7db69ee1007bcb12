"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers.

Every ``lower`` and ``upper`` this package returns as a bound holds in exact arithmetic
for every finite input (see ``docs/norms.md``); quantities that are only float
estimates are named so (``PowerResult.value``, ``BaselineResult.lambda_max``,
``SpectralNorm.value``, ``SoSResult.value``).

Examples
--------
>>> import numpy as np
>>> from specproof.certificates import two_to_q
>>> b = two_to_q(np.eye(3), q=4)
>>> round(b.lower, 10), round(b.upper, 6)
(1.0, 1.0)
"""

from specproof.certificates.api import METHODS, sos_rounding, sos_two_to_q, two_to_q
from specproof.certificates.baseline import BaselineResult, spectral_baseline
from specproof.certificates.bounds import NormBounds
from specproof.certificates.certificate import Certificate, CheckResult
from specproof.certificates.certify import (
    certify,
    estimate_certify_bytes,
    project_gram,
    rationalize,
    relax,
    writable_output,
)
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.checker import check
from specproof.certificates.conic import mosek_available
from specproof.certificates.constants import MAX_Q, SCHEMA_VERSION, SOLVERS
from specproof.certificates.epsnet import EpsNetCertificate, epsnet_two_to_q
from specproof.certificates.errors import (
    CertificateFormatError,
    CertificationError,
    SolverError,
)
from specproof.certificates.io import load_matrix
from specproof.certificates.known import boolean_cube_certificate, identity_certificate
from specproof.certificates.operator import SpectralNorm, spectral_norm
from specproof.certificates.polynomial import target_coefficients
from specproof.certificates.power import PowerResult, power_method
from specproof.certificates.sos import SoSResult, solve_sos, solve_sos_fixed_bound

__all__ = [
    "MAX_Q",
    "METHODS",
    "SCHEMA_VERSION",
    "SOLVERS",
    "BaselineResult",
    "Certificate",
    "CertificateFormatError",
    "CertificationError",
    "CheckResult",
    "EpsNetCertificate",
    "NormBounds",
    "PowerResult",
    "SoSResult",
    "SolverError",
    "SpectralNorm",
    "boolean_cube_certificate",
    "certify",
    "check",
    "check_exact",
    "check_numeric",
    "epsnet_two_to_q",
    "estimate_certify_bytes",
    "identity_certificate",
    "load_matrix",
    "mosek_available",
    "power_method",
    "project_gram",
    "rationalize",
    "relax",
    "solve_sos",
    "solve_sos_fixed_bound",
    "sos_rounding",
    "sos_two_to_q",
    "spectral_baseline",
    "spectral_norm",
    "target_coefficients",
    "two_to_q",
    "writable_output",
]
