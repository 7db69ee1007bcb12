"""Strict reading of certificate JSON: refusals of duplicate keys, NaN/Infinity, huge
integer literals and deep nesting, and the typed field readers (each error names the
field).
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import Any

import numpy as np

from specproof.certificates.constants import MAX_NESTING
from specproof.certificates.rational_text import CertificateFormatError, _short, parse_rational


def _json_float(x: float) -> float | None:
    """A float for the file: ``null`` for NaN (the marker of "no float copy")."""
    x = float(x)
    return None if math.isnan(x) else x


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            keys = ", ".join(_short(k, 20) for k, _ in pairs[:8])
            raise CertificateFormatError(
                f"duplicate key {_short(key)} in a JSON object (keys: {keys}): a reader "
                "would silently keep only one of the two values")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise CertificateFormatError(f"{name} is not a JSON number (strict JSON has no {name})")


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > 310:  # beyond every float and every size the format uses
        raise CertificateFormatError(
            f"an integer literal of {digits} digits: beyond the float range (write large "
            "exact values as rational strings)")
    return int(text)


def _check_depth(doc: Any, source: str) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` (iteratively: no recursion)."""
    stack = [(doc, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_NESTING:
            raise CertificateFormatError(
                f"certificate file {source!r} is nested {depth}+ levels deep (limit "
                f"{MAX_NESTING}; the format needs 4)")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values() if isinstance(v, (dict, list)))
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj if isinstance(v, (dict, list)))


def _finite_number(x: Any) -> bool:
    """A JSON number that is a finite float (bools and out-of-range integers are not)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    return abs(x) <= sys.float_info.max if isinstance(x, int) else math.isfinite(x)


def _get(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise CertificateFormatError(f"field {where}.{key} is missing")
    return obj[key]


def _float_matrix(rows: Any, n: int, m: int, name: str, allow_null: bool = False) -> np.ndarray:
    if not isinstance(rows, list) or len(rows) != n:
        raise CertificateFormatError(f"{name} must be a list of {n} rows, got {_short(rows)}")
    out = np.empty((n, m))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != m:
            raise CertificateFormatError(
                f"{name}[{i}] must be a list of {m} numbers, got {_short(row)}")
        for j, x in enumerate(row):
            if x is None and allow_null:
                out[i, j] = math.nan
                continue
            if not _finite_number(x):
                what = "a finite number or null" if allow_null else "a finite number"
                raise CertificateFormatError(f"{name}[{i}][{j}] must be {what}, got {_short(x)}")
            out[i, j] = float(x)
    return out


def _rational_matrix(rows: Any, n: int, m: int, name: str) -> tuple[tuple[Fraction, ...], ...]:
    if not isinstance(rows, list) or len(rows) != n:
        raise CertificateFormatError(f"{name} must be a list of {n} rows, got {_short(rows)}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != m:
            raise CertificateFormatError(
                f"{name}[{i}] must be a list of {m} strings, got {_short(row)}")
        out.append(tuple(parse_rational(x, f"{name}[{i}][{j}]") for j, x in enumerate(row)))
    return tuple(out)
