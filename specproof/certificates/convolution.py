"""Multi-channel 2-D convolutions as matrix-free linear operators.

Kernel layout
-------------
specproof stores a kernel as ``K[o, c, a, b]`` with shape ``(c_out, c_in, k_h, k_w)``,
the layout of ``torch.nn.Conv2d.weight`` (``"oihw"``). A torch tensor converts with
:func:`as_kernel` (or ``w.detach().cpu().numpy()``); a TensorFlow / Sedghi et al. kernel
``K[a, b, c, o]`` of shape ``(k_h, k_w, c_in, c_out)`` converts with ``layout="hwio"``.

The operation
-------------
Like ``torch.nn.functional.conv2d``, the map is a cross-correlation: for an input
``x[c, i, j]`` on an ``h x w`` grid, stride ``s`` and padding ``p``,

    y[o, i, j] = sum_{c, a, b} K[o, c, a, b] x[c, s i + a - p_h, s j + b - p_w],

where ``x`` outside the grid is 0 (``mode="zeros"``, output ``(h + 2 p_h - k_h) // s + 1``
rows, exactly torch's ``F.conv2d(x, K, stride=s, padding=p)``) or is read modulo the grid
(``mode="circular"``, output ``ceil(h / s)`` rows; the default padding ``(k - 1) // 2``
centres odd kernels). Vectors are the C-order flattening of ``(c, i, j)`` arrays.

Examples
--------
>>> import numpy as np
>>> K = np.zeros((1, 1, 3, 3)); K[0, 0, 1, 1] = 2.0      # 2 x identity
>>> A = conv2d_operator(K, (4, 4), mode="circular")
>>> A.shape
(16, 16)
>>> float(np.abs(A @ np.ones(16) - 2.0).max())
0.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ResourceLimitError,
    as_array,
    as_choice,
    as_int,
    tensor_to_numpy,
)

LAYOUTS = ("oihw", "hwio")
MODES = ("zeros", "circular")


def as_kernel(kernel: Any, layout: str = "oihw", name: str = "kernel") -> np.ndarray:
    """Return a convolution kernel as a finite float64 ``(c_out, c_in, k_h, k_w)`` array.

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        A 4-D kernel. A torch tensor (any device, with or without grad) is read through
        ``detach().cpu()``.
    layout : {"oihw", "hwio"}
        ``"oihw"``: torch's ``(c_out, c_in, k_h, k_w)``; ``"hwio"``: TensorFlow's and
        Sedghi et al.'s ``(k_h, k_w, c_in, c_out)``.
    name : str
        Argument name used in error messages.

    Raises
    ------
    ArgumentError
        If the kernel is not 4-D, is empty or has a non-finite entry (its index is named).

    Examples
    --------
    >>> as_kernel(np.ones((3, 3, 2, 5)), layout="hwio").shape
    (5, 2, 3, 3)
    >>> as_kernel(np.ones((3, 3)))
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: kernel must be a 4-D array (c_out, c_in, k_h, k_w) \
for layout 'oihw', got shape (3, 3)
    """
    layout = as_choice(layout, LAYOUTS, "layout")
    if hasattr(kernel, "detach") and hasattr(kernel, "cpu"):  # a torch tensor
        kernel = tensor_to_numpy(kernel, name)
    arr = as_array(kernel, name, allow_empty=True)
    want = "(c_out, c_in, k_h, k_w)" if layout == "oihw" else "(k_h, k_w, c_in, c_out)"
    if arr.ndim != 4:
        raise ArgumentError(
            f"{name} must be a 4-D array {want} for layout {layout!r}, got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ArgumentError(f"{name} must be non-empty, got shape {arr.shape}")
    if layout == "hwio":
        arr = np.ascontiguousarray(arr.transpose(3, 2, 0, 1))
    return arr


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ArgumentError(f"{name} must be an int or a pair of ints, got {value!r}")
        return as_int(value[0], name, minimum=minimum), as_int(value[1], name, minimum=minimum)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        v = as_int(value, name, minimum=minimum)
        return v, v
    raise ArgumentTypeError(f"{name} must be an int or a pair of ints, got {value!r}")


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes of one convolution: input grid, kernel, stride, padding, mode, output grid.

    Examples
    --------
    >>> g = conv_geometry((2, 3, 3, 3), (8, 8), stride=2, padding=1)
    >>> g.output_shape, g.in_dim, g.out_dim
    ((4, 4), 192, 32)
    """

    c_out: int
    c_in: int
    kernel_size: tuple[int, int]
    input_shape: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    mode: str
    output_shape: tuple[int, int]

    @property
    def in_dim(self) -> int:
        """Length of a flattened input ``c_in * h * w``."""
        return self.c_in * self.input_shape[0] * self.input_shape[1]

    @property
    def out_dim(self) -> int:
        """Length of a flattened output ``c_out * h_out * w_out``."""
        return self.c_out * self.output_shape[0] * self.output_shape[1]


