"""Browser tests of the genda dashboard: a real Panel server on 127.0.0.1 driven by Playwright + Debian Chromium.

Needs: `apt-get install -y chromium` (Debian package, /usr/bin/chromium) and the Python `playwright` package
(no `playwright install`: the system Chromium is used). Skipped when /usr/bin/chromium is missing, unless
GENDA_REQUIRE_BROWSER is set (CI), where a missing browser fails.
Screenshots and timings go to test-output/ (gitignored)."""
import json, os, re, shutil, socket, subprocess, sys, textwrap, time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import yaml

from genda.dashboard import Dashboard, make_example_run, free_port, VARIABLES, DIVERGING

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
    shutil.rmtree(part/"days")
    nogrid = make_example_run(root/"nogrid"/"run", nx=16, days=2, members=2)
    for f in ["truth.nc", "genda.nc", "oi.nc", "unet.nc"]: (nogrid/f).unlink()
    shutil.rmtree(nogrid/"days")
    corrupt = make_example_run(root/"corrupt"/"run", nx=16, days=2, members=2)
    (corrupt/"genda.nc").write_bytes((corrupt/"genda.nc").read_bytes()[:3000])        # truncated, as by a full disk
    shutil.rmtree(corrupt/"days")                                                    # nothing to fall back on
    stopped = make_example_run(root/"interrupted"/"run", nx=16, days=3, members=2)   # killed after 2 of 3 days
    for f in ["truth.nc", "genda.nc", "oi.nc", "unet.nc", "metrics.csv", "days/2020-01-03.nc"]: (stopped/f).unlink()
    (stopped/"config.yaml").write_text(yaml.safe_dump(dict(kind="osse", source="demo", days=3, method="mmps", steps=16,
                                                            members=2, out="results/osse")))
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
    routes = {f"/{k}": str(bad_results/k) for k in ["empty", "partial", "nogrid", "corrupt", "interrupted"]}
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

