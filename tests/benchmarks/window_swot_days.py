"""Day by day, what SWOT adds to single-day and trajectory GenDA and to OI: zos RMSE of each day without and with SWOT,
beside the share of the tile the day's SWOT swath covers.

    python tests/benchmarks/bench_window.py --out /tmp/bw
    python tests/benchmarks/bench_window.py --swot --out /tmp/bws
    python tests/benchmarks/window_swot_days.py /tmp/bw /tmp/bws

(the run folders' `window` is the trajectory run, whichever trajectory prior made it).

Used on 2026-12-02 (bench_window_swot_cpu_2026-12-02.txt): a day assimilated alone gains only where today's swath is,
a trajectory also from its neighbours' passes, OI from every pass within its ±5-day window.
"""
import argparse
import numpy as np, xarray as xr
from genda.observe import load_obs, footprint


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("noswot"); p.add_argument("swot")
    a = p.parse_args()
    tr = xr.open_dataset(f"{a.swot}/daily/truth.nc")
    sw = load_obs(f"{a.swot}/daily/obs")["ssh_swot"]
    cover = lambda day: float(footprint(sw, day, tr).mean())  # share of the tile's pixels holding a SWOT point that day

    cols = {}
    for name, f in [("daily", "daily/genda.nc"), ("window", "window/genda.nc"), ("oi", "daily/oi.nc")]:
        for tag, run in (("", a.noswot), (" +SWOT", a.swot)):
            z = xr.open_dataset(f"{run}/{f}").zos
            if "member" in z.dims: z = z.mean("member")
            cols[name + tag] = ((z - tr.zos) ** 2).mean(("latitude", "longitude"))
    print(f"{'day':<11} cover " + " ".join(f"{k:>13}" for k in cols))
    for i, d in enumerate(tr.time.values):
        print(f"{str(d)[:10]:<11} {cover(d):5.2f} " + " ".join(f"{float(np.sqrt(v[i])):13.4f}" for v in cols.values()))
    print(f"{'all':<11} {'':5} " + " ".join(f"{float(np.sqrt(v.mean())):13.4f}" for v in cols.values()))
    crossed = np.array([cover(d) > 0.1 for d in tr.time.values])   # days whose swath covers more than a tenth of the tile
    for name in ("daily", "window", "oi"):
        ratio = lambda sl: float(np.sqrt(cols[name + ' +SWOT'][sl].mean() / cols[name][sl].mean()))
        print(f"SWOT ratio {name}: all days {ratio(slice(None)):.3f}, first two days {ratio(slice(0, 2)):.3f}, "
              f"the {crossed.sum()} days its swath crosses (> 10 % of the tile) {ratio(crossed):.3f}")


if __name__ == "__main__":
    main()
