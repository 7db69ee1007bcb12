"""One point of a width sweep: running it, and reading it back from the cache.

:func:`run_point` evaluates a measurement at one ``(config, seed)`` (in whichever process
the executor picks) and normalises what it returns; :func:`read_point` takes a point from
the cache only when its record passes every check (:meth:`PointCache.load
<specproof.dag_nets.cache.PointCache.load>`: whole and unedited;
:func:`~specproof.dag_nets.sweep_result.point_from_record`: the fields the point is read
from), and otherwise lists it as damaged, to be recomputed.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError, to_jsonable
from specproof._core.threads import limit_threads
from specproof.dag_nets.cache import PointCache
from specproof.dag_nets.sweep_result import SweepPoint, point_from_record


class DamagedCacheWarning(UserWarning):
    """Damaged cache records were found (and their points recomputed)."""


def _normalise(result: Any) -> tuple[float, dict[str, Any], dict[str, np.ndarray]]:
    """``(value, extra, arrays)`` of what a measurement returned, checked."""
    arrays: dict[str, np.ndarray] = {}
    if isinstance(result, Mapping):
        if "value" not in result:
            raise ArgumentError(f"a measurement dict needs a 'value' entry, got {sorted(result)}")
        raw = result.get("arrays") or {}
        if not isinstance(raw, Mapping):
            raise ArgumentTypeError(f"a measurement's 'arrays' must be a dict of arrays, "
                                    f"got {type(raw).__name__}")
        arrays = {str(k): np.asarray(v) for k, v in raw.items()}
        for k, a in arrays.items():
            if a.dtype.hasobject:
                # np.savez pickles it and the cache cannot read it back (no pickles):
                # every later run recomputed the point and called the record damaged
                raise ArgumentTypeError(f"a measurement's array {k!r} has dtype object; "
                                        "return numeric (or string) arrays")
        for k, v in result.items():
            if (k not in ("value", "arrays") and isinstance(v, (float, np.floating))
                    and not np.isfinite(v)):
                # JSON keeps it as the string 'NaN': p.extra[k] < tol failed later
                raise ComputationError(f"the measurement returned a non-finite {k!r}: {v}")
        extra = {str(k): to_jsonable(v) for k, v in result.items()
                 if k not in ("value", "arrays")}
        for reserved in ("width", "seed", "seconds"):
            if reserved in extra:
                raise ArgumentError(f"a measurement may not return the column {reserved!r}")
        value = result["value"]
    else:
        value, extra = result, {}
    try:
        if isinstance(value, (str, bytes, bool, np.bool_)):
            raise TypeError  # float("0.5") and float(True) would pass
        value = float(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"a measurement must return a float or a dict with a 'value', got {value!r}"
        ) from None
    if not np.isfinite(value):
        raise ComputationError(f"the measurement returned a non-finite value {value}")
    return value, extra, arrays


def run_point(measure: Callable[[Mapping[str, Any], int], Any], config: Mapping[str, Any],
              seed: int, threads: int | None = None):
    """Evaluate one point: ``(value, extra, arrays, seconds)``. Runs in the worker, with at
    most ``threads`` BLAS/OpenMP threads when given."""
    t0 = time.perf_counter()
    with limit_threads(threads):
        value, extra, arrays = _normalise(measure(dict(config), seed))
    return value, extra, arrays, time.perf_counter() - t0


def printer(progress: bool | Callable[[str], Any]) -> Callable[[str], Any]:
    """Where progress lines go: a callable as given, True: stderr, False: nowhere."""
    if callable(progress):
        return progress
    if progress:
        return lambda line: print(line, file=sys.stderr, flush=True)
    return lambda line: None


def read_point(store: PointCache | None, key: str, damaged: list[tuple[str, str]],
               expected: Mapping[str, Any]) -> SweepPoint | None:
    """The cached point of ``key``, or None (absent, or damaged: then added to
    ``damaged`` with the reason, and recomputed)."""
    found = store.load(key) if store is not None else None
    if found is None:
        if store is not None and key in store.damaged:
            damaged.append((key, store.damaged[key]))
        return None
    try:
        return point_from_record(found[0], found[1], expected)
    except ValueError as exc:  # a record that passed its checksum but not its fields
        damaged.append((key, str(exc)))
        return None


def notice(progress: bool | Callable[[str], Any], line: str) -> None:
    """Say ``line`` once even without progress lines: on stderr, as a warning."""
    if callable(progress) or progress:
        printer(progress)(line)
    else:
        warnings.warn(line, DamagedCacheWarning, stacklevel=3)

__all__ = ["DamagedCacheWarning", "notice", "printer", "read_point", "run_point"]
