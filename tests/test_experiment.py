"""The experiment notebooks through papermill, a sweep with a failing run, and the torchrun day split.

Tiny settings (1-2 days, 2 members, a few steps): these check the plumbing end to end on the demo world with the
shipped demo prior, not the science (the notebooks and `make demo` show that).
"""
import os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, xarray as xr, yaml

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
    # claim 1: the fine-scale diagnostics of every estimate, in fine_scales.csv and in the report
    fs = pd.read_csv(run / "fine_scales.csv")
    assert {"genda member", "genda mean", "oi", "unet"} <= set(fs.estimate)
    jsd = fs[fs.metric == "jsd_zeta_over_f"].set_index("estimate").value
    assert ((jsd >= 0) & (jsd <= 1)).all() and len(jsd) == 4
    assert "## Claim 1: fine scales" in (run / "report.md").read_text()

def test_ose_notebook_scores_only_withheld(tmp_path):
    _papermill(EXP / "ose.ipynb", tmp_path, out=str(tmp_path / "run"), n_drifters=20, baselines=["oi"], **TINY)
    m = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert set(m.metric.str.split(":").str[0]) <= {"ssh_withheld", "drifters"}
    assert (tmp_path / "run" / "drifters.nc").exists()
    assert not (tmp_path / "run" / "truth.nc").exists()  # an OSE has no truth to write

def _failing_sweep(tmp_path, **spec):
    "A tiny mmps-vs-bogus sweep spec written to tmp_path/sweep.yaml; returns the `genda sweep` command."
    spec = {"notebook": str(EXP / "osse.ipynb"), "out": str(tmp_path / "sweep"),
            "base": {**TINY, "baselines": ["oi"]}, "grid": {"method": ["mmps", "bogus"]}, **spec}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    return [str(BIN / "genda"), "sweep", str(tmp_path / "sweep.yaml")]

def _check_failing_sweep(tmp_path, r):
    "mmps ran, bogus failed with its message recorded, and only mmps is in the gathered metrics."
    assert r.returncode == 0, r.stderr[-3000:]
    st = pd.read_csv(tmp_path / "sweep" / "status.csv").set_index("run").status
    assert st["method=mmps"] == "ok" and st["method=bogus"] == "failed"
    assert "mmps, sda or dps" in (tmp_path / "sweep" / "method=bogus" / "FAILED.txt").read_text()
    tab = pd.read_csv(tmp_path / "sweep" / "sweep_metrics.csv")
    assert set(tab.run) == {"method=mmps"} and "method_param" in tab

def test_sweep_with_a_failing_run(tmp_path):
    r = subprocess.run(_failing_sweep(tmp_path, workers=2), capture_output=True, text=True, timeout=1500)
    _check_failing_sweep(tmp_path, r)

