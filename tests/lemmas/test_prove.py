"""``prove``: matrix inequalities expanded entrywise, identities, bad input, and the pieces
(Newton basis, sign-symmetry blocks, facial reduction, exact rounding)."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates import check
from specproof.lemmas.exact_gram import face_basis, rational_kernel
from specproof.lemmas.matrices import Matrix
from specproof.lemmas.newton import half_newton_basis
from specproof.lemmas.prove import NotPolynomialError, Proved, prove, to_poly
from specproof.lemmas.symmetry import invariant_flips, split_by_character
from specproof.lemmas.verdicts import Undecided

FROB = 'norm(A @ B, "fro")**2 <= norm(A, "fro")**2 * norm(B, "fro")**2'
HADAMARD = 'norm(A * B, "fro")**2 <= norm(A, "fro")**2 * norm(B, "fro")**2'


@pytest.mark.parametrize("n, blocks", [(2, 4), (3, 27)])
def test_frobenius_submultiplicativity(n, blocks, tmp_path):
    A, B = Matrix("A", n, n), Matrix("B", n, n)
    r = prove(FROB, variables=[A, B])
    assert isinstance(r, Proved) and r.method == "sos" and r.multiplier == "1"
    assert r.degree == 4 and len(r.certificate.variables) == 2 * n * n
    # bihomogeneous Newton basis: the n^3 monomials A_ik B_kj drop out, the rest pair up
    # into 2x2 sign-symmetry blocks {A_ik B_lj, A_il B_kj}, one per (i, j, k < l)
    assert r.basis_sizes == (2,) * blocks
    assert f"Newton basis {2 * blocks} of" in r.details["basis"] and "bihomogeneous" in \
        r.details["basis"]
    assert r.details["facial_reductions"] == 1  # every block is singular: aligned rank one
    path = r.save(tmp_path / "frob.json")
    assert check(str(path), exact=True).ok


def test_hadamard_product_frobenius_norm():
    A, B = Matrix("A", 2, 2), Matrix("B", 2, 2)
    r = prove(HADAMARD, variables=[A, B])
    # ||A o B||_F^2 = sum a_ij^2 b_ij^2 <= (sum a^2)(sum b^2): monomial squares only
    assert isinstance(r, Proved) and r.basis_sizes == (1,) * 12


def test_spectral_norm_statement_is_not_polynomial():
    A, B = Matrix("A", 2, 2), Matrix("B", 2, 2)
    with pytest.raises(NotPolynomialError, match="only refutation applies"):
        prove("norm(A * B, 2) <= norm(A, 2) * norm(B, 2)", variables=[A, B])
    with pytest.raises(NotPolynomialError, match="not polynomial"):
        prove("sqrt(x**2 + 1) >= 1")


def test_identities_are_tested_exactly():
    r = prove("(x + y)**3 == x**3 + 3*x**2*y + 3*x*y**2 + y**3")
    assert isinstance(r, Proved) and r.method == "identity" and r.certificate is None
    no = prove("(x + y)**2 == x**2 + y**2")
    assert isinstance(no, Undecided) and "expands to 2*x*y, not 0" in no.tried[0]


def test_progress_prints_each_attempt(capsys):
    prove("x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0", progress=True)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "t* = -0.75" in err[0] and err[1].endswith("proved")


def test_odd_degree_is_reported():
    r = prove("x**3 + x**2 >= 0")
    assert isinstance(r, Undecided) and "odd degree 3" in r.tried[0]


def test_strictly_feasible_needs_no_facial_reduction():
    r = prove("x**2 + x*y + y**2 + 1 >= 0")
    assert isinstance(r, Proved) and r.details["facial_reductions"] == 0
    assert r.details["t_star"] > 0.1
    doc = r.to_dict()
    json.dumps(doc)
    assert doc["verdict"] == "PROVED" and doc["certificate"]["schema"].startswith(
        "specproof.sos-certificate")


@pytest.mark.parametrize("kwargs, words", [
    ({"multiplier": "cube"}, "multiplier must be one of"),
    ({"generators": "all"}, "generators must be one of"),
    ({"degree": -2}, "degree must be a non-negative integer"),
    ({"solver": "mosek"}, "solver must be one of"),
    ({"max_power": 99}, "max_power must be an integer"),
    ({"bits": 2}, "bits must be None or an integer"),
])
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        prove("x**2 >= 0", **kwargs)


def test_identity_has_no_certificate_file(tmp_path):
    r = prove("x*(x + 1) == x**2 + x")
    with pytest.raises(ValueError, match="no certificate file"):
        r.save(tmp_path / "c.json")


def test_statements_without_variables_are_evaluated_exactly():
    assert prove("3/7 + 1/7 >= 4/7").method == "exact evaluation"
    no = prove("1/3 >= 1/2")
    assert isinstance(no, Undecided) and "-1/6, which is negative" in no.tried[0]


# ----------------------------------------------------------------------------- pieces
def test_newton_basis_of_motzkin_and_its_multiple():
    x, y = sympy.symbols("x y")
    m = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
    assert sorted(half_newton_basis(list(to_poly(m, (x, y))))) == [(0, 0), (1, 1), (1, 2),
                                                                   (2, 1)]
    mm = to_poly((x**2 + y**2 + 1) * m, (x, y))
    basis = half_newton_basis(list(mm))
    assert len(basis) == 9 and (0, 3) not in basis   # y^6 is not in the support
    blocks = split_by_character(basis, invariant_flips(list(mm)))
    assert sorted(len(b) for b in blocks) == [2, 2, 2, 3]


def test_flips_of_a_bilinear_form():
    # x1 y1 + x2 y2: flipping (x1, y1) or (x2, y2) leaves it invariant, and their sum
    flips = invariant_flips([(1, 0, 1, 0), (0, 1, 0, 1)])
    assert len(flips) == 2


def test_rational_kernel_and_face():
    G = np.array([[2.0, -2.0, 0.0], [-2.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    kernel = rational_kernel(G)
    assert kernel == [[F(1), F(1), F(0)]]
    Q = face_basis(kernel, 3)
    assert [[int(v) for v in row] for row in Q] == [[-1, 0], [1, 0], [0, 1]]
    assert rational_kernel(np.eye(2)) == []


# --------------------------------------------------------------------- property tests
_small = st.integers(-3, 3)


@settings(max_examples=12, deadline=None)
@given(a=st.lists(st.tuples(_small, _small, _small), min_size=1, max_size=3),
       c=st.fractions(min_value=0, max_value=4, max_denominator=16))
def test_random_sums_of_squares_are_proved(a, c):
    """sum_i (a_i x + b_i y + c_i)^2 + c is SoS: proved, and the file checks exactly."""
    x, y = sympy.symbols("x y", real=True)
    p = sum((u * x + v * y + w) ** 2 for u, v, w in a) + sympy.Rational(c.numerator,
                                                                        c.denominator)
    r = prove(sympy.GreaterThan(sympy.expand(p), 0, evaluate=False))
    assert isinstance(r, Proved)
    assert r.certificate is None if p.is_number else check(r.certificate).ok


@settings(max_examples=12, deadline=None)
@given(px=st.integers(-4, 4), py=st.integers(-4, 4),
       eps=st.fractions(min_value=F(1, 10**12), max_value=1))
def test_false_statements_are_never_proved(px, py, eps):
    """(x - px)^2 (1 + y^2) + (y - py)^4 - eps is negative at (px, py): never Proved."""
    x, y = sympy.symbols("x y", real=True)
    p = (x - px) ** 2 * (1 + y**2) + (y - py) ** 4 - sympy.Rational(eps.numerator,
                                                                    eps.denominator)
    r = prove(sympy.GreaterThan(sympy.expand(p), 0, evaluate=False))
    assert isinstance(r, Undecided)


def test_not_strictly_feasible_without_a_face_is_undecided_with_the_reason(monkeypatch):
    """Motzkin times 1 + x^2 + y^2 has real zeros, so every Gram matrix is singular. Without
    facial reduction (its kernel made unavailable here) rounding cannot succeed, and prove
    says so instead of presenting the numerical solution."""
    import specproof.lemmas.sos_search as search

    monkeypatch.setattr(search, "rational_kernel", lambda G: None)
    r = prove("x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0", multiplier="reznick",
              max_power=1)
    assert isinstance(r, Undecided)
    assert "not strictly feasible" in r.tried[0] and "no rational basis" in r.tried[0]


@pytest.mark.parametrize("scale", ["/10**350", "/2**1000/2**70", "*10**400"])
def test_every_magnitude(scale):
    """The rounding grid is relative to the scaled coefficients, so statements at 1e-350
    or 1e400 are proved like any other, and their false neighbours are not."""
    r = prove(f"(x**4 + x**2*y**2 + y**4 + x**2 + y**2 + 1){scale} >= 0")
    assert isinstance(r, Proved) and check(r.certificate).ok
    m = prove(f"(x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1){scale} >= 0")
    assert isinstance(m, Proved) and m.multiplier == "(1 + x^2 + y^2)^1"
    false = prove(f"(x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 - 1/10**20){scale} >= 0")
    assert isinstance(false, Undecided)
