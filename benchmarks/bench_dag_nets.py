"""Speed of dag_nets against torch.func on identical weights, in one process.

Run: ``python benchmarks/bench_dag_nets.py [--only a,b,c,d,e] [--threads N]``.

(a) empirical NTK, 3-hidden-layer erf MLP of width 1024, d0 = 10, 128 inputs, float64,
    against ``vmap(jacrev)`` + Jacobian contraction;
(b) the same for a DenseNet-style block DAG of comparable size;
(c) Hessian spectral norm of that MLP at one input, against torch HVPs
    (``jvp(grad)``) fed to the same ``eigsh`` call; also our own HVPs on all
    parameters fed to that ``eigsh`` (the like-for-like HVP comparison);
(d) forward + backward (loss and flat gradient) on a random neuron-level DAG with
    1e5 edges, batch 128, against the floor of one CSR product over all edges;
(e) peak memory (VmHWM of a fresh process) of the NTK of 1e4 inputs on the MLP;
(f) time per size: NTK and Hessian norm of erf MLPs of widths 256 ... 2048;
(g) float32 against float64: the NTK of the 3 x 1024 erf MLP at 2048 inputs (target: at
    most 0.6x the float64 time; accuracy: relative Frobenius distance, documented
    1e-5); neural-tangents' float32 structured-derivatives NTK as a reference when
    installed (``pip install "neural-tangents" "jax[cpu]"``), skipped with the reason
    otherwise;
(h) the analytic infinite-width NTK (``infinite_width_ntk``) of a DenseNet with 4 hidden
    nodes at 2048 inputs, erf and ReLU (target: at most 1 s), against the empirical NTK of
    the same inputs on the MLP of (g) as the in-process baseline.

BLAS and torch use ``--threads`` threads (default 1: on a shared machine more threads
make OpenBLAS spin and times meaningless), set before numpy is imported and held with
threadpoolctl around every measurement. Times are the best of ``--reps`` runs, wall
clock; the load average is printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys


def _threads() -> int:
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


# BLAS reads these once, at import: set them before numpy is imported.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(_threads())

import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.sparse.linalg import eigsh  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout: the package next to this script

from specproof import dag_nets as dn  # noqa: E402


def best_of(fn, reps: int):
    best, out = np.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def rel(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


def row(name: str, ours: float, ref: float | None, ref_name: str, err: str, target: str):
    ratio = f"{ref / ours:8.1f}x" if ref else "      - "
    refs = f"{ref:9.3f}" if ref else "        -"
    print(f"{name:<46} {ours:9.4f} {refs} {ratio} {ref_name:<26} {err:<14} {target}")


def bench_ntk(name, graph, reps, torch_chunk):
    from specproof.dag_nets.torch_reference import torch_ntk

    net = dn.compile(graph, activation="erf", seed=0)
    X = np.random.default_rng(1).standard_normal((128, net.n_inputs))
    t_ours, K = best_of(lambda: net.ntk(X), reps)
    t_ref, Kt = best_of(lambda: torch_ntk(net, X, chunk_size=torch_chunk), 1)
    row(f"{name} ({net.n_params / 1e6:.2f}M params)", t_ours, t_ref, "torch vmap(jacrev) J J^T",
        f"rel {rel(K, Kt):.1e}", ">= 30x, 1e-10")


def bench_hessian(reps):
    from specproof.dag_nets.torch_reference import torch_hvp_operator

    net = dn.compile(dn.mlp(1024, depth=3, d_in=10), activation="erf", seed=0)
    x = np.random.default_rng(2).standard_normal(10)
    t_ours, r = best_of(lambda: net.hessian_norm(x, tol=1e-10, seed=0), reps)
    op = torch_hvp_operator(net, x)
    v0 = np.random.default_rng(0).standard_normal(net.n_params)

    def torch_run():
        lam = eigsh(op, k=1, which="LM", v0=v0, tol=1e-10)[0]
        return abs(float(lam[0]))

    t_ref, lam_t = best_of(torch_run, 1)
    row(f"(c) hessian_norm MLP 3x1024 ({r.method}, dim {r.dim})", t_ours, t_ref,
        "torch jvp(grad) + eigsh", f"rel {abs(r.value - lam_t) / lam_t:.1e}", "ref/ours >= 2, 1e-8")
    ours_op = net.hessian_operator(x)

    def ours_full():
        return abs(float(eigsh(ours_op, k=1, which="LM", v0=v0, tol=1e-10)[0][0]))

    t_full, lam_f = best_of(ours_full, 1)
    row("  our HVPs, all params, same eigsh", t_full, t_ref, "torch jvp(grad) + eigsh",
        f"rel {abs(lam_f - lam_t) / lam_t:.1e}", "")
    v = np.random.default_rng(3).standard_normal(net.n_params)
    t_hvp, _ = best_of(lambda: ours_op.matvec(v), max(reps, 3))
    t_thvp, _ = best_of(lambda: op.matvec(v), 3)
    row("  one HVP (2.1M params)", t_hvp, t_thvp, "one torch jvp(grad)", "", "")
    print(f"    ||H|| = {r.value:.12g}, residual {r.residual:.1e}, {r.n_hvp} products "
          f"(reduced space) + 1 full HVP for the residual")


def bench_sparse(reps):
    import scipy.sparse as sp

    g = dn.random_dag(10_000, min_in_degree=10, n_inputs=32, seed=0)
    t_c, net = best_of(lambda: dn.compile(g, activation="tanh", seed=0), 1)
    X = np.random.default_rng(4).standard_normal((128, 32))
    Y = np.zeros((128, 1))
    t_fb, _ = best_of(lambda: net.loss_and_grad(X, Y), reps)
    idx = {v: i for i, v in enumerate(g.nodes)}
    E = np.array([(idx[v], idx[u]) for u, v in g.edges])
    M = sp.csr_matrix((np.ones(len(E)), (E[:, 0], E[:, 1])), shape=(len(idx), len(idx)))
    H = np.random.default_rng(5).standard_normal((len(idx), 128))
    t_floor, _ = best_of(lambda: M @ H, reps)
    row(f"(d) fwd+bwd DAG {g.number_of_edges()} edges, B=128", t_fb, t_floor,
        "one CSR product, all edges", f"{len(net.gen_rows)} layers", "< 0.1 s")
    t0 = time.process_time()
    for _ in range(reps):
        net.loss_and_grad(X, Y)
    cpu = (time.process_time() - t0) / reps
    print(f"    CPU time per fwd+bwd {cpu:.4f} s (wall above includes waiting for a shared "
          f"core); compile of that graph {t_c:.2f} s ({net.n_neurons} neurons)")


CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from specproof import dag_nets as dn

def hwm():  # peak resident memory of this process (VmHWM is reset by exec, ru_maxrss is not)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

net = dn.compile(dn.mlp(1024, depth=3, d_in=10), activation="erf", seed=0)
X = np.random.default_rng(0).standard_normal(({n}, 10))
base = hwm()
t = time.perf_counter(); K = net.ntk(X); t = time.perf_counter() - t
print(t, base, hwm(), K.nbytes, float(K[0, 0]))
"""


