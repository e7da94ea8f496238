"""The web map for the benchmarks: the production server, a load client and headless Chromium.

Bench only (the tests have their own helpers). Everything stays on 127.0.0.1 and is bounded in
count and time.

- :class:`Server` starts ``waitress-serve --call webmap:create_app`` as a subprocess (scripts
  never import ``webmap``) on a free port, with the store and instance folder in its
  environment, and stops it.
- :func:`fetch` times a list of URLs from a second process (``python _browser.py fetch``, one
  keep-alive connection, one request at a time) and :func:`wrk` measures throughput with
  ``wrk`` over a list of paths.
- :func:`plain_folium` writes the map a user would otherwise make: folium with every parcel
  embedded as GeoJSON, its assets pointed at the app's ``/vendor/`` copies so it loads offline;
  :class:`StaticServer` serves it.
- :func:`browser` launches Debian's ``/usr/bin/chromium`` through Playwright (never
  ``playwright install``); :func:`measure_page` loads a page and times the first parcels drawn,
  pans and zooms, and counts the bytes it loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}

#: folium's asset names -> files the app serves below /vendor/, and the style sheets it drops:
#: the app's own table (scripts may not import webmap, so it is read as data)
_ASSET_TABLE = json.loads((ROOT / "webmap" / "assets.json").read_text("utf-8"))
FOLIUM_ASSETS: dict[str, str] = _ASSET_TABLE["assets"]
FOLIUM_DROPPED = set(_ASSET_TABLE["dropped"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30.0) -> tuple[int, bytes, dict]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read(), dict(resp.headers)


# --------------------------------------------------------------------------- servers

class Server:
    """``webmap:create_app`` under waitress (the server of ``make run``) in a subprocess."""

    def __init__(self, database: Path, instance: Path, *, basemap: Path | None = None,
                 threads: int = 8):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = Path(instance)
        waitress = Path(sys.executable).with_name("waitress-serve")
        self.args = [str(waitress if waitress.exists() else "waitress-serve"),
                     f"--listen=127.0.0.1:{self.port}", f"--threads={threads}",
                     "--call", "webmap:create_app"]
        self.env = {**os.environ, "LANDGIS_DATABASE_URL": str(database),
                    "LANDGIS_INSTANCE_DIR": str(self.instance),
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                               os.environ.get("PYTHONPATH")]))}
        if basemap is not None:
            self.env["LANDGIS_BASEMAP_RASTER"] = str(basemap)
        self.env.setdefault("LANDGIS_WARM", "1")  # as `make run` starts it
        self.proc = None

    def __enter__(self):
        self.instance.mkdir(parents=True, exist_ok=True)
        self.log = open(self.instance / "waitress.log", "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"waitress exited ({self.proc.returncode}); see "
                                 f"{self.instance / 'waitress.log'}")
            try:
                if get(self.url + "/healthz", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"waitress did not answer on {self.url} within 60 s")
            time.sleep(0.2)

    def wait_idle(self, idle_s: float = 5.0, timeout: float = 1800.0) -> float:
        """Wait until the server has used no CPU for ``idle_s`` (its warm start over: a page
        measured while it still reads the layers measures the warm start); returns the
        seconds it was busy."""
        started = time.perf_counter()
        idle, last = 0.0, cpu_seconds(self.proc.pid)
        while idle < idle_s and time.perf_counter() - started < timeout:
            time.sleep(0.5)
            now = cpu_seconds(self.proc.pid)
            idle = idle + 0.5 if now - last < 0.02 else 0.0
            last = now
        return time.perf_counter() - started - idle

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            # the server's own group: waitress and the tile-pyramid builder it may have started
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


class StaticServer:
    """A folder served over HTTP on 127.0.0.1 (``python -m http.server``) in a subprocess."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port),
                                      "--bind", "127.0.0.1", "--directory", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise SystemExit("the static file server did not start")
                time.sleep(0.1)

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


