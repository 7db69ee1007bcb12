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

# Gathers over edges are done in chunks of at most this many (edge, example) entries.
_CHUNK_ENTRIES = 1 << 21


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

    @property
    def shape(self) -> tuple[int, int]:
        return (self.src[1] - self.src[0], self.dst[1] - self.dst[0])

    @property
    def size(self) -> int:
        a, b = self.shape
        return a * b


class BlockEngine:
    """Dense weight blocks, one matmul per block (see the module docstring)."""

    kind = "blocks"

    def __init__(self, gen_rows: list[tuple[int, int]], gen_blocks: list[list[Block]]) -> None:
        self.gen_rows = gen_rows
        self.gen_blocks = gen_blocks

    def _w(self, w: np.ndarray, b: Block) -> np.ndarray:
        return w[b.off : b.off + b.size].reshape(b.shape)

    def lin_fwd(self, g: int, w: np.ndarray, A: np.ndarray) -> np.ndarray:
        p, q = self.gen_rows[g]
        out = np.zeros((q - p, A.shape[1]))
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

    def per_example(self, g: int, A: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
        for b in self.gen_blocks[g]:
            blk = np.einsum("ib,jb->bij", A[b.src[0] : b.src[1]], Y[b.dst[0] : b.dst[1]])
            out[:, b.off : b.off + b.size] = blk.reshape(A.shape[1], -1)

    def ntk(self, A1: np.ndarray, Y1: np.ndarray, A2: np.ndarray, Y2: np.ndarray) -> np.ndarray:
        K = np.zeros((A1.shape[1], A2.shape[1]))
        ga: dict[tuple[int, int], np.ndarray] = {}
        gy: dict[tuple[int, int], np.ndarray] = {}
        same = A1 is A2 and Y1 is Y2
        for blocks in self.gen_blocks[1:]:
            for b in blocks:
                if b.src not in ga:
                    a1 = A1[b.src[0] : b.src[1]]
                    ga[b.src] = a1.T @ (a1 if same else A2[b.src[0] : b.src[1]])
                if b.dst not in gy:
                    y1 = Y1[b.dst[0] : b.dst[1]]
                    gy[b.dst] = y1.T @ (y1 if same else Y2[b.dst[0] : b.dst[1]])
                K += ga[b.src] * gy[b.dst]
        return K


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
        self.gen_rows = gen_rows
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.indptr: list[np.ndarray] = []
        self.offs: list[int] = []
        for g, (tgt, src, off) in enumerate(gen_edges):
            p, q = gen_rows[g]
            self.rows.append(tgt.astype(np.intp))
            self.cols.append(src.astype(np.int32))
            counts = np.bincount(tgt - p, minlength=q - p) if g else np.zeros(0, int)
            self.indptr.append(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
            self.offs.append(off)

    def matrix(self, g: int, w: np.ndarray) -> sp.csr_matrix:
        p, q = self.gen_rows[g]
        n = self.cols[g].size
        m = sp.csr_matrix(
            (w[self.offs[g] : self.offs[g] + n], self.cols[g], self.indptr[g]),
            shape=(q - p, p),
            copy=False,
        )
        m.has_sorted_indices = True
        return m

    def lin_fwd(self, g: int, w: np.ndarray, A: np.ndarray) -> np.ndarray:
        p = self.gen_rows[g][0]
        return np.asarray(self.matrix(g, w) @ A[:p])

    def lin_bwd_add(self, g: int, w: np.ndarray, Y: np.ndarray, G: np.ndarray) -> None:
        p = self.gen_rows[g][0]
        G[:p] += self.matrix(g, w).T @ Y

    def _chunks(self, g: int, batch: int):
        n = self.cols[g].size
        step = max(1, _CHUNK_ENTRIES // max(batch, 1))
        for lo in range(0, n, step):
            yield lo, min(n, lo + step)

    def outer_sum(
        self, g: int, pairs: list[tuple[np.ndarray, np.ndarray]], out: np.ndarray
    ) -> None:
        off, rows, cols = self.offs[g], self.rows[g], self.cols[g]
        for lo, hi in self._chunks(g, pairs[0][0].shape[1]):
            acc = np.zeros(hi - lo)
            for A, Y in pairs:
                acc += np.einsum("eb,eb->e", Y[rows[lo:hi]], A[cols[lo:hi]])
            out[off + lo : off + hi] = acc

    def per_example(self, g: int, A: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
        off, rows, cols = self.offs[g], self.rows[g], self.cols[g]
        for lo, hi in self._chunks(g, A.shape[1]):
            out[:, off + lo : off + hi] = (Y[rows[lo:hi]] * A[cols[lo:hi]]).T

    def ntk(self, A1: np.ndarray, Y1: np.ndarray, A2: np.ndarray, Y2: np.ndarray) -> np.ndarray:
        K = np.zeros((A1.shape[1], A2.shape[1]))
        same = A1 is A2 and Y1 is Y2
        for g in range(1, len(self.gen_rows)):
            rows, cols = self.rows[g], self.cols[g]
            for lo, hi in self._chunks(g, A1.shape[1] + A2.shape[1]):
                r, c = rows[lo:hi], cols[lo:hi]
                J1 = Y1[r] * A1[c]
                K += J1.T @ (J1 if same else Y2[r] * A2[c])
        return K
