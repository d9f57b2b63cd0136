"""What neighbouring days can give at best to a linear analysis: the Gaussian posterior mean of a day's SSH from the
observations of the k days around it (k = 1, 3, 5, ...; SSH data: L4, nadir, SWOT when the run has it; with
`--channels zos thetao` also SST's), under the mean and space-time covariance of those channels over windows of k
consecutive days of training crops (32²), beside GenDA day by day, GenDA as one trajectory, and OI, on a
`bench_window.py` run (its `daily` and `window` folders). Per day and over all days: zos RMSE of each; then each
estimate's space-time λx and λt (2020a rule, `genda.metrics.effective_resolution`), to bound issue 13's λx target too.

    python tests/benchmarks/gaussian_window.py results/bench-window                       # SSH data, k = 1, 3, 5, 7
    python tests/benchmarks/gaussian_window.py results/bench-window --channels zos thetao --windows 1 3 5

If the k-day Gaussian analysis gains little over the 1-day one, no trajectory can gain much from the same data
either: it bounds what issue 13's "window ≤ 0.8 × single day" can reach on a given world and observing system.
The analysis is solved in state space, x = μ + (B⁻¹ + Σ_d A_dᵀR_d⁻¹A_d)⁻¹ Σ_d A_dᵀR_d⁻¹(y_d − A_d μ_d), with each
day's rows (`genda.observe.build_operator`) and error covariance (`noise_cov`, correlated L4 errors included).
"""
import argparse, numpy as np, pandas as pd, xarray as xr, torch
from genda import data as gd
from genda.observe import load_obs, build_operator
from genda.baselines import crop_prior, operator_matrix
from genda.metrics import effective_resolution

PREFIX = {"zos": "ssh", "thetao": "sst", "so": "sss"}


def day_terms(obs, day, grid, stats, ch):
    "A day's information in state space on its channels `ch`: AᵀR⁻¹A (n, n) and AᵀR⁻¹ (the map from y), with y."
    o = {k: v for k, v in obs.items() if k.startswith(tuple(PREFIX[gd.CHANNELS[c]] for c in ch))}
    op = build_operator(o, day, grid, stats)
    A, R = operator_matrix(op, (len(gd.CHANNELS), 32, 32))
    A = A[:, torch.cat([torch.arange(c * 1024, (c + 1) * 1024) for c in ch])]    # the columns of those channels
    L = torch.linalg.cholesky((R + R.T) / 2)
    W = torch.cholesky_solve(A, L)                              # R⁻¹A
    return A.T @ W, W.T, op.y.double()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); p.add_argument("run")
    p.add_argument("--windows", type=int, nargs="+", default=[1, 3, 5, 7]); p.add_argument("--crops", type=int, default=20000)
    p.add_argument("--channels", nargs="+", default=["zos"]); p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(); torch.set_num_threads(a.threads)
    ch = [gd.CHANNELS.index(c) for c in a.channels]; assert ch[0] == 0, "zos first"
    n = 1024 * len(ch)
    _, stats = gd.prepared("demo")
    K = max(a.windows); h = K // 2
    mu, B = crop_prior("demo", 32, a.crops, window=K, channels=ch)
    tr = xr.open_dataset(f"{a.run}/daily/truth.nc"); obs = load_obs(f"{a.run}/window/obs")
    t_obs = pd.to_datetime(obs["ssh_l4"].time.values)
    est = {"GenDA daily": xr.open_dataset(f"{a.run}/daily/genda.nc").zos.mean("member"),
           "GenDA trajectory": xr.open_dataset(f"{a.run}/window/genda.nc").zos.mean("member"),
           "OI": xr.open_dataset(f"{a.run}/daily/oi.nc").zos}
    terms, Bi, rows = {}, {}, []
    fields = {f"Gaussian {k}-day": tr.zos.copy() * np.nan for k in a.windows}
    for day in pd.to_datetime(tr.time.values):
        t = tr.zos.sel(time=day).values; ok = np.isfinite(t)
        r = lambda e: float(np.sqrt(np.mean((np.asarray(e)[ok] - t[ok]) ** 2)))
        row = dict(day=str(day.date()), **{k: r(v.sel(time=day).values) for k, v in est.items()})
        m, s = gd.channel_stats(stats.sel(latitude=tr.latitude, longitude=tr.longitude, method="nearest"), "zos", day)
        for k in a.windows:
            days = [day + pd.Timedelta(days=j) for j in range(-(k // 2), k // 2 + 1)]
            days = [d for d in days if d in t_obs]
            for d in days:
                if d not in terms: terms[d] = day_terms(obs, d, tr, stats, ch)
            j0 = h + (days[0] - day).days; sl = slice(j0 * n, (j0 + len(days)) * n)
            key = (j0, len(days))
            if key not in Bi: Bi[key] = torch.cholesky_inverse(torch.linalg.cholesky(B[sl, sl]))
            mk = mu[sl]
            H = Bi[key] + torch.block_diag(*[terms[d][0] for d in days])
            g = torch.cat([W @ y - Hd @ mk[i * n:(i + 1) * n] for i, (Hd, W, y) in enumerate(terms[d] for d in days)])
            xa = mk + torch.linalg.solve(H, g)
            c = days.index(day)
            z = xa[c * n:c * n + 1024].reshape(32, 32).numpy() * s + np.asarray(m)
            row[f"Gaussian {k}-day"] = r(z)
            fields[f"Gaussian {k}-day"].loc[dict(time=day)] = np.where(ok, z, np.nan)
        rows.append(row); print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    df = pd.DataFrame(rows).set_index("day")
    print(f"\nzos RMSE (m) per day; Gaussian analyses from {', '.join(a.channels)} data, {a.crops} training windows\n" + df.round(4).to_string())
    tot = np.sqrt((df ** 2).mean())
    print("\nover all days (RMS of the daily RMSEs)\n" + tot.round(4).to_string())
    g1 = tot["Gaussian 1-day"]
    print("\nratios to the 1-day Gaussian analysis: " + ", ".join(f"{c} {tot[c] / g1:.3f}" for c in df.columns))
    print(f"GenDA trajectory / GenDA daily {tot['GenDA trajectory'] / tot['GenDA daily']:.3f}; "
          + ", ".join(f"Gaussian {k}-day / OI {tot[f'Gaussian {k}-day'] / tot['OI']:.3f}" for k in a.windows))
    lam = pd.DataFrame({k: effective_resolution(v, tr.zos) for k, v in {**est, **fields}.items()}).T
    lam.columns = ["lambda_x_deg", "lambda_t_days"]
    lam["lambda_x / OI"] = lam["lambda_x_deg"] / lam.loc["OI", "lambda_x_deg"]
    print("\nzos effective resolution (2020a space-time contour)\n" + lam.round(3).to_string())


if __name__ == "__main__":
    main()
