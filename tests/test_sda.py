"""genda.sda beyond its notebook: real observation operators (genda.observe) inside MMPS, and an identical-twin OSSE
on the shipped demo prior (skipped, with the reason, when genda/assets/demo_prior.pt is missing)."""
from pathlib import Path
import numpy as np
import pytest
import torch

import genda
from genda.diffusion import AnalyticGaussian
from genda.sda import sample, twin_check, _lin

DEMO_PRIOR = Path(genda.__file__).parent / "assets" / "demo_prior.pt"


def _smooth_operator(n=12):
    from genda.observe import GaussianSmoother, SmoothSample, PointSample, Operator
    lat = np.linspace(30, 31, n); lon = np.linspace(-60, -59, n)
    sm = GaussianSmoother(lat, lon, 20.0)
    idx = torch.arange(0, n * n, 7)[:, None]; w = torch.ones(len(idx), 1)
    parts = {"l4": SmoothSample(0, sm, idx, w), "l3": PointSample(1, idx[:5], w[:5])}
    M = len(idx) + 5
    return Operator(parts, torch.zeros(M), torch.full((M,), 0.1)), M


def test_operator_linearisation_matches_dense_jacobian():
    "The forward-mode linearisation used in the CG matches the operator's dense Jacobian (float64)."
    op, M = _smooth_operator()
    x0 = torch.randn(1, 2, 12, 12, dtype=torch.float64)
    w = torch.randn(1, 2, 12, 12, dtype=torch.float64)
    J = torch.autograd.functional.jacobian(lambda v: op(v.reshape(1, 2, 12, 12))[0], x0.flatten())
    torch.testing.assert_close(_lin(op, x0)(w)[0], J @ w.flatten(), rtol=1e-10, atol=1e-10)


def test_mmps_with_observe_operator_is_exact_for_a_gaussian_prior():
    "MMPS through a genda.observe Operator (L4 smoothing + L3 points) recovers the exact posterior mean (float64)."
    op, M = _smooth_operator()
    d = 2 * 12 * 12
    g = torch.Generator().manual_seed(0)
    ii = torch.arange(12 * 12)
    P = torch.stack([ii // 12, ii % 12], 1).double()
    K = torch.exp(-0.5 * torch.cdist(P, P) ** 2 / 2.0 ** 2) + 1e-2 * torch.eye(144, dtype=torch.float64)
    Sig = torch.block_diag(K, K)
    G = AnalyticGaussian(torch.zeros(2, 12, 12, dtype=torch.float64), Sig)
    Hm = torch.autograd.functional.jacobian(lambda v: op(v.reshape(1, 2, 12, 12).double())[0], torch.zeros(d, dtype=torch.float64))
    y = torch.randn(M, generator=g, dtype=torch.float64)
    std = torch.full((M,), 0.1, dtype=torch.float64)
    X = sample(G, op, y, std, (2, 12, 12), members=200, method="mmps", steps=16, cg_iters=M, dtype=torch.float64,
               progress=False, seed=0)
    ex = G.posterior(Hm, y, std)
    err = (X.mean(0).flatten() - ex.mu).abs().max()
    sd = ex.Sigma.diagonal().sqrt().max()
    assert err < 5 * sd / 200 ** 0.5 + 0.05, float(err)


@pytest.mark.skipif(not DEMO_PRIOR.exists(), reason="genda/assets/demo_prior.pt is missing (the prior issue ships it)")
def test_demo_prior_identical_twin_osse():
    """On the demo prior: the posterior mean's error at observed points is near the observation noise (0.1) and the
    spread is smaller where data are dense than where there are none. Small settings (4 members, 8 steps, 1 CG
    iteration, a 32 x 32 window: the U-Net is convolutional) keep it at about 2 minutes on 2 busy CPU cores."""
    from genda.train import load_prior
    D = load_prior()
    r = twin_check(D, members=4, steps=8, cg_iters=1, size=min(32, int(getattr(D, "img_size", None) or 32)))
    print(r)
    assert r["rmse_obs"] < 0.25, r
    assert r["spread_dense"] < r["spread_none"], r


class _Gather(torch.autograd.Function):  # reverse mode only: torch.func.jvp cannot go through it
    @staticmethod
    def forward(ctx, x, idx):
        ctx.save_for_backward(idx); ctx.shape = x.shape
        return x.flatten(1)[:, idx]

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        out = g.new_zeros(g.shape[0], int(torch.tensor(ctx.shape[1:]).prod()))
        out[:, idx] = g
        return out.reshape(ctx.shape), None


def test_operator_linearisation_fallback():
    "Operators that torch.func cannot trace (an autograd.Function without jvp) fall back to a double VJP."
    idx = torch.tensor([1, 5, 7])
    A = lambda x: 2 * _Gather.apply(x, idx) + _Gather.apply(x, idx) ** 2
    x0 = torch.randn(2, 3, 3, dtype=torch.float64); w = torch.randn(2, 3, 3, dtype=torch.float64)
    with pytest.raises(Exception): torch.func.jvp(A, (x0,), (w,))
    f = _lin(A, x0)
    for _ in range(2):
        torch.testing.assert_close(f(w), 2 * w.flatten(1)[:, idx] + 2 * x0.flatten(1)[:, idx] * w.flatten(1)[:, idx])
