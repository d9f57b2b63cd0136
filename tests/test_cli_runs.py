"""What a user of `genda osse|ose|sweep` touches: option help, bad arguments, file modes, threads per sweep worker."""
import os, re, subprocess, sys
from dataclasses import fields
from pathlib import Path
import pandas as pd, pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
EXP = ROOT / "nbs" / "experiments"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COLUMNS": "100"}

def _help(*cmd):
    r = subprocess.run([str(BIN / "genda"), *cmd, "--help"], capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout

def _option_helps(text):
    "{option: its help text} for every option of an argparse help page (continuation lines joined)."
    opts, cur = {}, []
    for line in text.splitlines():
        m = re.match(r"^  (-[^ ].*?)(?:\s{2,}(.*))?$", line)
        if m:   # e.g. "  --swot, --no-swot     add SWOT ..." or "  --cloud-fraction CLOUD_FRACTION" (help on the next line)
            cur = re.findall(r"(?:^|, )(--?[\w-]+)", m.group(1))
            for o in cur: opts[o] = m.group(2) or ""
        elif cur and line.startswith(" " * 6) and line.strip():
            for o in cur: opts[o] += " " + line.strip()
        else: cur = []
    return opts

@pytest.mark.parametrize("cmd", ["osse", "ose"])
def test_run_help_describes_every_option(cmd):
    from fastcore.docments import docments
    from genda.experiment import RunConfig
    text = _help(cmd)
    opts, docs = _option_helps(text), docments(RunConfig)
    squash = lambda s: re.sub(r"\s+", "", s)
    for f in fields(RunConfig):
        opt = f"--{f.name.replace('_', '-')}"
        assert opt in opts and opts[opt].strip(), f"{opt} has no description in `genda {cmd} --help`"
        assert squash(docs[f.name]) in squash(opts[opt]), (opt, opts[opt])
    assert all(h.strip() for o, h in opts.items()), {o: h for o, h in opts.items() if not h.strip()}  # ose's extras too

@pytest.mark.parametrize("cmd", ["sweep", "demo"])
def test_other_run_commands_describe_every_option(cmd):
    opts = _option_helps(_help(cmd))
    assert len(opts) >= 4 and "--threads" in opts
    assert all(h.strip() for h in opts.values()), {o: h for o, h in opts.items() if not h.strip()}

def test_bad_arguments_write_nothing_and_a_corrected_retry_runs(tmp_path):
    out = tmp_path / "run"
    base = ["--days", "1", "--members", "2", "--steps", "2", "--baselines", "oi", "--out", str(out)]
    bad = subprocess.run([str(BIN / "genda"), "osse", "--tile", "33,35,-62,-60", *base], capture_output=True, text=True,
                         timeout=600, env=ENV)
    assert bad.returncode == 2 and "needs" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr[-3000:]
    assert not out.exists()                                       # nothing written for a run that cannot start
    # a folder left by an older version's failed try (config.yaml only) does not block the corrected retry
    out.mkdir(); (out / "config.yaml").write_text(yaml.safe_dump({"kind": "osse", "tile": [33.0, 35.0, -62.0, -60.0], "days": 1}))
    ok = subprocess.run([str(BIN / "genda"), "osse", "--threads", "1", *base], capture_output=True, text=True, timeout=1500,
                        env=ENV, preexec_fn=lambda: os.umask(0o027))
    assert ok.returncode == 0, ok.stderr[-3000:]
    conf = yaml.safe_load((out / "config.yaml").read_text())
    assert conf["tile"] == "auto" and conf["threads"] == 1
    # every file the run wrote has the mode the umask gives (0640 under 027; 0644 under the usual 022), not 0600
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"config.yaml", "genda.nc", "truth.nc", "metrics.csv", "report.md", "maps.png"} <= {p.name for p in files}
    modes = {str(p.relative_to(out)): oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {"0o640"}, modes
    # it has results now: other parameters are refused, the same ones resume (with another thread count)
    other = subprocess.run([str(BIN / "genda"), "osse", *base, "--seed", "1"], capture_output=True, text=True, timeout=600, env=ENV)
    assert other.returncode == 2 and "other parameters (seed)" in other.stderr, other.stderr[-3000:]
    again = subprocess.run([str(BIN / "genda"), "osse", *base, "--threads", "2"], capture_output=True, text=True, timeout=600, env=ENV)
    assert again.returncode == 0, again.stderr[-3000:]

def test_sweep_workers_share_the_cores(tmp_path, monkeypatch):
    """A run in each worker's kernel uses cores // workers threads (`set_threads()`, as `run_osse` calls it), and the
    kernel's OpenMP/MKL/OpenBLAS variables say as many."""
    import nbformat
    from genda import experiment
    for k in experiment.THREAD_VARS: monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(experiment, "usable_cores", lambda: 8)    # as if on 8 cores: 2 workers get 4 threads each
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "genda", "display_name": "genda", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("out = '.'\nx = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(
                    "import os, pathlib, torch, pandas as pd\nfrom genda.experiment import set_threads\n"
                    "pathlib.Path(out, 'threads.txt').write_text(f\"{set_threads()} {torch.get_num_threads()} {os.environ['OMP_NUM_THREADS']}\")\n"
                    "pd.DataFrame(dict(method=['genda'], variable=['zos'], metric=['rmse'], value=[x])).to_csv(pathlib.Path(out)/'metrics.csv', index=False)")]
    nbformat.write(nb, tmp_path / "toy.ipynb")
    spec = {"notebook": str(tmp_path / "toy.ipynb"), "grid": {"x": [1, 2]}}
    st = experiment.run_sweep(spec, out=tmp_path / "sw", workers=2)
    assert list(st.status) == ["ok", "ok"], st
    for run in ("x=1", "x=2"): assert (tmp_path / "sw" / run / "threads.txt").read_text() == "4 4 4"
    st = experiment.run_sweep({**spec, "grid": {"x": [3]}, "threads": 3}, out=tmp_path / "sw", workers=2)   # told otherwise
    assert (tmp_path / "sw" / "x=3" / "threads.txt").read_text() == "3 3 3"
