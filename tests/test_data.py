"""Tests of genda.data that do not fit the notebook: Copernicus Marine offline/no-credential paths (they import
copernicusmarine), DataLoader workers, the lazy (dask) path and the CLI."""
import os, time, warnings
import numpy as np, pytest, torch, xarray as xr
from genda import data as D


@pytest.fixture(scope="module")
def small():
    raw = D.synthetic_raw(nt=90, ny=24, nx=32, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        norm, stats = D.preprocess(raw, train=("2010-01-01", "2010-02-28"), chunks=16)
    return raw, norm.compute(), stats


def _no_credentials(monkeypatch, tmp_path):
    for k in D.CMEMS_ENV: monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COPERNICUSMARINE_CREDENTIALS_DIRECTORY", str(tmp_path / "cm"))


def test_cmems_no_credentials_fails_fast(monkeypatch, tmp_path):
    _no_credentials(monkeypatch, tmp_path)
    assert D.cmems_credentials() is None
    t0 = time.time()
    with pytest.raises(D.DataError, match="No Copernicus Marine credentials"):
        D.open_source("glorys_gulfstream", winds=None)
    assert time.time() - t0 < 5


def test_cmems_credentials_places(monkeypatch, tmp_path):
    _no_credentials(monkeypatch, tmp_path)
    (tmp_path / ".netrc").write_text("machine auth.marine.copernicus.eu login someone password s3cret\n")
    (tmp_path / ".netrc").chmod(0o600)
    where = D.cmems_credentials()
    assert where.endswith(".netrc") and "s3cret" not in where
    assert D.cmems_credentials("u", "p") == "arguments"


def test_cmems_offline_fails_fast_without_leaking(monkeypatch, tmp_path, capsys):
    "Credentials present but no network (this machine): a DataError within seconds, the password never shown."
    _no_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_USERNAME", "genda-test-user")
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_PASSWORD", "pw-never-printed-123")
    monkeypatch.setenv("COPERNICUSMARINE_HTTPS_TIMEOUT", "3")
    monkeypatch.setenv("COPERNICUSMARINE_HTTPS_RETRIES", "0")
    t0 = time.time()
    with pytest.raises(D.DataError, match="Copernicus Marine") as e:
        D.open_source("glorys_gulfstream", winds=None)
    assert time.time() - t0 < 20  # ~3 s here (import included); the defaults retry for minutes
    out = capsys.readouterr()
    assert "pw-never-printed-123" not in str(e.value) + out.out + out.err


def test_glorys_needs_configured_winds(monkeypatch):
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_USERNAME", "u")
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_PASSWORD", "p")
    with pytest.raises(D.DataError, match="era5_winds"):
        D.open_source("glorys_gulfstream")


def test_dataloader_workers(small):
    _, norm, _ = small
    ds = D.CropDataset(norm, size=8, period=("2010-01-01", "2010-02-28"))
    dl = torch.utils.data.DataLoader(ds, batch_size=8, shuffle=True, num_workers=2)
    n = 0
    for b in dl:
        assert b.dtype == torch.float32 and b.shape[1:] == (7, 8, 8) and torch.isfinite(b).all()
        n += len(b)
    assert n == len(ds)


def test_crops_never_touch_land(small):
    _, norm, _ = small
    ds = D.CropDataset(norm, size=10)
    mask = D.ocean_mask(norm).values
    for idx in range(300):
        t, i, j = ds.locate(idx % len(ds))
        assert mask[i:i + 10, j:j + 10].all()
    tiles = D.CropDataset(norm, size=10, tiles=True)
    for (i, j) in tiles.positions: assert mask[i:i + 10, j:j + 10].all() and i % 10 == 0 and j % 10 == 0


def test_round_trip_and_currents(small):
    raw, norm, stats = small
    phys = D.denormalise(norm, stats)
    xr.testing.assert_allclose(D.normalise(phys, stats), norm, atol=2e-5)
    uo, vo = D.total_current(phys, stats)
    m = D.ocean_mask(norm).values
    np.testing.assert_allclose(uo.values[:, m], raw.uo.values[:, m], atol=2e-5)


def test_lazy_equals_eager(small):
    raw, norm, stats = small
    lazy = D.synthetic_raw(nt=90, ny=24, nx=32, seed=3, chunks=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n2, s2 = D.preprocess(lazy, train=("2010-01-01", "2010-02-28"), chunks=8)
    xr.testing.assert_allclose(s2, stats)
    xr.testing.assert_allclose(n2.compute(), norm, atol=1e-5)


def test_cli_list(capsys):
    assert D.main(["list"]) == 0
    assert "glorys_gulfstream" in capsys.readouterr().out


def test_local_ocean_with_era5_winds(tmp_path):
    "A user's ocean files without winds + ERA5-like winds (6-hourly, 0.25 deg, 0..360 lon, descending lat, u10/v10)."
    raw = D.synthetic_raw(nt=20, ny=24, nx=32, seed=5)
    raw.drop_vars(["uas", "vas"]).to_netcdf(tmp_path / "ocean.nc")
    t = np.arange("2010-01-01", "2010-01-21", np.timedelta64(6, "h"), dtype="datetime64[ns]")
    lat = np.arange(46, 23.9, -0.25); lon = np.arange(288, 322.01, 0.25)
    LA, LO = np.meshgrid(lat, lon, indexing="ij")
    u = np.broadcast_to(5 + 0.1 * (LO - 300), (len(t),) + LA.shape).astype("float32")
    era = xr.Dataset({"u10": (("valid_time", "latitude", "longitude"), u, {"units": "m s**-1"}),
                      "v10": (("valid_time", "latitude", "longitude"), np.full_like(u, -2.0), {"units": "m s**-1"})},
                     coords=dict(valid_time=t, latitude=lat, longitude=lon))
    era.to_netcdf(tmp_path / "era5.nc")
    cat = {"_path": "test", "sources": {
        "mine": {"driver": "local", "paths": [str(tmp_path / "ocean.nc")], "winds": "era5", "region": [-70, -40, 25, 45]},
        "era5": {"driver": "local", "kind": "winds", "paths": [str(tmp_path / "era5*.nc")],
                 "variables": {"u10": "uas", "v10": "vas"}}}}
    ds = D.open_source("mine", catalog=cat)
    assert list(ds.data_vars) == D.RAW_VARS and ds.sizes["time"] == 20
    expect = 5 + 0.1 * ((ds.longitude.values + 360) - 300)
    np.testing.assert_allclose(ds.uas.isel(time=3, latitude=5).values, expect, atol=1e-4)
    np.testing.assert_allclose(ds.vas.values, -2.0)
