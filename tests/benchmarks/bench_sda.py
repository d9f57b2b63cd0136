"""Benchmark of one assimilated day: the study's configuration (SDA, gamma = 0.1, 256 DDIM steps on the VP cos grid)
against our default (sampler v2: MMPS, 16 steps of the 2nd-order multistep predictor on the log-SNR grid, float64
GMRES preconditioned with the errors' covariance plus a white prior's term, warm starts, at most 10 iterations per
step, tolerance 3e-3; row "b"), sampler v1's default (24 steps, no preconditioner, tolerance 1e-2; row "d") and the
default before 2026-12-01 (32 steps and 3 CG iterations, row "c").

Sizes: the demo state (64 x 64, 7 channels, 16 members; the shipped demo prior, or a randomly initialised `demo`
U-Net when genda/assets/demo_prior.pt is missing) and the study's state (128 x 128, 7 channels, 24 members; a randomly
initialised `reference` U-Net of genda.nn, ~10 M parameters: same cost as a trained one). The observation operator is
a stand-in with the study's layout and no network cost: SSH at 5 % of the pixels, SST at 30 %, both winds everywhere.

    python tests/benchmarks/bench_sda.py            # full runs (GPU: minutes; a 2-core CPU: hours)
    python tests/benchmarks/bench_sda.py --quick    # time 2 steps of 1 member per configuration, then extrapolate
    python tests/benchmarks/bench_sda.py --sizes study --steps-measured 8   # all members, batched, 1/8 (SDA) or
                                                    # 1/4 (MMPS) of the steps measured, then scaled in steps only

--steps-measured N runs every member with the real chunking (so peak memory is real) but only N steps (SDA: 4N, as it
has 8x the steps), and scales the time by steps/N: each SDA step costs the same, so that is exact up to timing noise;
MMPS's Krylov solves stop at a tolerance, so its steps differ in cost and the scaled MMPS time is approximate. It is labelled "steps-scaled" in the table.

--quick results are EXTRAPOLATED linearly in steps and members (fair on a CPU, which is compute bound; on a GPU,
batching makes the full run cheaper per member than the extrapolation). Each configuration runs in its own
subprocess so that the peak memory (GPU: torch.cuda.max_memory_allocated; CPU: peak RSS of the process) is its own.
"""
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path

SIZES = {"demo": dict(img=64, members=16, net="demo"), "study": dict(img=128, members=24, net="reference")}
CONFIGS = {"a: SDA g=0.1 256 (study)": dict(method="sda", gamma=0.1, steps=256, grid="vpcos", predictor="ddim", sigma_max=None),
           "b: MMPS 16 (ours, sampler v2)": dict(method="mmps"),
           "d: MMPS 24 (sampler v1)": dict(method="mmps", steps=24, precond=False, tol=1e-2, sigma_min=1e-3),
           "c: MMPS 32 CG3 (old)": dict(method="mmps", steps=32, grid="logsnr", predictor="multistep", cg_iters=3, solver="cg",
                                         tol=0., warm=False)}


def _prior(size, device):
    import torch
    from genda.diffusion import EDMPrecond
    from genda.nn import make_net
    if size == "demo":
        try:
            from genda.train import load_prior
            return load_prior(device=device), "shipped demo prior"
        except Exception as e:  # missing asset or loader
            note = f"random-init demo U-Net ({type(e).__name__})"
    else:
        note = "random-init reference U-Net"
    torch.manual_seed(0)
    D = EDMPrecond(make_net(SIZES[size]["net"]), sigma_data=1.0).to(device).eval().requires_grad_(False)
    return D, note


def _operator(C, H, device, seed=0):
    import torch
    g = torch.Generator().manual_seed(seed)
    n = H * H
    parts = [torch.randperm(n, generator=g)[: int(0.05 * n)],  # SSH (zos) at 5 %
             n + torch.randperm(n, generator=g)[: int(0.30 * n)],  # SST (thetao) at 30 %
             5 * n + torch.arange(n), 6 * n + torch.arange(n)]  # winds everywhere
    idx = torch.cat(parts).to(device)
    A = lambda x: x.flatten(1)[:, idx]
    A.linear = True  # as genda.observe's operators: MMPS skips forward-mode AD
    y = torch.randn(len(idx), generator=g).to(device)
    std = torch.full((len(idx),), 0.1).to(device)
    return A, y, std


