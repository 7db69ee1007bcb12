"""How a figure names each built-in measure: the quantity in math, not the module path.

Shared by the ``specproof ntk`` figure and :meth:`WidthSweep.plot`, and imports nothing
of the package (the sweep result may not import the measures, which import it).
"""

from __future__ import annotations

MEASURE_LABELS = {
    "hessian": r"$\|H_f(w_0)\|_2$",
    "ntk-change": r"$\|K_T - K_0\|_F / \|K_0\|_F$",
    "kernel-error": r"$\|K - \Theta\|_F / \|\Theta\|_F$",
    "ntk": r"$\|K - \Theta\|_F / \|\Theta\|_F$",
    "linearization": r"$\max |f(w) - f_{\mathrm{lin}}(w)|$",
}

# the module under which a sweep records a built-in measure ("...measures.ntk_change")
_BUILTIN_PREFIX = "specproof.dag_nets.measures."


def measure_label(measure: str) -> str:
    """The label of a measure given by its key or its recorded name; other names as given.

    Examples
    --------
    >>> measure_label("specproof.dag_nets.measures.ntk_change")
    '$\\\\|K_T - K_0\\\\|_F / \\\\|K_0\\\\|_F$'
    >>> measure_label("mymodule.sharpness")
    'mymodule.sharpness'
    """
    key = measure.removeprefix(_BUILTIN_PREFIX).replace("_", "-") \
        if measure.startswith(_BUILTIN_PREFIX) else measure
    return MEASURE_LABELS.get(key, measure)


__all__ = ["MEASURE_LABELS", "measure_label"]