# JavaScript: per map title, its colour bar's mapper (low, high, first and last colour, shown?), the centred message
# (text, shown?) and whether its main image is shown, plus the scatter sources' sizes and the notes below the map
MAPINFO_JS = """() => {
  const out = {};
  for (const doc of window.Bokeh.documents) for (const m of doc.all_models) {
    if (!m.renderers || !m.title || typeof m.title.text !== 'string' || !m.right) continue;
    const cb = m.right.find(a => a.color_mapper);
    const lab = (m.center || []).find(a => a.text !== undefined && a.x !== undefined);
    const imgs = m.renderers.filter(r => r.glyph && (r.glyph.type || r.glyph.constructor.__name__) === 'Image' && r.data_source.data.image);
    const pts = m.renderers.filter(r => r.glyph && (r.glyph.type || r.glyph.constructor.__name__) === 'Scatter');
    out[m.title.text] = {
      low: cb ? cb.color_mapper.low : null, high: cb ? cb.color_mapper.high : null,
      first: cb ? cb.color_mapper.palette[0] : null, last: cb ? cb.color_mapper.palette[cb.color_mapper.palette.length - 1] : null,
      colorbar: cb ? cb.visible : false, label: lab && lab.visible ? lab.text : null,
      image: imgs.length ? imgs[imgs.length > 1 ? 1 : 0].visible : false,
      scatter: pts.map(r => [(r.glyph.marker && r.glyph.marker.value) || r.glyph.marker, r.visible, r.data_source.data.longitude.length]),
      notes: (m.below || []).filter(a => a.text !== undefined && a.x === undefined).map(a => a.text).filter(t => t)};
  }
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


@pytest.mark.parametrize("route,text", [("empty", "No runs found"), ("partial", "is incomplete"),
                                        ("nogrid", "no readable gridded results"), ("corrupt", "could not be read"),
                                        ("interrupted", "is unfinished")])
def test_bad_results_give_a_message(bad_server, bad_results, browser, route, text):
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
            info = pg.page.evaluate(MAPINFO_JS)["Ensemble mean (not in this run)"]   # an empty panel with the message
            assert info["label"] == "not in this run" and not info["colorbar"] and not info["image"], info
        has = lambda pattern: pg.page.locator(".genda-message").filter(has_text=re.compile(pattern, re.S)).count() > 0
        if route == "corrupt":   # the reading error is shown, not "not in this run" with 0 members
            assert has(r"genda\.nc\W*could not be read: \w+: \S"), "no reading error shown"
        if route == "interrupted":   # the finished days are shown, with how many and the exact command to resume
            assert has("2 of 3 days assimilated") and has(re.escape(f"--out {bad_results/'interrupted'/'run'}")), "no resume hint"
            pg.page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=LOAD_TIMEOUT)
            t0 = time.time()
            while not (_images(pg.page).get("Ensemble mean") or [None])[0] and time.time() - t0 < 120: pg.page.wait_for_timeout(200)
            assert _images(pg.page)["Ensemble mean"][0] is not None
            assert pg.page.locator(".genda-status-text").first.get_attribute("data-date") == "2020-01-01"
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


# ---------------------------------------------------------------------------------------------------------------
def _select_var(page, var, timeout=60_000):
    page.locator(".genda-var select").first.select_option(var)
    _expect_status(page, "data-var", var, timeout)
    page.wait_for_function("v => { const t = (" + MAPINFO_JS + ")(); return Object.keys(t).some(k => k.startsWith('Obs')) && "
                           "Object.keys(t).length >= 8; }", arg=var, timeout=timeout)


def test_variables_obs_panel_and_centred_maps(server, browser):
    """The Variable list holds the 9 variables (not their _mean/_std summaries); the Obs map shows the assimilated
    L3 data over a faded L4 map, the withheld altimeter as crosses with a note, and an honest message for a variable
    with no observations; diverging maps are centred on zero and non-anomaly fields get sequential maps."""
    pg = Page(browser, server)
    page = pg.page
    try:
        _loaded(page)
        opts = page.locator(".genda-var select").first.locator("option").all_inner_texts()
        assert opts == VARIABLES, opts
        info = page.evaluate(MAPINFO_JS)
        obs = next(v for k, v in info.items() if k.startswith("Obs"))
        title = next(k for k in info if k.startswith("Obs"))
        assert title == "Obs: ssh_nadir, ssh_swot, L4 ssh_l4", title
        assert ["x", True] in [s[:2] for s in obs["scatter"]] and all(s[2] > 0 for s in obs["scatter"]), obs
        assert "×: ssh_withheld, withheld (not assimilated)" in obs["notes"] and "faded: L4 ssh_l4" in obs["notes"], obs
        assert obs["label"] is None and obs["image"], obs
        # L4 faded under the L3 points: never the truth, and the L4 image is not at full strength
        alpha = page.evaluate("""() => { for (const doc of Bokeh.documents) for (const m of doc.all_models)
            if (m.title && typeof m.title.text === 'string' && m.title.text.startsWith('Obs') && m.renderers)
              return m.renderers.filter(r => r.glyph && r.glyph.global_alpha !== undefined).map(r => r.glyph.global_alpha.value ?? r.glyph.global_alpha); }""")
        assert 0.4 in alpha, alpha
        # sea surface height: a sequential map over its own range (no white band posing as zero)
        zos = info["Truth"]
        assert zos["low"] < zos["high"] and zos["first"] != zos["last"]
        assert info["Error (mean - truth)"]["low"] == -info["Error (mean - truth)"]["high"]          # errors: centred
        # the L4 layer is optional
        page.locator(".genda-l4 input").first.click()
        page.wait_for_function("() => { const t = (" + MAPINFO_JS + ")(); const k = Object.keys(t).find(k => k.startsWith('Obs')); "
                               "return k === 'Obs: ssh_nadir, ssh_swot'; }", timeout=60_000)
        page.locator(".genda-l4 input").first.click()

        seen = {}
        for var in ["uo", "uas", "so", "thetao"]:
            _select_var(page, var)
            seen[var] = info = page.evaluate(MAPINFO_JS)
            if var in DIVERGING:   # currents: diverging map with symmetric limits
                for t in ["Truth", "Ensemble mean", "OI baseline"]: assert info[t]["low"] == -info[t]["high"] != 0, (var, t, info[t])
            else:                  # winds of 6 +- 3 m/s, salinity, temperature: a sequential map over the data's range
                t = info["Truth"]
                assert t["low"] < t["high"] and abs(t["low"] + t["high"]) > 0.1*(t["high"] - t["low"]), (var, t)
                assert t["first"] != seen.get("uo", {}).get("Truth", {}).get("first"), (var, t)   # not the currents' map
        assert "Obs: no observations of so" in seen["so"], list(seen["so"])
        so = seen["so"]["Obs: no observations of so"]
        assert so["label"] == "no observations of so" and not so["colorbar"] and not so["image"], so
        assert not any(v["scatter"] and any(s[2] for s in v["scatter"]) for v in [so])
        assert "Obs: sst_l3, L4 sst_l4" in seen["thetao"], list(seen["thetao"])
        assert "Obs: no observations of uas" in seen["uas"]
        page.screenshot(path=str(OUT/"dashboard_obs_thetao.png"), full_page=True)
        assert pg.foreign() == [] and pg.errors == [], (pg.foreign(), pg.errors)
    finally:
        pg.close()


def test_fits_a_1366_px_laptop(server, browser):
    "At 1366x768 the page has no horizontal scroll bar and the maps wrap into at least 3 columns."
    page = browser.new_page(viewport=dict(width=1366, height=768))
    try:
        page.goto(server, timeout=LOAD_TIMEOUT)
        _loaded(page)
        page.wait_for_timeout(500)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 1366, width
        boxes = [page.locator(f".genda-map-{p}").first.bounding_box() for p in ["truth", "obs", "mean", "member", "spread",
                                                                                 "error", "oi", "unet"]]
        assert all(b["x"] + b["width"] <= 1366 for b in boxes), boxes
        first_row = [b for b in boxes if abs(b["y"] - boxes[0]["y"]) < 5]
        assert len(first_row) >= 3, boxes
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT/"dashboard_1366.png"), full_page=False)
        page.screenshot(path=str(OUT/"dashboard_1366_full.png"), full_page=True)
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------------------------
# the Diagnostics tab (claim 1: fine scales)
def test_diagnostics_tab_builds_on_a_run(tmp_path):
    """The Diagnostics tab is built when first shown (in a served document): PDFs of ζ/f, strain/|f| and |∇SST| for the
    truth, a GenDA member, the GenDA mean, OI and U-Net, and the fine-scale table per estimate, computed without a
    fine_scales.csv (the same JSD as `fine_scale_table`) and read from it when the run has one; methods a run lacks are left out."""
    import pandas as pd, panel as pn, xarray as xr
    from bokeh.document import Document
    from bokeh.models import Tabs
    from genda.metrics import fine_scale_table
    run = make_example_run(tmp_path/"r", nx=32, days=3, members=3, seed=4)
    doc = Document(); pn.state.curdoc = doc
    try:
        db = Dashboard(run)
        root = db.view().get_root(doc); doc.add_root(root)
        tabs = root.select_one({"type": Tabs})                                # what the browser gets
        assert [p.title for p in tabs.tabs] == ["Maps, spectra and metrics", "Diagnostics"] and db.diagnostics is None
        db.member_w.value = 2
        db.tabs.active = 1                                                     # the user opens the tab
        d = db.diagnostics
        assert d is not None and d.member == 2 and d.figs["zeta_over_f"].document is doc
    finally:
        pn.state.curdoc = None
    for q, f in d.figs.items():
        labels = [it.label.value for it in f.legend.items if it.visible]
        assert labels == ["truth", "GenDA member 2", "GenDA mean", "OI", "U-Net"], (q, labels)
        for key in ["truth", "member", "mean", "oi", "unet"]:
            x, y = d.src[q, key].data["x"], d.src[q, key].data["density"]
            assert len(x) == 60 and np.isfinite(y).all() and (y*np.diff(x).mean()).sum() > 0.95, (q, key)
    html = d.table_div.text
    for est in ["genda member", "genda mean", "oi", "unet"]: assert f"<th>{est}</th>" in html, est
    assert "computed now" in html and "JSD of ζ/f PDF" in html
    with xr.open_dataset(run/"truth.nc") as t, xr.open_dataset(run/"oi.nc") as o:
        jsd = fine_scale_table(o.load(), t.load()).set_index("metric").value["jsd_zeta_over_f"]
    row = re.findall(r"<td>([^<]*)</td>", html.split("JSD of ζ/f PDF")[1].split("</tr>")[0])   # member, mean, oi, unet, ideal
    assert row[2] == f"{jsd:.3g}" and row[4] == "0", row
    y_member = d.src["zeta_over_f", "member"].data["density"].copy()
    db.member_w.value = 0                                                      # follows the Member slider while shown
    assert d.member == 0 and not np.allclose(y_member, d.src["zeta_over_f", "member"].data["density"])
    assert "<th>GenDA member 0</th>" in d.moments_div.text

    # a run with its own fine_scales.csv and no baselines: the csv's values, no OI or U-Net anywhere
    run2 = make_example_run(tmp_path/"r2", nx=32, days=3, members=2, seed=5)
    for f in ["oi.nc", "unet.nc"]: (run2/f).unlink()
    pd.DataFrame(dict(estimate=["genda member", "genda mean"], method="genda", variable="zos", metric="small_var_ratio",
                      of=["members", "mean"], value=[0.875, 0.3125])).to_csv(run2/"fine_scales.csv", index=False)
    db2 = Dashboard(run2); db2.tabs.active = 1
    d2 = db2.diagnostics
    assert "fine_scales.csv" in d2.table_div.text and "<td>0.875</td>" in d2.table_div.text and "<th>oi</th>" not in d2.table_div.text
    assert [it.label.value for it in d2.figs["grad_sst"].legend.items if it.visible] == ["truth", "GenDA member 0", "GenDA mean"]
    assert not d2.lines["zeta_over_f", "oi"].visible and len(d2.src["zeta_over_f", "oi"].data["x"]) == 0


DIAG_JS = """() => {
  const out = {};
  for (const doc of window.Bokeh.documents) for (const m of doc.all_models) {
    if (!m.renderers || !m.title || typeof m.title.text !== 'string' || !m.title.text.startsWith('PDF of')) continue;
    const items = ((m.center || []).find(a => a.items) || {items: []}).items;
    out[m.title.text] = {lines: m.renderers.filter(r => r.visible && r.data_source.data.density).map(r => r.data_source.data.density.length),
                         legend: items.filter(i => i.visible).map(i => i.label.value)};
  }
  return out;
}"""

def test_diagnostics_tab_in_the_browser(server, browser):
    "Opening the Diagnostics tab draws the three PDFs (five lines each) and the fine-scale table, offline, with no error."
    from playwright.sync_api import expect
    pg = Page(browser, server)
    page = pg.page
    try:
        _loaded(page)
        assert page.evaluate(DIAG_JS) == {}                                   # nothing computed before the tab is opened
        page.get_by_text("Diagnostics", exact=True).first.click()
        page.wait_for_function("() => { const d = (" + DIAG_JS + ")(); return Object.keys(d).length == 3 && "
                               "Object.values(d).every(v => v.lines.length == 5 && v.lines.every(n => n == 60)); }",
                               timeout=LOAD_TIMEOUT)
        diag = page.evaluate(DIAG_JS)
        assert sorted(diag) == ["PDF of strain/|f|", "PDF of |∇SST| [°C km⁻¹]", "PDF of ζ/f"], diag
        assert all(v["legend"] == ["truth", "GenDA member 0", "GenDA mean", "OI", "U-Net"] for v in diag.values()), diag
        table = page.locator(".genda-diag-table").first
        expect(table).to_contain_text("genda member", timeout=60_000)
        for est in ["genda mean", "oi", "unet", "JSD of ζ/f PDF", "small-scale variance recovered, zos"]:
            expect(table).to_contain_text(est)
        page.locator(".genda-member .noUi-handle").first.press("ArrowRight")     # the member follows the slider
        page.wait_for_function("() => Object.values((" + DIAG_JS + ")()).every(v => v.legend[1] == 'GenDA member 1')",
                               timeout=60_000)
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT/"dashboard_diagnostics.png"), full_page=True)
        assert pg.foreign() == [] and pg.errors == [], (pg.foreign(), pg.errors)
    finally:
        pg.close()


@pytest.mark.parametrize("bad", ["no/such/path", "run/genda.nc"])
def test_bad_path_exits_2_without_a_server(results, bad):
    "`genda dashboard /no/such/path` or a file fails at once with exit status 2 and the reason; no server starts."
    path = results/"nope"/"missing" if bad.startswith("no/") else results/"demo64"/"genda.nc"
    port = free_port()
    for argv in ([sys.executable, "-c", "import sys; from genda.dashboard import main; main(sys.argv[1:])"],
                 [str(Path(sys.executable).parent/"genda"), "dashboard"] if (Path(sys.executable).parent/"genda").exists() else None):
        if argv is None: continue
        t0 = time.time()
        r = subprocess.run(argv + [str(path), "--port", str(port)], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert r.returncode == 2, (argv, r.returncode, r.stdout, r.stderr)
        assert ("no such folder" if bad.startswith("no/") else "is a file, not a run folder") in r.stderr, r.stderr
        assert "genda dashboard: http" not in r.stdout and "/example" not in r.stderr, (r.stdout, r.stderr)
        with socket.socket() as s: assert s.connect_ex(("127.0.0.1", port)) != 0     # nothing listens
        assert time.time() - t0 < 60


NOTEBOOK_SIM = r'''
import json, re, sys, io, contextlib
import panel as pn
from genda.dashboard import Dashboard, offline_notebook
import panel.io.notebook as nbio
offline_notebook()                         # what `app` runs first in a Jupyter kernel
sent = []
def capture(doc, comm, binary=True, msg=None):
    m = nbio.diff(doc, binary=False) if msg is None else msg
    if m is not None: sent.append(m.content_json)
db = Dashboard(sys.argv[1])
lay = db.view()
bundle = lay._repr_mimebundle_()           # what a notebook cell shows: the document and its models
original = nbio.push
for mod in list(sys.modules.values()):     # every module that pushes to the notebook's comm (all imported by now)
    if getattr(mod, "push", None) is original: mod.push = capture
with open(sys.argv[2], "w") as f: json.dump(dict(initial=json.dumps(bundle, default=str)), f)
steps = {}
for name, act in [("variable", lambda: setattr(db.var_w, "value", "thetao")), ("date", lambda: setattr(db.date_w, "value", 1)),
                  ("member", lambda: setattr(db.member_w, "value", 1)), ("l4", lambda: setattr(db.l4_w, "value", False)),
                  ("variable2", lambda: setattr(db.var_w, "value", "uo")),
                  ("run", lambda: setattr(db.run_w, "value", list(db.run_w.options.values())[-1]))]:
    sent.clear(); act(); steps[name] = list(sent)
with open(sys.argv[2], "w") as f: json.dump(dict(initial=json.dumps(bundle, default=str), steps=steps), f)
'''
CDN = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[^\s\"'\\)]+\.(?:css|js|woff2?|ttf|png|svg)\b|cdn\.holoviz|cdn\.bokeh|unpkg\.com|jsdelivr")

def test_notebook_display_and_updates_use_no_cdn(results, tmp_path):
    """A notebook display of the app (Panel's comm path) and every update after it (variable, date, member, the L4 box,
    another run) carry no CDN address: plain `pn.extension()` and Panel's HTML pane re-sent https://cdn.holoviz.org CSS."""
    out = tmp_path/"nb.json"
    r = subprocess.run([sys.executable, "-c", NOTEBOOK_SIM, str(results), str(out)], capture_output=True, text=True,
                       timeout=600, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert r.returncode == 0, r.stderr[-3000:]
    rec = json.loads(out.read_text())
    assert len(rec["initial"]) > 10_000 and not CDN.findall(rec["initial"]), CDN.findall(rec["initial"])[:5]
    for step, msgs in rec["steps"].items():
        assert msgs, f"{step}: no message reached the notebook"
        found = sorted({u for m in msgs for u in CDN.findall(m)})
        assert not found, (step, found)
    assert any('"palette"' in m for m in rec["steps"]["variable"])      # the maps took the new variable's colours


NOTEBOOK_PAGE = r'''
import sys
import IPython.display
published = []
IPython.display.publish_display_data = lambda data=None, metadata=None, **kw: published.append(data)
import panel.io.notebook as nbio
from genda.dashboard import Dashboard, offline_notebook
offline_notebook()                  # what `app` runs in a kernel (pn.extension(inline=True))
nbio.load_notebook(inline=True)     # what that publishes into the notebook in a kernel: CSS, BokehJS and Panel's bundle
data, meta = Dashboard(sys.argv[1]).view()._repr_mimebundle_()     # the cell's output
head = "".join(d["text/html"] for d in published if "text/html" in d)
js = next(d["application/javascript"] for d in published if "application/javascript" in d)
open(sys.argv[2], "w").write(f"<!doctype html><html><head><meta charset='utf-8'>{head}<script>{js}</script></head>"
                             f"<body>{data['text/html']}</body></html>")
'''

def test_notebook_output_offline_in_browser(results, browser, tmp_path):
    """What a notebook cell shows (the inline load output of pn.extension(inline=True), then the app's output), put in a
    page served from 127.0.0.1: Chromium draws the maps and no request leaves 127.0.0.1 (no CDN JavaScript or CSS)."""
    html = tmp_path/"site"/"app.html"; html.parent.mkdir()
    r = subprocess.run([sys.executable, "-c", NOTEBOOK_PAGE, str(results/"demo64"), str(html)], capture_output=True,
                       text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    port = free_port()
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                            str(html.parent)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, srv)
        pg = Page(browser, f"http://127.0.0.1:{port}/app.html")
        try:
            pg.page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=LOAD_TIMEOUT)
            t0 = time.time()
            while sum(1 for v in _images(pg.page).values() if v and v[0] is not None) < 7 and time.time() - t0 < 120:
                pg.page.wait_for_timeout(200)
            assert sum(1 for v in _images(pg.page).values() if v and v[0] is not None) >= 7, _images(pg.page)
            pg.page.wait_for_timeout(1000)
            assert len(pg.requests) >= 1 and pg.foreign() == [], pg.foreign()
            pg.page.screenshot(path=str(OUT/"dashboard_notebook_output.png"), full_page=True)
        finally:
            pg.close()
    finally:
        _stop(srv)


