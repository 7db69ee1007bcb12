"""The registry of claims: which ids exist, and where each was registered.

An id is registered once. Registering it again is quiet only when it is the same
registration again: a re-import of the module whose body registered it (a fresh import,
``importlib.reload``, a notebook cell run again), which replaces its claims, or, from a
function called later (a test, a notebook helper), the very same claim (same check and
control code, same closure values, statement and profiles). Anything else would let the
second claim replace the first, which would then never run: two modules calling one
shared factory with one id made a FAIL vanish behind a PASS. That is a
:class:`DuplicateClaimError` naming both places.
"""

from __future__ import annotations

import os
import reprlib
import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from specproof._core import ArgumentError, SpecproofError, did_you_mean
from specproof.claims.paper import Paper

if TYPE_CHECKING:
    from specproof.claims.claim import Claim


class UnknownClaimError(SpecproofError, KeyError):
    """No claim is registered under the id asked for; the message lists what exists."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class DuplicateClaimError(ArgumentError):
    """Two modules, or one execution of a module, register the same claim id."""


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))

# (the module body's code object, id of its globals, file, line of the registering
# statement): which execution of which module registered a claim
_Execution = tuple[Any, int, str, int]


@dataclass(frozen=True)
class Site:
    """Where a claim was registered.

    ``execution``: the execution of a module body the registration is part of (the
    module defines the claim, or calls a factory of its own or of one helper module),
    None for a claim registered from a function called later; ``origin``: the file of
    the module body that registered it (None when unknown); ``place``: ``file:line``
    of the registering statement, for messages.
    """

    execution: _Execution | None
    origin: str | None
    place: str
    #: the globals of that module body (kept: an id() of a freed dict can come back)
    namespace: Any = field(default=None, compare=False, repr=False)


def _at(frame: Any) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def registration_site() -> Site:
    """The :class:`Site` of the claim being registered now.

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
        return Site(None, None, "an unknown place")
    definer = frame
    place = _at(definer)
    if definer.f_code.co_name != "<module>" and definer.f_back is not None:
        place += f" (called from {_at(definer.f_back)})"
    chain = []
    while frame is not None and frame.f_code.co_name != "<module>":
        chain.append(frame.f_globals)
        frame = frame.f_back
    if frame is None:
        return Site(None, None, place)
    allowed = (definer.f_globals, frame.f_globals)
    if not all(any(g is a for a in allowed) for g in chain):
        # called through other code (pytest running a test function)
        return Site(None, frame.f_code.co_filename, place)
    execution = (frame.f_code, id(frame.f_globals), frame.f_code.co_filename, frame.f_lineno)
    return Site(execution, frame.f_code.co_filename, _at(frame), frame.f_globals)


def where(fn: Any) -> tuple[str | None, int | None]:
    """The file and first line of a function's code (None, None without code)."""
    code = getattr(fn, "__code__", None)
    return (getattr(code, "co_filename", None), getattr(code, "co_firstlineno", None))


def place_of(fn: Any) -> str:
    """``file.py:line`` of a function's definition, for messages."""
    file, line = where(fn)
    return f"{os.path.basename(file)}:{line}" if file else repr(fn)


def _module_file(module: str) -> str:
    """A module's file when it has one (user modules get private names), else its name."""
    return getattr(sys.modules.get(module), "__file__", None) or module


def _same_value(a: Any, b: Any, depth: int = 0) -> bool:
    """Whether two values a claim was built from are the same, as far as can be told."""
    if a is b:
        return True
    if getattr(a, "__code__", None) is not None and getattr(b, "__code__", None) is not None:
        return same_function(a, b, depth + 1)
    if type(a).__name__ == "Claim" and type(b).__name__ == "Claim":
        return getattr(a, "id", None) == getattr(b, "id", None)
    if hasattr(a, "__array__") or hasattr(b, "__array__"):
        # every entry, not what they print: numpy abbreviates arrays past 1000 entries
        return _same_array(a, b)
    if isinstance(a, (list, tuple, dict)) and type(a) is type(b):
        return depth < 50 and _same_values(a, b, depth + 1)
    try:
        return bool(a == b)
    except Exception:  # no comparison to trust: two claims, which the caller refuses
        return False


def _same_array(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    try:
        x, y = np.asarray(a), np.asarray(b)
    except Exception:
        return False
    if x.dtype != y.dtype or x.shape != y.shape:
        return False
    if x.dtype.kind in "fc":
        return bool(np.array_equal(x, y, equal_nan=True))
    try:
        return bool(np.array_equal(x, y))
    except Exception:
        return False


def same_function(a: Any, b: Any, depth: int = 0) -> bool:
    """Whether two check (or control) functions are the same code with the same values:
    the same definition, the same defaults and the same closure values (a factory's
    ``bound=2.0`` and ``bound=4.0`` make two different checks)."""
    if a is b:
        return True
    if where(a) != where(b) or where(a) == (None, None):
        return False
    if depth > 2:  # nested functions: their place is enough
        return True

    def values(fn):
        cells = []
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:  # an empty cell
                cells.append(None)
        return [getattr(fn, "__defaults__", None), getattr(fn, "__kwdefaults__", None), cells]

    va, vb = values(a), values(b)
    return all(_same_values(x, y, depth) for x, y in zip(va, vb))


def _same_values(a: Any, b: Any, depth: int) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y, depth) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k], depth) for k in a)
    return _same_value(a, b, depth)


