"""Benchmark of the OI baseline: seconds per daily map for 64^2 and 128^2 grids with 10 days of 2017-constellation tracks.

Run: `.venv/bin/python tests/benchmarks/bench_oi.py [--sizes 64 128] [--days 10] [--threads 2]`.
Uses a synthetic smooth ocean on a 1/12 deg grid in the Gulf Stream box (or --world FILE, e.g. the cached demo world).
"""
import argparse, time
import numpy as np, pandas as pd, xarray as xr, torch
from genda.observe import simulate_nadir, simulate_sst_l3, PRESETS
from genda.baselines import oi_map, SSH_OI, SST_OI

def synthetic_world(nx, days, seed=0):
    rng = np.random.default_rng(seed)
    lat = (33 + np.arange(nx)/12).astype("float32"); lon = (-65 + np.arange(nx)/12).astype("float32")
    Y, X = np.meshgrid(lat, lon, indexing="ij"); t = np.arange(days)[:, None, None]
    k = rng.uniform(1, 4, (8, 2)); ph = rng.uniform(0, 6.3, 8)
    zos = sum(0.1*np.sin(k[i, 0]*X + k[i, 1]*Y + ph[i] + 0.05*t) for i in range(8))
    sst = 22 - 0.7*(Y - 33) + 5*zos
    dims = ("time", "latitude", "longitude")
    return xr.Dataset({"zos": (dims, zos.astype("float32")), "thetao": (dims, sst.astype("float32"))},
                      coords={"time": pd.date_range("2017-01-01", periods=days), "latitude": lat, "longitude": lon})

def get_world(nx, days, path=None):
    "A world file's first days cropped to nx^2 (--world), else a synthetic ocean (timing does not depend on the field)."
    if path:
        w = xr.open_dataset(path).isel(time=slice(0, days), latitude=slice(0, nx), longitude=slice(0, nx)).load()
        return w, path
    return synthetic_world(nx, days), "synthetic 1/12 deg"

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 128]); p.add_argument("--days", type=int, default=10)
    p.add_argument("--threads", type=int, default=2); p.add_argument("--world", default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for nx in a.sizes:
        w, src = get_world(nx, a.days, a.world)
        ssh = simulate_nadir(w, PRESETS["2017"].nadirs, 0.01, seed=0)
        sst = simulate_sst_l3(w, 0.1, seed=0)
        for name, ob, kw in (("ssh nadir (raw 1 Hz)", ssh, {}), ("ssh nadir (SSH_OI)", ssh, SSH_OI),
                             ("sst L3 (SST_OI)", sst, SST_OI)):
            t0 = time.perf_counter()
            m = oi_map(ob, w, **kw)
            dt = (time.perf_counter() - t0)/a.days
            truth = w["zos" if "ssh" in name else "thetao"]
            rmse = float(np.sqrt(((m.value - truth)**2).mean()))
            print(f"{nx:4d}^2  {name:24s} n_obs={m.attrs['n_obs']:6d}  {dt:6.2f} s/day  rmse={rmse:.4f}  world={src}", flush=True)
