"""Browser tests of the genda dashboard: a real Panel server on 127.0.0.1 driven by Playwright + Debian Chromium.

Needs: `apt-get install -y chromium` (Debian package, /usr/bin/chromium) and the Python `playwright` package
(no `playwright install`: the system Chromium is used). Skipped when /usr/bin/chromium is missing, unless
GENDA_REQUIRE_BROWSER is set (CI), where a missing browser fails.
Screenshots and timings go to test-output/ (gitignored)."""
import json, os, socket, subprocess, sys, textwrap, time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from genda.dashboard import Dashboard, make_example_run, free_port

CHROMIUM = os.environ.get("GENDA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/"test-output"
LOAD_TIMEOUT = 180_000  # ms: the test machines are small and shared
pytestmark = pytest.mark.browser


def _browser_or_skip():
    why = None
    if not Path(CHROMIUM).exists(): why = f"{CHROMIUM} missing (apt-get install -y chromium)"
    else:
        try: import playwright.sync_api  # noqa: F401
        except ImportError: why = "Python playwright missing (pip install playwright)"
    if why:
        if os.environ.get("GENDA_REQUIRE_BROWSER"): pytest.fail(f"browser tests required (GENDA_REQUIRE_BROWSER) but {why}")
        pytest.skip(why)


# ---------------------------------------------------------------------------------------------------------------
# fixtures: results folders, a server subprocess per results layout, one Chromium
@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    make_example_run(root/"demo64", nx=64, days=6, members=4, seed=0)
    make_example_run(root/"exp"/"small", nx=32, days=3, members=3, seed=1)
    return root

@pytest.fixture(scope="module")
def bad_results(tmp_path_factory):
    "An empty results folder, a partial run (truth and metrics only) and a run with no gridded file."
    root = tmp_path_factory.mktemp("bad")
    (root/"empty").mkdir()
    part = make_example_run(root/"partial"/"run", nx=16, days=2, members=2)
    for f in ["genda.nc", "oi.nc", "unet.nc"]: (part/f).unlink()
    nogrid = make_example_run(root/"nogrid"/"run", nx=16, days=2, members=2)
    for f in ["truth.nc", "genda.nc", "oi.nc", "unet.nc"]: (nogrid/f).unlink()
    (root/"missing").mkdir(); (root/"missing").rmdir()
    return root

def _wait_port(port, proc, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f"server exited: {proc.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0: return
        time.sleep(0.3)
    raise TimeoutError(f"server on port {port} did not start")

def _start(code_or_argv, env_extra=None):
    port = free_port()
    argv = code_or_argv(port)
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env_extra or {}))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env)
    _wait_port(port, proc)
    return proc, f"http://127.0.0.1:{port}"

def _stop(proc):
    proc.terminate()
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill()

@pytest.fixture(scope="module")
def server(results):
    "`genda dashboard RESULTS --port P` (through genda.dashboard.main), bound to 127.0.0.1."
    _browser_or_skip()
    proc, url = _start(lambda port: [sys.executable, "-c", "import sys; from genda.dashboard import main; main(sys.argv[1:])",
                                     str(results), "--port", str(port)])
    yield url
    _stop(proc)

@pytest.fixture(scope="module")
def bad_server(bad_results):
    "One server with a route per broken results layout."
    _browser_or_skip()
    routes = {f"/{k}": str(bad_results/k) for k in ["empty", "partial", "nogrid", "missing"]}
    code = textwrap.dedent(f"""
        import sys; from genda.dashboard import serve
        serve({routes!r}, port=int(sys.argv[1]))""")
    proc, url = _start(lambda port: [sys.executable, "-c", code, str(port)])
    yield url
    _stop(proc)

@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Page:
    "A page with listeners: every request URL, console errors, uncaught page errors, websockets."
    def __init__(self, browser, url):
        self.page = browser.new_page(viewport=dict(width=1700, height=1300))
        self.requests, self.errors, self.sockets = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("websocket", lambda w: self.sockets.append(w.url))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.goto(url, timeout=LOAD_TIMEOUT)

    def foreign(self):
        "Requests and websockets that went anywhere but 127.0.0.1 (data:/blob:/about: URLs are local)."
        bad = []
        for u in self.requests + self.sockets:
            p = urlparse(u)
            if p.scheme in ("data", "blob", "about"): continue
            if p.hostname not in ("127.0.0.1",): bad.append(u)
        return bad

    def close(self): self.page.close()