# --------------------------------------------------------------------------- load clients

def fetch(urls: list[str], *, headers: dict | None = None, timeout: float = 600.0) -> list[dict]:
    """GET each URL once, in order, from a second process over one keep-alive connection;
    for each: ``ms``, ``status``, ``bytes`` and the ``X-Tile-Source`` header."""
    job = json.dumps({"urls": urls, "headers": headers or {}})
    done = subprocess.run([sys.executable, __file__, "fetch"], input=job, text=True,
                          capture_output=True, timeout=timeout, check=True)
    return json.loads(done.stdout)


def _fetch_main() -> int:
    import http.client
    from urllib.parse import urlsplit

    job = json.load(sys.stdin)
    results, conn, netloc = [], None, None
    for url in job["urls"][:10_000]:
        parts = urlsplit(url)
        if parts.hostname != "127.0.0.1":
            raise SystemExit(f"loopback only: {url}")
        if conn is None or parts.netloc != netloc:
            conn, netloc = http.client.HTTPConnection(parts.netloc, timeout=60), parts.netloc
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        started = time.perf_counter()
        conn.request("GET", path, headers=job["headers"])
        resp = conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - started) * 1000
        results.append({"ms": ms, "status": resp.status, "bytes": len(body),
                        "source": resp.getheader("X-Tile-Source")})
    json.dump(results, sys.stdout)
    return 0


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
"""


def wrk(base: str, paths: list[str], *, seconds: int = 10, connections: int = 8,
        threads: int = 2) -> dict:
    """Throughput over ``paths`` (cycled) with wrk: requests/s and its latency percentiles
    (ms); None when wrk is not installed."""
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                              "--latency", "--timeout", "10s", "-s", fh.name, base],
                             capture_output=True, text=True, timeout=seconds + 60,
                             check=True).stdout
    finally:
        os.unlink(fh.name)
    units = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
    latency = {int(p): float(v) * units[u] for p, v, u in
               re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_s": rate, "latency_ms": latency,
            "non_2xx": int(errors.group(1)) if errors else 0, "output": out}


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# --------------------------------------------------------------------------- the reference

def plain_folium(parcels_wgs84, out: Path, vendor: str, center, zoom: int) -> Path:
    """The parcels embedded in a plain folium map (no basemap), assets from ``vendor``."""
    import folium

    m = folium.Map(location=center, zoom_start=zoom, tiles=None, max_zoom=20)
    folium.GeoJson(parcels_wgs84, name="parcels").add_to(m)
    stack = [m]
    while stack:
        element = stack.pop()
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets:
                setattr(element, attr, [(n, vendor + FOLIUM_ASSETS[n]) for n, _ in assets
                                        if n not in FOLIUM_DROPPED])
        stack.extend(getattr(element, "_children", {}).values())
    m.save(str(out))
    return out


# --------------------------------------------------------------------------- the browser

def chromium_path() -> str | None:
    for name in (os.environ.get("LANDGIS_CHROMIUM"), "chromium", "chromium-browser"):
        found = name and shutil.which(name)
        if found:
            return found
    return None


@contextlib.contextmanager
def browser():
    """Headless Chromium (a fresh temporary profile per launch)."""
    executable = chromium_path()
    if executable is None:
        raise SystemExit("chromium is missing: apt-get install chromium (make bench does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is missing: pip install -e '.[test]'") from None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


#: Set up before the page's own scripts: ``window.__bench.firstParcels`` becomes the time
#: (ms after navigation start) of the first frame painted after parcels were drawn.
OURS_FIRST = """(() => {
    const view = %s;
    window.__bench = {};
    const painted = () => requestAnimationFrame(() => {
        window.__bench.firstParcels = performance.now(); });
    const start = () => {
        // once the page's script has run and the map's opening zoom animation is over
        if (!(window.landgisReady && window.landgis && !landgis.state.map._animatingZoom)) {
            setTimeout(start, 2); return; }
        const s = landgis.state;
        const onTile = (e) => {  // a tile with parcels in it (empty tiles do not count)
            const entry = s.parcels._cache.get(s.parcels._source(e.coords).key);
            if (entry && entry.ready && s.parcels._data(entry) && entry.data.count) {
                s.parcels.off("tileload", onTile); painted(); }
        };
        s.parcels.on("tileload", onTile);
        s.map.setView([view.lat, view.lon], view.zoom, {animate: false});
    };
    start();
})();"""

PLAIN_FIRST = """(() => {
    window.__bench = {};
    const seen = new MutationObserver(() => {
        if (document.querySelector(".leaflet-overlay-pane path")) {
            seen.disconnect();
            requestAnimationFrame(() => { window.__bench.firstParcels = performance.now(); });
        }
    });
    seen.observe(document, {childList: true, subtree: true});
})();"""

#: the map and the parcel layer (ours) of a page
FIND = """const map = window.landgis && landgis.state.map ? landgis.state.map :
    window[Object.keys(window).find((k) => k.startsWith("map_") && window[k] instanceof L.Map)];
