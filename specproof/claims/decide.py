"""The verdict on a claim, from the outcomes of its check and of its negative control.

PASS     the check holds and the control does not;
FAIL     the check does not hold (whatever the control did);
VACUOUS  the check holds and so does the control: the check cannot tell true from false;
ERROR    the check or the control raised (or its evidence could not be recorded), no
         control is registered, or the verdict would rest on a measured NaN (a check that
         holds with one in its measured values or its table, a control that fails with
         one).
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import numbers
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from specproof._core.jsonable import as_array, as_sequence
from specproof.claims.results import ClaimResult, Outcome, _short


def _measured_text(o: Outcome, limit: int = 3) -> str:
    measured = o.measured_json()  # as recorded: converting again may fail or be slow
    items = list(measured.items()) if isinstance(measured, dict) else []
    if o.key in measured:
        items.sort(key=lambda kv: kv[0] != o.key)
    # a float in full (the shortest text that reads back as it): rounded to 4 digits, a
    # failing slope of 0.60004 read "measured slope=0.6" beside "expected slope <= 0.6"
    shown = [f"{k}={repr(v) if isinstance(v, float) else _short(v)}" for k, v in items[:limit]]
    return ", ".join(shown)


def _nan_text(text: str) -> bool:
    """Whether ``text`` writes a NaN: ``"NaN"`` (evidence.json) or Python's ``"nan"``
    (``f"{err:.3g}"`` of a NaN error made a PASS where ``"NaN"`` made an ERROR), and
    ``"NaT"``, how numpy's not-a-time is written."""
    return len(text) <= 4 and text.strip().lstrip("+-").lower() in ("nan", "nat")