@pytest.mark.parametrize("first", ["", "import panel as pn; pn.extension()"])
def test_app_in_a_jupyter_kernel_is_inline(results, first):
    """In a real Jupyter kernel, a cell showing `app(...)` publishes BokehJS and Panel inline, with no address on the
    Bokeh or HoloViz CDNs, even after a plain `pn.extension()` (which points at the CDN) ran in an earlier cell."""
    from jupyter_client.manager import KernelManager
    km = KernelManager(kernel_cmd=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    km.start_kernel(env=dict(os.environ, OMP_NUM_THREADS="1"))
    kc = km.client(); kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        def run(code):
            msg_id, outs = kc.execute(code), []
            while True:
                m = kc.get_iopub_msg(timeout=300)
                if m["parent_header"].get("msg_id") != msg_id: continue
                if m["msg_type"] in ("display_data", "execute_result", "stream", "error"): outs.append(m)
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle": return outs
        if first: run(first)
        outs = run(f"from genda.dashboard import app; app({str(results/'demo64')!r})")
        assert not [o for o in outs if o["msg_type"] == "error"], [o["content"] for o in outs if o["msg_type"] == "error"]
        text = json.dumps([o["content"] for o in outs])
        assert len(text) > 2_000_000 and "application/vnd.holoviews_exec.v0+json" in text      # inline bundle, then the app
        assert re.findall(r"https?://cdn\.(?:bokeh\.org|holoviz\.org)[^\"' \\]*", text) == []
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)


