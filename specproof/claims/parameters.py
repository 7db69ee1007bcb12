"""A check's parameters: the names it takes, the names it may not take, their copies.

A profile or an override is refused when the claim is registered or run, with an
:class:`~specproof._core.ArgumentError` naming the claim and the parameter, rather than
as an ERROR verdict (or a bare ``TypeError``) later.
"""

from __future__ import annotations

import copy
import inspect
import json
import reprlib
from collections.abc import Mapping
from typing import Any

import numpy as np  # noqa: F401 - used by the examples

from specproof._core import ArgumentError, ArgumentTypeError, did_you_mean
from specproof._core.jsonable import to_jsonable


def check_parameters(fn: Any) -> tuple[list[str], list[str]] | None:
    """``(names, needed)``: the keyword parameters a check takes after its context, and
    those without a default; None when any name goes (``**kwargs``, no signature).

    Examples
    --------
    >>> check_parameters(lambda ctx, n, sign=1.0: None)
    (['n', 'sign'], ['n'])
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a callable without a signature: the call decides
        return None
    params = list(sig.parameters.values())[1:]  # the first is the context
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    names = [p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                  inspect.Parameter.KEYWORD_ONLY)]
    needed = [p.name for p in params if p.default is inspect.Parameter.empty
              and p.kind is not inspect.Parameter.VAR_POSITIONAL]
    return names, needed


# the names that assert_claim_passes, the specproof_claim fixture and the pytest marker
# take for themselves: a check parameter of one of these names could not be overridden
# there (``seed=5`` set the run seed, or raised "multiple values for keyword argument")
RESERVED_PARAMETERS: tuple[str, ...] = ("claim_id", "profile", "seed")


def check_reserved(claim_id: str, names: Any, where: str) -> None:
    """Raise :class:`ArgumentError` if ``names`` holds one of :data:`RESERVED_PARAMETERS`.

    Examples
    --------
    >>> check_reserved("demo.x", ["n", "seed"], "its check takes")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: claim 'demo.x': its check takes a parameter \
named 'seed', a name the test helpers use for the run seed (the profile, the claim id); \
rename the parameter
    """
    for name in names:
        if name in RESERVED_PARAMETERS:
            raise ArgumentError(
                f"claim {claim_id!r}: {where} a parameter named {name!r}, a name the test "
                "helpers use for the run seed (the profile, the claim id); rename the "
                "parameter")


def copy_parameters(claim_id: str, values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A deep copy of ``values``, or an :class:`ArgumentError` naming the value that has none.

    Each run gets its own copy of the parameters (a check that changed its list argument
    changed the profile); a generator, a lock or an open file cannot be copied.

    Examples
    --------
    >>> copy_parameters("demo.x", {"g": (i for i in range(3))}, "override")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: claim 'demo.x': override 'g' (a generator) \
cannot be deep-copied (cannot pickle 'generator' object); each run gets its own copy of \
the parameters, so every value must support copy.deepcopy: pass a list or a tuple, \
and create locks, files or iterators inside the check
    """
    try:
        return copy.deepcopy(dict(values))
    except Exception:
        # the whole dict first (values that share a list keep sharing it); one at a time
        # only to name the culprit
        for key, value in values.items():
            try:
                copy.deepcopy(value)
            except Exception as exc:
                raise ArgumentError(
                    f"claim {claim_id!r}: {what} {key!r} (a {type(value).__name__}) cannot "
                    f"be deep-copied ({exc}); each run gets its own copy of the parameters, "
                    "so every value must support copy.deepcopy: pass a list or a tuple, and "
                    "create locks, files or iterators inside the check") from None
        raise


def check_profile_names(claim_id: str, fn: Any, profiles: Mapping[str, Any]) -> None:
    """Refuse, at registration, a profile that names a parameter the check does not take
    or leaves out one it needs (either was an ERROR verdict only when the claim ran), and
    a parameter whose name the test helpers take for themselves."""
    for profile, values in profiles.items():
        check_reserved(claim_id, values, f"profile {profile!r} names")
    takes = check_parameters(fn)
    if takes is None:
        return
    names, needed = takes
    check_reserved(claim_id, names, "its check takes")
    _profiles_fit(claim_id, profiles, names, needed, "its check", "",
                  "the check's parameter {}")


def check_control_profile_names(claim_id: str, fn: Any, profiles: Mapping[str, Any]) -> None:
    """Refuse a control that cannot take the profiles' parameters (it gets the check's):
    an unknown name or a missing one was an ERROR verdict only when the claim ran."""
    takes = check_parameters(fn)
    if takes is None:
        return
    names, needed = takes
    name = getattr(fn, "__name__", "the control")
    _profiles_fit(claim_id, profiles, names, needed, f"its negative control {name}",
                  "; the control gets the check's parameters",
                  f"the parameter {{}} of its negative control {name}")


