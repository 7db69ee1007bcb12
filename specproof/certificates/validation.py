"""Input validation shared by the norm, SoS and certificate code.

Every public entry point of :mod:`specproof.certificates` calls these helpers so that bad
input fails early with a message naming the argument, never as a NaN that travels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SOLVERS: tuple[str, ...] = ("auto", "clarabel", "scs", "mosek")


def check_matrix(X: Any, name: str = "X", allow_empty: bool = False) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array or raise a clear error.

    Parameters
    ----------
    X : array_like
        The matrix to check.
    name : str
        Argument name used in error messages.
    allow_empty : bool
        Whether a matrix with zero rows or columns is acceptable.

    Returns
    -------
    ndarray
        A float64 copy-or-view of ``X`` with ``ndim == 2``.

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is not 2-D, is empty, or has a NaN / infinite entry (the first such index
        is named).

    Examples
    --------
    >>> check_matrix([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> check_matrix([[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    ValueError: X has a non-finite entry nan at index (0, 1)
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a numeric 2-D array, got {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric 2-D array: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric 2-D array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n rows x d columns), got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must be non-empty, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} has a non-finite entry {arr[idx]} at index {idx}")
    return arr


def check_vector(v: Any, d: int, name: str = "v") -> np.ndarray:
    """Return ``v`` as a finite 1-D float64 array of length ``d``.

    Examples
    --------
    >>> check_vector([1, 0], 2)
    array([1., 0.])
    """
    arr = np.asarray(v, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != d:
        raise ValueError(f"{name} must be a 1-D array of length {d}, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} has a non-finite entry {arr[bad[0]]} at index {int(bad[0])}")
    return arr


def check_q(q: Any) -> float:
    """Return the exponent ``q`` of a 2->q norm as a float in ``[2, inf]``.

    ``np.inf``, ``float("inf")`` and the strings ``"inf"`` / ``"infinity"`` all mean the
    max-row-norm case.

    Examples
    --------
    >>> check_q(4), check_q("inf")
    (4.0, inf)
    >>> check_q(1.5)
    Traceback (most recent call last):
    ...
    ValueError: q must be a real number >= 2 or inf, got 1.5
    """
    if isinstance(q, str):
        if q.strip().lower() in ("inf", "infinity", "+inf"):
            return math.inf
        raise ValueError(f"q must be a real number >= 2 or inf, got {q!r}")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, (int, float, np.integer, np.floating)):
        raise TypeError(f"q must be a real number >= 2 or inf, got {type(q).__name__}")
    qf = float(q)
    if math.isnan(qf) or qf < 2:
        raise ValueError(f"q must be a real number >= 2 or inf, got {q!r}")
    return qf


def check_even_q(q: Any, max_q: int | None = None) -> int:
    """Return ``q`` as an even integer >= 2 (SoS and flattening need even degrees).

    Examples
    --------
    >>> check_even_q(4)
    4
    >>> check_even_q(3)
    Traceback (most recent call last):
    ...
    ValueError: q must be an even integer >= 2 for this method, got 3.0
    """
    qf = check_q(q)
    if math.isinf(qf) or qf != int(qf) or int(qf) % 2:
        raise ValueError(f"q must be an even integer >= 2 for this method, got {qf}")
    qi = int(qf)
    if max_q is not None and qi > max_q:
        raise ValueError(f"q must be at most {max_q} for this method, got {qi}")
    return qi


def check_solver(solver: Any) -> str:
    """Normalise a solver name to one of ``"auto"``, ``"clarabel"``, ``"scs"``, ``"mosek"``.

    Raises ValueError for unknown names; MOSEK availability is checked where it is used.

    Examples
    --------
    >>> check_solver("Clarabel")
    'clarabel'
    """
    if not isinstance(solver, str) or solver.lower() not in SOLVERS:
        raise ValueError(f"solver must be one of {list(SOLVERS)}, got {solver!r}")
    return solver.lower()


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise.

    Examples
    --------
    >>> check_positive_int(3, "restarts")
    3
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def as_rng(rng: Any) -> np.random.Generator:
    """A numpy Generator from a seed, a Generator or None.

    Examples
    --------
    >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"seed/rng must be an int, a numpy Generator or None, got {type(rng).__name__}")
