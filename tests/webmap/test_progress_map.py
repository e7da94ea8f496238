"""``GET /api/map/investments`` and ``/api/map/projects``: the progress layers of the map as
GeoJSON in WGS 84, as of a date, on both backends; bad parameters answer 400, reading follows
``read_open``, answers are bounded by ``max_features``."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from landgis.accounts import open_accounts
from tests import map_progress_data as data
from tests.webmap.test_auth_edit import PASSWORD, login
from webmap import create_app

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def progress_client(store, zones_gdf, parcels_gdf, tmp_path):
    data.build(store, zones_gdf, parcels_gdf, investor=HOSTILE)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "TESTING": True, "tiles_build": "off"})
    return app.test_client()


def features(resp) -> dict:
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["type"] == "FeatureCollection"
    return {f["id"]: f for f in body["features"]}


def test_investments_as_of_two_dates(progress_client):
    early = features(progress_client.get("/api/map/investments?as_of=01/01/2018"))
    late = progress_client.get("/api/map/investments?as_of=2021-01-01")
    assert late.headers["Cache-Control"] == "no-cache"
    assert late.get_json()["as_of"] == "2021-01-01"
    late = features(late)
    assert early["INV-A"]["properties"]["state"] == "on_schedule"
    assert late["INV-A"]["properties"]["state"] == "revocable"
    assert set(early) == {"INV-A"} and set(late) == {"INV-A", "INV-B"}
    inv = late["INV-A"]
    # JSON carries the investor's name as it is: the page writes it as text
    assert inv["properties"]["investor"] == HOSTILE
    assert shape(inv["geometry"]).geom_type == "Polygon"
    lon, lat = inv["properties"]["anchor"]
    assert 107.9 < lon < 108.1 and 14.3 < lat < 14.5  # WGS 84 longitude/latitude, near Kon Tum
    assert any("Điều 81" in f["basis_vi"] for f in inv["properties"]["flags"])


def test_projects_with_their_progress(progress_client):
    got = features(progress_client.get("/api/map/projects?as_of=31/12/2019&zone=KCN-T1"))
    props = got["DA-T1"]["properties"]
    assert props["disbursed_year_pct"] == pytest.approx(33.3)
    assert props["plan_year_vnd"] == 30_000_000_000
    assert isinstance(props["disbursed_total_vnd"], int)  # whole đồng
    assert got["DA-T2"]["geometry"]["type"] == "Polygon"


@pytest.mark.parametrize("query, words", [
    ("as_of=12/31/2019", "as_of"),
    ("as_of=31/02/2019", "as_of"),
    ("zone=KCN-XX", "KCN-XX"),
])
@pytest.mark.parametrize("path", ["/api/map/investments", "/api/map/projects"])
def test_bad_parameters_answer_400(progress_client, path, query, words):
    resp = progress_client.get(f"{path}?{query}")
    assert resp.status_code == 400
    assert words in resp.get_json()["error"]


@pytest.mark.backends("gpkg")
def test_answers_are_bounded(store, zones_gdf, parcels_gdf, tmp_path):
    data.build(store, zones_gdf, parcels_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True, "max_features": 1})
    body = app.test_client().get("/api/map/investments?as_of=2021-01-01").get_json()
    assert len(body["features"]) == 1 and body["truncated"] is True


@pytest.mark.backends("gpkg")
def test_reading_follows_read_open(store, zones_gdf, parcels_gdf, tmp_path):
    data.build(store, zones_gdf, parcels_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True, "read_open": False})
    open_accounts(store.url, str(tmp_path / "i")).create("xem", PASSWORD)
    client = app.test_client()
    for path in ("/api/map/investments", "/api/map/projects"):
        assert client.get(path).status_code == 401
    login(client, "xem")
    for path in ("/api/map/investments", "/api/map/projects"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.backends("gpkg")
def test_a_store_without_the_progress_layers_answers_empty(store, zones_gdf, tmp_path):
    store.write_layer("zones", zones_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True})
    client = app.test_client()
    for path in ("/api/map/investments", "/api/map/projects"):
        body = client.get(path).get_json()
        assert body["features"] == [] and body["truncated"] is False
