"""The shipped demo regression model loads (weights_only=True) and predicts physical fields with land NaN."""
import numpy as np
from genda import regression as reg

def test_demo_model_loads_and_predicts():
    m = reg.load_regression()
    assert m.inputs == reg.REG_INPUTS and m.outputs == reg.REG_OUTPUTS and m.stats is not None
    assert m.meta["steps"] > 0 and m.meta["seconds"] > 0
    from genda.data import synthetic_raw
    import genda.observe as go
    s = m.stats; ny, nx = s.sizes["latitude"], s.sizes["longitude"]
    # a cheap stand-in ocean on the demo grid (a small corner of it), observed by the 2017-like system
    raw = synthetic_raw(nt=3, ny=ny, nx=nx, land=False).assign_coords(latitude=s.latitude.values, longitude=s.longitude.values)
    raw = raw.isel(latitude=slice(0, 24), longitude=slice(-24, None))
    obs = go.simulate(raw, "2017", seed=0)
    out = reg.predict(m, obs, currents=False)          # grid from the observations, land from the model's stats
    assert set(reg.REG_OUTPUTS) <= set(out.data_vars) and out.sizes["time"] == 3
    ocean = reg.ocean_mask(s).sel(latitude=raw.latitude, longitude=raw.longitude).values.astype(bool)
    for v in reg.REG_OUTPUTS:
        assert np.isfinite(out[v].values[:, ocean]).all() and np.isnan(out[v].values[:, ~ocean]).all()
    assert out.thetao.attrs["units"] == "degC" and 5 < float(out.thetao.mean()) < 35
