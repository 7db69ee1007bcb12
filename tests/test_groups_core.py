"""Finite groups, named families, representations, irreps and characters."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import Permutation, PermutationGroup
from sympy.combinatorics.named_groups import DihedralGroup, SymmetricGroup

from specproof.groups import (
    FiniteGroup,
    GroupAxiomError,
    NotAHomomorphismError,
    NotIntegralError,
    Representation,
    character_inner,
    character_table,
    check_group_axioms,
    cyclic,
    decompose,
    dihedral,
    direct_product,
    direct_sum,
    endomorphism_dimension,
    hom_dimension,
    irrep,
    irreps,
    klein_four,
    permutation_representation,
    quaternion,
    regular_representation,
    right_regular_representation,
    sign,
    symmetric,
    tensor,
    trivial,
)

LOOP5 = np.array([[0, 1, 2, 3, 4], [1, 0, 3, 4, 2], [2, 4, 0, 1, 3],
                  [3, 2, 4, 0, 1], [4, 3, 1, 2, 0]])


def _named(n_max: int = 12):
    gs = [cyclic(N) for N in range(1, n_max + 1)] + [dihedral(N) for N in range(1, n_max + 1)]
    return gs + [symmetric(n) for n in range(1, 5)] + [klein_four(), quaternion()]


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


# ------------------------------------------------------------------ groups


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


def test_is_abelian_is_computed():
    assert [cyclic(N).is_abelian for N in (1, 5, 12)] == [True] * 3
    assert [dihedral(N).is_abelian for N in (1, 2, 3, 4)] == [True, True, False, False]
    assert not symmetric(3).is_abelian and klein_four().is_abelian
    # from a bare table: S3's table re-indexed
    t = symmetric(3).table
    assert not FiniteGroup.from_table(t).is_abelian


@pytest.mark.parametrize("N", range(3, 13))
def test_dihedral_conjugacy_class_counts(N):
    classes = dihedral(N).conjugacy_classes()
    assert len(classes) == ((N + 3) // 2 if N % 2 else N // 2 + 3)
    assert classes[0] == [0]
    assert sorted(itertools.chain.from_iterable(classes)) == list(range(2 * N))


def test_conjugacy_classes_match_sympy():
    for G, pg in [(symmetric(4), SymmetricGroup(4)), (dihedral(6), DihedralGroup(6))]:
        assert len(G.conjugacy_classes()) == len(pg.conjugacy_classes())
    assert [len(c) for c in symmetric(4).conjugacy_classes()] == [1, 6, 8, 3, 6]


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


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["C6", "D4", "S3", "Q8"]), st.data())
def test_any_single_entry_change_breaks_a_group_table(name, data):
    G = {"C6": cyclic(6), "D4": dihedral(4), "S3": symmetric(3), "Q8": quaternion()}[name]
    n = G.order
    a, b = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    v = data.draw(st.integers(0, n - 2))
    t = G.table.copy()
    t[a, b] = v if v < t[a, b] else v + 1  # any other value
    # cancellation a·b = a·c => b = c fails, so some axiom must fail
    with pytest.raises(GroupAxiomError):
        FiniteGroup.from_table(t)


def test_direct_product_structure():
    P = direct_product(cyclic(2), dihedral(3))
    assert P.order == 12 and not P.is_abelian
    g, h = P.index("(r,s)"), P.index("(r,r)")
    assert P.labels[P.mul(g, h)] == "(e,r^2s)"
    assert len(P.conjugacy_classes()) == 2 * 3


def test_sympy_round_trip():
    for G in (dihedral(5), symmetric(4), klein_four(), cyclic(7)):
        H = FiniteGroup.from_sympy(G.to_sympy())
        assert H.order == G.order
        assert H.is_abelian == G.is_abelian
        assert len(H.conjugacy_classes()) == len(G.conjugacy_classes())
    # permutation groups keep their permutations
    S = symmetric(4)
    H = FiniteGroup.from_sympy(S.to_sympy())
    assert {tuple(p) for p in H.permutations.tolist()} == {tuple(p) for p in
                                                           S.permutations.tolist()}


def test_from_permutations_composes_as_functions():
    G = FiniteGroup.from_permutations([[1, 0, 2], [0, 2, 1]])
    P = G.permutations
    for a, b in itertools.product(range(G.order), repeat=2):
        assert P[G.mul(a, b)].tolist() == P[a][P[b]].tolist()


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5).flatmap(
    lambda m: st.lists(st.permutations(list(range(m))), min_size=1, max_size=3)))
def test_random_permutation_generators_give_groups(gens):
    G = FiniteGroup.from_permutations(gens)
    assert check_group_axioms(G.table).ok
    assert G.order == PermutationGroup([Permutation(g) for g in gens]).order()
    assert G.permutations[G.identity].tolist() == list(range(len(gens[0])))


# ------------------------------------------------------------------ bad tables


def test_associativity_failure_names_the_triple():
    res = check_group_axioms(LOOP5)
    assert res.axiom == "associativity" and res.witness == (1, 1, 2)
    a, b, c = res.witness
    assert LOOP5[LOOP5[a, b], c] != LOOP5[a, LOOP5[b, c]]
    with pytest.raises(GroupAxiomError, match=r"triple \(a, b, c\) = \(1, 1, 2\)"):
        FiniteGroup.from_table(LOOP5)


@pytest.mark.parametrize("table, pattern", [
    (np.zeros((2, 3), dtype=int), r"square.*\(2, 3\)"),
    (np.zeros((0, 0), dtype=int), "non-empty"),
    ([[0, 1], [1, 2]], r"table\[1, 1\] = 2 .*\[0, 2\)"),
    ([[0, 1], [1, -1]], r"table\[1, 1\] = -1"),
    ([[0.0, 1.5], [1.5, 0.0]], "integer"),
    ([[1, 1], [1, 1]], "identity"),
    ([[0, 1, 2], [1, 1, 1], [2, 1, 2]], "inverse"),
])
def test_bad_tables_are_rejected_with_reason(table, pattern):
    with pytest.raises(GroupAxiomError, match=pattern):
        FiniteGroup.from_table(table)


def test_bad_constructor_input():
    with pytest.raises(ValueError, match=r"generators\[0\].*not a permutation"):
        FiniteGroup.from_permutations([[0, 0, 1]])
    with pytest.raises(ValueError, match="length 3"):
        FiniteGroup.from_permutations([[0, 1, 2], [1, 0]])
    with pytest.raises(ValueError, match="labels must be distinct"):
        FiniteGroup.from_table([[0, 1], [1, 0]], labels=["x", "x"])
    with pytest.raises(ValueError, match="positive"):
        dihedral(0)
    with pytest.raises(TypeError):
        cyclic(2.5)
    with pytest.raises(ValueError, match="no element labelled"):
        dihedral(3).index("t")
    with pytest.raises(ValueError, match=r"element index in \[0, 6\)"):
        dihedral(3).mul(6, 0)


# ------------------------------------------------------------------ representations


def test_regular_representations_act_as_documented():
    G = dihedral(4)
    L, R = regular_representation(G), right_regular_representation(G)
    f = np.random.default_rng(0).standard_normal(G.order)
    for g, h in itertools.product(range(G.order), repeat=2):
        assert L(g)[G.mul(g, h), h] == 1.0
        assert (R(h) @ f)[g] == f[G.mul(g, h)]
    assert L.is_orthogonal and R.is_orthogonal
    assert np.array_equal(L.character(), np.eye(G.order)[0] * G.order)


def test_homomorphism_validation_names_the_pair():
    G = cyclic(4)
    good = irrep(G, "rot_1").matrices.copy()
    bad = good.copy()
    bad[3] = good[1]  # rho(r^3) := rho(r)
    with pytest.raises(NotAHomomorphismError, match=r"\(a, b\) = \(\d, \d\).*max error"):
        Representation(G, bad)
    with pytest.raises(NotAHomomorphismError, match="identity matrix"):
        Representation(cyclic(2), np.zeros((2, 1, 1)))
    # a perturbation far below the float64 tolerance is accepted, one above is not
    Representation(G, good + 1e-17)
    with pytest.raises(NotAHomomorphismError):
        Representation(G, good + np.array([0, 1e-9, 0, 0])[:, None, None])


def test_homomorphism_generator_mode_equals_full_mode():
    G = dihedral(5)
    m = irrep(G, "rot_2").matrices.copy()
    m[7] = -m[7]
    for mode in ("all", "generators"):
        with pytest.raises(NotAHomomorphismError):
            Representation(G, m, check=mode)


def test_representation_bad_shapes_name_shapes():
    G = cyclic(3)
    with pytest.raises(ValueError, match=r"\(3, d, d\).*\(3, 2, 3\)"):
        Representation(G, np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match=r"\(3, d, d\).*\(2, 1, 1\)"):
        Representation(G, np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="non-finite"):
        Representation(G, np.full((3, 1, 1), np.nan))
    rho = G.regular_representation()
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2, 2\)"):
        rho.change_of_basis(np.eye(2))
    with pytest.raises(ValueError, match="invertible"):
        rho.change_of_basis(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="C3.*C4|C4.*C3"):
        direct_sum(rho, cyclic(4).regular_representation())
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        character_inner(np.ones(3), np.ones(4), G)


def test_dense_regular_representation_refuses_huge_groups():
    with pytest.raises(ValueError, match=r"S6 would hold \|G\|³ = 3.73e\+08"):
        regular_representation(symmetric(6))
    with pytest.raises(ValueError, match="S6"):
        right_regular_representation(symmetric(6))


def test_sign_and_permutation_representations():
    S = symmetric(4)
    sg = sign(S)
    assert sorted(sg.character().tolist()).count(-1.0) == 12
    with pytest.raises(ValueError, match="not a permutation group"):
        sign(dihedral(3))
    with pytest.raises(NotAHomomorphismError):
        sign(cyclic(3), values=[1, -1, -1])
    flip = sign(dihedral(3), values=[1, 1, 1, -1, -1, -1], name="flip")
    assert decompose(flip) == {"trivial": 0, "flip": 1, "rot_1": 0}
    P = permutation_representation(S, S.permutations)
    assert decompose(P) == {"trivial": 1, "sign": 0, "standard": 1, "standard_sign": 0,
                            "two_dim": 0}


def test_tensor_products_decompose_as_closed_forms():
    # D_N: rot_1 ⊗ rot_1 = trivial ⊕ flip ⊕ rot_2 ; C_N: rot_1 ⊗ rot_1 = 2 trivial ⊕ rot_2
    for N in (5, 7, 8):
        D, C = dihedral(N), cyclic(N)
        dd = decompose(tensor(irrep(D, "rot_1"), irrep(D, "rot_1")))
        assert {k: v for k, v in dd.items() if v} == {"trivial": 1, "flip": 1, "rot_2": 1}
        cc = decompose(tensor(irrep(C, "rot_1"), irrep(C, "rot_1")))
        assert {k: v for k, v in cc.items() if v} == {"trivial": 2, "rot_2": 1}


# ------------------------------------------------------------------ irreps and characters


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


@pytest.mark.parametrize("G", _named(10), ids=lambda G: G.name)
def test_regular_representation_multiplicities(G):
    expected = {p.name: p.dim // p.endomorphism_dim for p in irreps(G)}
    assert decompose(G.regular_representation()) == expected
    assert decompose(right_regular_representation(G)) == expected
    assert hom_dimension(G.regular_representation(), G.regular_representation()) == G.order


def test_hom_dimension_real_case_formula():
    C = cyclic(7)
    rho = direct_sum(trivial(C), irrep(C, "rot_1"), irrep(C, "rot_1"), irrep(C, "rot_3"))
    # Σ m1 m2 c: 1·1·1 + 2·2·2 + 1·1·2
    assert hom_dimension(rho, rho) == 11
    assert hom_dimension(irrep(C, "rot_1"), irrep(C, "rot_2")) == 0


def test_decompose_rejects_wrong_irreps_lists():
    G = cyclic(5)
    rho = G.regular_representation()
    wrong_type = [irreps(G)[0]] + [
        type(p)(G, p.matrices, name=p.name, type="R") for p in irreps(G)[1:]]
    with pytest.raises(NotIntegralError, match="incomplete|not integers"):
        decompose(rho, irreps_list=wrong_type)
    with pytest.raises(NotIntegralError, match="incomplete"):
        decompose(rho, irreps_list=irreps(G)[:2])
    # a reducible "irrep" declared type C: <1, 1 + alt> / 2 = 1/2
    C4 = cyclic(4)
    fake = type(irreps(C4)[0])(C4, direct_sum(irrep(C4, "trivial"), irrep(C4, "alt")).matrices,
                               name="fake", type="C")
    with pytest.raises(NotIntegralError, match=r"not integers: \{'fake': 0\.5\}"):
        decompose(trivial(C4), irreps_list=[fake])


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


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.data())
def test_out_of_range_entries_are_named(N, data):
    t = dihedral(N).table.copy()
    n = t.shape[0]
    a, b = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    v = data.draw(st.one_of(st.integers(-50, -1), st.integers(n, n + 50)))
    t[a, b] = v
    with pytest.raises(GroupAxiomError, match=rf"table\[{a}, {b}\] = {v} "):
        FiniteGroup.from_table(t)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 8), st.data())
def test_non_homomorphisms_name_a_pair_involving_the_damage(N, data):
    G = dihedral(N)
    m = irrep(G, "rot_1").matrices.copy()
    g = data.draw(st.integers(1, G.order - 1))
    delta = data.draw(st.floats(1e-6, 1.0))
    m[g] = m[g] + delta * np.array([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(NotAHomomorphismError) as info:
        Representation(G, m, check="all")
    msg = str(info.value)
    a, b = (int(v) for v in msg.split("(a, b) = (")[1].split(")")[0].split(", "))
    assert g in (a, b, G.mul(a, b))


def test_permutation_groups_of_large_degree():
    # degree > 15 takes the byte-lookup path (m**m overflows int64 keys)
    cycle = list(range(1, 17)) + [0]
    G = FiniteGroup.from_permutations([cycle])
    assert G.order == 17 and G.is_abelian and check_group_axioms(G.table).ok
    swap = [1, 0] + list(range(2, 17))
    H = FiniteGroup.from_permutations([swap, [0, 2, 1] + list(range(3, 17))])
    assert H.order == 6 and not H.is_abelian
