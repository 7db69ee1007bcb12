"""Mutation-testing findings (s18): the exact PSD test on near-singular indefinite matrices."""

from fractions import Fraction as F

from specproof.certificates.check_sos import check_sos
from specproof.certificates.ldl import _bareiss_psd, ldl_psd
from specproof.certificates.sos_certificate import Block, SoSCertificate

# Indefinite by a few units of 2^-52 along a direction of a singular integer matrix, and
# positive definite once rounded to floats: the float Cholesky proposes a factor K, and
# R = A - K K^T is *not* diagonally dominant; only |R_ab| (not the signed sum of a row's
# off-diagonal entries, which are negative here) shows it.
_A = [
    [F(162129586585337951, 40532396646334464), F(40532396646334477, 20266198323167232),
     F(13, 20266198323167232)],
    [F(40532396646334477, 20266198323167232), F(25332747903959047, 5066549580791808),
     F(-40532396646334477, 10133099161583616)],
    [F(13, 20266198323167232), F(-40532396646334477, 10133099161583616),
     F(20266198323167239, 5066549580791808)],
]


def test_a_near_singular_indefinite_matrix_is_not_psd_by_every_backend():
    assert not _bareiss_psd(_A).psd  # the elimination: a negative pivot
    for backend in (None, "auto", "factor-dd", "bareiss", "fraction"):
        assert not ldl_psd(_A, backend=backend).psd, backend


def test_check_sos_rejects_a_quadratic_form_that_is_indefinite_by_2_to_the_minus_52():
    names = ("x", "y", "z")
    p = {}
    for i in range(3):
        for j in range(3):
            e = tuple((i == k) + (j == k) for k in range(3))
            p[e] = p.get(e, F(0)) + _A[i][j]
    cert = SoSCertificate(text="p(x, y, z) >= 0", variables=names, polynomial=p,
                          blocks=(Block((), ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
                                        tuple(tuple(r) for r in _A)),))
    r = check_sos(cert)
    assert not r.ok and r.code == "not_psd", r.reason


def test_a_rank_one_psd_matrix_whose_float_eigenvalue_is_negative_is_psd():
    # (3x - 2y - z)^2: LAPACK returns a smallest eigenvalue of about -1e-16, and the rounded
    # eigenvector w is an exact null vector (w^T A w == 0): that is no negative direction.
    A = [[F(9), F(-6), F(-3)], [F(-6), F(4), F(2)], [F(-3), F(2), F(1)]]
    for backend in (None, "factor-dd", "bareiss", "fraction"):
        r = ldl_psd(A, backend=backend)
        assert r.psd and r.rank == 1, (backend, r.reason)
    cert = SoSCertificate(text="(3*x - 2*y - z)**2 >= 0", variables=("x", "y", "z"),
                          polynomial={(2, 0, 0): F(9), (1, 1, 0): F(-12), (1, 0, 1): F(-6),
                                      (0, 2, 0): F(4), (0, 1, 1): F(4), (0, 0, 2): F(1)},
                          blocks=(Block((), ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
                                        tuple(tuple(r) for r in A)),))
    assert check_sos(cert).ok
