"""Claims: paper statements made executable, each with a check and a negative control.

A claim bundles an id (``<paper>.<name>``), the paper key, the statement in words, the
kind of check, the parameters of two profiles and two functions: the *check*, which
must hold, and the *control*, the same check on a variant where the statement must
not hold. Both take a :class:`Context` and the profile's parameters and return
:class:`Evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.claims.evidence import Context, Evidence, check_labels
from specproof.claims.parameters import (  # noqa: F401  (check_parameters: re-exported)
    RESERVED_PARAMETERS,
    check_control_profile_names,
    check_parameters,
    check_profile_names,
    copy_parameters,
)
from specproof.claims.registry import (  # noqa: F401  (re-exported: the registry's API)
    REGISTRY,
    DuplicateClaimError,
    Registry,
    UnknownClaimError,
    place_of,
    same_function,
)

KINDS: tuple[str, ...] = ("symbolic", "exact", "numerical", "statistical")
PROFILES: tuple[str, ...] = ("quick", "paper")


_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9_.-]*$")
#: the longest claim id: it names the report's files (``figures/<id>.control.png``,
#: ``certificates/<id>.control.<name>.json``), and a file name has at most 255 bytes
MAX_ID_LENGTH = 200

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
    # (registry, claim): the claim of this id this one was registered over from a
    # function; its control must be this one's too
    _replaced: Any = field(default=None, init=False, repr=False, compare=False)

    def control(self, fn: CheckFunction | None = None, *, description: str | None = None):
        """Register the negative control: the check on a variant where the claim must fail.

        Use as ``@my_claim.control`` under the claim's definition. The control receives
        the same context and parameters as the check. Its docstring's first paragraph,
        or ``description``, says what the variant is.

        Raises
        ------
        ArgumentError
            When the claim has a control already, ``fn`` is the check itself (a
            control must be a variant where the statement is false), or a profile names
            a parameter the control does not take or gives none for one it needs.
        """

        if description is not None and (not isinstance(description, str)
                                        or not description.strip()):
            raise ArgumentTypeError(
                f"claim {self.id!r}: the control's description must be non-blank text, got "
                f"{description!r}")

        def register(f: CheckFunction) -> CheckFunction:
            if not callable(f):
                raise ArgumentTypeError(
                    f"claim {self.id!r}: the negative control must be a function "
                    f"(ctx, **params) -> Evidence, got {type(f).__name__}")
            if self.control_check is not None:
                raise ArgumentError(f"claim {self.id!r} already has a negative control")
            if f is self.check or f is self:
                # the check as its own control fails exactly when the check does: such a
                # claim could never be told apart from a vacuous one
                raise ArgumentError(
                    f"claim {self.id!r}: the negative control is the check itself; a control "
                    "must be a variant where the statement is false")
            check_control_profile_names(self.id, f, self.profiles)
            self._check_replaced_control(f)
            self.control_check = f
            self.control_description = (
                description
                or first_paragraph(f.__doc__)
                or f"no description: the control function {f.__name__} has no docstring"
            )
            return f

        return register(fn) if fn is not None else register

    def _check_replaced_control(self, f: CheckFunction) -> None:
        """Refuse a control other than the one of the claim this one registered over.

        A claim registered again from a function (not a re-import) is quiet only when
        it is the same claim; its control is known only now.
        """
        if self._replaced is None:
            return
        registry, earlier = self._replaced
        self._replaced = None
        if earlier.control_check is None or same_function(earlier.control_check, f):
            return
        registry.restore(self.id, earlier)
        raise DuplicateClaimError(
            f"claim id {self.id!r} is registered twice, with different negative controls "
            f"({place_of(earlier.control_check)} and {place_of(f)}): the second would "
            "replace the first, which would never run: give each claim its own id")

    def params(self, profile: str) -> dict[str, Any]:
        """The parameters of ``profile`` (``"quick"`` or ``"paper"``)."""
        if not isinstance(profile, str) or profile not in self.profiles:
            # a list ("unhashable type") or another object: the same message
            raise ArgumentError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
        return dict(self.profiles[profile])

    def __call__(self, ctx: Context, **params: Any) -> Evidence:
        return self.check(ctx, **params)




def check_claim_id(claim_id: Any) -> None:
    """Refuse an id that cannot name a claim's report files, naming the rule it breaks.

    An id is ``<paper>.<name>``: lower-case letters, digits, ``-``, ``_`` and ``.``,
    matched in full, at most :data:`MAX_ID_LENGTH` characters, with no empty segment
    (``a..b``) and no final ``.``, and not ending in ``.control``. Each rule keeps
    ``figures/<id>.pdf`` a plain, distinct file name: no separator, space or leading dot,
    no ``..`` (which the report writer refuses as a path), no name too long to create.

    Raises
    ------
    ArgumentError
        Naming the id and the rule.

    Examples
    --------
    >>> check_claim_id("mynotes.a..b")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: claim id 'mynotes.a..b' has an empty segment \
