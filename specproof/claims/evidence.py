"""Evidence: what one run of a check or of its control found, and the context it ran in."""

from __future__ import annotations

import copy
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable


@dataclass(frozen=True)
class Evidence:
    r"""What one run of a check (or of its control) found.

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
    labels : dict
        Display labels (key -> text, which may hold LaTeX math ``$...$``) of measured
        keys and table columns, e.g. ``{"slope": r"fitted slope $\hat\alpha$"}``; the
        reports show a key without a label as code.
    """

    holds: bool
    measured: dict[str, Any] = field(default_factory=dict)
    expected: str = ""
    table: list[dict[str, Any]] = field(default_factory=list)
    figure: Any = None
    key: str | None = None
    certificates: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_labels(self.labels, "Evidence.labels")
        if not isinstance(self.holds, (bool, np.bool_)):
            raise ArgumentTypeError(
                f"Evidence.holds must be a bool, got {type(self.holds).__name__}"
            )
        # checked here, inside the check, so that a wrong shape is the claim's ERROR and
        # not a crash of the report writer after the run (measured=[1, 2, 3] was one)
        if not isinstance(self.measured, Mapping):
            raise ArgumentTypeError(
                f"Evidence.measured must be a dict of name -> value, got "
                f"{type(self.measured).__name__}")
        bad = [k for k in self.measured if not isinstance(k, str)]
        if bad:
            # the evidence file keys are strings: 1 and "1" would collide, one value lost
            raise ArgumentTypeError(
                f"Evidence.measured keys must be str, got {bad[0]!r} "
                f"({type(bad[0]).__name__})")
        if self.figure is not None:
            from matplotlib.figure import Figure

            if not isinstance(self.figure, Figure):
                # a string was accepted here and became an AttributeError in verify only
                raise ArgumentTypeError(
                    f"Evidence.figure must be a matplotlib Figure (or None), got "
                    f"{type(self.figure).__name__}")
        if not isinstance(self.expected, str):
            raise ArgumentTypeError(
                f"Evidence.expected must be a str (the condition in words), got "
                f"{type(self.expected).__name__}")
        if not isinstance(self.table, (list, tuple)) or not all(
                isinstance(row, Mapping) for row in self.table):
            raise ArgumentTypeError(
                "Evidence.table must be a list of dicts (one per row), got "
                f"{type(self.table).__name__}"
                + ("" if not isinstance(self.table, (list, tuple)) else " with a row that "
                   "is not a dict"))
        if self.key is not None and not isinstance(self.key, str):
            raise ArgumentTypeError(
                f"Evidence.key must be a str or None, got {type(self.key).__name__}")
        if not isinstance(self.certificates, Mapping):
            raise ArgumentTypeError(
                "Evidence.certificates must be a dict of name -> document, got "
                f"{type(self.certificates).__name__}")
        for name in self.certificates:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", str(name)):
                raise ArgumentError(
                    f"Evidence.certificates name {name!r} must be letters, digits, '_' or '-'"
                )
        if self.key is not None and self.key not in self.measured:
            raise ArgumentError(
                f"Evidence.key={self.key!r} is not among the measured quantities "
                f"{sorted(self.measured)}"
            )


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
        labels: Mapping[str, str] | None = None,
    ) -> Evidence:
        """Build the :class:`Evidence` a check returns (``holds`` a bool, as in
        :class:`Evidence`: ``bool("False")`` and ``bool(nan)`` are True, so nothing else is
        converted)."""
        return Evidence(
            holds=bool(holds) if isinstance(holds, np.bool_) else holds,
            measured=_mapping(measured, "measured"),
            expected=expected,
            table=_rows(table),
            figure=figure,
            key=key,
            certificates=_mapping(certificates, "certificates"),
            labels=_mapping(labels, "labels"),
        )


