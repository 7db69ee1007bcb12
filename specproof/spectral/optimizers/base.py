"""The interface every optimizer shares: a dict of named numpy arrays, state inside.

``opt.step(params, grads)`` updates the arrays of ``params`` **in place** (like
``torch.optim``) and returns ``None``. A step is atomic: every gradient is checked
first, every new value and new state is computed on copies, and only when all of
them are finite are they written back. A rejected step leaves both the parameters and
the optimizer state exactly as they were.

``state_dict()`` returns plain data (names, floats, numpy arrays); ``load_state_dict``
refuses a dict written by another optimizer, a missing or extra key, or an array of
another shape, naming the key.
"""

from __future__ import annotations

import abc
import copy
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, Displayable, SpecproofError
from specproof._core.display import html_repr
from specproof.spectral.dtypes import working_dtype
from specproof.spectral.optimizers.hyperparameters import _same
from specproof.spectral.optimizers.hyperparameters import beta_pair as beta_pair
from specproof.spectral.optimizers.step_checks import _check_params, _state_in
from specproof.spectral.optimizers.step_checks import (
    _refuse_shared_memory as _refuse_shared_memory,
)

State = dict[str, Any]


class OptimizerStateError(SpecproofError, ValueError):
    """A state dict that does not fit this optimizer (another optimizer, other keys or shapes)."""


class NonFiniteUpdateError(SpecproofError, FloatingPointError):
    """A step would write a NaN or an infinity into a parameter; nothing was changed."""


class RotationTooLargeError(NonFiniteUpdateError):
    """A Pion step would rotate by more than its dtype keeps accurate; nothing was changed.

    Pion's step size ``alpha = c sqrt(mn) / ||A W + W A||`` grows without bound as the
    weight shrinks: at a weight of scale 1e-9 one step rotated by ~1e7 radians, and the
    Cayley and exponential factors, exact in exact arithmetic, drifted the spectrum by
    1e-12 (float64) and 1e-3 (float32) instead of rounding level.
    """


def second_moment_overflow(
    what: str, v: Any, x: Any, x_name: str, offset: tuple[int, int] = (0, 0),
    changed: str = "Nothing was changed",
) -> NonFiniteUpdateError:
    """The error for a second moment ``v`` (numpy or torch) that overflowed its dtype
    although the ``x`` it squares is finite: where (``offset`` added to the index, for a
    tile of a larger matrix), and how large ``x`` is there."""
    flat = np.flatnonzero(~np.isfinite(np.asarray(v)).ravel())
    idx = np.unravel_index(int(flat[0]), tuple(v.shape))
    where = tuple(int(i) + o for i, o in zip(idx, offset)) if len(idx) == 2 else (
        tuple(int(i) for i in idx))
    dtype = str(v.dtype).removeprefix("torch.")
    hint = "scale the loss down" + (", or train in float64" if dtype != "float64" else "")
    value = float(x[idx])
    if not math.isfinite(value):
        # the squared quantity itself overflowed (W and G near 1e200: inf - inf)
        return NonFiniteUpdateError(
            f"{what} is not finite at index {where}: {x_name} = {value} there, itself an "
            f"overflow: the product in it overflows {dtype} (beyond "
            f"{float(np.finfo(dtype).max):.3g}) at these magnitudes of the weight and "
            f"gradient. {changed} ({hint})")
    return NonFiniteUpdateError(
        f"{what} overflows {dtype} at index {where}: {x_name} = {value:.3g} there, "
        f"whose square exceeds {float(np.finfo(dtype).max):.3g}; with v = inf the step "
        f"would not move that entry. {changed} ({hint})"
    )


def _stored_shape(pname: str, shape: Any) -> tuple[int, ...]:
    """A state's ``'shape'`` entry as a tuple of ints >= 0, else the error naming it."""
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in shape
    ):
        raise OptimizerStateError(
            f"state_dict['state'][{pname!r}]['shape'] must be a tuple of ints >= 0, got "
            f"{shape!r}")
    return tuple(int(s) for s in shape)


def _private_parameter(opt: Any, value: Any, work: Any) -> np.ndarray:
    """The parameter as ``_update`` sees it: a copy, or a read-only view where the class
    itself (not a subclass) says its rules only read it.

    The copy of a 4096 x 1024 weight is 32 MB of new memory on every step; a view is safe
    because the parameters are written only once every update has succeeded. A strided
    or Fortran-ordered parameter is still copied (as before, in its own memory order), so
    that its update sums in the order a contiguous one does.
    """
    p = np.asarray(value, dtype=work)
    if not np.may_share_memory(p, value):
        return p  # converted to the working dtype: already the step's own copy
    if type(opt).__dict__.get("_reads_parameters_only", False) and p.flags.c_contiguous:
        p = p.view()
        p.flags.writeable = False
        return p
    return np.array(value, dtype=work)


