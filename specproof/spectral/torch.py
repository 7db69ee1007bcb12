"""Pion and Muon as ``torch.optim.Optimizer`` subclasses (the extra ``torch``).

They compute exactly what :class:`specproof.spectral.Pion` and
:class:`specproof.spectral.Muon` compute, operation for operation, so in float64 the two
agree to rounding (the tests ask 1e-12). Matrices (2-D parameters) take the Pion / Muon
rule, everything else AdamW, as in the numpy versions.

torch is imported only when ``Pion`` or ``Muon`` is first looked up here, so
``import specproof.spectral`` never needs torch; without torch the lookup raises an
ImportError that says how to install it.

Examples
--------
>>> import importlib.util
>>> if importlib.util.find_spec("torch") is not None:
...     import torch
...     from specproof.spectral.torch import Pion
...     w = torch.nn.Parameter(torch.eye(3, dtype=torch.float64))
...     opt = Pion([w], lr=0.1, transform="cayley")
...     w.grad = torch.ones(3, 3, dtype=torch.float64) - torch.eye(3, dtype=torch.float64)
...     opt.step()
...     s = torch.linalg.svdvals(w.detach())
...     assert torch.allclose(s, torch.ones(3, dtype=torch.float64), atol=1e-14)
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Muon", "Pion"]  # noqa: F822 (built lazily by __getattr__)

_CACHE: dict[str, type] = {}
_UPPER = "_upper"


def _require_torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "specproof.spectral.torch needs PyTorch: pip install 'specproof[torch]' "
            "(or pip install torch==2.13.0 for the CPU build)"
        ) from exc
    return torch


def _build() -> dict[str, type]:
    torch = _require_torch()
    from specproof.spectral.optimizers import NS_COEFFICIENTS as _NS_COEFFICIENTS
    from specproof.spectral.optimizers import Muon as _NpMuon
    from specproof.spectral.optimizers import Pion as _NpPion
    from specproof.spectral.optimizers.pion import PION_KEYS as _PION_KEYS
    from specproof.spectral.optimizers.pion_update import (
        complete_moments,
        init_pion_state,
        is_moment_key,
        moment_structure_error,
        pion_update,
    )
    from specproof.spectral.torch_checks import (
        adamw_shapes,
        all_finite,
        check_gradients,
        check_groups_now,
        check_loaded_muon,
        check_loaded_pion,
        check_muon_group,
        check_muon_state,
        check_pion_group,
        check_pion_state,
        load_checked,
        state_misfit,
        validate_group,
        working_dtype,
    )

    def _adamw(p, g, state, group):
        # mirrors specproof.spectral.optimizers.adam.adam_update (decoupled)
        b1, b2 = group["adamw_betas"]
        # the state is written only once the step has succeeded
        if state:
            state_misfit(p, p.dtype, state, adamw_shapes(p))
        m0, v0 = (state["m"], state["v"]) if state else (torch.zeros_like(p),) * 2
        k = state.get("step", 0) + 1
        lr, wd = group["adamw_lr"], group["adamw_weight_decay"]
        x = p * (1.0 - lr * wd)
        m = b1 * m0 + (1.0 - b1) * g
        square = (1.0 - b2) * (g * g)
        eps = group["adamw_eps"]
        lost = (square < torch.finfo(square.dtype).tiny) & (g.abs() > eps)
        if bool(lost.any()):
            from specproof.spectral.optimizers import NonFiniteUpdateError

            # as adam.py's _refuse_underflowed_square: sqrt(v) ~ 0 where it should be
            # ~|g|, so the step would be ~g / eps (1e97 for eps = 1e-300)
            raise NonFiniteUpdateError(
                f"the square of a gradient entry underflows {square.dtype} while "
                f"adamw_eps = {eps:g} is smaller than |g|: AdamW's step would be about "
                "g / eps there; this parameter was not changed (use adamw_eps >= |g|)")
        v = b2 * v0 + square
        if not all_finite(v):
            from specproof.spectral.optimizers.base import second_moment_overflow

            raise second_moment_overflow(
                "AdamW's second moment v = b2 v + (1 - b2) g*g", v, g, "g",
                changed="This parameter was not changed")
        denom = torch.sqrt(v) / math.sqrt(1.0 - b2**k) + group["adamw_eps"]
        new = x - (lr / (1.0 - b1**k)) * (m / denom)
        if not all_finite(new):
            from specproof.spectral.optimizers import NonFiniteUpdateError

            # e.g. float16: adamw_eps = 1e-8 rounds to 0 there, and a zero gradient entry
            # makes m / sqrt(v) = 0/0 (torch.optim.AdamW writes that NaN)
            eps_here = float(torch.tensor(group["adamw_eps"], dtype=p.dtype))
            raise NonFiniteUpdateError(
                f"the AdamW update of a {tuple(p.shape)} {p.dtype} parameter is not finite "
                f"(adamw_eps = {group['adamw_eps']:g} is {eps_here:g} in that dtype); this "
                "parameter was not changed")

        def commit():
            p.copy_(new)
            state["m"], state["v"], state["step"] = m, v, k

        return commit

    class Pion(torch.optim.Optimizer):
        """Pion as a torch optimizer; same arguments as :class:`specproof.spectral.Pion`.

        Non-finite gradients raise an ArgumentError naming the parameter's index, before
        any parameter or state changes.
        """

        def __init__(self, params, **kwargs: Any) -> None:
            _no_exclude(kwargs)
            ref = _NpPion(**kwargs)  # one place validates the arguments
            defaults = {k: v for k, v in ref._hyper.items() if k != "exclude"}
            # a second set of moment tensors per matrix: a step writes its new moments
            # there and swaps only once it has succeeded (a refused step leaves the state
            # as it was, without a copy; the price is the moments' memory twice)
            self._spare: dict[Any, dict[str, Any]] = {}
            super().__init__(params, defaults)

        def __setstate__(self, state):
            # pickle and copy.deepcopy restore only torch's own fields (a deep-copied Pion
            # failed at its next step): the spare moments are scratch, made again
            super().__setstate__(state)
            self._spare = {}

        def add_param_group(self, param_group):
            super().add_param_group(param_group)
            validate_group(self, check_pion_group, len(self.param_groups) - 1)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            check_groups_now(self, check_pion_group)
            check_gradients(self.param_groups)
            _each_parameter(self, self._pion)
            return loss

        def _pion(self, W, G, state, group):
            # the numpy Pion's step (the same shared code); the new moments go into the
            # spare tensors, which become the state only once the step has succeeded
            hyper = {k: group[k] for k in _PION_KEYS}
            work = working_dtype(W)
            Wc = W if work is None else W.to(work)
            Gc = G if work is None else G.to(work)
            current = state
            if not state:
                # torch's load_state_dict would take a str apart: keep tensors and the step
                # (into opt.state only with the step's result, when every parameter's
                # step has succeeded)
                fresh = init_pion_state(Wc, hyper)
                current = {_internal(k): v for k, v in fresh.items()
                           if k not in ("rule", "shape")}
            plain = {_public(k): v for k, v in current.items()}
            check_pion_state(W, Wc.dtype, plain, hyper)
            spare = self._spare.get(W)
            moments = [k for k, v in plain.items() if torch.is_tensor(v)]
            if spare is None or any(k not in spare or spare[k].shape != plain[k].shape
                                    or spare[k].dtype != plain[k].dtype for k in moments):
                spare = {k: torch.zeros_like(plain[k]) for k in moments}
            new_W, new, _ = pion_update(Wc, Gc, plain, hyper, inplace=False, buffers=spare)
            if not all_finite(new_W):
                from specproof.spectral.optimizers import NonFiniteUpdateError

                raise NonFiniteUpdateError(
                    f"the Pion update of a {tuple(W.shape)} parameter is not finite; "
                    "nothing was changed (lower the learning rate?)"
                )

            def commit():
                # the tensors the step wrote are the new state; the old ones the next spare
                self._spare[W] = {k: (plain[k] if new[k] is spare[k] else spare[k])
                                  for k in moments}
                state.update({_internal(k): v for k, v in new.items()})
                W.copy_(new_W)

            return commit

        def state_dict(self):
            """The torch state dict, with the moment matrices completed (new tensors)."""
            sd = super().state_dict()
            sd["state"] = {
                idx: complete_moments({_public(k): (v.clone() if k.endswith(_UPPER) else v)
                                       for k, v in st.items()})
                for idx, st in sd["state"].items()
            }
            return sd

        def load_state_dict(self, state_dict):
            from specproof.spectral.optimizers import OptimizerStateError

            for idx, st in state_dict.get("state", {}).items():
                for key, value in st.items():
                    why = moment_structure_error(key, value)
                    if why is not None:
                        raise OptimizerStateError(f"state of parameter {idx}: {why}")
            load_checked(self, state_dict, check_pion_group, check_loaded_pion)
            # the state is updated in place: never share tensors with the loaded dict
            for p, st in list(self.state.items()):
                self.state[p] = {_internal(k): (v.clone() if torch.is_tensor(v) else v)
                                 for k, v in st.items()}
            self._spare.clear()

    class Muon(torch.optim.Optimizer):
        """Muon as a torch optimizer; same arguments as :class:`specproof.spectral.Muon`, and

        ns_dtype : None or "bfloat16"
            Newton-Schulz in the parameter's dtype (None, default) or in bfloat16 (what
            ``torch.optim.Muon`` always does; slow on CPUs without bfloat16 units).
        eps_placement : {"add", "clamp"}
            ``X / (||X|| + eps)`` (the reference Muon; default) or ``X / max(||X||, eps)``
            (``torch.optim.Muon``). With "clamp", ``weight_decay``, ``lr`` and ``ns_dtype``
            set alike, the step equals ``torch.optim.Muon``'s to rounding.
        """

        def __init__(
            self, params, ns_dtype: str | None = None, eps_placement: str = "add",
            **kwargs: Any,
        ) -> None:
            from specproof._core import ArgumentError

            _no_exclude(kwargs)
            ref = _NpMuon(eps_placement=eps_placement, **kwargs)
            if ns_dtype not in (None, "bfloat16"):
                raise ArgumentError(f"ns_dtype must be None or 'bfloat16', got {ns_dtype!r}")
            defaults = {k: v for k, v in ref._hyper.items() if k != "exclude"}
            defaults["ns_dtype"] = ns_dtype
            super().__init__(params, defaults)

        def add_param_group(self, param_group):
            super().add_param_group(param_group)
            validate_group(self, check_muon_group, len(self.param_groups) - 1)

        def load_state_dict(self, state_dict):
            load_checked(self, state_dict, check_muon_group, check_loaded_muon)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            check_groups_now(self, check_muon_group)
            check_gradients(self.param_groups)
            _each_parameter(self, self._muon)
            return loss

        @staticmethod
        def _muon(p, g, state, group):
            a, b, c = _NS_COEFFICIENTS
            # a fresh state goes into opt.state with the step's result only
            # half precisions in float32, state included, as for Pion: in float16 the
            # buffer 0.05 g underflowed for |g| ~ 1e-7 and the step was silently 0
            # (torch.optim.Muon's too); the numpy Muon computes them in float64
            work = working_dtype(p) or p.dtype
            old = state if state else {"buffer": torch.zeros_like(p, dtype=work)}
            check_muon_state(p, old, work)
            if g.dtype != work:
                g = g.to(work)
            mu = group["momentum"]
            # buf + (1 - mu)(g - buf); a new tensor, not lerp_: a loaded state_dict may
            # share its tensors with the optimizer it came from
            buf = old["buffer"].lerp(g, 1.0 - mu)
            if not all_finite(buf):
                from specproof.spectral.optimizers import NonFiniteUpdateError

                # finite gradients of +max then -max overflow the average: the buffer and
                # then the weights became inf/NaN without a word
                raise NonFiniteUpdateError(
                    "the momentum buffer overflows (gradients near the dtype's largest "
                    "value); nothing was changed")
            u = g.lerp(buf, mu) if group["nesterov"] else buf
            if group["ns_dtype"] == "bfloat16":
                u = u.bfloat16()
            tall = p.shape[0] > p.shape[1]
            X = u.T if tall else u
            norm = torch.linalg.norm(X)
            eps = 1e-7
            if not bool(torch.isfinite(norm)):
                # the entries are finite (checked), their squares overflow: the same
                # quotient as (X / big) / ((||X|| + eps) / big), never X / inf = 0
                big = X.abs().amax()
                X = X / big
                norm = torch.linalg.norm(X)
                eps = 1e-7 / big
            X = X / (norm + eps if group["eps_placement"] == "add" else norm.clamp(min=eps))
            for _ in range(group["ns_steps"]):
                A = X @ X.T
                X = torch.addmm(X, torch.addmm(A, A, A, beta=b, alpha=c), X, beta=a)
            O = X.T if tall else X
            scale = max(1.0, p.shape[0] / p.shape[1]) ** 0.5
            decay = 1.0 - group["lr"] * group["weight_decay"]
            alpha = -group["lr"] * scale
            # |p decay + alpha O| <= max|p| |decay| + |alpha| max|O|: below the dtype's
            # largest value the in-place update is finite (two reductions instead of a
            # new weight-sized tensor, checked, then copied); otherwise it is formed and
            # checked first. Written only then: a refused step changes nothing
            top = torch.finfo(p.dtype).max
            bound = (float(p.abs().amax()) * abs(decay)
                     + abs(alpha) * float(O.abs().amax())) if p.numel() else 0.0
            if work == p.dtype and math.isfinite(bound) and bound < top and all_finite(O):
                def commit():
                    if decay != 1.0:
                        p.mul_(decay)
                    p.add_(O, alpha=alpha)
                    state["buffer"] = buf
            else:
                new = torch.add(p.to(work) * decay, O, alpha=alpha).to(p.dtype)
                if not all_finite(new):
                    from specproof.spectral.optimizers import NonFiniteUpdateError

                    raise NonFiniteUpdateError(
                        "the Muon update is not finite (lr, weight_decay or the weight's "
                        "scale overflow); nothing was changed")

                def commit():
                    p.copy_(new)
                    state["buffer"] = buf
            return commit

    def _internal(key):
        # the step keeps only the upper block triangle of the moment matrices current;
        # the key in opt.state says so, state_dict() completes them under the plain key
        return key + _UPPER if is_moment_key(key) else key

    def _public(key):
        return key[: -len(_UPPER)] if key.endswith(_UPPER) else key

    def _no_exclude(kwargs):
        from specproof._core import ArgumentError

        if kwargs.get("exclude"):
            raise ArgumentError(
                "exclude is not supported by the torch optimizers (torch parameters have no "
                "names): give the 2-D parameters that should take AdamW to torch.optim.AdamW"
            )

    def _each_parameter(opt, matrix_update):
        # atomic, as the numpy optimizers are: every parameter's new value and state are
        # computed first (each update returns what writes them), and written only once all
        # have succeeded. A refused step changes nothing, so a retry after fixing the
        # gradient does not move the parameters before the failing one twice. The cost is
        # memory: the new values (one parameter-sized tensor each) are held until then.
        from specproof.spectral.optimizers import NonFiniteUpdateError

        commits = []
        for gi, group in enumerate(opt.param_groups):
            for pi, p in enumerate(group["params"]):
                if p.grad is None:
                    continue
                try:
                    if p.ndim != 2 or min(p.shape) == 0:
                        commits.append(_adamw(p, p.grad, opt.state[p], group))
                    else:
                        commits.append(matrix_update(p, p.grad, opt.state[p], group))
                except NonFiniteUpdateError as exc:
                    text = str(exc)
                    if commits or _count_after(opt, gi, pi):
                        text += ("" if text.endswith(".") else ".") + (
                            " No parameter or state was changed by this step.")
                    raise type(exc)(
                        f"parameter {pi} of param group {gi} (shape {tuple(p.shape)}): "
                        f"{text}") from None
        for commit in commits:
            commit()

    def _count_after(opt, gi, pi):
        # parameters with a gradient after (gi, pi): the step would have moved them too
        return sum(q.grad is not None
                   for g, group in enumerate(opt.param_groups)
                   for i, q in enumerate(group["params"]) if (g, i) > (gi, pi))

    Pion.__module__ = Muon.__module__ = __name__
    # pickle finds a class by module and qualified name (the module's __getattr__ gives
    # these very classes): torch.save(optimizer) failed on "_build.<locals>.Pion"
    Pion.__qualname__, Muon.__qualname__ = "Pion", "Muon"
    return {"Pion": Pion, "Muon": Muon}


def __getattr__(name: str) -> type:
    if name in __all__:
        if not _CACHE:
            _CACHE.update(_build())
        return _CACHE[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
