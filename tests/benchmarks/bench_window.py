"""Multi-day GenDA (issue 13): one OSSE assimilated day by day with the daily prior, and the same days (same
observations: same seed) as one trajectory with the 5-day window prior; OI and U-Net on the same days.

Prints, per variable and method: RMSE of the mean, µ (2020a), λx (deg), λt (days), CRPS, spread-skill; the day-to-day
tendency ratio (isotropic spectrum of x(t+1) − x(t) of each member over the truth's, by thirds of the wavenumbers:
1 = the truth's temporal coherence); and the cost per assimilated day (network evaluations, VJPs, seconds).

    python tests/benchmarks/bench_window.py                      # 16 days from 2012-07-03, 8 members, default steps (16 day by day, 24 trajectories)
    python tests/benchmarks/bench_window.py --days 8 --members 4 --quick-steps
    python tests/benchmarks/bench_window.py --blocks 8 --seams-only --members 4   # chained vs independent 8-day trajectories

Runs are kept in --out (default results/bench-window) and resume where they stopped.
"""
import argparse, time
from pathlib import Path
import numpy as np, pandas as pd, xarray as xr

VARS = ["zos", "thetao", "so", "uo", "vo"]
METRICS = ["rmse", "mu_2020a", "lambda_x_deg", "lambda_t_days", "crps", "spread_skill"]


def runs(a):
    from genda.experiment import RunConfig, run_osse
    base = dict(start=a.start, days=a.days, members=a.members, steps=a.steps, seed=a.seed, threads=a.threads, swot=a.swot)
    if a.inflation is not None: base["inflation"] = a.inflation
    out, secs = {}, {}
    confs = [] if a.seams_only else [("daily", dict(trajectory=0, baselines=("oi", "unet"))),
                                     ("window", dict(trajectory=a.trajectory or a.days, baselines=(),
                                                     **({"trajectory_prior": a.trajectory_prior} if a.trajectory_prior else {})))]
    if a.blocks:  # chained (the default) and independent trajectories of a.blocks days
        confs += [(f"blocks{a.blocks}", dict(trajectory=a.blocks, baselines=())),
                  (f"blocks{a.blocks}-independent", dict(trajectory=a.blocks, chain=0., baselines=()))]
    for name, kw in confs:
        path = Path(a.out) / name
        t = time.time()
        out[name] = run_osse(RunConfig(**base, **kw, out=str(path)))
        secs[name] = time.time() - t
        print(f"{name}: {secs[name]:.0f} s (this call; 0 if resumed complete)", flush=True)
    return out


def cost(run):
    "Per assimilated day and member: network evaluations (window evaluations for a trajectory), VJPs, seconds."
    rows = []
    for f in sorted((Path(run) / "days").glob("*.nc")):
        at = xr.open_dataset(f).attrs
        L, k = int(at.get("trajectory_days", 1)), int(at.get("window_days", 1))
        n = int(at.get("block_days", L))          # days written by that trajectory (it is padded by k // 2 days each side)
        J = L - k + 1 if L > 1 else 1
        rows.append(dict(nfe=at["network_evaluations"] * J / n, vjp=at["vjps"] * J / n, seconds=at["seconds"] / n))
    return pd.DataFrame(rows).mean()


def seams(r, n):
    """Seams between consecutive trajectories of n days, per pair of consecutive days: the RMS day-to-day change of zos
    of each member over the truth's, and the lag-1 correlation of the members' anomalies (member minus ensemble mean):
    near its value inside a trajectory when members continue across the boundary, near 0 when they are independent."""
    from genda.experiment import blocks
    truth = xr.open_dataset(Path(next(iter(r.values()))) / "truth.nc")
    dz = truth.zos.diff("time"); rt = np.sqrt((dz ** 2).mean(["latitude", "longitude"]))
    rows, rep = {}, []
    for name in r:
        ds = xr.open_dataset(Path(r[name]) / "genda.nc"); e = ds.zos
        ch = (np.sqrt((e.diff("time") ** 2).mean(["latitude", "longitude", "member"])) / rt).values
        an = (e - e.mean("member")).fillna(0.).values; a0, a1 = an[:, :-1], an[:, 1:]
        cor = (a0 * a1).sum((0, 2, 3)) / np.sqrt((a0 ** 2).sum((0, 2, 3)) * (a1 ** 2).sum((0, 2, 3)))
        rows[(name, "change / truth")], rows[(name, "anomaly lag-1 corr")] = ch, cor
        if name.startswith("blocks"):  # the pairs that straddle two trajectories (a short remainder joins the last one)
            ends = np.cumsum([len(b) for b in blocks(range(len(ch) + 1), n, int(ds.attrs["window_days"]))])[:-1]
            at = np.isin(np.arange(len(ch)), ends - 1)
            rep.append(f"{name}: change/truth at boundaries {ch[at].mean():.2f}, inside {ch[~at].mean():.2f}; "
                       f"anomaly lag-1 corr at boundaries {cor[at].mean():.2f}, inside {cor[~at].mean():.2f}")
    print("\nseams, for every pair of consecutive days (zos):")
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(pd.DataFrame(rows, index=[str(pd.Timestamp(t).date()) for t in dz.time.values]).T.round(2).to_string())
    print("\n".join(rep))


