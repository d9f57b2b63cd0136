"""How a prior's denoiser treats each wavenumber band at each noise level: training crops y plus noise σ·n are
denoised, and per channel and band (thirds of the resolved wavenumbers) it prints the regression slope of y on D(y + σn)
(1 for a calibrated denoiser: > 1 shrinks that band too much) and D's power over y's.

    python tests/benchmarks/denoiser_bands.py [--prior demo] [--crops 256]

Used on 2026-12-02 to find why the daily prior lacked large-scale power (05_train, "The shipped demo priors").
"""
import argparse
import torch
from genda.train import load_prior
from genda.report import heldout_crops


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--prior", default="demo"); p.add_argument("--crops", type=int, default=256)
    p.add_argument("--split", default="train"); p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    D = load_prior(a.prior)
    y = heldout_crops(D.img_size, a.crops, "demo", a.split, seed=a.seed).float()
    N = y.shape[-1]; k = torch.fft.fftfreq(N) * N
    kk = (k[:, None] ** 2 + k[None] ** 2).sqrt(); third = N // 2 / 3
    bands = {"large": (kk >= 1) & (kk < third + 0.5), "mid": (kk >= third + 0.5) & (kk < 2 * third + 0.5)}
    chs = {0: "zos", 1: "thetao", 3: "u_ageo", 4: "v_ageo"}
    g = torch.Generator().manual_seed(0)
    print("sigma | channel: slope large, power large, slope mid")
    with torch.no_grad():
        for s in [0.1, 0.3, 1, 2, 4, 8, 16, 40]:
            n = torch.randn(y.shape, generator=g)
            d = torch.cat([D(y[i:i + 64] + s * n[i:i + 64], torch.full((len(y[i:i + 64]),), float(s))).float()
                           for i in range(0, len(y), 64)])
            Fy, Fd = torch.fft.fft2(y), torch.fft.fft2(d)
            row = []
            for c, name in chs.items():
                out = []
                for b in ("large", "mid"):
                    u, v = Fy[:, c][:, bands[b]], Fd[:, c][:, bands[b]]
                    out.append((float((u.conj() * v).real.sum() / (v.abs() ** 2).sum()), float((v.abs() ** 2).sum() / (u.abs() ** 2).sum())))
                row.append(f"{name}: {out[0][0]:.2f} {out[0][1]:.2f} {out[1][0]:.2f}")
            print(f"{s:5}", " | ".join(row))


if __name__ == "__main__":
    main()
