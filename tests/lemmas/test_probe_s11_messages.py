"""Statement errors name the place and the cause in the user's terms (probe, session 11).

"x**2 >= y +" was "unparsable at column 1" (Python gives no column when the text ends
early), and "1/0 >= 0" said only "zoo is not a finite real number".
"""

import pytest

from specproof import lemmas as lm
from specproof.lemmas.errors import StatementError


@pytest.mark.parametrize("text, col", [("x**2 >= y +", 12), ("x**2 >= ", 8), ("x + ", 4)])
def test_a_statement_that_ends_early_is_named_at_its_end(text, col):
    with pytest.raises(StatementError, match=rf"at column {col}: the statement ends before"):
        lm.as_statement(text)


@pytest.mark.parametrize("text, why", [("1/0 >= 0", "it divides by zero"),
                                       ("0/0 + x >= 1", r"0/0 or oo - oo")])
def test_an_undefined_constant_says_why(text, why):
    with pytest.raises(StatementError, match=rf"not a finite real number \({why}"):
        lm.as_statement(text)


@pytest.mark.parametrize("spec, message", [
    ("A=3x3:foo", "--matrix 'A=3x3:foo': KIND must be one of general, sym, psd, orth, diag"),
    ("A=0x3", "--matrix 'A=0x3': N must be a positive integer, got 0"),
    ("A=3x0", "--matrix 'A=3x0': M must be a positive integer, got 0"),
])
def test_matrix_option_errors_are_in_the_options_words(capsys, spec, message):
    from specproof.cli import main

    assert main(["lemma", "norm(A) >= 0", "--matrix", spec]) == 2
    assert message in capsys.readouterr().err
