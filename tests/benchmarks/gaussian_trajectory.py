"""Is it the machinery or the network? GenDA's trajectory sampler (`genda.sda.WindowPrior` composing k-day windows,
MMPS guidance, the default trajectory steps) run with an *exact* Gaussian window prior instead of the trained one: the
Gaussian of SSH and SST over k consecutive days of training crops (`genda.baselines.crop_prior`, as in gaussian_window.py; its
denoiser μ + U diag(λ/(λ+σ²)) Uᵀ(x − μ) is exact). On a bench_window.py run (its observations of SSH and SST, its
truth), prints the ensemble mean's zos RMSE per day and over the run, for k-day windows and for k = 1 (days alone),
beside the exact Gaussian analyses of gaussian_window.py. If the sampler with the exact window prior gets what the exact
k-day analysis gets, the machinery carries the neighbouring days' information and the trained window network is what
loses it.

    python tests/benchmarks/gaussian_trajectory.py results/bench-window [--window 5] [--crops 30000] [--members 8]
"""
import argparse, time
import numpy as np, pandas as pd, xarray as xr, torch
from genda import data as gd, sda
from genda.observe import load_obs, build_trajectory_operator
from genda.baselines import crop_prior


class GaussianWindow(torch.nn.Module):
    "The exact denoiser of N(μ, B) on (N, k·C, H, W) states."
    def __init__(self, mu, B, window, channels, size):
        super().__init__()
        lam, U = torch.linalg.eigh(B)
        self.mu, self.U, self.lam = mu.float(), U.float(), lam.clamp(min=0).float()
        self.window, self.channels, self.img_size, self.sigma_data = window, window * channels, size, 1.0

    def forward(self, x, sigma):
        s2 = torch.as_tensor(sigma, dtype=x.dtype).reshape(-1, 1) ** 2
        z = (x.flatten(1) - self.mu) @ self.U
        return (self.mu + (z * self.lam / (self.lam + s2)) @ self.U.T).reshape(x.shape)


def ssh_sst_setting(run):
    "A bench_window.py run's truth, its SSH and SST observations, the normalisation stats on its tile, its days and the observed days."
    _, stats = gd.prepared("demo")
    tr = xr.open_dataset(f"{run}/daily/truth.nc"); obs = load_obs(f"{run}/window/obs")
    obs = {n: o for n, o in obs.items() if n.startswith(("ssh", "sst"))}
    st = stats.sel(latitude=tr.latitude, longitude=tr.longitude)
    return tr, obs, st, pd.to_datetime(tr.time.values), pd.to_datetime(obs["ssh_l4"].time.values)


def zos_trajectory(D, setting, pad, shape, label, channels=None, **kw):
    "Sample the run's days (padded by `pad` observed days each side) as one trajectory with D; print the mean's zos RMSE per day and over the run."
    tr, obs, st, days, t_obs = setting
    tb = [d for d in pd.date_range(days[0] - pd.Timedelta(days=pad), days[-1] + pd.Timedelta(days=pad)) if d in t_obs]
    A = build_trajectory_operator(obs, tb, tr.isel(time=0), st, **({"channels": channels} if channels else {}))
    t0 = time.time()
    x = sda.sample(D, A, A.y, A.std, (len(tb), *shape), progress=False, **kw)
    xm = x.mean(0)                                                        # (L, C, H, W) normalised
    rows, spread = [], []
    for i, d in enumerate(tb):
        if d not in days: continue
        m, sd = gd.channel_stats(st, "zos", d)
        z = xm[i, 0].numpy() * np.asarray(sd) + np.asarray(m); t = tr.zos.sel(time=d).values; ok = np.isfinite(t)
        rows.append(float(np.sqrt(np.mean((z[ok] - t[ok]) ** 2))))
        spread.append(float(np.mean((x[:, i, 0].std(0).numpy() * np.asarray(sd))[ok] ** 2)))
    e = np.array(rows); rms = float(np.sqrt((e ** 2).mean()))
    print(f"{label} ({time.time() - t0:.0f} s): zos RMSE per day "
          f"{np.round(e, 4).tolist()}\n  over the run {rms:.4f} m, spread / RMSE {np.sqrt(np.mean(spread)) / rms:.3f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); p.add_argument("run")
    p.add_argument("--window", type=int, default=5); p.add_argument("--crops", type=int, default=30000)
    p.add_argument("--members", type=int, default=8); p.add_argument("--threads", type=int, default=2)
    p.add_argument("--switch", type=float, nargs="*", default=[], help="also: the k-day window above this noise level, the 1-day prior below (as the shipped pair)")
    a = p.parse_args(); torch.set_num_threads(a.threads)
    names = ["zos", "thetao"]; ch = [gd.CHANNELS.index(c) for c in names]; k, C = a.window, len(names)
    setting = ssh_sst_setting(a.run)
    mu, B = crop_prior("demo", 32, a.crops, window=k, channels=ch)
    n = 1024 * C
    def G(w):  # the exact prior of the w middle days of the k-day window
        sl = slice((k - w) // 2 * n, (k - w) // 2 * n + w * n)
        return GaussianWindow(mu[sl], B[sl, sl], w, C, 32)
    Gs = {w: G(w) for w in dict.fromkeys([k, 1])}
    confs = [(f"{k}-day", k, None), ("1-day", 1, None)][:1 if k == 1 else 2]
    confs += [(f"{k}-day above sigma = {sw:g}, 1-day below", k, sw) for sw in a.switch]
    for label, w, sw in confs:
        D = sda.WindowPrior(Gs[w], daily=Gs[1] if sw else None, switch=sw or 1.)
        zos_trajectory(D, setting, w // 2, (C, 32, 32), f"{label} exact Gaussian window prior through the trajectory sampler",
                       channels=names, members=a.members, amp=None)

if __name__ == "__main__":
    main()
