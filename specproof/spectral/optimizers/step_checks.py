"""What a step checks before it computes anything: the ``params`` and ``grads`` dicts
(names, dtypes, shapes, finiteness, no shared memory) and the dtype of each state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, first_nonfinite
from specproof.spectral.dtypes import mixed_dtype_error


def _check_params(params: Any, grads: Any) -> list[str]:
    if not isinstance(params, Mapping):
        raise ArgumentTypeError(
            f"params must be a dict of named numpy arrays, got {type(params).__name__}"
        )
    if not isinstance(grads, Mapping):
        raise ArgumentTypeError(
            f"grads must be a dict of named numpy arrays, got {type(grads).__name__}"
        )
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing:
        raise ArgumentError(f"grads has no entry for parameter {missing[0]!r}")
    if extra:
        raise ArgumentError(f"grads[{extra[0]!r}] names no parameter in params")
    names = list(params)
    for name in names:
        if not isinstance(name, str):
            raise ArgumentTypeError(f"parameter names must be str, got {name!r}")
        p, g = params[name], grads[name]
        for what, x in ((f"params[{name!r}]", p), (f"grads[{name!r}]", g)):
            if isinstance(x, np.ma.MaskedArray):
                # np.asarray reads the masked entries as numbers: a hidden 1e6 moved the
                # weight by 1e5 (spectral_normalize refuses masked arrays the same way)
                raise ArgumentTypeError(
                    f"{what} is a numpy masked array, whose masked entries would be read "
                    f"as numbers; pass {what}.filled(value) or a plain array")
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            got = f"ndarray {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise ArgumentTypeError(
                f"params[{name!r}] must be a floating-point numpy array (updated in place), "
                f"got {got}"
            )
        if not p.flags.writeable:
            raise ArgumentError(f"params[{name!r}] is read-only; the step updates it in place")
        g = np.asarray(g)
        if not (np.issubdtype(g.dtype, np.floating) or np.issubdtype(g.dtype, np.integer)):
            raise ArgumentTypeError(f"grads[{name!r}] must be a real array, got dtype {g.dtype}")
        if np.issubdtype(g.dtype, np.floating) and g.dtype != p.dtype:
            raise mixed_dtype_error(f"grads[{name!r}]", g.dtype, f"params[{name!r}]", p.dtype,
                                    "the step runs in the parameter's dtype")
        if g.shape != p.shape:
            raise ArgumentError(
                f"grads[{name!r}] has shape {g.shape} but params[{name!r}] has shape {p.shape}"
            )
        first_nonfinite(g, f"grads[{name!r}]")
        first_nonfinite(p, f"params[{name!r}]")
    _refuse_shared_memory(params, names)
    return names


def _refuse_shared_memory(params: Mapping[str, np.ndarray], names: list[str]) -> None:
    # {"a": W, "b": W[:3]}: the in-place write of one overwrote part of the other (a
    # Cayley step then moved a's singular values by 0.011); may_share_memory compares
    # bounds only, so only its hits are confirmed exactly
    arrays = [(n, params[n]) for n in names]
    for i, (a, pa) in enumerate(arrays):
        for b, pb in arrays[i + 1:]:
            if not np.may_share_memory(pa, pb):
                continue
            try:
                shared = np.shares_memory(pa, pb, max_work=10**6)
            except np.exceptions.TooHardError:
                shared = True  # undecided within the work bound: not risked
            if shared:
                raise ArgumentError(
                    f"params[{a!r}] and params[{b!r}] share memory (one is a view of the "
                    "other): the in-place step of one would overwrite the other; give "
                    "separate arrays")


def _state_in(name: str, state: dict[str, Any], work: np.dtype, loaded: bool) -> dict[str, Any]:
    """``state`` with its float arrays in the parameter's working dtype ``work``.

    A loaded state is converted (torch.optim's rule); a state this optimizer built for a
    parameter of another dtype means the parameter changed dtype between steps, which is
    refused rather than silently promoting every later step.
    """
    odd = {k: v for k, v in state.items()
           if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)
           and v.dtype != work}
    if not odd:
        return state
    if not loaded:
        key, arr = next(iter(odd.items()))
        raise mixed_dtype_error(f"params[{name!r}]", work, f"its state {key!r}", arr.dtype,
                                "the parameter changed dtype since the optimizer last "
                                "stepped it")
    return {**state, **{k: v.astype(work) for k, v in odd.items()}}
