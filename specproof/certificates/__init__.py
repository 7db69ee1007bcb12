"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers.

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

_LAZY: dict[str, str] = {
    "BaselineResult": "baseline",
    "Certificate": "certificate",
    "CertificateFormatError": "certificate",
    "CertificationError": "certify",
    "CheckResult": "certificate",
    "EpsNetCertificate": "epsnet",
    "METHODS": "api",
    "NormBounds": "bounds",
    "PowerResult": "power",
    "SCHEMA_VERSION": "certificate",
    "SoSResult": "sos",
    "SolverError": "conic",
    "SpectralNorm": "operator",
    "boolean_cube_certificate": "known",
    "check": "checker",
    "check_even_q": "validation",
    "check_matrix": "validation",
    "check_q": "validation",
    "check_solver": "validation",
    "check_vector": "validation",
    "epsnet_two_to_q": "epsnet",
    "exponents": "monomials",
    "flattening_top": "baseline",
    "full_moment_matrix": "sos",
    "gram_basis": "monomials",
    "identity_certificate": "known",
    "load_matrix": "io",
    "moment_matrix": "sos",
    "mosek_available": "conic",
    "multinomial": "monomials",
    "norm_power_coefficients": "monomials",
    "power_method": "power",
    "power_sum_coefficients": "monomials",
    "rationalize": "certify",
    "relax": "certify",
    "solve_sos": "sos",
    "solve_sos_fixed_bound": "sos",
    "sos_rounding": "api",
    "sos_structure": "sos",
    "sos_two_to_q": "api",
    "spectral_baseline": "baseline",
    "spectral_norm": "operator",
    "sphere_net": "epsnet",
    "two_to_q": "api",
}

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
