"""Pool bench_guidance runs of several day pairs: spread-skill and RMSE over all their days at once.

    python tests/benchmarks/pool_guidance.py /tmp/gbs1 /tmp/gbs2 /tmp/gbp2 --config default

Each folder is a bench_guidance --out folder; the runs `<config>-noswot-*` and `<config>-swot-*` in it are read
(genda.nc, truth.nc). Per-pair spread-skill from two days of 8 members moves by ±0.1 between pairs; pooling is the
estimate to judge calibration by. Then, on every day with a SWOT pass, zos RMSE of the ensemble mean without -> with
SWOT inside the swath (pixels holding a SWOT point) and outside it: how much of SWOT's gain is its coverage.
"""
import argparse, glob
import numpy as np, xarray as xr
from genda.metrics import spread_skill
from genda.observe import load_obs, footprint

OCEAN = ["zos", "thetao", "so", "uo", "vo"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+"); p.add_argument("--config", default="default")
    a = p.parse_args()
    for swot in ("noswot", "swot"):
        runs = [glob.glob(f"{d}/{a.config}-{swot}-*")[0] for d in a.folders]
        ens = [xr.open_dataset(f"{f}/genda.nc") for f in runs]; tru = [xr.open_dataset(f"{f}/truth.nc") for f in runs]
        print(f"{swot} ({len(runs)} pairs):")
        for v in OCEAN:
            per = [float(spread_skill(e[v], t[v])) for e, t in zip(ens, tru)]
            e, t = xr.concat([e[v] for e in ens], "time"), xr.concat([t[v] for t in tru], "time")   # all days at once
            rmse = float(np.sqrt(((e.mean("member") - t) ** 2).mean()))
            print(f"  {v:<7} spread-skill pooled {float(spread_skill(e, t)):.2f} (pairs {min(per):.2f}-{max(per):.2f}), RMSE {rmse:.4g}")
    print("SWOT inside / outside its swath (zos RMSE without -> with SWOT):")
    for d in a.folders:
        rs, rn = glob.glob(f"{d}/{a.config}-swot-*")[0], glob.glob(f"{d}/{a.config}-noswot-*")[0]
        obs, tr = load_obs(f"{rs}/obs"), xr.open_dataset(f"{rs}/truth.nc")
        es, en = (xr.open_dataset(f"{r}/genda.nc").zos.mean("member") for r in (rs, rn))
        if "ssh_swot" not in obs: print(f"  {d}: no SWOT pass"); continue
        for day in tr.time.values:
            M = footprint(obs["ssh_swot"], day, tr).values
            if not M.any(): continue
            e_s, e_n = ((e.sel(time=day) - tr.zos.sel(time=day)).values for e in (es, en))
            r = lambda e, m: np.sqrt(np.nanmean(e[m] ** 2))
            print(f"  {str(day)[:10]}: swath covers {M.mean():.2f} of the tile; inside {r(e_n, M):.4f} -> {r(e_s, M):.4f}, "
                  f"outside {r(e_n, ~M):.4f} -> {r(e_s, ~M):.4f}, all {r(e_n, M | ~M):.4f} -> {r(e_s, M | ~M):.4f}")

if __name__ == "__main__":
    main()
