"""Claims: paper statements made executable, each with a check and a negative control.

A claim bundles an id (``<paper>.<name>``), the paper key, the statement in words, the
kind of check, the parameters of two profiles and two functions: the *check*, which
must hold, and the *control*, the same check on a variant where the statement must
not hold. Both take a :class:`Context` and the profile's parameters and return
:class:`Evidence`.
"""

from __future__ import annotations

import math
import numbers
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof.theory.papers import PAPERS

KINDS: tuple[str, ...] = ("symbolic", "exact", "numerical", "statistical")
PROFILES: tuple[str, ...] = ("quick", "paper")
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9_.-]*$")

CheckFunction = Callable[..., "Evidence"]


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars, arrays, fractions and nested containers to JSON values.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``
    so that the evidence file stays strict JSON.

    Examples
    --------
    >>> to_jsonable({"a": np.float64(1.5), "b": np.arange(2)})
    {'a': 1.5, 'b': [0, 1]}
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if value is None or isinstance(value, str):
        return value
    return str(value)


@dataclass(frozen=True)
class Evidence:
    """What one run of a check (or of its control) found.

    Attributes
    ----------
    holds : bool
        Whether the statement held on this run.
    measured : dict
        The measured quantities, JSON-able after :func:`to_jsonable`.
    expected : str
        The condition that ``holds`` tests, in words.
    table : list of dict
        Optional rows (one dict per row) for the report.
    figure : matplotlib.figure.Figure or None
        Optional figure; the runner saves it as PDF and PNG and closes it.
    key : str or None
        Name of the entry of ``measured`` shown in the summary table.
    certificates : dict
        Certificate documents (name -> JSON-able dict) that the runner writes to the
        report folder as ``certificates/<claim-id>.<name>.json``.
    """

    holds: bool
    measured: dict[str, Any] = field(default_factory=dict)
    expected: str = ""
    table: list[dict[str, Any]] = field(default_factory=list)
    figure: Any = None
    key: str | None = None
    certificates: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.holds, (bool, np.bool_)):
            raise TypeError(f"Evidence.holds must be a bool, got {type(self.holds).__name__}")
        for name in self.certificates:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", str(name)):
                raise ValueError(
                    f"Evidence.certificates name {name!r} must be letters, digits, '_' or '-'"
                )
        if self.key is not None and self.key not in self.measured:
            raise ValueError(
                f"Evidence.key={self.key!r} is not among the measured quantities "
                f"{sorted(self.measured)}"
            )

    def key_value(self) -> tuple[str, Any] | None:
        """The (name, value) pair to show in a summary, or None if nothing was measured."""
        if self.key is not None:
            return self.key, self.measured[self.key]
        if self.measured:
            name = next(iter(self.measured))
            return name, self.measured[name]
        return None


@dataclass(frozen=True)
class Context:
    """What a check receives besides its parameters: the seed, its generator, the profile.

    Examples
    --------
    >>> ctx = Context(seed=3, profile="quick", claim_id="demo.x")
    >>> ctx.evidence(holds=True, measured={"err": 0.0}, expected="err == 0").holds
    True
    """

    seed: int
    profile: str
    claim_id: str
    rng: np.random.Generator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rng", np.random.default_rng(claim_seed(self.seed, self.claim_id)))

    def evidence(
        self,
        holds: bool,
        measured: Mapping[str, Any] | None = None,
        expected: str = "",
        table: list[Mapping[str, Any]] | None = None,
        figure: Any = None,
        key: str | None = None,
        certificates: Mapping[str, Any] | None = None,
    ) -> Evidence:
        """Build the :class:`Evidence` a check returns."""
        return Evidence(
            holds=bool(holds),
            measured=dict(measured or {}),
            expected=expected,
            table=[dict(row) for row in (table or [])],
            figure=figure,
            key=key,
            certificates=dict(certificates or {}),
        )


