"""The elementwise tile operations of :mod:`~specproof.spectral.optimizers.skew_moments`,
once for numpy arrays and once for torch tensors (the same operations in the same order,
so the two optimizers agree entry for entry)."""

from __future__ import annotations

from typing import Any

import numpy as np

# the block of a numpy tile's transposed copy
_TRANSPOSE_BLOCK = 128


class _NumpyOps:
    @staticmethod
    def empty(shape: tuple[int, int], like: Any) -> Any:
        return np.empty(shape, dtype=like.dtype)

    @staticmethod
    def sub(a: Any, b: Any, out: Any) -> None:
        np.subtract(a, b, out=out)

    @staticmethod
    def sub_product(out: Any, a: Any, b: Any, scratch: Any) -> None:
        np.matmul(a, b, out=scratch)
        np.subtract(out, scratch, out=out)

    @staticmethod
    def ema(out: Any, old: Any, beta: float, x: Any, tmp: Any) -> None:
        # beta old + (1 - beta) x, rounded as the whole-array expression rounds it
        np.multiply(old, beta, out=out)
        np.multiply(x, 1.0 - beta, out=tmp)
        np.add(out, tmp, out=out)

    @staticmethod
    def ema_square(out: Any, old: Any, beta: float, x: Any, tmp: Any) -> None:
        # beta old + (1 - beta) x * x; overwrites x with its square
        np.multiply(x, x, out=x)
        _NumpyOps.ema(out, old, beta, x, tmp)

    @staticmethod
    def flat(buf: Any, shape: tuple[int, int]) -> Any:
        return buf.reshape(-1)[: shape[0] * shape[1]].reshape(shape)

    @staticmethod
    def neg_sqrt_plus(a: Any, eps: float, out: Any) -> None:
        # -eps - sqrt(a) is -(sqrt(a) + eps) exactly (rounding is symmetric): the
        # division by it below gives -(m / (sqrt(a) + eps)) in one pass less
        np.sqrt(a, out=out)
        np.subtract(-eps, out, out=out)

    @staticmethod
    def div(a: Any, b: Any, out: Any) -> None:
        np.divide(a, b, out=out)

    @staticmethod
    def neg(a: Any, out: Any) -> None:
        # times -1, exactly the negation (-0 included), not np.negative: numpy 2.4's
        # negative read the wrong elements of an (n, 1) column view whose row stride is
        # 16 bytes (float32) or 64 (float64), the last tile of a ragged tiling
        np.multiply(a, -1.0, out=out)

    @staticmethod
    def copy(a: Any, out: Any) -> None:
        np.copyto(out, a)

    @staticmethod
    def neg_transpose(a: Any, out: Any, buf: Any, buf_t: Any) -> None:
        # in square blocks: a whole transposed tile reads its source a row apart per
        # element (0.77 ms per 512 x 512 float64 tile, one thread), 128 x 128 blocks stay
        # in cache on both sides (0.49 ms)
        b = _TRANSPOSE_BLOCK
        for i in range(0, a.shape[0], b):
            for j in range(0, a.shape[1], b):
                np.multiply(a[i : i + b, j : j + b].T, -1.0, out=out[j : j + b, i : i + b])

    @staticmethod
    def all_finite(a: Any) -> bool:
        # a finite sum proves every entry finite; an overflowing one is checked fully
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.isfinite(np.sum(a))) or bool(np.all(np.isfinite(a)))


class _TorchOps:
    @staticmethod
    def empty(shape: tuple[int, int], like: Any) -> Any:
        import torch

        return torch.empty(shape, dtype=like.dtype, device=like.device)

    @staticmethod
    def sub(a: Any, b: Any, out: Any) -> None:
        import torch

        torch.sub(a, b, out=out)

    @staticmethod
    def sub_product(out: Any, a: Any, b: Any, scratch: Any) -> None:
        out.addmm_(a, b, alpha=-1.0)

    @staticmethod
    def ema(out: Any, old: Any, beta: float, x: Any, tmp: Any) -> None:
        import torch

        # old + (1 - beta) (x - old): one pass, equal to the numpy form to rounding
        torch.lerp(old, x, 1.0 - beta, out=out)

    @staticmethod
    def ema_square(out: Any, old: Any, beta: float, x: Any, tmp: Any) -> None:
        import torch

        torch.mul(old, beta, out=out)
        out.addcmul_(x, x, value=1.0 - beta)

    @staticmethod
    def flat(buf: Any, shape: tuple[int, int]) -> Any:
        return buf.view(-1)[: shape[0] * shape[1]].view(shape)

    @staticmethod
    def neg_sqrt_plus(a: Any, eps: float, out: Any) -> None:
        import torch

        torch.sqrt(a, out=out)
        out.add_(eps).neg_()

    @staticmethod
    def div(a: Any, b: Any, out: Any) -> None:
        import torch

        torch.div(a, b, out=out)

    @staticmethod
    def neg(a: Any, out: Any) -> None:
        import torch

        torch.neg(a, out=out)

    @staticmethod
    def copy(a: Any, out: Any) -> None:
        out.copy_(a)

    @staticmethod
    def neg_transpose(a: Any, out: Any, buf: Any, buf_t: Any) -> None:
        import torch

        # torch copies a transposed *contiguous* matrix into a contiguous one blockwise,
        # but reads a transposed tile of a larger matrix element by element: three
        # passes through contiguous buffers take 0.27 ms per 512 x 512 float32 tile
        # against 1.1 ms for torch.neg(a.T, out=out) (two threads, measured)
        h, w = a.shape
        c = buf.view(-1)[: h * w].view(h, w)
        c.copy_(a)
        t = buf_t.view(-1)[: h * w].view(w, h)
        t.copy_(c.T)
        torch.neg(t, out=out)

    @staticmethod
    def all_finite(a: Any) -> bool:
        import torch

        return bool(torch.isfinite(a.sum())) or bool(torch.isfinite(a).all())


def tile_ops(x: Any) -> Any:
    """The operations for ``x``'s kind: numpy arrays, else torch tensors."""
    return _NumpyOps if isinstance(x, np.ndarray) else _TorchOps
