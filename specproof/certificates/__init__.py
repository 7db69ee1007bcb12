"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers."""

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