def bench_memory(n: int):
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), n=n)],
                         capture_output=True, text=True, check=True, env=os.environ.copy())
    t, base, peak, kb, _ = out.stdout.split()
    gib = 2.0**30
    row(f"(e) NTK of {n} inputs, MLP 3x1024", float(t), None, "",
        f"peak {float(peak) / gib:.2f} GiB", "< 4 GiB")
    print(f"    peak resident memory {float(peak) / gib:.2f} GiB (before the NTK "
          f"{float(base) / gib:.2f} GiB; the kernel itself {float(kb) / gib:.2f} GiB)")


def bench_sizes(reps: int):
    """Time per size: NTK of n inputs and Hessian norm at one input, erf MLPs of depth 3."""
    print("    sizes (erf MLP, depth 3, d0 = 10):")
    print(f"    {'width':>6} {'params':>9} {'NTK n=128 s':>12} {'NTK n=1000 s':>13} "
          f"{'||H|| s':>8} {'dim S':>6} {'products':>8}")
    for m in (256, 512, 1024, 2048):
        net = dn.compile(dn.mlp(m, depth=3, d_in=10), activation="erf", seed=0)
        X = np.random.default_rng(0).standard_normal((1000, 10))
        t1, _ = best_of(lambda net=net, X=X: net.ntk(X[:128]), reps)
        t2, _ = best_of(lambda net=net, X=X: net.ntk(X), 1)
        t3, r = best_of(lambda net=net, X=X: net.hessian_norm(X[0]), 1)
        print(f"    {m:>6} {net.n_params:>9} {t1:>12.3f} {t2:>13.3f} {t3:>8.3f} {r.dim:>6} "
              f"{r.n_hvp:>8}")


