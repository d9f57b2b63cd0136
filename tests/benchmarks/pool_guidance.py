"""Pool bench_guidance runs of several day pairs: spread-skill and RMSE over all their days at once.

    python tests/benchmarks/pool_guidance.py /tmp/gbs1 /tmp/gbs2 /tmp/gbp2 --config default

Each folder is a bench_guidance --out folder; the runs `<config>-noswot-*` and `<config>-swot-*` in it are read
(genda.nc, truth.nc). Per-pair spread-skill from two days of 8 members moves by ±0.1 between pairs; pooling is the
estimate to judge calibration by.
"""
import argparse, glob
import numpy as np, xarray as xr
from genda.metrics import spread_skill

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

if __name__ == "__main__":
    main()
