"""Claims of Zhu, Liu, Belkin, *Transition to linearity of general neural networks with
directed acyclic graph architecture* (NeurIPS 2022, arXiv 2205.11786).

The network model, the formulas and the reference measurements are in
``docs/dag_nets.md``. Width sweeps use :func:`specproof.dag_nets.width_sweep`; every
statistical claim fits the log-log slope against the width with a bootstrap interval over
seeds and judges the point estimate against a fixed interval.

- ``zhu-dag.hessian-scaling`` (Thm 3.6 at w_0): ``||H_f(w_0)||`` decays like ``1/sqrt(m)``
  for MLP, ResNet skips, DenseNet and random neuron-level DAGs.
- ``zhu-dag.ntk-change``: the relative NTK change after gradient descent decays.
- ``zhu-dag.ntk-limit``: the empirical NTK converges to the analytic kernel like
  ``1/sqrt(m)``.
- ``zhu-dag.linearization`` (Cor 3.7): ``|f - f_lin|`` on the ball of radius R decays like
  ``1/sqrt(m)``.
- ``zhu-dag.bottleneck``: the width that matters is the minimum in-degree.
- ``zhu-dag.zero-hessian`` (Remark 3.9): pre-activations of layers 0 and 1 have an
  exactly zero Hessian (sympy).
"""

from specproof.claims import Paper

PAPER = Paper(
    key="zhu-dag",
    title="Transition to linearity of general neural networks with directed acyclic graph "
    "architecture",
    authors="L. Zhu, C. Liu, M. Belkin",
    venue="NeurIPS 2022",
    url="https://arxiv.org/abs/2205.11786",
)

__all__ = ["PAPER"]
