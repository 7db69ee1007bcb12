"""The two ways a compiled network multiplies by its weights, one generation at a time.

Activations are stored neuron-major, ``A[neuron, example]``, and each node owns a
contiguous range of rows, so everything a generation reads is the prefix ``A[:p]``.

* :class:`SparseEngine` (neuron-level graphs): the weights into generation ``l`` form one
  CSR matrix (targets x earlier neurons) whose data is a view of the flat parameter
  vector; a pass is one sparse product per generation, never a loop over edges.
* :class:`BlockEngine` (block graphs): one dense matmul per weight block ``W[u->v]`` of
  shape ``(m_u, m_v)``.

Both expose the same primitives; the passes themselves are written once, in
:mod:`specproof.dag_nets.network`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from specproof.dag_nets.scaled_grams import ScaledGram, add_gram_product, scaled_gram

# Gathers over edges are done in chunks of at most this many (edge, example) entries.
_CHUNK_ENTRIES = 1 << 21
_GATHER_ENTRIES = 1 << 15

try:  # the kernel behind csr_matrix @ dense, without the per-call format checks
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a future scipy may move it; fall back
    _csr_matvecs = None


def _kernel_works() -> bool:
    """The private kernel is used only if it reproduces the public product on a probe
    (a future scipy could change its signature or semantics)."""
    if _csr_matvecs is None:
        return False
    try:
        ip = np.array([0, 2, 3], dtype=np.int32)
        ix = np.array([0, 2, 1], dtype=np.int32)
        data = np.array([1.5, -2.0, 3.0])
        X = np.arange(6.0).reshape(3, 2)
        Y = np.ones((2, 2))
        _csr_matvecs(2, 3, 2, ip, ix, data, X.ravel(), Y.ravel())
        want = 1.0 + sp.csr_matrix((data, ix, ip), shape=(2, 3)) @ X
        return bool(np.array_equal(Y, want))
    except Exception:  # pragma: no cover
        return False


if not _kernel_works():  # pragma: no cover
    _csr_matvecs = None


@dataclass(frozen=True)
class Block:
    """A dense weight block ``W[u->v]`` of shape ``(m_u, m_v)``.

    ``src``/``dst`` are global row ranges, ``off`` the offset in the flat parameters.
    """

    u: object
    v: object
    src: tuple[int, int]
    dst: tuple[int, int]
    off: int
    shape: tuple[int, int]
    size: int


def make_block(u: object, v: object, su: int, mu: int, sv: int, mv: int, off: int) -> Block:
    return Block(u, v, (su, su + mu), (sv, sv + mv), off, (mu, mv), mu * mv)


class BlockEngine:
    """Dense weight blocks, one matmul per block (see the module docstring)."""

    kind = "blocks"

    def __init__(self, gen_rows: list[tuple[int, int]], gen_blocks: list[list[Block]]) -> None:
        self.gen_rows = gen_rows
        self.gen_blocks = gen_blocks

    def _w(self, w: np.ndarray, b: Block) -> np.ndarray:
        return w[b.off : b.off + b.size].reshape(b.shape)

    def lin_fwd(
        self, g: int, w: np.ndarray, A: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        p, q = self.gen_rows[g]
        if out is None:
            out = np.zeros((q - p, A.shape[1]), dtype=A.dtype)
        else:
            out[...] = 0.0
        for b in self.gen_blocks[g]:
            lo, hi = b.dst[0] - p, b.dst[1] - p
            out[lo:hi] += self._w(w, b).T @ A[b.src[0] : b.src[1]]
        return out

    def lin_bwd_add(self, g: int, w: np.ndarray, Y: np.ndarray, G: np.ndarray) -> None:
        p = self.gen_rows[g][0]
        for b in self.gen_blocks[g]:
            G[b.src[0] : b.src[1]] += self._w(w, b) @ Y[b.dst[0] - p : b.dst[1] - p]

    def outer_sum(
        self, g: int, pairs: list[tuple[np.ndarray, np.ndarray]], out: np.ndarray
    ) -> None:
        for b in self.gen_blocks[g]:
            dst = out[b.off : b.off + b.size].reshape(b.shape)
            if len(pairs) == 1:
                A, Y = pairs[0]
                np.matmul(A[b.src[0] : b.src[1]], Y[b.dst[0] : b.dst[1]].T, out=dst)
            else:  # one gemm over the concatenated examples writes the block once
                L = np.concatenate([A[b.src[0] : b.src[1]] for A, _ in pairs], axis=1)
                R = np.concatenate([Y[b.dst[0] : b.dst[1]] for _, Y in pairs], axis=1)
                np.matmul(L, R.T, out=dst)

    def lin_fwd_all(self, w: np.ndarray, A: np.ndarray) -> np.ndarray:
        """``sum_u W_uv^T A_u`` for every node at once (rows of inputs stay 0)."""
        out = np.zeros((self.gen_rows[-1][1], A.shape[1]), dtype=A.dtype)
        for blocks in self.gen_blocks[1:]:
            for b in blocks:
                out[b.dst[0] : b.dst[1]] += self._w(w, b).T @ A[b.src[0] : b.src[1]]
        return out

    def lin_bwd_all(self, w: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """``sum_v W_uv Y_v`` for every node at once."""
        out = np.zeros((self.gen_rows[-1][1], Y.shape[1]), dtype=Y.dtype)
        for blocks in self.gen_blocks[1:]:
            for b in blocks:
                out[b.src[0] : b.src[1]] += self._w(w, b) @ Y[b.dst[0] : b.dst[1]]
        return out

    def outer_all(self, pairs: list[tuple[np.ndarray, np.ndarray]], out: np.ndarray) -> None:
        for g in range(1, len(self.gen_rows)):
            self.outer_sum(g, pairs, out)

    def per_example(self, g: int, A: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
        for b in self.gen_blocks[g]:
            blk = np.einsum("ib,jb->bij", A[b.src[0] : b.src[1]], Y[b.dst[0] : b.dst[1]])
            out[:, b.off : b.off + b.size] = blk.reshape(A.shape[1], -1)

    def ntk(self, A1: np.ndarray, Y1: np.ndarray, A2: np.ndarray, Y2: np.ndarray) -> np.ndarray:
        K = np.zeros((A1.shape[1], A2.shape[1]), dtype=A1.dtype)
        ga: dict[tuple[int, int], ScaledGram] = {}
        gy: dict[tuple[int, int], ScaledGram] = {}
        same = A1 is A2 and Y1 is Y2
        for blocks in self.gen_blocks[1:]:
            for b in blocks:
                if b.src not in ga:
                    ga[b.src] = scaled_gram(A1[b.src[0] : b.src[1]], A2[b.src[0] : b.src[1]],
                                            same)
                if b.dst not in gy:
                    gy[b.dst] = scaled_gram(Y1[b.dst[0] : b.dst[1]], Y2[b.dst[0] : b.dst[1]],
                                            same)
                # a . a' overflowing where the cotangents vanish (a saturated erf at huge
                # inputs), or underflowing where they are huge, is scaled out: the term is
                # what the product is, not inf * 0 = NaN or 0 * finite = 0
                add_gram_product(K, ga[b.src], gy[b.dst])
        return K


def _spmm_add(indptr, indices, data, n_row: int, n_col: int, X: np.ndarray, out: np.ndarray):
    """``out += M @ X`` for the CSR matrix ``(data, indices, indptr)`` of shape
    (n_row, n_col); ``out`` must be C-contiguous (a row slice of a C array is)."""
    X = np.ascontiguousarray(X)
    data = np.ascontiguousarray(data)  # the kernel reads raw buffers: never a strided view
    if not out.flags.c_contiguous:
        raise ValueError("internal: _spmm_add needs a C-contiguous output")
    if _csr_matvecs is None:  # pragma: no cover - the public (slower, checked) path
        m = sp.csr_matrix((data, indices, indptr), shape=(n_row, n_col), copy=False)
        out += m @ X
        return
    _csr_matvecs(n_row, n_col, X.shape[1], indptr, indices, data, X.ravel(), out.ravel())


def _gather_dots(
    rows: np.ndarray, cols: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]],
    out: np.ndarray,
) -> None:
    """``out[e] = sum_pairs Y[rows[e]] . A[cols[e]]`` with small reused gather buffers
    (they stay in cache and nothing is allocated per chunk)."""
    B = pairs[0][0].shape[1]
    step = max(1, _GATHER_ENTRIES // max(B, 1))
    ybuf = np.empty((min(step, rows.size), B), dtype=out.dtype)
    abuf = np.empty_like(ybuf)
    for lo in range(0, rows.size, step):
        hi = min(rows.size, lo + step)
        dst = out[lo:hi]
        yb, ab = ybuf[: hi - lo], abuf[: hi - lo]
        for k, (A, Y) in enumerate(pairs):
            np.take(Y, rows[lo:hi], axis=0, out=yb)
            np.take(A, cols[lo:hi], axis=0, out=ab)
            if k == 0:
                np.einsum("eb,eb->e", yb, ab, out=dst)
            else:
                dst += np.einsum("eb,eb->e", yb, ab)


class SparseEngine:
    """One CSR matrix per generation (see the module docstring)."""

    kind = "sparse"

    def __init__(
        self,
        gen_rows: list[tuple[int, int]],
        gen_edges: list[tuple[np.ndarray, np.ndarray, int]],
    ) -> None:
        # gen_edges[g] = (global target rows, global source rows, offset), sorted by
        # (target, source): exactly CSR order, so the data is a slice of the flat vector.
        # The transpose keeps only the sources actually used (a full-prefix product
        # would cost n_neurons x batch per generation).
        self.gen_rows = gen_rows
        idx = np.int32 if gen_rows[-1][1] < 2**31 - 1 else np.int64
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.indptr: list[np.ndarray] = []
        self.offs: list[int] = []
        self.perm: list[np.ndarray] = []
        self.t_indptr: list[np.ndarray] = []
        self.t_indices: list[np.ndarray] = []
        for g, (tgt, src, off) in enumerate(gen_edges):
            p, q = gen_rows[g]
            self.rows.append(tgt.astype(np.intp))
            self.cols.append(src.astype(idx))
            counts = np.bincount(tgt - p, minlength=q - p) if g else np.zeros(0, int)
            self.indptr.append(np.concatenate([[0], np.cumsum(counts)]).astype(idx))
            self.offs.append(int(off))
            # the transpose, as CSR over all p earlier neurons (most rows empty), so the
            # kernel accumulates straight into the cotangent prefix G[:p]
            perm = np.argsort(src, kind="stable")
            tcounts = np.bincount(src, minlength=p)
            self.perm.append(perm + int(off))
            self.t_indptr.append(np.concatenate([[0], np.cumsum(tcounts)]).astype(idx))
            self.t_indices.append((tgt - p)[perm].astype(idx))
        # The whole graph as one CSR matrix (flat order is CSR order over all neurons),
        # for the products that do not depend on earlier generations' results.
        n = gen_rows[-1][1]
        self.all_rows = np.concatenate(self.rows[1:]) if len(self.rows) > 1 else np.zeros(0)
        self.all_cols = np.concatenate(self.cols[1:]).astype(idx)
        self.g_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.all_rows, minlength=n))]
        ).astype(idx)
        gperm = np.argsort(self.all_cols, kind="stable")
        self.gt_perm = gperm
        self.gt_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.all_cols, minlength=n))]
        ).astype(idx)
        self.gt_indices = self.all_rows[gperm].astype(idx)

    def matrix(self, g: int, w: np.ndarray) -> sp.csr_matrix:
        """The weights into generation ``g`` as a scipy CSR matrix (targets x earlier)."""
        p, q = self.gen_rows[g]
        n = self.cols[g].size
        return sp.csr_matrix(
            (w[self.offs[g] : self.offs[g] + n], self.cols[g], self.indptr[g]),
            shape=(q - p, p),
        )

    def lin_fwd(
        self, g: int, w: np.ndarray, A: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        p, q = self.gen_rows[g]
        n = self.cols[g].size
        if out is None:
            out = np.zeros((q - p, A.shape[1]), dtype=A.dtype)
        else:
            out[...] = 0.0
        data = w[self.offs[g] : self.offs[g] + n]
        _spmm_add(self.indptr[g], self.cols[g], data, q - p, p, A[:p], out)
        return out

    def lin_bwd_add(self, g: int, w: np.ndarray, Y: np.ndarray, G: np.ndarray) -> None:
        p, q = self.gen_rows[g]
        _spmm_add(self.t_indptr[g], self.t_indices[g], w[self.perm[g]], p, q - p, Y, G[:p])

    def lin_fwd_all(self, w: np.ndarray, A: np.ndarray) -> np.ndarray:
        """``sum_u w_uv a_u`` for every neuron at once (one sparse product)."""
        n = self.gen_rows[-1][1]
        out = np.zeros((n, A.shape[1]), dtype=A.dtype)
        _spmm_add(self.g_indptr, self.all_cols, w, n, n, A, out)
        return out

    def lin_bwd_all(self, w: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """``sum_v w_uv y_v`` for every neuron at once (one sparse product)."""
        n = self.gen_rows[-1][1]
        out = np.zeros((n, Y.shape[1]), dtype=Y.dtype)
        _spmm_add(self.gt_indptr, self.gt_indices, w[self.gt_perm], n, n, Y, out)
        return out

    def outer_all(self, pairs: list[tuple[np.ndarray, np.ndarray]], out: np.ndarray) -> None:
        _gather_dots(self.all_rows, self.all_cols, pairs, out)

    def _chunks(self, g: int, batch: int):
        n = self.cols[g].size
        step = max(1, _CHUNK_ENTRIES // max(batch, 1))
        for lo in range(0, n, step):
            yield lo, min(n, lo + step)

    def outer_sum(
        self, g: int, pairs: list[tuple[np.ndarray, np.ndarray]], out: np.ndarray
    ) -> None:
        off, n = self.offs[g], self.rows[g].size
        _gather_dots(self.rows[g], self.cols[g], pairs, out[off : off + n])

    def per_example(self, g: int, A: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
        off, rows, cols = self.offs[g], self.rows[g], self.cols[g]
        for lo, hi in self._chunks(g, A.shape[1]):
            out[:, off + lo : off + hi] = (Y[rows[lo:hi]] * A[cols[lo:hi]]).T

    def ntk(self, A1: np.ndarray, Y1: np.ndarray, A2: np.ndarray, Y2: np.ndarray) -> np.ndarray:
        K = np.zeros((A1.shape[1], A2.shape[1]), dtype=A1.dtype)
        same = A1 is A2 and Y1 is Y2
        for g in range(1, len(self.gen_rows)):
            rows, cols = self.rows[g], self.cols[g]
            for lo, hi in self._chunks(g, A1.shape[1] + A2.shape[1]):
                r, c = rows[lo:hi], cols[lo:hi]
                J1 = Y1[r] * A1[c]
                K += J1.T @ (J1 if same else Y2[r] * A2[c])
        return K