def _profiles_fit(claim_id: str, profiles: Mapping[str, Any], names: list[str],
                  needed: list[str], who: str, note: str, lacking_text: str) -> None:
    """Every profile names only parameters in ``names`` and gives every one in ``needed``
    (``who`` takes them; ``lacking_text`` words a missing one, ``{}`` its name)."""
    for profile, values in profiles.items():
        for key in values:
            if key not in names:
                raise ArgumentError(
                    f"claim {claim_id!r}: profile {profile!r} names {key!r}"
                    f"{did_you_mean(key, names)}, which {who} does not take (it takes "
                    f"{', '.join(names) or 'no parameters'}){note}")
        lacking = [n for n in needed if n not in values]
        if lacking:
            raise ArgumentError(f"claim {claim_id!r}: profile {profile!r} gives no value for "
                                + lacking_text.format(repr(lacking[0])))


def check_overrides(c: Any, overrides: dict[str, Any] | None) -> None:
    """Refuse, before anything runs, an override that the claim's check does not take.

    Raises
    ------
    ArgumentTypeError
        ``overrides`` is not a mapping (a list of pairs read as one unknown override).
    ArgumentError
        Naming the claim, the unknown name (with "did you mean") and the parameters the
        check takes.

    Examples
    --------
    >>> from specproof.claims.runner import resolve_claim
    >>> check_overrides(resolve_claim("lin-sn-gan.homogeneity"), {"nn": 1})
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: unknown override 'nn' for claim \
'lin-sn-gan.homogeneity' (did you mean 'n'?); its check takes n, c_sign
    """
    if overrides is None:
        return
    if not isinstance(overrides, Mapping):
        # [("n", 1)] was "unknown override ('n', 1)": the pair taken for a name
        raise ArgumentTypeError(
            f"overrides for claim {c.id!r} must be a dict parameter name -> value, like "
            f"{{'n': 1}}, got {type(overrides).__name__} ({overrides!r})"[:300])
    if not overrides:
        return
    for key in overrides:
        if key in RESERVED_PARAMETERS:
            # assert_claim_passes(id, seed=5) sets the run seed: an override of that name
            # would silently mean something else there, or collide with it
            raise ArgumentError(
                f"override {key!r} for claim {c.id!r}: {key!r} is the run's own "
                f"{key.replace('_', ' ')}, never a parameter of a check (a check may not "
                f"take {', '.join(RESERVED_PARAMETERS)})")
    takes = check_parameters(c.check)
    if takes is not None:
        names = takes[0]
        for key in overrides:
            if key not in names:
                takes = (f"its check takes {', '.join(names)}" if names
                         else "its check takes no parameters")
                raise ArgumentError(
                    f"unknown override {key!r} for claim {c.id!r}{did_you_mean(key, names)}; "
                    f"{takes}")
    # the control gets the check's parameters, overrides included: one it does not take
    # was the claim's ERROR, blamed on the control, after the check had run
    control = c.control_check
    takes = check_parameters(control) if control is not None else None
    if takes is not None:
        names = takes[0]
        for key in overrides:
            if key not in names:
                name = getattr(control, "__name__", "the control")
                raise ArgumentError(
                    f"override {key!r} for claim {c.id!r}: its check takes it, but its "
                    f"negative control {name} does not (it takes "
                    f"{', '.join(names) or 'no parameters'}); the control gets the check's "
                    f"parameters, so give {name} a parameter {key!r} (or **params)")
def params_change(recorded: Any, now: dict[str, Any]) -> str | None:
    """How a claim's parameters ``now`` differ from those a record holds (``recorded``,
    as ``evidence.json`` writes them), in words; None when they are the same.

    Examples
    --------
    >>> params_change({"n": 10, "tol": 0.5}, {"n": 20, "tol": 0.5})
    'its parameter n was 10 there and is 20 now'
    >>> params_change({"w": [1.0, "NaN"]}, {"w": np.array([1.0, np.nan])}) is None
    True
    """
    def canonical(value: Any) -> str:
        return json.dumps(to_jsonable(value), sort_keys=True, default=repr)

    old = recorded if isinstance(recorded, dict) else {}
    if canonical(old) == canonical(now):
        return None
    short = reprlib.Repr()
    short.maxstring = short.maxother = 40
    for name in sorted(set(old) | set(now), key=str):
        if name not in old:
            return f"its parameter {name} is new"
        if name not in now:
            return f"its parameter {name} is gone"
        if canonical(old[name]) != canonical(now[name]):
            return (f"its parameter {name} was {short.repr(old[name])} there and is "
                    f"{short.repr(to_jsonable(now[name]))} now")
    return "its parameters differ"


def current_params(claims: Any, profile: str) -> dict[str, dict[str, Any]]:
    """Claim id -> the parameters of ``profile`` for each of ``claims``: what
    :func:`kept_records` compares a record's with."""
    return {c.id: c.params(profile) for c in claims}


