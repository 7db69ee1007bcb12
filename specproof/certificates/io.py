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
        Unknown extension, unparsable content, not 2-D, empty, or a non-finite entry
        (its index is named).

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
    arr = arr.astype(np.float64)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = (int(t) for t in bad[0])
        raise ArgumentError(f"{str(p)!r} has a non-finite entry {arr[i, j]} at index ({i}, {j})")
    return arr
