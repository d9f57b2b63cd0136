"""Fast pytest checks of genda.observe and genda.baselines (the notebooks hold the full examples)."""
import math, os, time
import numpy as np, pandas as pd, xarray as xr, torch
import pytest
from genda import observe as ob
from genda.baselines import oi_solve, gauss_cov, oi_map


def small_world(nx=20, days=4, seed=0):
    rng = np.random.default_rng(seed)
    lat = (36 + np.arange(nx)/12).astype("float32"); lon = (-62 + np.arange(nx)/12).astype("float32")
    Y, X = np.meshgrid(lat, lon, indexing="ij"); t = np.arange(days)[:, None, None]
    m = np.ones((nx, nx), bool); m[:nx//4, :nx//3] = False
    oc = lambda a: np.where(m, a, np.nan).astype("float32")
    dims = ("time", "latitude", "longitude")
    f = lambda a: (dims, oc(a + 0*t))
    return xr.Dataset({"zos": f(0.3*np.sin(2*X + 0.1*t) + 0.1*rng.standard_normal((days, nx, nx))), "thetao": f(20 - Y + np.cos(3*X)),
                       "so": f(35 + 0.1*np.cos(X)), "uas": (dims, (5*np.cos(Y + t) + 0*X).astype("float32")),
                       "vas": (dims, (2 + 0*X + 0*t).astype("float32"))},
                      coords={"time": pd.date_range("2017-01-01", periods=days), "latitude": lat, "longitude": lon})


def test_roundtrip_and_reproducible(tmp_path):
    w = small_world()
    obs = ob.simulate(w, "swot", seed=3)
    assert "ssh_swot" in obs and "ssh_nadir" in obs
    ob.save_obs(obs, tmp_path)
    back = ob.load_obs(tmp_path)
    for k in obs: xr.testing.assert_identical(back[k], obs[k])
    again = ob.simulate(w, "swot", seed=3)
    np.testing.assert_array_equal(again["sst_l3"].value.values, obs["sst_l3"].value.values)


def test_operator_adjoint_linearity_and_edges():
    w = small_world()
    obs = ob.simulate(w, "2017", seed=0)
    A = ob.build_operator(obs, w.time.values[1], w).double()
    x = torch.randn(2, 7, 20, 20, dtype=torch.float64)
    v = torch.randn(2, A.y.shape[0], dtype=torch.float64)
    xg = x.clone().requires_grad_(True)
    (ATv,) = torch.autograd.grad(A(xg), xg, v)
    assert torch.allclose((A(x)*v).sum(), (x*ATv).sum(), rtol=1e-9)
    assert torch.allclose(A(3*x), 3*A(x), rtol=1e-9)
    sm = ob.GaussianSmoother(w.latitude.values, w.longitude.values, 40., ob.ocean_mask(w)).double()
    out = sm(torch.full((1, 20, 20), -1.7, dtype=torch.float64))[0][torch.as_tensor(ob.ocean_mask(w))]
    assert torch.allclose(out, torch.full_like(out, -1.7))


def test_readers_and_no_credentials(tmp_path, monkeypatch):
    l4 = ob.read_l4_ssh(ob.fixture_product("l4_ssh", tmp_path/"duacs.nc"))
    assert l4.attrs["variable"] == "zos" and float(l4["std"].max()) == pytest.approx(0.02, abs=1e-4)
    sst = ob.read_l4_sst(ob.fixture_product("l4_sst", tmp_path/"ostia.nc"))
    assert float(sst.value.max()) < 40
    for k in ("COPERNICUSMARINE_SERVICE_USERNAME", "COPERNICUSMARINE_SERVICE_PASSWORD", "COPERNICUSMARINE_CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    t0 = time.time()
    with pytest.raises(PermissionError, match="credentials"):
        ob.fetch_product("l4_ssh", (33, 43, -65, -55), "2017-01-01", "2017-01-02", tmp_path)
    assert time.time() - t0 < 5


def test_oi_error_variance_calibrated():
    g = torch.Generator().manual_seed(7)
    pts = lambda n: torch.stack([5*torch.rand(n, generator=g), 36 + 3*torch.rand(n, generator=g), -62 + 3*torch.rand(n, generator=g)], 1).double()
    xo, xg = pts(50), pts(80)
    allp = torch.cat([xo, xg])
    C = gauss_cov(allp, allp, 1., 1., 3.) + 1e-8*torch.eye(130, dtype=torch.float64)
    f = torch.linalg.cholesky(C) @ torch.randn(130, 500, generator=g, dtype=torch.float64)
    y = f[:50] + 0.2*torch.randn(50, 500, generator=g, dtype=torch.float64)
    m, v = oi_solve(xo, y, xg, 1., 1., 3., noise=0.2)
    ratio = float(((m - f[50:])**2).mean()/v.mean())
    assert 0.9 < ratio < 1.1


def test_oi_map_recovers_smooth_field():
    w = small_world(nx=24, days=6)
    nd = ob.simulate_nadir(w, ["Jason-3", "Sentinel-3A", "SARAL/AltiKa", "HY-2A", "Jason-2"], std=0.)
    sst = ob.simulate_sst_l3(w, std=0.01, seed=1)
    m = oi_map(sst, w, superob=0.25, Lx=0.5, Ly=0.5, Lt=3.)
    err = float(np.sqrt(np.nanmean((m.value - w.thetao).values**2)))
    assert err < 0.5*float(w.thetao.std())
    assert m.err_var.dims == ("time", "latitude", "longitude")
