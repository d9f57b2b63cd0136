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


def _truth_at(w, d):
    tv = w[d.attrs["variable"]]
    if "obs" not in d.dims: return tv.values
    return ob.sample_points(tv, pd.DataFrame({"time": d.time.values, "latitude": d.latitude.values, "longitude": d.longitude.values}))


def _rms(a): return float(np.sqrt(np.nanmean(np.square(np.asarray(a, float)))))


def test_realistic_errors_match_stated_std():
    w = small_world(nx=24, days=30)
    obs = ob.simulate(w, "swot", seed=1)                       # errors="realistic" is the default
    assert set(obs) >= {"ssh_nadir", "ssh_swot", "sst_l3", "ssh_l4", "sst_l4", "sss_l4", "uas", "vas"}
    for k, d in obs.items():
        emp, stated = _rms(d.value.values - _truth_at(w, d)), _rms(d["std"].values)
        tol = 0.2 if k.endswith("_l4") or k in ("uas", "vas") else 0.1
        assert abs(emp/stated - 1) < tol, (k, emp, stated)
    assert float(obs["ssh_nadir"]["std"][0]) == pytest.approx(0.03) and float(np.nanmax(obs["sst_l3"]["std"])) == pytest.approx(0.4)
    assert float(np.nanmax(obs["uas"]["std"])) == pytest.approx(1.5)
    sw = obs["ssh_swot"]                                       # total and correlated std written per point
    assert _rms(sw["std"]) == pytest.approx(np.hypot(0.02, 0.01), rel=0.02)
    assert _rms(sw["std_correlated"]) == pytest.approx(0.01, rel=0.05)
    np.testing.assert_allclose(sw["std"]**2 - sw["std_correlated"]**2, 0.02**2, rtol=1e-4)
    assert "std_correlated" not in obs["ssh_nadir"] and "std_correlated" not in obs["sst_l3"]
    # the SWOT correlated part: the error averaged over a pass (thousands of points) keeps ~ its bias, white noise would not
    e = sw.value.values - _truth_at(w, sw); t = sw.time.values
    cut = np.r_[0, np.flatnonzero(np.diff(t) > np.timedelta64(1, "h")) + 1, len(t)]
    means = np.array([e[a:b][sw.xtrack.values[a:b] > 0].mean() for a, b in zip(cut[:-1], cut[1:]) if (sw.xtrack.values[a:b] > 0).sum() > 500])
    assert len(means) >= 3 and np.abs(means).max() > 3*0.02/np.sqrt(500)


def test_winds_realistic_absolute_and_correlated():
    w = small_world(nx=30, days=300)
    wl = ob.simulate_winds(w, seed=2)
    e = wl["uas"].value.values - w.uas.values
    assert _rms(e) == pytest.approx(1.5, rel=0.08)
    assert float((e[:, :, :-1]*e[:, :, 1:]).mean())/_rms(e)**2 > 0.9          # neighbours (~7 km) strongly correlated (L = 100 km)
    st = ob.simulate_winds(w, 0.01, seed=2, relative=True, length_km=0.)      # the study: 1 % of the anomaly std, white
    es = st["uas"].value.values - w.uas.values
    assert _rms(es) == pytest.approx(0.01*float((w.uas - w.uas.mean("time")).std()), rel=0.05)
    assert abs(float((es[:, :, :-1]*es[:, :, 1:]).mean()))/_rms(es)**2 < 0.05


def test_study_preset_reproduces_former_noise():
    assert ob.NOISE is ob.ERROR_PRESETS["study"] and set(ob.ERROR_PRESETS["study"]) == set(ob.ERROR_PRESETS["realistic"])
    assert {k: ob.NOISE[k] for k in ("ssh_nadir", "ssh_swot", "sst_l3", "ssh_l4", "sst_l4", "sss_l4", "winds")} == \
        {"ssh_nadir": 0.01, "ssh_swot": 0.01, "sst_l3": 0.1, "ssh_l4": 0.01, "sst_l4": 0.1, "sss_l4": 0.05, "winds": 0.01}
    w = small_world()
    st, re = ob.simulate(w, "swot", seed=3, errors="study"), ob.simulate(w, "swot", seed=3)
    assert not any("std_correlated" in d for d in st.values())
    assert float(st["ssh_nadir"]["std"].max()) == pytest.approx(0.01) and float(re["ssh_nadir"]["std"].max()) == pytest.approx(0.03)
    # same draws as the realistic nadir, scaled by 0.01/0.03; the study's L4 adds no noise to the smoothed truth
    np.testing.assert_allclose((st["ssh_nadir"].value - _truth_at(w, st["ssh_nadir"]))/0.01,
                               (re["ssh_nadir"].value - _truth_at(w, re["ssh_nadir"]))/0.03, atol=2e-3)
    np.testing.assert_allclose(st["sst_l4"].value, ob.simulate_l4(w, "sst", noise=False).value, atol=1e-5)
    with pytest.raises(ValueError, match="unknown error preset"): ob.simulate(w, errors="optimistic")
    with pytest.raises(ValueError, match="ssh_nadri"): ob.simulate(w, noise={"ssh_nadri": 0.1})


