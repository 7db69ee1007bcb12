"""Named families: cyclic C_N, dihedral D_N, symmetric S_n, the Klein four-group, products.

Index conventions (fixed; other modules and users rely on them):

* ``cyclic(N)``: element ``r^k`` has index ``k``; ``r`` is the rotation by ``2π/N``.
* ``dihedral(N)``: element ``r^k s^j`` (``0 <= k < N``, ``j ∈ {0, 1}``) has index
  ``k + N*j``; ``r`` is the rotation by ``2π/N``, ``s`` a reflection, ``s r s = r⁻¹``.
  Labels ``"e", "r", "r^2", ..., "s", "rs", "r^2s", ...``.
* ``symmetric(n)``: the ``n!`` permutations of ``{0, ..., n-1}`` in lexicographic order of
  their image arrays (index 0 is the identity); products compose as functions,
  ``(a·b)(x) = a(b(x))``.
* ``klein_four()``: ``e, a, b, ab`` with indices 0..3 (``a·b`` is XOR of the indices).
* ``quaternion()``: ``1, i, j, k, -1, -i, -j, -k`` with indices 0..7 (``i² = j² = k² = ijk = -1``).
"""

from __future__ import annotations

import itertools

import numpy as np

from specproof.groups.finite import FiniteGroup


def _check_positive(name: str, value: object) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _power_label(k: int) -> str:
    return "e" if k == 0 else ("r" if k == 1 else f"r^{k}")


def cyclic(N: int) -> FiniteGroup:
    """The cyclic group ``C_N`` of rotations by multiples of ``2π/N``.

    Parameters
    ----------
    N : int
        Order, ``N >= 1``.

    Examples
    --------
    >>> G = cyclic(4)
    >>> G.labels, G.mul(3, 2)
    (['e', 'r', 'r^2', 'r^3'], 1)
    """
    N = _check_positive("N", N)
    k = np.arange(N)
    table = (k[:, None] + k[None, :]) % N
    return FiniteGroup(table, labels=[_power_label(i) for i in range(N)], name=f"C{N}",
                       generators=[1] if N > 1 else [], family=("cyclic", N), _checked=True)


def dihedral(N: int) -> FiniteGroup:
    """The dihedral group ``D_N`` of order ``2N`` (symmetries of the regular N-gon).

    Element ``r^k s^j`` has index ``k + N*j``; ``r^a s^i · r^b s^j = r^(a + (-1)^i b) s^(i+j)``.

    Parameters
    ----------
    N : int
        Number of rotations, ``N >= 1``.

    Examples
    --------
    >>> G = dihedral(4)
    >>> G.order, G.labels[5], G.labels[G.mul("s", "r")]
    (8, 'rs', 'r^3s')
    """
    N = _check_positive("N", N)
    idx = np.arange(2 * N)
    k, j = idx % N, idx // N
    sign = np.where(j == 1, -1, 1)
    kk = (k[:, None] + sign[:, None] * k[None, :]) % N
    jj = (j[:, None] + j[None, :]) % 2
    table = kk + N * jj
    labels = [_power_label(i) for i in range(N)]
    labels += ["s" if i == 0 else _power_label(i) + "s" for i in range(N)]
    return FiniteGroup(table, labels=labels, name=f"D{N}",
                       generators=([1] if N > 1 else []) + [N], family=("dihedral", N),
                       _checked=True)


def symmetric(n: int) -> FiniteGroup:
    """The symmetric group ``S_n`` on ``{0, ..., n-1}``.

    Elements are the permutations in lexicographic order of image arrays; labels are cycle
    notation. Generators: the transposition ``(0 1)`` and the n-cycle ``(0 1 ... n-1)``.

    Parameters
    ----------
    n : int
        Degree, ``1 <= n <= 7`` (``7! = 5040`` elements is the largest table kept).

    Examples
    --------
    >>> G = symmetric(3)
    >>> G.order, G.labels[:3]
    (6, ['e', '(1 2)', '(0 1)'])
    """
    n = _check_positive("n", n)
    if n > 7:
        raise ValueError(f"n must be <= 7 (the Cayley table of S_n has n!² entries), got {n}")
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
    gens: list[int] = []
    if n > 1:
        keys = {tuple(p): i for i, p in enumerate(perms.tolist())}
        transposition = list(range(n))
        transposition[0], transposition[1] = 1, 0
        cycle = [(x + 1) % n for x in range(n)]
        gens = sorted({keys[tuple(transposition)], keys[tuple(cycle)]})
    return FiniteGroup._from_perm_array(perms, name=f"S{n}", generators=gens,
                                        family=("symmetric", n))


