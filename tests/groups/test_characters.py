"""Characters and Hom dimensions."""


from __future__ import annotations

from specproof.groups import (
    cyclic,
    direct_sum,
    hom_dimension,
    irrep,
    trivial,
)


def test_hom_dimension_real_case_formula():
    C = cyclic(7)
    rho = direct_sum(trivial(C), irrep(C, "rot_1"), irrep(C, "rot_1"), irrep(C, "rot_3"))
    # Σ m1 m2 c: 1·1·1 + 2·2·2 + 1·1·2
    assert hom_dimension(rho, rho) == 11
    assert hom_dimension(irrep(C, "rot_1"), irrep(C, "rot_2")) == 0