# ---------------------------------------------------------------------------------------------------------------
# `genda plot`: static matplotlib figures (no browser needed)
@pytest.fixture(scope="module")
def plot_run_dir(tmp_path_factory):
    return make_example_run(tmp_path_factory.mktemp("plot")/"run", nx=32, days=3, members=3, seed=2)

@pytest.fixture
def figs(monkeypatch):
    "The matplotlib figures that the plot functions save, by file name."
    import genda.dashboard as gd
    got, orig = {}, gd._save
    def save(fig, path, dpi=150):
        got[Path(path).name] = fig
        return orig(fig, path, dpi)
    monkeypatch.setattr(gd, "_save", save)
    return got

def _meshes(fig):
    from matplotlib.collections import QuadMesh
    return [m for ax in fig.axes for m in ax.collections if isinstance(m, QuadMesh)]

def _texts(fig):
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]

def test_plot_maps_colours_units_land_fonts(plot_run_dir, figs, tmp_path):
    from genda.dashboard import Run, plot_maps, cmap
    from matplotlib.contour import ContourSet
    date = Run(plot_run_dir).dates[-1]
    for var, unit in [("uo", "m s⁻¹"), ("thetao", "°C"), ("zos", "[m]")]:
        plot_maps(plot_run_dir, var, date, path=tmp_path/f"{var}.png", dpi=40)
        fig = figs[f"{var}.png"]
        data = [m for m in _meshes(fig) if m.cmap.N > 1]                 # the land layer has a one-colour map
        assert data
        for m in data:
            lo, hi = m.norm.vmin, m.norm.vmax
            name = m.cmap.name
            if name == cmap("spread").name: assert lo == 0                 # the spread: sequential from zero
            elif var in DIVERGING or name == cmap("error").name:         # currents and errors: centred on zero
                assert lo == pytest.approx(-hi), (var, name, lo, hi)
        if var not in DIVERGING:                                         # fields: sequential, not forced symmetric
            truth = fig.axes[0].collections[0]
            assert truth.cmap.name == cmap(var).name and truth.norm.vmin != pytest.approx(-truth.norm.vmax)
        cbs = [ax._colorbar for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
        assert len(cbs) >= 6
        for cb in cbs:   # opaque, undiluted colour bars (the Obs one included)
            assert cb.mappable.get_alpha() in (None, 1.0)
            assert cb.cmap.name in {cmap(var).name, cmap("spread").name, cmap("error").name}, cb.cmap.name
        labels = [cb.ax.get_ylabel() for cb in cbs]
        assert all(unit in l for l in labels), labels
        texts = [t.get_text() for t in _texts(fig)]
        assert not any("degC" in t or "m s-1" in t for t in texts), texts
        small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
        assert not small, small
        assert not [c for ax in fig.axes for c in ax.collections if isinstance(c, ContourSet)]   # no contourf land
        land = [m for m in _meshes(fig) if m.cmap.N == 1]
        assert len(land) == 8                                           # a pixel-grid land layer on every panel

def test_pixel_coast_follows_the_cell_edges():
    from genda.dashboard import pixel_coast
    land = np.zeros((4, 5), bool); land[:2, :2] = True                  # a 2x2 block of land in a corner
    seg = pixel_coast(np.arange(4.), np.arange(5.), land)
    assert seg.shape == (4, 2, 2)
    xs, ys = np.unique(seg[..., 0]), np.unique(seg[..., 1])
    assert set(np.round(xs, 6)) <= {-0.5, 0.5, 1.5} and set(np.round(ys, 6)) <= {-0.5, 0.5, 1.5}

def test_plot_spectra_tick_labels_do_not_overlap(plot_run_dir, figs, tmp_path):
    from genda.dashboard import Run, plot_spectra
    plot_spectra(plot_run_dir, "uo", Run(plot_run_dir).dates[-1], path=tmp_path/"s.png", dpi=100)
    fig = figs["s.png"]; ax = fig.axes[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig); canvas.draw(); r = canvas.get_renderer()
    for axis in (ax.xaxis, ax.yaxis):
        lo, hi = sorted(axis.get_view_interval())
        boxes = [t.get_window_extent(r) for tk in axis.get_major_ticks() + axis.get_minor_ticks()
                 for t in [tk.label1] if t.get_visible() and t.get_text() and lo <= tk.get_loc() <= hi]
        assert len(boxes) >= 2
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i+1:])
    assert "(m s⁻¹)²" in ax.get_ylabel()

