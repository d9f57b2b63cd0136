"""Pre-processing at the reference size, lazily with dask: wall time and peak memory.

The reference state is the 11-year (2010-2020, 4018 days) 1/12-degree Gulf Stream box, 240 x 360 pixels, 7 raw
variables in float32: about 9.7 GB. This script builds a dask-backed synthetic raw dataset of that size
(`genda.data.synthetic_raw`: random-phase fields generated chunk by chunk, never whole in memory), writes it to a zarr
store, then runs `genda.data.preprocess` from that store with the dask threaded scheduler (statistics on 2010-2016,
normalised channels written to zarr + stats.nc), and prints wall times and peak resident memory (RSS) of each phase.

    python tests/benchmarks/bench_preprocess.py            # reference size (needs ~20 GB of free disk, deleted after)
    python tests/benchmarks/bench_preprocess.py --small    # 1 year at 48 x 64, seconds

Measured 2026-11-27 (2 shared CPU cores, load ~14 from other jobs, `nice -n 10`, dask threads=2, 32-day chunks):
raw 9.72 GB (zarr store 8.07 GB) generated and written in 661 s, peak RSS 0.66 GB; preprocess 1027 s wall,
peak RSS 2.09 GB (0.22 x the data; process baseline 0.39 GB), output 8.33 GB. `--small`: 4 s, 0.45 GB.
"""
import argparse, os, resource, shutil, subprocess, sys, tempfile, threading, time
import dask, psutil, xarray as xr
from genda.data import synthetic_raw, preprocess, RAW_VARS


class PeakRSS:
    "Sample this process's resident memory every `dt` seconds; `.peak` in bytes."
    def __init__(self, dt=0.1): self.dt, self.peak, self._stop = dt, 0, threading.Event()
    def _run(self):
        p = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, p.memory_info().rss); self._stop.wait(self.dt)
    def __enter__(self):
        self.peak = psutil.Process().memory_info().rss
        self._t = threading.Thread(target=self._run, daemon=True); self._t.start(); self.t0 = time.time(); return self
    def __exit__(self, *a):
        self.wall = time.time() - self.t0; self._stop.set(); self._t.join()


def du(path):
    "Disk use of a folder [bytes]."
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", action="store_true", help="1 year at 48 x 64 (quick check)")
    p.add_argument("--dir", default=None, help="scratch folder (default: a temporary folder, deleted after)")
    p.add_argument("--workers", type=int, default=2, help="dask threads")
    p.add_argument("--chunks", type=int, default=32, help="time chunk [days]")
    p.add_argument("--keep", action="store_true", help="keep the zarr stores")
    a = p.parse_args(argv)
    nt, ny, nx, train = (365, 48, 64, slice("2010-01-01", "2010-08-31")) if a.small else \
                        (4018, 240, 360, slice("2010-01-01", "2016-12-31"))
    root = tempfile.mkdtemp(prefix="genda-bench-", dir=a.dir)
    GB = 1e9
    try:
        raw = synthetic_raw(nt=nt, ny=ny, nx=nx, start="2010-01-01", chunks=a.chunks)
        size = sum(raw[v].nbytes for v in RAW_VARS)
        print(f"raw: {nt} days x {ny} x {nx}, {len(RAW_VARS)} variables float32 = {size / GB:.2f} GB "
              f"(dask, {a.chunks}-day chunks); scratch {root}; dask threads: {a.workers}", flush=True)
        base = psutil.Process().memory_info().rss
        with dask.config.set(scheduler="threads", num_workers=a.workers):
            from tqdm.dask import TqdmCallback
            with PeakRSS() as gen, TqdmCallback(desc="generate raw zarr", mininterval=5):
                raw.to_zarr(f"{root}/raw.zarr", mode="w")
            print(f"generate + write raw zarr: {gen.wall:.0f} s, peak RSS {gen.peak / GB:.2f} GB, "
                  f"store {du(f'{root}/raw.zarr') / GB:.2f} GB", flush=True)
            del raw
            raw = xr.open_zarr(f"{root}/raw.zarr")
            with PeakRSS() as pre:
                norm, stats = preprocess(raw, train=train, chunks=a.chunks, out=f"{root}/prepared", progress=True)
            print(f"preprocess (statistics pass + normalised zarr write): {pre.wall:.0f} s, peak RSS {pre.peak / GB:.2f} GB "
                  f"(process baseline before {base / GB:.2f} GB), output {du(f'{root}/prepared') / GB:.2f} GB", flush=True)
        print(f"scales: " + ", ".join(f"{c}={float(s):.4g}" for c, s in zip(stats.channel.values, stats.scale.values)))
        ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"SUMMARY size={size / GB:.2f}GB preprocess_wall={pre.wall:.0f}s preprocess_peak_rss={pre.peak / GB:.2f}GB "
              f"generate_wall={gen.wall:.0f}s overall_maxrss={ru / GB:.2f}GB peak/data={pre.peak / size:.3f}", flush=True)
    finally:
        if not a.keep: shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
