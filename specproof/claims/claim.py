"""Claims: paper statements made executable, each with a check and a negative control.

A claim bundles an id (``<paper>.<name>``), the paper key, the statement in words, the
kind of check, the parameters of two profiles and two functions: the *check*, which
must hold, and the *control*, the same check on a variant where the statement must
not hold. Both take a :class:`Context` and the profile's parameters and return
:class:`Evidence`.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from specproof._core import ArgumentError, SpecproofError, did_you_mean
from specproof.claims.evidence import Context, Evidence, check_labels
from specproof.claims.paper import Paper
from specproof.claims.parameters import (  # noqa: F401  (check_parameters: re-exported)
    RESERVED_PARAMETERS,
    check_parameters,
    check_profile_names,
    copy_parameters,
)

KINDS: tuple[str, ...] = ("symbolic", "exact", "numerical", "statistical")
PROFILES: tuple[str, ...] = ("quick", "paper")


class UnknownClaimError(SpecproofError, KeyError):
    """No claim is registered under the id asked for; the message lists what exists."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9_.-]*$")

CheckFunction = Callable[..., Evidence]


def first_paragraph(doc: str | None) -> str:
    """The first paragraph of a docstring, its lines joined by single spaces.

    Examples
    --------
    >>> first_paragraph("One line\\n    and its end.\\n\\n    More.")
    'One line and its end.'
    """
    lines = []
    for line in (doc or "").strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


@dataclass
class Claim:
    """One registered claim. Create it with the :func:`claim` decorator."""

    id: str
    paper: str
    kind: str
    statement: str
    profiles: dict[str, dict[str, Any]]
    check: CheckFunction
    control_check: CheckFunction | None = None
    control_description: str = ""
    module: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def control(self, fn: CheckFunction | None = None, *, description: str | None = None):
        """Register the negative control: the check on a variant where the claim must fail.

        Use as ``@my_claim.control`` under the claim's definition. The control receives
        the same context and parameters as the check. Its docstring's first paragraph,
        or ``description``, says what the variant is.

        Raises
        ------
        ArgumentError
            When the claim has a control already, or ``fn`` is the check itself (a
            control must be a variant where the statement is false).
        """

        def register(f: CheckFunction) -> CheckFunction:
            if self.control_check is not None:
                raise ArgumentError(f"claim {self.id!r} already has a negative control")
            if f is self.check or f is self:
                # the check as its own control fails exactly when the check does: such a
                # claim could never be told apart from a vacuous one
                raise ArgumentError(
                    f"claim {self.id!r}: the negative control is the check itself; a control "
                    "must be a variant where the statement is false")
            self.control_check = f
            self.control_description = (
                description
                or first_paragraph(f.__doc__)
                or f"no description: the control function {f.__name__} has no docstring"
            )
            return f

        return register(fn) if fn is not None else register

    def params(self, profile: str) -> dict[str, Any]:
        """The parameters of ``profile`` (``"quick"`` or ``"paper"``)."""
        if profile not in self.profiles:
            raise ArgumentError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
        return dict(self.profiles[profile])

    def __call__(self, ctx: Context, **params: Any) -> Evidence:
        return self.check(ctx, **params)


class DuplicateClaimError(ArgumentError):
    """Two modules, or one execution of a module, register the same claim id."""


def _module_file(module: str) -> str:
    """A module's file when it has one (user modules get private names), else its name."""
    import sys

    return getattr(sys.modules.get(module), "__file__", None) or module


def _where(fn: Any) -> tuple[str | None, int | None]:
    code = getattr(fn, "__code__", None)
    return (getattr(code, "co_filename", None), getattr(code, "co_firstlineno", None))


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))

# (the module body's code object, id of its globals, file, line of the registering
# statement): which execution of which module registered a claim
_Execution = tuple[Any, int, str, int]


def _module_execution() -> _Execution | None:
    """The execution of a module body that is registering a claim now, or None.

    The first frame outside the claims engine is the code that defines the claim; when
    it, and the functions between it and the nearest module body (a factory called in
    a loop), belong to that module or to one helper module, this is one execution of
    that module. A claim registered from a function called later (a test function, a
    notebook helper run twice) has none.
    """
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _ENGINE_DIR + os.sep):
        frame = frame.f_back
    if frame is None:
        return None
    definer = frame.f_globals
    chain = []
    while frame is not None and frame.f_code.co_name != "<module>":
        chain.append(frame.f_globals)
        frame = frame.f_back
    if frame is None:
        return None
    allowed = (definer, frame.f_globals)
    if not all(any(g is a for a in allowed) for g in chain):
        return None  # called through other code (pytest running a test function)
    return frame.f_code, id(frame.f_globals), frame.f_code.co_filename, frame.f_lineno


