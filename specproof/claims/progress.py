"""What a run prints while it works.

On a terminal (stdout and stderr both), a live display (rich) lists each running claim
with its elapsed time, also under ``--jobs``; every finished claim prints one line, and a
claim that did not pass prints its reason on the next. When either is not a terminal (a
log file, a pipe, CI) only the finished lines are printed.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from specproof._core.printable import printable
from specproof.claims.document import key_figure
from specproof.claims.runner import ClaimResult


def finished_lines(result: ClaimResult, done: int, total: int) -> list[str]:
    """The line(s) printed when a claim finishes: verdict, id, key figure, time; reason.

    Each line is :func:`~specproof._core.printable.printable`: a measured value, an
    expected line or an exception message holding ESC codes or a newline printed them
    raw, and erased the claim's FAIL line to draw a forged PASS.

    Examples
    --------
    >>> from specproof.claims import run_claim
    >>> finished_lines(run_claim("lin-sn-gan.homogeneity"), 1, 2)[0].split()[:3]
    ['[1/2]', 'PASS', 'lin-sn-gan.homogeneity']
    """
    # as the summary table writes it: in full on a FAIL (a FAIL of worst <= 1 read worst=1)
    check = getattr(result, "check", None)  # None: a stand-in result without outcomes
    figure = result.key_figure() if check is None else key_figure(
        {"verdict": result.verdict,
         "check": {"measured": check.measured_json(), "key": check.key}})
    lines = [
        f"[{done}/{total}] {result.verdict:<7} {result.id}  {figure}  "
        f"({result.seconds:.1f} s)"
    ]
    if result.verdict != "PASS":
        lines.append(f"        {result.reason}")
    return [printable(line) for line in lines]


class Progress:
    """Plain progress: one line per finished claim (and its reason when not PASS)."""

    def __init__(self, stream: IO[str] | None = None, sink=None) -> None:
        self._stream = stream
        self._sink = sink

    def _say(self, line: str) -> None:
        if self._sink is not None:
            self._sink(line)
        else:
            print(line, file=self._stream or sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self, claim_id: str) -> None:
        """A claim started running."""

    def finish(self, result: ClaimResult, done: int, total: int) -> None:
        """A claim finished."""
        for line in finished_lines(result, done, total):
            self._say(line)

    def note(self, line: str) -> None:
        """A line outside the per-claim lines (e.g. an interruption)."""
        self._say(printable(line))

    def close(self) -> None:
        """Stop any live display."""


class RichProgress(Progress):
    """A live display of the running claims with their elapsed times (rich)."""

    def __init__(self, stream: IO[str] | None = None, total: int = 0) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__(stream)
        self.console = Console(file=stream or sys.stderr)
        self._running: dict[str, float] = {}
        self._done = 0
        self._total = total
        self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
        self._live.start()

    def __rich__(self):
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for claim_id, started in self._running.items():
            table.add_row("[cyan]running[/]", claim_id, f"{now - started:6.1f} s")
        table.add_row("", f"[dim]{self._done}/{self._total} finished[/]", "")
        return table

    def start(self, claim_id: str) -> None:
        self._running[claim_id] = time.monotonic()

    def finish(self, result: ClaimResult, done: int, total: int) -> None:
        from rich.markup import escape

        self._running.pop(result.id, None)
        self._done, self._total = done, total
        colour = {"PASS": "green", "VACUOUS": "yellow"}.get(result.verdict, "red")
        first, *rest = finished_lines(result, done, total)
        self.console.print(
            escape(first).replace(result.verdict, f"[bold {colour}]{result.verdict}[/]", 1),
            highlight=False,
        )
        for line in rest:
            self.console.print(f"[{colour}]{escape(line)}[/]", highlight=False)

    def note(self, line: str) -> None:
        self.console.print(printable(line), highlight=False, markup=False)

    def close(self) -> None:
        self._live.stop()


def make_progress(
    progress: Any = "auto",
    total: int = 0,
    stream: IO[str] | None = None,
    stdout: IO[str] | None = None,
):
    """The progress object for ``verify``'s ``progress`` argument.

    ``"auto"``: a live display on ``stream`` (stderr) when both it and ``stdout`` are
    terminals, plain finished lines otherwise (output redirected to a file or a pipe
    gets no animation); ``None``: silent; a callable: plain lines sent to it; a
    :class:`Progress`: itself.

    Examples
    --------
    >>> import io
    >>> type(make_progress("auto", stream=io.StringIO())).__name__
    'Progress'
    """
    if isinstance(progress, Progress):
        return progress
    if progress is None:
        return Progress(sink=lambda line: None)
    if callable(progress):
        return Progress(sink=progress)
    stream = stream or sys.stderr
    stdout = stdout or sys.stdout

    def tty(s) -> bool:
        return bool(getattr(s, "isatty", lambda: False)())

    if progress == "auto" and tty(stream) and tty(stdout):
        return RichProgress(stream, total=total)
    return Progress(stream)