('..'): an id names its report files (figures/<id>.pdf), whose names cannot hold '..'; \
choose another id
    """
    # fullmatch: with match, "$" also matched before a final newline, and "nl.x\n" was an
    # id whose figures, report rows and LaTeX broke
    if not isinstance(claim_id, str) or not _ID_PATTERN.fullmatch(claim_id):
        bad = next((ch for ch in claim_id if not re.fullmatch(r"[a-z0-9_.-]", ch)), None) \
            if isinstance(claim_id, str) else None
        why = (f" (it holds {bad!r}; an id is lower-case letters, digits, '-', '_' and '.')"
               if bad is not None else "")
        raise ArgumentError(
            f"claim_id must look like '<paper>.<name>' in lower case, got {claim_id!r}{why}"
        )
    files = "an id names its report files (figures/<id>.pdf), whose names cannot"
    if ".." in claim_id:
        raise ArgumentError(f"claim id {claim_id!r} has an empty segment ('..'): {files} "
                            "hold '..'; choose another id")
    if claim_id.endswith("."):
        raise ArgumentError(f"claim id {claim_id!r} ends in '.': {files} end in '.' (an "
                            "empty last segment); choose another id")
    if claim_id.endswith(".control"):
        # its figures would be the files of claim_id[:-8]'s negative control
        raise ArgumentError(f"claim id {claim_id!r} ends in '.control', which names the "
                            "files of another claim's negative control; choose another id")
    if len(claim_id) > MAX_ID_LENGTH:
        raise ArgumentError(
            f"claim id {claim_id[:40]!r}... is {len(claim_id)} characters long, more than "
            f"{MAX_ID_LENGTH}: {files} be longer than 255 bytes "
            f"(figures/<id>.control.png); choose a shorter id")


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
    ArgumentTypeError
        ``paper`` is not a str, ``registry`` is not a :class:`Registry`, or a profile is
        not a mapping.
    ArgumentError
        A malformed id (:func:`check_claim_id`), kind or profile; a profile value that
        cannot be deep-copied; a check parameter named ``claim_id``, ``profile`` or
        ``seed``; an id that another module registered already (directly, or through a
        factory both modules call), or this same execution of the module
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
    check_claim_id(claim_id)
    prefix = claim_id.split(".", 1)[0]
    if not isinstance(paper, str):
        # paper=None read "claim_id 'a.b' must start with its paper key None", as if None
        # were a key
        raise ArgumentTypeError(
            f"claim {claim_id!r}: paper must be a paper key, a str (here {prefix!r}, the "
            f"start of the id), got {paper!r} ({type(paper).__name__})"[:300])
    if prefix != paper:
        raise ArgumentError(f"claim_id {claim_id!r} must start with its paper key {paper!r}")
    if registry is not None and not isinstance(registry, Registry):
        # a dict failed only when the check was decorated: "'dict' object has no
        # attribute 'add'"
        raise ArgumentTypeError(
            f"claim {claim_id!r}: registry must be a specproof.claims.Registry (Registry()) "
            f"or None for the global REGISTRY, got {type(registry).__name__}")
    if kind not in KINDS:
        raise ArgumentError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    if not isinstance(statement, str) or not statement.strip():
        raise ArgumentError(f"statement must be a non-blank string, got {statement!r}")
    if not isinstance(profiles, Mapping):
        raise ArgumentTypeError(
            f"claim {claim_id!r}: profiles must be a mapping profile name -> the check's "
            f"parameters, like {{'quick': {{'n': 3}}, 'paper': {{'n': 100}}}}, got "
            f"{type(profiles).__name__}")
    for name, values in profiles.items():
        if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
            raise ArgumentTypeError(
                f"claim {claim_id!r}: profile {name!r} must be a mapping parameter name -> "
                f"value (an empty dict for none), got {values!r}"[:300])
    missing = [p for p in PROFILES if p not in profiles]
    if missing:
        raise ArgumentError(
            f"claim {claim_id!r}: profiles must define {list(PROFILES)}; missing {missing}"
        )
    check_labels(labels or {}, "labels")
    target = REGISTRY if registry is None else registry

    def decorate(fn: CheckFunction) -> Claim:
        if not callable(fn):
            raise ArgumentTypeError(
                f"claim {claim_id!r}: the decorator claim(...) applies to the check, a function "
                f"(ctx, **params) -> Evidence, got {type(fn).__name__}")
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
