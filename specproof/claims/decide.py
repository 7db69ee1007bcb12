"""The verdict on a claim, from the outcomes of its check and of its negative control.

PASS     the check holds and the control does not;
FAIL     the check does not hold (whatever the control did);
VACUOUS  the check holds and so does the control: the check cannot tell true from false;
ERROR    the check or the control raised, no control is registered, or the verdict
         would rest on a measured NaN (a check that holds with one, a control that fails
         with one).
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from specproof._core import to_jsonable
from specproof.claims.results import ClaimResult, Outcome, _short


def _measured_text(o: Outcome, limit: int = 3) -> str:
    items = list(o.measured.items())
    if o.key in o.measured:
        items.sort(key=lambda kv: kv[0] != o.key)
    shown = [f"{k}={_short(to_jsonable(v))}" for k, v in items[:limit]]
    return ", ".join(shown)


def nan_in(values: Any, path: str = "", _seen: set[int] | None = None) -> str | None:
    """Where ``values`` (measured values, nested) holds a NaN, else None.

    Infinities are numbers that compare as numbers (``err <= tol`` is False for an
    infinite error); a NaN makes every comparison False, so ``not err > tol`` holds. It
    looks inside what the evidence writer looks inside: mappings, sequences, sets, numpy
    arrays (structured ones field by field), dataclasses, objects with ``to_dict()``, and
    scalars that convert to a float (numpy, torch, sympy, Decimal); a container that holds
    itself is visited once (it crashed the whole run with a RecursionError).

    Examples
    --------
    >>> nan_in({"a": 1.0, "b": [0.5, float("nan")]})
    "measured['b'][1]"
    >>> nan_in({"a": np.array([[1.0, np.nan]])}), nan_in({"n": 10**400, "x": np.inf})
    ("measured['a'][0][1]", None)
    >>> loop = [1.0]; loop.append(loop); nan_in({"loop": loop}) is None
    True
    """
    seen = set() if _seen is None else _seen
    if isinstance(values, (Mapping, list, tuple, set, frozenset, np.ndarray)) or (
            dataclasses.is_dataclass(values) and not isinstance(values, type)) or (
            callable(getattr(values, "to_dict", None))):
        if id(values) in seen:
            return None
        seen.add(id(values))
    if isinstance(values, Mapping):
        for k, v in values.items():
            found = nan_in(v, f"{path}[{k!r}]" if path else f"measured[{k!r}]", seen)
            if found:
                return found
        return None
    if isinstance(values, np.ndarray):
        if values.dtype.names:  # structured: each field is an array of its own
            for name in values.dtype.names:
                found = nan_in(values[name], f"{path}[{name!r}]", seen)
                if found:
                    return found
            return None
        if values.dtype.kind in "fc":
            bad = np.argwhere(np.isnan(values))
            return path + "".join(f"[{int(i)}]" for i in bad[0]) if bad.size else None
        if values.dtype.kind != "O":
            return None
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        for i, v in enumerate(values):
            found = nan_in(v, f"{path}[{i}]", seen)
            if found:
                return found
        return None
    if isinstance(values, (set, frozenset)):
        for v in values:
            found = nan_in(v, f"{path}{{...}}", seen)
            if found:
                return found
        return None
    if dataclasses.is_dataclass(values) and not isinstance(values, type):
        return nan_in({f.name: getattr(values, f.name) for f in dataclasses.fields(values)},
                      path or "measured", seen)
    if callable(getattr(values, "to_dict", None)):
        try:
            inner = values.to_dict()
        except Exception:  # noqa: BLE001 - not ours to judge; the writer reports it
            return None
        return nan_in(inner, path, seen)
    if isinstance(values, (str, bytes, bool)):
        return None
    if isinstance(values, decimal.Decimal):
        return path if values.is_nan() else None
    if isinstance(values, numbers.Complex) and not isinstance(values, numbers.Rational):
        try:
            z = complex(values)
        except (TypeError, ValueError, OverflowError):
            return None  # a symbolic value: no float to be NaN
        return path if math.isnan(z.real) or math.isnan(z.imag) else None
    if hasattr(values, "__float__"):  # a torch scalar tensor, sympy's nan, ...
        try:
            f = float(values)
        except (TypeError, ValueError, OverflowError, RuntimeError):
            return None
        return path if math.isnan(f) else None
    return None


def verdict_of(check: Outcome, control: Outcome, has_control: bool) -> tuple[str, str]:
    """Combine the two outcomes into the claim's verdict and a one-line reason.

    The reason says why in the terms of the evidence: the exception and where it was
    raised, or what was expected and what was measured. A check that does not hold is
    FAIL whatever the control did (a control that raised or is missing is noted). A PASS
    cannot rest on a value that is not a number: a check that holds with a NaN among its
    measured values, or a control that fails with one, is an ERROR naming the value
    (``holds = err < tol`` is False for a NaN error, so a control "fails" without
    showing anything, and ``not err > tol`` holds).
    """
    if check.verdict == "ERROR":
        return "ERROR", f"the check raised {check.error or 'an exception'}"
    if not check.holds:
        expected = f"expected {check.expected}; " if check.expected else ""
        reason = f"the check does not hold: {expected}measured {_measured_text(check)}"
        if not has_control:
            reason += " (also, no negative control is registered)"
        elif control.verdict == "ERROR":
            reason += f" (also, the negative control raised {control.error or 'an exception'})"
        return "FAIL", reason
    if not has_control:
        return "ERROR", "no negative control is registered, so the check cannot be shown to fail"
    if control.verdict == "ERROR":
        return "ERROR", f"the negative control raised {control.error or 'an exception'}"
    bad = nan_in(check.measured)
    if bad:
        return "ERROR", (f"the check holds, but with NaN in {bad}: a verdict cannot rest on "
                         "a measured value that is not a number")
    if control.holds:
        measured = _measured_text(control)
        return "VACUOUS", (
            "the negative control holds too: the check cannot tell true from false"
            + (f" (control measured {measured})" if measured else "")
        )
    bad = nan_in(control.measured)
    if bad:
        return "ERROR", (f"the negative control fails, but with NaN in {bad}: it does not "
                         "show that the check can tell true from false")
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
    if result.verdict == "ERROR" and result.check.holds and nan_in(result.check.measured) is None:
        return "control"
    return "check"