# JavaScript: mean of the finite pixels of every Image glyph, keyed by the title of its figure
IMAGES_JS = """() => {
  const out = {};
  for (const doc of window.Bokeh.documents) for (const m of doc.all_models) {
    if (!m.renderers || !m.title || typeof m.title.text !== 'string') continue;
    for (const r of m.renderers) {
      const g = r.glyph; if (!g) continue;
      const t = g.type || (g.constructor && g.constructor.__name__);
      if (t !== 'Image') continue;
      const img = r.data_source.data.image; if (!img || !img.length) continue;
      const a = img[0].array || img[0]; let s = 0, n = 0;
      for (let i = 0; i < a.length; i++) { const v = a[i]; if (Number.isFinite(v)) { s += v; n++; } }
      (out[m.title.text] = out[m.title.text] || []).push(n ? s / n : null);
    }
  }
  return out;
}"""
RANGES_JS = """() => {
  const out = {};
  for (const doc of window.Bokeh.documents) for (const m of doc.all_models)
    if (m.renderers && m.title && m.x_range && m.y_range) out[m.title.text] = [m.x_range.id, m.y_range.id];
  return out;
}"""

def _images(page): return page.evaluate(IMAGES_JS)
def _status(page): return page.locator(".genda-status-text").first
def _truth(images): return next((v for k, v in images.items() if k.startswith("Truth")), None)

def _expect_status(page, attr, value, timeout=60_000):
    from playwright.sync_api import expect
    expect(page.locator(f".genda-status-text[{attr}]").first).to_have_attribute(attr, value, timeout=timeout)

def _wait_change(page, before, key=_truth, timeout=60.0, interval=20):
    "Poll the browser's Bokeh data until `key(images)` differs from `before`; returns (images, seconds)."
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        im = _images(page)
        if key(im) is not None and key(im) != before: return im, time.perf_counter() - t0
        page.wait_for_timeout(interval)
    raise AssertionError(f"plots did not update within {timeout} s")

def _loaded(page):
    page.wait_for_selector(".genda-status-text", timeout=LOAD_TIMEOUT)
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=LOAD_TIMEOUT)
    t0 = time.time()
    while time.time() - t0 < LOAD_TIMEOUT/1000:  # all 8 maps drawn
        if sum(1 for v in _images(page).values() if v) >= 8: return
        page.wait_for_timeout(200)
    raise AssertionError("maps did not render")


# ---------------------------------------------------------------------------------------------------------------
def test_server_side_date_switch(results):
    "Changing the date of a 64² run in the app object (bokeh models attached) takes < 1 s (median)."
    import panel as pn
    from bokeh.document import Document
    doc = Document()
    pn.state.curdoc = doc  # as in a server session: updates go through a bokeh document
    try:
        db = Dashboard(results/"demo64")
        doc.add_root(db.view().get_root(doc))
        _time_date_switches(db)
    finally:
        pn.state.curdoc = None


def _time_date_switches(db):
    db.date_w.value = 1  # warm-up
    wall, cpu = [], []
    for k in [2, 3, 4, 5, 0, 1]:
        t0, c0 = time.perf_counter(), time.process_time()
        db.date_w.value = k
        wall.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
    res = dict(wall_s=wall, cpu_s=cpu, median_wall_s=float(np.median(wall)), median_cpu_s=float(np.median(cpu)),
               load_avg=os.getloadavg()[0], cores=os.cpu_count())
    OUT.mkdir(exist_ok=True)
    (OUT/"dashboard_server_timing.json").write_text(json.dumps(res, indent=1))
    print(f"server-side date switch (64x64, 8 maps + spectra, bokeh document): median wall {np.median(wall)*1000:.0f} ms, "
          f"CPU {np.median(cpu)*1000:.0f} ms (load average {res['load_avg']:.1f} on {res['cores']} cores)")
    assert np.median(cpu) < 1.0            # the work itself
    assert np.median(wall) < 5.0           # generous: shared, overloaded test machines


