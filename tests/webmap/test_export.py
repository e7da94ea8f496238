"""The map's Export button: GET /export/dossier.zip, for viewers and editors alike."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import shapely

from landgis import crs as crsmod
from landgis.accounts import open_accounts
from tests.conftest import X0, Y0
from tests.dossier_checks import check_rfc7946, hand_over, read_table, sell
from tests.scripts.conftest import run_script
from webmap import create_app

PASSWORD = "mật-khẩu-đủ-dài"


def unzip(resp) -> zipfile.ZipFile:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(resp.data))


def test_export_route_writes_the_same_files_as_the_script(store, client, tmp_path):
    hand_over(store, ["23296-1-2", "23296-1-3", "23296-1-4"])
    resp = client.get("/export/dossier.zip", query_string={
        "lot": "ĐG-01", "name": "Lô Hòa Bình", "parcels": "23296-1-4,1/2,23296-1-3",
        "formats": "shp,kml"})
    assert 'filename=ho_so_DG-01.zip' in resp.headers["Content-Disposition"]
    zf = unzip(resp)
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "ĐG-01", "--name",
                   "Lô Hòa Bình", "--parcels", "23296-1-4", "1/2", "23296-1-3",
                   "--formats", "shp,kml", "--out", tmp_path / "script")
    assert r.returncode == 0, r.stderr
    script = tmp_path / "script"
    script_files = sorted(str(p.relative_to(script)) for p in script.rglob("*") if p.is_file())
    assert sorted(zf.namelist()) == script_files
    assert json.loads(zf.read("lot.geojson")) == json.loads(
        (script / "lot.geojson").read_text(encoding="utf-8"))
    assert zf.read("toa_do.csv") == (script / "toa_do.csv").read_bytes()
    web_manifest = json.loads(zf.read("manifest.json"))
    script_manifest = json.loads((script / "manifest.json").read_text(encoding="utf-8"))
    for key in ("lot", "parcel_ids", "totals", "store", "landgis_version"):
        assert web_manifest[key] == script_manifest[key], key
    assert web_manifest["user"] is None  # nobody logged in
    (tmp_path / "web.geojson").write_bytes(zf.read("lot.geojson"))
    check_rfc7946(tmp_path / "web.geojson")
    (tmp_path / "web.csv").write_bytes(zf.read("toa_do.csv"))
    assert {r["parcel_id"] for r in read_table(tmp_path / "web.csv")} == {
        "23296-1-2", "23296-1-3", "23296-1-4"}
    assert zf.read("ho_so.pdf")[:5] == b"%PDF-"


def test_export_by_a_drawn_polygon(store, client):
    hand_over(store, ["23296-1-2", "23296-1-4"])
    box = shapely.box(X0 + 95, Y0 - 5, X0 + 205, Y0 + 205)
    (drawn,) = crsmod.transform_geometries([box], crsmod.STORAGE_CRS, crsmod.WGS84)
    zf = unzip(client.get("/export/dossier.zip", query_string={
        "lot": "V", "polygon": json.dumps(shapely.geometry.mapping(drawn))}))
    assert json.loads(zf.read("manifest.json"))["parcel_ids"] == ["23296-1-2", "23296-1-4"]


def test_refusals_answer_400_or_404_with_the_message(store, client):
    def get(**params):
        return client.get("/export/dossier.zip", query_string={"lot": "L", **params})

    resp = get(parcels="23296-1-4,23296-9-9")
    assert resp.status_code == 404 and "no such parcel: 23296-9-9" in resp.get_json()["error"]
    resp = get(parcels="23296-1-1")
    assert resp.status_code == 400
    assert "not yet handed over: 23296-1-1" in resp.get_json()["error"]
    assert resp.get_json()["parcel_ids"] == ["23296-1-1"]
    hand_over(store, ["23296-1-3"])
    sell(store, "23296-1-3")
    resp = get(parcels="23296-1-3")
    assert resp.status_code == 400 and "already sold" in resp.get_json()["error"]
    resp = get(zone="KCN-T1", status="announced")
    assert resp.status_code == 400 and "empty selection" in resp.get_json()["error"]
    resp = get()
    assert resp.status_code == 400 and "one way" in resp.get_json()["error"]
    resp = client.get("/export/dossier.zip", query_string={"parcels": "23296-1-4"})
    assert resp.status_code == 400 and "lot code" in resp.get_json()["error"]
    resp = get(polygon="{not json")
    assert resp.status_code == 400 and "GeoJSON" in resp.get_json()["error"]
    resp = get(parcels="23296-1-1", allow_uncleared="1")
    assert resp.status_code == 200


def test_viewers_and_editors_alike_may_export_when_reading_needs_a_login(store, tmp_path):
    hand_over(store, ["23296-1-4"])
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "read_open": False})
    accounts = open_accounts(store.url, str(tmp_path / "instance"))
    accounts.create("xem", PASSWORD, "viewer")
    accounts.create("lan", PASSWORD, "editor")
    query = {"lot": "L", "parcels": "23296-1-4"}
    anonymous = app.test_client()
    assert anonymous.get("/export/dossier.zip", query_string=query).status_code in (302, 401)
    for user in ("xem", "lan"):
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"username": user, "password": PASSWORD,
                                         "csrf_token": token})
        zf = unzip(client.get("/export/dossier.zip", query_string=query))
        assert json.loads(zf.read("manifest.json"))["user"] == user


def test_the_page_script_offers_the_export_to_everyone(client):
    js = client.get("/static/landgis.js").get_data(as_text=True)
    assert "/export/dossier.zip?" in js
    assert "Xuất hồ sơ đấu giá" in js and "Export auction dossier" in js
    # picking parcels is offered outside the editors' box too
    assert "panel.appendChild(exportBox());" in js
    assert "else { pickControls(box); }" in js


# --------------------------------------------------------------------------- bounds


def capped_app(store, tmp_path, **caps):
    """An app whose anonymous readers may export 2 parcels, logged-in ones ``caps`` (4)."""
    folder = tmp_path / f"instance{len(caps)}"
    app = create_app({"database_url": store.url, "instance_dir": str(folder), "TESTING": True,
                      "dossier_anonymous_max_parcels": 2, "dossier_max_parcels": 4, **caps})
    accounts = open_accounts(store.url, str(folder))
    if accounts.get("xem") is None:  # a PostGIS store keeps its accounts beside the layers
        accounts.create("xem", PASSWORD, "viewer")
    return app


def logged_in(app, user="xem"):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"username": user, "password": PASSWORD,
                                     "csrf_token": token})
    return client


def test_the_lot_is_bounded_after_the_selection_and_large_lots_need_a_login(store, tmp_path):
    hand_over(store, ["23296-1-1", "23296-1-2", "23296-1-3", "23296-1-4"])
    app = capped_app(store, tmp_path)
    by_zone = {"lot": "Z", "zone": "KCN-T1"}  # one short parameter, four parcels
    anonymous = app.test_client().get("/export/dossier.zip", query_string=by_zone)
    assert anonymous.status_code == 401
    assert "login required" in anonymous.get_json()["error"]
    assert anonymous.get_json()["count"] == 4
    box = shapely.box(X0 - 5, Y0 - 5, X0 + 205, Y0 + 205)
    (drawn,) = crsmod.transform_geometries([box], crsmod.STORAGE_CRS, crsmod.WGS84)
    by_polygon = {"lot": "V", "polygon": json.dumps(shapely.geometry.mapping(drawn))}
    assert app.test_client().get("/export/dossier.zip",
                                 query_string=by_polygon).status_code == 401
    # within the anonymous cap: served
    small = {"lot": "S", "parcels": "23296-1-1,23296-1-2"}
    assert "ho_so.pdf" in unzip(app.test_client().get("/export/dossier.zip",
                                                      query_string=small)).namelist()
    # logged in: the lot may be larger …
    zf = unzip(logged_in(app).get("/export/dossier.zip", query_string=by_zone))
    assert len(json.loads(zf.read("manifest.json"))["parcel_ids"]) == 4
    # … up to its own cap, 400 beyond whoever asks (by a query with statuses too)
    tight = logged_in(capped_app(store, tmp_path, dossier_max_parcels=3))
    for query in (by_zone, {**by_zone, "status": "handed_over", "land_use": "CLN"}):
        resp = tight.get("/export/dossier.zip", query_string=query)
        assert resp.status_code == 400 and "too many parcels" in resp.get_json()["error"]
        assert resp.get_json()["count"] == 4 and resp.get_json()["limit"] == 3


def test_another_sites_page_cannot_make_a_browser_export(store, client):
    hand_over(store, ["23296-1-4"])
    query = {"lot": "L", "parcels": "23296-1-4"}
    for headers in ({"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"},
                    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Dest": "image"},
                    {"Origin": "https://trang-khac.example"},
                    {"Referer": "https://trang-khac.example/bai-viet"}):
        resp = client.get("/export/dossier.zip", query_string=query, headers=headers)
        assert resp.status_code == 403, headers
        assert "another site" in resp.get_json()["error"]
    # the map's own fetch, an address typed in the browser, a tool with no such headers
    for headers in ({"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "empty"},
                    {"Sec-Fetch-Site": "none", "Sec-Fetch-Dest": "document"},
                    {"Referer": "http://localhost/"}, {}):
        unzip(client.get("/export/dossier.zip", query_string=query, headers=headers))


def test_the_manifest_names_no_server_folder_nor_database_account(store, client):
    hand_over(store, ["23296-1-4"])
    zf = unzip(client.get("/export/dossier.zip", query_string={"lot": "L",
                                                              "parcels": "23296-1-4"}))
    text = zf.read("manifest.json").decode("utf-8")
    manifest = json.loads(text)
    assert store.url not in text and "url" not in manifest["store"]
    assert str(Path(store.url).parent) not in text or "postgres" in store.url
    assert manifest["store"]["data_version"] == store.version()
    assert manifest["store"]["backend"] in ("geopackage", "postgis")
