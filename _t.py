import numpy as np, time, scipy.linalg as sla
rng=np.random.default_rng(0); n=512
A=rng.standard_normal((n,n)); B=rng.standard_normal((n,n)); M=np.eye(n)+0.1*(A-A.T)
def tm(f,k=5):
    f(); t=time.perf_counter()
    for _ in range(k): f()
    return (time.perf_counter()-t)/k*1e3
print("matmul", tm(lambda: A@B))
print("np.solve", tm(lambda: np.linalg.solve(M,B)))
print("sla.solve", tm(lambda: sla.solve(M,B,check_finite=False)))
print("lu_factor", tm(lambda: sla.lu_factor(M,check_finite=False)))
lu=sla.lu_factor(M)
print("lu_solve", tm(lambda: sla.lu_solve(lu,B,check_finite=False)))
print("sqrt/div", tm(lambda: -A/(np.sqrt(B*B)+1e-8)))
