"""The irreps tolerance follows a stated rounding bound; a too coarse dtype says so."""

import numpy as np
import pytest

from specproof._core import ComputationError
from specproof.groups import (
    InvalidIrrepsError,
    Irrep,
    NotIrreducibleError,
    check_irreps,
    cyclic,
    irreps,
    spectral_norm_equivariant,
    symmetric,
)
from specproof.groups.irrep_lists import orthogonality_tolerance, rounding_bound

S4 = symmetric(4)
P = np.diag([1 + 1e-5, 1.0, 1.0])  # a change of basis that is not orthogonal


def _as(dtype, conjugate=False):
    out = []
    for p in irreps(S4):
        m = p.matrices
        if conjugate and p.dim == 3:
            m = P @ m @ np.linalg.inv(P)
        out.append(Irrep(S4, m.astype(dtype), name=p.name, type=p.type))
    return out


def test_float32_list_in_a_non_orthogonal_basis_is_refused():
    res = check_irreps(S4, _as(np.float32, conjugate=True), orthogonal=True)
    assert not res.ok and res.code == "not_orthogonal" and res.culprits == (2,)
    assert "> 1.192e-07, what entries within 5.96e-08 relative of orthogonal" in res.reason
    w = np.random.default_rng(0).standard_normal(S4.order)
    with pytest.raises(InvalidIrrepsError, match="not orthogonal"):
        spectral_norm_equivariant(w, S4, irreps=_as(np.float32, conjugate=True))


def test_float32_rounding_of_the_true_irreps_is_accepted_and_accurate():
    good = _as(np.float32)
    assert check_irreps(S4, good, orthogonal=True).ok
    w = np.random.default_rng(0).standard_normal(S4.order)
    exact = spectral_norm_equivariant(w, S4).value
    rounded = spectral_norm_equivariant(w, S4, irreps=good).value
    assert abs(rounded - exact) <= 1e-6 * exact


def test_the_tolerance_follows_the_stated_bound():
    bad = _as(np.float32, conjugate=True)
    # stated: entries within 1e-5 relative of orthogonal matrices -> accepted, and so
    # answered to that accuracy
    assert check_irreps(S4, bad, orthogonal=True, rounding=1e-5).ok
    assert not check_irreps(S4, bad, orthogonal=True, rounding=1e-6).ok
    assert rounding_bound(np.float32) == 2.0**-24
    u = 2.0**-24
    assert orthogonality_tolerance(3, u) == pytest.approx(2 * u + 6 * 2.0**-52, rel=1e-5)
    # every built-in float64 list passes the bound it states for itself
    for G in (S4, cyclic(7)):
        assert check_irreps(G, irreps(G), orthogonal=True).ok


@pytest.mark.parametrize("index", [0, 2, 4])  # trivial, standard (3-dim), two_dim
def test_float16_irrep_is_too_coarse_not_reducible(index):
    p = irreps(S4)[index]
    with pytest.raises(ComputationError) as info:
        Irrep(S4, p.matrices.astype(np.float16), name=p.name, type=p.type)
    assert not isinstance(info.value, NotIrreducibleError)
    assert f"{p.name}: float16 is too coarse to decide irreducibility" in str(info.value)
    assert "is reducible" not in str(info.value)