def test_sweep_on_a_dask_cluster(tmp_path):
    "The failing-run sweep through dask.distributed: a running cluster's address, then a resume on `--scheduler local`."
    from distributed import LocalCluster
    sweep = _failing_sweep(tmp_path) + ["--scheduler"]
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        r = subprocess.run(sweep + [cluster.scheduler_address], capture_output=True, text=True, timeout=1500)
    _check_failing_sweep(tmp_path, r)
    assert (tmp_path / "sweep" / "figures").is_dir()
    done = (tmp_path / "sweep" / "method=mmps" / "metrics.csv").stat().st_mtime_ns
    r = subprocess.run(sweep + ["local", "--workers", "2"], capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    st = pd.read_csv(tmp_path / "sweep" / "status.csv").set_index("run").status
    assert st["method=mmps"] == "skipped (complete)" and st["method=bogus"] == "failed"
    assert (tmp_path / "sweep" / "method=mmps" / "metrics.csv").stat().st_mtime_ns == done   # not run again

def test_shipped_transfer_sweep_is_valid():
    "The shipped claim-2 spec: every run is a valid RunConfig the papermill notebook can build, the reference is one of them."
    from genda.experiment import RunConfig, sweep_runs
    import nbformat
    spec = yaml.safe_load((EXP / "transfer_sweep.yaml").read_text())
    runs = dict(sweep_runs(spec))
    assert spec["reference"] in runs and len(runs) >= 5
    params_cell = next(c.source for c in nbformat.read(EXP / spec["notebook"], 4).cells if "parameters" in c.metadata.get("tags", []))
    for rid, p in runs.items():
        RunConfig.from_dict(p)                                                  # valid parameters
        assert all(f"\n{k} = " in "\n" + params_cell for k in p), rid           # each one reaches the notebook's RunConfig
    shifted = [p for rid, p in runs.items() if rid != spec["reference"]]
    assert any(p.get("error_scale", 1) >= 2 for p in shifted) and any(p.get("swot") for p in shifted)
    assert any(p.get("source") == "demo_ose" for p in shifted) and any("nadirs" in p or p.get("system", "2017") != "2017" for p in shifted)

def test_transfer_sweep_tiny(tmp_path):
    "A two-shift sweep on a tiny setting: the error shift reaches the observations, and the transfer report divides each method by itself."
    spec = {"notebook": str(EXP / "osse.ipynb"), "out": str(tmp_path / "sweep"), "workers": 2, "reference": "none",
            "base": {**TINY, "start": "2012-07-03", "baselines": ["unet"]},
            "runs": {"none": {}, "errors_x3": {"error_scale": 3.0}}}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    r = subprocess.run([str(BIN / "genda"), "sweep", str(tmp_path / "sweep.yaml")], capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    sw = tmp_path / "sweep"
    assert set(pd.read_csv(sw / "status.csv").status) == {"ok"}
    std = {k: float(xr.open_dataset(sw / k / "obs" / "ssh_nadir.nc")["std"].median()) for k in ("none", "errors_x3")}
    assert abs(std["errors_x3"] / std["none"] - 3) < 1e-6
    t = pd.read_csv(sw / "transfer.csv")
    assert list(dict.fromkeys(t["shift"])) == ["none", "errors_x3"]
    assert {"genda mean", "genda member", "unet"} <= set(t.estimate)
    assert (t[t["shift"] == "none"].ratio.round(9) == 1).all()
    m = pd.concat({k: pd.read_csv(sw / k / "metrics.csv") for k in ("none", "errors_x3")}, names=["shift"]).reset_index(0)
    m = m[m.time.isna() & (m.metric == "rmse") & (m.variable == "zos") & (m.method == "unet")].set_index("shift").value
    got = t[(t.metric == "nrmse") & (t.variable == "zos") & (t.estimate == "unet")].set_index("shift").ratio
    assert abs(got["errors_x3"] - m["errors_x3"] / m["none"]) < 1e-9    # same truth: the ratio is the RMSE ratio
    assert (sw / "figures" / "transfer.png").stat().st_size > 1000 and "| errors_x3" in (sw / "transfer.md").read_text()

def test_torchrun_splits_days(tmp_path):
    out = tmp_path / "run"
    cmd = [str(BIN / "torchrun"), "--nproc_per_node", "2", "-m", "genda.experiment", "osse", "--days", "2",
           "--members", "2", "--steps", "2", "--baselines", "oi", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(list((out / "days").glob("*.nc"))) == 2
    assert xr.open_dataset(out / "genda.nc").sizes["time"] == 2

def _fixture_catalog(tmp_path):
    "The repo's catalog plus `fixture_ose`: real-format product files (genda.observe.fixture_product) over the demo grid."
    from genda.observe import fixture_product
    d = tmp_path / "products"
    for k in ("l3s_sst", "l4_sss", "winds"): fixture_product(k, d / f"{k}.nc", start="2012-06-26", days=12)
    fixture_product("l3_ssh", d / "l3_ssh_j3.nc", start="2012-06-26", days=12)
    fixture_product("l3_ssh", d / "l3_ssh_c2.nc", start="2012-06-26", days=12, mission="c2")   # the withheld mission
    fixture_product("drifters", d / "GL_TS_DC_1.nc", start="2012-07-01", days=3)
    cat = yaml.safe_load((ROOT / "data_catalog.yaml").read_text())
    cat["sources"]["fixture_ose"] = {
        "driver": "observations", "region": [-66, -54, 32, 44], "period": ["2012-06-26", "2012-07-07"], "prior_source": "demo",
        "withheld": ["Cryosat-2"],
        "products": {"l3_ssh": {"paths": [str(d / "l3_ssh_*.nc")]}, "l3s_sst": {"paths": [str(d / "l3s_sst.nc")]},
                     "l4_sss": {"paths": [str(d / "l4_sss.nc")]}, "winds": {"paths": [str(d / "winds.nc")]},
                     "drifters": {"paths": [str(d / "GL_*.nc")]}}}
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(cat))
    return {**os.environ, "GENDA_CATALOG": str(tmp_path / "catalog.yaml")}

def test_ose_on_real_product_files_from_the_catalog(tmp_path):
    env, out = _fixture_catalog(tmp_path), tmp_path / "run"
    cmd = [str(BIN / "genda"), "ose", "--source", "fixture_ose", "--start", "2012-07-02", "--days", "1", "--members", "2",
           "--steps", "4", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    m = pd.read_csv(out / "metrics.csv")
    assert set(m.method) == {"genda", "oi", "unet"}
    kinds = set(m.metric.str.split(":").str[0])
    assert kinds == {"ssh_withheld", "drifters"}, kinds                       # scored on withheld data only
    assert {p.stem for p in (out / "obs").glob("*.nc")} == {"ssh_nadir", "ssh_withheld", "sst_l3", "sss_l4", "uas", "vas"}
    held = xr.open_dataset(out / "obs" / "ssh_withheld.nc")
    assert set(held.mission.values) == {"Cryosat-2"} and held.attrs["role"] == "validation"
    assert "real products" in (out / "report.md").read_text() and not (out / "truth.nc").exists()
    # the papermill notebook, same parameters: the same run, the same scores
    old = os.environ.get("GENDA_CATALOG"); os.environ["GENDA_CATALOG"] = env["GENDA_CATALOG"]  # the kernel inherits it
    try: _papermill(EXP / "ose.ipynb", tmp_path, source="fixture_ose", start="2012-07-02", days=1, members=2, steps=4,
                    out=str(tmp_path / "nbrun"), method="mmps", system="2017", swot=False, seed=0, gamma=0.1)
    finally:
        if old is None: os.environ.pop("GENDA_CATALOG")
        else: os.environ["GENDA_CATALOG"] = old
    nbm = pd.read_csv(tmp_path / "nbrun" / "metrics.csv")
    pd.testing.assert_frame_equal(nbm, m)

def test_ose_without_product_files_names_the_fix(tmp_path):
    r = subprocess.run([str(BIN / "genda"), "ose", "--source", "ose_gulfstream_2017", "--out", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "genda observe fetch ose_gulfstream_2017" in r.stderr and "products.<product>.paths" in r.stderr


def test_trajectory_run_resumes_by_trajectory(tmp_path):
    "GenDA over 5-day trajectories (the shipped window prior): daily files, λt scored, resumed one trajectory at a time."
    from genda.experiment import RunConfig, run_osse
    cfg = RunConfig(start="2012-07-03", days=10, trajectory=5, members=2, steps=3, baselines=(), out=str(tmp_path / "run"))
    run = run_osse(cfg)
    files = sorted((run / "days").glob("*.nc"))
    assert len(files) == 10
    g = xr.open_dataset(run / "genda.nc")
    assert g.sizes["time"] == 10 and g.sizes["member"] == 2 and g.attrs["block_days"] == 5
    assert g.attrs["trajectory_days"] == 9                                                # padded by 2 days on either side
    assert g.zos.notnull().any() and float(g.zos.std()) > 0
    with xr.open_dataset(files[5]) as b2:                                                # chained: members continue the first trajectory
        assert b2.attrs["given_days"] == "2012-07-06 2012-07-07" and b2.attrs["given_std"] == cfg.chain
    m = pd.read_csv(run / "metrics.csv")
    assert m[(m.metric == "lambda_t_days") & (m.variable == "zos")].value.notna().all()   # 10 days: λt is scored
    first = {f.name: f.stat().st_mtime_ns for f in files[:5]}
    files[-1].unlink(); (run / "metrics.csv").unlink()                                    # an interrupted second trajectory
    run_osse(cfg)
    assert files[-1].exists() and {f.name: f.stat().st_mtime_ns for f in files[:5]} == first  # only that trajectory again
    r = subprocess.run([str(BIN / "genda"), "osse", "--trajectory", "3", "--days", "6", "--out", str(tmp_path / "bad")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "shorter than the prior's window of 5 days" in r.stderr
    assert not (tmp_path / "bad").exists()                                                # nothing written


def test_results_of_another_prior_are_not_resumed(tmp_path):
    "A run folder made with another prior, U-Net or world version is refused, not silently reused (`genda demo` recomputes its own)."
    from genda.experiment import RunConfig, run_osse, provenance, _stale
    cfg = RunConfig(days=1, members=2, steps=2, baselines=(), out=str(tmp_path / "run"))
    run_osse(cfg)
    assert not _stale(cfg)
    run_osse(cfg)                                                   # same parameters, same versions: resumes
    conf = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert conf["provenance"] == provenance(cfg) and conf["provenance"]["prior"]
    conf["provenance"]["prior"] = "0123456789ab"                    # as if made with an older prior
    (tmp_path / "run" / "config.yaml").write_text(yaml.safe_dump(conf))
    assert _stale(cfg)
    with pytest.raises(ValueError, match="another prior, U-Net or data version"):
        run_osse(cfg)
    conf["provenance"] = provenance(cfg); conf["blocks"] = 2.5     # as if made when a default was different
    (tmp_path / "run" / "config.yaml").write_text(yaml.safe_dump(conf))
    assert _stale(cfg)                                              # `genda demo` recomputes it; a user's run is refused:
    with pytest.raises(ValueError, match=r"other parameters \(blocks\)"):
        run_osse(cfg)


def test_gaussian_baseline_in_an_osse(tmp_path):
    "The opt-in Gaussian baseline runs beside GenDA with GenDA's observations, is scored like the others, and has skill."
    from genda.experiment import RunConfig, run_osse
    out = run_osse(RunConfig(days=1, members=2, steps=2, baselines=("gaussian",), out=str(tmp_path / "run")))
    ga = xr.open_dataset(out / "gaussian.nc"); tr = xr.open_dataset(out / "truth.nc")
    assert {"zos", "thetao", "so", "uo", "vo", "zos_err_var"} <= set(ga.data_vars) and ga.attrs["method"] == "gaussian"
    assert int(np.isnan(ga.zos).sum()) == int(np.isnan(tr.zos).sum())                     # land NaN, like the truth
    m = pd.read_csv(out / "metrics.csv")
    r = m[(m.method == "gaussian") & (m.variable == "zos") & (m.metric == "rmse") & m.time.isna()].value
    assert len(r) == 1 and float(r.iloc[0]) < 0.5 * float(tr.zos.std())                  # skill: well under the truth's spread
    with pytest.raises(ValueError, match="choose from oi, unet, gaussian"):
        RunConfig(baselines=("kriging",))


def test_coupled_trajectory_prior_in_an_osse(tmp_path, monkeypatch):
    """trajectory_prior="coupled" (the default): the daily prior coupled across days by a Gaussian of block means from the
    training crops (`genda.sda.CoupledPrior`) samples trajectories with skill; its Gaussian is the crops' block means'
    (or their lowest DCT modes');
    the shipped window network remains a choice."""
    import torch
    from genda.experiment import RunConfig, run_osse, _prior, provenance, COUPLING
    from genda.baselines import crop_prior
    monkeypatch.setitem(COUPLING, "crops", 2000)   # a cheaper Gaussian than the shipped 30000 crops of 16² modes (test_trajectory_run_resumes_by_trajectory builds that one)
    monkeypatch.setitem(COUPLING, "coarsen", 4)
    from genda.sda import CoupledPrior
    mu, B = crop_prior("demo", 32, 300, window=2, channels=[0], batch=100, ridge=0.)
    mc, Bc = crop_prior("demo", 32, 300, window=2, channels=[0], batch=100, coarsen=4, ridge=0.)
    P = torch.nn.functional.avg_pool2d(torch.eye(1024, dtype=torch.float64).reshape(1024, 1, 32, 32), 4).reshape(1024, 64)
    P2 = torch.block_diag(P, P).T                                                           # (128, 2048) block means of 2 days
    assert torch.allclose(mc, P2 @ mu, atol=1e-6) and torch.allclose(Bc, P2 @ B @ P2.T, atol=1e-6)
    from genda.sda import dct_rows                                                           # basis="dct": the lowest 8 x 8 DCT modes / 4
    md, Bd = crop_prior("demo", 32, 300, window=2, channels=[0], batch=100, coarsen=4, basis="dct", ridge=0.)
    Q = torch.kron(dct_rows(32, 8), dct_rows(32, 8)) / 4; Q2 = torch.block_diag(Q, Q)
    assert torch.allclose(md, Q2 @ mu, atol=1e-5) and torch.allclose(Bd, Q2 @ B @ Q2.T, atol=1e-5)
    cfg = RunConfig(start="2012-07-03", days=6, trajectory=6, trajectory_prior="coupled", members=2, steps=3, baselines=(),
                    out=str(tmp_path / "run"))
    assert isinstance(_prior(cfg), CoupledPrior) and set(provenance(cfg)) >= {"daily prior"} and "prior" not in provenance(cfg)
    run = run_osse(cfg)
    g, tr = xr.open_dataset(run / "genda.nc"), xr.open_dataset(run / "truth.nc")
    assert g.sizes["time"] == 6 and g.attrs["window_days"] == 5 and g.attrs["trajectory_days"] == 10
    err = float(np.sqrt(((g.zos.mean("member") - tr.zos) ** 2).mean()))
    assert err < 0.5 * float(tr.zos.std())                                                  # skill
    with pytest.raises(ValueError, match="shorter than the prior's window of 5 days"):
        _prior(RunConfig(days=6, trajectory=3, trajectory_prior="coupled"))
    assert RunConfig().trajectory_prior == "coupled"
    cw = RunConfig(start="2012-07-03", days=5, trajectory=5, trajectory_prior="window", members=2, steps=2, baselines=(),
                   out=str(tmp_path / "window"))
    assert set(provenance(cw)) >= {"prior", "daily prior"}
    gw = xr.open_dataset(run_osse(cw) / "genda.nc")
    assert gw.sizes["time"] == 5 and gw.zos.notnull().any()
    with pytest.raises(ValueError, match="trajectory_prior must be window or coupled"):
        RunConfig(trajectory_prior="network")


def test_a_given_window_prior_is_the_trajectory_prior():
    "With `prior=` a window prior, trajectories use it (the coupled default applies to daily priors); a daily prior cannot be a window."
    from genda.experiment import RunConfig, _prior
    from genda.train import _default_prior
    w = str(_default_prior("demo-window"))
    assert int(_prior(RunConfig(trajectory=6, prior=w)).window) == 5
    with pytest.raises(ValueError, match="shorter than the prior's window of 5 days"):
        _prior(RunConfig(trajectory=3, prior=w))
    with pytest.raises(ValueError, match="needs a window prior"):
        _prior(RunConfig(trajectory=6, prior=str(_default_prior("demo")), trajectory_prior="window"))
