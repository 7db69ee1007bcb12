"""One Pion step on one matrix, shared by the numpy optimizer and the torch one.

Every function here takes numpy arrays or torch tensors alike, so
:class:`specproof.spectral.Pion` and :class:`specproof.spectral.torch.Pion` run the same
code and agree to rounding. The numpy optimizer's steps are atomic (new arrays); the
torch one updates its state tensors in place, as ``torch.optim`` does.

A dense side's moments and generator come from
:func:`~specproof.spectral.optimizers.skew_moments.preconditioned_generator` (tile by tile,
exactly skew); a low-rank side (transported momentum without second moment) is applied
in factored form (:class:`LowRankGenerator`); the factors ``T(sA)`` come from
:mod:`~specproof.spectral.optimizers.skew_kernels`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.spectral.optimizers.base import NonFiniteUpdateError, RotationTooLargeError
from specproof.spectral.optimizers.pion_expm import squared_out_side
from specproof.spectral.optimizers.pion_lowrank import LowRankGenerator
from specproof.spectral.optimizers.radial import is_radial
from specproof.spectral.optimizers.skew import skew_generator
from specproof.spectral.optimizers.skew_kernels import apply_dense, apply_dense_right
from specproof.spectral.optimizers.skew_moments import complete_lower, preconditioned_generator
from specproof.spectral.optimizers.skew_numerics import _fro, unit_roundoff
from specproof.spectral.optimizers.vanishing import generator_vanishes
from specproof.spectral.optimizers.workspace import Workspace

SIDES_OF = {"both": ("out", "in"), "alternate": ("out", "in"), "in": ("in",), "out": ("out",)}


def low_rank_sides(
    shape: tuple[int, int], side: str, momentum: str, second_moment: bool, low_rank: str
) -> tuple[str, ...]:
    """The sides whose generator is applied in factored (low-rank) form.

    Only with ``momentum="transported"`` and ``second_moment=False`` is a generator
    low rank: ``A_out = W M^T - M W^T`` (rank <= 2 d_in), ``A_in = M^T W - W^T M``
    (rank <= 2 d_out). The elementwise division by ``sqrt(v)`` of the other modes, and
    the sum over past weights of "lie-lie", make it full rank. A side is factored when
    that is cheaper (its dimension exceeds twice the other) and ``low_rank="auto"``.

    Examples
    --------
    >>> low_rank_sides((4096, 1024), "both", "transported", False, "auto")
    ('out',)
    >>> low_rank_sides((4096, 1024), "both", "lie-lie", True, "auto")
    ()
    """
    if low_rank == "never" or momentum != "transported" or second_moment:
        return ()
    d_out, d_in = shape
    return tuple(
        sd for sd, big, small in (("out", d_out, d_in), ("in", d_in, d_out))
        if sd in SIDES_OF[side] and 2 * small < big
    )


def is_moment_key(key: str) -> bool:
    """Whether ``key`` names a moment matrix of a Pion state (``m_out``, ``v_out``,
    ``m_in``, ``v_in``).

    Examples
    --------
    >>> is_moment_key("v_in"), is_moment_key("m")
    (True, False)
    """
    return key[:2] in ("m_", "v_") and key[2:] in ("out", "in")


def _zeros(shape: tuple[int, ...], like: Any) -> Any:
    if isinstance(like, np.ndarray):
        return np.zeros(shape, dtype=like.dtype)
    import torch

    return torch.zeros(shape, dtype=like.dtype, device=like.device)


def _vanishing_to_zero(W: Any, X: Any, sides: tuple[str, ...]) -> dict[str, Any]:
    """``X`` for each side, or zeros of its shape where the side's generator of ``(W, X)``
    is rounding noise (``X`` None or already 0: ``X`` for every side)."""
    norm_x = 0.0 if X is None else _fro(X)
    if norm_x == 0.0:
        return dict.fromkeys(sides, X)
    norm_w = _fro(W)
    zeros = None
    out = {}
    for sd in sides:
        out[sd] = X
        if generator_vanishes(W, X, sd, norm_w=norm_w, norm_x=norm_x):
            zeros = _zeros(tuple(X.shape), X) if zeros is None else zeros
            out[sd] = zeros
    return out


def init_pion_state(W: Any, hyper: dict[str, Any]) -> dict[str, Any]:
    """Zero moments for one matrix (numpy or torch), as :func:`pion_update` expects."""
    d_out, d_in = W.shape
    dims = {"out": d_out, "in": d_in}
    state: dict[str, Any] = {"rule": "pion", "shape": tuple(W.shape), "step": 0}
    if hyper["momentum"] == "transported":
        state["m"] = _zeros(tuple(W.shape), W)
    for sd in SIDES_OF[hyper["side"]]:
        if hyper["momentum"] == "lie-lie":
            state[f"m_{sd}"] = _zeros((dims[sd], dims[sd]), W)
        if hyper["second_moment"]:
            state[f"v_{sd}"] = _zeros((dims[sd], dims[sd]), W)
    return state


def complete_moments(state: dict[str, Any]) -> dict[str, Any]:
    """Complete the moment matrices of a state :func:`pion_update` left upper-only, in place.

    Examples
    --------
    >>> m = np.triu(np.ones((600, 600)), 1)   # the update keeps 512 x 512 tiles
    >>> m[:512, :512] -= m[:512, :512].T      # the diagonal tiles are complete
    >>> m[512:, 512:] -= m[512:, 512:].T
    >>> st = complete_moments({"m_out": m, "step": 1})
    >>> bool(np.all(st["m_out"] == -st["m_out"].T))
    True
    """
    for key, value in state.items():
        if is_moment_key(key):
            complete_lower(value, -1.0 if key.startswith("m_") else 1.0)
    return state


def moment_structure_error(key: str, value: Any) -> str | None:
    """Why a loaded moment matrix cannot be Pion's (``None`` when it can).

    ``m_out``/``m_in`` are EMAs of skew generators, so exactly skew-symmetric; ``v_out``/
    ``v_in`` EMAs of their squares, so exactly symmetric and >= 0. The step reads only the
    upper block triangle, so a matrix that is not would be silently made so.

    Examples
    --------
    >>> moment_structure_error("m_out", np.array([[0.0, 1.0], [-1.0, 0.0]])) is None
    True
    >>> moment_structure_error("v_in", np.array([[1.0, 2.0], [3.0, 1.0]]))
    'v_in is not symmetric (entry (0, 1) is 2, entry (1, 0) is 3)'
    """
    if not is_moment_key(key):
        return None
    real_float = (value.is_floating_point() if hasattr(value, "is_floating_point")
                  else np.asarray(value).dtype.kind == "f")
    if not real_float:
        # a complex moment lost its imaginary part (with a warning) and failed later
        return f"{key} is {value.dtype}, expected a real floating-point array"
    # .double() is exact for every float dtype (bfloat16 has no numpy view)
    a = value.detach().cpu().double().numpy() if hasattr(value, "detach") else np.asarray(value)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return None  # the shape checks name this
    if not np.isfinite(a).all():
        # reported first: a NaN is unequal to itself, and was "not skew-symmetric"
        i, j = (int(x) for x in np.argwhere(~np.isfinite(a))[0])
        return f"{key!r} has a non-finite entry {a[i, j]} at ({i}, {j})"
    sign = -1.0 if key.startswith("m_") else 1.0
    bad = np.argwhere(a != sign * a.T)
    if len(bad):
        i, j = (int(x) for x in bad[0])
        kind = "skew-symmetric" if sign < 0 else "symmetric"
        return (f"{key} is not {kind} (entry ({i}, {j}) is {a[i, j]:.6g}, entry ({j}, {i}) "
                f"is {a[j, i]:.6g})")
    if sign > 0 and (a < 0).any():
        i, j = (int(x) for x in np.argwhere(a < 0)[0])
        return f"{key} has a negative entry {a[i, j]:.6g} at ({i}, {j}): a second moment is >= 0"
    return None


def pion_update(
    W: Any, G: Any, state: dict[str, Any], hyper: dict[str, Any], inplace: bool,
    buffers: dict[str, Any] | None = None,
    workspace: Workspace | None = None,
    keep_generators: bool = False,
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """One Pion step of matrix ``W`` with gradient ``G``: ``(new W, new state, diagnostics)``.

    ``hyper`` holds ``lr, rms, betas, eps, side, momentum, second_moment, transform,
    low_rank`` (see :class:`specproof.spectral.Pion`). With ``inplace`` the state's arrays
    are overwritten (and returned in the new state), and the generators may be used as
    scratch (the diagnostics then give ``A_out = A_in = None``); otherwise new arrays
    are made, or, for torch, the new moments are written into ``buffers`` (tensors of the
    state's shapes under the state's keys, e.g. a spare set from the step before): the
    state passed in is then left as it was, whether the step succeeds or raises, and the
    generators are used as scratch too, unless ``keep_generators`` (the numpy optimizer,
    which reports them). A :class:`~specproof.spectral.optimizers.workspace.Workspace`
    holds the large temporaries of the dense exponential from step to step.
    The moment matrices ``m_out, v_out, m_in, v_in`` of the new state are current in
    their upper block triangle only (all the next step reads);
    :func:`complete_moments` completes them.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, G = rng.standard_normal((2, 5, 3))
    >>> hyper = dict(lr=0.1, rms=0.2, betas=(0.9, 0.999), eps=1e-8, side="both",
    ...              momentum="lie-lie", second_moment=True, transform="cayley",
    ...              low_rank="auto")
    >>> W2, state, diag = pion_update(W, G, init_pion_state(W, hyper), hyper, False)
    >>> s0, s1 = (np.linalg.svd(x, compute_uv=False) for x in (W, W2))
    >>> bool(np.abs(s1 - s0).max() < 1e-14), round(diag["first_order_rms"] / 0.02, 9)
    (True, 1.0)
    """
    b1, b2 = hyper["betas"]
    eps = hyper["eps"]
    k = int(state["step"]) + 1
    new: dict[str, Any] = {**state, "step": k}
    sides = SIDES_OF[hyper["side"]]
    factored = low_rank_sides(tuple(W.shape), hyper["side"], hyper["momentum"],
                              hyper["second_moment"], hyper["low_rank"])
    lie = hyper["momentum"] == "lie-lie"
    M = None
    scratch_generators = inplace or (buffers is not None and not keep_generators)
    if not lie:
        if inplace:
            M = state["m"].mul_(b1).add_(G, alpha=1.0 - b1)
        elif buffers is not None and buffers.get("m") is not None:
            import torch

            # the same operations as the in-place line above, into the spare tensor
            M = torch.mul(state["m"], b1, out=buffers["m"]).add_(G, alpha=1.0 - b1)
        elif workspace is not None and isinstance(G, np.ndarray):
            # the same operations as the line below, in the dtype of its result, into an
            # array reused only once nothing refers to it (the state that held it was
            # replaced): fresh d x k arrays page-fault through their memory on every step
            # (32 MB each at 4096 x 1024)
            M = np.multiply(state["m"], b1, out=workspace.unshared(
                "momentum", G.shape, np.result_type(state["m"], G)))
            np.add(M, np.multiply(G, 1.0 - b1,
                                  out=workspace.array("momentum_term", G.shape, G.dtype)),
                   out=M)
        else:
            M = b1 * state["m"] + (1.0 - b1) * G
        new["m"] = M
    # a gradient or moment that is lambda W to rounding has generator 0 exactly; formed,
    # it is rounding noise that alpha scales to a full rotation (radial.py)
    G_gen = G
    if (lie or hyper["second_moment"]) and is_radial(W, G):
        G_gen = _zeros(tuple(G.shape), G)
    M_gen = M if M is None or not is_radial(W, M) else _zeros(tuple(M.shape), M)
    # so is one side's generator of a spectral loss's gradient (W S, S symmetric): each
    # side whose generator is noise takes an exact 0 instead (vanishing.py)
    uses_g = lie or hyper["second_moment"]
    G_side = _vanishing_to_zero(W, G_gen, sides) if uses_g else dict.fromkeys(sides, G)
    M_side = _vanishing_to_zero(W, M_gen, sides)
    A: dict[str, Any] = {}
    for sd in sides:
        if sd in factored:
            continue
        v = state.get(f"v_{sd}") if hyper["second_moment"] else None
        m_new, v_new, A[sd] = preconditioned_generator(
            W, G_side[sd], sd, state[f"m_{sd}"] if lie else None, v, (b1, b2), eps,
            M=M_side[sd], inplace=inplace, complete=False,
            out=None if buffers is None else (buffers.get(f"m_{sd}"), buffers.get(f"v_{sd}")),
            generator=None if workspace is None else workspace.unshared(
                f"generator_{sd}", (W.shape[0 if sd == "out" else 1],) * 2, W.dtype),
            workspace=workspace)
        if lie:
            new[f"m_{sd}"] = m_new
        if v_new is not None:
            new[f"v_{sd}"] = v_new
    if hyper["side"] == "alternate":
        acting = ("out",) if k % 2 == 1 else ("in",)
    else:
        acting = sides
    lowrank = {sd: LowRankGenerator(W, M_side[sd], sd) for sd in factored if sd in acting}
    for sd in [sd for sd, gen in lowrank.items() if not gen.well_conditioned]:
        # the factors nearly cancel (M close to W times a symmetric matrix): the
        # factored core would amplify rounding, so this step forms A
        del lowrank[sd]
        A[sd] = -skew_generator(W, M_side[sd], sd)
    AW = WA = None
    AW_scratch = False
    if "in" in acting:
        if "in" in lowrank:
            WA = lowrank["in"].WA
        elif workspace is not None:
            WA = np.matmul(W, A["in"], out=workspace.array("w_times_a_in", W.shape, W.dtype))
        else:
            WA = W @ A["in"]
    squared = None
    if "out" in acting:
        if "out" in lowrank:
            # a workspace array, used only for D below (which may overwrite it)
            AW = lowrank["out"].a_times_w(workspace)
            AW_scratch = workspace is not None and isinstance(AW, np.ndarray)
        else:
            if hyper["transform"] == "expm":
                # the even/odd series gives ||A W|| from its first product
                squared = squared_out_side(A["out"], W, WA, hyper["lr"], hyper["rms"], eps,
                                           ws=workspace)
            if squared is None or squared.norm_D is None:
                AW = A["out"] @ W
    if AW is None and squared is not None:
        norm_D = squared.norm_D
    else:
        if AW_scratch and WA is not None:
            D = np.add(AW, WA, out=AW)  # AW + WA, in the workspace's array
        else:
            D = AW if WA is None else (WA if AW is None else AW + WA)
        norm_D = _fro(D)  # scaled where the sum of squares overflows
    if not math.isfinite(norm_D):
        # without this alpha would be 0 and the step a silent no-op
        raise NonFiniteUpdateError(
            f"Pion's first-order move A W + W A is not finite (norm {norm_D}): the "
            "generator G W^T - W G^T, or the move itself, overflows at the magnitudes of "
            "this weight and gradient; nothing was changed"
        )
    d_out, d_in = W.shape
    # a vanishing first-order move (every generator 0) leaves W as it is; with eps = 0
    # alpha would be c sqrt(mn) / 0 and s * A = inf * 0
    alpha = hyper["rms"] * math.sqrt(d_out * d_in) / (norm_D + eps) if norm_D > 0.0 else 0.0
    s = hyper["lr"] * alpha
    tr = hyper["transform"]
    _refuse_large_rotation(s, A, lowrank, acting, tr, W)
    X = W
    if "out" in acting:
        if "out" in lowrank:
            # into an array reused only once nothing refers to it (it is the new weight
            # when the in side does not act)
            X = lowrank["out"].left(s, tr, out=None if workspace is None else
                                    workspace.unshared("weight_out", W.shape, W.dtype),
                                    ws=workspace)
        elif squared is not None:
            X = squared.apply(s)
        else:
            # AW is not used after this: E2 may scale it in place
            X = apply_dense(A["out"], s, W, tr, AX=AW, overwrite_a=scratch_generators,
                            overwrite_ax=True)
    new_W = X
    if "in" in acting:
        if "in" in lowrank:
            new_W = lowrank["in"].right(X, s, tr, X_is_W="out" not in acting, ws=workspace)
        else:
            # X A = W A when the out side did not act: the known product is reused
            # the product with the formed factor goes into a workspace array that is
            # reused only once nothing refers to it (the optimizer copies the new weight
            # into the parameter; a caller that keeps it keeps its values)
            new_W = apply_dense_right(X, A["in"], s, tr,
                                      XA=WA if "out" not in acting else None,
                                      overwrite_a=scratch_generators,
                                      factor_out=None if workspace is None else
                                      workspace.unshared("weight_in", W.shape[::-1], W.dtype),
                                      ws=workspace)
    diagnostics = {
        # with inplace the transform may have used a generator's memory (torch's Cayley
        # solve builds I - sA/2 there), so none is reported
        "A_out": None if scratch_generators else A.get("out"),
        "A_in": None if scratch_generators else A.get("in"),
        "factors": {sd: (lr.U, lr.V) for sd, lr in lowrank.items()},
        "acting": acting,
        "alpha": float(alpha),
        "step_size": float(s),
        "first_order_rms": float(s * norm_D / math.sqrt(d_out * d_in)),
    }
    return new_W, new, diagnostics


# the largest rotation s ||A|| one step may make: below STEP_MAX_ROTATION radians and below
# ROTATION_ACCURACY / u, so that the factor's loss of orthogonality (about the rotation
# times u) stays near 1e-6 in float32 and 1e-12 in float64, and the exponential's
# substeps (one per ~radian) stay few
STEP_MAX_ROTATION = 1e4
ROTATION_ACCURACY = 1e-6


def rotation_limit(W: Any) -> float:
    """The largest rotation (radians) a Pion step on ``W``'s dtype may make."""
    return min(STEP_MAX_ROTATION, ROTATION_ACCURACY / unit_roundoff(W))


def _refuse_large_rotation(s: float, A: dict[str, Any], lowrank: dict[str, Any],
                           acting: tuple[str, ...], transform: str, W: Any) -> None:
    if s == 0.0:
        return
    norms = [lowrank[sd].fro if sd in lowrank else _fro(A[sd]) for sd in acting
             if sd in lowrank or sd in A]
    theta = s * max(norms, default=0.0)
    limit = rotation_limit(W)
    if theta > limit:
        raise RotationTooLargeError(
            f"this Pion step would rotate by up to {theta:.3g} radians (s ||A||_F with "
            f"step size s = lr * alpha = {s:.3g}: a large lr, or a weight of small scale, "
            "which makes Pion's alpha large), "
            f"beyond the {limit:.3g} radians within which the {transform} factor stays "
            f"orthogonal to about 1e-6 in float32 and 1e-12 in float64; nothing was "
            "changed (lower lr, or scale the weight up)")


__all__ = [
    "LowRankGenerator",  # from pion_lowrank, where it lives
    "complete_moments",
    "init_pion_state",
    "is_moment_key",
    "low_rank_sides",
    "moment_structure_error",
    "pion_update",
]
