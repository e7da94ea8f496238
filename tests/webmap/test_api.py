import pytest

from landgis import crs as crsmod
from tests.conftest import X0, Y0


def lonlat_square(x, y, size):
    t = crsmod.transformer(9216, 4326)
    ring = [t.transform(X0 + a, Y0 + b) for a, b in
            ((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def test_summary_gives_every_table(client):
    resp = client.get("/api/summary")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body["tables"]) == {"by_zone", "clearance", "auction", "plan_functions",
                                   "occupancy", "clean_fund"}
    clearance = {r["status"]: r for r in body["tables"]["clearance"]}
    assert clearance["compensated"]["area_ha"] == pytest.approx(1.0)
    assert clearance["disputed"]["status_vi"] == "đang khiếu nại"


def test_summary_filters_and_as_of(client):
    body = client.get("/api/summary?status=disputed").get_json()
    assert body["tables"]["by_zone"][0]["parcels"] == 1
    then = client.get("/api/summary?as_of=2019-03-31").get_json()
    statuses = {r["status"] for r in then["tables"]["clearance"]}
    assert "inventoried" in statuses and "compensated" not in statuses
    assert then["as_of"] == "2019-03-31"


@pytest.mark.parametrize("query,message", [
    ("as_of=yesterday-ish", "not a date"),
    ("zone=KCN-XX", "unknown zone"),
    ("status=sold';--", "unknown status"),
])
def test_summary_bad_parameters_are_400(client, query, message):
    resp = client.get(f"/api/summary?{query}")
    assert resp.status_code == 400 and message in resp.get_json()["error"]


def test_area_of_a_drawn_polygon(client):
    resp = client.post("/api/area", json=lonlat_square(50, 50, 100))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["plane_area_m2"] == pytest.approx(10_000, abs=0.05)
    assert body["ellipsoidal_area_m2"] == pytest.approx(10_001.3, abs=0.5)
    assert body["parcel_count"] == 4
    assert {p["parcel_id"] for p in body["parcels"]} == {f"23296-1-{i}" for i in range(1, 5)}
    assert all(p["overlap_m2"] == pytest.approx(2_500, abs=0.05) for p in body["parcels"])


def test_area_accepts_a_feature(client):
    feature = {"type": "Feature", "properties": {}, "geometry": lonlat_square(0, 0, 50)}
    body = client.post("/api/area", json=feature).get_json()
    assert body["parcel_count"] == 1 and body["parcels"][0]["parcel_id"] == "23296-1-1"


@pytest.mark.parametrize("doc,message", [
    ({"type": "LineString", "coordinates": [[107.9, 14.3], [107.91, 14.31]]}, "Polygon"),
    ({"type": "Polygon", "coordinates": [[[552000, 1590000], [552100, 1590000],
                                          [552100, 1590100], [552000, 1590000]]]},
     "longitude/latitude"),
    ({"type": "Polygon", "coordinates": [[[107.97, 14.38], [107.98, 14.39], [107.98, 14.38],
                                          [107.97, 14.39], [107.97, 14.38]]]}, "not valid"),
    ({"type": "Polygon", "coordinates": "nonsense"}, "not a valid GeoJSON"),
    ([1, 2, 3], "send a GeoJSON"),
])
def test_area_bad_input_is_400(client, doc, message):
    resp = client.post("/api/area", json=doc)
    assert resp.status_code == 400
    assert message in resp.get_json()["error"]


def test_area_without_json_and_wrong_method(client):
    assert client.post("/api/area", data="x").status_code == 400
    resp = client.get("/api/area")
    assert resp.status_code == 405 and "error" in resp.get_json()
    assert client.get("/api/nothing-here").get_json()["error"].startswith("404")
