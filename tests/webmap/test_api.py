import json

import numpy as np
import pandas as pd
import pytest
import shapely

from landgis import crs as crsmod, service
from tests.conftest import X0, Y0, event, square
from webmap import create_app


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


def lonlat_bbox(x, y, size):
    sq = lonlat_square(x, y, size)["coordinates"][0]
    lons, lats = [p[0] for p in sq], [p[1] for p in sq]
    return f"{min(lons)},{min(lats)},{max(lons)},{max(lats)}"


def test_zones_as_geojson(client):
    fc = client.get("/api/zones").get_json()
    [zone] = fc["features"]
    assert zone["properties"]["zone_code"] == "KCN-T1"
    assert zone["properties"]["plane_area_ha"] == pytest.approx(4.0)
    lon, lat = zone["geometry"]["coordinates"][0][0][0]
    assert 107 < lon < 109 and 14 < lat < 15


def test_parcels_in_a_bbox_with_status_filters(client):
    fc = client.get(f"/api/parcels?bbox={lonlat_bbox(10, 10, 30)}").get_json()
    assert [f["id"] for f in fc["features"]] == ["23296-1-1"]
    assert fc["features"][0]["properties"]["clearance_status"] == "compensated"
    everything = lonlat_bbox(-10, -10, 220)
    disputed = client.get(f"/api/parcels?bbox={everything}&clearance_status=disputed").get_json()
    assert [f["id"] for f in disputed["features"]] == ["23296-1-2"]
    assert len(client.get(f"/api/parcels?bbox={everything}").get_json()["features"]) == 4


def test_parcels_answer_what_the_layer_holds(client, store):
    """Properties as stored, geometry in WGS 84 on the 1e-7° grid, in layer order."""
    fc = client.get(f"/api/parcels?bbox={lonlat_bbox(-10, -10, 220)}").get_json()
    layer = crsmod.to_wgs84(store.read_layer("parcels"))
    assert [f["id"] for f in fc["features"]] == list(layer["parcel_id"])
    for feature, geom in zip(fc["features"], layer.geometry):
        expected = shapely.geometry.mapping(shapely.set_precision(geom, 1e-7))
        assert feature["geometry"] == json.loads(json.dumps(expected))
    assert fc["features"][0]["properties"] == {
        "parcel_id": "23296-1-1", "commune_code": "23296", "commune_name": "Phường Ngô Mây",
        "sheet_no": 1, "parcel_no": 1, "land_use_code": "CLN", "legal_area_m2": 10_001.0,
        "zone_code": "KCN-T1", "owner_kind": "household", "clearance_status": "compensated",
        "auction_status": "planned"}
    assert fc["truncated"] is False


def test_parcels_follow_the_ledger_and_a_rewritten_layer(client, store, parcels_gdf):
    """The parcels are kept in memory per data version: a new ledger event shows at once
    (without reading the layer again), and so does a rewritten layer."""
    everything = lonlat_bbox(-10, -10, 220)

    def answer(query=""):
        fc = client.get(f"/api/parcels?bbox={everything}{query}").get_json()
        return {f["id"]: f["properties"] for f in fc["features"]}

    assert answer()["23296-1-3"]["clearance_status"] == "not_started"
    index = service.parcel_index(store)
    store.append_events(pd.DataFrame([event("23296-1-3", "clearance_status", "disputed",
                                            "2020-01-02", 9)]))
    assert answer()["23296-1-3"]["clearance_status"] == "disputed"
    assert set(answer("&clearance_status=disputed")) == {"23296-1-2", "23296-1-3"}
    assert service.parcel_index(store) is index
    rewritten = parcels_gdf.copy()
    rewritten.loc[1, "commune_name"] = "Xã Mới"
    rewritten.loc[3, "geometry"] = square(300, 300)  # out of the box
    store.write_layer("parcels", rewritten)
    now = answer()
    assert sorted(now) == ["23296-1-1", "23296-1-2", "23296-1-3"]
    assert now["23296-1-2"]["commune_name"] == "Xã Mới"
    assert now["23296-1-3"]["clearance_status"] == "disputed"
    assert service.parcel_index(store) is not index


