"""A CSV number is read as its nearest float64; what would change it in kind is refused.

``np.loadtxt`` rounded an integer beyond 2^53 (the same integer in an int64 ``.npy`` was
refused) and read ``1e-400`` as 0: the certificate would describe another matrix.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError
from specproof.certificates.io import load_matrix


def _csv(tmp_path, text):
    p = tmp_path / "X.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize("token, what", [
    ("12345678901234567891", "integer 12345678901234567891"),
    ("-9007199254740993", "integer -9007199254740993"),
    ("9007199254740993.0", "integer 9007199254740993.0"),   # a point and zeros: integer
    ("+9007199254740993.", "integer +9007199254740993."),
    ("0" * 5000 + "9007199254740993", "(5016 characters)"),
    ("1e-400", "1e-400 at index (1, 0), which underflows"),
    ("-2.5E-330", "-2.5E-330 at index (1, 0), which underflows"),
    (".00001e-320", "underflows"),
])
def test_a_number_float64_would_change_in_kind_is_refused(tmp_path, token, what):
    with pytest.raises(ArgumentError, match="another matrix") as err:
        load_matrix(_csv(tmp_path, f"# header\n1,2\n{token}, 4 # note\n"))
    assert what in str(err.value)


@pytest.mark.parametrize("token, value", [
    ("9007199254740992", 2.0**53),          # representable: kept
    ("18014398509481984", 2.0**54),
    ("0", 0.0), ("-0.000e-999", -0.0), ("0e5", 0.0),   # zeros written as zeros
    ("4.9e-324", 5e-324),                   # the smallest subnormal is a number, not 0
    ("0.1", 0.1),                           # a decimal: its nearest float64
    ("1e308", 1e308),
    ("9007199254740993e0", 2.0**53),        # scientific notation: a float, its nearest
    ("1e23", 1e23),
    ("9007199254740992.000", 2.0**53),      # an integer float64 holds, with a point
])
def test_numbers_float64_keeps_are_read(tmp_path, token, value):
    X = load_matrix(_csv(tmp_path, f"1,2\n3,{token}\n"))
    assert X[1, 1] == value and np.signbit(X[1, 1]) == np.signbit(value)


def test_a_non_finite_integer_token_is_named_as_non_finite(tmp_path):
    with pytest.raises(ArgumentError, match="non-finite entry inf at index"):
        load_matrix(_csv(tmp_path, "1" + "0" * 400 + ",2\n3,4\n"))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_an_integer_is_read_exactly_or_refused(tmp_path_factory, n):
    p = tmp_path_factory.mktemp("csv") / "X.csv"
    p.write_text(f"{n},1\n")
    if float(n) == n:
        assert load_matrix(p)[0, 0] == n
    else:
        with pytest.raises(ArgumentError, match=f"integer {n} at index"):
            load_matrix(p)