def _mapping(value: Any, name: str) -> dict[str, Any]:
    """``value`` (a mapping or None) as a new dict; anything else is refused by name.
    ``dict(value or {})`` dropped a falsy ``measured=0.0`` without a word (a PASS with
    nothing measured), took a list of pairs, and failed on an array with numpy's "truth
    value of an array is ambiguous", pointing at the wrong expression."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"ctx.evidence: {name} must be a mapping (name -> value) or None, "
                        f"got {type(value).__name__}; e.g. {name}={{'err': err}}")
    return dict(value)


def _rows(table: Any) -> list[dict[str, Any]]:
    if table is None:
        return []
    if isinstance(table, (Mapping, str, bytes)) or not hasattr(table, "__iter__"):
        raise TypeError("ctx.evidence: table must be a list of rows (mappings: column -> "
                        f"value) or None, got {type(table).__name__}")
    rows = list(table)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"ctx.evidence: table[{i}] must be a mapping (column -> value), "
                            f"got {type(row).__name__}")
    return [dict(row) for row in rows]


class EvidenceRecordError(Exception):
    """A measured value or a table cell of a run's evidence that could not be recorded
    (converted to JSON, or looked through for a NaN); ``where`` names it
    (``measured['x']``, ``table[3]['err']``), ``__cause__`` is what it raised."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where} could not be recorded")
        self.where = where


def record_evidence(ev: Evidence) -> tuple:
    """What a run returned, taken as it returned: ``(measured, table, their JSON forms)``.

    ``measured`` and ``table`` are deep copies (their JSON forms where a value cannot be
    copied): a check recording a module-level buffer that its control then wrote into
    showed the control's numbers as the check's, beside a PASS. Each value is converted
    and looked through for a NaN here, once, so that one that raises (a buggy
    ``to_dict``, a ``__float__`` that raises, a list nested 2000 deep) is this run's
    error and not a crash of the whole ``verify`` run when the report is written.

    Raises
    ------
    EvidenceRecordError
        Naming the first value that could not be recorded.

    Examples
    --------
    >>> ev = Evidence(holds=True, measured={"e": np.array([0.5])}, table=[{"n": 1}])
    >>> snap = record_evidence(ev)
    >>> snap[2], snap[3], snap[0]["e"] is ev.measured["e"]
    ({'e': [0.5]}, [{'n': 1}], False)
    """
    from specproof.claims.decide import nan_in  # decide imports this module's users

    def convert(value: Any, where: str) -> Any:
        try:
            out = to_jsonable(value)
            nan_in(value, where)  # for what it raises, not for what it finds
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - the run's error, named
            raise EvidenceRecordError(where) from exc
        return out

    measured = {k: convert(v, f"measured[{k!r}]") for k, v in ev.measured.items()}
    table = []
    for i, row in enumerate(ev.table):
        try:
            # a row at once (a cell at a time cost ~10 s for 100k rows); a row that fails
            # is converted again cell by cell, to name the cell
            table.append(convert(row, f"table[{i}]"))
        except EvidenceRecordError:
            table.append({k: v for key, value in row.items()
                          for k, v in convert({key: value}, f"table[{i}][{key!r}]").items()})
    try:
        copies = copy.deepcopy((dict(ev.measured), list(ev.table)))
    except Exception:  # noqa: BLE001 - e.g. a torch tensor inside an autograd graph
        copies = (measured, table)
    return (*copies, measured, table)


def check_labels(labels: Any, name: str) -> None:
    """Raise unless ``labels`` maps strings to non-empty strings (display labels)."""
    if not isinstance(labels, Mapping):
        raise ArgumentTypeError(f"{name} must be a dict of key -> label, got "
                                f"{type(labels).__name__}")
    for key, text in labels.items():
        if not isinstance(key, str) or not isinstance(text, str) or not text.strip():
            raise ArgumentTypeError(
                f"{name} must map key strings to non-empty label strings, got "
                f"{key!r}: {text!r}"
            )


def claim_seed(seed: int, claim_id: str) -> list[int]:
    """The entropy a claim's generator is seeded with: the run seed and a stable id hash.

    The id enters so that claims do not share random streams; ``zlib.crc32`` keeps it
    the same across processes (Python's ``hash`` of a string is salted per process).
    """
    return [int(seed), zlib.crc32(claim_id.encode())]
