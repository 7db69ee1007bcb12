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
    from specproof.spectral.optimizers.pion import LowRankGenerator
    from specproof.spectral.optimizers.skew import skew_generator
    from specproof.spectral.optimizers.skew_kernels import apply_dense, apply_dense_right

    def _adamw(p, g, state, group):
        # mirrors specproof.spectral.optimizers.adam.adam_update (decoupled)
        b1, b2 = group["adamw_betas"]
        if not state:
            state["step"] = 0
            state["m"] = torch.zeros_like(p)
            state["v"] = torch.zeros_like(p)
        k = state["step"] + 1
        lr, wd = group["adamw_lr"], group["adamw_weight_decay"]
        x = p * (1.0 - lr * wd)
        m = b1 * state["m"] + (1.0 - b1) * g
        v = b2 * state["v"] + (1.0 - b2) * (g * g)
        denom = torch.sqrt(v) / math.sqrt(1.0 - b2**k) + group["adamw_eps"]
        p.copy_(x - (lr / (1.0 - b1**k)) * (m / denom))
        state["m"], state["v"], state["step"] = m, v, k

    class Pion(torch.optim.Optimizer):
        """Pion as a torch optimizer; same arguments as :class:`specproof.spectral.Pion`.

        Non-finite gradients raise an ArgumentError naming the parameter's index, before
        any parameter or state changes.
        """

        def __init__(self, params, **kwargs: Any) -> None:
            _no_exclude(kwargs)
            ref = _NpPion(**kwargs)  # one place validates the arguments
            defaults = {k: v for k, v in ref._hyper.items() if k != "exclude"}
            super().__init__(params, defaults)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            _check_finite(self.param_groups)
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if p.ndim != 2 or min(p.shape) == 0:
                        _adamw(p, p.grad, state, group)
                    else:
                        self._pion(p, p.grad, state, group)
            return loss

        def _pion(self, W, G, state, group):
            # the numpy Pion's _update, step for step, on tensors (same kernels)
            b1, b2 = group["betas"]
            eps, side = group["eps"], group["side"]
            sides = ("in",) if side == "in" else ("out",) if side == "out" else ("out", "in")
            ref = _NpPion(**{k: group[k] for k in _PION_KEYS})
            factored = ref.low_rank_sides(tuple(W.shape))
            if not state:
                state["step"] = 0
                if group["momentum"] == "transported":
                    state["m"] = torch.zeros_like(W)
                dims = {"out": W.shape[0], "in": W.shape[1]}
                for sd in sides:
                    z = torch.zeros(dims[sd], dims[sd], dtype=W.dtype, device=W.device)
                    if group["momentum"] == "lie-lie":
                        state[f"m_{sd}"] = z.clone()
                    if group["second_moment"]:
                        state[f"v_{sd}"] = z.clone()
            k = state["step"] + 1
            need_gens = group["momentum"] == "lie-lie" or group["second_moment"]
            gens = {sd: skew_generator(W, G, sd) for sd in sides} if need_gens else {}
            if group["momentum"] == "transported":
                state["m"] = b1 * state["m"] + (1.0 - b1) * G
                moments = {
                    sd: skew_generator(W, state["m"], sd) for sd in sides if sd not in factored
                }
            else:
                moments = {}
                for sd in sides:
                    state[f"m_{sd}"] = b1 * state[f"m_{sd}"] + (1.0 - b1) * gens[sd]
                    moments[sd] = state[f"m_{sd}"]
            A = {}
            for sd in sides:
                if sd in factored:
                    continue
                if group["second_moment"]:
                    v = b2 * state[f"v_{sd}"] + (1.0 - b2) * (gens[sd] * gens[sd])
                    state[f"v_{sd}"] = v
                    A[sd] = -moments[sd] / (torch.sqrt(v) + eps)
                else:
                    A[sd] = -moments[sd]
            acting = (("out",) if k % 2 == 1 else ("in",)) if side == "alternate" else sides
            lowrank = {sd: LowRankGenerator(W, state["m"], sd) for sd in factored if sd in acting}
            AW = WA = None
            if "out" in acting:
                AW = lowrank["out"].AW if "out" in lowrank else A["out"] @ W
            if "in" in acting:
                WA = lowrank["in"].WA if "in" in lowrank else W @ A["in"]
            D = AW if WA is None else (WA if AW is None else AW + WA)
            d_out, d_in = W.shape
            alpha = group["rms"] * math.sqrt(d_out * d_in) / (float(torch.linalg.norm(D)) + eps)
            s = group["lr"] * alpha
            tr = group["transform"]
            X = W
            if AW is not None:
                X = (lowrank["out"].left(s, tr) if "out" in lowrank
                     else apply_dense(A["out"], s, W, tr, AX=AW))
            new = X
            if WA is not None:
                new = (lowrank["in"].right(X, s, tr, X_is_W=AW is None) if "in" in lowrank
                       else apply_dense_right(X, A["in"], s, tr))
            W.copy_(new)
            state["step"] = k

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

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            _check_finite(self.param_groups)
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if p.ndim != 2 or min(p.shape) == 0:
                        _adamw(p, p.grad, state, group)
                    else:
                        self._muon(p, p.grad, state, group)
            return loss

        @staticmethod
        def _muon(p, g, state, group):
            a, b, c = _NS_COEFFICIENTS
            if not state:
                state["buffer"] = torch.zeros_like(p)
            mu = group["momentum"]
            # buf + (1 - mu)(g - buf); a new tensor, not lerp_: a loaded state_dict may
            # share its tensors with the optimizer it came from
            buf = state["buffer"].lerp(g, 1.0 - mu)
            state["buffer"] = buf
            u = g.lerp(buf, mu) if group["nesterov"] else buf
            if group["ns_dtype"] == "bfloat16":
                u = u.bfloat16()
            tall = p.shape[0] > p.shape[1]
            X = u.T if tall else u
            norm = torch.linalg.norm(X)
            X = X / (norm + 1e-7 if group["eps_placement"] == "add" else norm.clamp(min=1e-7))
            for _ in range(group["ns_steps"]):
                A = X @ X.T
                X = torch.addmm(X, torch.addmm(A, A, A, beta=b, alpha=c), X, beta=a)
            O = X.T if tall else X
            scale = max(1.0, p.shape[0] / p.shape[1]) ** 0.5
            if group["weight_decay"]:
                p.mul_(1.0 - group["lr"] * group["weight_decay"])
            p.add_(O, alpha=-group["lr"] * scale)

    def _no_exclude(kwargs):
        from specproof._core import ArgumentError

        if kwargs.get("exclude"):
            raise ArgumentError(
                "exclude is not supported by the torch optimizers (torch parameters have no "
                "names): give the 2-D parameters that should take AdamW to torch.optim.AdamW"
            )

    def _check_finite(groups):
        from specproof._core import ArgumentError

        for gi, group in enumerate(groups):
            for pi, p in enumerate(group["params"]):
                if p.grad is not None and not bool(torch.isfinite(p.grad).all()):
                    raise ArgumentError(
                        f"the gradient of parameter {pi} of param group {gi} "
                        f"(shape {tuple(p.shape)}) has a non-finite entry; nothing was changed"
                    )

    _PION_KEYS = [k for k in _NpPion()._hyper if not k.startswith("adamw") and k != "exclude"]
    Pion.__module__ = Muon.__module__ = __name__
    return {"Pion": Pion, "Muon": Muon}


def __getattr__(name: str) -> type:
    if name in __all__:
        if not _CACHE:
            _CACHE.update(_build())
        return _CACHE[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
