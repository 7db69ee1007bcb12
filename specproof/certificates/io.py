"""Reading data matrices for the command line (``specproof certify X.npy``)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from specproof._core import ArgumentError, SpecproofError


class MatrixFileNotFoundError(SpecproofError, FileNotFoundError):
    """The matrix file named on the command line does not exist."""


def load_matrix(path: str | os.PathLike) -> np.ndarray:
    """Read a real 2-D matrix from a ``.npy`` or ``.csv`` file.

    Parameters
    ----------
    path : str or PathLike
        ``.npy`` (numpy binary; object arrays are refused, never unpickled) or ``.csv``
        (comma separated numbers, one row per line; lines starting with ``#`` are
        comments).

    Returns
    -------
    ndarray of float64, shape (n, d)

    Raises
    ------
    MatrixFileNotFoundError
        No such file (a ``FileNotFoundError``).
    ArgumentError
        Unknown extension, unparsable content, not 2-D, empty, a non-finite entry (its
        index is named), times or durations (datetime64/timedelta64), or an entry that
        float64 would round (an integer beyond 2^53 or a long double: named with its
        index; the certificate would describe another matrix).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "X.csv")
    >>> _ = open(p, "w").write("1,2\\n3,4\\n")
    >>> load_matrix(p)
    array([[1., 2.],
           [3., 4.]])
    """
    p = Path(path)
    if p.is_dir():
        raise ArgumentError(f"matrix file {str(p)!r} is a directory; give a .npy or .csv file")
    if not p.exists():
        raise MatrixFileNotFoundError(f"matrix file {str(p)!r} does not exist")
    if not p.is_file():
        raise ArgumentError(f"matrix file {str(p)!r} is not a regular file; give a .npy or "
                            ".csv file")
    ext = p.suffix.lower()
    if ext == ".npy":
        with open(p, "rb") as fh:
            magic = fh.read(6)
        if magic != b"\x93NUMPY":
            # np.load would call any other bytes "pickled data", or read a zip as .npz
            raise ArgumentError(f"{str(p)!r} is not a .npy file (it does not start with "
                                "the .npy header; write it with numpy.save)")
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as exc:
            raise ArgumentError(f"{str(p)!r} is not a numeric .npy array (object arrays are "
                             f"not read): {exc}") from exc
        except OSError as exc:
            raise ArgumentError(f"{str(p)!r} is not a readable .npy file: {exc}") from exc
    elif ext == ".csv":
        try:
            with warnings.catch_warnings():
                # an empty file is refused below by shape, not by numpy's source-line warning
                warnings.filterwarnings("ignore", message=".*input contained no data")
                arr = np.loadtxt(p, delimiter=",", ndmin=2, comments="#", dtype=float)
        except ValueError as exc:
            raise ArgumentError(f"{str(p)!r} is not a CSV of numbers: {exc}") from exc
    else:
        raise ArgumentError(f"matrix file must end in .npy or .csv, got {str(p)!r}")
    if arr.dtype.kind in "mM":  # numpy counts timedelta64 as an integer type
        raise ArgumentError(f"{str(p)!r} holds dtype {arr.dtype} (times or durations), "
                            "expected real numbers")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ArgumentError(f"{str(p)!r} holds dtype {arr.dtype}, expected real numbers")
    if np.iscomplexobj(arr):
        raise ArgumentError(f"{str(p)!r} holds complex numbers, expected real numbers")
    if arr.ndim != 2:
        raise ArgumentError(
            f"{str(p)!r} holds an array of shape {arr.shape}, expected a 2-D matrix")
    if 0 in arr.shape:
        if arr.size == 0 and ext == ".csv":
            raise ArgumentError(f"{str(p)!r} holds no numbers (an empty CSV file)")
        raise ArgumentError(f"{str(p)!r} holds an empty matrix of shape {arr.shape}")
    _exact_in_float64(arr, str(p))
    arr = arr.astype(np.float64)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = (int(t) for t in bad[0])
        raise ArgumentError(f"{str(p)!r} has a non-finite entry {arr[i, j]} at index ({i}, {j})")
    return arr


def _exact_in_float64(arr: np.ndarray, name: str) -> None:
    """Refuse data that float64 would round: the certificate (and its ``x_sha256``) would
    describe another matrix. Integers beyond 2^53 and long doubles are checked exactly;
    every other real dtype (float16/32/64, int8..int32, bool) converts exactly."""
    if arr.dtype.kind in "iu" and arr.dtype.itemsize > 4:
        big = np.argwhere((arr > 2**53) | (arr < -(2**53)))
        for i, j in big:
            v = int(arr[i, j])
            if int(float(v)) != v:
                raise ArgumentError(
                    f"{name!r} holds the integer {v} at index ({i}, {j}), which float64 "
                    f"cannot represent exactly (it would become {int(float(v))}; integers "
                    "beyond 2^53 are rounded): the certificate would describe another "
                    "matrix; scale the data, or give floats")
    elif arr.dtype.kind == "f" and arr.dtype.itemsize > 8:  # long double
        with np.errstate(over="ignore"):
            back = arr.astype(np.float64).astype(arr.dtype)
        bad = np.argwhere((back != arr) & np.isfinite(arr))
        if bad.size:
            i, j = (int(t) for t in bad[0])
            shown = str(arr[i, j])  # shortest digits that read back as this long double
            raise ArgumentError(
                f"{name!r} holds the long double {shown} "
                f"at index ({i}, {j}), which float64 cannot represent exactly (it would "
                f"become {float(arr[i, j])!r}): the certificate would describe another "
                "matrix; round the data to float64 first (X.astype(numpy.float64))")
