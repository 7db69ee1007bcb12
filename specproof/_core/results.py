"""One convention for everything that reports on a check.

A result is a frozen dataclass with ``ok`` (bool), ``reason`` (str, empty when ok), a
machine-readable ``code`` (``"ok"`` when ok, otherwise a short snake_case word such as
``"not_psd"`` or ``"identity_mismatch"``) and typed fields for the rest. Code that
branches on a failure reads ``code``, never the wording of ``reason``. ``to_dict()`` is
derived from the fields, once, here.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Found(Result):
...     value: float = 0.0
>>> r = Found(ok=False, reason="too large", code="too_large", value=2.0)
>>> r.to_dict()
{'ok': False, 'reason': 'too large', 'code': 'too_large', 'value': 2.0}
>>> bool(r)
False
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from specproof._core.jsonable import to_jsonable

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Result:
    """Base of every check result: ``ok``, ``reason``, ``code``; subclasses add typed fields.

    A passing result has an empty ``reason`` and ``code == "ok"``; a failing one has a
    non-empty ``reason`` and a code other than ``"ok"``. The constructor enforces both, so
    a result can never say "ok" with a failure code or fail without saying why.
    """

    ok: bool
    reason: str = ""
    code: str = "ok"

    def __post_init__(self) -> None:
        if not isinstance(self.ok, bool):
            object.__setattr__(self, "ok", bool(self.ok))
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise ValueError(f"code must be a snake_case word, got {self.code!r}")
        if self.ok and (self.reason or self.code != "ok"):
            raise ValueError(
                f"a passing result has reason '' and code 'ok', got {self.reason!r}, {self.code!r}"
            )
        if not self.ok and (not self.reason or self.code == "ok"):
            raise ValueError("a failing result needs a reason and a code other than 'ok'")

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON values, in declaration order."""
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
