"""Certificates written down by hand from closed-form SoS identities (no solver).

They are tight (``C`` equals the true norm), so their Gram matrices are singular: they
exercise the zero-pivot branch of the exact LDL^T and are the known values the tests
compare the checkers against.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from specproof._core import ArgumentError, ResourceLimitError
from specproof.certificates.certificate import Certificate, float_copies
from specproof.certificates.certify_inputs import check_monomials
from specproof.certificates.file_read import MAX_CERTIFICATE_BYTES
from specproof.certificates.polynomial import compositions

MAX_CUBE_ENTRIES = 2**28
"""Most entries ``2^m m`` of :func:`boolean_cube` (2 GiB in float64: m <= 23);
``boolean_cube(30)`` asked for 240 GiB and was killed by the OS."""

MAX_CUBE_CERTIFICATE_M = 19
"""Largest ``m`` of :func:`boolean_cube_certificate`: its file (about 21 bytes per entry
of X, 200 MB at m = 19, 430 MB at m = 20) must fit the 256 MiB a checker reads
(:data:`~specproof.certificates.file_read.MAX_CERTIFICATE_BYTES`); m = 30 raised a bare
MemoryError."""


def _as_size(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ArgumentError(f"{name} must be a positive integer, got {value!r}")
    return value


def _certificate(X: list[list[int]], C: Fraction, basis, G, name: str) -> Certificate:
    Xr = tuple(tuple(Fraction(x) for x in row) for row in X)
    return Certificate(
        q=4,
        X=np.array(X, dtype=float),
        X_rational=Xr,
        C=C,
        basis=tuple(basis),
        gram=float_copies(G),
        gram_rational=tuple(tuple(row) for row in G),
        provenance={"solver": "closed form", "construction": name},
    )


def boolean_cube(m: int) -> np.ndarray:
    """The ``2^m x m`` matrix whose rows are all of ``{-1, +1}^m``.

    Raises
    ------
    ResourceLimitError
        Beyond :data:`MAX_CUBE_ENTRIES` entries (m > 23), before anything is built.

    Examples
    --------
    >>> boolean_cube(2)
    array([[-1., -1.],
           [-1.,  1.],
           [ 1., -1.],
           [ 1.,  1.]])
    """
    m = _as_size(m, "m")
    if m > 64 or 2**m * m > MAX_CUBE_ENTRIES:  # 2^m first: 2**(10**9) takes minutes
        raise ResourceLimitError(
            f"m = {m}: the Boolean cube has 2^{m} rows of {m} entries, more than the limit of "
            f"{MAX_CUBE_ENTRIES:.3g} entries ({8 * MAX_CUBE_ENTRIES // 2**30} GiB in "
            "float64); use m <= 23")
    return np.array(list(itertools.product((-1.0, 1.0), repeat=m)))


def boolean_cube_certificate(m: int) -> Certificate:
    """Exact, tight certificate of ``||X||_{2->4}^4 <= 2^m (3 - 2/m)`` for the Boolean cube.

    From ``sum_x <x,v>^4 = 2^m (3||v||^4 - 2 sum v_i^4)`` and the identity
    ``(3 - 2/m)||v||^4 - (3||v||^4 - 2 sum v_i^4) = (2/m) sum_{i<j} (v_i^2 - v_j^2)^2``:
    in the basis ``v_i v_j`` the Gram matrix is ``2^m (2/m) (m I - 1 1^T)`` on the squares
    ``v_i^2`` (a graph Laplacian: PSD, singular) and zero on the cross terms.

    Raises
    ------
    ResourceLimitError
        ``m`` above :data:`MAX_CUBE_CERTIFICATE_M` (19), whose file no checker reads,
        refused before anything is built.

    Examples
    --------
    >>> cert = boolean_cube_certificate(3)
    >>> cert.C, len(cert.basis)
    (Fraction(56, 3), 6)
    """
    m = _as_size(m, "m")
    if m > MAX_CUBE_CERTIFICATE_M:
        # checked before anything is built: the checkers' own limits, stated up front
        check_monomials(m, 4, f"m = {m} (the cube has m columns)",
                        f"Use m <= {MAX_CUBE_CERTIFICATE_M}.")
        raise ResourceLimitError(
            f"m = {m}: the certificate of the Boolean cube has 2^{m} rows of X, a file of "
            f"about {21 * 2**m * m / 1e6:.0f} MB, more than the {MAX_CERTIFICATE_BYTES // 2**20}"
            f" MiB a checker reads; use m <= {MAX_CUBE_CERTIFICATE_M}")
    X = boolean_cube(m)
    basis = compositions(m, 2)
    squares = [b.index(2) if 2 in b else None for b in basis]
    scale = Fraction(2**m * 2, m)
    N = len(basis)
    G = [[Fraction(0)] * N for _ in range(N)]
    for a in range(N):
        for b in range(N):
            if squares[a] is not None and squares[b] is not None:
                G[a][b] = scale * ((m if a == b else 0) - 1)
    C = Fraction(2**m) * (3 - Fraction(2, m))
    return _certificate(X.astype(int).tolist(), C, basis, G, f"boolean cube m={m}")


def identity_certificate(d: int) -> Certificate:
    """Exact, tight certificate of ``||I_d||_{2->4}^4 <= 1``.

    ``||v||^4 - sum v_i^4 = 2 sum_{i<j} v_i^2 v_j^2``: the Gram matrix is diagonal, 2 on
    each cross monomial ``v_i v_j`` and 0 on the squares.

    Raises
    ------
    ResourceLimitError
        ``d > 24``: more monomials ``C(d+3, 4)`` than the checkers handle
        (:data:`~specproof.certificates.constants.MAX_MONOMIALS`), refused before anything
        is built.

    Examples
    --------
    >>> identity_certificate(3).C
    Fraction(1, 1)
    """
    d = _as_size(d, "d")
    # refused before anything is built: beyond C(d+3, 4) = 20000 monomials (d = 25) the
    # checkers call the certificate malformed (d = 300 raised a bare MemoryError, and
    # d = 10**6 a RecursionError)
    check_monomials(d, 4, f"d = {d}", "Use d <= {fits}.")
    basis = compositions(d, 2)
    N = len(basis)
    G = [[Fraction(0)] * N for _ in range(N)]
    for a, b in enumerate(basis):
        if 2 not in b:
            G[a][a] = Fraction(2)
    X = np.eye(d, dtype=int).tolist()
    return _certificate(X, Fraction(1), basis, G, f"identity d={d}")
