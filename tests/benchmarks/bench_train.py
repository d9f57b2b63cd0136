"""Benchmark of the diffusion prior on this machine: training images/s at fp32 and bf16 (and their ratio) for the
`demo` network, and samples/s of the unconditional samplers. Usage: python tests/benchmarks/bench_train.py [--quick]"""
import argparse, time
import torch
from genda.nn import make_net, count_params
from genda.diffusion import EDMPrecond, edm_loss, heun_sample, multistep_sample


def train_speed(net_cfg, precision, batch, steps, warm=2):
    torch.manual_seed(0)
    D = EDMPrecond(make_net(net_cfg), 1.0)
    opt = torch.optim.Adam(D.parameters(), 2e-4)
    x = torch.randn(batch, D.channels, D.img_size, D.img_size)
    ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")
    for i in range(warm + steps):
        if i == warm: t = time.perf_counter()
        with ac: loss = edm_loss(D, x)
        opt.zero_grad(); loss.backward(); opt.step()
    return batch * steps / (time.perf_counter() - t)


@torch.no_grad()
def sample_speed(net_cfg, sampler, n, steps, size=None):
    D = EDMPrecond(make_net(net_cfg), 1.0).eval()
    s = size or D.img_size
    f = heun_sample if sampler == "heun" else multistep_sample
    f(D, (n, D.channels, s, s), 2)  # warm-up
    t = time.perf_counter()
    f(D, (n, D.channels, s, s), steps)
    return n / (time.perf_counter() - t)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="fewer steps")
    p.add_argument("--net", default="demo")
    a = p.parse_args()
    steps = 3 if a.quick else 10
    net = make_net(a.net)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, net {a.net}: {count_params(net)/1e6:.2f} M params, "
          f"{net.img_size}x{net.img_size}")
    r = {p_: train_speed(a.net, p_, 16, steps) for p_ in ("fp32", "bf16")}
    print(f"training (batch 16): fp32 {r['fp32']:.1f} img/s, bf16 {r['bf16']:.1f} img/s, bf16/fp32 = {r['bf16']/r['fp32']:.2f}")
    for s_, n_steps in (("heun", 18), ("multistep", 32)):
        print(f"sampling ({s_}, {n_steps} steps, batch 8, {net.img_size}px): {sample_speed(a.net, s_, 8, n_steps):.2f} samples/s")
    print(f"sampling (heun, 18 steps, batch 8, 64px full demo grid): {sample_speed(a.net, 'heun', 8, 18, size=64):.2f} samples/s")
