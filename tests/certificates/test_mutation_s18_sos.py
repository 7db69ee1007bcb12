"""Mutation-testing findings (s18): forged general SoS certificates the exact checker must
refuse."""

from fractions import Fraction as F

from specproof.certificates.check_sos import check_sos
from specproof.certificates.sos_certificate import Block, EqualityTerm, SoSCertificate


def _poly(d):
    return {k: F(v) for k, v in d.items()}


def _sos(text, variables, p, blocks, ineqs=(), eqs=(), mc=0, mp=0, sub="none", eq_terms=()):
    return SoSCertificate(
        text=text, variables=tuple(variables), polynomial=_poly(p),
        inequalities=tuple(_poly(g) for g in ineqs), equalities=tuple(_poly(h) for h in eqs),
        multiplier_constant=F(mc), multiplier_power=mp, substitution=sub,
        blocks=tuple(Block(tuple(gen), tuple(basis), tuple(tuple(F(x) for x in r) for r in G))
                     for gen, basis, G in blocks),
        equality_terms=tuple(eq_terms))


def _refused(cert, code):
    r = check_sos(cert)
    assert not r.ok and r.code == code, (r.code, r.reason or r.message)


def test_a_gram_block_asymmetric_next_to_the_diagonal_is_refused():
    # x^2 - 4x + 1 >= 0 is false (x = 2 gives -3). G = [[1, -4], [0, 1]] on (1, x) has
    # z^T G z = 1 - 4x + x^2 and a PSD lower triangle (the identity): only the symmetry
    # test of the entry (1, 0) against (0, 1) refuses it.
    _refused(_sos("x**2 - 4*x + 1 >= 0", ["x"], {(2,): 1, (1,): -4, (0,): 1},
                  [((), [(0,), (1,)], [[1, -4], [0, 1]])]), "not_symmetric")


def test_every_gram_block_is_tested_psd_the_first_and_the_last():
    # x^2 - 1 >= 0 is false (x = 0); [1] on x plus [-1] on 1 is the identity
    p = {(2,): 1, (0,): -1}
    _refused(_sos("x**2 - 1 >= 0", ["x"], p, [((), [(1,)], [[1]]), ((), [(0,)], [[-1]])]),
             "not_psd")
    _refused(_sos("x**2 - 1 >= 0", ["x"], p, [((), [(0,)], [[-1]]), ((), [(1,)], [[1]])]),
             "not_psd")


def test_a_vanishing_multiplier_is_refused_on_a_domain_that_holds_the_origin():
    # on {-x^2 >= 0} = {0}, x^2 * (-1) = (-x^2) * 1 "proves" -1 >= 0: the multiplier x^2
    # vanishes at the only point of the domain
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [((0,), [(0,)], [[1]])],
                  ineqs=[{(2,): -1}], mc=0, mp=1), "bad_multiplier")


def test_the_squares_substitution_needs_x_ge_0_with_coefficient_one():
    # x >= 0 is false at x = -1; with x = y^2 it "is" y^2 = [1] on y
    blocks = [((), [(1,)], [[1]])]
    _refused(_sos("x >= 0", ["x"], {(1,): 1}, blocks, sub="squares"), "bad_generator")
    # -x >= 0 (x <= 0) is no x >= 0: it must not count as the orthant's constraint
    _refused(_sos("x >= 0", ["x"], {(1,): 1}, blocks, ineqs=[{(1,): -1}], sub="squares"),
             "bad_generator")


def test_a_constant_negative_domain_inequality_of_any_size_is_refused():
    for c, gram in ((F(-1, 2), 2), (F(-1), 1), (F(-2), F(1, 2))):
        # -1 = c * (-1/c): "proves" -1 >= 0 on the empty domain {c >= 0}
        _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [((0,), [(0,)], [[gram]])],
                      ineqs=[{(0,): c}]), "bad_generator")


def test_a_constant_nonzero_domain_equality_is_refused_in_any_position():
    tau = EqualityTerm(0, _poly({(0,): -1}))
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [], eqs=[{(0,): 1}], eq_terms=[tau]),
             "bad_generator")
    tau = EqualityTerm(1, _poly({(0,): -1}))
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [], eqs=[{(1,): 1}, {(0,): 1}],
                  eq_terms=[tau]), "bad_generator")


def test_contradictory_bounds_are_found_whatever_the_order_of_the_constraints():
    one = [(0,)]
    # x >= 1, x >= 5, x <= 4: the strongest lower bound (5), not the first, contradicts
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1},
                  [((1,), one, [[1]]), ((2,), one, [[1]])],
                  ineqs=[{(1,): 1, (0,): -1}, {(1,): 1, (0,): -5}, {(1,): -1, (0,): 4}]),
             "bad_generator")
    # x >= 5, x <= 4, x <= 10: the strongest upper bound (4)
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1},
                  [((0,), one, [[1]]), ((1,), one, [[1]])],
                  ineqs=[{(1,): 1, (0,): -5}, {(1,): -1, (0,): 4}, {(1,): -1, (0,): 10}]),
             "bad_generator")
    # x >= 5 and x <= 9/2: bounds apart by 1/2 only
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [((0,), one, [[2]]), ((1,), one, [[2]])],
                  ineqs=[{(1,): 1, (0,): -5}, {(1,): -1, (0,): F(9, 2)}]), "bad_generator")
    # x = 9/2 and x <= 4: an equality half a unit beyond an inequality
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [((0,), one, [[2]])],
                  ineqs=[{(1,): -1, (0,): 4}], eqs=[{(1,): 1, (0,): F(-9, 2)}],
                  eq_terms=[EqualityTerm(0, _poly({(0,): 2}))]), "bad_generator")
    # x = 1 and x = 2
    _refused(_sos("-1 >= 0", ["x"], {(0,): -1}, [],
                  eqs=[{(1,): 1, (0,): -1}, {(1,): 1, (0,): -2}],
                  eq_terms=[EqualityTerm(0, _poly({(0,): -1})),
                            EqualityTerm(1, _poly({(0,): 1}))]), "bad_generator")