def run_one(size, config, quick, device, chunk, steps_measured=None):
    "Runs in a subprocess; prints one JSON line."
    import torch
    from genda.sda import sample, default_steps
    D, note = _prior(size, device)
    C, H, members = 7, SIZES[size]["img"], SIZES[size]["members"]
    A, y, std = _operator(C, H, device)
    kw = dict(CONFIGS[config])
    steps = kw.pop("steps", None) or default_steps(kw["method"])
    m_run, s_run = (1, 2) if quick else (members, steps)
    if steps_measured and not quick:  # SDA has 8x the steps of MMPS: measure the same fraction of each
        s_run = min(steps, steps_measured * (4 if kw["method"] == "sda" else 1))
    common = dict(shape=(C, H, H), progress=False, return_info=True, chunk=min(chunk, m_run), **kw)
    sample(D, A, y, std, members=1, steps=1, **{**common, "chunk": 1})  # warm-up (allocator, kernels)
    if device.startswith("cuda"):
        torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    _, info = sample(D, A, y, std, members=m_run, steps=s_run, **common)
    if device.startswith("cuda"): torch.cuda.synchronize()
    sec = time.perf_counter() - t
    scale = (members / m_run) * (steps / s_run)
    peak = (torch.cuda.max_memory_allocated() if device.startswith("cuda")
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2 ** 30
    print(json.dumps(dict(size=size, config=config, prior=note, seconds=sec * scale, measured_s=sec,
                          nfe=info["nfe"] * steps // s_run, vjp=info["vjp"] * steps // s_run, members=members,
                          chunk=min(chunk, m_run), peak_gib=peak, extrapolated=scale != 1, M=int(y.numel()),
                          measured=f"{m_run} member(s) x {s_run}/{steps} steps")))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="time 2 steps of 1 member, extrapolate (labelled)")
    p.add_argument("--sizes", default="demo,study", help="comma list of: demo, study")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--chunk", type=int, default=8, help="members per batch")
    p.add_argument("--steps-measured", type=int, default=None, help="measure N steps (SDA 4N) with all members, scale in steps")
    p.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    import torch
    dev = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if a.one:
        return run_one(a.one[0], a.one[1], a.quick, dev, a.chunk, a.steps_measured)
    rows = []
    for size in a.sizes.split(","):
        for cfg in CONFIGS:
            cmd = [sys.executable, __file__, "--one", size, cfg, "--device", dev, "--chunk", str(a.chunk)] + (["--quick"] if a.quick else [])
            cmd += ["--steps-measured", str(a.steps_measured)] if a.steps_measured else []
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr[-3000:], file=sys.stderr); sys.exit(1)
            rows.append(json.loads(r.stdout.strip().splitlines()[-1])); print(".", end="", flush=True, file=sys.stderr)
    print(f"\ngenda.sda benchmark, device {dev} ({torch.get_num_threads()} threads)"
          + (" -- QUICK: 2 steps x 1 member measured, EXTRAPOLATED linearly" if a.quick else "")
          + (f" -- steps-scaled from {a.steps_measured} (SDA {4 * a.steps_measured}) measured steps" if a.steps_measured else ""))
    print(f"{'size':6s} {'configuration':28s} {'s/day':>10s} {'fwd/member':>10s} {'vjp/member':>10s} {'peak GiB':>9s}  prior")
    for r in rows:
        print(f"{r['size']:6s} {r['config']:28s} {r['seconds']:10.1f} {r['nfe']:10d} {r['vjp']:10d} {r['peak_gib']:9.2f}  "
              f"{r['prior']} (M={r['M']}, {r['members']} members, chunk {r['chunk']}; measured {r['measured']})")
    for size in a.sizes.split(","):
        sec = {r["config"][0]: r for r in rows if r["size"] == size}  # by row letter
        a_, b_ = sec["a"], sec["b"]
        print(f"{size}: study / ours = {a_['seconds'] / b_['seconds']:.2f}x in seconds, "
              f"{(a_['nfe'] + a_['vjp']) / (b_['nfe'] + b_['vjp']):.2f}x in network calls (forward + VJP)")


if __name__ == "__main__":
    main()
