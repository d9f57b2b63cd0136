"""Cost of one network call of the shipped demo prior: forward, forward keeping the autograd graph, and one VJP
(8 members, 64x64x7, bf16 autocast, 1 thread; medians of 5). Converts guidance counts (NFE, VJP) into time.

    python tests/benchmarks/bench_network_calls.py
"""
import time, torch
torch.set_num_threads(1)
from genda.train import load_prior
D = load_prior()
x = torch.randn(8, 7, 64, 64); s = torch.full((8,), 1.0)
def fwd():
    with torch.autocast("cpu", dtype=torch.bfloat16): return D(x, s)
for _ in range(2): fwd()
T = {"fwd": [], "fwd+graph": [], "vjp": []}
for _ in range(5):
    t = time.perf_counter(); 
    with torch.no_grad(): fwd()
    T["fwd"].append(time.perf_counter() - t)
    z = x.clone().requires_grad_(True)
    t = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16): out = D(z, s)
    T["fwd+graph"].append(time.perf_counter() - t)
    v = torch.randn_like(out)
    t = time.perf_counter(); g, = torch.autograd.grad(out, z, v, retain_graph=True); T["vjp"].append(time.perf_counter() - t)
med = {k: sorted(v)[2] for k, v in T.items()}
print({k: round(v, 3) for k, v in med.items()}, "vjp/fwd", round(med["vjp"] / med["fwd"], 2), "graph/fwd", round(med["fwd+graph"] / med["fwd"], 2))
