"""Networks on directed acyclic graphs: compile, NTK, Hessian norms, width sweeps."""
