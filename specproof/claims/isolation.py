"""What one run of a check (or of its control) may not change for the claims after it.

The runner puts back, after each run, numpy's floating-point error handling, the
``warnings`` filters, matplotlib's rcParams, the ``decimal`` context, mpmath's working
precision and torch's default dtype (the global random generators are put back by
:mod:`specproof.claims.seeding`): a claim that called ``np.seterr(all="raise")`` made a
later, true claim ERROR, and one whose control set ``mpmath.mp.dps = 8`` made a later,
false claim PASS, computed at 8 digits, and only when run after it. And ``os._exit`` in the
run's own process raises :class:`ProcessExit` instead of ending the process: with
``--jobs 1`` it ended ``verify`` with exit status 0, no report and no message.
"""

from __future__ import annotations

import contextlib
import decimal
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np


@contextlib.contextmanager
def global_numeric_state() -> Iterator[None]:
    """Put back ``np.seterr``/``np.seterrcall``, the ``warnings`` filters, the ``decimal``
    context and, for those already imported, ``matplotlib.rcParams``, mpmath's working
    precision (``mp.prec``/``mp.dps``, ``mp.pretty``, ``mp.trap_complex``, ``iv.prec``)
    and torch's default dtype as they were on entry.

    Examples
    --------
    >>> import decimal
    >>> before = np.geterr(), decimal.getcontext().prec
    >>> with global_numeric_state():
    ...     _ = np.seterr(all="raise")
    ...     decimal.getcontext().prec = 5
    >>> (np.geterr(), decimal.getcontext().prec) == before
    True
    """
    err, call = np.geterr(), np.geterrcall()
    # only when imported: importing matplotlib here would cost every run ~0.3 s (and
    # a check cannot have changed the settings of a library it never imported)
    mpl = sys.modules.get("matplotlib")
    with contextlib.ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        # the check works on a copy of the context; the caller's is put back, unchanged,
        # whether the check changed it in place (getcontext().prec = 5) or replaced it
        stack.enter_context(decimal.localcontext())
        if mpl is not None and callable(getattr(mpl, "rc_context", None)):
            stack.enter_context(mpl.rc_context())  # the backend is left alone
        for restore in (_mpmath_state(), _torch_state()):
            if restore is not None:
                stack.callback(restore)
        try:
            yield
        finally:
            np.seterr(**err)
            np.seterrcall(call)


# mpmath's global contexts and the settings of each that change what a computation gives
_MPMATH_SETTINGS = {"mp": ("prec", "pretty", "trap_complex"), "iv": ("prec", "pretty")}


def _mpmath_state() -> Callable[[], None] | None:
    """A function that puts mpmath's working precision back as it is now; None when
    mpmath is not imported. ``prec`` alone holds the precision: ``dps`` follows it."""
    mpmath = sys.modules.get("mpmath")
    if mpmath is None:
        return None
    saved: list[tuple[Any, str, Any]] = []
    for name, settings in _MPMATH_SETTINGS.items():
        ctx = getattr(mpmath, name, None)
        saved += [(ctx, s, getattr(ctx, s)) for s in settings if hasattr(ctx, s)]

    def restore() -> None:
        for ctx, setting, value in saved:
            setattr(ctx, setting, value)

    return restore


def _torch_state() -> Callable[[], None] | None:
    """A function that puts torch's default dtype back as it is now (a check that set
    float64 made every later tensor float64); None when torch is not imported."""
    torch = sys.modules.get("torch")
    get = getattr(torch, "get_default_dtype", None)
    set_ = getattr(torch, "set_default_dtype", None)
    if not (callable(get) and callable(set_)):
        return None
    dtype = get()
    return lambda: set_(dtype)


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
