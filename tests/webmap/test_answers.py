"""How the app answers on every route: errors as JSON, JSON compressed for clients that accept
it, per-user and history answers kept by no cache, nothing left for a shared cache while
reading needs a login, and the page's inline scripts allowed by their hashes only."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re

import pytest

from landgis import tiles
from landgis.accounts import open_accounts
from tests.webmap.test_api import lonlat_bbox
from tests.webmap.test_auth_edit import PASSWORD, login
from tests.webmap.test_tiles import parcel_tile
from webmap import create_app


@pytest.mark.parametrize("method,path,code", [
    ("get", "/nothing-here", 404),
    ("get", "/export/nothing", 404),
    ("get", "/tiles/parcels/14/1/2.png", 404),
    ("post", "/", 405),
    ("delete", "/export/dossier.zip", 405),
    ("get", "/edit/status", 405),
])
def test_errors_outside_the_api_answer_json(client, method, path, code):
    resp = getattr(client, method)(path, headers={"Accept": "text/html"})
    assert resp.status_code == code
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"].startswith(str(code))
    if code == 405:
        assert resp.headers["Allow"]


def test_large_json_answers_are_gzip_compressed_for_clients_that_accept_it(client):
    url = f"/api/parcels?bbox={lonlat_bbox(-10, -10, 220)}"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 2
    body = json.loads(gzip.decompress(packed.data))
    assert body == plain.get_json() and len(body["features"]) == 4
    small = client.get("/auth/me", headers={"Accept-Encoding": "gzip"})  # a few bytes: as is
    assert "Content-Encoding" not in small.headers and small.get_json()["user"] is None


def test_who_is_logged_in_and_parcel_histories_are_not_stored_by_caches(client):
    assert "no-store" in client.get("/auth/me").headers["Cache-Control"]
    resp = client.get("/api/parcels/23296-1-1")
    assert resp.status_code == 200 and resp.get_json()["properties"]["history"]
    assert "no-store" in resp.headers["Cache-Control"]


def test_nothing_is_left_for_shared_caches_while_reading_needs_a_login(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "read_open": False, "tiles_build": "off"})
    open_accounts(store.url, str(tmp_path / "i")).create("xem", PASSWORD)
    client = login(app.test_client(), "xem")
    x, y = parcel_tile(14)
    version = tiles.data_version(store)
    for url in (f"/tiles/parcels/14/{x}/{y}.pbf?v={version}", f"/tiles/parcels/14/{x}/{y}.pbf",
                f"/tiles/parcels/14/batch?xy={x},{y}&v={version}", "/api/status/snapshot",
                "/api/summary"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        control = resp.headers["Cache-Control"]
        assert "public" not in control and control.startswith("private"), (url, control)
    # reading open: the tiles of a version are kept by any cache, for good
    open_app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "j"),
                           "tiles_build": "off"})
    resp = open_app.test_client().get(f"/tiles/parcels/14/{x}/{y}.pbf?v={version}")
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_only_the_pages_own_inline_scripts_may_run(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    inline = re.findall(r"<script>(.*?)</script>", resp.get_data(as_text=True), re.S)
    assert len(inline) == 2  # Leaflet's switches and the map
    hashes = {"'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
              for s in inline}
    assert set(script_src) == {"'self'"} | hashes
    # every other answer lets no inline script run at all
    other = client.get("/auth/login").headers["Content-Security-Policy"]
    assert re.search(r"script-src ([^;]*)", other).group(1) == "'self'"
