"""Group actions: conventions, the action axioms, and that a wrong action is caught."""


from __future__ import annotations

import itertools

import numpy as np
import pytest

from specproof.groups import (
    Conjugation,
    FeatureMapAction,
    GridAction,
    LeftMultiplication,
    PermutationAction,
    SignalAction,
    cyclic,
    dihedral,
    direct_sum,
    irrep,
    irreps,
    regular_representation,
    symmetric,
    verify_action,
)


def test_grid_conventions_match_group_indexing():
    x = np.arange(16.0).reshape(4, 4)
    D = GridAction(dihedral(4))
    C = GridAction(cyclic(4))
    assert np.array_equal(D("r", x), np.rot90(x))          # counter-clockwise quarter turn
    assert np.array_equal(C("r", x), np.rot90(x))
    assert np.array_equal(D("s", x), x[:, ::-1])            # left-right mirror
    assert np.array_equal(D("rs", x), np.rot90(x[:, ::-1]))  # flip first
    assert np.array_equal(D("r^2", x), x[::-1, ::-1])
    # rot90 counter-clockwise as displayed: the top-right corner goes to the top-left
    assert D("r", x)[0, 0] == x[0, 3]
    assert np.array_equal(GridAction(cyclic(2))("r", x), x[::-1, ::-1])
    assert np.array_equal(GridAction(dihedral(1))("s", x), x[:, ::-1])


@pytest.mark.parametrize("G", [cyclic(1), cyclic(2), cyclic(4), dihedral(1), dihedral(2),
                               dihedral(4)], ids=lambda G: G.name)
def test_grid_and_feature_map_actions_are_actions(G):
    assert verify_action(GridAction(G, size=4), samples=2, rng=0).ok
    for psi in irreps(G):
        res = verify_action(FeatureMapAction(G, psi, size=3), samples=2, rng=1)
        assert res.ok, res.reason
        assert res.max_error <= 1e-14
    res = verify_action(FeatureMapAction(G, regular_representation(G), size=3), 1, rng=2)
    assert res.ok and res.max_error == 0.0  # permutation matrices move entries exactly


def test_grid_rejects_inexact_groups_and_bad_shapes():
    with pytest.raises(ValueError, match=r"C8 .*N in \{1, 2, 4\}"):
        GridAction(cyclic(8))
    with pytest.raises(ValueError, match="D3"):
        GridAction(dihedral(3))
    # quarter turns map an H x W image to a W x H one (issue 8: they used to be refused)
    rect = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(GridAction(cyclic(4))("r", rect), np.rot90(rect))
    assert GridAction(dihedral(4), size=(2, 3)).random_point(np.random.default_rng(0)).shape \
        == (2, 3)
    with pytest.raises(ValueError, match="size"):
        GridAction(dihedral(4), size=(2, 3, 4))
    # half turns and flips are fine on rectangles
    assert GridAction(dihedral(2))("r", np.zeros((2, 3))).shape == (2, 3)
    act = FeatureMapAction(cyclic(4), irrep(cyclic(4), "rot_1"))
    with pytest.raises(ValueError, match=r"C = dim ρ = 2.*\(3, 3, 3\)"):
        act("r", np.zeros((3, 3, 3)))


def test_feature_map_action_applies_rho_after_moving_pixels():
    G = dihedral(4)
    rho = direct_sum(irrep(G, "rot_1"), irrep(G, "flip"))
    act = FeatureMapAction(G, rho)
    x = np.random.default_rng(0).standard_normal((4, 4, 3))
    for g in range(G.order):
        expected = np.einsum("ij,hwj->hwi", rho(g), GridAction(G)(g, x))
        assert np.allclose(act(g, x), expected, atol=1e-15)


@pytest.mark.parametrize("G", [cyclic(6), dihedral(5), symmetric(4)], ids=lambda G: G.name)
def test_group_acting_on_itself_and_on_signals(G):
    for A in (LeftMultiplication(G), Conjugation(G), SignalAction(G), SignalAction(G, 3)):
        res = verify_action(A, samples=2, rng=0)
        assert res.ok and res.n_pairs == G.order**2


def test_signal_action_formula_and_regular_rep():
    G = dihedral(4)
    A = SignalAction(G)
    x = np.random.default_rng(1).standard_normal(G.order)
    L = regular_representation(G)
    for g, h in itertools.product(range(G.order), repeat=2):
        assert A(g, x)[h] == x[G.mul(G.inverse(g), h)]
    for g in range(G.order):
        assert np.array_equal(A(g, x), L(g) @ x)  # [g.x](h) = x(g⁻¹h) is the left regular rep


def test_conjugation_fixes_centre():
    G = dihedral(4)
    C = Conjugation(G)
    r2 = G.index("r^2")
    assert all(C(g, r2) == r2 for g in range(G.order))
    assert C("s", G.index("r")) == G.index("r^3")


def test_permutation_action_and_its_errors():
    G = cyclic(3)
    A = PermutationAction(G, [[0, 1, 2, 3], [1, 2, 0, 3], [2, 0, 1, 3]])
    assert verify_action(A, samples=[0, 1, 2, 3]).ok
    assert A(1, np.array([0, 3])).tolist() == [1, 3]
    with pytest.raises(ValueError, match=r"perms\[1\].*not a permutation"):
        PermutationAction(G, [[0, 1], [0, 0], [1, 0]])
    with pytest.raises(ValueError, match=r"\(3, m\).*\(2, 2\)"):
        PermutationAction(G, [[0, 1], [1, 0]])


def test_verify_action_catches_wrong_actions_and_names_worst_pair():
    G = dihedral(4)

    class RightAsLeft(LeftMultiplication):
        def act(self, g, x):
            return self.group.table[np.asarray(x), g]

    res = verify_action(RightAsLeft(G), samples=list(range(G.order)))
    assert not res.ok and "compatibility" in res.reason
    a, b = res.worst_pair
    x = res.worst_sample
    assert G.mul(G.mul(x, b), a) != G.mul(x, G.mul(a, b))

    # D4 by rot90 and a transposed "flip" that is not a reflection paired with r this way:
    class WrongFlip(GridAction):
        def act(self, g, x):
            k, j = g % 4, g // 4
            y = np.rot90(x) if j else x  # s := r, violates s·s = e
            return np.rot90(y, k)

    res = verify_action(WrongFlip(G), samples=1, rng=0)
    assert not res.ok and res.max_error > 0.1

    class Drift(GridAction):
        def act(self, g, x):
            return super().act(g, x) + (g != self.group.identity) * 1e-3

    res = verify_action(Drift(cyclic(4)), samples=1, rng=0)
    assert not res.ok


def test_verify_action_bad_input():
    with pytest.raises(TypeError, match="Action"):
        verify_action(lambda g, x: x)
    with pytest.raises(ValueError, match="samples"):
        verify_action(LeftMultiplication(cyclic(3)), samples=0)

