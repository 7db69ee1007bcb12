"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers.

Examples
--------
>>> import numpy as np
>>> from specproof.certificates import two_to_q
>>> b = two_to_q(np.eye(3), q=4)
>>> round(b.lower, 10), round(b.upper, 6)
(1.0, 1.0)
"""

from specproof.certificates.api import METHODS, sos_rounding, sos_two_to_q, two_to_q
from specproof.certificates.baseline import BaselineResult, flattening_top, spectral_baseline
from specproof.certificates.bounds import NormBounds
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
from specproof.certificates.conic import SolverError, mosek_available
from specproof.certificates.convolution import (
    Conv2dOperator,
    ConvGeometry,
    as_kernel,
    conv2d_operator,
    conv_geometry,
)
from specproof.certificates.convolution_spectrum import (
    ConvolutionNormCertificate,
    circular_singular_values,
    conv_operator_norm,
)
from specproof.certificates.epsnet import EpsNetCertificate, epsnet_two_to_q, sphere_net
from specproof.certificates.io import load_matrix
from specproof.certificates.known import boolean_cube_certificate, identity_certificate
from specproof.certificates.monomials import (
    exponents,
    gram_basis,
    multinomial,
    norm_power_coefficients,
    power_sum_coefficients,
)
from specproof.certificates.operator import SpectralNorm, spectral_norm
from specproof.certificates.power import PowerResult, power_method
from specproof.certificates.sos import (
    SoSResult,
    full_moment_matrix,
    moment_matrix,
    solve_sos,
    solve_sos_fixed_bound,
    sos_structure,
)
from specproof.certificates.validation import (
    check_even_q,
    check_matrix,
    check_q,
    check_solver,
    check_vector,
)

__all__ = [
    "METHODS",
    "SCHEMA_VERSION",
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
    "check_even_q",
    "check_exact",
    "check_matrix",
    "check_numeric",
    "check_q",
    "check_solver",
    "check_vector",
    "epsnet_two_to_q",
    "exponents",
    "flattening_top",
    "full_moment_matrix",
    "gram_basis",
    "identity_certificate",
    "load_matrix",
    "moment_matrix",
    "mosek_available",
    "multinomial",
    "norm_power_coefficients",
    "power_method",
    "power_sum_coefficients",
    "rationalize",
    "relax",
    "solve_sos",
    "solve_sos_fixed_bound",
    "sos_rounding",
    "sos_structure",
    "sos_two_to_q",
    "spectral_baseline",
    "spectral_norm",
    "sphere_net",
    "two_to_q",
    # convolution operators and their norms
    "Conv2dOperator",
    "ConvGeometry",
    "ConvolutionNormCertificate",
    "as_kernel",
    "circular_singular_values",
    "conv2d_operator",
    "conv_geometry",
    "conv_operator_norm",
]