def _place(fn: Any) -> str:
    file, line = _where(fn)
    return f"{os.path.basename(file)}:{line}" if file else repr(fn)


class Registry:
    """The claims (and the papers they come from) known to this process, in order."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}
        self._papers: dict[str, Paper] = {}
        self._executions: dict[str, _Execution] = {}

    def add_paper(self, paper: Paper) -> None:
        """Record a paper's metadata (the same key twice must carry the same metadata)."""
        existing = self._papers.get(paper.key)
        if existing is not None and existing != paper:
            raise ArgumentError(f"paper {paper.key!r} is declared twice with different metadata")
        self._papers[paper.key] = paper

    def paper(self, key: str) -> Paper | None:
        """The metadata of a declared paper, or None (user claims may use keys of their own)."""
        return self._papers.get(key)

    def declared_papers(self) -> dict[str, Paper]:
        """Every declared paper by key, whether or not it has claims yet."""
        return dict(self._papers)

    def add(self, c: Claim) -> None:
        """Register a claim; its id must be new, or come from a re-import of its module.

        Raises
        ------
        DuplicateClaimError
            When another module registered the id, or the same execution of one module
            registers it twice (two literal definitions, or a factory called twice with
            one id): the second would silently replace the first, which then never runs.
        """
        existing = self._claims.get(c.id)
        if existing is not None and existing.module != c.module:
            first, second = _module_file(existing.module), _module_file(c.module)
            if first == second:  # "by mc.py and mc.py": one file under two module names
                raise DuplicateClaimError(
                    f"claim id {c.id!r} is registered twice by {first}, imported under two "
                    f"module names ({existing.module!r} and {c.module!r}): import it one way "
                    "(give it to --module once, and import it by that name elsewhere)")
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice: by {first} and {second}")
        run = _module_execution()
        before = self._executions.get(c.id) if existing is not None else None
        if run is not None and before is not None and before[0] is run[0] \
                and before[1] == run[1]:
            # the same module body, still the same execution: a fresh import or a reload
            # compiles a new code object, so this is no re-import
            lines = (f"at line {before[3]} and at line {run[3]}" if before[3] != run[3]
                     else f"twice at line {run[3]} (a loop or a factory given one id twice)")
            checks = (_place(existing.check), _place(c.check))
            if checks != (f"{os.path.basename(run[2])}:{before[3]}",
                          f"{os.path.basename(run[2])}:{run[3]}"):
                lines += f"; checks defined at {checks[0]} and {checks[1]}"
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice in one execution of {run[2]}, "
                f"{lines}: the second would replace the first, which would never run; give "
                "each claim its own id")
        if existing is not None and _where(existing.check) != _where(c.check):
            # the same module defines the id twice (a copied claim): only the later one
            # would run. A re-import of an unchanged module (same code location) is quiet
            warnings.warn(
                f"claim id {c.id!r} is defined twice in {_module_file(c.module)} (lines "
                f"{_where(existing.check)[1]} and {_where(c.check)[1]}): the later "
                "definition replaces the earlier", UserWarning, stacklevel=3)
        self._claims[c.id] = c
        if run is None:
            self._executions.pop(c.id, None)
        else:
            self._executions[c.id] = run

    def remove(self, claim_id: str) -> None:
        """Forget one claim (used by tests that register throwaway claims)."""
        self._claims.pop(claim_id, None)
        self._executions.pop(claim_id, None)

    def get(self, claim_id: str) -> Claim:
        try:
            return self._claims[claim_id]
        except KeyError:
            raise UnknownClaimError(
                f"no claim {claim_id!r}{did_you_mean(claim_id, list(self._claims))}; "
                f"registered: {', '.join(self._claims) or 'none'}"
            ) from None

    def __iter__(self):
        return iter(list(self._claims.values()))

    def __len__(self) -> int:
        return len(self._claims)

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def papers(self) -> list[str]:
        """Paper keys that have at least one registered claim."""
        return sorted({c.paper for c in self._claims.values()})


REGISTRY = Registry()


