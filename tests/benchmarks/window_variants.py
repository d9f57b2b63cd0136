"""Variants of the trajectory sampler on bench_window.py's 16-day OSSE (same days, observations and seed): the noise
level below which the daily prior takes over (`--switch`), the Krylov budget (`--iters`), and a "hybrid" mode in which
the daily prior gives the value below the switch and the window prior the Jacobian (the guidance's covariance, so
neighbouring days' data still move a day). Prints zos RMSE of the ensemble mean per day, over the run, and the ratio of
the ensemble spread to that RMSE.

    python tests/benchmarks/window_variants.py --tag sw2 --switch 2
    python tests/benchmarks/window_variants.py --tag it30 --iters 30
    python tests/benchmarks/window_variants.py --tag hyb --hybrid
    python tests/benchmarks/window_variants.py --tag mid --window-prior out/prior.pt

Used on 2026-12-02 (window_variants_cpu_2026-12-02.txt): none improves the trajectory's zos RMSE by more than 1.5 % (the hybrid at every noise level is much worse).
"""
import argparse, numpy as np, xarray as xr, torch
import genda.sda as sda
from genda.experiment import RunConfig, run_osse


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tag", required=True); p.add_argument("--switch", type=float, default=1.0)
    p.add_argument("--iters", type=int, default=None); p.add_argument("--hybrid", action="store_true")
    p.add_argument("--threads", type=int, default=None); p.add_argument("--out", default="results/window-variants")
    p.add_argument("--window-prior", default=None, help="another window prior (a prior or training checkpoint), still with the daily switch")
    a = p.parse_args()
    Base = sda.WindowPrior

    class Variant(Base):
        def __init__(self, D, window=None, batch=None, daily=None, switch=1.0):
            super().__init__(D, window, batch, daily, a.switch)

        def forward(self, x, sigma):
            if a.hybrid and self.daily is not None and float(torch.as_tensor(sigma).reshape(-1)[0]) < self.switch:
                d, self.daily = self.daily, None
                try: win = Base.forward(self, x, sigma)            # the window prior's output, for its Jacobian
                finally: self.daily = d
                day = self._run(d, x.flatten(0, 1), sigma, x.shape[1]).reshape(x.shape)
                return win + (day - win).detach()                 # value: the daily prior's
            return Base.forward(self, x, sigma)

    sda.WindowPrior = Variant      # genda.experiment._prior builds the run's WindowPrior from genda.sda
    if a.window_prior:
        import genda.experiment as ge
        ge._prior_names = lambda cfg: {"prior": a.window_prior, "daily prior": "demo"}
    out = f"{a.out}/{a.tag}"
    run_osse(RunConfig(start="2012-07-03", days=16, members=8, trajectory=16, baselines=(), seed=0, threads=a.threads,
                       cg_iters=a.iters, out=out))
    tr = xr.open_dataset(f"{out}/truth.nc").zos; g = xr.open_dataset(f"{out}/genda.nc").zos
    e = np.sqrt(((g.mean("member") - tr) ** 2).mean(["latitude", "longitude"]))
    sp = np.sqrt(g.var("member", ddof=1).mean(["latitude", "longitude"]))
    rms = float(np.sqrt((e ** 2).mean()))
    print(a.tag, "zos RMSE per day", np.round(e.values, 4))
    print(f"{a.tag}: zos RMSE {rms:.4f} m, spread / RMSE {float(np.sqrt((sp ** 2).mean())) / rms:.3f}")


if __name__ == "__main__":
    main()
