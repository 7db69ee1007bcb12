"""Group families: construction, index conventions, products, the registry."""


from __future__ import annotations

import itertools

import numpy as np
import pytest
from sympy.combinatorics.named_groups import DihedralGroup, SymmetricGroup

from specproof.groups import (
    FiniteGroup,
    character_table,
    check_group_axioms,
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


@pytest.mark.parametrize("G", _named(), ids=lambda G: G.name)
def test_named_families_satisfy_axioms(G):
    assert check_group_axioms(G.table).ok
    assert FiniteGroup.from_table(G.table, labels=G.labels).order == G.order
    assert np.array_equal(G.table[np.arange(G.order), G.inverses],
                          np.full(G.order, G.identity))


def test_orders_and_sympy_agree():
    for N in range(1, 9):
        assert cyclic(N).order == N
        assert dihedral(N).order == 2 * N
    for N in range(3, 9):
        assert dihedral(N).order == DihedralGroup(N).order()
    for n in range(1, 6):
        assert symmetric(n).order == SymmetricGroup(n).order()


@pytest.mark.parametrize("N", range(1, 9))
def test_dihedral_index_convention_and_relations(N):
    G = dihedral(N)
    r, s = (1 % N if N > 1 else 0), N
    # r^a s^i · r^b s^j = r^(a + (-1)^i b) s^(i+j), index k + N*j
    for a, i, b, j in itertools.product(range(N), range(2), range(N), range(2)):
        k = (a + (-1) ** i * b) % N
        assert G.mul(a + N * i, b + N * j) == k + N * ((i + j) % 2)
    assert G.mul(G.mul(s, r), s) == G.inverse(r)
    assert G.labels[0] == "e" and (N == 1 or G.labels[1] == "r")
    assert G.labels[N] == "s"
    if N >= 3:
        assert G.labels[2] == "r^2" and G.labels[N + 2] == "r^2s"
        assert G.index("rs") == N + 1


def test_klein_is_c2_x_c2_and_d2_and_s3_is_d3():
    V = klein_four()
    assert _isomorphic(V, direct_product(cyclic(2), cyclic(2)))
    assert _isomorphic(V, dihedral(2))
    assert not _isomorphic(V, cyclic(4))
    assert _isomorphic(symmetric(3), dihedral(3))
    assert not _isomorphic(cyclic(6), dihedral(3))


def test_quaternion_group():
    Q = quaternion()
    m = Q.index
    assert Q.mul("i", "j") == m("k") and Q.mul("j", "i") == m("-k")
    assert all(Q.mul(u, u) == m("-1") for u in ("i", "j", "k"))
    assert Q.mul(Q.mul("i", "j"), "k") == m("-1")
    assert len(Q.conjugacy_classes()) == 5 and not Q.is_abelian
    assert not _isomorphic(Q, dihedral(4))
    assert [(p.name, p.dim, p.type) for p in irreps(Q)][-1] == ("quaternion", 4, "H")
    assert endomorphism_dimension(irrep(Q, "quaternion")) == 4
    assert decompose(Q.regular_representation())["quaternion"] == 1


def test_direct_product_structure():
    P = direct_product(cyclic(2), dihedral(3))
    assert P.order == 12 and not P.is_abelian
    g, h = P.index("(r,s)"), P.index("(r,r)")
    assert P.labels[P.mul(g, h)] == "(e,r^2s)"
    assert len(P.conjugacy_classes()) == 2 * 3


def _isomorphic(G: FiniteGroup, H: FiniteGroup) -> bool:
    """Brute force over bijections fixing identities (small groups only)."""
    if G.order != H.order:
        return False
    rest_g = [a for a in range(G.order) if a != G.identity]
    rest_h = [a for a in range(H.order) if a != H.identity]
    for perm in itertools.permutations(rest_h):
        phi = np.empty(G.order, dtype=int)
        phi[G.identity] = H.identity
        phi[rest_g] = perm
        if np.array_equal(phi[G.table], H.table[phi[:, None], phi[None, :]]):
            return True
    return False


@pytest.mark.parametrize("G", [direct_product(cyclic(2), dihedral(3)),
                               direct_product(dihedral(3), cyclic(5)),
                               direct_product(quaternion(), dihedral(4)),
                               direct_product(direct_product(cyclic(2), cyclic(2)), cyclic(3))],
                         ids=lambda G: G.name)
def test_product_irreps(G):
    table = irreps(G)
    X = character_table(G)
    c = np.array([p.endomorphism_dim for p in table])
    d = np.array([p.dim for p in table])
    gram = X @ X[:, G.inverses].T / G.order
    assert np.max(np.abs(gram - np.diag(c))) <= 1e-12
    assert np.sum(d**2 // c) == G.order
    assert [endomorphism_dimension(p) for p in table] == c.tolist()
    assert len(table) == len(irreps(G.family[1])) * len(irreps(G.family[2]))


def test_product_irrep_names_and_types():
    G = direct_product(dihedral(3), cyclic(5))
    p = irrep(G, "(rot_1,rot_2)")
    assert (p.dim, p.type) == (4, "C")
    assert np.allclose(p(G.index("(r,r)")), np.kron(irrep(dihedral(3), "rot_1")("r"),
                                                  irrep(cyclic(5), "rot_2")("r")))



def test_registry_lists_every_family_and_finds_a_new_one_from_its_file(tmp_path, monkeypatch):
    import sys

    import specproof.groups.families as registry
    from specproof.groups import group_families, group_family, irreps

    assert sorted(group_families()) == ["cyclic", "dihedral", "klein", "product", "quaternion",
                                  "symmetric"]
    assert group_family("dihedral")(4) == ("dihedral", 4) and dihedral(4).family == ("dihedral", 4)
    with pytest.raises(ValueError, match="did you mean 'dihedral'"):
        group_family("dihedarl")
    # adding a family is adding one file to the package: here a file in a directory added
    # to the package's search path, picked up by the same scan
    (tmp_path / "triangle.py").write_text(
        "import numpy as np\n"
        "from specproof.groups.family import Family\n"
        "from specproof.groups.finite import FiniteGroup\n"
        "from specproof.groups.irrep import Irrep, one_dimensional, rotations\n"
        "class Triangle(Family):\n"
        "    key = 'triangle'\n"
        "    def build(self):\n"
        "        k = np.arange(3)\n"
        "        return FiniteGroup((k[:, None] + k[None, :]) % 3, name='T3', family=self)\n"
        "    def irreps(self, G):\n"
        "        return [one_dimensional(G, np.ones(3), 'trivial'),\n"
        "                Irrep(G, rotations(2 * np.pi * np.arange(3) / 3), name='rot',\n"
        "                      type='C')]\n"
    )
    monkeypatch.setattr(registry, "__path__", [*registry.__path__, str(tmp_path)])
    try:
        found = registry._scan()
        assert "triangle" in found
        T = found["triangle"]().build()
        assert [(p.name, p.type) for p in irreps(T)] == [("trivial", "R"), ("rot", "C")]
    finally:
        sys.modules.pop("specproof.groups.families.triangle", None)