class Optimizer(Displayable, abc.ABC):
    """Base class: validation, atomic commit, state dict. Subclasses define ``_update``.

    Subclasses set ``name`` and ``_hyper`` (the hyperparameters as plain values) and
    implement ``_init_state(name, p)`` and ``_update(name, p, g, state, t)``, which must
    not modify its arguments and returns ``(new_p, new_state)``. ``p`` is the step's own
    copy of the parameter (a subclass may keep it), except for a class that sets
    ``_reads_parameters_only = True`` in its own body, whose rules neither keep nor change
    ``p``: it gets a read-only view (the built-in optimizers; their subclasses get copies).

    Examples
    --------
    >>> from specproof.spectral.optimizers import SGD
    >>> opt = SGD(lr=0.5)
    >>> params = {"w": np.array([1.0, 2.0])}
    >>> opt.step(params, {"w": np.array([2.0, float("nan")])})
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: grads['w'] has a non-finite entry nan at index (1,)
    >>> params["w"], opt.steps          # nothing changed
    (array([1., 2.]), 0)
    >>> opt.step(params, {"w": np.array([2.0, 2.0])})
    >>> params["w"], opt.state_dict()["step"]
    (array([0., 1.]), 1)
    """

    name: ClassVar[str] = "Optimizer"
    # state arrays that are second moments (running means of squares): a loaded state
    # with a negative entry there is refused
    _NONNEGATIVE_STATE: ClassVar[tuple[str, ...]] = ("v", "v_out", "v_in")

    def __init__(self) -> None:
        self._t = 0
        self._state: dict[str, State] = {}
        self._hyper: dict[str, Any] = {}
        self._unverified: set[str] = set()
        self.diagnostics: dict[str, dict[str, Any]] = {}

    # -- display ------------------------------------------------------------------
    def _display_items(self) -> list[tuple[str, Any]]:
        """The hyperparameters that differ from the defaults (``lr`` always), and steps."""
        import inspect

        defaults = {k: p.default for k, p in inspect.signature(type(self)).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        shown = [(k, v) for k, v in self._hyper.items()
                 if k == "lr" or k not in defaults or not _same(defaults[k], v)]
        return [*shown, ("steps", self._t)]

    def _repr_html_(self) -> str:
        return html_repr(type(self).__name__, [*self._hyper.items(), ("steps", self._t)])

    # -- subclass hooks -------------------------------------------------------------
    @abc.abstractmethod
    def _init_state(self, name: str, p: np.ndarray) -> State:
        """The fresh state of parameter ``name``."""

    @abc.abstractmethod
    def _update(
        self, name: str, p: np.ndarray, g: np.ndarray, state: State, t: int
    ) -> tuple[np.ndarray, State]:
        """The new value of ``p`` and its new state after gradient ``g`` at step ``t``."""

    # -- public API -----------------------------------------------------------------
    @property
    def steps(self) -> int:
        """Number of steps taken (restored by ``load_state_dict``)."""
        return self._t

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, Any]) -> None:
        """Update every array of ``params`` in place from its gradient in ``grads``.

        Parameters
        ----------
        params : dict of str -> numpy.ndarray
            Floating-point, writable arrays; they are overwritten with the new values.
        grads : dict of str -> array_like
            One finite gradient of the same shape per parameter (same keys).

        Raises
        ------
        ArgumentError
            A missing or extra key, a shape mismatch, or a non-finite gradient (its
            parameter and index are named); nothing is changed.
        OptimizerStateError
            A loaded state does not fit ``params``; nothing is changed.
        NonFiniteUpdateError
            The update overflowed; nothing is changed.
        """
        names = _check_params(params, grads)
        for name in names:
            # a state loaded without its parameters is checked against them once, here
            if name in self._unverified:
                self._check_state_shapes(name, self._state[name], params[name].shape)
            elif name in self._state and tuple(self._state[name]["shape"]) != params[name].shape:
                raise OptimizerStateError(
                    f"state[{name!r}] was built for shape {tuple(self._state[name]['shape'])} "
                    f"but params[{name!r}] has shape {params[name].shape}"
                )
        t = self._t + 1
        new_values: dict[str, np.ndarray] = {}
        new_states: dict[str, State] = {}
        diagnostics: dict[str, dict[str, Any]] = {}
        for name in names:
            # float32 and float64 parameters are computed in their own dtype, end to end
            # (state included); other float dtypes in float64
            work = working_dtype(params[name].dtype)
            p = _private_parameter(self, params[name], work)
            g = np.asarray(grads[name], dtype=work)
            state = self._state.get(name)
            if state is None:
                state = self._init_state(name, p)
            else:
                state = _state_in(name, state, work, loaded=name in self._unverified)
            self._current_diagnostics: dict[str, Any] = {}
            # overflow is caught below, with the parameter named; no stray warning
            with np.errstate(over="ignore", invalid="ignore"):
                try:
                    new_p, new_state = self._update(name, p, g, state, t)
                except NonFiniteUpdateError as exc:
                    raise type(exc)(f"params[{name!r}]: {exc}") from None
            # checked in the parameter's own dtype: a float32 parameter overflows sooner
            with np.errstate(over="ignore", invalid="ignore"):
                new_p = new_p.astype(params[name].dtype, copy=False)
            bad = ~np.isfinite(new_p)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise NonFiniteUpdateError(
                    f"the update of params[{name!r}] is not finite at index {idx}; "
                    "nothing was changed (lower the learning rate?)"
                )
            new_values[name] = new_p
            new_states[name] = new_state
            diagnostics[name] = self._current_diagnostics
        for name in names:
            params[name][...] = new_values[name]
        self._state.update(new_states)
        self._unverified.difference_update(names)
        self._t = t
        self.diagnostics = diagnostics

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data (a deep copy).

        Returns
        -------
        dict
            ``{"optimizer": name, "hyperparameters": {...}, "step": t,
            "state": {param_name: {key: array or value}}}``.
        """
        return {
            "optimizer": self.name,
            "hyperparameters": copy.deepcopy(self._hyper),
            "step": self._t,
            "state": {name: self._export_state(copy.deepcopy(st)) for name, st in
                      self._state.items()},
        }

    def _export_state(self, state: State) -> State:
        """A deep copy of one parameter's state, made complete for ``state_dict()``.

        Subclasses that keep part of an array current between steps (Pion keeps the
        upper block triangle of its moment matrices) complete it here.
        """
        return state

    def load_state_dict(
        self, state_dict: Mapping[str, Any], params: Mapping[str, np.ndarray] | None = None
    ) -> None:
        """Restore a state written by ``state_dict()`` of the same optimizer class.

        Parameters
        ----------
        state_dict : dict
            What ``state_dict()`` returned.
        params : dict, optional
            If given, every state array is checked against its parameter's shape now;
            otherwise it is checked at the next ``step`` (before anything changes).

        Raises
        ------
        OptimizerStateError
            Another optimizer, a missing or extra key, or an array of another shape (the
            key is named). The current state is kept.
        """
        if not isinstance(state_dict, Mapping):
            raise OptimizerStateError(f"state_dict must be a dict, got {type(state_dict).__name__}")
        for key in ("optimizer", "hyperparameters", "step", "state"):
            if key not in state_dict:
                raise OptimizerStateError(f"state_dict has no key {key!r}")
        if state_dict["optimizer"] != self.name:
            raise OptimizerStateError(
                f"state_dict['optimizer'] is {state_dict['optimizer']!r}, expected {self.name!r}"
            )
        hyper = state_dict["hyperparameters"]
        if not isinstance(hyper, Mapping) or set(hyper) != set(self._hyper):
            got = set(hyper) if isinstance(hyper, Mapping) else set()
            diff = sorted(got ^ set(self._hyper))
            raise OptimizerStateError(
                f"state_dict['hyperparameters'] does not match {self.name}: key "
                f"{diff[0] if diff else '?'!r}"
            )
        try:
            fresh = type(self)(**copy.deepcopy(dict(hyper)))
        except (ArgumentError, ArgumentTypeError, TypeError) as exc:
            raise OptimizerStateError(f"state_dict['hyperparameters']: {exc}") from exc
        step = state_dict["step"]
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise OptimizerStateError(f"state_dict['step'] must be an int >= 0, got {step!r}")
        states = state_dict["state"]
        if not isinstance(states, Mapping):
            raise OptimizerStateError("state_dict['state'] must be a dict of per-parameter states")
        for pname, st in states.items():
            if params is not None and pname not in params:
                raise OptimizerStateError(
                    f"state_dict['state'][{pname!r}] names no parameter in params"
                )
            template = fresh._template_state(pname, st, params)
            fresh._check_state_keys(pname, st, template)
            fresh._check_state_shapes(pname, st, fresh._shape_of(pname, st, params))
        for key, value in fresh.__dict__.items():
            if key not in ("_t", "_state", "diagnostics", "_unverified"):
                setattr(self, key, value)
        self._t = int(step)
        self._state = {k: copy.deepcopy(dict(v)) for k, v in states.items()}
        if params is not None:
            # as torch.optim does: a loaded state takes its parameter's dtype (float64
            # state kept a float32 parameter's steps in float64 for good)
            self._state = {k: _state_in(k, v, working_dtype(np.asarray(params[k]).dtype),
                                        loaded=True) for k, v in self._state.items()}
        self._unverified = set() if params is not None else set(self._state)

    # -- helpers ------------------------------------------------------------------
    def _template_state(
        self, pname: str, st: Any, params: Mapping[str, np.ndarray] | None
    ) -> State:
        if not isinstance(st, Mapping):
            raise OptimizerStateError(f"state_dict['state'][{pname!r}] must be a dict")
        shape = self._shape_of(pname, st, params)
        return self._init_state_for(pname, st, shape)

    def _init_state_for(self, pname: str, st: Mapping, shape: tuple[int, ...]) -> State:
        return self._init_state(pname, np.zeros(shape))

    def _shape_of(
        self, pname: str, st: Mapping, params: Mapping[str, np.ndarray] | None
    ) -> tuple[int, ...]:
        if params is not None and pname in params:
            return tuple(np.shape(params[pname]))
        if "shape" not in st:
            raise OptimizerStateError(f"state_dict['state'][{pname!r}] has no key 'shape'")
        return _stored_shape(pname, st["shape"])

    def _check_state_keys(self, pname: str, st: Mapping, template: State) -> None:
        missing = [k for k in template if k not in st]
        extra = [k for k in st if k not in template]
        if missing:
            raise OptimizerStateError(
                f"state_dict['state'][{pname!r}] has no key {missing[0]!r} "
                f"(expected keys {sorted(template)})"
            )
        if extra:
            raise OptimizerStateError(
                f"state_dict['state'][{pname!r}][{extra[0]!r}] is not a {self.name} state key "
                f"(expected keys {sorted(template)})"
            )
        for k, v in template.items():
            if isinstance(v, str) and st[k] != v:
                raise OptimizerStateError(
                    f"state_dict['state'][{pname!r}][{k!r}] is {st[k]!r}, expected {v!r}"
                )

    def _check_state_shapes(self, pname: str, st: Mapping, shape: tuple[int, ...]) -> None:
        # validated first: tuple(None) raised a bare TypeError when params were given
        if tuple(_stored_shape(pname, st.get("shape", shape))) != tuple(shape):
            raise OptimizerStateError(
                f"state[{pname!r}]['shape'] is {tuple(st['shape'])} but parameter {pname!r} "
                f"has shape {tuple(shape)}"
            )
        template = self._init_state_for(pname, st, shape)
        for k, v in template.items():
            if k == "step":
                # a step of -1 made Adam's bias correction 1 - b1^0 = 0 (ZeroDivisionError
                # at the next step), 2.7 was truncated, "x" failed inside int()
                count = st.get(k)
                if (isinstance(count, (bool, np.bool_))
                        or not isinstance(count, (int, np.integer)) or count < 0):
                    raise OptimizerStateError(
                        f"state[{pname!r}]['step'] must be an int >= 0 (the steps this "
                        f"parameter has taken), got {count!r}")
            if isinstance(v, np.ndarray):
                arr = st.get(k)
                if not isinstance(arr, np.ndarray):
                    raise OptimizerStateError(
                        f"state[{pname!r}][{k!r}] must be a numpy array, got {type(arr).__name__}"
                    )
                if arr.shape != v.shape:
                    raise OptimizerStateError(
                        f"state[{pname!r}][{k!r}] has shape {arr.shape}, expected {v.shape} "
                        f"for parameter {pname!r} of shape {tuple(shape)}"
                    )
                if arr.dtype.kind != "f":
                    # a complex moment dropped its imaginary part with only a warning
                    raise OptimizerStateError(
                        f"state[{pname!r}][{k!r}] is {arr.dtype}, expected a real "
                        "floating-point array")
                if not np.all(np.isfinite(arr)):
                    raise OptimizerStateError(f"state[{pname!r}][{k!r}] has a non-finite entry")
                if k in self._NONNEGATIVE_STATE and np.any(arr < 0):
                    # a negative second moment surfaced as "not finite ... lower the lr?"
                    raise OptimizerStateError(
                        f"state[{pname!r}][{k!r}] has a negative entry "
                        f"{float(arr[arr < 0].flat[0]):g}: it is a second moment (a running "
                        "mean of squared gradients), never below 0")