def test_plot_run_writes_diagnostics_when_fine_scales_exist(plot_run_dir, figs, tmp_path):
    import pandas as pd
    from genda.dashboard import plot_run
    out = tmp_path/"figs"
    names = [p.name for p in plot_run(plot_run_dir, ["zos"], out=out, dpi=40)]
    assert "diagnostics.png" not in names                               # no fine_scales.csv yet
    rows = [("genda member", "genda", "zos", "small_var_ratio", "members", 0.9),
            ("genda mean", "genda", "zos", "small_var_ratio", "mean", 0.4),
            ("oi", "oi", "zos", "small_var_ratio", "mean", 0.2),
            ("genda mean", "genda", "uo,vo", "jsd_zeta_over_f", "mean", 0.04),
            ("oi", "oi", "uo,vo", "jsd_zeta_over_f", "mean", 0.08)]
    f = plot_run_dir/"fine_scales.csv"
    pd.DataFrame(rows, columns=["estimate", "method", "variable", "metric", "of", "value"]).to_csv(f, index=False)
    try:
        names = [p.name for p in plot_run(plot_run_dir, ["zos"], out=out, dpi=40)]
        assert "diagnostics.png" in names and (out/"diagnostics.png").stat().st_size > 5_000
        fig = figs["diagnostics.png"]
        titles = [ax.get_title() for ax in fig.axes]
        assert any("variance" in t for t in titles) and any("Jensen" in t for t in titles)
        bars = [p.get_height() for ax in fig.axes for p in ax.patches if np.isfinite(p.get_height())]   # no member JSD
        assert sorted(np.round(bars, 3)) == sorted([0.9, 0.4, 0.2, 0.04, 0.08])
    finally: f.unlink()