def _difference(a: Claim, b: Claim) -> str | None:
    """What differs between two claims of one id, in words; None when nothing does."""
    if not same_function(a.check, b.check):
        if where(a.check) == where(b.check):
            return (f"one check function ({place_of(a.check)}) built with different values "
                    "(its defaults or the values it closes over)")
        return f"different checks ({place_of(a.check)} and {place_of(b.check)})"
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    for name in ("paper", "kind", "statement", "profiles", "labels"):
        old, new = getattr(a, name), getattr(b, name)
        if not _same_values(old, new, 0):
            return f"different {name} ({short.repr(old)} and {short.repr(new)})"
    return None


class Registry:
    """The claims (and the papers they come from) known to this process, in order."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}
        self._papers: dict[str, Paper] = {}
        self._sites: dict[str, Site] = {}

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
        """Register a claim; its id must be new, or this must be the same registration
        again (a re-import of the module that registered it).

        Raises
        ------
        ArgumentError
            A malformed id (see :func:`~specproof.claims.claim.check_claim_id`).
        DuplicateClaimError
            When another module registered the id (directly, or through a factory that
            two modules share), the same execution of one module registers it twice
            (two literal definitions, or a factory called twice with one id), or a
            function called later registers it with another check, control, statement
            or profiles: the second would silently replace the first, which then
            never runs.
        """
        from specproof.claims.claim import check_claim_id

        check_claim_id(c.id)
        site = registration_site()
        existing = self._claims.get(c.id)
        if existing is not None:
            self._check_again(existing, c, self._sites.get(c.id), site)
        self._claims[c.id] = c
        self._sites[c.id] = site

    def _check_again(self, existing: Claim, c: Claim, before: Site | None, now: Site) -> None:
        """Refuse registering ``c`` over ``existing`` (one id) unless it is a re-import."""
        if existing.module != c.module:
            first, second = _module_file(existing.module), _module_file(c.module)
            if first == second:  # "by mc.py and mc.py": one file under two module names
                raise DuplicateClaimError(
                    f"claim id {c.id!r} is registered twice by {first}, imported under two "
                    f"module names ({existing.module!r} and {c.module!r}): import it one way "
                    "(give it to --module once, and import it by that name elsewhere)")
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice: by {first} and {second}")
        run, old = now.execution, before.execution if before is not None else None
        if run is not None and old is not None and old[0] is run[0] and old[1] == run[1]:
            # the same module body, still the same execution: a fresh import or a reload
            # compiles a new code object, so this is no re-import
            lines = (f"at line {old[3]} and at line {run[3]}" if old[3] != run[3]
                     else f"twice at line {run[3]} (a loop or a factory given one id twice)")
            checks = (place_of(existing.check), place_of(c.check))
            if checks != (f"{os.path.basename(run[2])}:{old[3]}",
                          f"{os.path.basename(run[2])}:{run[3]}"):
                lines += f"; checks defined at {checks[0]} and {checks[1]}"
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice in one execution of {run[2]}, "
                f"{lines}: the second would replace the first, which would never run; give "
                "each claim its own id")
        if run is not None and old is not None:
            if before.origin != now.origin and before.namespace is now.namespace:
                # one namespace run in pieces of other names: a notebook cell edited and
                # run again, doctest examples; the later replaces the earlier, as a
                # variable would, and says so
                warnings.warn(
                    f"claim id {c.id!r} is registered again in one namespace, at "
                    f"{now.place} (before: {before.place}): the later definition replaces "
                    "the earlier", UserWarning, stacklevel=4)
                return
            if before.origin != now.origin:
                # two modules calling one factory: the same check code, two claims
                checks = (place_of(existing.check), place_of(c.check))
                via = (f"both through the check defined at {checks[0]}"
                       if checks[0] == checks[1] else f"checks defined at {', '.join(checks)}")
                raise DuplicateClaimError(
                    f"claim id {c.id!r} is registered twice: by {before.place} and by "
                    f"{now.place} ({via}): the second would replace the first, which would "
                    "never run; give each claim its own id")
            if where(existing.check) != where(c.check):
                # a re-import of an edited module: the definition moved
                warnings.warn(
                    f"claim id {c.id!r} is defined twice in {_module_file(c.module)} (lines "
                    f"{where(existing.check)[1]} and {where(c.check)[1]}): the later "
                    "definition replaces the earlier", UserWarning, stacklevel=4)
            return  # a re-import of the module: its claims are replaced
        differs = _difference(existing, c)
        if differs is not None:
            first = before.place if before is not None else "an earlier registration"
            raise DuplicateClaimError(
                f"claim id {c.id!r} is registered twice, with {differs}: at {first} and at "
                f"{now.place}; the second would replace the first, which would never run: "
                "give each claim its own id")
        # the same claim again; its control, attached next, must be the same too
        c._replaced = (self, existing)

    def remove(self, claim_id: str) -> None:
        """Forget one claim (used by tests that register throwaway claims)."""
        self._claims.pop(claim_id, None)
        self._sites.pop(claim_id, None)

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

    def restore(self, claim_id: str, earlier: Claim) -> None:
        """Put ``earlier`` back under its id (a re-registration refused late)."""
        self._claims[claim_id] = earlier


REGISTRY = Registry()