def claim(
    claim_id: str,
    *,
    paper: str,
    kind: str,
    statement: str,
    profiles: Mapping[str, Mapping[str, Any]],
    registry: Registry | None = None,
    labels: Mapping[str, str] | None = None,
) -> Callable[[CheckFunction], Claim]:
    """Register a check function as a claim.

    Parameters
    ----------
    claim_id : str
        ``"<paper>.<name>"``, lower case; the prefix must equal ``paper``.
    paper : str
        A paper key: the ``key`` of a :class:`Paper` that the module declares (built-in
        papers are listed by ``specproof.theory.papers()``); user modules may use keys of
        their own.
    kind : str
        One of ``"symbolic"``, ``"exact"``, ``"numerical"``, ``"statistical"``.
    statement : str
        The paper's claim in one sentence; LaTeX math between dollars (``$\\|W\\|_2$``)
        is typeset in the reports.
    profiles : mapping
        Keyword arguments of the check for the ``"quick"`` and ``"paper"`` profiles. Each
        value must support ``copy.deepcopy`` (every run gets its own copy), and no
        parameter may be named ``claim_id``, ``profile`` or ``seed`` (the test helpers'
        own keywords).
    registry : Registry, optional
        Where to register; the global :data:`REGISTRY` by default.
    labels : mapping, optional
        Display labels of measured keys and table columns (key -> text, may hold math),
        for the check and the control; a check's ``ctx.evidence(labels=...)`` adds to
        them.

    Returns
    -------
    decorator
        Turns the check function into a :class:`Claim`; attach the negative control
        with ``@<claim>.control``.

    Raises
    ------
    ArgumentError
        A malformed id, kind or profile; a profile value that cannot be deep-copied; a
        check parameter named ``claim_id``, ``profile`` or ``seed``; an id that another
        module, or this same execution of the module, registered already
        (:class:`DuplicateClaimError`; a re-import of the module replaces its claims).

    Examples
    --------
    >>> import numpy as np
    >>> reg = Registry()
    >>> @claim("demo.square", paper="demo", kind="numerical", statement="x*x >= 0",
    ...        profiles={"quick": {"n": 3}, "paper": {"n": 100}}, registry=reg)
    ... def square(ctx, n, sign=1.0):
    ...     x = ctx.rng.standard_normal(n)
    ...     worst = float(np.min(sign * x * x))
    ...     return ctx.evidence(holds=worst >= 0, measured={"min": worst}, expected="min >= 0")
    >>> @square.control
    ... def negated(ctx, n):
    ...     '''-x*x instead of x*x'''
    ...     return square.check(ctx, n, sign=-1.0)
    >>> len(reg)
    1
    """
    # fullmatch: with match, "$" also matched before a final newline, and "nl.x\n" was an
    # id whose figures, report rows and LaTeX broke
    if isinstance(claim_id, str) and claim_id.endswith(".control"):
        # its figures would be the files of claim_id[:-8]'s negative control
        raise ArgumentError(f"claim id {claim_id!r} ends in '.control', which names the "
                            "files of another claim's negative control; choose another id")
    if not isinstance(claim_id, str) or not _ID_PATTERN.fullmatch(claim_id):
        raise ArgumentError(
            f"claim_id must look like '<paper>.<name>' in lower case, got {claim_id!r}"
        )
    if claim_id.split(".", 1)[0] != paper:
        raise ArgumentError(f"claim_id {claim_id!r} must start with its paper key {paper!r}")
    if kind not in KINDS:
        raise ArgumentError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    if not statement or not isinstance(statement, str):
        raise ArgumentError("statement must be a non-empty string")
    missing = [p for p in PROFILES if p not in profiles]
    if missing:
        raise ArgumentError(
            f"claim {claim_id!r}: profiles must define {list(PROFILES)}; missing {missing}"
        )
    check_labels(labels or {}, "labels")
    target = REGISTRY if registry is None else registry

    def decorate(fn: CheckFunction) -> Claim:
        check_profile_names(claim_id, fn, profiles)
        c = Claim(
            id=claim_id,
            paper=paper,
            kind=kind,
            statement=statement,
            # a copy: the caller's dict (and its lists) edited later must not change it
            profiles={k: copy_parameters(claim_id, v, f"profile {k!r} parameter")
                      for k, v in profiles.items()},
            check=fn,
            module=getattr(fn, "__module__", ""),
            labels=dict(labels or {}),
        )
        target.add(c)
        return c

    return decorate
