"""Headless Chromium and the production server for the browser tests.

The app is served by waitress (the server of ``make run``) in a thread on 127.0.0.1 and a free
port; Debian's ``/usr/bin/chromium`` is driven with Playwright (its own browser download is
never used: no ``playwright install``). Every page records its console errors, uncaught
exceptions, requests and dialogs, so a test can assert what a planner would notice.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import waitress

#: without the networking flags Chromium keeps trying to reach outside hosts
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


def chromium_path() -> str | None:
    """Debian's Chromium (or ``LANDGIS_CHROMIUM``), None when it is not installed."""
    for name in (os.environ.get("LANDGIS_CHROMIUM"), "chromium", "chromium-browser"):
        found = name and shutil.which(name)
        if found:
            return found
    return None


def launch(playwright, executable: str):
    """Chromium, headless, with a fresh profile (Playwright gives each launch a new
    temporary ``--user-data-dir`` and removes it on close)."""
    return playwright.chromium.launch(executable_path=executable, headless=True,
                                      args=CHROMIUM_ARGS)


class LiveServer:
    """``app`` served by waitress on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app, threads: int = 8):
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads,
                                             clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, name="waitress", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.task_dispatcher.shutdown(timeout=5)  # let running requests finish
        self.server.close()
        self._thread.join(timeout=5)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@dataclass
class Watched:
    """A page and what it did: requests, console errors, page errors, dialogs."""

    page: object
    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)

    @property
    def outside(self) -> list[str]:
        return [u for u in self.requests if not is_local(u)]


def watch(context) -> Watched:
    """A new page of ``context`` whose requests, errors and dialogs are recorded
    (dialogs are dismissed, so a script that opens one cannot block the page)."""
    page = context.new_page()
    w = Watched(page)
    context.on("request", lambda r: w.requests.append(r.url))
    def console(m):
        # the browser's own request for /favicon.ico is no part of the page (it has no icon)
        if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico"):
            w.errors.append(f"console: {m.text} ({m.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda exc: w.errors.append(f"uncaught: {exc}"))

    def dialog(d):
        w.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    return w


# --------------------------------------------------------------------------- page scripts
# The Leaflet map is folium's ``map_…`` variable; the page's script keeps it (and the parcel
# layer) in ``landgis.state`` once ``landgis.init`` has run.

#: set the view and resolve once the parcel layer has loaded and drawn every visible tile
SET_VIEW_AND_WAIT = """([lat, lon, zoom]) => new Promise((resolve, reject) => {
    const s = landgis.state;
    const timer = setTimeout(() => reject(new Error("parcel tiles did not load")), 15000);
    const done = () => { clearTimeout(timer); resolve(s.map.getZoom()); };
    s.parcels.once("load", done);
    s.map.setView([lat, lon], zoom, {animate: false});
    if (s.parcels._noTilesToLoad()) { s.parcels.off("load", done); done(); }
})"""

#: the RGBA, at a latitude/longitude, of every parcel tile canvas there
PIXELS_AT = """([lat, lon]) => {
    const m = landgis.state.map, p = m.latLngToContainerPoint([lat, lon]);
    const r = m.getContainer().getBoundingClientRect(), x = r.left + p.x, y = r.top + p.y;
    const found = [];
    for (const c of landgis.state.parcels.getContainer().querySelectorAll("canvas")) {
        const b = c.getBoundingClientRect();
        if (x < b.left || x >= b.right || y < b.top || y >= b.bottom) { continue; }
        found.push(Array.from(c.getContext("2d").getImageData(
            Math.floor((x - b.left) * c.width / b.width),
            Math.floor((y - b.top) * c.height / b.height), 1, 1).data));
    }
    return found;
}"""

#: whether the parcel tiles have paint at a latitude/longitude
PAINTED_AT = "(ll) => (%s)(ll).some((px) => px[3] > 0)" % PIXELS_AT

#: the RGBA of the parcel tiles at a latitude/longitude (the painted one; null when none)
PIXEL_AT = "(ll) => { const all = (%s)(ll); return all.find((px) => px[3] > 0) || null; }" \
    % PIXELS_AT

#: the page coordinates of a latitude/longitude on the map
PAGE_POINT = """([lat, lon]) => {
    const m = landgis.state.map, p = m.latLngToContainerPoint([lat, lon]);
    const r = m.getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
}"""

#: a polygon "drawn" with Leaflet.draw: the event its toolbar fires when a polygon is closed
DRAW_POLYGON = """(latlngs) => {
    const poly = L.polygon(latlngs);
    landgis.state.map.fire("draw:created", {layer: poly, layerType: "polygon"});
    return poly.toGeoJSON(15).geometry;  // as the page sends it: full precision
}"""

#: the rows of a table in the element matching the selector, as [header, value] pairs
TABLE_ROWS = """(sel) => Array.from(document.querySelectorAll(sel + " tr")).map(
    (tr) => [tr.querySelector("th").textContent, tr.querySelector("td").textContent])"""


def vi_number(value: float, decimals: int) -> str:
    """A number as the page writes it in Vietnamese (vi-VN): ``1.234,5``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def parse_vi_number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))
