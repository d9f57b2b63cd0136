"""The experiment notebooks through papermill, a sweep with a failing run, and the torchrun day split.

Tiny settings (1-2 days, 2 members, a few steps): these check the plumbing end to end on the demo world with the
shipped demo prior, not the science (the notebooks and `make demo` show that).
"""
import os, subprocess, sys
from pathlib import Path
import pandas as pd, pytest, xarray as xr, yaml

ROOT = Path(__file__).resolve().parents[1]
EXP = ROOT / "nbs" / "experiments"
BIN = Path(sys.executable).parent
TINY = dict(days=1, members=2, steps=4)

def _papermill(nb, dest, **params):
    import papermill as pm
    return pm.execute_notebook(str(nb), str(dest / "run.ipynb"), parameters=params, kernel_name="genda",
                               progress_bar=False, cwd=str(nb.parent))

def test_osse_notebook(tmp_path):
    _papermill(EXP / "osse.ipynb", tmp_path, out=str(tmp_path / "run"), **TINY)
    run = tmp_path / "run"
    for f in ("config.yaml", "truth.nc", "genda.nc", "oi.nc", "unet.nc", "metrics.csv", "report.md", "figures/maps.png"):
        assert (run / f).exists(), f
    m = pd.read_csv(run / "metrics.csv")
    assert {"genda", "oi", "unet"} <= set(m.method)
    g = xr.open_dataset(run / "genda.nc")
    assert g.sizes["member"] == 2 and {"zos", "uo", "vo"} <= set(g.data_vars)
    assert g.zos.attrs.get("units") == "m"
    truth = xr.open_dataset(run / "truth.nc")
    land = truth.zos.isel(time=0).isnull()
    assert (g.zos.isel(time=0, member=0).isnull().values == land.values).all()  # NaN exactly where the truth's land is

def test_ose_notebook_scores_only_withheld(tmp_path):
    _papermill(EXP / "ose.ipynb", tmp_path, out=str(tmp_path / "run"), n_drifters=20, baselines=["oi"], **TINY)
    m = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert set(m.metric.str.split(":").str[0]) <= {"ssh_withheld", "drifters"}
    assert (tmp_path / "run" / "drifters.nc").exists()
    assert not (tmp_path / "run" / "truth.nc").exists()  # an OSE has no truth to write

def test_sweep_with_a_failing_run(tmp_path):
    spec = {"notebook": str(EXP / "osse.ipynb"), "out": str(tmp_path / "sweep"), "workers": 2,
            "base": {**TINY, "baselines": ["oi"]}, "grid": {"method": ["mmps", "bogus"]}}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    r = subprocess.run([str(BIN / "genda"), "sweep", str(tmp_path / "sweep.yaml")], capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    st = pd.read_csv(tmp_path / "sweep" / "status.csv").set_index("run").status
    assert st["method=mmps"] == "ok" and st["method=bogus"] == "failed"
    assert "mmps, sda or dps" in (tmp_path / "sweep" / "method=bogus" / "FAILED.txt").read_text()
    tab = pd.read_csv(tmp_path / "sweep" / "sweep_metrics.csv")
    assert set(tab.run) == {"method=mmps"} and "method_param" in tab

def test_torchrun_splits_days(tmp_path):
    out = tmp_path / "run"
    cmd = [str(BIN / "torchrun"), "--nproc_per_node", "2", "-m", "genda.experiment", "osse", "--days", "2",
           "--members", "2", "--steps", "2", "--baselines", "oi", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(list((out / "days").glob("*.nc"))) == 2
    assert xr.open_dataset(out / "genda.nc").sizes["time"] == 2
