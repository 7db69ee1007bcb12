"""Claims: paper statements made executable, each with a check and a negative control.

A claim bundles an id (``<paper>.<name>``), the paper key, the statement in words, the
kind of check, the parameters of two profiles and two functions: the *check*, which
must hold, and the *control*, the same check on a variant where the statement must
not hold. Both take a :class:`Context` and the profile's parameters and return
:class:`Evidence`.
"""

from __future__ import annotations

import copy
import inspect
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from specproof._core import ArgumentError, SpecproofError, did_you_mean
from specproof.claims.evidence import Context, Evidence, check_labels
from specproof.claims.paper import Paper

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
        """

        def register(f: CheckFunction) -> CheckFunction:
            if self.control_check is not None:
                raise ArgumentError(f"claim {self.id!r} already has a negative control")
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
    """Two modules register the same claim id."""


def _module_file(module: str) -> str:
    """A module's file when it has one (user modules get private names), else its name."""
    import sys

    return getattr(sys.modules.get(module), "__file__", None) or module


def _where(fn: Any) -> tuple[str | None, int | None]:
    code = getattr(fn, "__code__", None)
    return (getattr(code, "co_filename", None), getattr(code, "co_firstlineno", None))


class Registry:
    """The claims (and the papers they come from) known to this process, in order."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}
        self._papers: dict[str, Paper] = {}

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
        existing = self._claims.get(c.id)
        if existing is not None and existing.module != c.module:
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice: by {_module_file(existing.module)} "
                f"and {_module_file(c.module)}"
            )
        if existing is not None and _where(existing.check) != _where(c.check):
            # the same module defines the id twice (a copied claim): only the later one
            # would run. A re-import of an unchanged module (same code location) is quiet
            warnings.warn(
                f"claim id {c.id!r} is defined twice in {_module_file(c.module)} (lines "
                f"{_where(existing.check)[1]} and {_where(c.check)[1]}): the later "
                "definition replaces the earlier", UserWarning, stacklevel=3)
        self._claims[c.id] = c

    def remove(self, claim_id: str) -> None:
        """Forget one claim (used by tests that register throwaway claims)."""
        self._claims.pop(claim_id, None)

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


def _check_profile_names(claim_id: str, fn: Any, profiles: Mapping[str, Any]) -> None:
    """Refuse, at registration, a profile that names a parameter the check does not take
    or leaves out one it needs (either was an ERROR verdict only when the claim ran)."""
    takes = check_parameters(fn)
    if takes is None:
        return
    names, needed = takes
    for profile, values in profiles.items():
        for key in values:
            if key not in names:
                raise ArgumentError(
                    f"claim {claim_id!r}: profile {profile!r} names {key!r}"
                    f"{did_you_mean(key, names)}, which its check does not take (it takes "
                    f"{', '.join(names) or 'no parameters'})")
        lacking = [n for n in needed if n not in values]
        if lacking:
            raise ArgumentError(f"claim {claim_id!r}: profile {profile!r} gives no value for "
                                f"the check's parameter {lacking[0]!r}")


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
        Keyword arguments of the check for the ``"quick"`` and ``"paper"`` profiles.
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
        _check_profile_names(claim_id, fn, profiles)
        c = Claim(
            id=claim_id,
            paper=paper,
            kind=kind,
            statement=statement,
            # a copy: the caller's dict (and its lists) edited later must not change it
            profiles={k: copy.deepcopy(dict(v)) for k, v in profiles.items()},
            check=fn,
            module=getattr(fn, "__module__", ""),
            labels=dict(labels or {}),
        )
        target.add(c)
        return c

    return decorate
