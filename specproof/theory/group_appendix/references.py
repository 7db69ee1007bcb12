"""What the group-appendix claims compare the library with, formed in plain numpy: the
irreps of ``C_N`` and ``D_N`` and the characters of ``Q8`` as their docstrings define them,
the homomorphism property checked on a whole Cayley table, and the left and right regular
representations of D3 written out by hand."""

from __future__ import annotations

import numpy as np

from specproof.groups import FiniteGroup, Representation


def documented_irreps(G: FiniteGroup) -> dict[str, np.ndarray]:
    r"""The real irreps of ``C_N`` and ``D_N`` as the family docstrings define them, formed
    here in numpy rather than read from the library.

    ``C_N`` (element ``r^k`` has index ``k``): ``trivial``; ``alt`` (``r -> -1``, N even);
    ``rot_f`` for ``0 < f < N/2``, ``r -> R(2 pi f / N)``. ``D_N`` (``r^k s^j`` has index
    ``k + N j``): also ``flip`` (``s -> -1``), for N even ``alt`` (``r -> -1``) and
    ``alt_flip`` (both ``-1``), and ``rot_f`` sends ``s`` to ``diag(1, -1)``.

    Parameters
    ----------
    G : FiniteGroup
        A cyclic or dihedral group.

    Returns
    -------
    dict
        Irrep name -> matrices, shape ``(|G|, d, d)``.
    """
    fam, N = G.family[0], G.family[1]
    idx = np.arange(G.order)
    k, j = idx % N, idx // N  # j = 0 throughout for C_N
    one = {"trivial": np.ones(G.order)}
    if fam == "dihedral":
        one["flip"] = (-1.0) ** j
    if N % 2 == 0:
        one["alt"] = (-1.0) ** k
        if fam == "dihedral":
            one["alt_flip"] = (-1.0) ** (k + j)
    out = {name: v[:, None, None] for name, v in one.items()}
    mirror = np.where(j[:, None, None] == 1, np.diag([1.0, -1.0]), np.eye(2))
    for f in range(1, (N + 1) // 2):
        if 2 * f != N:
            t = 2.0 * np.pi * f * k / N
            turn = np.stack([np.stack([np.cos(t), -np.sin(t)], -1),
                             np.stack([np.sin(t), np.cos(t)], -1)], -2)
            out[f"rot_{f}"] = turn @ mirror
    return out


def documented_characters(G: FiniteGroup) -> dict[str, np.ndarray]:
    """Irrep name -> closed-form character: the traces of :func:`documented_irreps` for
    ``C_N`` and ``D_N``; for ``Q8`` (``±u`` has index ``u + 4 [sign < 0]``) ``chi_u`` is
    +1 exactly on ``±1, ±u``, and the 4-dimensional ``quaternion`` irrep has character 4
    at 1, -4 at -1 and 0 elsewhere."""
    if G.family[0] == "quaternion":
        unit = np.arange(8) % 4
        chars = {"trivial": np.ones(8)}
        for u, name in ((1, "chi_i"), (2, "chi_j"), (3, "chi_k")):
            chars[name] = np.where((unit == 0) | (unit == u), 1.0, -1.0)
        chars["quaternion"] = np.array([4.0, 0, 0, 0, -4.0, 0, 0, 0])
        return chars
    return {name: np.trace(m, axis1=1, axis2=2) for name, m in documented_irreps(G).items()}


def homomorphism_defect(G: FiniteGroup, mats: np.ndarray) -> float:
    """``max |rho(a) rho(b) - rho(ab)|`` over every pair of the Cayley table, and
    ``|rho(e) - I|`` (computed here, not by the library)."""
    defect = float(np.abs(mats[G.identity] - np.eye(mats.shape[1])).max())
    for a in range(G.order):
        defect = max(defect, float(np.abs(mats[a] @ mats - mats[G.table[a]]).max()))
    return defect


# The conventions, written out by hand on D3 (elements e, r, r^2, s, rs, r^2s, indices 0-5,
# with r^a s^i · r^b s^j = r^(a + (-1)^i b) s^(i+j)) for f(g) = PIN_F[g]: the right regular
# representation (R_h f)(g) = f(g·h) and the left one (L_h f)(g) = f(h^-1·g). Characters
# cannot tell them apart (both are |G| at e and 0 elsewhere), nor from R(h)^T.
PIN_F = np.arange(6.0)
PIN_RIGHT = {1: np.array([1.0, 2.0, 0.0, 5.0, 3.0, 4.0]),   # R_r f: g -> f(g r)
             3: np.array([3.0, 4.0, 5.0, 0.0, 1.0, 2.0])}   # R_s f: g -> f(g s)
PIN_LEFT = {1: np.array([2.0, 0.0, 1.0, 5.0, 3.0, 4.0]),    # L_r f: g -> f(r^2 g)
            3: np.array([3.0, 5.0, 4.0, 0.0, 2.0, 1.0])}    # L_s f: g -> f(s g)


def pin_errors(left: Representation, right: Representation) -> dict[str, float]:
    """``max |rho(h) f - PIN|`` for the left and right regular representations of D3."""
    return {f"{side} {('r', 's')[h == 3]}": float(np.abs(rho.matrices[h] @ PIN_F - pin).max())
            for side, rho, pins in (("left", left, PIN_LEFT), ("right", right, PIN_RIGHT))
            for h, pin in pins.items()}
