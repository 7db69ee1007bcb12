"""Decomposition into real irreps."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    InvalidIrrepsError,
    Irrep,
    IrrepTypeError,
    NotIntegralError,
    NotIrreducibleError,
    Representation,
    cyclic,
    decompose,
    dihedral,
    direct_sum,
    hom_dimension,
    irrep,
    irreps,
    klein_four,
    quaternion,
    right_regular_representation,
    symmetric,
    tensor,
)


def _named(n_max: int = 12):
    gs = [cyclic(N) for N in range(1, n_max + 1)] + [dihedral(N) for N in range(1, n_max + 1)]
    return gs + [symmetric(n) for n in range(1, 5)] + [klein_four(), quaternion()]


def test_tensor_products_decompose_as_closed_forms():
    # D_N: rot_1 ⊗ rot_1 = trivial ⊕ flip ⊕ rot_2 ; C_N: rot_1 ⊗ rot_1 = 2 trivial ⊕ rot_2
    for N in (5, 7, 8):
        D, C = dihedral(N), cyclic(N)
        dd = decompose(tensor(irrep(D, "rot_1"), irrep(D, "rot_1")))
        assert {k: v for k, v in dd.items() if v} == {"trivial": 1, "flip": 1, "rot_2": 1}
        cc = decompose(tensor(irrep(C, "rot_1"), irrep(C, "rot_1")))
        assert {k: v for k, v in cc.items() if v} == {"trivial": 2, "rot_2": 1}


@pytest.mark.parametrize("G", _named(10), ids=lambda G: G.name)
def test_regular_representation_multiplicities(G):
    expected = {p.name: p.dim // p.endomorphism_dim for p in irreps(G)}
    assert decompose(G.regular_representation()) == expected
    assert decompose(right_regular_representation(G)) == expected
    assert hom_dimension(G.regular_representation(), G.regular_representation()) == G.order


def test_decompose_rejects_wrong_irreps_lists():
    G = cyclic(5)
    rho = G.regular_representation()
    # a type-C irrep declared R is refused when it is built (it used to pass until the
    # multiplicities came out wrong), and so is a reducible "irrep" declared C
    with pytest.raises(IrrepTypeError, match="declared type R .* type C"):
        Irrep(G, irrep(G, "rot_1").matrices, name="rot_1", type="R")
    C4 = cyclic(4)
    with pytest.raises(NotIrreducibleError, match="fake is reducible"):
        Irrep(C4, direct_sum(irrep(C4, "trivial"), irrep(C4, "alt")).matrices, name="fake",
              type="C")
    with pytest.raises(InvalidIrrepsError, match="complete list") as info:
        decompose(rho, irreps_list=irreps(G)[:2])
    assert info.value.code == "incomplete"
    # a representation that is not one (built unchecked) still gives non-integers
    broken = Representation(G, np.roll(rho.matrices, 1, axis=0), check="none", name="broken")
    with pytest.raises(NotIntegralError, match="not integers"):
        decompose(broken)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([("c", 5), ("c", 6), ("d", 4), ("d", 5), ("d", 6), ("k", 0)]),
       st.lists(st.integers(0, 2), min_size=7, max_size=7), st.integers(0, 2**31 - 1))
def test_random_direct_sums_decompose(family, mults, seed):
    kind, N = family
    G = {"c": cyclic, "d": dihedral}[kind](N) if kind != "k" else klein_four()
    table = irreps(G)
    mult = {p.name: m for p, m in zip(table, mults[: len(table)], strict=True)}
    parts = [p for p in table for _ in range(mult[p.name])]
    if not parts:
        parts, mult[table[0].name] = [table[0]], 1
    rho = direct_sum(*parts)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((rho.dim, rho.dim)))
    assert decompose(rho.change_of_basis(Q)) == mult

