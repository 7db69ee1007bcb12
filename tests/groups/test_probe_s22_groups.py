"""Review of 2026-12-07 (second): integer outputs, set actions and permutation actions in
the equivariance checks, and the table's out-of-range entries.

Each test failed before its fix: an int8 map off by 128 passed (``|int8(-128)|`` is
-128), a boolean map raised numpy's TypeError, a uint8 map's error wrapped around, a
set action with random inputs raised AttributeError, and a PermutationAction sending r
of C2 to a 3-cycle was taken as an action.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from specproof.groups import (
    FiniteGroup,
    GridAction,
    LeftMultiplication,
    PermutationAction,
    check_equivariance,
    cyclic,
    dihedral,
)
from specproof.groups.errors import GroupAxiomError, NotAHomomorphismError

D4 = dihedral(4)
GRID = GridAction(D4, size=4)


def _rolled(dtype, value):
    """A map that is not equivariant (a roll of the rows), with outputs of ``dtype``."""
    return lambda x: np.roll(np.where(x > 0, value, 0).astype(dtype), 1, axis=0)


def test_an_int8_map_off_by_128_is_not_equivariant():
    res = check_equivariance(_rolled(np.int8, -128), D4, GRID, GRID, rng=0)
    assert not res.ok  # was ok with worst_error 0.0
    ref = check_equivariance(_rolled(np.int64, -128), D4, GRID, GRID, rng=0)
    assert res.worst_error == pytest.approx(ref.worst_error, rel=1e-12)


def test_a_uint8_map_reads_the_error_of_its_values():
    res = check_equivariance(_rolled(np.uint8, 200), D4, GRID, GRID, rng=0)
    ref = check_equivariance(_rolled(np.int64, 200), D4, GRID, GRID, rng=0)
    assert res.worst_error == pytest.approx(ref.worst_error, rel=1e-12)  # was 215.5
    assert res.worst_error < 2


def test_boolean_maps_are_checked():
    assert check_equivariance(lambda x: x > 0, D4, GRID, GRID, rng=0).ok  # was a TypeError
    assert not check_equivariance(lambda x: np.roll(x > 0, 1, axis=0), D4, GRID, GRID,
                                  rng=0).ok


def test_set_actions_take_random_inputs():
    G = cyclic(5)
    act = LeftMultiplication(G)
    assert check_equivariance(lambda x: x, G, act, act, rng=0).ok  # was AttributeError
    assert not check_equivariance(lambda x: 0, G, act, act, rng=0).ok


def test_a_permutation_action_must_be_an_action():
    with pytest.raises(NotAHomomorphismError, match=r"\('r', 'r'\): not an action of C2"):
        PermutationAction(cyclic(2), [[0, 1, 2], [1, 2, 0]])
    with pytest.raises(NotAHomomorphismError, match="the identity 'e' moves points"):
        PermutationAction(cyclic(2), [[1, 0], [0, 1]])
    act = PermutationAction(D4, D4.table)  # the regular action
    assert int(act(D4.index("r"), D4.index("s"))) == D4.table[D4.index("r"), D4.index("s")]


@pytest.mark.parametrize("table, shown", [
    (np.array([[0, 1e20], [1, 0]]), "1e+20"),
    (np.array([[0, 2**63 + 1], [1, 0]], dtype=np.uint64), "9223372036854775809"),
])
def test_an_out_of_range_table_entry_is_named_as_written(table, shown):
    with pytest.raises(GroupAxiomError, match=re.escape(f"table[0, 1] = {shown} is not an")):
        FiniteGroup.from_table(table)