def test_app_renders_offline_and_updates(server, browser):
    pg = Page(browser, server)
    page = pg.page
    try:
        _loaded(page)
        im0 = _images(page)
        titles = set(im0)
        for t in ["Truth", "Ensemble mean", "Member 0", "Ensemble spread", "Error (mean - truth)", "OI baseline", "U-Net baseline"]:
            assert t in titles, (t, titles)
        assert any(t.startswith("Obs: ssh_nadir") for t in titles), titles
        # linked zoom and pan: all maps share their x and y ranges
        rng = page.evaluate(RANGES_JS)
        maps = {k: v for k, v in rng.items() if k in titles}
        assert len({tuple(v) for v in maps.values()}) == 1, maps
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT/"dashboard.png"), full_page=True)

        # date: move the slider one step with the keyboard; the truth map's data must change
        _expect_status(page, "data-date", "2020-01-01")
        page.locator(".genda-date .noUi-handle").first.press("ArrowRight")
        im1, _ = _wait_change(page, _truth(im0))
        _expect_status(page, "data-date", "2020-01-02")
        # more date changes, timed from the key press to new truth pixels in the browser's Bokeh document; the
        # renderer's main-thread busy time (CDP TaskDuration) is recorded too: it does not depend on the machine's load
        cdp = page.context.new_cdp_session(page); cdp.send("Performance.enable")
        busy = lambda: next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "TaskDuration")
        times, tasks = [], []
        for key in ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft"]:
            before = _truth(_images(page))
            b0, t0 = busy(), time.perf_counter()
            page.locator(".genda-date .noUi-handle").first.press(key)
            _wait_change(page, before, interval=100); times.append(time.perf_counter() - t0)
            page.wait_for_timeout(300)  # let the other plots render too
            tasks.append(busy() - b0)
        (OUT/"dashboard_browser_timing.json").write_text(json.dumps(dict(
            date_switch_s=times, median_s=float(np.median(times)), renderer_busy_s=tasks,
            median_renderer_busy_s=float(np.median(tasks)), load_avg=os.getloadavg()[0]), indent=1))
        print(f"browser date switch (key press -> new truth pixels in Bokeh): {[round(t*1000) for t in times]} ms, "
              f"median {np.median(times)*1000:.0f} ms; renderer busy median {np.median(tasks)*1000:.0f} ms "
              f"(load average {os.getloadavg()[0]:.1f})")

        # member: only the member map changes
        imA = _images(page)
        page.locator(".genda-member .noUi-handle").first.press("ArrowRight")
        imB, _ = _wait_change(page, None, key=lambda im: im.get("Member 1"))
        assert imB["Member 1"] != imA["Member 0"]
        assert _truth(imB) == _truth(imA)
        _expect_status(page, "data-member", "1")

        # variable: the maps switch to temperature (titles of the observation panel and the values change)
        page.locator(".genda-var select").first.select_option("thetao")
        # (the maps are rebuilt for a new variable: wait until only temperature maps, in degC not metres, are left)
        imC, _ = _wait_change(page, None, key=lambda im: _truth(im) if _truth(im) and min(_truth(im)) > 5 else None)
        assert any(t.startswith("Obs: sst_l3") for t in imC), list(imC)
        _expect_status(page, "data-var", "thetao")
        page.screenshot(path=str(OUT/"dashboard_thetao.png"), full_page=True)

        # run selector lists both runs (one nested in an experiment folder)
        opts = page.locator(".genda-run select").first.locator("option").all_inner_texts()
        assert sorted(opts) == ["demo64", "exp/small"], opts

        assert pg.foreign() == [], pg.foreign()
        assert pg.errors == [], pg.errors
        assert any(u.startswith("ws://127.0.0.1") for u in pg.sockets), pg.sockets
    finally:
        pg.close()


TRUTH_RANGE_JS = """() => {
  for (const doc of window.Bokeh.documents) for (const m of doc.all_models)
    if (m.title && m.title.text === 'Truth' && m.x_range) return [m.x_range.start, m.x_range.end, m.y_range.start, m.y_range.end];
  return null;
}"""

MAP_TITLES = ("Truth", "Obs", "Ensemble mean", "Member", "Ensemble spread", "Error", "OI baseline", "U-Net baseline")

def _attr(page, name): return page.locator(".genda-status-text").first.get_attribute(name)