def claim_seed(seed: int, claim_id: str) -> list[int]:
    """The entropy a claim's generator is seeded with: the run seed and a stable id hash.

    The id enters so that claims do not share random streams; ``zlib.crc32`` keeps it
    the same across processes (Python's ``hash`` of a string is salted per process).
    """
    return [int(seed), zlib.crc32(claim_id.encode())]


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

    def control(self, fn: CheckFunction | None = None, *, description: str | None = None):
        """Register the negative control: the check on a variant where the claim must fail.

        Use as ``@my_claim.control`` under the claim's definition. The control receives
        the same context and parameters as the check. Its docstring's first line, or
        ``description``, says what the variant is.
        """

        def register(f: CheckFunction) -> CheckFunction:
            if self.control_check is not None:
                raise ValueError(f"claim {self.id!r} already has a negative control")
            self.control_check = f
            doc = (f.__doc__ or "").strip().splitlines()
            self.control_description = description or (doc[0] if doc else f.__name__)
            return f

        return register(fn) if fn is not None else register

    def params(self, profile: str) -> dict[str, Any]:
        """The parameters of ``profile`` (``"quick"`` or ``"paper"``)."""
        if profile not in self.profiles:
            raise ValueError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
        return dict(self.profiles[profile])

    def __call__(self, ctx: Context, **params: Any) -> Evidence:
        return self.check(ctx, **params)


class Registry:
    """The claims known to this process, in registration order."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def add(self, c: Claim) -> None:
        existing = self._claims.get(c.id)
        if existing is not None and existing.module != c.module:
            raise ValueError(
                f"claim id {c.id!r} is registered twice: by {existing.module} and {c.module}"
            )
        self._claims[c.id] = c

    def remove(self, claim_id: str) -> None:
        """Forget one claim (used by tests that register throwaway claims)."""
        self._claims.pop(claim_id, None)

    def get(self, claim_id: str) -> Claim:
        try:
            return self._claims[claim_id]
        except KeyError:
            raise KeyError(
                f"no claim {claim_id!r}; registered: {', '.join(self._claims) or 'none'}"
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
) -> Callable[[CheckFunction], Claim]:
    """Register a check function as a claim.

    Parameters
    ----------
    claim_id : str
        ``"<paper>.<name>"``, lower case; the prefix must equal ``paper``.
    paper : str
        A paper key; the built-in ones are in ``specproof.theory.PAPERS``. User modules
        may use keys of their own.
    kind : str
        One of ``"symbolic"``, ``"exact"``, ``"numerical"``, ``"statistical"``.
    statement : str
        The paper's claim in one sentence.
    profiles : mapping
        Keyword arguments of the check for the ``"quick"`` and ``"paper"`` profiles.
    registry : Registry, optional
        Where to register; the global :data:`REGISTRY` by default.

    Returns
    -------
    decorator
        Turns the check function into a :class:`Claim`; attach the negative control
        with ``@<claim>.control``.

    Examples
    --------
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
    if not isinstance(claim_id, str) or not _ID_PATTERN.match(claim_id):
        raise ValueError(
            f"claim_id must look like '<paper>.<name>' in lower case, got {claim_id!r}"
        )
    if claim_id.split(".", 1)[0] != paper:
        raise ValueError(f"claim_id {claim_id!r} must start with its paper key {paper!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    if not statement or not isinstance(statement, str):
        raise ValueError("statement must be a non-empty string")
    missing = [p for p in PROFILES if p not in profiles]
    if missing:
        raise ValueError(
            f"claim {claim_id!r}: profiles must define {list(PROFILES)}; missing {missing}"
        )
    target = REGISTRY if registry is None else registry

    def decorate(fn: CheckFunction) -> Claim:
        c = Claim(
            id=claim_id,
            paper=paper,
            kind=kind,
            statement=statement,
            profiles={k: dict(v) for k, v in profiles.items()},
            check=fn,
            module=getattr(fn, "__module__", ""),
        )
        target.add(c)
        return c

    return decorate


def known_papers() -> dict[str, str]:
    """Built-in paper keys with their titles."""
    return dict(PAPERS)
