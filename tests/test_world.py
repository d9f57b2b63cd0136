"""pytest checks of genda.world on tiny worlds (seconds): schema, land mask, determinism per seed, cache, CLI."""
import numpy as np, xarray as xr, pytest
from genda import world

SMALL = dict(nx=16, days=4, spinup_days=4)

@pytest.fixture(scope="module")
def ds():
    return world.make_world(**SMALL)

def test_schema(ds):
    assert list(ds.data_vars) == ["zos", "thetao", "so", "uo", "vo", "uas", "vas"]
    for v in ds.data_vars:
        assert ds[v].dims == ("time", "latitude", "longitude") and ds[v].dtype == np.float32
        assert {"standard_name", "units", "long_name"} <= set(ds[v].attrs)
    assert ds.uo.attrs["depth"] == "15 m" and ds.thetao.attrs["units"] == "degC" and ds.so.attrs["units"] == "psu"
    assert np.all(np.diff(ds.latitude) > 0) and np.all(np.diff(ds.longitude) > 0)
    assert ds.time.dtype == "datetime64[ns]" and str(ds.time.values[0])[:10] == "2010-01-01"
    assert {"source", "seed", "params"} <= set(ds.attrs)

def test_land_identical_nan(ds):
    land = np.isnan(ds.zos.values)
    assert land.any() and land.all(axis=0).sum() == land[0].sum()
    for v in ["thetao", "so", "uo", "vo"]:
        np.testing.assert_array_equal(np.isnan(ds[v].values), land)
    assert not np.isnan(ds.uas.values).any() and not np.isnan(ds.vas.values).any()

def test_determinism(ds):
    xr.testing.assert_identical(ds, world.make_world(**SMALL))
    other = world.make_world(**SMALL, seed=1)
    assert not np.allclose(ds.zos.fillna(0), other.zos.fillna(0))

def test_grid_options():
    t, lat, lon = world.output_grid(world.WorldConfig(nx=128, res_deg=1 / 12, days=2))
    assert len(lat) == len(lon) == 128 and abs(lat[1] - lat[0] - 1 / 12) < 1e-9
    assert -70 <= lon.min() and lon.max() <= -40 and 25 <= lat.min() and lat.max() <= 45

def test_cache_and_cli(tmp_path):
    a = world.demo_world(tmp_path, **SMALL)
    b = world.demo_world(tmp_path, **SMALL)
    assert len(list(tmp_path.glob("world-*.nc"))) == 1
    xr.testing.assert_identical(a.load(), b.load())
    out = world.main(["--nx", "16", "--days", "2", "--set", "spinup_days=2", "--out", str(tmp_path / "w.nc")])
    assert xr.open_dataset(out).sizes["time"] == 2
