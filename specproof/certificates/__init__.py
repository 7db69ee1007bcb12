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

Names are imported on first use (PEP 562): ``from specproof.certificates import check``
loads the checkers without scipy or the solvers.
"""

from __future__ import annotations

import importlib
from typing import Any

# eager: these functions share their names with their modules (certify.py, ...), and a
# later import of such a module would rebind the package attribute to the module
from specproof.certificates.certify import certify
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.check_sos import check_sos

_LAZY: dict[str, str] = {
    "BaselineResult": "baseline",
    "Certificate": "certificate",
    "CertificateFormatError": "errors",
    "CertificationError": "errors",
    "CheckResult": "certificate",
    "EpsNetCertificate": "epsnet",
    "FalseBoundError": "errors",
    "MAX_Q": "constants",
    "METHODS": "api",
    "NormBounds": "bounds",
    "PowerResult": "power",
    "SCHEMA_VERSION": "constants",
    "SOLVERS": "constants",
    "SoSCertificate": "sos_certificate",
    "SoSCheckResult": "check_sos",
    "SoSResult": "sos",
    "SolverError": "errors",
    "SpectralNorm": "operator",
    "boolean_cube_certificate": "known",
    "check": "checker",
    "epsnet_two_to_q": "epsnet",
    "estimate_certify_bytes": "certify",
    "identity_certificate": "known",
    "load_matrix": "io",
    "mosek_available": "conic",
    "power_method": "power",
    "project_gram": "certify",
    "rationalize": "certify",
    "relax": "certify",
    "solve_sos": "sos",
    "solve_sos_fixed_bound": "sos",
    "sos_rounding": "api",
    "sos_two_to_q": "api",
    "spectral_baseline": "baseline",
    "spectral_norm": "operator",
    "target_coefficients": "polynomial",
    "two_to_q": "api",
    "writable_output": "certify",
    # convolution operators and their norms
    "Conv2dOperator": "convolution",
    "ConvGeometry": "convolution",
    "ConvolutionNormCertificate": "convolution_norm",
    "as_kernel": "convolution",
    "circular_singular_values": "convolution_spectrum",
    "conv2d_operator": "convolution",
    "conv_geometry": "convolution",
    "conv_operator_norm": "convolution_norm",
}

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
    "FalseBoundError",
    "NormBounds",
    "PowerResult",
    "SoSCertificate",
    "SoSCheckResult",
    "SoSResult",
    "SolverError",
    "SpectralNorm",
    "boolean_cube_certificate",
    "certify",
    "check",
    "check_exact",
    "check_numeric",
    "check_sos",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'specproof.certificates' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"specproof.certificates.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
