"""Reading data matrices for the command line (``specproof certify X.npy``)."""

from __future__ import annotations

import math
import os
import re
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np

from specproof._core import ArgumentError, ResourceLimitError, SpecproofError


class MatrixFileNotFoundError(SpecproofError, FileNotFoundError):
    """The matrix file named on the command line does not exist."""


def _first_bad_field(path: Path) -> str | None:
    """Where a CSV stops being a table of numbers, in line and column numbers from 1."""
    width = None
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for n, line in enumerate(lines, start=1):
        body = line.split("#", 1)[0]
        if not body.strip():
            continue
        fields = body.split(",")
        for k, field in enumerate(fields, start=1):
            try:
                float(field)
            except ValueError:
                return f"line {n}, column {k} is {field.strip()[:40]!r}, not a number"
        if width is not None and len(fields) != width:
            return (f"line {n} has {len(fields)} column{'s' * (len(fields) != 1)} where "
                    f"the lines above have {width}")
        width = len(fields)
    return None


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
        index; the certificate would describe another matrix). A ``.npy`` header is read
        first: an object array, a damaged header, or a shape that needs more bytes than
        the file holds (truncated) are refused before any data is read.
    ResourceLimitError
        A ``.npy`` whose data do not fit in memory.

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
        _check_npy_header(p)
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as exc:
            # the header was read and matches the file's size (above): what is left is
            # damaged data
            raise ArgumentError(f"{str(p)!r} is not a readable .npy array (damaged): "
                                f"{exc}") from exc
        except OSError as exc:
            raise ArgumentError(f"{str(p)!r} is not a readable .npy file: {exc}") from exc
        except MemoryError as exc:
            raise ResourceLimitError(
                f"{str(p)!r} holds more data than fits in memory "
                f"({p.stat().st_size / 2**30:.3g} GiB): {exc}") from None
    elif ext == ".csv":
        try:
            with warnings.catch_warnings():
                # an empty file is refused below by shape, not by numpy's source-line warning
                warnings.filterwarnings("ignore", message=".*input contained no data")
                arr = np.loadtxt(p, delimiter=",", ndmin=2, comments="#", dtype=float)
        except ValueError as exc:
            # numpy's words count rows from 0 and columns from 1, and advise `usecols`
            raise ArgumentError(
                f"{str(p)!r} is not a CSV of numbers: {_first_bad_field(p) or exc}") from exc
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
    if ext == ".csv":
        _csv_tokens_kept(p, arr)
    arr = arr.astype(np.float64)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = (int(t) for t in bad[0])
        raise ArgumentError(f"{str(p)!r} has a non-finite entry {arr[i, j]} at index ({i}, {j})")
    return arr


def _check_npy_header(p: Path) -> None:
    """Read a ``.npy`` header (numpy's own reader, no data) and refuse, before ``np.load``
    allocates anything: a damaged header, an object array (it needs unpickling, which is
    never done) and a header whose shape needs more bytes than the file holds (a 160-byte
    file claiming shape (200000, 200000) made numpy allocate 298 GiB; a file cut short
    was called an object array)."""
    from numpy.lib import format as npy_format

    name = str(p)
    try:
        with open(p, "rb") as fh:
            version = npy_format.read_magic(fh)
            # versions 2 and 3 share the header layout (3 allows UTF-8 field names)
            read = (npy_format.read_array_header_1_0 if version == (1, 0)
                    else npy_format.read_array_header_2_0)
            shape, _, dtype = read(fh)
            offset = fh.tell()
        size = p.stat().st_size
    except (ValueError, TypeError, SyntaxError, EOFError) as exc:
        raise ArgumentError(f"{name!r} has a damaged .npy header (truncated or not written "
                            f"by numpy.save): {exc}") from None
    except OSError as exc:
        raise ArgumentError(f"{name!r} is not a readable .npy file: {exc}") from exc
    if any(k < 0 for k in shape):
        raise ArgumentError(f"{name!r} has a damaged .npy header: shape {tuple(shape)} has a "
                            "negative dimension")
    if dtype.hasobject:
        raise ArgumentError(f"{name!r} is not a numeric .npy array: it holds an object array "
                            f"(dtype {dtype}), and object arrays are not read (they would "
                            "need unpickling, allow_pickle); save numbers, e.g. "
                            "X.astype(numpy.float64)")
    need = math.prod(shape) * dtype.itemsize
    if need > size - offset:
        raise ArgumentError(
            f"{name!r} is truncated or damaged: its header says shape {tuple(shape)} of "
            f"dtype {dtype}, {need} bytes of data, but the file holds {size - offset} "
            "bytes after the header")


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


_NONZERO_DIGIT = re.compile(r"^[+-]?(?:\d*[1-9]\d*\.?\d*|\d*\.\d*[1-9]\d*)(?:[eE][+-]?\d+)?$")
# an integer in integer notation: digits, optionally a point and zeros (``12.0``); a
# number in scientific notation (``1e23``) is read as a float, to its nearest float64
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


def _csv_tokens_kept(p: Path, arr: np.ndarray) -> None:
    """Refuse CSV numbers whose nearest float64 changes them in kind: an integer float64
    cannot hold (``12345678901234567891`` became ...892, where the same integer in a
    ``.npy`` is refused) and a nonzero number that underflows to 0 (``1e-400`` became 0:
    the certificate would describe a matrix with another zero pattern). A decimal such as
    ``0.1`` is read as its nearest float64, which the certificate then describes."""
    suspect = (arr == 0.0) | (np.abs(arr) >= 2.0**53)
    if not suspect.any():
        return
    rows = set(int(i) for i in np.flatnonzero(suspect.any(axis=1)))
    with open(p, encoding="utf-8", errors="replace") as fh:
        lines = [text for text in (raw.split("#", 1)[0].strip() for raw in fh) if text]
    for i in sorted(rows):
        tokens = [t.strip() for t in lines[i].split(",")] if i < len(lines) else []
        for j in np.flatnonzero(suspect[i]):
            tok = tokens[j] if j < len(tokens) else ""
            value = float(arr[i, j])
            shown = tok if len(tok) <= 40 else f"{tok[:20]}...{tok[-12:]} ({len(tok)} characters)"
            if value == 0.0 and _NONZERO_DIGIT.match(tok):
                raise ArgumentError(
                    f"{str(p)!r} holds {shown} at index ({i}, {j}), which underflows float64 "
                    "to 0: the certificate would describe another matrix; scale the data")
            # Decimal, not int(): int() refuses more than 4300 digits (leading zeros too)
            if (value != 0.0 and np.isfinite(value) and _INTEGER.match(tok)
                    and Decimal(tok) != Decimal(value)):
                raise ArgumentError(
                    f"{str(p)!r} holds the integer {shown} at index ({i}, {j}), which float64 "
                    f"cannot represent exactly (it would become {int(value)}; integers "
                    "beyond 2^53 are rounded): the certificate would describe another "
                    "matrix; scale the data, or give floats")
