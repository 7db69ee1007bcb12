"""Parameters of a compiled network: the flat vector and the named blocks ``W[u->v]``.

The flat vector is the concatenation of the blocks, each ``(size(u), size(v))`` and
row-major, ordered by target (layout order) and then source; entry ``[i, j]`` multiplies
neuron ``i`` of ``u`` into neuron ``j`` of ``v``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ResourceLimitError,
    as_float,
    as_generator,
    as_vector,
    did_you_mean,
    first_nonfinite,
)
from specproof.dag_nets.dtypes import cast_finite
from specproof.dag_nets.engines import Block, make_block
from specproof.dag_nets.errors import DtypeError, GraphError, WeightsError

DEFAULT_MAX_MEMORY = 1 << 30


def as_max_memory(value: Any) -> float:
    """``max_memory`` (bytes) as a finite number ``>= 0``; None means no limit (``inf``).

    A NaN compares false with every size, so it would let any allocation through; a
    negative limit means nothing. Zero is allowed: :func:`~specproof.dag_nets.ntk.ntk`
    then caches nothing (recomputes every block's signals).

    Examples
    --------
    >>> as_max_memory(2**20), as_max_memory(None)
    (1048576.0, inf)
    """
    if value is None:
        return math.inf
    return as_float(value, "max_memory (bytes, or None for no limit)", minimum=0.0)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit(limit: int | None) -> tuple[int, str] | None:
    """``(bytes, how it reads)``: ``limit`` itself, or by default half of the physical
    memory; None when that is unknown (then nothing is refused)."""
    if limit is not None:
        return limit, format_bytes(limit)
    phys = physical_memory()
    if phys is None:
        return None
    return phys // 2, f"half of this machine's {format_bytes(phys)}"


def format_bytes(nbytes: float) -> str:
    """``nbytes`` in the largest binary unit it reaches (``"74.5 GiB"``)."""
    if nbytes >= 2**1000:  # a Python int too large for a float
        return "more than 1e301 bytes"
    for unit, scale in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if nbytes >= scale:
            v = nbytes / scale
            return f"{v:.1f} {unit}" if v < 1e4 else f"{v:.2e} {unit}"
    return f"{nbytes / 2**10:.1f} KiB"


def _count(n: int) -> str:
    return f"{n:.3g}" if n < 2**1000 else "more than 1e301"


def check_network_memory(n_params: int, n_neurons: int, n_edges: int, itemsize: int,
                         standard: bool, limit: int | None = None) -> None:
    """Refuse, with :class:`~specproof.ResourceLimitError`, a network whose parameters and
    layout would need more than ``limit`` bytes (default: half of the physical memory,
    the limit sweeps use) before anything is allocated.

    The estimate counts the float64 draw of the parameters (and their copy in a float32
    network), the standard parameterisation's per-weight scales (two more float64
    arrays), ~64 bytes of index arrays per edge and ~32 bytes per neuron. The counts are
    Python ints, so sizes whose products exceed int64 are refused, not wrapped around.

    Examples
    --------
    >>> check_network_memory(10**12, 3 * 10**6, 2, 8, False, limit=2**30)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ResourceLimitError: the network has 1e+12 parameters (3e+06 neurons): they need about 7.3 TiB; the limit is 1.0 GiB: compile a smaller network
    """  # noqa: E501
    found = memory_limit(limit)
    if found is None:
        return
    limit, where = found
    per_param = 8 + (16 if standard else 0) + (itemsize if itemsize != 8 else 0)
    need = per_param * n_params + 64 * n_edges + 32 * n_neurons
    if need > limit:
        raise ResourceLimitError(
            f"the network has {_count(n_params)} parameters ({_count(n_neurons)} neurons): "
            "they "
            f"need about {format_bytes(need)}; the limit is {where}: compile a smaller "
            "network")


class ParamsMixin:
    """Parameter access for :class:`specproof.dag_nets.DagNet`."""

    def init_params(self, seed: Any = None) -> np.ndarray:
        """A fresh flat parameter vector drawn as the parameterisation prescribes.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1), seed=0)
        >>> bool(np.allclose(net.init_params(0), net.params))
        True
        """
        rng = as_generator(seed)
        try:
            w = rng.standard_normal(self.n_params)  # float64 draws: one seed, one network
            if self._param_std is not None:
                w *= self._param_std
            return w.astype(self.dtype, copy=False)
        except MemoryError as exc:  # under the estimate's limit, yet not free right now
            raise ResourceLimitError(
                f"the {self.n_params:.3g} parameters need {format_bytes(8 * self.n_params)} "
                f"that could not be allocated ({exc})") from exc

    @property
    def blocks(self) -> list[Block]:
        """The weight blocks in flat order (built on first use for neuron-level graphs)."""
        if self._blocks is None:
            nodes, eu, ev, su, sv, mu, mv, offs = self._edges
            self._blocks = [
                make_block(nodes[a], nodes[b], c, d, e, f, o)
                for a, b, c, d, e, f, o in zip(
                    eu.tolist(), ev.tolist(), su.tolist(), mu.tolist(), sv.tolist(),
                    mv.tolist(), offs.tolist()
                )
            ]
        return self._blocks

    @property
    def _block_index(self) -> dict:
        if not hasattr(self, "_block_index_cache"):
            self._block_index_cache = {(b.u, b.v): i for i, b in enumerate(self.blocks)}
        return self._block_index_cache

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector (a read-only view; set it with :meth:`set_params`)."""
        v = self._w.view()
        v.flags.writeable = False
        return v

    @params.setter
    def params(self, value: Any) -> None:
        self.set_params(value)

    def block_name(self, u: Hashable, v: Hashable) -> str:
        """The name ``"W[u->v]"`` of the weight block on edge ``(u, v)``.

        Nodes are written with ``str``, or with ``repr`` for every node when two nodes
        share a ``str`` (``1`` and ``"1"``) or a node's ``str`` contains ``"->"`` (edges
        ``("a->b", "c")`` and ``("a", "b->c")`` would both be ``W[a->b->c]``), so that
        names are unique. A graph whose names are not unique either way is refused
        (:class:`~specproof.dag_nets.errors.GraphError`) when names are first needed.
        """
        return f"W[{self._node_label(u)}->{self._node_label(v)}]"

    def _node_label(self, v: Hashable) -> str:
        if not hasattr(self, "_label"):
            self._label = self._choose_label()
        return self._label(v)

    def _choose_label(self) -> Any:
        # With every label distinct and none containing "->", "u->v" splits one way only
        # (an occurrence of "->" across the separator would need '-' or '>' to be both),
        # so names are unique without listing them; otherwise all names are checked
        nodes = list(self.graph.nodes)
        for label in (str, repr):
            texts = [label(n) for n in nodes]
            if len(set(texts)) == len(texts) and not any("->" in t for t in texts):
                return label
        clash = None
        for label in (str, repr):
            texts = {n: label(n) for n in nodes}
            if len(set(texts.values())) != len(texts):
                continue
            names: dict[str, tuple] = {}
            for u, w in self.graph.edges:
                name = f"W[{texts[u]}->{texts[w]}]"
                if names.setdefault(name, (u, w)) != (u, w):
                    clash = (names[name], (u, w), name)
                    break
            else:
                return label
        if clash is None:
            seen: dict[str, Hashable] = {}
            pair: tuple = ()
            for n in nodes:
                if repr(n) in seen:
                    pair = (seen[repr(n)], n)
                    break
                seen[repr(n)] = n
            raise GraphError(f"nodes {pair[0]!r} and {pair[1]!r} have the same str and the "
                             "same repr: their weight blocks cannot be named apart", pair)
        raise GraphError(
            f"edges {clash[0]!r} and {clash[1]!r} would both be named {clash[2]!r}, with "
            "str and with repr: rename nodes so that no name contains '->'",
            (*clash[0], *clash[1]))

    @property
    def bias_slices(self) -> dict[str, tuple[Hashable, slice]]:
        """``{"b[v]": (v, slice of the flat parameters)}`` for every non-input node, in
        flat order (empty without biases)."""
        if not self.n_biases:
            return {}
        ins = set(self.inputs)
        nodes = sorted((v for v in self.start if v not in ins), key=self.start.__getitem__)
        off = self.n_weights - self.n_inputs
        return {
            f"b[{self._node_label(v)}]":
            (v, slice(off + self.start[v], off + self.start[v] + self.sizes[v]))
            for v in nodes
        }

    @property
    def block_shapes(self) -> dict[str, tuple[int, int]]:
        """Block names ``"W[u->v]"`` in flat order, with shapes ``(size(u), size(v))``.

        Entry ``[i, j]`` of ``W[u->v]`` multiplies neuron ``i`` of ``u`` into neuron ``j``
        of ``v``; the flat vector is the concatenation of the blocks, each row-major.

        Examples
        --------
        >>> from specproof.dag_nets import compile, resnet
        >>> compile(resnet(4, depth=3, d_in=2)).block_shapes["W[h1->h3]"]
        (4, 4)
        >>> compile(resnet(4, depth=3, d_in=2), bias=0.1).block_shapes["b[h1]"]
        (4,)
        """
        shapes = {self.block_name(b.u, b.v): b.shape for b in self.blocks}
        shapes.update({k: (sl.stop - sl.start,) for k, (_, sl) in self.bias_slices.items()})
        return shapes

    def params_dict(self, params: Any = None) -> dict[str, np.ndarray]:
        """The parameters as named blocks ``{"W[u->v]": array of shape (m_u, m_v)}``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> {k: v.shape for k, v in compile(mlp(3, depth=1, d_in=2)).params_dict().items()}
        {'W[x->h1]': (2, 3), 'W[h1->y]': (3, 1)}
        """
        w = self._params(params)
        out = {
            self.block_name(b.u, b.v): w[b.off : b.off + b.size].reshape(b.shape).copy()
            for b in self.blocks
        }
        out.update({k: w[sl].copy() for k, (_, sl) in self.bias_slices.items()})
        return out

    def _resolve_block(self, key: Any) -> Block:
        if isinstance(key, tuple) and len(key) == 2 and key in self._block_index:
            return self.blocks[self._block_index[key]]
        if not hasattr(self, "_name_index"):
            names: dict[str, int] = {}
            for i, b in enumerate(self.blocks):
                names.setdefault(self.block_name(b.u, b.v), i)
            self._name_index = names
        if isinstance(key, str) and key in self._name_index:
            return self.blocks[self._name_index[key]]
        hint = did_you_mean(str(key), list(self._name_index)) if isinstance(key, str) else ""
        raise WeightsError(f"weights has a block {key!r} that is not an edge of the graph{hint}")

    def set_params(self, values: Any) -> ParamsMixin:
        """Set the parameters from a flat vector or from a dict of blocks; returns ``self``.

        A dict maps ``"W[u->v]"`` (or the edge tuple ``(u, v)``) to an array of shape
        ``(size(u), size(v))`` (a scalar is accepted for a 1 x 1 block), and ``"b[v]"``
        to the biases of node ``v`` (networks compiled with ``bias > 0``), and must give
        every block exactly once.

        Raises
        ------
        WeightsError
            Naming a missing, unknown or wrongly shaped block, a non-finite entry, or
            values that are not real numbers: complex (the cast to float would drop the
            imaginary part), text (it would be parsed) or booleans (a mask, not weights).

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(3, depth=1, d_in=2), seed=0)
        >>> net.set_params({"W[x->h1]": np.ones((2, 3)), "W[h1->y]": np.ones(3)})
        Traceback (most recent call last):
        ...
        specproof.dag_nets.errors.WeightsError: block W[h1->y] must have shape (3, 1), got (3,)
        """
        if isinstance(values, Mapping):
            w = np.empty(self.n_params, dtype=self.dtype)
            seen: dict[Any, Any] = {}
            biases = self.bias_slices
            for key, arr in values.items():
                if isinstance(key, str) and key in biases:
                    name, i, sl, shape = key, key, biases[key][1], (biases[key][1].stop -
                                                                    biases[key][1].start,)
                else:
                    b = self._resolve_block(key)
                    i = self._block_index[(b.u, b.v)]
                    name, sl, shape = self.block_name(b.u, b.v), slice(b.off, b.off + b.size), \
                        b.shape
                if i in seen:
                    raise WeightsError(f"weights gives block {name} twice ({seen[i]!r}, {key!r})")
                seen[i] = key
                try:
                    self._same_dtype(arr, f"block {name}")
                except DtypeError as exc:
                    raise WeightsError(str(exc)) from exc
                _real_numbers(arr, f"block {name}")
                try:
                    a64 = np.asarray(arr, dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise WeightsError(f"block {name} is not a numeric array: {exc}") from exc
                # non-finite input is named below; a finite one the cast overflowed here
                a = cast_finite(a64, self.dtype, f"block {name}", WeightsError) \
                    if np.isfinite(a64).all() else a64
                if a.shape != shape and not (a.shape == () and shape in ((1, 1), (1,))):
                    raise WeightsError(f"block {name} must have shape {shape}, got {a.shape}")
                bad = ~np.isfinite(a)
                if bad.any():
                    idx = tuple(int(t) for t in np.argwhere(bad)[0]) if a.ndim else ()
                    raise WeightsError(f"block {name} has a non-finite entry at index {idx}")
                w[sl] = a.reshape(-1)
            missing = [self.block_name(b.u, b.v) for i, b in enumerate(self.blocks)
                       if i not in seen] + [k for k in biases if k not in seen]
            if missing:
                more = f" ({len(missing)} in all)" if len(missing) > 8 else ""
                raise WeightsError(f"weights is missing blocks {missing[:8]}{more}")
            self._w = w
        else:
            _real_numbers(values, "params")
            try:
                self._same_dtype(values, "params")
                self._w = cast_finite(as_vector(values, self.n_params, "params"),
                                      self.dtype, "params").copy()
            except (ArgumentError, ArgumentTypeError) as exc:
                raise WeightsError(str(exc)) from exc
        return self

    def _params(self, params: Any) -> np.ndarray:
        if params is None:
            return self._w
        if isinstance(params, np.ndarray) and params.shape == (self.n_params,) and \
                params.dtype == self.dtype:
            first_nonfinite(params, "params")
            return np.ascontiguousarray(params)
        return self._array(params, "params", lambda v: as_vector(v, self.n_params, "params"))


def _real_numbers(values: Any, name: str) -> None:
    """Refuse weights that ``np.asarray(values, dtype=float64)`` would take silently:
    complex values (the imaginary part dropped), text (parsed: ``"1"`` became 1.0) and
    booleans (``True`` became 1.0), in an array, a list or an object array alike."""
    try:
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    except Exception:  # noqa: BLE001 - ragged input and the like: the cast names it
        return
    kind = arr.dtype.kind
    if kind == "O":
        # an object array of numbers (Fractions, sympy numbers) converts exactly; look
        # at its entries for the same three mistakes
        odd = next((v for v in arr.flat if isinstance(v, (str, bytes, bool, np.bool_,
                                                           complex, np.complexfloating))),
                   None)
        if odd is None:
            return
        kind = {str: "U", bytes: "S"}.get(type(odd), "b" if isinstance(
            odd, (bool, np.bool_)) else "c")
        what = f"an entry {odd!r}"
    else:
        what = f"dtype {arr.dtype}"
    if kind == "c":
        raise WeightsError(f"{name} must be real, got {what} (the imaginary part would be "
                           "dropped)")
    if kind in "USb":
        raise WeightsError(f"{name} must hold real numbers, got {what}"
                           + (" (booleans are a mask, not weights)" if kind == "b" else ""))
