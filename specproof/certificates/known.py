"""Certificates written down by hand from closed-form SoS identities (no solver).

They are tight (``C`` equals the true norm), so their Gram matrices are singular: they
exercise the zero-pivot branch of the exact LDL^T and are the known values the tests
compare the checkers against.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from specproof._core import ArgumentError
from specproof.certificates.certificate import Certificate, float_copies
from specproof.certificates.polynomial import compositions


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

    Examples
    --------
    >>> boolean_cube(2)
    array([[-1., -1.],
           [-1.,  1.],
           [ 1., -1.],
           [ 1.,  1.]])
    """
    if not isinstance(m, int) or isinstance(m, bool) or m < 1:
        raise ArgumentError(f"m must be a positive integer, got {m!r}")
    return np.array(list(itertools.product((-1.0, 1.0), repeat=m)))


def boolean_cube_certificate(m: int) -> Certificate:
    """Exact, tight certificate of ``||X||_{2->4}^4 <= 2^m (3 - 2/m)`` for the Boolean cube.

    From ``sum_x <x,v>^4 = 2^m (3||v||^4 - 2 sum v_i^4)`` and the identity
    ``(3 - 2/m)||v||^4 - (3||v||^4 - 2 sum v_i^4) = (2/m) sum_{i<j} (v_i^2 - v_j^2)^2``:
    in the basis ``v_i v_j`` the Gram matrix is ``2^m (2/m) (m I - 1 1^T)`` on the squares
    ``v_i^2`` (a graph Laplacian: PSD, singular) and zero on the cross terms.

    Examples
    --------
    >>> cert = boolean_cube_certificate(3)
    >>> cert.C, len(cert.basis)
    (Fraction(56, 3), 6)
    """
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

    Examples
    --------
    >>> identity_certificate(3).C
    Fraction(1, 1)
    """
    if not isinstance(d, int) or isinstance(d, bool) or d < 1:
        raise ArgumentError(f"d must be a positive integer, got {d!r}")
    basis = compositions(d, 2)
    N = len(basis)
    G = [[Fraction(0)] * N for _ in range(N)]
    for a, b in enumerate(basis):
        if 2 not in b:
            G[a][a] = Fraction(2)
    X = np.eye(d, dtype=int).tolist()
    return _certificate(X, Fraction(1), basis, G, f"identity d={d}")