def test_super_observations_known_answers():
    rng = np.random.default_rng(0)
    glat, glon = np.arange(5.), np.arange(5.)
    la, lo = 2 + rng.uniform(-.49, .49, 50), 2 + rng.uniform(-.49, .49, 50)      # all nearest to pixel (2, 2)
    idx, w, ok = ob.bilinear_weights(la, lo, glat, glon)
    s = rng.uniform(0.01, 0.04, 50); y = 1.3 + s*rng.standard_normal(50)         # pixel-constant field, independent errors
    I, W, v, sd = ob.super_observations(idx, w, y, s)
    p = 1/s**2
    assert I.shape[0] == 1 and v[0] == pytest.approx((p*y).sum()/p.sum()) and sd[0] == pytest.approx(p.sum()**-0.5)
    np.testing.assert_allclose(W.sum(1), 1.)
    f = rng.standard_normal(25)
    assert (f[I]*W).sum() == pytest.approx(((f[idx]*w).sum(1)*p).sum()/p.sum())
    # with a correlated part: white precision only, and the correlated variance added back whole
    c = 0.008; st = np.hypot(s, c)
    _, _, vc, sc = ob.super_observations(idx, w, y, st, c)
    assert vc[0] == pytest.approx(v[0]) and sc[0] == pytest.approx(np.sqrt(1/p.sum() + c**2))
    e = ob.super_observations(np.zeros((0, 4), int), np.zeros((0, 4)), np.zeros(0), np.zeros(0))
    assert e[0].shape == (0, 4)


def test_build_operator_superobs():
    w = small_world(nx=20, days=12)
    obs = ob.simulate(w, "swot", seed=0)
    t = pd.DatetimeIndex(obs["ssh_swot"].time.values).normalize()
    day = t.value_counts().idxmax()
    A0, A1 = ob.build_operator(obs, day, w, superobs=False), ob.build_operator(obs, day, w)
    n0, n1 = A0.sizes["ssh_swot"], A1.sizes["ssh_swot"]
    assert 0 < n0 <= (t == day).sum()
    assert n1 < n0/8                                              # ~17 raw 2 km points per 9x7 km pixel (one pass)
    np.testing.assert_allclose(A1.parts["ssh_swot"].w.sum(1).numpy(), 1., atol=1e-5)
    assert A1.parts["ssh_swot"].idx.shape[1] <= 9
    for k in ("sst_l3", "ssh_l4", "sst_l4", "sss_l4", "uas", "vas"):   # gridded products untouched
        if k in A0.sizes:
            assert torch.equal(A1.split(A1.y)[k], A0.split(A0.y)[k]) and torch.equal(A1.split(A1.std)[k], A0.split(A0.std)[k])
            assert torch.equal(A1.parts[k].idx if hasattr(A1.parts[k], "idx") else A1.parts[k].sample.idx,
                               A0.parts[k].idx if hasattr(A0.parts[k], "idx") else A0.parts[k].sample.idx)
    # noise-free: the super-observations are still reproduced exactly by the truth
    z = ob.simulate(w, "swot", seed=0, noise={k: 0. for k in ob.NOISE})
    Az = ob.build_operator(z, day, w)
    x = torch.as_tensor(np.nan_to_num(np.stack([w[v].sel(time=day).values if v in w else np.zeros((20, 20)) for v in
                        ["zos", "thetao", "so", "uo", "vo", "uas", "vas"]])), dtype=torch.float64)[None]
    r = Az.double().split(Az.double()(x) - Az.y.double())
    assert float(r["ssh_swot"].abs().max()) < 1e-5
    assert all(float(r[k].abs().max()) < 1e-5 for k in ("ssh_nadir", "sst_l3", "uas") if k in r)
