"""The page's defences in a real browser (Debian's headless Chromium, the app served by
waitress, the data of :mod:`tests.webmap.test_browser`): only the page's own inline scripts
run, the Export box still downloads a dossier, and another site's ``<img>`` cannot make the
browser export one."""

from __future__ import annotations

import html
import http.server
import io
import json
import threading
import time
import zipfile

from flask import request

from tests.webmap import browser as br
from tests.webmap.test_browser import chromium, server, web_data, zoom_to  # noqa: F401
from webmap import create_app

#: every Content-Security-Policy violation of the page, recorded from its first script on
RECORD_VIOLATIONS = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline")));"""


def open_page(chromium, server):  # noqa: F811 - the fixtures imported above
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    watched = br.watch(context)
    watched.page.goto(server.url + "/", wait_until="domcontentloaded")
    watched.page.wait_for_function("() => window.landgisReady === true")
    return context, watched


def test_only_the_pages_own_inline_scripts_run(chromium, server):  # noqa: F811
    context, w = open_page(chromium, server)
    try:
        page = w.page
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.cspViolations") == []  # folium's two scripts ran
        assert w.errors == []
        # an inline script put into the page (as an injection would) does not run
        page.evaluate("""() => { const s = document.createElement("script");
            s.textContent = "window.injected = true;"; document.body.appendChild(s); }""")
        page.wait_for_function("() => window.cspViolations.length > 0")
        assert page.evaluate("window.injected === undefined")
        assert page.evaluate("window.cspViolations")[0].startswith("script-src")
    finally:
        context.close()


def test_the_export_box_downloads_a_dossier(chromium, server, web_data):  # noqa: F811
    context, w = open_page(chromium, server)
    try:
        page, known = w.page, web_data.known
        zoom_to(page, known)
        page.check("#landgis-pick")
        x, y = page.evaluate(br.PAGE_POINT, [known.lat, known.lon])
        page.mouse.click(x, y)
        page.wait_for_function("() => landgis.state.selected[%s] === true"
                               % json.dumps(known.parcel_id))
        page.fill("#landgis-export-lot", "BR-01")
        page.check("#landgis-export-allow")  # the demo parcel need not be handed over
        with page.expect_download() as download, page.expect_response(
                lambda r: "/export/dossier.zip" in r.url) as answer:
            page.click("#landgis-export-go")
        assert answer.value.status == 200
        assert answer.value.request.all_headers()["sec-fetch-site"] == "same-origin"
        data = open(download.value.path(), "rb").read()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = json.loads(zf.read("manifest.json"))
        assert manifest["parcel_ids"] == [known.parcel_id]
        page.locator("#landgis-export-result .landgis-ok").wait_for(state="visible")
        assert w.errors == []
    finally:
        context.close()


class OtherSite(http.server.BaseHTTPRequestHandler):
    """Another site's page (``http://localhost:…``: another site than ``127.0.0.1``, on the
    loopback, so that Chromium's local-network checks let its image request out) holding an
    ``<img>`` that points at the export."""

    target = ""

    def do_GET(self):  # noqa: N802 - http.server's name
        body = f'<html><body><img src="{html.escape(self.target)}"></body></html>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_another_sites_img_cannot_make_the_browser_export(chromium, web_data,  # noqa: F811
                                                          tmp_path):
    app = create_app({"database_url": str(web_data.path), "instance_dir": str(tmp_path)})
    answered = []

    @app.after_request
    def record(response):
        if request.path.startswith("/export/"):
            answered.append((response.status_code, request.headers.get("Sec-Fetch-Site")))
        return response

    with br.LiveServer(app) as live:
        handler = type("Handler", (OtherSite,), {"target": (
            f"{live.url}/export/dossier.zip?lot=X&allow_uncleared=1"
            f"&parcels={web_data.known.parcel_id}")})
        other = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        context = chromium.new_context()
        try:
            context.new_page().goto(f"http://localhost:{other.server_address[1]}/")
            deadline = time.monotonic() + 15
            while not answered and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            context.close()
            other.shutdown()
    assert answered == [(403, "cross-site")]  # refused before any work
