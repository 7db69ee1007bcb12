"""Checks of the torch optimizers' inputs: param groups, loaded and running state, gradients.

torch.optim fills a param group's options from the defaults (checked when the optimizer is
made) but never looks at a group's own values, and its ``load_state_dict`` takes any
tensors: here each group goes through the numpy optimizer's checks, and each state is
compared with the shapes the options and the parameter call for, at load and at every
step (metadata only), so that a typo, a state of another optimizer or a parameter that
changed shape or dtype is an error naming it, never a step computed on a misfit.

Imported by :mod:`specproof.spectral.torch` only once torch is known to be installed.
"""

from __future__ import annotations

import torch

from specproof.spectral.optimizers import Muon, Pion
from specproof.spectral.optimizers.pion import PION_KEYS
from specproof.spectral.optimizers.pion_update import init_pion_state

_PION_GROUP_KEYS = [k for k in Pion()._hyper if k != "exclude"]
_MUON_GROUP_KEYS = [k for k in Muon()._hyper if k != "exclude"]


def working_dtype(W):
    # half precisions are computed in float32 (the numpy rule computes them in
    # float64): float16 rounds eps = 1e-8 to 0, and torch has no bfloat16 LU
    return torch.float32 if W.dtype in (torch.float16, torch.bfloat16) else None


def check_pion_group(group):
    Pion(**{k: group[k] for k in _PION_GROUP_KEYS})


def check_muon_group(group):
    from specproof._core import ArgumentError

    Muon(**{k: group[k] for k in _MUON_GROUP_KEYS})
    if group["ns_dtype"] not in (None, "bfloat16"):
        raise ArgumentError(
            f"ns_dtype must be None or 'bfloat16', got {group['ns_dtype']!r}")


def validate_group(opt, check, index):
    # torch fills a group's missing options from the defaults, which were checked; a
    # group's own values (transform="expmm" ran Cayley) go through the same checks
    from specproof._core import SpecproofError

    try:
        check(opt.param_groups[index])
    except SpecproofError as exc:
        opt.param_groups.pop(index)
        raise type(exc)(f"param group {index}: {exc}") from None


def check_groups_now(opt, check):
    """Each param group's options as the step is about to use them.

    A scheduler (or a user) writes ``group["lr"]`` between steps: ``lr = nan`` wrote NaN
    into the weights, ``transform = "expmm"`` ran, ``lr = -1`` ascended. Nothing is
    changed when a group is refused.
    """
    from specproof._core import SpecproofError

    for index, group in enumerate(opt.param_groups):
        try:
            check(group)
        except SpecproofError as exc:
            raise type(exc)(f"param group {index}: {exc} (set after the optimizer was "
                            "made, e.g. by a scheduler); nothing was changed") from None


def load_checked(opt, state_dict, check_group, check_state):
    from specproof._core import SpecproofError
    from specproof.spectral.optimizers import OptimizerStateError

    groups = state_dict.get("param_groups", [])
    for gi, group in enumerate(groups):
        try:
            check_group({**opt.defaults, **group})
        except SpecproofError as exc:
            raise OptimizerStateError(
                f"state_dict param group {gi}: {exc} (a state of another optimizer, or "
                "of other options?)") from None
    index = {}
    for saved, current in zip(groups, opt.param_groups):
        for i, p in zip(saved.get("params", []), current["params"]):
            index[i] = (p, {**opt.defaults, **saved})
    for idx, st in state_dict.get("state", {}).items():
        if idx in index:
            p, group = index[idx]
            why = check_state(p, dict(st), group)
            if why:
                raise OptimizerStateError(
                    f"state of parameter {idx} (shape {tuple(p.shape)}): {why} (a state of "
                    "another optimizer, or of other options?)")
    torch.optim.Optimizer.load_state_dict(opt, state_dict)
    # torch casts a loaded state to its parameter's dtype; a half-precision parameter's
    # state is float32 (working_dtype), so it is taken from the dict again at that dtype,
    # unrounded (a saved float16 Pion or Muon could not step after loading)
    for idx, st in state_dict.get("state", {}).items():
        if idx not in index or working_dtype(index[idx][0]) is None:
            continue
        p, work = index[idx][0], working_dtype(index[idx][0])
        for key, value in st.items():
            if key != "step" and torch.is_tensor(value) and value.is_floating_point():
                opt.state[p][key] = value.to(device=p.device, dtype=work, copy=True)


