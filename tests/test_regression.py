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

def test_demo_model_trained_on_the_osse_default_errors():
    "The shipped baseline saw training inputs with the observation errors the OSSEs simulate by default."
    from genda.experiment import RunConfig
    from genda.observe import ERROR_PRESETS
    m = reg.load_regression()
    assert m.meta.get("errors") == RunConfig().errors == reg.REG_CONFIGS["demo"]["errors"], m.meta.get("errors")
    assert m.meta["errors"] in ERROR_PRESETS and m.meta["torch_threads"] >= 1

def test_train_regression_errors_flag(tmp_path):
    "`genda train-regression --errors study` simulates its observations with the study preset and records it."
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert reg.main(["--config", "tiny", "--steps", "2", "--errors", "study", "--out", str(tmp_path / "t.pt"), "--report", str(tmp_path)]) == 0
    assert reg.load_regression(tmp_path / "t.pt").meta["errors"] == "study"
    import pytest
    with pytest.raises(SystemExit): reg.main(["--config", "tiny", "--errors", "nonsense"])
