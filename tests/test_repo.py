"""Repository-level checks: notebooks and the exported package agree, and notebooks are clean."""
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

def _status():
    return subprocess.run(["git", "status", "--porcelain", "--", "genda", "nbs"], cwd=ROOT,
                          capture_output=True, text=True).stdout

def test_export_and_clean_are_noops():
    "`nbdev_export` and `nbdev_clean` change nothing: the committed modules come from the committed notebooks."
    before = _status()
    for cmd in ("nbdev_export", "nbdev_clean"):
        r = subprocess.run([str(BIN / cmd)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    after = _status()
    assert before == after, f"nbdev_export/nbdev_clean changed files:\n{after}"

def test_every_module_has_a_notebook():
    mods = {p.stem for p in (ROOT / "genda").glob("*.py") if not p.name.startswith("_")}
    srcs = subprocess.run(["grep", "-rhoP", r"default_exp\s+\K[\w.]+", "nbs", "--include=*.ipynb"],
                          cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert mods <= set(srcs), f"modules without a notebook: {mods - set(srcs)}"

def test_cli_help():
    r = subprocess.run([str(BIN / "genda"), "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "demo" in r.stdout, r.stderr

def test_every_notebook_opens_with_the_genda_kernel():
    "Each notebook names a kernelspec that exists and runs this environment's Python (so `import genda` works in Lab)."
    import json
    from jupyter_client.kernelspec import KernelSpecManager
    ksm = KernelSpecManager()
    nbs = sorted((ROOT / "nbs").rglob("*.ipynb"))
    assert nbs
    for p in nbs:
        if ".ipynb_checkpoints" in p.parts: continue
        name = json.loads(p.read_text())["metadata"].get("kernelspec", {}).get("name")
        assert name == "genda", f"{p.name}: kernelspec {name!r}"
        spec = ksm.get_kernel_spec(name)
        assert Path(spec.argv[0]).absolute() == Path(sys.executable).absolute(), (p.name, spec.argv[0])
