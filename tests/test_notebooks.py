"""Run every module notebook as a test (slow cells skipped), one pytest test per notebook.

Each notebook runs in its own process (as `nbdev_test` would, in-process execution via execnb), so state
cannot leak between notebooks and a hung notebook is killed by the timeout.
"""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))
RUNNER = ("import sys, pathlib, nbdev.test as t; ok, secs = t.test_nb(pathlib.Path(sys.argv[1]), skip_flags=['slow']); "
          "print(f'{sys.argv[1]}: {secs:.1f}s'); sys.exit(0 if ok else 1)")

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    env = {**os.environ, "IN_TEST": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, "-c", RUNNER, str(nb)], cwd=nb.parent, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"{nb.name} failed:\n{r.stdout[-3000:]}\n{r.stderr[-8000:]}"