def klein_four() -> FiniteGroup:
    """The Klein four-group ``V = {e, a, b, ab}`` (``≅ C2 × C2``), product = XOR of indices.

    Examples
    --------
    >>> V = klein_four()
    >>> V.labels, V.mul("a", "b")
    (['e', 'a', 'b', 'ab'], 3)
    """
    k = np.arange(4)
    return FiniteGroup(k[:, None] ^ k[None, :], labels=["e", "a", "b", "ab"], name="V4",
                       generators=[1, 2], family=("klein",), _checked=True)


def quaternion_units() -> np.ndarray:
    """Left-multiplication matrices of ``1, i, j, k, -1, -i, -j, -k`` on ℍ = R⁴ (basis 1, i, j, k).

    Examples
    --------
    >>> L = quaternion_units()
    >>> bool(np.array_equal(L[1] @ L[2], L[3]))  # i·j = k
    True
    """

    def mult(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        a1, b1, c1, d1 = p
        a2, b2, c2, d2 = q
        return np.array([a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
                         a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
                         a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
                         a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2])

    basis = np.eye(4)
    units = [basis[i] for i in range(4)] + [-basis[i] for i in range(4)]
    return np.array([np.stack([mult(u, e) for e in basis], axis=1) for u in units])


def quaternion() -> FiniteGroup:
    """The quaternion group ``Q8 = {±1, ±i, ±j, ±k}``; index of ``±u`` is ``u + 4·[sign < 0]``.

    Its 4-dimensional real irrep (ℍ acting on itself) has quaternionic type, ``c = 4``.

    Examples
    --------
    >>> Q = quaternion()
    >>> Q.labels[Q.mul("i", "j")], Q.labels[Q.mul("j", "i")], Q.is_abelian
    ('k', '-k', False)
    """
    L = quaternion_units()
    flat = L.reshape(8, 16)
    prod = np.einsum("aij,bjk->abik", L, L).reshape(8, 8, 16)
    table = np.argmin(np.abs(prod[:, :, None, :] - flat[None, None]).sum(-1), axis=2)
    return FiniteGroup(table, labels=["1", "i", "j", "k", "-1", "-i", "-j", "-k"], name="Q8",
                       generators=[1, 2], family=("quaternion",))


def direct_product(G: FiniteGroup, H: FiniteGroup, name: str | None = None) -> FiniteGroup:
    """The direct product ``G × H``; element ``(g, h)`` has index ``g·|H| + h``.

    Labels are ``"(g,h)"`` with the factors' labels.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> P = direct_product(cyclic(2), cyclic(3))
    >>> P.order, P.is_abelian, P.labels[4]
    (6, True, '(r,r)')
    """
    for arg, X in (("G", G), ("H", H)):
        if not isinstance(X, FiniteGroup):
            raise TypeError(f"{arg} must be a FiniteGroup, got {type(X).__name__}")
    n, m = G.order, H.order
    g = np.repeat(np.arange(n), m)
    h = np.tile(np.arange(m), n)
    table = G.table[g[:, None], g[None, :]] * m + H.table[h[:, None], h[None, :]]
    labels = [f"({G.labels[a]},{H.labels[b]})" for a, b in itertools.product(range(n), range(m))]
    gens = [a * m + H.identity for a in G.generators] + [G.identity * m + b for b in H.generators]
    return FiniteGroup(table, labels=labels, name=name or f"{G.name}x{H.name}",
                       generators=gens, family=("product", G, H), _checked=True)


__all__ = ["cyclic", "dihedral", "direct_product", "klein_four", "quaternion",
           "quaternion_units", "symmetric"]
