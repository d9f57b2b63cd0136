"""Trajectories without a trained window network: `RunConfig(trajectory_prior="coupled")`, the daily prior on every day
coupled across days by a Gaussian of k consecutive days of some channels' f × f block means from the training crops
(`genda.sda.CoupledPrior`, `genda.experiment.COUPLING`). On a Gaussian world it is the exact window prior; on the demo
it is run on the 16-day OSSE of bench_window.py (the same observations: its --out folder's window-run settings) as one
trajectory, and its table printed beside that folder's day-by-day and window-network runs.

    python tests/benchmarks/bench_window.py --out results/bench-window        # first: the daily and window runs
    python tests/benchmarks/coupled_trajectory.py --out results/bench-window [--window 5] [--coarsen 2] [--iters 30] [--channels zos thetao]
    python tests/benchmarks/coupled_trajectory.py --out results/bench-window --ssh-sst-only --iters 10   # gaussian_trajectory.py's setting

--ssh-sst-only: only the run's SSH and SST observations (as tests/benchmarks/gaussian_trajectory.py and gaussian_window.py),
zos RMSE of the ensemble mean per day and over the run (--window 1: the daily prior alone, as a trajectory).
"""
import argparse, sys, time
from pathlib import Path
import pandas as pd, xarray as xr, torch
sys.path.insert(0, str(Path(__file__).parent))
from bench_window import VARS, METRICS


def ssh_sst_only(a, D):
    "gaussian_trajectory.py's setting (SSH and SST data only) with this prior: zos RMSE of the ensemble mean per day and over the run."
    from genda import data as gd
    from gaussian_trajectory import ssh_sst_setting, zos_trajectory
    zos_trajectory(D, ssh_sst_setting(a.out), a.window // 2, (len(gd.CHANNELS), 32, 32),
                   f"{a.window}-day coupled prior (daily network), SSH and SST data only, {a.iters} iterations",
                   members=a.members, cg_iters=a.iters)


def table(out, names):
    "bench_window.py's table for the daily and window runs of `out` and the runs `names`."
    cols = {}
    for n in ["daily", "window"] + names:
        m = pd.read_csv(Path(out) / n / "metrics.csv"); m = m[m.time.isna() & m.metric.isin(METRICS) & m.variable.isin(VARS)]
        for meth, g in m.groupby("method"):
            if meth == "genda" or n == "daily": cols[f"GenDA {n}" if meth == "genda" else meth] = g.set_index(["variable", "metric"]).value
    t = pd.DataFrame(cols).reindex([(v, k) for v in VARS for k in METRICS])
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(t.round(4).to_string())
    z, lx = t.loc[("zos", "rmse")], t.loc[("zos", "lambda_x_deg")]
    for n in names:
        c = f"GenDA {n}"
        print(f"{n}: zos RMSE / daily {z[c] / z['GenDA daily']:.3f} (target <= 0.8), / OI {z[c] / z['oi']:.3f} (<= 0.5); "
              f"lambda_x / OI {lx[c] / lx['oi']:.3f} (<= 0.5)")
        for f in sorted((Path(out) / n / "days").glob("*.nc"))[:1]:
            at = xr.open_dataset(f).attrs; L, n = int(at["trajectory_days"]), int(at["block_days"])
            print(f"  cost: {at['network_evaluations']} trajectory-denoiser evaluations (each {L} daily-network evaluations) and "
                  f"{at['vjps']} VJPs per member over the {L}-day trajectory; {at['seconds'] / n:.1f} s per day written (all members)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="results/bench-window"); p.add_argument("--window", type=int, default=5)
    p.add_argument("--crops", type=int, default=30000); p.add_argument("--channels", nargs="+", default=["zos", "thetao"])
    p.add_argument("--coarsen", type=int, default=2); p.add_argument("--iters", type=int, default=30)
    p.add_argument("--basis", default="blocks", help="blocks | dct (genda.sda.coarse)")
    p.add_argument("--threads", type=int, default=2); p.add_argument("--members", type=int, default=8)
    p.add_argument("--name", default=None); p.add_argument("--ssh-sst-only", action="store_true")
    p.add_argument("--table", nargs="*", default=None, help="only print the table of these runs in --out")
    a = p.parse_args(); torch.set_num_threads(a.threads)
    if a.table is not None: return table(a.out, a.table)
    import yaml
    from genda import experiment as ex
    ex.COUPLING.update(window=a.window, channels=tuple(a.channels), coarsen=a.coarsen, basis=a.basis, crops=a.crops, iters=a.iters)
    cfg = yaml.safe_load(open(Path(a.out) / "window" / "config.yaml"))
    keep = {k: v for k, v in cfg.items() if k in ex.RunConfig.__dataclass_fields__ and k not in ("out", "provenance")}
    name = a.name or f"coupled{a.window}-f{a.coarsen}{'' if a.basis == 'blocks' else a.basis}-it{a.iters}-" + "-".join(a.channels)
    rc = ex.RunConfig(**{**keep, "trajectory_prior": "coupled", "out": str(Path(a.out) / name)})
    t = time.time(); D = ex._prior(rc, rc.source)
    print(f"coupled prior: Gaussian of {a.window} days of {a.channels} {a.coarsen}x{a.coarsen} {a.basis} coarse values from {a.crops} crops, {time.time() - t:.0f} s", flush=True)
    if a.ssh_sst_only: return ssh_sst_only(a, D)
    t = time.time(); ex.run_osse(rc); print(f"{name}: {time.time() - t:.0f} s", flush=True)
    table(a.out, [name])


if __name__ == "__main__":
    main()
