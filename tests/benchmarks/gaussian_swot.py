"""What a single day's SWOT pass can give at best to a linear analysis: the Gaussian posterior mean of SSH and SST under
their mean and covariance over training crops (32², 12000 crops), from the same observations of SSH and SST as a
bench_guidance run (L4, nadir, L3, SWOT with its error modes; `genda.observe.build_operator`, rows and error covariance),
with and without SWOT, beside GenDA's ensemble mean from that run: zos RMSE over the tile, inside the day's swath and
outside it.

    python tests/benchmarks/gaussian_swot.py /tmp/pw-0 /tmp/pw-1 /tmp/pw-2     # bench_guidance --out folders

Used on 2026-12-02 (bench_guidance_initstate_cpu_2026-12-02.txt): on 2012-07-03 not even the Gaussian analysis gains
outside the swath, so no single-day analysis gets much below the ratio GenDA gets there.
"""
import argparse, glob, numpy as np, xarray as xr, torch
from genda import data as gd
from genda.observe import load_obs, build_operator, footprint
from genda.report import heldout_crops


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0]); p.add_argument("folders", nargs="+")
    p.add_argument("--crops", type=int, default=12000); p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(); torch.set_num_threads(a.threads)
    _, stats = gd.prepared("demo")
    X = heldout_crops(32, a.crops, "demo", "train", seed=5)[:, :2].double().flatten(1)  # (N, 2048) zos, thetao
    mu = X.mean(0); B = torch.cov(X.T); B = B + 1e-4 * B.diagonal().mean() * torch.eye(len(B), dtype=B.dtype)
    print("crops", X.shape, flush=True)
    for folder in a.folders:
        run = glob.glob(f"{folder}/default-swot-*")[0]
        obs = load_obs(f"{run}/obs"); tr = xr.open_dataset(f"{run}/truth.nc")
        ens = {s: xr.open_dataset(glob.glob(f"{folder}/default-{s}-*")[0] + "/genda.nc").zos.mean("member") for s in ("noswot", "swot")}
        for day in tr.time.values:
            out = {}
            for tag, o in (("noswot", {k: v for k, v in obs.items() if "swot" not in k}), ("swot", obs)):
                op = build_operator(o, day, tr, stats)
                keep = torch.cat([torch.full((n,), k.startswith(("ssh", "sst")), dtype=torch.bool) for k, n in op.sizes.items()])
                with torch.no_grad():
                    E = torch.zeros(2048, 7, 32, 32); E[:, :2] = torch.eye(2048).reshape(2048, 2, 32, 32)
                    A = torch.cat([op(E[i:i + 256]) for i in range(0, 2048, 256)]).T.double()[keep]   # (M, 2048)
                    M = len(op.y); R = torch.cat([op.noise_cov(torch.eye(M)[i:i + 512]) for i in range(0, M, 512)]).double()
                    R = R[keep][:, keep]; y = op.y.double()[keep]
                    S = A @ B @ A.T + (R + R.T) / 2
                    xa = mu + B @ A.T @ torch.linalg.solve(S, y - A @ mu)
                m, s = gd.channel_stats(stats.sel(latitude=tr.latitude, longitude=tr.longitude, method="nearest"), "zos", day)
                z = xa[:1024].reshape(32, 32).numpy() * s + np.asarray(m)
                out[tag] = z
            t = tr.zos.sel(time=day).values
            Msk = footprint(obs["ssh_swot"], day, tr).values
            r = lambda e, mk: float(np.sqrt(np.nanmean((e - t)[mk] ** 2)))
            g = {k: v.sel(time=day).values for k, v in ens.items()}
            print(f"{str(day)[:10]} cover {Msk.mean():.2f} | Gaussian: all {r(out['noswot'], Msk | ~Msk):.4f}->{r(out['swot'], Msk | ~Msk):.4f} "
                  f"in {r(out['noswot'], Msk):.4f}->{r(out['swot'], Msk):.4f} out {r(out['noswot'], ~Msk):.4f}->{r(out['swot'], ~Msk):.4f} | "
                  f"GenDA: all {r(g['noswot'], Msk | ~Msk):.4f}->{r(g['swot'], Msk | ~Msk):.4f} out {r(g['noswot'], ~Msk):.4f}->{r(g['swot'], ~Msk):.4f}", flush=True)


if __name__ == "__main__":
    main()
