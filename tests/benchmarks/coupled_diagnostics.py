"""Where coupled trajectories differ from single days (the README's trajectory section, 06_sda's "Block means or DCT
modes"): per run folder (genda.nc, truth.nc),
- block-edge steps: the members' mean |∂x v| between columns 4j+3 and 4j+4 over its mean inside 4 × 4 blocks (a
  block-mean coupling's constant corrections leave steps there; the truth's ratio is printed as `truth`);
- the ensemble mean's zos error spectrum over the truth's, by bands of |k| (cycles per tile);
- zos spread-skill per band (`calibration_parts.py`'s bands: crop mean, thirds of the resolved wavenumbers).
With --temporal, also the coupling Gaussian's temporal model on the test tile: it predicts each test day's zos coarse
values (`genda.sda.coarse`, factor 4: block means, or with --basis dct the lowest 8 × 8 DCT modes) from the 4 days around it; its mean squared error over the conditional variance it claims (1 = calibrated),
for a Gaussian of random training crops and of crops within 4 pixels of the tile.

    python tests/benchmarks/coupled_diagnostics.py RUN [RUN ...] [--temporal [--basis blocks|dct]]
"""
import argparse, sys
from pathlib import Path
import numpy as np, xarray as xr, torch
sys.path.insert(0, str(Path(__file__).parent))
from calibration_parts import _bands

BANDS = [(0.5, 2.5), (2.5, 4.5), (4.5, 6.5), (6.5, 9.5), (9.5, 16)]


def edge_ratio(a):  # (..., H, W): mean |∂x| across block edges over inside
    d = np.abs(np.diff(a, axis=-1))
    return float(np.nanmean(d[..., 3::4]) / np.nanmean(np.concatenate([d[..., i::4] for i in (0, 1, 2)], -1)))


def error_spectrum(e, t):  # ensemble mean, truth (T, H, W): error PSD / truth PSD per band
    N = t.shape[-1]; k = np.fft.fftfreq(N) * N; kk = np.hypot(k[:, None], k[None])
    Fe = np.abs(np.fft.fft2(np.nan_to_num(e - t))) ** 2
    Ft = np.abs(np.fft.fft2(np.nan_to_num(t - np.nanmean(t, (1, 2), keepdims=True)))) ** 2
    return [float(Fe[:, (kk >= a) & (kk < b)].sum() / Ft[:, (kk >= a) & (kk < b)].sum()) for a, b in BANDS]


def temporal(k=5, f=4, n=20000, tile=16, basis="blocks"):
    from genda.report import crop_source
    from genda.data import CHANNELS
    from genda.sda import coarse
    src = crop_source(32, "demo", "train", k); pos = src.positions
    test = crop_source(32, "demo", "test", 1).data[:, 0, tile:tile + 32, tile:tile + 32]
    c = coarse(test.double(), f, basis).flatten(1)                                  # (T, m) test-tile zos coarse values
    m = c.shape[1]; mid = slice(2 * m, 3 * m); oth = [i for i in range(k * m) if not 2 * m <= i < 3 * m]
    near = pos[((pos[:, 0] - tile).abs() <= 4) & ((pos[:, 1] - tile).abs() <= 4)]
    for name, P in [("random training crops", pos), ("crops within 4 px of the tile", near)]:
        src.positions = P
        x = src.batch(n, torch.Generator().manual_seed(5))[:, [t * len(CHANNELS) for t in range(k)]]  # zos of each day
        z = coarse(x.double(), f, basis).flatten(1)
        mu, S = z.mean(0), torch.cov(z.T)
        K = S[mid][:, oth] @ torch.linalg.inv(S[oth][:, oth]); claimed = (S[mid, mid] - K @ S[mid][:, oth].T).diagonal().mean()
        err = torch.stack([((c[t] - mu[mid] - K @ (torch.cat([c[t - 2], c[t - 1], c[t + 1], c[t + 2]]) - mu[oth])) ** 2).mean()
                           for t in range(2, len(c) - 2)]).mean()
        print(f"temporal model ({basis}), {name} ({len(P)} positions): error / claimed variance {float(err / claimed):.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="*"); p.add_argument("--temporal", action="store_true")
    p.add_argument("--basis", default="blocks", help="coarse values of --temporal (genda.sda.BASES)")
    a = p.parse_args(); torch.set_num_threads(1)
    for i, run in enumerate(a.runs):
        e, t = xr.open_dataset(f"{run}/genda.nc"), xr.open_dataset(f"{run}/truth.nc")
        if i == 0 or run.rsplit("/", 2)[0] != a.runs[i - 1].rsplit("/", 2)[0]:
            print(f"truth ({run}): block-edge |dx| ratio vo {edge_ratio(t.vo.values):.3f}")
        name = "/".join(Path(run).parts[-2:])
        zb = _bands([e.zos.transpose("member", "time", ...)], [t.zos.transpose("time", ...)])
        print(f"{name}: block-edge |dx| ratio vo {edge_ratio(e.vo.values):.3f}; zos error / truth PSD by |k| "
              f"{[f'{lo + .5:.0f}-{hi - .5:.0f}' for lo, hi in BANDS]} {np.round(error_spectrum(e.zos.mean('member').values, t.zos.values), 3).tolist()}; "
              f"zos spread-skill by band " + ", ".join(f"{b} {s:.2f}" for b, (s, _) in zb.items()))
    if a.temporal: temporal(basis=a.basis)


if __name__ == "__main__":
    main()
