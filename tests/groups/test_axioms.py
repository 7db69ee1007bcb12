"""Group axioms on Cayley tables: every failure is found and named."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    FiniteGroup,
    GroupAxiomError,
    check_group_axioms,
    cyclic,
    dihedral,
    quaternion,
    symmetric,
)

LOOP5 = np.array([[0, 1, 2, 3, 4], [1, 0, 3, 4, 2], [2, 4, 0, 1, 3],
                  [3, 2, 4, 0, 1], [4, 3, 1, 2, 0]])


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

