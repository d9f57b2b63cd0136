"""Benchmark genda.world: generation time of the 3-year demo world and the Gulf Stream targets (issue 12), v2 and v3 side by side.

Usage: .venv/bin/python tests/benchmarks/bench_world.py [--versions 2 3] [--fresh] [--nx 64] [--years 3] [--days N] [--seed 0]
                                                       [--set FIELD=VALUE ...]   (other WorldConfig fields: a variant world)

For each version the 3-year demo world is read from the cache (~/.cache/genda or $GENDA_CACHE) when it is there, or
generated and timed (then cached); --fresh always regenerates and times (without touching the cache). The machine may
be shared: CPU time is the stable number (target: the 3-year demo in <= 180 CPU-seconds). Then `world_metrics` scores
every world and `targets_table` prints the targets, each world's value and whether it is met.
"""
import argparse, json, os, time
import pandas as pd
from genda.world import (WorldConfig, QGModel, make_world, demo_world, cache_path, write_world, output_grid, spinup_days,
                         world_metrics, targets_table)

def main(argv=None):
    p = argparse.ArgumentParser(prog="bench_world")
    p.add_argument("--versions", type=int, nargs="+", default=[2, 3])
    p.add_argument("--fresh", action="store_true", help="regenerate (and time) every world instead of reading the cache")
    p.add_argument("--nx", type=int, default=64)
    p.add_argument("--years", type=float, default=3)
    p.add_argument("--days", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="other WorldConfig fields, e.g. sqg_n=0.005")
    a = p.parse_args(argv)
    extra = {k: json.loads(v) for k, v in (kv.split("=", 1) for kv in a.set)}
    metrics, times = {}, {}
    for v in a.versions:
        cfg = WorldConfig(nx=a.nx, years=a.years, days=a.days, seed=a.seed, version=v, **extra)
        m = QGModel(cfg); n_days = len(output_grid(cfg)[0])
        print(f"v{v}: nx={cfg.nx} days={n_days} spin-up={spinup_days(cfg)} d; model grid {m.ny}x{m.nx} at "
              f"{m.dx/1e3:.1f} km; cache {cache_path(cfg)}")
        if a.fresh or not cache_path(cfg).exists():
            t0, c0, load0 = time.time(), time.process_time(), os.getloadavg()[0]
            ds = make_world(cfg, progress=False)
            wall, cpu = time.time() - t0, time.process_time() - c0
            times[v] = (wall, cpu)
            print(f"  generated in {wall:.1f} s wall, {cpu:.1f} s CPU ({cpu / 60:.2f} CPU-minutes; target <= 3: "
                  f"{'met' if cpu <= 180 else 'NOT met'}); load average {load0:.1f} -> {os.getloadavg()[0]:.1f}")
            if not a.fresh: write_world(ds, cache_path(cfg))
        else:
            ds = demo_world(nx=a.nx, years=a.years, days=a.days, seed=a.seed, version=v, **extra)
            print("  read from the cache (generation not timed: use --fresh)")
        metrics[f"v{v}"] = world_metrics(ds)
        print(f"  EKE per year (m2/s2): {metrics[f'v{v}']['eke_by_year']}; mean jet axis {metrics[f'v{v}']['jet_axis_lat']:.2f} N")
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 60):
        print(targets_table(metrics))
    return metrics, times

if __name__ == "__main__":
    main()