def nan_in(values: Any, path: str = "", _seen: dict[int, Any] | None = None,
           recorded: bool = False) -> str | None:
    """Where ``values`` (measured values, nested) holds a NaN, else None.

    Infinities are numbers that compare as numbers (``err <= tol`` is False for an
    infinite error); a NaN makes every comparison False, so ``not err > tol`` holds. It
    looks inside what the evidence writer looks inside: mappings, sequences, sets, numpy
    arrays (structured ones field by field) and other array-likes (torch tensors,
    ``array.array``, ``memoryview``: a NaN in a tensor of errors passed), dataclasses,
    objects with ``to_dict()``, ``SimpleNamespace``, the other containers of
    :func:`~specproof._core.jsonable.as_sequence` (a ``deque``, a ``UserList``, an
    ``mpmath.matrix``: a NaN in a deque of recent errors passed), and scalars that
    convert to a float (numpy, torch, sympy, Decimal); a container that holds itself is
    visited once (it crashed the whole run with a RecursionError). ``recorded=True``:
    ``values`` as ``evidence.json`` holds them, where the string ``"NaN"`` is how a NaN
    is written (in measured values a string is no number). A value whose conversion to
    a float raises anything but the usual "not a number" errors (TypeError, ValueError,
    OverflowError, RuntimeError) raises.

    Examples
    --------
    >>> nan_in({"a": 1.0, "b": [0.5, float("nan")]})
    "measured['b'][1]"
    >>> nan_in({"a": np.array([[1.0, np.nan]])}), nan_in({"n": 10**400, "x": np.inf})
    ("measured['a'][0][1]", None)
    >>> import array
    >>> nan_in({"e": array.array("d", [0.0, float("nan")])})
    "measured['e'][1]"
    >>> nan_in({"e": "NaN"}), nan_in({"e": "NaN"}, recorded=True)
    (None, "measured['e']")
    >>> nan_in({"e": f"{float('nan'):.3g}"}, recorded=True)
    "measured['e']"
    >>> loop = [1.0]; loop.append(loop); nan_in({"loop": loop}) is None
    True
    >>> from collections import deque
    >>> nan_in({"errs": deque([1e-9, float("nan")])})
    "measured['errs'][1]"
    """
    # id -> the container itself: holding it keeps its id from being reused. A container
    # made on the way (the dict of a dataclass's fields, a structured array's field, a
    # deque's list) is freed once visited, and the next one made often got its id: as
    # "seen", a NaN in the second of two dataclasses passed
    seen: dict[int, Any] = {} if _seen is None else _seen
    kind = type(values)  # plain numbers and text first: the checks below cost ~10 us each
    if kind is float:
        return path if values != values else None
    if kind is int or kind is bool or values is None:
        return None
    if kind is str:
        return path if recorded and _nan_text(values) else None
    if isinstance(values, np.void) and values.dtype.names:
        # one row of a structured array: its NaN passed, where the array's was seen
        return nan_in({name: values[name] for name in values.dtype.names},
                      path or "measured", seen, recorded)
    if isinstance(values, (np.datetime64, np.timedelta64)):
        return path if np.isnat(values) else None  # NaT compares False, as NaN does
    if isinstance(values, (Mapping, list, tuple, set, frozenset, np.ndarray)) or (
            dataclasses.is_dataclass(values) and not isinstance(values, type)) or (
            callable(getattr(values, "to_dict", None))):
        if id(values) in seen:
            return None
        seen[id(values)] = values
    if isinstance(values, Mapping):
        for k, v in values.items():
            kind = type(v)  # inline, as in lists: a table of 100k rows took 20 s a scan
            if kind is float or kind is int or kind is str:
                if not (v != v or (recorded and kind is str and _nan_text(v))):
                    continue
            found = nan_in(v, f"{path}[{k!r}]" if path else f"measured[{k!r}]", seen, recorded)
            if found:
                return found
        return None
    if isinstance(values, np.ndarray):
        return _nan_in_array(values, path, seen, recorded)
    if isinstance(values, (list, tuple)):
        if len(values) > 16:
            # a long list of numbers (an array read back from evidence.json): one
            # vectorised test, not a Python call per number
            try:
                arr = np.asarray(values)
            except (ValueError, TypeError, OverflowError):  # ragged, ...: one by one
                arr = None
            if arr is not None and arr.dtype.kind in "biuf":
                return _nan_in_array(arr, path, seen, recorded)
        for i, v in enumerate(values):
            kind = type(v)  # plain numbers and text inline: a call each took seconds
            if kind is float or kind is int or kind is str:
                if v != v or (recorded and kind is str and _nan_text(v)):
                    return f"{path}[{i}]"
                continue
            found = nan_in(v, f"{path}[{i}]", seen, recorded)
            if found:
                return found
        return None
    if isinstance(values, (set, frozenset)):
        for v in values:
            found = nan_in(v, f"{path}{{...}}", seen, recorded)
            if found:
                return found
        return None
    if dataclasses.is_dataclass(values) and not isinstance(values, type):
        return nan_in({f.name: getattr(values, f.name) for f in dataclasses.fields(values)},
                      path or "measured", seen, recorded)
    if callable(getattr(values, "to_dict", None)):
        try:
            inner = values.to_dict()
        except Exception:  # noqa: BLE001 - not ours to judge; the writer reports it
            return None
        return nan_in(inner, path, seen, recorded)
    if isinstance(values, str):
        return path if recorded and _nan_text(values) else None
    if isinstance(values, (bytes, bool)):
        return None
    arr = as_array(values)  # a torch tensor: float() of one with two elements raises
    if arr is not None:
        return _nan_in_array(arr, path, seen, recorded)
    # what the evidence writer records as a list (or a dict): a NaN in a deque of errors
    # was written as the text "deque([..., nan])", which no check saw
    items = vars(values) if isinstance(values, types.SimpleNamespace) else as_sequence(values)
    if items is not None:
        if id(values) in seen:
            return None
        seen[id(values)] = values
        return nan_in(items, path, seen, recorded)
    if isinstance(values, decimal.Decimal):
        return path if values.is_nan() else None
    if isinstance(values, numbers.Complex) and not isinstance(values, numbers.Rational):
        try:
            z = complex(values)
        except (TypeError, ValueError, OverflowError):
            return None  # a symbolic value: no float to be NaN
        return path if math.isnan(z.real) or math.isnan(z.imag) else None
    if hasattr(values, "__float__"):  # sympy's nan, ...
        try:
            f = float(values)
        except (TypeError, ValueError, OverflowError, RuntimeError):
            return None
        return path if math.isnan(f) else None
    return None


def _nan_in_array(values: np.ndarray, path: str, seen: dict[int, Any],
                  recorded: bool = False) -> str | None:
    # a masked NaN (np.ma.masked_invalid) is still one: masking is how a diverged sample
    # drops out of `(errs > tol).any()` unseen
    values = np.ma.getdata(values)
    if values.dtype.names:  # structured: each field is an array of its own
        for name in values.dtype.names:
            found = nan_in(values[name], f"{path}[{name!r}]", seen, recorded)
            if found:
                return found
        return None
    if values.dtype.kind in "fcmM":
        bad = np.argwhere(np.isnat(values) if values.dtype.kind in "mM" else np.isnan(values))
        return path + "".join(f"[{int(i)}]" for i in bad[0]) if bad.size else None
    if values.dtype.kind != "O":
        return None
    return nan_in(values.tolist(), path, seen, recorded)  # a 0-d array gives its one object