def bench_float32(reps: int):
    X = np.random.default_rng(3).standard_normal((2048, 10))
    g = dn.mlp(1024, depth=3, d_in=10)
    n64 = dn.compile(g, activation="erf", seed=0)
    n32 = dn.compile(g, activation="erf", seed=0, dtype=np.float32)
    t64, K64 = best_of(lambda: n64.ntk(X), reps)
    t32, K32 = best_of(lambda: n32.ntk(X.astype(np.float32)), reps)
    row("(g) NTK MLP 3x1024, 2048 inputs, float32", t32, t64, "ours, float64",
        f"rel {rel(K32, K64):.1e}", "<= 0.6x float64")
    print(f"    float32 / float64 time: {t32 / t64:.2f} (K32 dtype {K32.dtype})")
    try:
        import jax  # noqa: F401
        import neural_tangents as nt
    except ImportError as exc:
        print(f"    neural-tangents reference skipped: {exc.name} is not installed "
              "(pip install neural-tangents 'jax[cpu]')")
        return t64
    import jax.numpy as jnp

    P = n32.params_dict()
    Ws = [jnp.asarray(P[k]) for k in ("W[x->h1]", "W[h1->h2]", "W[h2->h3]", "W[h3->y]")]

    def f(params, x):
        a = x
        for W in params[:-1]:
            a = jax.scipy.special.erf(a @ W / np.sqrt(W.shape[0]))
        return a @ params[-1] / np.sqrt(params[-1].shape[0])

    kfn = nt.empirical_ntk_fn(f, trace_axes=(), implementation=3)  # structured derivatives
    Xj = jnp.asarray(X, dtype=jnp.float32)
    t_nt, Knt = best_of(lambda: np.asarray(kfn(Xj, None, Ws)).reshape(2048, 2048), reps)
    row("    neural-tangents float32 (structured)", t32, t_nt, "neural-tangents f32",
        f"rel {rel(K32, Knt):.1e}", "<= 1x neural-tangents")
    return t64


def bench_limit(reps: int, t_ntk: float | None):
    X = np.random.default_rng(4).standard_normal((2048, 10))
    g = dn.densenet(64, depth=4, d_in=10)  # the width enters only through proportions
    wide = dn.densenet(1024, depth=4, d_in=10)
    for act in ("erf", "relu"):
        t, T = best_of(lambda act=act: dn.infinite_width_ntk(g, X, activation=act), reps)
        # agreement: the empirical NTK of a width-1024 DenseNet on 64 of the inputs
        Tw = dn.infinite_width_ntk(wide, X[:64], activation=act)
        K = dn.compile(wide, activation=act, seed=0).ntk(X[:64])
        row(f"(h) limit NTK DenseNet depth 4, 2048 inputs, {act}", t, t_ntk,
            "empirical NTK of (g) f64", f"m=1024: {rel(K, Tw):.1e}", "<= 1 s")
        assert np.all(np.isfinite(T))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="a,b,c,d,e,f,g,h")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ntk-inputs", type=int, default=10_000)
    ap.add_argument("--torch-chunk", type=int, default=32,
                    help="vmap chunk_size of the torch Jacobian (bounds its memory)")
    a = ap.parse_args()
    only = set(a.only.split(","))
    try:
        import torch

        torch.set_num_threads(a.threads)
        tv = torch.__version__
    except ImportError:
        tv = None
        only -= {"a", "b", "c"}
        print("torch is not installed: rows a-c skipped (pip install torch==2.13.0)")
    print(f"dag_nets benchmarks: numpy {np.__version__}, torch {tv}, {a.threads} thread(s), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    W = np.random.default_rng(9).standard_normal((1024, 1024))
    B = np.random.default_rng(9).standard_normal((1024, 128))
    t_mm, _ = best_of(lambda: W @ B, 5)
    print(f"calibration: dgemm 1024x1024 @ 1024x128 takes {t_mm * 1e3:.1f} ms here "
          f"({2 * 1024 * 1024 * 128 / t_mm / 1e9:.1f} GFlop/s; an idle AVX2 core does 30-50)")
    print(f"{'case':<46} {'ours s':>9} {'ref s':>9} {'ref/ours':>9} {'reference':<26} "
          f"{'agreement':<14} target")
    if "a" in only:
        bench_ntk("(a) NTK MLP 3x1024, 128 inputs", dn.mlp(1024, depth=3, d_in=10), a.reps,
                  a.torch_chunk)
    if "b" in only:
        bench_ntk("(b) NTK DenseNet 3x768", dn.densenet(768, depth=3, d_in=10), a.reps,
                  a.torch_chunk)
    if "c" in only:
        bench_hessian(a.reps)
    if "d" in only:
        bench_sparse(a.reps)
    if "e" in only:
        bench_memory(a.ntk_inputs)
    if "f" in only:
        bench_sizes(a.reps)
    t64 = None
    if "g" in only:
        t64 = bench_float32(a.reps)
    if "h" in only:
        bench_limit(a.reps, t64)
    print(f"load average at the end {os.getloadavg()[0]:.1f}; ru_maxrss of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=_threads()):
        main()
