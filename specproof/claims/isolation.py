"""What one run of a check (or of its control) may not change for the claims after it.

The runner puts back, after each run, numpy's floating-point error handling, the
``warnings`` filters and matplotlib's rcParams (the global random generators are put
back by :mod:`specproof.claims.seeding`): a claim that called ``np.seterr(all="raise")``
made a later, true claim ERROR, and only when run after it. And ``os._exit`` in the
run's own process raises :class:`ProcessExit` instead of ending the process: with
``--jobs 1`` it ended ``verify`` with exit status 0, no report and no message.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator

import numpy as np


@contextlib.contextmanager
def global_numeric_state() -> Iterator[None]:
    """Put back ``np.seterr``/``np.seterrcall``, the ``warnings`` filters and (when
    matplotlib is already imported) ``matplotlib.rcParams`` as they were on entry.

    Examples
    --------
    >>> before = np.geterr()
    >>> with global_numeric_state():
    ...     _ = np.seterr(all="raise")
    >>> np.geterr() == before
    True
    """
    err, call = np.geterr(), np.geterrcall()
    # only when imported: importing matplotlib here would cost every run ~0.3 s
    mpl = sys.modules.get("matplotlib")
    with contextlib.ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        if mpl is not None and callable(getattr(mpl, "rc_context", None)):
            stack.enter_context(mpl.rc_context())  # the backend is left alone
        try:
            yield
        finally:
            np.seterr(**err)
            np.seterrcall(call)


class ProcessExit(BaseException):
    """``os._exit`` called in the process running a claim (raised in its place).

    A BaseException, as ``SystemExit`` is: ``except Exception`` in a check does not
    swallow it (and a swallowed one is still recorded: :func:`no_process_exit`).
    """

    def __init__(self, status: object) -> None:
        super().__init__(f"os._exit({status!r})")
        self.status = status


@contextlib.contextmanager
def no_process_exit() -> Iterator[list[ProcessExit]]:
    """While inside, ``os._exit`` raises :class:`ProcessExit` in this process and ends
    a forked child (another pid: multiprocessing's workers end so) as it always does.

    Yields the list of the :class:`ProcessExit` raised, so that a call whose exception
    the check caught (a bare ``except:``, a thread) is still the claim's error.

    Examples
    --------
    >>> with no_process_exit() as calls:
    ...     try:
    ...         os._exit(3)
    ...     except ProcessExit as e:
    ...         print(e)
    os._exit(3)
    >>> len(calls), type(os._exit).__name__   # the real one again
    (1, 'builtin_function_or_method')
    """
    pid = os.getpid()
    real = os._exit
    calls: list[ProcessExit] = []

    def _exit(status, *args, **kwargs):
        if os.getpid() != pid:
            real(status, *args, **kwargs)
        exc = ProcessExit(status)
        calls.append(exc)
        raise exc

    os._exit = _exit
    try:
        yield calls
    finally:
        os._exit = real
