"""Pion's preconditioned skew generator and its moments, updated tile by tile.

One dense Pion side holds three ``d x d`` matrices: the first moment ``m`` (skew), the
second moment ``v`` (symmetric) and the generator ``A = -m / (sqrt(v) + eps)`` (skew).
Written as whole-array expressions, one update reads and writes them about a dozen
times, and the skew part ``X - X^T`` of the raw product reads ``X`` transposed, which
at d = 4096 costs more than all the rest (every element of a column lies in another
memory page). Here every matrix is visited once, in ``t x t`` tiles of its upper block
triangle: the tile's generator, moments and ``A`` are computed while the tile is in
cache, and the lower tile is written as the (negated) transpose of the upper one.

The results are *exactly* skew (``m``, ``A``) and symmetric (``v``): the lower triangle is
a copy, and every operation used commutes exactly with negation. Given the generator
``S``, they equal the whole-array expressions of :mod:`specproof.spectral.optimizers.pion`
entry for entry (the same elementwise operations, in the same order); ``S`` itself comes
from row-strip products, equal to the whole ``G W^T - W G^T`` to the rounding of the
products (BLAS sums a strip's entries in its own order).

Works on numpy arrays and torch tensors alike; ``inplace=True`` (the torch optimizer)
overwrites ``m`` and ``v``, ``False`` (the numpy optimizer, whose steps are atomic)
writes new arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof.spectral.optimizers.base import second_moment_overflow
from specproof.spectral.optimizers.tile_ops import tile_ops as _ops
from specproof.spectral.optimizers.workspace import Workspace

# 512 x 512 tiles: measured 3-5 % faster than 256 (fewer, larger GEMMs and elementwise
# calls; at two threads each call splits better) and no slower than 1024, at d = 4096
TILE = 512


def _overflow(side: str, v_tile: Any, S: Any, tile: Any, ri: slice, rj: slice,
              scratch: Any, inplace: bool) -> Exception:
    tile(ri, rj, S, scratch[: S.shape[0], : S.shape[1]])  # S again (it holds S * S now)
    S_name = "G W^T - W G^T" if side == "out" else "W^T G - G^T W"
    what = f"Pion's second moment v = b2 v + (1 - b2) S*S of the {side} side (S = {S_name})"
    changed = ("The weight was not changed, but the moments m and v were, in place, up "
               "to this tile" if inplace else "Nothing was changed")
    return second_moment_overflow(what, v_tile, S, "S", (ri.start, rj.start), changed)


def side_factors(W: Any, G: Any, side: str) -> tuple[Any, Any]:
    """``(a, b)`` with the side's generator ``G_side = a b^T - b a^T``.

    Out side: ``G W^T - W G^T``, so ``a = G, b = W``; in side: ``W^T G - G^T W``, so
    ``a = W^T, b = G^T`` (views, no copies).
    """
    return (G, W) if side == "out" else (W.T, G.T)


class _SkewTiles:
    """The tiles of ``a b^T - b a^T``: ``a_I b_J^T - b_I a_J^T``, two products per tile.

    A diagonal tile is ``X - X^T`` with ``X = a_I b_I^T``, so it is exactly skew. The
    tiles right of the diagonal come a row strip at a time (:meth:`strip`): two products
    of ``t x k x (d - e)`` run closer to the BLAS peak than ``2 (d - e) / t`` products of
    ``t x k x t`` (at d = 4096, k = 1024, t = 512: 462 against 518 ms one thread, 236
    against 295 ms two, measured).
    """

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def strip(self, ri: slice, start: int, out: Any, scratch: Any) -> None:
        """The columns ``start:`` of the row block ``ri``, into ``out`` (``scratch`` of its
        shape is overwritten)."""
        a, b = self.a, self.b
        _matmul(a[ri], b[start:].T, out)
        _ops(out).sub_product(out, b[ri], a[start:].T, scratch)

    def tile(self, ri: slice, rj: slice, out: Any, scratch: Any) -> None:
        a, b = self.a, self.b
        if ri == rj:
            _matmul(a[ri], b[rj].T, scratch)
            _ops(out).sub(scratch, scratch.T, out=out)
        else:
            _matmul(a[ri], b[rj].T, out)
            _ops(out).sub_product(out, b[ri], a[rj].T, scratch)


def _matmul(a: Any, b: Any, out: Any) -> None:
    if isinstance(a, np.ndarray):
        np.matmul(a, b, out=out)
    else:
        import torch

        torch.mm(a, b, out=out)


def preconditioned_generator(
    W: Any,
    G: Any,
    side: str,
    m: Any | None,
    v: Any | None,
    betas: tuple[float, float],
    eps: float,
    M: Any | None = None,
    inplace: bool = False,
    tile: int | None = None,
    complete: bool = True,
    out: tuple[Any, Any] | None = None,
    generator: Any | None = None,
    workspace: Workspace | None = None,
) -> tuple[Any | None, Any | None, Any]:
    """One Pion side's moments and generator, for weight ``W`` and gradient ``G``.

    The gradient's skew generator on the side is ``S = G W^T - W G^T`` (out) or
    ``W^T G - G^T W`` (in). With ``b1, b2 = betas``:

    - lie-lie momentum (``m`` given): ``m' = b1 m + (1 - b1) S``; the moment is ``m'``;
    - transported momentum (``m`` None, ``M`` given): the moment is the skew generator
      of ``(W, M)`` on the same side (the transported ambient moment made skew);
    - second moment (``v`` given): ``v' = b2 v + (1 - b2) S * S`` and
      ``A = -moment / (sqrt(v') + eps)``; without it ``A = -moment``.

    Parameters
    ----------
    W, G : array (d_out, d_in)
        Weight and gradient.
    side : {"out", "in"}
        The generator's side (``d = d_out`` or ``d_in``).
    m, v : array (d, d) or None
        The previous moments (exactly skew / symmetric, as this function leaves them).
    betas : (float, float)
        EMA rates.
    eps : float
        Added to ``sqrt(v')``.
    M : array (d_out, d_in), optional
        The transported ambient moment (``m`` must then be None).
    inplace : bool
        Overwrite ``m`` and ``v`` (torch) instead of writing new arrays (numpy).
    tile : int, optional
        Tile size (default the module's ``TILE``).
    out : (array, array), optional
        With ``inplace=False``: write ``m'`` and ``v'`` into these ``d x d`` arrays (either
        may be None: a new array) instead of new ones. The torch optimizer keeps a spare
        pair, so that a refused step leaves its state as it was without a copy.
    generator : array (d, d), optional
        Write ``A`` into this array instead of a new one.
    workspace : Workspace, optional
        Numpy only: the row strips' buffers are its arrays (reused from step to step).
    complete : bool
        Write the lower block triangle of ``m'`` and ``v'`` too. The update itself reads
        only the upper one, so an optimizer may keep just that current and complete the
        matrices when they are looked at (:func:`complete_lower`). ``A`` is always
        complete.

    Returns
    -------
    (m', v', A)
        ``m'`` None for transported momentum, ``v'`` None without a second moment.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, G = rng.standard_normal((2, 5, 3))
    >>> m, v = np.zeros((5, 5)), np.zeros((5, 5))
    >>> m2, v2, A = preconditioned_generator(W, G, "out", m, v, (0.9, 0.99), 1e-8, tile=2)
    >>> S = G @ W.T - W @ G.T
    >>> bool(np.allclose(m2, 0.1 * S, rtol=1e-14)), bool(np.all(A == -A.T))
    (True, True)
    >>> bool(np.allclose(A, -m2 / (np.sqrt(0.01 * S * S) + 1e-8), rtol=1e-13))
    True
    """
    ops = _ops(W)
    b1, b2 = betas
    lie = m is not None
    if not lie and M is None:
        raise ValueError("give the previous first moment m or the transported moment M")
    gens = _SkewTiles(*side_factors(W, G, side))
    moments = _SkewTiles(*side_factors(W, M, side)) if not lie else None
    d = gens.a.shape[0]
    need_gen = lie or v is not None
    m_new = _target(m, inplace, out[0] if out else None, ops, W) if lie else None
    v_new = _target(v, inplace, out[1] if out else None, ops, W) if v is not None else None
    A = ops.empty((d, d), W) if generator is None else generator
    t = max(1, min(TILE if tile is None else tile, d))
    gen, tmp, scratch = (ops.empty((t, t), W) for _ in range(3))
    # a row strip's tiles right of the diagonal (at most t x (d - t))
    wide = max(d - t, 0)
    pooled = workspace is not None and isinstance(W, np.ndarray)

    def strip_buffer(name: str) -> Any:
        if pooled:
            # flat: the out and in sides' strips (other widths) share one array
            return workspace.flat(f"strip_{name}", (t, wide), W.dtype)
        return ops.empty((t, wide), W)

    gen_strip, strip_scratch = strip_buffer("generator"), strip_buffer("scratch")
    mom_buf = ops.empty((t, t), W) if not lie else None
    mom_strip = strip_buffer("moment") if not lie else None
    for i in range(0, d, t):
        ri = slice(i, min(d, i + t))
        hi, start = ri.stop - ri.start, ri.stop
        shape = (hi, d - start)
        if start < d:
            rest = ops.flat(strip_scratch, shape)
            if need_gen:
                S_right = ops.flat(gen_strip, shape)
                gens.strip(ri, start, S_right, rest)
            if not lie:
                mom_right = ops.flat(mom_strip, shape)
                moments.strip(ri, start, mom_right, rest)
        for j in range(i, d, t):
            rj = slice(j, min(d, j + t))
            wj = rj.stop - rj.start
            T = tmp[:hi, :wj]
            cols = slice(j - start, j - start + wj)
            if j == i:
                S = gen[:hi, :wj]
                if need_gen:
                    gens.tile(ri, rj, S, scratch[:hi, :wj])
            elif need_gen:
                S = S_right[:, cols]
            if lie:
                mom = m_new[ri, rj]
                ops.ema(mom, m[ri, rj], b1, S, T)
            elif j == i:
                mom = mom_buf[:hi, :wj]
                moments.tile(ri, rj, mom, scratch[:hi, :wj])
            else:
                mom = mom_right[:, cols]
            a = A[ri, rj]
            if v_new is not None:
                vv = v_new[ri, rj]
                ops.ema_square(vv, v[ri, rj], b2, S, T)
                if not ops.all_finite(vv):
                    # S * S overflowed (S is finite, or m' above is NaN and the step is
                    # refused anyway): v = inf would make A = 0 there, a silent no-move
                    raise _overflow(side, vv, gen[:hi, :wj], gens.tile, ri, rj, scratch,
                                    inplace)
                ops.neg_sqrt_plus(vv, eps, out=T)
                ops.div(mom, T, out=a)
            else:
                ops.neg(mom, out=a)
            if j != i:
                # the lower tile: exact (negated) transposes of the upper one (gen and tmp
                # are free again: the tile's generator and denominator are used up)
                ops.neg_transpose(a, A[rj, ri], gen, tmp)
                if lie and complete:
                    ops.neg(mom.T, out=m_new[rj, ri])
                if v_new is not None and complete:
                    ops.copy(v_new[ri, rj].T, out=v_new[rj, ri])
    return m_new, v_new, A


def _target(old: Any, inplace: bool, given: Any, ops: Any, like: Any) -> Any:
    if inplace:
        return old
    return given if given is not None else ops.empty(tuple(old.shape), like)


def complete_lower(X: Any, sign: float, tile: int | None = None) -> Any:
    """Write ``X``'s lower block triangle as ``sign`` times the upper one's transpose, in place.

    ``sign = -1`` completes a skew matrix, ``+1`` a symmetric one, from the tiles
    :func:`preconditioned_generator` keeps current (``complete=False``).

    Examples
    --------
    >>> X = np.arange(9.0).reshape(3, 3)
    >>> complete_lower(X, -1.0, tile=1)
    array([[ 0.,  1.,  2.],
           [-1.,  4.,  5.],
           [-2., -5.,  8.]])
    """
    ops = _ops(X)
    d = X.shape[0]
    t = max(1, min(TILE if tile is None else tile, d))
    for i in range(0, d, t):
        ri = slice(i, min(d, i + t))
        for j in range(i + t, d, t):
            rj = slice(j, min(d, j + t))
            if sign < 0:
                ops.neg(X[ri, rj].T, out=X[rj, ri])
            else:
                ops.copy(X[ri, rj].T, out=X[rj, ri])
    return X


__all__ = ["TILE", "complete_lower", "preconditioned_generator", "side_factors"]
