"""Guidance under dense, precise data on the shipped demo prior: does adding SWOT help GenDA, does a larger solver
budget ever hurt, is the ensemble calibrated, and what does it cost (issue: robust guidance).

Each configuration is a whole OSSE (`genda.experiment.run_osse`: the default observation errors, super-observations,
OI baseline) over the same days, with and without SWOT; the table gives zos RMSE of the ensemble mean, zos CRPS,
spread-skill on the ocean channels, OI's zos RMSE, and per member and day the network evaluations, VJPs and seconds.

    python tests/benchmarks/bench_guidance.py                         # default set (a few hours on 2 busy cores)
    python tests/benchmarks/bench_guidance.py --configs default,gmres30 --days 2 --members 8
    python tests/benchmarks/bench_guidance.py --quick                 # 1 day, 4 members, default + cg3 only

Runs are kept in --out (default /tmp/genda-bench-guidance) and resumed, so an interrupted benchmark continues.
"""
import argparse, json, time
from pathlib import Path
import numpy as np, pandas as pd, xarray as xr

CONFIGS = {  # name -> RunConfig overrides
    "default": dict(),                                                  # MMPS, preconditioned gmres 10, tol 3e-3, warm starts, correlated R
    "pixels": dict(correlated=False),                                   # correlated gridded errors taken as independent per pixel
    "blocks": dict(blocks=1),                                           # ... as block means of one correlation length (observation model 2)
    "noswathmodes": dict(swath_modes=False),                            # each SWOT super-observation's correlated error on its own
    "blocks15": dict(blocks=1.5),                                       # block means over 1.5 correlation lengths
    "blocks2": dict(blocks=2),                                          # ... over 2
    "cg3-old": dict(solver="cg", cg_iters=3),                           # the previous default's solver budget
    "gmres3": dict(cg_iters=3),
    "gmres30": dict(cg_iters=30),
    "noprecond": dict(precond=False),                                   # the Krylov solve without the preconditioner
    "mmps24": dict(steps=24),                                           # the previous default's steps
    "cg10": dict(solver="cg", cg_iters=10),
    "sda256": dict(method="sda", steps=256),                            # the study's configuration
    "mmps16": dict(steps=16),                                           # cheaper MMPS settings (cost against the study's)
    "mmps16-g5": dict(steps=16, cg_iters=5),
    "mmps16-g3": dict(steps=16, cg_iters=3),
    "dps": dict(method="dps", steps=64),
}
OCEAN = ["zos", "thetao", "so", "uo", "vo", "uas", "vas"]  # spread-skill columns (the winds too)
RMSE = ["thetao", "so", "uas", "vas"]  # RMSE columns besides zos


def run(name, swot, a):
    from genda.experiment import RunConfig, run_osse
    kw = dict(start=a.start, days=a.days, members=a.members, steps=a.steps, swot=swot, baselines=("oi",), seed=a.seed,
              threads=a.threads)
    kw.update(CONFIGS[name])
    if a.prior: kw["prior"] = a.prior
    if a.inflation != 1: kw["inflation"] = a.inflation
    tag = f"-infl{a.inflation:g}" if a.inflation != 1 else ""
    out = Path(a.out) / f"{name}-{'swot' if swot else 'noswot'}-{a.days}d{a.members}m{kw['steps']}s-seed{a.seed}{tag}"
    t = time.time()
    try:
        run_osse(RunConfig(**kw, out=str(out)))
    except FloatingPointError as e:
        return dict(config=name, swot=swot, error=str(e)[:80])
    m = pd.read_csv(out / "metrics.csv")
    m = m[m["time"].isna()] if "time" in m else m
    def val(meth, var, metric):
        r = m[(m.method == meth) & (m.variable == var) & (m.metric == metric)]
        return float(r.value.iloc[0]) if len(r) else np.nan
    days = sorted((out / "days").glob("*.nc"))
    at = [xr.open_dataset(p).attrs for p in days]
    row = dict(config=name, swot=swot, zos_rmse=val("genda", "zos", "rmse"), zos_crps=val("genda", "zos", "crps"),
               oi_zos_rmse=val("oi", "zos", "rmse"),
               **{f"ss_{v}": val("genda", v, "spread_skill") for v in OCEAN},
               **{f"{v}_rmse": val("genda", v, "rmse") for v in RMSE},
               nfe=np.mean([x.get("network_evaluations", np.nan) for x in at]),
               vjp=np.mean([x.get("vjps", np.nan) for x in at]),
               s_per_member_day=np.mean([x.get("seconds", np.nan) for x in at]) / a.members,
               wall=round(time.time() - t))
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default="default,cg3-old,gmres3,gmres30,cg10,sda256,dps")
    p.add_argument("--start", default="2012-07-03"); p.add_argument("--days", type=int, default=2)
    p.add_argument("--members", type=int, default=8); p.add_argument("--steps", type=int, default=16)
    p.add_argument("--seed", type=int, default=0); p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default="/tmp/genda-bench-guidance")
    p.add_argument("--prior", default=None, help="another daily prior file (the run refuses one trained on other statistics; "
                   "GENDA_CATALOG selects a catalog whose `season:` matches an older prior)")
    p.add_argument("--inflation", type=float, default=1.0, help="prior inflation (RunConfig.inflation) of every config")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    if a.quick: a.days, a.members, a.configs = 1, 4, "default,cg3-old"
    rows = [run(c, s, a) for c in a.configs.split(",") for s in (False, True)]
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200); pd.set_option("display.max_columns", 30)
    print(df.round(4).to_string(index=False))
    if "zos_rmse" in df:
        for c in df.config.unique():
            d = df[df.config == c].set_index("swot")
            if {False, True} <= set(d.index):
                print(f"{c}: zos RMSE with SWOT / without = {d.zos_rmse[True] / d.zos_rmse[False]:.3f}; "
                      f"with SWOT GenDA / OI = {d.zos_rmse[True] / d.oi_zos_rmse[True]:.3f}")


if __name__ == "__main__":
    main()