# the most entries of one input or output vector of a convolution (2 GiB in float64)
MAX_CONV_VECTOR = 2**28


def conv_geometry(
    kernel_shape: tuple[int, ...],
    input_shape: Any,
    stride: Any = 1,
    padding: Any = None,
    mode: str = "zeros",
) -> ConvGeometry:
    """Validate a convolution's shapes and compute its output grid.

    Parameters
    ----------
    kernel_shape : tuple
        ``(c_out, c_in, k_h, k_w)``.
    input_shape : int or (int, int)
        The input grid ``(h, w)`` (an int means square).
    stride, padding : int or (int, int)
        Stride (>= 1) and padding (>= 0). ``padding=None`` means 0 for ``"zeros"`` and
        ``(k - 1) // 2`` for ``"circular"``.
    mode : {"zeros", "circular"}
        Zero padding (torch's default) or periodic boundary.

    Raises
    ------
    ArgumentError
        A kernel larger than the (padded) input, a circular padding of a full period or
        more, or a bad stride / padding; the message names the argument.

    Examples
    --------
    >>> conv_geometry((1, 1, 5, 5), (3, 3))
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: kernel of size (5, 5) is larger than the input \
(3, 3) padded by (0, 0): input_shape must be at least (5, 5) - 2 * padding
    """
    mode = as_choice(mode, MODES, "mode")
    c_out, c_in, kh, kw = (int(v) for v in kernel_shape)
    h, w = _pair(input_shape, "input_shape", minimum=1)
    sh, sw = _pair(stride, "stride", minimum=1)
    if padding is None:
        padding = ((kh - 1) // 2, (kw - 1) // 2) if mode == "circular" else 0
    ph, pw = _pair(padding, "padding", minimum=0)
    if mode == "circular":
        if kh > h or kw > w:
            raise ArgumentError(
                f"kernel of size {(kh, kw)} is larger than the circular input grid {(h, w)}: "
                "input_shape must be at least the kernel size"
            )
        if ph >= h or pw >= w:
            raise ArgumentError(f"padding {(ph, pw)} must be smaller than input_shape {(h, w)}")
        out = (math.ceil(h / sh), math.ceil(w / sw))
    else:
        if kh > h + 2 * ph or kw > w + 2 * pw:
            raise ArgumentError(
                f"kernel of size {(kh, kw)} is larger than the input {(h, w)} padded by "
                f"{(ph, pw)}: input_shape must be at least {(kh, kw)} - 2 * padding"
            )
        out = ((h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
    # one vector of the operator's input or output must fit: (10^6)^2 pixels asked numpy
    # for 21.8 TiB and ended in its raw MemoryError
    largest = max(c_in * h * w, c_out * out[0] * out[1])
    if largest > MAX_CONV_VECTOR:
        raise ResourceLimitError(
            f"input_shape {(h, w)} with {c_in} input and {c_out} output channels needs "
            f"vectors of {largest:.3g} entries ({8 * largest / 2**30:.3g} GiB each in "
            f"float64), more than the limit of {MAX_CONV_VECTOR:.3g} entries")
    return ConvGeometry(c_out, c_in, (kh, kw), (h, w), (sh, sw), (ph, pw), mode, out)


def _padded_index(n: int, k: int, p: int, mode: str) -> np.ndarray:
    """Source index of each position of the padded axis (-1 marks a zero)."""
    idx = np.arange(n + k - 1 if mode == "circular" else n + 2 * p) - p
    if mode == "circular":
        return np.mod(idx, n)
    return np.where((idx >= 0) & (idx < n), idx, -1)


def _pad(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The padded input, batched ``(B, c_in, H, W)``."""
    (h, w), (kh, kw), (ph, pw) = g.input_shape, g.kernel_size, g.padding
    if g.mode == "zeros":
        return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ih = _padded_index(h, kh, ph, "circular")
    iw = _padded_index(w, kw, pw, "circular")
    return x[:, :, ih][:, :, :, iw]


def correlate(kernel: np.ndarray, x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Apply the convolution to a batch ``x`` of shape ``(B, c_in, h, w)``.

    Examples
    --------
    >>> K = np.ones((1, 1, 2, 2)); g = conv_geometry(K.shape, (3, 3))
    >>> correlate(K, np.ones((1, 1, 3, 3)), g)[0, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    xp = _pad(x, g)
    (ho, wo), (sh, sw) = g.output_shape, g.stride
    # in the inputs' common dtype: float32 kernel and batch give a float32 result
    y = np.zeros((x.shape[0], g.c_out, ho, wo), dtype=np.result_type(kernel, x, np.float32))
    for a in range(g.kernel_size[0]):
        for b in range(g.kernel_size[1]):
            patch = xp[:, :, a : a + sh * (ho - 1) + 1 : sh, b : b + sw * (wo - 1) + 1 : sw]
            y += np.einsum("oc,bchw->bohw", kernel[:, :, a, b], patch, optimize=True)
    return y


def correlate_adjoint(kernel: np.ndarray, y: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Apply the adjoint (transpose) of the convolution to ``y`` of shape ``(B, c_out, ho, wo)``.

    Examples
    --------
    >>> K = np.ones((1, 1, 2, 2)); g = conv_geometry(K.shape, (3, 3))
    >>> correlate_adjoint(K, np.ones((1, 1, 2, 2)), g)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    (h, w), (kh, kw), (ph, pw) = g.input_shape, g.kernel_size, g.padding
    (ho, wo), (sh, sw) = g.output_shape, g.stride
    H = h + kh - 1 if g.mode == "circular" else h + 2 * ph
    W = w + kw - 1 if g.mode == "circular" else w + 2 * pw
    B = y.shape[0]
    xp = np.zeros((B, g.c_in, H, W))
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a : a + sh * (ho - 1) + 1 : sh, b : b + sw * (wo - 1) + 1 : sw] += np.einsum(
                "oc,bohw->bchw", kernel[:, :, a, b], y, optimize=True
            )
    if g.mode == "zeros":
        return np.ascontiguousarray(xp[:, :, ph : ph + h, pw : pw + w])
    # fold the periodic copies back onto the grid
    ih = _padded_index(h, kh, ph, "circular")
    iw = _padded_index(w, kw, pw, "circular")
    rows = np.zeros((B, g.c_in, h, W))
    np.add.at(rows, (slice(None), slice(None), ih), xp)
    out = np.zeros((B, g.c_in, h, w))
    np.add.at(out, (slice(None), slice(None), slice(None), iw), rows)
    return out


class Conv2dOperator(LinearOperator):
    """The convolution ``x -> K * x`` as a ``scipy.sparse.linalg.LinearOperator``.

    Build it with :func:`conv2d_operator`. ``matvec`` / ``matmat`` apply the convolution to
    flattened ``(c_in, h, w)`` inputs, ``rmatvec`` / ``rmatmat`` its transpose. The
    validated kernel and the :class:`ConvGeometry` are the attributes ``kernel`` and
    ``geometry``.

    Examples
    --------
    >>> A = conv2d_operator(np.ones((2, 1, 1, 1)), (2, 2))
    >>> A.shape, A.geometry.output_shape
    ((8, 4), (2, 2))
    """

    def __init__(self, kernel: np.ndarray, geometry: ConvGeometry) -> None:
        self.kernel = kernel
        self.geometry = geometry
        super().__init__(dtype=np.float64, shape=(geometry.out_dim, geometry.in_dim))

    def _unflat_in(self, X: np.ndarray) -> np.ndarray:
        g = self.geometry
        return np.asarray(X, dtype=float).T.reshape(-1, g.c_in, *g.input_shape)

    def _unflat_out(self, Y: np.ndarray) -> np.ndarray:
        g = self.geometry
        return np.asarray(Y, dtype=float).T.reshape(-1, g.c_out, *g.output_shape)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        Y = correlate(self.kernel, self._unflat_in(X), self.geometry)
        return Y.reshape(Y.shape[0], -1).T

    def _rmatmat(self, Y: np.ndarray) -> np.ndarray:
        X = correlate_adjoint(self.kernel, self._unflat_out(Y), self.geometry)
        return X.reshape(X.shape[0], -1).T

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._matmat(np.reshape(x, (-1, 1)))[:, 0]

    def _rmatvec(self, y: np.ndarray) -> np.ndarray:
        return self._rmatmat(np.reshape(y, (-1, 1)))[:, 0]

    def _adjoint(self) -> LinearOperator:
        return LinearOperator(
            shape=(self.shape[1], self.shape[0]),
            matvec=self._rmatvec,
            rmatvec=self._matvec,
            matmat=self._rmatmat,
            rmatmat=self._matmat,
            dtype=np.float64,
        )

    def __repr__(self) -> str:
        g = self.geometry
        return (
            f"Conv2dOperator(c_out={g.c_out}, c_in={g.c_in}, kernel_size={g.kernel_size}, "
            f"input_shape={g.input_shape}, stride={g.stride}, padding={g.padding}, "
            f"mode={g.mode!r})"
        )

    def dense(self) -> np.ndarray:
        """The operator as a dense ``(c_out h_out w_out, c_in h w)`` matrix (small sizes).

        Examples
        --------
        >>> conv2d_operator(np.ones((1, 1, 1, 1)), (2, 2)).dense()
        array([[1., 0., 0., 0.],
               [0., 1., 0., 0.],
               [0., 0., 1., 0.],
               [0., 0., 0., 1.]])
        """
        return self._matmat(np.eye(self.shape[1]))


def conv2d_operator(
    kernel: Any,
    input_shape: Any,
    stride: Any = 1,
    padding: Any = None,
    mode: str = "zeros",
    layout: str = "oihw",
) -> Conv2dOperator:
    """The multi-channel 2-D convolution with ``kernel`` on an ``input_shape`` grid.

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        The kernel, ``(c_out, c_in, k_h, k_w)`` for ``layout="oihw"`` (torch's layout).
    input_shape : int or (int, int)
        The input grid ``(h, w)``.
    stride, padding : int or (int, int)
        As in ``torch.nn.functional.conv2d``; ``padding=None`` is 0 for ``"zeros"`` and
        ``(k - 1) // 2`` for ``"circular"``.
    mode : {"zeros", "circular"}
        Zero padding or a periodic (circular) boundary.
    layout : {"oihw", "hwio"}
        The kernel's layout (see :func:`as_kernel`).

    Returns
    -------
    Conv2dOperator
        A LinearOperator of shape ``(c_out h_out w_out, c_in h w)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A = conv2d_operator(rng.standard_normal((4, 3, 3, 3)), (8, 8), stride=2, padding=1)
    >>> A.shape
    (64, 192)
    >>> x, y = rng.standard_normal(192), rng.standard_normal(64)
    >>> bool(abs(y @ (A @ x) - (A.T @ y) @ x) < 1e-10)
    True
    """
    K = as_kernel(kernel, layout=layout)
    g = conv_geometry(K.shape, input_shape, stride=stride, padding=padding, mode=mode)
    return Conv2dOperator(K, g)


__all__ = [
    "LAYOUTS",
    "MODES",
    "Conv2dOperator",
    "ConvGeometry",
    "as_kernel",
    "conv2d_operator",
    "conv_geometry",
]
