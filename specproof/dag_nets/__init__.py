"""Networks on directed acyclic graphs: compile, NTK, Hessian norms.

Build an architecture as a ``networkx.DiGraph`` (or with a builder), compile it, then
ask for outputs, gradients, the empirical NTK and the Hessian spectral norm. See
``docs/dag_nets.md``.

Examples
--------
>>> import numpy as np
>>> from specproof import dag_nets
>>> net = dag_nets.compile(dag_nets.densenet(32, depth=3, d_in=4), activation="erf", seed=0)
>>> X = np.random.default_rng(0).standard_normal((6, 4))
>>> net.ntk(X).shape, net.hessian_norm(X[0]).ok
((6, 6), True)
"""

from specproof.dag_nets.activations import ACTIVATIONS, Activation, get_activation, leaky_relu
from specproof.dag_nets.builders import (
    bottleneck,
    densenet,
    mlp,
    random_block_dag,
    random_dag,
    read_graphml,
    resnet,
    to_neurons,
)
from specproof.dag_nets.errors import (
    ActivationError,
    CycleError,
    DtypeError,
    GraphError,
    InputShapeError,
    NotSmoothError,
    UnfittableError,
    WeightsError,
)
from specproof.dag_nets.hessian import HessianNorm
from specproof.dag_nets.kernels import dual
from specproof.dag_nets.limit import (
    InfiniteWidthKernels,
    infinite_width_kernels,
    infinite_width_ntk,
    nngp_kernel,
)
from specproof.dag_nets.network import DagNet, compile
from specproof.dag_nets.oracles import (
    mlp_infinite_width_ntk,
    mlp_nngp_kernel,
    two_layer_hessian_norm,
)
from specproof.dag_nets.structure import Structure, analyse, layers, width

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ActivationError",
    "CycleError",
    "DagNet",
    "DtypeError",
    "GraphError",
    "HessianNorm",
    "InfiniteWidthKernels",
    "InputShapeError",
    "NotSmoothError",
    "Structure",
    "UnfittableError",
    "WeightsError",
    "analyse",
    "bottleneck",
    "compile",
    "densenet",
    "dual",
    "get_activation",
    "infinite_width_kernels",
    "infinite_width_ntk",
    "layers",
    "leaky_relu",
    "mlp",
    "mlp_infinite_width_ntk",
    "mlp_nngp_kernel",
    "nngp_kernel",
    "random_block_dag",
    "random_dag",
    "read_graphml",
    "resnet",
    "to_neurons",
    "two_layer_hessian_norm",
    "width",
]

# Training, measurements and width sweeps (run on top of the compiled network above).
from specproof.dag_nets.discriminator import MLPDiscriminator  # noqa: E402
from specproof.dag_nets.executors import (  # noqa: E402
    MissingDependencyError,
    local_dask_executor,
    open_executor,
)
from specproof.dag_nets.measures import (  # noqa: E402
    MEASURES,
    build_graph,
    kernel_spread,
    measurement_config,
    random_layered_dag,
)
from specproof.dag_nets.sweep import (  # noqa: E402
    SweepInterrupted,
    SweepPoint,
    SweepPointError,
    WidthSweep,
    width_sweep,
)
from specproof.dag_nets.training import TrainingRecord, TrainingRun, train  # noqa: E402

__all__ += [
    "MEASURES",
    "MLPDiscriminator",
    "MissingDependencyError",
    "SweepInterrupted",
    "SweepPoint",
    "SweepPointError",
    "TrainingRecord",
    "TrainingRun",
    "WidthSweep",
    "build_graph",
    "kernel_spread",
    "local_dask_executor",
    "measurement_config",
    "open_executor",
    "random_layered_dag",
    "train",
    "width_sweep",
]
