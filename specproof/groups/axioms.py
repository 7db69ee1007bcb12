"""Group axioms checked on a Cayley table: closure, associativity on every triple,
identity and inverses.

:func:`check_group_axioms` reports the first failing axiom with its witness; a
:class:`~specproof.groups.FiniteGroup` is built only from a table that passes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import ResourceLimitError, Result
from specproof.groups.errors import GroupAxiomError

MAX_ORDER = 10_000
"""The largest group order kept: its Cayley table holds ``|G|² = 10⁸`` int64 entries
(0.75 GiB) and takes seconds to build; beyond it the table (and the temporaries that
build it) would exhaust memory. ``symmetric(7)`` (5040 elements) is within it."""


def check_order(order: int, what: str) -> None:
    """Raise :class:`~specproof.ResourceLimitError` before a Cayley table of ``order``
    elements is built, when ``order`` exceeds :data:`MAX_ORDER`; ``what`` names the
    group or argument in the message.

    Examples
    --------
    >>> check_order(100, "cyclic(N)")
    >>> check_order(20_000, "cyclic(N)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ResourceLimitError: cyclic(N) has 20000 elements: its Cayley ...
    """
    if order > MAX_ORDER:
        gib = 8.0 * float(order) ** 2 / 2**30
        limit = 8.0 * float(MAX_ORDER) ** 2 / 2**30
        raise ResourceLimitError(
            f"{what} has {order} elements: its Cayley table would hold |G|² = "
            f"{float(order) ** 2:.3g} int64 entries ({gib:.3g} GiB), beyond the limit of "
            f"{MAX_ORDER} elements (MAX_ORDER, {limit:.3g} GiB)")

# Associativity is checked in slabs of this many (a, b, c) triples so that memory stays
# bounded for groups of a few hundred elements.
_ASSOC_CHUNK = 4_000_000


# The code of a failing check, per axiom.
_CODES = {"shape": "bad_shape", "closure": "not_closed", "associativity": "not_associative",
          "identity": "no_identity", "inverse": "no_inverse"}


@dataclass(frozen=True)
class AxiomCheck(Result):
    """Result of :func:`check_group_axioms` (the :class:`specproof.Result` convention).

    Attributes
    ----------
    ok, reason, code
        ``code`` is ``"ok"``, ``"bad_shape"``, ``"not_closed"``, ``"not_associative"``,
        ``"no_identity"`` or ``"no_inverse"``.
    axiom : str or None
        ``"shape"``, ``"closure"``, ``"associativity"``, ``"identity"`` or ``"inverse"``.
    witness : tuple of int
        The failing triple ``(a, b, c)`` (associativity), element, or entry index.
    """

    axiom: str | None = None
    witness: tuple[int, ...] = ()


def _fail(axiom: str, reason: str, witness: tuple[int, ...] = ()) -> AxiomCheck:
    return AxiomCheck(ok=False, reason=reason, code=_CODES[axiom], axiom=axiom,
                      witness=witness)


def _ragged_row(table: Any) -> str | None:
    """A description of the first row whose length differs from row 0's, if any."""
    if isinstance(table, np.ndarray) or not isinstance(table, Sequence):
        return None
    rows = list(table)
    lengths = [len(r) if isinstance(r, (Sequence, np.ndarray)) else None for r in rows]
    for i, n_i in enumerate(lengths):
        if n_i != lengths[0]:
            return (f"row {i} has {'no' if n_i is None else n_i} entries but row 0 has "
                    f"{lengths[0]}")
    return None


def _as_table(table: Any) -> np.ndarray:
    ragged = _ragged_row(table)
    if ragged is not None:
        raise GroupAxiomError(
            f"table must be a square (n, n) array of element indices, but it is ragged: "
            f"{ragged}"
        )
    try:
        arr = np.asarray(table)
    except (ValueError, TypeError) as exc:
        raise GroupAxiomError(
            f"table must be a square (n, n) array of element indices: {exc}"
        ) from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise GroupAxiomError(
            f"table must be a non-empty square 2-d array (n, n), got shape {arr.shape}"
        )
    n = arr.shape[0]
    if arr.dtype.kind in "uf":
        # out of index range before the cast: int64 of 1e20 (or of a uint64 2**63 + 1)
        # wrapped, and the message named -9223372036854775808
        with np.errstate(invalid="ignore"):
            outside = np.isfinite(arr) & ((arr < 0) | (arr >= n)) if arr.dtype.kind == "f" \
                else arr >= n
        if np.any(outside):
            i, j = (int(k) for k in np.argwhere(outside)[0])
            raise GroupAxiomError(f"table[{i}, {j}] = {_item(arr[i, j])!r} is not an element "
                                  f"index 0..{n - 1}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            # whole-number floats are taken (above); say which entry is not one
            if arr.dtype.kind == "f":
                bad = arr.ravel()[~(np.isfinite(arr) & (arr == np.round(arr))).ravel()]
            else:
                # an object array: the first entry that is no index (2**70 overflows int64)
                bad = np.array([x for x in arr.ravel() if not _is_index(x)][:1] or
                               arr.ravel()[:1].tolist(), dtype=object)
            raise GroupAxiomError(
                f"table must hold integer indices (whole numbers), got dtype {arr.dtype}"
                + (f" with the entry {_item(bad[0])!r}" if bad.size else ""))
    return arr.astype(np.int64)


def _is_index(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and (
        0 <= int(x) < 2**63)


def _item(x: object) -> object:
    # an object array's entry is a plain Python int (2**70), without .item()
    return x.item() if hasattr(x, "item") else x


def _two_sided_identities(t: np.ndarray) -> list[int]:
    """Elements ``e`` with ``e·a = a·e = a`` for every ``a`` (at most one in a group)."""
    ar = np.arange(t.shape[0])
    return [e for e in range(t.shape[0])
            if np.array_equal(t[e], ar) and np.array_equal(t[:, e], ar)]


def check_group_axioms(table: Any) -> AxiomCheck:
    """Check closure, associativity (every triple), identity and inverses of a table.

    Parameters
    ----------
    table : array_like of int, shape (n, n)
        ``table[a, b]`` is the index of ``a·b``.

    Returns
    -------
    AxiomCheck
        ``ok`` and, on failure, the axiom and the failing triple or element.

    Examples
    --------
    >>> check_group_axioms([[0, 1], [1, 0]]).ok
    True
    >>> check_group_axioms([[0, 1], [1, 1]]).axiom
    'inverse'
    """
    try:
        t = _as_table(table)
    except GroupAxiomError as exc:
        return _fail("shape", str(exc))
    n = t.shape[0]
    bad = np.argwhere((t < 0) | (t >= n))
    if bad.size:
        a, b = (int(v) for v in bad[0])
        return _fail(
            "closure",
            f"closure fails: table[{a}, {b}] = {int(t[a, b])} is not an element index in "
            f"[0, {n})",
            (a, b),
        )
    # Associativity: (a·b)·c == a·(b·c) for all triples, a-slab at a time.
    rows = max(1, _ASSOC_CHUNK // (n * n))
    for start in range(0, n, rows):
        a_idx = np.arange(start, min(n, start + rows))
        left = t[t[a_idx]]  # [a, b, c] -> (a·b)·c
        right = t[a_idx][:, t]  # [a, b, c] -> a·(b·c)
        diff = np.argwhere(left != right)
        if diff.size:
            i, b, c = (int(v) for v in diff[0])
            a = int(a_idx[i])
            return _fail(
                "associativity",
                f"associativity fails for the triple (a, b, c) = ({a}, {b}, {c}): "
                f"(a·b)·c = {int(left[i, b, c])} but a·(b·c) = {int(right[i, b, c])}",
                (a, b, c),
            )
    ids = _two_sided_identities(t)
    if not ids:
        return _fail("identity", "identity fails: no element e with e·a = a·e = a for all a")
    e = ids[0]
    for a in range(n):
        both = np.nonzero((t[a] == e) & (t[:, a] == e))[0]
        if both.size == 0:
            return _fail(
                "inverse", f"inverse fails: element {a} has no b with a·b = b·a = identity {e}",
                (a,),
            )
    return AxiomCheck(ok=True)


__all__ = ["AxiomCheck", "check_group_axioms"]
