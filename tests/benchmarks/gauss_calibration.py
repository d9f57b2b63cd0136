"""Is an under-dispersed GenDA ensemble the sampler's fault, or the prior's? The exact linear-Gaussian posterior of the
same observations (`genda.baselines.gaussian_baseline`: every channel, the mean and covariance of training crops, GenDA's
operator and error covariances) has a posterior variance; its spread-skill on the same days is what a perfect sampler of
a climatological Gaussian prior would reach. `--inflation a` multiplies that prior's covariance by a² (the Gaussian
counterpart of `RunConfig.inflation`): if its RMSE falls as well, the climatology is too narrow for these days.

    python tests/benchmarks/gauss_calibration.py /tmp/pw-0 /tmp/pw-1 ... [--inflation 1.25] [--threads 1]

Each folder is a bench_guidance --out folder (its `default-noswot-*` run: obs/, truth.nc, genda.nc). Used on 2026-12-03
(bench_guidance_inflation_cpu_2026-12-03.txt): pooled over twelve day pairs, zos / SST / SSS spread-skill 0.72 / 0.77 /
0.82, below GenDA's own.
"""
import argparse, glob
import numpy as np, xarray as xr, torch


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); p.add_argument("folders", nargs="+")
    p.add_argument("--inflation", type=float, default=1.0); p.add_argument("--threads", type=int, default=1)
    p.add_argument("--config", default="default")
    a = p.parse_args(); torch.set_num_threads(a.threads)
    from genda import data as gd
    from genda.baselines import gaussian_baseline, crop_prior
    from genda.observe import load_obs
    _, stats = gd.prepared("demo")
    mu, B = crop_prior("demo", 32)
    prior = (mu, B * a.inflation ** 2)
    var, err, gerr, n = {}, {}, {}, 0
    for folder in a.folders:
        run = glob.glob(f"{folder}/{a.config}-noswot-*")[0]
        obs = load_obs(run + "/obs"); tr = xr.open_dataset(run + "/truth.nc")
        ga = gaussian_baseline(obs, tr, stats, prior=prior, progress=False)
        ge = xr.open_dataset(run + "/genda.nc"); n += 1
        for v in ["zos", "thetao", "so"]:
            e2 = float(((ga[v] - tr[v]) ** 2).mean()); s2 = float(ga[f"{v}_err_var"].mean())
            g2 = float(((ge[v].mean("member") - tr[v]) ** 2).mean())
            var[v] = var.get(v, 0) + s2; err[v] = err.get(v, 0) + e2; gerr[v] = gerr.get(v, 0) + g2
            print(f"{folder} {v:7s} Gaussian RMSE {e2 ** .5:.4g} spread-skill {np.sqrt(s2 / e2):.2f}; GenDA RMSE {g2 ** .5:.4g}", flush=True)
    for v in var:
        print(f"pooled {v:7s} Gaussian (inflation {a.inflation:g}) RMSE {np.sqrt(err[v] / n):.4g} spread-skill "
              f"{np.sqrt(var[v] / err[v]):.2f}; GenDA RMSE {np.sqrt(gerr[v] / n):.4g}")


if __name__ == "__main__":
    main()
