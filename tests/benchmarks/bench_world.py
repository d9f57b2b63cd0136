"""Benchmark genda.world: generation time of the demo world (3 years of daily 64x64 output) and seconds per simulated year.

Usage: .venv/bin/python tests/benchmarks/bench_world.py [--nx 64] [--years 3] [--seed 0] [--days N]
Prints wall-clock and CPU seconds (the machine may be shared: CPU time is the stable number) and the load average.
"""
import argparse, os, time
from genda.world import WorldConfig, QGModel, make_world, output_grid, spinup_days

def main(argv=None):
    p = argparse.ArgumentParser(prog="bench_world")
    p.add_argument("--nx", type=int, default=64)
    p.add_argument("--years", type=float, default=3)
    p.add_argument("--days", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    cfg = WorldConfig(nx=a.nx, years=a.years, days=a.days, seed=a.seed)
    n_days = len(output_grid(cfg)[0])
    m = QGModel(cfg)
    print(f"config: nx={cfg.nx} days={n_days} spin-up={spinup_days(cfg)} d; model grid {m.ny}x{m.nx} at "
          f"{m.dx/1e3:.1f} km, {m.steps_per_day} steps/day; load average {os.getloadavg()}")
    t0, c0 = time.time(), time.process_time()
    ds = make_world(cfg, progress=False)
    wall, cpu = time.time() - t0, time.process_time() - c0
    sim_years = (n_days + spinup_days(cfg)) / 365.25
    print(f"generation: {wall:.1f} s wall, {cpu:.1f} s CPU for {n_days} days of output (+{spinup_days(cfg)} spin-up)")
    print(f"per simulated year: {wall / sim_years:.1f} s wall, {cpu / sim_years:.1f} s CPU")
    print(f"target (3 years of 64x64 in < 180 s on 2 cores): {'met' if wall < 180 else 'NOT met'} on this run "
          f"({'CPU-time' if cpu < 180 else 'also not on'} CPU time {cpu:.0f} s); load average now {os.getloadavg()}")
    return ds

if __name__ == "__main__":
    main()
