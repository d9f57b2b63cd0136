"""MMPS on the shipped demo prior: zos RMSE of the ensemble mean against the number of CG iterations, with and
without SWOT (one day, 2012-07-03, the OSSE's auto tile, 16 steps, 8 members). A diagnostic for the finding that
more CG iterations can make a trained prior's guidance worse (its Jacobian is not exactly SPD).

    python tests/benchmarks/bench_cg_density.py noswot "((1, None), (3, None), (5, None), (10, None))"
    python tests/benchmarks/bench_cg_density.py swot "((3, torch.bfloat16), (7, None))"

Each pair is (CG iterations, autocast dtype of the network: torch.bfloat16 or None for fp32).
"""
import time, numpy as np, pandas as pd, torch
from genda import data, observe, sda
from genda.experiment import RunConfig, select_tile, simulate_obs
from genda.train import load_prior
import sys  # argv: swot|noswot, then the (cg, amp) pairs
cfg = RunConfig(start="2012-07-03", days=1, members=8, steps=16, swot=sys.argv[1] == "swot", baselines=())
norm, stats = data.prepared("demo"); raw = data.open_source("demo")
prior = load_prior()
win = select_tile(raw.sel(time=slice("2012-06-28", "2012-07-08")), prior.img_size, "auto").load()
st = stats.sel(latitude=win.latitude, longitude=win.longitude)
obs = simulate_obs(cfg, win)
d = pd.Timestamp("2012-07-03"); day = win.sel(time=d)
A = observe.build_operator(obs, d, day, st)
print("M =", len(A.y))
for cg, amp in eval(sys.argv[2]):
    t = time.time()
    try:
        ens = sda.assimilate(prior, A, st, day, d, members=8, method="mmps", steps=16, cg_iters=cg, amp=amp, seed=0, progress=False)
        r = float(np.sqrt(((ens.zos.mean("member") - day.zos) ** 2).mean()))
    except FloatingPointError as e: r = f"diverged ({e.args[0][:40]})"
    print(f"cg {cg:2d} amp {str(amp):14s} zos RMSE {r} ({time.time() - t:.0f} s)", flush=True)