def _shape_error(st, expected, values=True):
    for key, shape in expected.items():
        if key not in st:
            return f"has no key {key!r}"
        value = st[key]
        if not torch.is_tensor(value) or tuple(value.shape) != shape:
            got = tuple(value.shape) if torch.is_tensor(value) else type(value).__name__
            return f"{key!r} is {got}, expected a tensor of shape {shape}"
    extra = sorted(k for k in st if k not in expected and k != "step")
    if extra:
        return f"has keys {extra} that these options do not use"
    count = st.get("step", 0)
    if (isinstance(count, bool) or not isinstance(count, int)) and not (
            torch.is_tensor(count) and count.numel() == 1
            and not count.is_floating_point()):
        return f"'step' must be an int >= 0, got {count!r}"
    if int(count) < 0:
        return f"'step' must be an int >= 0, got {int(count)}"
    # the values only at load: a pass over every d x d second moment at every step cost
    # 20-30 ms at d = 4096
    for key in expected if values else ():
        value = st[key]
        if not value.is_floating_point():
            # a complex moment lost its imaginary part later; an int one truncated
            return f"{key!r} is {value.dtype}, expected a real floating-point tensor"
        if not all_finite(value):
            # an inf buffer turned the next step into NaN weights (Muon), or refused every
            # step with a misleading overflow message (Pion)
            return f"{key!r} has a non-finite entry"
    for key in ("v", "v_out", "v_in") if values else ():
        if key in st and bool((st[key] < 0).any()):
            return f"{key!r} has a negative entry: it is a second moment, never below 0"
    return None


def adamw_shapes(p):
    return {"m": tuple(p.shape), "v": tuple(p.shape)}


def _pion_shapes(p, group):
    fresh = init_pion_state(torch.empty(tuple(p.shape), device="meta"),
                            {k: group[k] for k in PION_KEYS})
    return {k: tuple(v.shape) for k, v in fresh.items() if torch.is_tensor(v)}


def is_matrix(p):
    return p.ndim == 2 and min(p.shape) > 0


def check_loaded_pion(p, st, group):
    return _shape_error(st, _pion_shapes(p, group) if is_matrix(p) else adamw_shapes(p))


def check_loaded_muon(p, st, group):
    return _shape_error(st, {"buffer": tuple(p.shape)} if is_matrix(p)
                        else adamw_shapes(p))


def state_misfit(p, work_dtype, st, expected):
    # checked every step (metadata only): a parameter that changed shape or dtype,
    # or options changed between steps, met a state built for something else
    from specproof._core import ArgumentTypeError
    from specproof.spectral.optimizers import OptimizerStateError

    why = _shape_error(st, expected, values=False)
    if why:
        raise OptimizerStateError(
            f"the state of this {tuple(p.shape)} parameter {why}: the parameter (or its "
            "options) changed since the optimizer last stepped it")
    for key in expected:
        if st[key].dtype != work_dtype:
            raise ArgumentTypeError(
                f"the state {key!r} is {st[key].dtype} but the parameter is {p.dtype} "
                f"(computed in {work_dtype}): the parameter changed dtype since the "
                "optimizer last stepped it")


def check_pion_state(W, work_dtype, plain, hyper):
    state_misfit(W, work_dtype, plain, {
        k: tuple(v.shape) for k, v in init_pion_state(
            torch.empty(tuple(W.shape), device="meta"), hyper).items()
        if torch.is_tensor(v)})


def check_muon_state(p, state, work_dtype=None):
    state_misfit(p, p.dtype if work_dtype is None else work_dtype, state,
                 {"buffer": tuple(p.shape)})


def all_finite(t):
    # a sum is finite only if every entry is (NaN and inf propagate): one reduction
    # without a boolean tensor, 0.2 ms against isfinite().all()'s 5.8 ms for a
    # 4096 x 1024 float32 tensor at two threads. A sum of finite entries that
    # overflows falls through to the full check, which then accepts it.
    return bool(torch.isfinite(t.sum())) or bool(torch.isfinite(t).all())


def check_gradients(groups):
    from specproof._core import ArgumentError, ArgumentTypeError

    for gi, group in enumerate(groups):
        for pi, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            where = f"parameter {pi} of param group {gi} (shape {tuple(p.shape)})"
            if not p.is_floating_point():
                # a complex128 parameter moved by ~1e15 (the rules are for real weights)
                raise ArgumentTypeError(
                    f"{where} must be a real floating-point tensor, got {p.dtype}; nothing "
                    "was changed")
            if p.grad.dtype != p.dtype:
                raise ArgumentTypeError(
                    f"the gradient of {where} is {p.grad.dtype} but the parameter is "
                    f"{p.dtype}; nothing was changed")
            if p.grad.is_sparse and is_matrix(p):
                raise ArgumentError(
                    f"the gradient of {where} is sparse: the matrix rules (Pion, Muon) "
                    "need a dense gradient (nn.Embedding(sparse=False)); nothing was "
                    "changed")
            if not all_finite(p.grad):
                raise ArgumentError(
                    f"the gradient of {where} has a non-finite entry; nothing was changed")


__all__ = [
    "adamw_shapes",
    "all_finite",
    "check_gradients",
    "check_groups_now",
    "check_loaded_muon",
    "check_loaded_pion",
    "check_muon_group",
    "check_muon_state",
    "check_pion_group",
    "check_pion_state",
    "is_matrix",
    "load_checked",
    "state_misfit",
    "validate_group",
    "working_dtype",
]
