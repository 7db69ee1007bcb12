"""``solver="auto"``: interior point where it is cheap, first order beyond, and why.

The Gram-form SoS problem with an ``N x N`` Gram matrix has ``T = N(N+1)/2`` unknowns.

- **Clarabel** (interior point) factors a KKT system holding a dense ``T x T`` scaling
  block of the PSD cone: memory ``~64 T^2`` bytes and time ``~4e-8 T^2.5`` seconds
  (measured on Gaussian 3d x d data, q = 4, 2 cores: 0.38-0.58 s at N = 36, 2.4-3.7 s at
  N = 55, 21 s at N = 78; at N = 210 it would need 29 GiB).
- **SCS** (first order, ADMM) needs one ``N x N`` eigendecomposition per iteration and
  converged in 75-100 iterations on every instance measured (N = 21 ... 820): time
  ``~1e-7 N^3`` seconds (0.24 s at N = 78, 0.9-2 s at N = 210, 6-14 s at N = 465, 49 s
  at N = 820) and memory ``~3 kB * T`` (peak RSS growth 17 MB at N = 78, 70 MB at
  N = 210, 300 MB at N = 465). Its values agreed with Clarabel's to 1.6e-10 relative
  wherever both ran (d = 6 ... 12).

``auto`` takes Clarabel when its estimate is at most :data:`AUTO_IP_MAX_SECONDS` and its
memory fits comfortably, SCS otherwise. ``benchmarks/bench_sos.py`` re-measures the
constants. An explicit solver is always honoured; MOSEK only when asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

SOLVER_NAMES: tuple[str, ...] = ("auto", "clarabel", "scs", "mosek")
CLARABEL_BYTES_PER_T2 = 64
CLARABEL_SECONDS_PER_T25 = 4e-8
SCS_SECONDS_PER_N3 = 1e-7
SCS_BYTES_PER_T = 3000
AUTO_IP_MAX_SECONDS = 1.0
"""Clarabel is chosen by ``auto`` only while its estimated solve time is below this."""


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None.

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class SolverEstimate:
    """Measured-model estimates of one SoS solve with an ``N x N`` Gram matrix.

    Examples
    --------
    >>> e = estimate(210)
    >>> round(e.clarabel_bytes / 2**30, 1), round(e.scs_seconds, 2)
    (29.3, 0.93)
    """

    N: int
    clarabel_bytes: int
    clarabel_seconds: float
    scs_bytes: int
    scs_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"N": self.N, "clarabel_bytes": self.clarabel_bytes,
                "clarabel_seconds": self.clarabel_seconds, "scs_bytes": self.scs_bytes,
                "scs_seconds": self.scs_seconds}


def estimate(N: int) -> SolverEstimate:
    """Memory (bytes) and time (seconds) estimates for Clarabel and SCS at basis size N.

    Examples
    --------
    >>> estimate(36).clarabel_seconds < AUTO_IP_MAX_SECONDS < estimate(55).clarabel_seconds
    True
    """
    T = N * (N + 1) // 2
    return SolverEstimate(
        N=N,
        clarabel_bytes=CLARABEL_BYTES_PER_T2 * T * T,
        clarabel_seconds=CLARABEL_SECONDS_PER_T25 * T**2.5,
        scs_bytes=SCS_BYTES_PER_T * T,
        scs_seconds=SCS_SECONDS_PER_N3 * N**3,
    )


@dataclass(frozen=True)
class SolverChoice:
    """Which solver runs, what was asked for, the estimate and the reason.

    Examples
    --------
    >>> c = choose_solver(36, "auto")
    >>> c.solver, c.requested
    ('clarabel', 'auto')
    >>> choose_solver(210, "auto").solver
    'scs'
    """

    solver: str
    requested: str
    reason: str
    estimate: SolverEstimate = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"solver": self.solver, "requested": self.requested, "reason": self.reason,
                "estimate": self.estimate.to_dict()}


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def choose_solver(N: int, requested: str = "auto", memory: int | None = None) -> SolverChoice:
    """Resolve ``requested`` (``"auto"`` or an explicit solver) for an N x N Gram matrix.

    Parameters
    ----------
    N : int
        Gram basis size.
    requested : {"auto", "clarabel", "scs", "mosek"}
        An explicit solver is returned unchanged (with the estimate, for the record).
    memory : int or None
        Bytes available; None reads :func:`available_memory`.

    Returns
    -------
    SolverChoice

    Examples
    --------
    >>> choose_solver(210, "clarabel").solver   # explicit: honoured (the solve may refuse)
    'clarabel'
    """
    est = estimate(N)
    if requested != "auto":
        return SolverChoice(requested, requested, "requested explicitly", est)
    have = available_memory() if memory is None else memory
    fits = have is None or est.clarabel_bytes <= have / 4
    if est.clarabel_seconds <= AUTO_IP_MAX_SECONDS and fits:
        why = (f"interior point (Clarabel) is cheap at N = {N}: about "
               f"{est.clarabel_seconds:.2g} s and {_gib(est.clarabel_bytes)}")
        return SolverChoice("clarabel", "auto", why, est)
    why = (f"first order (SCS) at N = {N}: Clarabel would take about "
           f"{est.clarabel_seconds:.3g} s and {_gib(est.clarabel_bytes)} (limit "
           f"{AUTO_IP_MAX_SECONDS:g} s"
           + ("" if have is None else f", a quarter of the {_gib(have)} available")
           + f"), SCS about {est.scs_seconds:.3g} s and {_gib(est.scs_bytes)}")
    return SolverChoice("scs", "auto", why, est)