def main(argv=None):
    p = argparse.ArgumentParser(prog="bench_window")
    p.add_argument("--start", default="2012-07-03"); p.add_argument("--days", type=int, default=16)
    p.add_argument("--members", type=int, default=8); p.add_argument("--steps", type=int, default=None, help="sampler steps (default: genda.sda.default_steps)")
    p.add_argument("--trajectory", type=int, default=0, help="days per trajectory (0: the whole run)")
    p.add_argument("--blocks", type=int, default=0, help="also run trajectories of this many days, to measure the seams between them")
    p.add_argument("--swot", action="store_true"); p.add_argument("--seed", type=int, default=0)
    p.add_argument("--inflation", type=float, default=None, help="prior inflation (default: RunConfig's)")
    p.add_argument("--trajectory-prior", default=None, help="coupled | window (default: RunConfig's); the run folder 'window' holds the trajectory run whichever it is")
    p.add_argument("--threads", type=int, default=None); p.add_argument("--out", default="results/bench-window")
    p.add_argument("--seams-only", action="store_true", help="with --blocks: only the chained and independent block runs and their seams")
    p.add_argument("--quick", action="store_true", help="8 days, 4 members, 8 steps (a smoke run)")
    a = p.parse_args(argv)
    if a.quick: a.days, a.members, a.steps = 8, 4, 8
    from genda.metrics import tendency_ratio
    r = runs(a)
    if a.blocks: seams(r, a.blocks)
    if a.seams_only: return
    m = pd.concat([pd.read_csv(Path(r["daily"]) / "metrics.csv").replace({"method": {"genda": "GenDA daily"}}),
                   pd.read_csv(Path(r["window"]) / "metrics.csv").replace({"method": {"genda": "GenDA window"}})])
    m = m[m["time"].isna() & m.metric.isin(METRICS) & m.variable.isin(VARS)]
    tab = m.pivot_table(index=["variable", "metric"], columns="method", values="value")
    tab = tab.reindex([(v, k) for v in VARS for k in METRICS]).dropna(how="all")
    cols = [c for c in ("GenDA window", "GenDA daily", "oi", "unet") if c in tab.columns]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"\n{a.days}-day OSSE from {a.start}, {a.members} members, {a.steps or 'default'} steps{', SWOT' if a.swot else ''}")
        print(tab[cols].round(4).to_string())
        zr = tab.loc[("zos", "rmse")]
        print(f"\nzos RMSE ratios: window/daily {zr['GenDA window'] / zr['GenDA daily']:.3f} (target <= 0.8), "
              f"window/OI {zr['GenDA window'] / zr['oi']:.3f} (target <= 0.5)")
        lx = tab.loc[("zos", "lambda_x_deg")]
        print(f"zos lambda_x window/OI {lx['GenDA window'] / lx['oi']:.3f} (target <= 0.5)")
        truth = xr.open_dataset(Path(r["daily"]) / "truth.nc")
        ests = {"GenDA window": Path(r["window"]) / "genda.nc", "GenDA daily": Path(r["daily"]) / "genda.nc",
                "oi": Path(r["daily"]) / "oi.nc", "unet": Path(r["daily"]) / "unet.nc"}
        rows = {}
        for name, f in ests.items():
            if not f.exists(): continue
            e = xr.open_dataset(f)
            for v in ("zos", "thetao", "uo"):
                if v not in e: continue
                tr = tendency_ratio(e[v], truth[v]).values
                b = np.array_split(np.arange(len(tr)), 3)
                rows[(v, name)] = {f"tendency ratio {n}": float(np.exp(np.log(tr[i]).mean())) for n, i in zip(("large", "mid", "small"), b)}
        print("\nday-to-day tendency spectrum, estimate (each member) / truth, geometric mean per third of the wavenumbers:")
        print(pd.DataFrame(rows).T.round(3).to_string())
        c = pd.DataFrame({"GenDA daily": cost(r["daily"]), "GenDA window": cost(r["window"])}).T
        print("\ncost per assimilated day and member (window: evaluations of the trajectory denoiser, each one network call per window or day):")
        print(c.round(2).to_string())


if __name__ == "__main__":
    main()