def outcome_nan(o: Outcome) -> str | None:
    """Where a check's or a control's evidence holds a NaN: its measured values or its
    table (``table[2]['err']``), as returned and as recorded; None when nowhere.

    Examples
    --------
    >>> outcome_nan(Outcome("HOLDS", measured={"ok": 1}, table=[{"err": float("nan")}]))
    "table[0]['err']"
    """
    found = nan_in(o.measured) or nan_in(o.table, "table")
    if found is None and o.snapshot is not None:
        # as recorded, by the rule a record read back is judged by (a value written as
        # "NaN"): the report of this run shows the verdict the summary shows
        found = (nan_in(o.measured_json(), recorded=True)
                 or nan_in(o.table_json(), "table", recorded=True))
    return found


def record_nan(side: Any) -> str | None:
    """:func:`outcome_nan` for one side (``"check"``, ``"control"``) of an
    ``evidence.json`` record."""
    if not isinstance(side, Mapping):
        return None
    return (nan_in(side.get("measured") or {}, recorded=True)
            or nan_in(side.get("table") or [], "table", recorded=True))


def nan_reason(side: str, where: str) -> str:
    """The reason of the ERROR for a NaN in the check (``side="check"``, which holds) or
    in the control (which fails); the same for a live run and a record read back."""
    if side == "check":
        return (f"the check holds, but with NaN in {where}: a verdict cannot rest on a "
                "measured value that is not a number")
    return (f"the negative control fails, but with NaN in {where}: it does not show that "
            "the check can tell true from false")


def side_error(side: str, error: str) -> str:
    """``the check raised ...``: the reason part for a check (or control) in ERROR.

    Examples
    --------
    >>> side_error("check", "measured['x'] could not be recorded: KeyError: 'a'")
    "the check's measured['x'] could not be recorded: KeyError: 'a'"
    >>> side_error("negative control", "os._exit(0) (at m.py:3 in f)")
    'the negative control called os._exit(0) (at m.py:3 in f)'
    """
    if error.startswith("os._exit("):
        return f"the {side} called {error}"
    if error.startswith(("measured[", "table[")):
        return f"the {side}'s {error}"
    return f"the {side} raised {error or 'an exception'}"


def verdict_of(check: Outcome, control: Outcome, has_control: bool) -> tuple[str, str]:
    """Combine the two outcomes into the claim's verdict and a one-line reason.

    The reason says why in the terms of the evidence: the exception and where it was
    raised, or what was expected and what was measured. A check that does not hold is
    FAIL whatever the control did (a control that raised or is missing is noted). A PASS
    cannot rest on a value that is not a number: a check that holds with a NaN among its
    measured values or in its table, or a control that fails with one, is an ERROR naming
    the value (``holds = err < tol`` is False for a NaN error, so a control "fails"
    without showing anything, and ``not err > tol`` holds). A record read back from
    ``evidence.json`` is judged by the same rule
    (:func:`~specproof.claims.results.record_verdict`).
    """
    if check.verdict == "ERROR":
        return "ERROR", side_error("check", check.error)
    if not check.holds:
        expected = f"expected {check.expected}; " if check.expected else ""
        reason = f"the check does not hold: {expected}measured {_measured_text(check)}"
        if not has_control:
            reason += " (also, no negative control is registered)"
        elif control.verdict == "ERROR":
            reason += f" (also, {side_error('negative control', control.error)})"
        return "FAIL", reason
    if not has_control:
        return "ERROR", "no negative control is registered, so the check cannot be shown to fail"
    if control.verdict == "ERROR":
        return "ERROR", side_error("negative control", control.error)
    bad = outcome_nan(check)
    if bad:
        return "ERROR", nan_reason("check", bad)
    if control.holds:
        measured = _measured_text(control)
        return "VACUOUS", (
            "the negative control holds too: the check cannot tell true from false"
            + (f" (control measured {measured})" if measured else "")
        )
    bad = outcome_nan(control)
    if bad:
        return "ERROR", nan_reason("control", bad)
    return "PASS", "the check holds and the negative control fails"


def deciding_side(result: ClaimResult) -> str:
    """``"check"`` or ``"control"``: whose evidence decided the verdict.

    The control's for VACUOUS and for an ERROR of the control (it raised, is missing, or
    failed with a NaN); the check's otherwise: a check that does not hold decides FAIL
    whatever the control did, and a check that holds with a NaN decides its ERROR.

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> deciding_side(run_claim("lin-sn-gan.homogeneity"))
    'check'
    """
    if result.verdict == "VACUOUS":
        return "control"
    if result.verdict == "ERROR" and result.check.holds and outcome_nan(result.check) is None:
        return "control"
    return "check"
