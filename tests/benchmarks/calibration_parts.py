"""Where an ensemble's under-dispersion sits: pooled spread-skill of the currents' parts, without a border of the tile,
and per wavenumber band, over bench_guidance runs of several day pairs.

    python tests/benchmarks/calibration_parts.py /tmp/pw-0 /tmp/pw-1 ... [--config default]

Each folder is a bench_guidance --out folder (runs `<config>-noswot-*`, `<config>-swot-*`: genda.nc, truth.nc). The
currents' parts are rebuilt from the channels with the demo world's statistics (`genda.data.geostrophic`, the Ekman
model): the truth's own vo is not exactly its rebuilt current on a tile (the smoothed geostrophic current at the tile's
edges depends on SSH beyond it), which the script also prints. Per observation type it checks the error model against
the truth, rms((y − A x_true)/σ) (1 when the stated errors are right), and the analysis in observation space
(Desroziers et al. 2005): for an optimal analysis rms((y − A x̄)/σ)² = 1 − (A P_a Aᵀ)/σ², so the implied analysis
error (the last column) should match the ensemble's spread there. Used on 2026-12-02 (bench_guidance_initstate_cpu_2026-12-02.txt).
"""
import argparse, glob
import numpy as np, xarray as xr
from genda.metrics import spread_skill
import torch
from genda import data as gd
from genda.observe import load_obs, build_operator

OCEAN = ["zos", "thetao", "so", "uo", "vo"]


def _bands(e, t):  # spread-skill per band (dc, thirds of the resolved wavenumbers) and each band's share of the error
    S, E = {}, {}
    for x, y in zip(e, t):
        a, b = x.values, y.values  # (M, T, H, W), (T, H, W)
        ok = np.isfinite(a).all((0, 1)) & np.isfinite(b).all(0)
        a, b = np.where(ok, a, 0), np.where(ok, b, 0)  # land as 0
        M, N = a.shape[0], a.shape[-1]
        k = np.fft.fftfreq(N) * N; kk = np.hypot(k[:, None], k[None]); third = N // 2 / 3
        Fs, Fe = np.fft.fft2(a - a.mean(0)), np.fft.fft2(a.mean(0) - b)
        for name, m in {"dc": kk < .5, "large": (kk >= .5) & (kk < third + .5), "mid": (kk >= third + .5) & (kk < 2 * third + .5),
                        "small": kk >= 2 * third + .5}.items():
            S[name] = S.get(name, 0) + (np.abs(Fs[..., m]) ** 2).sum() / (M - 1); E[name] = E.get(name, 0) + (np.abs(Fe[..., m]) ** 2).sum()
    M = e[0].sizes["member"]
    return {b: (np.sqrt(S[b] / E[b] * (M + 1) / M), E[b] / sum(E.values())) for b in S}


def _obs_space(runs, stats):  # per observation type: truth residual, analysis residual, implied analysis error, spread (units of σ)
    acc = {}
    for run in runs:
        obs = load_obs(f"{run}/obs"); tr = xr.open_dataset(f"{run}/truth.nc"); ens = xr.open_dataset(f"{run}/genda.nc")
        for day in tr.time.values:
            op = build_operator(obs, day, tr, stats)
            xt = gd.to_tensor(gd.normalise(tr.sel(time=day)[gd.CHANNELS], stats))[None]
            xe = gd.to_tensor(gd.normalise(ens.sel(time=day)[gd.CHANNELS], stats))
            with torch.no_grad():
                He = op(xe)
                parts = [op.split((op.y - op(xt)[0]) / op.std), op.split((op.y - He.mean(0)) / op.std), op.split(He.std(0) / op.std)]
            for k in parts[0]:
                for j, d in enumerate(parts): acc.setdefault(k, [[], [], []])[j].append(d[k].numpy())
    for k, (r, ra, sp) in acc.items():
        r, ra, sp = (np.sqrt((np.concatenate(a) ** 2).mean()) for a in (r, ra, sp))
        print(f"  {k:<10} truth {r:.2f}, analysis {ra:.2f}, implied analysis error {np.sqrt(max(1 - ra ** 2, 0)):.2f}, spread {sp:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+"); p.add_argument("--config", default="default"); p.add_argument("--source", default="demo")
    a = p.parse_args()
    _, stats = gd.prepared(a.source)
    sig = float(stats.geo_sigma_px)
    for swot in ("noswot", "swot"):
        runs = [glob.glob(f"{d}/{a.config}-{swot}-*")[0] for d in a.folders]
        E = [xr.open_dataset(f"{f}/genda.nc") for f in runs]; T = [xr.open_dataset(f"{f}/truth.nc") for f in runs]
        cat = lambda ds, fn: xr.concat([fn(d) for d in ds], "time")
        print(f"{swot} ({len(runs)} pairs):")
        def parts(d):  # the currents' parts of one dataset, each computed once
            ug, vg = gd.geostrophic(d.zos, sig); ue, ve = gd.ekman_apply(stats.ekman, *gd.wind_stress(d.uas, d.vas))
            return dict(v_ageo_eddy=d.v_ageo_eddy, u_ageo_eddy=d.u_ageo_eddy, vg=vg, ug=ug, v_ekman=ve, u_ekman=ue)
        pe, pt = [parts(d) for d in E], [parts(d) for d in T]
        print("  parts:", ", ".join(f"{k} {float(spread_skill(cat(pe, lambda q: q[k]), cat(pt, lambda q: q[k]))):.2f}" for k in pe[0]))
        rebuilt = cat(T, lambda d: gd.total_current(d, stats)[1]); vo = cat(T, lambda d: d.vo)
        col = np.sqrt(((vo - rebuilt) ** 2).mean([d for d in vo.dims if d != "longitude"])).values
        print(f"  truth's vo - its rebuilt current: {float(np.sqrt(((vo - rebuilt) ** 2).mean())):.4f} m/s RMS; by column: "
              f"edges {col[0]:.3f} {col[1]:.3f} .. {col[-2]:.3f} {col[-1]:.3f}, interior {float(np.sqrt((col[3:-3] ** 2).mean())):.3f}")
        for b in (1, 2, 3):
            sl = dict(latitude=slice(b, -b), longitude=slice(b, -b))
            print(f"  without a {b}-pixel border:", ", ".join(f"{v} {float(spread_skill(cat(E, lambda d: d[v].isel(sl)), cat(T, lambda d: d[v].isel(sl)))):.2f}" for v in OCEAN))
        for v in ["zos", "thetao", "v_ageo_eddy"]:
            r = _bands([d[v] for d in E], [d[v] for d in T])
            print(f"  {v} by band (spread-skill, share of the error):", ", ".join(f"{b} {s:.2f} ({w:.2f})" for b, (s, w) in r.items()))
        print("  observations, rms of residuals in units of their stated error:")
        _obs_space(runs, stats)


if __name__ == "__main__":
    main()