def test_parcels_meet_the_box_with_their_shape(client, store, parcels_gdf):
    """A parcel whose bounding box meets the box but whose shape does not is not answered,
    on either backend (as GDAL's spatial filter; PostGIS's && alone would keep it)."""
    triangle = parcels_gdf.copy()
    triangle.loc[3, "geometry"] = shapely.Polygon([(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100),
                                                   (X0 + 200, Y0 + 200)])
    store.write_layer("parcels", triangle)
    above = client.get(f"/api/parcels?bbox={lonlat_bbox(105, 150, 20)}").get_json()
    assert above["features"] == []
    below = client.get(f"/api/parcels?bbox={lonlat_bbox(150, 105, 20)}").get_json()
    assert [f["id"] for f in below["features"]] == ["23296-1-4"]


def test_parcels_truncated_in_layer_order(store, tmp_path):
    """At most ``max_features``, the first in layer order, on either backend."""
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "max_features": 3, "TESTING": True})
    fc = app.test_client().get(f"/api/parcels?bbox={lonlat_bbox(-10, -10, 220)}").get_json()
    assert [f["id"] for f in fc["features"]] == ["23296-1-1", "23296-1-2", "23296-1-3"]
    assert fc["truncated"] is True


@pytest.mark.parametrize("query,message", [
    ("", "bbox is required"),
    ("bbox=1,2,3", "four numbers"),
    ("bbox=107,14,109,16", "larger than"),
    ("bbox=108,14,107,15", "not minlon"),
    ("bbox=107.9,14.3,107.91,14.31&clearance_status=gone", "unknown value"),
])
def test_parcels_bad_parameters_are_400(client, query, message):
    resp = client.get(f"/api/parcels?{query}")
    assert resp.status_code == 400 and message in resp.get_json()["error"]


def test_parcel_detail_with_history(client):
    feature = client.get("/api/parcels/23296-1-1").get_json()
    p = feature["properties"]
    assert p["plane_area_m2"] == pytest.approx(10_000)
    assert p["difference_m2"] == pytest.approx(-1.0)
    assert p["status"]["clearance_status"] == {"value": "compensated",
                                               "effective_date": "2019-05-02",
                                               "document_no": "2/QĐ-UBND"}
    assert p["status"]["auction_status"]["value"] == "planned"
    assert [h["value"] for h in p["history"]] == ["inventoried", "compensated", "planned"]
    assert len(feature["bbox"]) == 4


def test_parcel_whose_survey_states_no_legal_area_or_land_use(client, store, parcels_gdf):
    """A drawing labelled with numbers alone: the answer is JSON a browser can read (null, not
    NaN) and says "not stated" with the vocabulary's code."""
    unstated = parcels_gdf.copy()
    unstated.loc[0, ["land_use_code", "legal_area_m2"]] = ["not_stated", np.nan]
    store.write_layer("parcels", unstated)
    resp = client.get("/api/parcels/23296-1-1")
    assert resp.status_code == 200
    def refuse(constant):  # a browser's JSON.parse refuses NaN and Infinity
        raise AssertionError(f"{constant} in the JSON answer")

    json.loads(resp.get_data(as_text=True), parse_constant=refuse)
    p = resp.get_json()["properties"]
    assert p["legal_area_m2"] is None and p["difference_m2"] is None
    assert p["land_use_code"] == "not_stated" and p["beyond_tolerance"] is False


def test_unknown_parcel_is_404(client):
    resp = client.get("/api/parcels/23296-9-999")
    assert resp.status_code == 404 and "23296-9-999" in resp.get_json()["error"]


@pytest.mark.parametrize("q,expected", [
    ("tờ 1 thửa 3", ["23296-1-3"]),
    ("To 1 thua 3", ["23296-1-3"]),
    ("1/4", ["23296-1-4"]),
    ("23296-1-2", ["23296-1-2"]),
    ("kcn-t1", ["KCN-T1"]),
    ("KCN thử", ["KCN-T1"]),
    ("tờ 9 thửa 9", []),
])
def test_search(client, q, expected):
    body = client.get("/api/search", query_string={"q": q}).get_json()
    assert [r["id"] for r in body["results"]] == expected


def test_search_needs_a_query(client):
    assert client.get("/api/search?q=").status_code == 400