def test_zoom_is_linked_and_survives_date_changes_and_players_play(server, browser):
    "Wheel-zoom one map: all maps follow and keep the zoom when the date changes; both players step and pause."
    pg = Page(browser, server)
    page = pg.page
    try:
        _loaded(page)
        full = page.evaluate(TRUTH_RANGE_JS)
        box = page.locator(".genda-map-truth").first.bounding_box()
        page.mouse.move(box["x"] + box["width"]*0.45, box["y"] + box["height"]*0.5)
        for _ in range(3): page.mouse.wheel(0, -240); page.wait_for_timeout(150)
        page.wait_for_function("r => { const t = (" + TRUTH_RANGE_JS + ")(); return t && (t[1] - t[0]) < 0.9*(r[1] - r[0]); }",
                               arg=full, timeout=30_000)
        zoomed = page.evaluate(TRUTH_RANGE_JS)
        assert zoomed[1] - zoomed[0] < 0.9*(full[1] - full[0]) and zoomed[3] - zoomed[2] < 0.9*(full[3] - full[2])
        rng = page.evaluate(RANGES_JS)
        maps = {k: v for k, v in rng.items() if k.startswith(MAP_TITLES)}
        assert len(maps) == 8 and len({tuple(v) for v in maps.values()}) == 1, rng   # one range: all maps zoomed
        before = _truth(_images(page))
        page.locator(".genda-date .noUi-handle").first.press("ArrowRight")
        _wait_change(page, before)
        assert page.evaluate(TRUTH_RANGE_JS) == zoomed                            # a new day keeps the zoom
        page.screenshot(path=str(OUT/"dashboard_zoomed.png"), full_page=True)

        for player, attr in ((".genda-date-player", "data-date"), (".genda-member-player", "data-member")):
            seen = {_attr(page, attr)}
            page.locator(f"{player} .play").first.click()
            t0 = time.time()
            while len(seen) < 3 and time.time() - t0 < 60:                        # two steps while playing
                page.wait_for_timeout(200); seen.add(_attr(page, attr))
            assert len(seen) >= 3, (player, seen)
            page.locator(f"{player} .pause").first.click()
            page.wait_for_timeout(1500); still = _attr(page, attr)
            page.wait_for_timeout(2000)
            assert _attr(page, attr) == still, f"{player} kept playing after pause"
        assert pg.foreign() == [] and pg.errors == [], (pg.foreign(), pg.errors)
    finally:
        pg.close()


def test_download_netcdf(server, browser, tmp_path):
    import xarray as xr
    pg = Page(browser, server)
    try:
        _loaded(pg.page)
        with pg.page.expect_download(timeout=60_000) as dl:
            pg.page.locator(".genda-download").first.locator("a, button").first.click()
        p = tmp_path/"shown.nc"; dl.value.save_as(p)
        with xr.open_dataset(p) as ds:
            assert {"truth", "mean", "member", "spread", "error", "oi", "unet"} <= set(ds.data_vars)
            assert ds.attrs["variable"] == "zos" and ds.truth.shape == (64, 64)
        assert pg.foreign() == [] and pg.errors == []
    finally:
        pg.close()


@pytest.mark.parametrize("route,text", [("empty", "No runs found"), ("missing", "No runs found"),
                                        ("partial", "is incomplete"), ("nogrid", "no readable gridded results")])
def test_bad_results_give_a_message(bad_server, browser, route, text):
    pg = Page(browser, f"{bad_server}/{route}")
    try:
        msg = pg.page.locator(".genda-message").filter(has_text=text).first
        msg.wait_for(timeout=LOAD_TIMEOUT)
        body = pg.page.locator("body").inner_text()
        assert "Traceback" not in body
        if route == "partial":  # what exists is still shown: the truth map renders
            pg.page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=LOAD_TIMEOUT)
            t0 = time.time()
            while "Truth" not in _images(pg.page) and time.time() - t0 < 120: pg.page.wait_for_timeout(200)
            assert _images(pg.page)["Truth"][0] is not None
            assert "Ensemble mean (not in this run)" in _images(pg.page)
        OUT.mkdir(exist_ok=True)
        pg.page.screenshot(path=str(OUT/f"dashboard_{route}.png"), full_page=True)
        assert pg.foreign() == [] and pg.errors == [], (pg.foreign(), pg.errors)
    finally:
        pg.close()


def test_panel_serve_notebook(results, browser):
    "`panel serve nbs/11_dashboard.ipynb` opens the same app (results from $GENDA_RESULTS)."
    nb = ROOT/"nbs"/"11_dashboard.ipynb"
    if not nb.exists(): pytest.skip("notebook not in this checkout")
    proc, url = _start(lambda port: [sys.executable, "-m", "panel", "serve", str(nb), "--port", str(port), "--address", "127.0.0.1",
                                     "--allow-websocket-origin", f"127.0.0.1:{port}"], env_extra=dict(GENDA_RESULTS=str(results)))
    pg = Page(browser, f"{url}/11_dashboard")
    try:
        _loaded(pg.page)
        assert "Truth" in _images(pg.page)
        assert pg.foreign() == [] and pg.errors == [], (pg.foreign(), pg.errors)
    finally:
        pg.close(); _stop(proc)