const tiles = window.landgis && landgis.state.parcels ? landgis.state.parcels : null;"""

#: one pan or zoom: ms from the call to the second frame after the map is idle with every
#: visible parcel tile loaded
MOVE = """async ([kind, zoom]) => {
    %s
    const t0 = performance.now();
    await new Promise((resolve) => {
        const settle = () => requestAnimationFrame(() => requestAnimationFrame(resolve));
        map.once("moveend", () => {
            if (tiles && !tiles._noTilesToLoad()) { tiles.once("load", settle); } else { settle(); }
        });
        if (kind === "pan") { map.panBy([300, 200], {animate: false}); }
        else { map.setZoom(map.getZoom() === zoom ? zoom + 1 : zoom, {animate: false}); }
    });
    return performance.now() - t0;
}""" % FIND


def measure_page(b, url: str, *, view: dict, ours: bool, moves: int = 5,
                 timeout_s: float = 300.0) -> dict:
    """Load ``url`` in a fresh context and measure it: ``first_parcels_s`` after navigation
    start, ``page_bytes`` (document, scripts, style sheets, fonts, as transferred) and
    ``html_bytes``, median ``pan_s`` and ``zoom_s``, ``heap_mb`` (JS heap after loading)."""
    # The bench times the page, not its security policy (the browser tests check that): a
    # policy problem must not stop the timing.
    context = b.new_context(viewport=VIEWPORT, bypass_csp=True)
    context.set_default_timeout(timeout_s * 1000)
    page = context.new_page()
    page.add_init_script(OURS_FIRST % json.dumps(view) if ours else PLAIN_FIRST)
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_function("() => window.__bench && window.__bench.firstParcels",
                               polling=50)
        first = page.evaluate("() => window.__bench.firstParcels") / 1000
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        shell = {"document", "script", "stylesheet", "font"}
        sizes = [(r.resource_type, r.sizes()["responseBodySize"]) for r in finished
                 if r.resource_type in shell]
        zoom = page.evaluate("() => { %s return map.getZoom(); }" % FIND)
        pans = [page.evaluate(MOVE, ["pan", zoom]) / 1000 for _ in range(moves)]
        zooms = [page.evaluate(MOVE, ["zoom", zoom]) / 1000 for _ in range(moves)]
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return {"first_parcels_s": first,
                "page_bytes": sum(s for _, s in sizes),
                "html_bytes": sum(s for t, s in sizes if t == "document"),
                "pan_s": statistics.median(pans), "zoom_s": statistics.median(zooms),
                "heap_mb": metrics.get("JSHeapUsedSize", 0) / 2**20, "errors": errors}
    finally:
        context.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["fetch"]:
        sys.exit(_fetch_main())
    raise SystemExit("usage: _browser.py fetch < job.json (used by bench.py)")
