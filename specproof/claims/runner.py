"""Running claims: check, negative control, verdict.

Verdicts
--------
PASS     the check holds and the control does not;
FAIL     the check does not hold;
VACUOUS  the check holds and so does the control: the check cannot tell true from false;
ERROR    the check or the control raised (traceback kept), or no control is registered.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import numbers
import os
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, did_you_mean, to_jsonable
from specproof.claims.claim import REGISTRY, Claim, Registry, check_parameters
from specproof.claims.evidence import Context, Evidence
from specproof.claims.results import (  # noqa: F401  (re-exported: the runner's API)
    BAD_VERDICTS,
    VERDICTS,
    ClaimResult,
    Outcome,
    _short,
)

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


def error_line(exc: BaseException, fn=None) -> str:
    """One line for an exception: its type and message, and where it was raised.

    The place is the deepest frame outside the claims engine (the engine's own frames,
    e.g. Evidence validation, point at the caller that passed the bad value); when every
    frame is the engine's, the check function's definition.

    Examples
    --------
    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as e:
    ...     error_line(e).startswith("ZeroDivisionError: division by zero (at ")
    True
    """
    head = traceback.format_exception_only(type(exc), exc)[-1].strip()
    cls = type(exc)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if head.startswith(qualified):  # specproof._core.errors.X -> specproof.X
        head = public_name(cls) + head[len(qualified):]
    where = ""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename != "<string>"  # generated code, e.g. a dataclass __init__
        and not os.path.abspath(f.filename).startswith(_ENGINE_DIR + os.sep)
    ]
    if frames:
        f = frames[-1]
        where = f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"
    elif fn is not None and getattr(fn, "__code__", None) is not None:
        code = fn.__code__
        where = f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} in {code.co_name}"
    return f"{head} (at {where})" if where else head


def public_name(cls: type) -> str:
    """The name a user imports an exception class by: the shortest public module path
    that exports it (``specproof.ArgumentError``, not ``specproof._core.errors...``).

    Examples
    --------
    >>> from specproof._core.errors import ArgumentError
    >>> public_name(ArgumentError), public_name(ValueError)
    ('specproof.ArgumentError', 'ValueError')
    """
    import importlib
    import sys

    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        if parts[i - 1].startswith("_"):
            break  # a private module is no public name
        path = ".".join(parts[:i])
        try:
            mod = sys.modules.get(path) or importlib.import_module(path)
        except ImportError:
            break
        if getattr(mod, cls.__name__, None) is cls:
            return f"{path}.{cls.__name__}"
    return f"{module}.{cls.__qualname__}"


def _run_one(
    fn,
    ctx: Context,
    params: dict[str, Any],
    figure_stem: Path | None,
    certificate_stem: Path | None = None,
    same_as: Any = None,
) -> Outcome:
    start = time.perf_counter()
    cpu = time.process_time()
    try:
        ev = fn(ctx, **params)
        if not isinstance(ev, Evidence):
            raise TypeError(
                f"a check must return Evidence (use ctx.evidence(...)), got {type(ev).__name__}"
            )
    except KeyboardInterrupt:
        raise  # the user stops the run; finished claims are kept by the caller
    except BaseException as exc:
        # SystemExit too: a check that ends in argparse's exit made `verify` exit 0 with
        # no report; any other BaseException subclass ended the whole run and lost every
        # finished claim
        return Outcome(
            verdict="ERROR",
            seconds=time.perf_counter() - start,
            cpu_seconds=time.process_time() - cpu,
            traceback=traceback.format_exc(),
            error=error_line(exc, fn),
        )
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    fig = ev.figure
    if fig is not None and same_as is not None and _same_picture(fig, same_as):
        # a control figure identical to the check's shows nothing new: not written
        _close(fig)
        fig = None
    figure_path = None
    try:
        if fig is not None:
            figure_path = _save_figure(fig, figure_stem)
        saved = _save_certificates(ev.certificates, certificate_stem)
    except Exception as exc:
        # a figure that cannot be drawn (a mathtext typo in a label) is the claim's error,
        # not a crash that lost the whole run
        if fig is not None:
            _close(fig)
        return Outcome(
            verdict="ERROR",
            seconds=seconds,
            cpu_seconds=cpu_seconds,
            traceback=traceback.format_exc(),
            error=f"saving the check's figure or certificates failed: {error_line(exc, fn)}",
        )
    return Outcome(
        verdict="HOLDS" if ev.holds else "FAILS",
        measured=ev.measured,
        expected=ev.expected,
        table=ev.table,
        key=ev.key,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        figure=figure_path,
        certificates=saved,
        figure_object=fig,
        labels=dict(ev.labels),
    )


def _png_bytes(fig) -> bytes:
    import io

    from specproof.plotting import finish_figure

    # compared as they will be saved: the style changes fonts and ticks, and a control
    # that differs from its check only before styling is still the same picture
    finish_figure(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


def _same_picture(fig, other) -> bool:
    try:
        return _png_bytes(fig) == _png_bytes(other)
    except Exception:  # a figure that cannot render is left to the save step to report
        return False


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def _save_certificates(docs: dict[str, Any], stem: Path | None) -> tuple[str, ...]:
    if stem is None or not docs:
        return ()
    stem.parent.mkdir(parents=True, exist_ok=True)
    names = []
    for name, doc in docs.items():
        path = stem.with_name(f"{stem.name}.{name}.json")
        text = doc if isinstance(doc, str) else json.dumps(to_jsonable(doc), indent=1)
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        names.append(path.name)
    return tuple(names)


def _save_figure(fig, stem: Path | None) -> str | None:
    # closed for pyplot (no figure piles up in its manager), kept as an object: a closed
    # figure still draws, saves and displays
    try:
        if stem is None:
            return None
        from specproof.plotting import save_figure

        save_figure(fig, stem)
        return stem.name
    finally:
        _close(fig)


def _measured_text(o: Outcome, limit: int = 3) -> str:
    items = list(o.measured.items())
    if o.key in o.measured:
        items.sort(key=lambda kv: kv[0] != o.key)
    shown = [f"{k}={_short(to_jsonable(v))}" for k, v in items[:limit]]
    return ", ".join(shown)


def verdict_of(check: Outcome, control: Outcome, has_control: bool) -> tuple[str, str]:
    """Combine the two outcomes into the claim's verdict and a one-line reason.

    The reason says why in the terms of the evidence: the exception and where it was
    raised, or what was expected and what was measured.
    """
    if check.verdict == "ERROR":
        return "ERROR", f"the check raised {check.error or 'an exception'}"
    if not has_control:
        return "ERROR", "no negative control is registered, so the check cannot be shown to fail"
    if control.verdict == "ERROR":
        return "ERROR", f"the negative control raised {control.error or 'an exception'}"
    if not check.holds:
        expected = f"expected {check.expected}; " if check.expected else ""
        return "FAIL", f"the check does not hold: {expected}measured {_measured_text(check)}"
    if control.holds:
        measured = _measured_text(control)
        return "VACUOUS", (
            "the negative control holds too: the check cannot tell true from false"
            + (f" (control measured {measured})" if measured else "")
        )
    return "PASS", "the check holds and the negative control fails"


def resolve_claim(c: Claim | str, registry: Registry | None = None) -> Claim:
    """A :class:`Claim` from itself or from its id (built-in claims load on demand).

    Examples
    --------
    >>> resolve_claim("lin-sn-gan.homogeneity").id
    'lin-sn-gan.homogeneity'
    """
    if isinstance(c, Claim):
        return c
    if not isinstance(c, str):
        raise ArgumentTypeError(
            f"claim must be a Claim or a claim id string, got {type(c).__name__}"
        )
    reg = REGISTRY if registry is None else registry
    if c not in reg and reg is REGISTRY:
        from specproof.claims.providers import load_claim_providers

        load_claim_providers()
    return reg.get(c)


def check_overrides(c: Claim, overrides: dict[str, Any] | None) -> None:
    """Refuse, before anything runs, an override that the claim's check does not take.

    Raises
    ------
    ArgumentError
        Naming the claim, the unknown name (with "did you mean") and the parameters the
        check takes.

    Examples
    --------
    >>> check_overrides(resolve_claim("lin-sn-gan.homogeneity"), {"nn": 1})
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: unknown override 'nn' for claim \
'lin-sn-gan.homogeneity' (did you mean 'n'?); its check takes n, c_sign
    """
    if not overrides:
        return
    takes = check_parameters(c.check)
    if takes is None:
        return
    names = takes[0]
    for key in overrides:
        if key not in names:
            takes = (f"its check takes {', '.join(names)}" if names
                     else "its check takes no parameters")
            raise ArgumentError(
                f"unknown override {key!r} for claim {c.id!r}{did_you_mean(key, names)}; "
                f"{takes}")


def error_result(c: Claim, profile: str, seed: int, reason: str) -> ClaimResult:
    """An ERROR result for a claim whose run gave no answer at all (its process died).

    Examples
    --------
    >>> from specproof.claims import REGISTRY
    >>> from specproof.theory import load_builtin_claims
    >>> load_builtin_claims()
    >>> r = error_result(REGISTRY.get("lin-sn-gan.homogeneity"), "quick", 0, "it died")
    >>> r.verdict, r.reason
    ('ERROR', 'it died')
    """
    check = Outcome(verdict="ERROR", error=reason)
    control = Outcome(verdict="ERROR", expected="not run: the check gave no answer")
    return ClaimResult(
        id=c.id, paper=c.paper, kind=c.kind, statement=c.statement, verdict="ERROR",
        reason=reason, seed=seed, profile=profile, params=copy.deepcopy(c.params(profile)),
        check=check, control=control, control_description=c.control_description,
        seconds=0.0, figures={}, cpu_seconds=0.0,
    )


def run_claim(
    c: Claim | str,
    profile: str = "quick",
    seed: int = 0,
    figure_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    certificate_dir: str | Path | None = None,
) -> ClaimResult:
    """Run one claim's check and negative control and return its verdict.

    Parameters
    ----------
    c : Claim or str
        The claim, or its id (built-in claims are loaded on demand).
    profile : {"quick", "paper"}
        Which parameter set to run.
    seed : int
        Run seed; the check and the control each get a generator seeded from it and
        the claim id, so the same seed gives the same numbers.
    figure_dir : path, optional
        Where figures are saved as ``<claim-id>.pdf/.png`` (control figures as
        ``<claim-id>.control.*``). The result keeps the figure objects either way
        (``result.check_figure``, ``result.control_figure``); a control figure identical
        to the check's is dropped.
    certificate_dir : path, optional
        Where the evidence's certificates are written as ``<claim-id>.<name>.json``
        (the control's as ``<claim-id>.control.<name>.json``); not written when None.
    overrides : dict, optional
        Parameters replacing the profile's.

    Examples
    --------
    >>> run_claim("lin-sn-gan.homogeneity", seed=0).verdict
    'PASS'
    """
    if not isinstance(seed, numbers.Integral) or isinstance(seed, (bool, np.bool_)) \
            or seed < 0:
        raise ArgumentError(f"seed must be a non-negative int, got {seed!r}")
    seed = int(seed)  # np.int64 included; the evidence holds a plain int
    c = resolve_claim(c)
    check_overrides(c, overrides)  # before anything runs, not an ERROR verdict after
    # the check and the control each get their own deep copy, and the evidence records
    # this one: a check that appended to a list parameter changed the profile itself (a
    # second run saw the longer list), the control's input and the recorded parameters
    params = copy.deepcopy({**c.params(profile), **(overrides or {})})
    fig_dir = Path(figure_dir) if figure_dir is not None else None
    cert_dir = Path(certificate_dir) if certificate_dir is not None else None
    start = time.perf_counter()
    cpu = time.process_time()
    check = _run_one(
        c.check,
        Context(seed=seed, profile=profile, claim_id=c.id),
        copy.deepcopy(params),
        fig_dir / c.id if fig_dir else None,
        cert_dir / c.id if cert_dir else None,
    )
    has_control = c.control_check is not None
    if has_control and check.verdict != "ERROR":
        control = _run_one(
            c.control_check,
            Context(seed=seed, profile=profile, claim_id=c.id),
            copy.deepcopy(params),
            fig_dir / f"{c.id}.control" if fig_dir else None,
            cert_dir / f"{c.id}.control" if cert_dir else None,
            same_as=check.figure_object,
        )
    else:
        why = "not run: the check raised" if has_control else "no control registered"
        control = Outcome(verdict="ERROR", expected=why)
    if c.labels:  # the claim's labels, under the evidence's own
        check = dataclasses.replace(check, labels={**c.labels, **check.labels})
        control = dataclasses.replace(control, labels={**c.labels, **control.labels})
    verdict, reason = verdict_of(check, control, has_control)
    figures = {}
    if check.figure:
        figures["check"] = check.figure
    if control.figure:
        figures["control"] = control.figure
    return ClaimResult(
        id=c.id,
        paper=c.paper,
        kind=c.kind,
        statement=c.statement,
        verdict=verdict,
        reason=reason,
        seed=seed,
        profile=profile,
        params=params,
        check=check,
        control=control,
        control_description=c.control_description,
        seconds=time.perf_counter() - start,
        figures=figures,
        cpu_seconds=time.process_time() - cpu,
    )
