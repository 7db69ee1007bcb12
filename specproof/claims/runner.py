"""Running claims: check, negative control, verdict.

Verdicts
--------
PASS     the check holds and the control does not;
FAIL     the check does not hold (whatever the control did);
VACUOUS  the check holds and so does the control: the check cannot tell true from false;
ERROR    the check or the control raised (traceback kept), called ``os._exit``, or
         returned evidence that cannot be recorded; no control is registered; or the
         verdict would rest on a measured NaN (a check that holds with one, a control
         that fails with one).
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import os
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.claims.artifacts import _close, _same_picture, _save_certificates, _save_figure
from specproof.claims.claim import (
    REGISTRY,
    Claim,
    Registry,
    copy_parameters,
)
from specproof.claims.decide import (  # noqa: F401  (re-exported: the runner's API)
    deciding_side,
    nan_in,
    verdict_of,
)
from specproof.claims.evidence import Context, Evidence, EvidenceRecordError, record_evidence
from specproof.claims.inputs import data_inputs, files_opened
from specproof.claims.isolation import ProcessExit, global_numeric_state, no_process_exit
from specproof.claims.parameters import check_overrides  # noqa: F401  (re-exported)
from specproof.claims.results import (  # noqa: F401  (re-exported: the runner's API)
    BAD_VERDICTS,
    VERDICTS,
    ClaimResult,
    Outcome,
    _short,
)
from specproof.claims.seeding import global_random_state

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
# the JSON conversion: a value that cannot be recorded is placed in the user's code
_CORE_DIR = os.path.join(os.path.dirname(_ENGINE_DIR), "_core")


def error_line(exc: BaseException, fn=None, also_skip: tuple[str, ...] = ()) -> str:
    """One line for an exception: its type and message, and where it was raised.

    The place is the deepest frame outside the claims engine (the engine's own frames,
    e.g. Evidence validation, point at the caller that passed the bad value) and outside
    the folders ``also_skip``; when every frame is the engine's, the check function's
    definition.

    Examples
    --------
    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as e:
    ...     error_line(e).startswith("ZeroDivisionError: division by zero (at ")
    True
    """
    head = traceback.format_exception_only(type(exc), exc)[-1].strip()
    if isinstance(exc, ProcessExit):
        head = str(exc)  # "os._exit(0)": the reason reads "the check called os._exit(0)"
    cls = type(exc)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if head.startswith(qualified):  # specproof._core.errors.X -> specproof.X
        head = public_name(cls) + head[len(qualified):]
    where = ""
    skip = tuple(d + os.sep for d in (_ENGINE_DIR, *also_skip))
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename != "<string>"  # generated code, e.g. a dataclass __init__
        and not f.filename.startswith("<frozen ")  # the standard library's own
        and not os.path.abspath(f.filename).startswith(skip)
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
    # each run starts from the caller's numeric state and leaves it as it was found
    with global_numeric_state(), no_process_exit() as exits:
        return _run_guarded(fn, ctx, params, figure_stem, certificate_stem, same_as, exits)


def _run_guarded(fn, ctx, params, figure_stem, certificate_stem, same_as, exits) -> Outcome:
    start = time.perf_counter()
    cpu = time.process_time()

    def error(exc: BaseException, prefix: str = "", tb: str | None = None) -> Outcome:
        line = error_line(exc, fn, (_CORE_DIR,) if prefix else ())
        if isinstance(exc, ProcessExit):
            line += ", which would have ended the whole run with no report"
        return Outcome(
            verdict="ERROR",
            seconds=time.perf_counter() - start,
            cpu_seconds=time.process_time() - cpu,
            traceback=tb or "".join(traceback.format_exception(exc)),
            error=prefix + line,
        )

    try:
        ev = fn(ctx, **params)
        if exits:  # os._exit called, and its exception caught (a bare except, a thread)
            return error(exits[0])
        if not isinstance(ev, Evidence):
            raise TypeError(
                f"a check must return Evidence (use ctx.evidence(...)), got {type(ev).__name__}"
            )
    except KeyboardInterrupt:
        raise  # the user stops the run; finished claims are kept by the caller
    except BaseException as exc:
        # SystemExit too: a check that ends in argparse's exit made `verify` exit 0 with
        # no report; any other BaseException subclass ended the whole run and lost every
        # finished claim. An os._exit whose exception the check caught comes first
        return error(exits[0]) if exits else error(exc, tb=traceback.format_exc())
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    fig = ev.figure
    try:
        # taken now, before the control runs: it may write into the same buffers
        snapshot = record_evidence(ev)
    except EvidenceRecordError as exc:
        if fig is not None:
            _close(fig)
        return error(exc.__cause__, f"{exc.where} could not be recorded: ")
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
            error=("drawing or saving the check's figure, or saving its certificates, "
                   f"failed: {error_line(exc, fn)}"),
        )
    return Outcome(
        verdict="HOLDS" if ev.holds else "FAILS",
        measured=snapshot[0],
        expected=ev.expected,
        table=snapshot[1],
        key=ev.key,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        figure=figure_path,
        certificates=saved,
        figure_object=fig,
        labels=dict(ev.labels),
        snapshot=snapshot,
    )


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
    control = Outcome(verdict="NOT RUN", expected="not run: the check gave no answer")
    return ClaimResult(
        id=c.id, paper=c.paper, kind=c.kind, statement=c.statement, verdict="ERROR",
        reason=reason, seed=seed, profile=profile, params=copy.deepcopy(c.params(profile)),
        check=check, control=control, control_description=c.control_description,
        seconds=0.0, figures={}, cpu_seconds=0.0,
    )


def _folder(value: str | os.PathLike | None, name: str) -> Path | None:
    """``value`` as a Path, None for None, else an error naming ``name``."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ArgumentTypeError(f"{name} must be a folder path (a str or an os.PathLike) or "
                                f"None, got {value!r} ({type(value).__name__})"[:300])
    return Path(value)


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
        Run seed; the check and the control each get a generator (``ctx.rng``) seeded
        from it and the claim id, so the same seed gives the same numbers. The global
        ``numpy.random`` and ``random`` generators are seeded from the same two values
        for each call of the check and of the control, and their previous states are
        put back afterwards, so a check that uses them is reproducible from the seed too.
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

    Raises
    ------
    ArgumentError
        A bad seed, an unknown override, or a parameter that cannot be deep-copied (each
        run, the check and the control get their own copies).
    ArgumentTypeError
        ``overrides`` is not a dict, or ``figure_dir``/``certificate_dir`` is not a path
        (a str or an ``os.PathLike``) or None.

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
    # checked before the check runs too: figure_dir=3 was a TypeError naming nothing
    fig_dir = _folder(figure_dir, "figure_dir")
    cert_dir = _folder(certificate_dir, "certificate_dir")
    # the check and the control each get their own deep copy, and the evidence records
    # this one: a check that appended to a list parameter changed the profile itself (a
    # second run saw the longer list), the control's input and the recorded parameters
    params = {**copy_parameters(c.id, c.params(profile), f"profile {profile!r} parameter"),
              **copy_parameters(c.id, overrides or {}, "override")}
    start = time.perf_counter()
    cpu = time.process_time()
    with files_opened() as opened, global_random_state(seed, c.id):
        check = _run_one(
            c.check,
            Context(seed=seed, profile=profile, claim_id=c.id),
            copy_parameters(c.id, params, "parameter"),
            fig_dir / c.id if fig_dir else None,
            cert_dir / c.id if cert_dir else None,
        )
    has_control = c.control_check is not None
    if has_control and check.verdict != "ERROR":
        with files_opened() as opened_by_control, global_random_state(seed, c.id):
            control = _run_one(
                c.control_check,
                Context(seed=seed, profile=profile, claim_id=c.id),
                copy_parameters(c.id, params, "parameter"),
                fig_dir / f"{c.id}.control" if fig_dir else None,
                cert_dir / f"{c.id}.control" if cert_dir else None,
                same_as=check.figure_object,
            )
    else:
        # NOT RUN, not ERROR: a control reported as ERROR read as if it had raised too
        why = "not run: the check raised" if has_control else "no control registered"
        control = Outcome(verdict="NOT RUN", expected=why)
        opened_by_control = {}
    for path, writes in opened_by_control.items():
        opened[path] = opened.get(path, False) or writes
    if c.labels:  # the claim's labels, under the evidence's own
        check = dataclasses.replace(check, labels={**c.labels, **check.labels})
        control = dataclasses.replace(control, labels={**c.labels, **control.labels})
    try:
        verdict, reason = verdict_of(check, control, has_control)
    except Exception as exc:  # noqa: BLE001 - the claim's error, never the run's end
        verdict, reason = "ERROR", f"its verdict could not be decided: {error_line(exc)}"
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
        inputs=data_inputs(opened, [d for d in (fig_dir, cert_dir) if d is not None]),
    )
