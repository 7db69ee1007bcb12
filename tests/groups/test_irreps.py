"""Real irreps tables: orthogonality, types, completeness."""


from __future__ import annotations

import numpy as np
import pytest

from specproof.groups import (
    FiniteGroup,
    character_inner,
    character_table,
    cyclic,
    decompose,
    dihedral,
    direct_product,
    endomorphism_dimension,
    irrep,
    irreps,
    klein_four,
    quaternion,
    symmetric,
)


def _named(n_max: int = 12):
    gs = [cyclic(N) for N in range(1, n_max + 1)] + [dihedral(N) for N in range(1, n_max + 1)]
    return gs + [symmetric(n) for n in range(1, 5)] + [klein_four(), quaternion()]


@pytest.mark.parametrize("G", _named(12), ids=lambda G: G.name)
def test_character_orthogonality(G):
    table = irreps(G)
    X = character_table(G)
    gram = np.array([[character_inner(a, b, G) for b in X] for a in X])
    c = np.array([p.endomorphism_dim for p in table])
    d = np.array([p.dim for p in table])
    assert np.max(np.abs(gram - np.diag(c))) <= 1e-12
    assert np.sum(d**2 // c) == G.order and np.all(d % c == 0)
    assert [endomorphism_dimension(p) for p in table] == c.tolist()


def test_irrep_lists_and_types():
    assert [(p.name, p.dim, p.type) for p in irreps(cyclic(6))] == [
        ("trivial", 1, "R"), ("alt", 1, "R"), ("rot_1", 2, "C"), ("rot_2", 2, "C")]
    assert [p.name for p in irreps(dihedral(5))] == ["trivial", "flip", "rot_1", "rot_2"]
    assert all(p.type == "R" for p in irreps(dihedral(8)))
    assert len(irreps(dihedral(8))) == 4 + 3
    with pytest.raises(ValueError, match="C3xC3: both C3 and C3 have irreps of type C"):
        irreps(direct_product(cyclic(3), cyclic(3)))
    with pytest.raises(ValueError, match="S5.*cyclic.*dihedral"):
        irreps(symmetric(5))
    with pytest.raises(ValueError, match="G6.*cyclic.*dihedral"):
        irreps(FiniteGroup.from_table(cyclic(6).table))
    with pytest.raises(ValueError, match="no irrep 'rot_3'"):
        irrep(dihedral(5), "rot_3")


@pytest.mark.parametrize("N", [40, 64, 97])
def test_irreps_of_large_groups_validate_and_stay_orthogonal(N):
    # regression: angles 2πfk/N must be reduced mod 2π before cos/sin, or the rounding
    # error of large arguments exceeds the homomorphism tolerance
    for G in (cyclic(N), dihedral(N)):
        X = character_table(G)
        c = np.array([p.endomorphism_dim for p in irreps(G)])
        gram = X @ X[:, G.inverses].T / G.order
        assert np.max(np.abs(gram - np.diag(c))) <= 1e-12
        assert decompose(G.regular_representation()) == {
            p.name: p.dim // p.endomorphism_dim for p in irreps(G)}

