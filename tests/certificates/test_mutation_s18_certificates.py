"""Mutation-testing findings (s18): false bounds that a weakened checker would accept."""

from fractions import Fraction as F

import numpy as np

from specproof.certificates.certificate import Certificate
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric


def _cert(X, C, basis, G, q, exact=True, gram_float=None):
    Xr = tuple(tuple(F(x) for x in row) for row in X)
    Gr = tuple(tuple(F(x) for x in row) for row in G)
    gf = (np.array([[float(x) for x in row] for row in Gr]) if gram_float is None
          else np.array(gram_float, dtype=float))
    return Certificate(q=q, X=np.array([[float(x) for x in row] for row in Xr]),
                       X_rational=Xr, C=F(C), basis=tuple(basis), gram=gf,
                       gram_rational=Gr if exact else None)


def test_exact_checker_rejects_a_gram_matrix_asymmetric_just_below_the_diagonal():
    # ||(1, 1)||_{2->2}^2 = 2, so C = 1 is false: p = v1^2 + v2^2 - (v1 + v2)^2 = -2 v1 v2.
    # G = [[0, -2], [0, 0]] gives z^T G z = -2 v1 v2 (the identity holds) and its lower
    # triangle, all that the LDL^T reads, is the PSD zero matrix: only the symmetry test
    # on the entry (1, 0) vs (0, 1), next to the diagonal, stands between it and VALID.
    cert = _cert([[1, 1]], 1, [(1, 0), (0, 1)], [[0, -2], [0, 0]], q=2)
    r = check_exact(cert)
    assert not r.ok and r.code == "not_symmetric"
    # the same at every sub-diagonal position of a larger matrix
    basis = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    for a, b in [(1, 0), (2, 1), (2, 0)]:
        G = [[0] * 3 for _ in range(3)]
        G[b][a] = -2  # upper entry only: x_a x_b coefficient -2, lower triangle zero
        c = 3 - a - b
        G[c][c] = 1  # the v_c^2 of C ||v||^2
        X = [[1 if j in (a, b) else 0 for j in range(3)]]
        r = check_exact(_cert(X, 1, basis, G, q=2))
        assert not r.ok and r.code == "not_symmetric", (a, b, r.reason)


def test_numeric_checker_requires_lambda_min_at_least_N_times_the_residual():
    # ||(1, 1, 1)||_{2->2}^2 = 3, so C = 2 is false: p = 2||v||^2 - (v1+v2+v3)^2 is
    # z^T (2I - J) z, indefinite. G = 3I leaves residuals r = -2 on every monomial
    # (rho = 2 after the exact rescaling, 1/2), and lambda_min(G) = 3 (3/4): at least rho
    # but below N * rho. Only the factor N of the Gershgorin bound rejects it (here
    # G + R = 2I - J is not PSD).
    basis = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    G = [[3, 0, 0], [0, 3, 0], [0, 0, 3]]
    for exact in (False, True):
        r = check_numeric(_cert([[1, 1, 1]], 2, basis, G, q=2, exact=exact))
        assert not r.ok and r.code == "margin_too_small", r.reason
    assert not check_exact(_cert([[1, 1, 1]], 2, basis, G, q=2)).ok


def test_numeric_checker_bounds_the_rounding_of_the_residual():
    # ||(3/7)||_{2->2}^2 = 9/49; C = 9/49 - 2^-200 is false. After the exact rescaling
    # (X * 2, C * 4) the float residual C - x^2 rounds to 2^-53 > 0 although the true one
    # is negative: a G = [[g]] with g just above half of it leaves |r_hat| < g. Only the
    # gamma_K term of the residual bound (rounding of the data products and sums) rejects it.
    x = F(3, 7)
    C = x * x - F(1, 2**200)
    g = 0.625 * 2.0**-53 / 4  # in the file's units (the scaled G is 4 g)
    cert = Certificate(q=2, X=np.array([[float(x)]]), X_rational=((x,),), C=C,
                       basis=((1,),), gram=np.array([[g]]))
    r = check_numeric(cert)
    assert not r.ok and r.code == "margin_too_small", r.reason


def test_numeric_checker_rejects_a_gram_matrix_asymmetric_below_the_diagonal():
    # ||(1, 1)||_{2->2}^2 = 2, so C = 3/2 is false: p = (v1^2 + v2^2)/2 - 2 v1 v2.
    # G = [[1/2, -2], [0, 1/2]] matches p exactly (G_01 + G_10 = -2), and its lower
    # triangle, all that eigvalsh reads, is I/2: positive definite. Only the symmetry test
    # rejects it, for the float-only file and for the exact one alike.
    G = [[F(1, 2), -2], [0, F(1, 2)]]
    for exact in (False, True):
        cert = _cert([[1, 1]], F(3, 2), [(1, 0), (0, 1)], G, q=2, exact=exact)
        r = check_numeric(cert)
        assert not r.ok and r.code == "not_symmetric", (exact, r.reason)


def test_numeric_checker_rejects_a_basis_that_cannot_represent_a_nonzero_monomial():
    # ||(1, 1)||_{2->4}^4 = 4, so C = 3 is false. The basis {v1^2, v2^2} with G = 2I
    # matches p = 2 v1^4 + 0 v1^2 v2^2 + 2 v2^4 - 4 v1^3 v2 - 4 v1 v2^3 on every monomial it
    # can represent; v1^3 v2 and v1 v2^3 (coefficient -4) are no product z_a z_b.
    for exact in (False, True):
        cert = _cert([[1, 1]], 3, [(2, 0), (0, 2)], [[2, 0], [0, 2]], q=4, exact=exact)
        r = check_numeric(cert)
        assert not r.ok and r.code == "not_representable", r.reason
        assert not check_exact(cert).ok if exact else True


def test_the_numeric_margins_are_the_documented_ones():
    # specification test: no input found where dropping these terms accepts a false bound
    # (the residual term N * rho dominates LAPACK's actual error), but the proof in the
    # module docstring needs them: lambda_lower <= lambda_hat - (2N+2) u ||G||_F
    from specproof.certificates.check_numeric import frobenius_bound, gram_margin
    from specproof.certificates.constants import UNIT

    rng = np.random.default_rng(3)
    B = rng.standard_normal((6, 6))
    G = B @ B.T
    basis = [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 2, 0), (0, 1, 1), (0, 0, 2)]
    X = rng.uniform(-1, 1, (4, 3))
    m = gram_margin(X, 10.0, G, basis, 4)
    N = len(basis)
    assert m.eigenvalue_margin >= (2 * N + 2) * UNIT * frobenius_bound(G)
    assert m.lambda_lower <= m.lambda_computed - m.eigenvalue_margin
