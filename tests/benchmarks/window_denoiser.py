"""Does the window prior use the days around the one it denoises? Held-out windows of k days plus noise σ·n are
denoised by the window prior (seeing all k noisy days) and their middle day by the daily prior (seeing that day alone);
per noise level: the middle day's MSE of each, zos and all channels. An exact window denoiser is never worse than an
exact daily one (it conditions on more); a ratio above 1 is the window network's own error.

    python tests/benchmarks/window_denoiser.py [--crops 192] [--window-prior out/checkpoint.pt]

Used on 2026-12-02 (window_denoiser_cpu_2026-12-02.txt): the shipped window prior is worse than the daily prior at
σ ≤ 2 (zos ×1.5 at σ = 1), so the trajectories' gain over single days is limited by the window network, not by the
data (gaussian_window.py: a 5-day linear analysis gains ×0.77 over a 1-day one on the same days).
"""
import argparse, torch
from genda.train import load_prior
from genda.report import heldout_crops


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--crops", type=int, default=192); p.add_argument("--threads", type=int, default=2)
    p.add_argument("--window-prior", default="demo-window", help="a window prior or training checkpoint (default: the shipped one)")
    a = p.parse_args(); torch.set_num_threads(a.threads)
    W, Dd = load_prior(a.window_prior), load_prior("demo"); k = W.window; C = Dd.channels; mid = k // 2
    x = heldout_crops(W.img_size, a.crops, "demo", "test", seed=3, window=k).float()     # (N, k·C, H, W)
    g = torch.Generator().manual_seed(0); xm = x[:, mid * C:(mid + 1) * C]
    run = lambda D, z, s: torch.cat([D(z[i:i + 32], torch.full((len(z[i:i + 32]),), s)) for i in range(0, len(z), 32)])
    print("sigma | zos MSE of the middle day: daily prior, window prior (ratio) | all channels: daily, window (ratio)")
    with torch.no_grad():
        for s in [0.3, 1., 2., 4., 8.]:
            z = x + s * torch.randn(x.shape, generator=g)
            dw = run(W, z, s)[:, mid * C:(mid + 1) * C]; dd = run(Dd, z[:, mid * C:(mid + 1) * C], s)
            e = lambda d, c=slice(None): float(((d - xm)[:, c] ** 2).mean())
            print(f"{s:5} | {e(dd, 0):.4f} {e(dw, 0):.4f} ({e(dw, 0) / e(dd, 0):.3f}) | {e(dd):.4f} {e(dw):.4f} ({e(dw) / e(dd):.3f})", flush=True)


if __name__ == "__main__":
    main()
