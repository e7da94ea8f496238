"""What the app accepts: bounded bodies (413 naming the limit), bounded polygons (400 naming the
cap), and JSON that is too deep, holds NUL characters or the wrong types (400, never 500),
with nothing stored changing."""

from __future__ import annotations

import io
import json
import re

import pytest

from landgis import service
from landgis.accounts import open_accounts
from tests.webmap.test_api import lonlat_square
from tests.webmap.test_auth_edit import PASSWORD, csrf_token, ledger, login
from webmap import create_app

MIB = 1024 * 1024


def make_app(store, tmp_path, **settings):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "TESTING": True, "tiles_build": "off", **settings})
    open_accounts(store.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    return app


@pytest.fixture
def editor(store, tmp_path):
    return login(make_app(store, tmp_path).test_client(), "lan")


def post_json(client, url, text: str | bytes, **headers):
    return client.post(url, data=text, content_type="application/json", headers=headers)


# --------------------------------------------------------------------------- body sizes


def test_a_body_over_the_limit_is_413_naming_the_limit(client):
    feature = {"type": "Feature", "properties": {"pad": "x" * (2 * MIB)},
               "geometry": lonlat_square(0, 0, 50)}
    resp = client.post("/api/area", json=feature)
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["limit_bytes"] == MIB and "1 MiB" in body["error"]
    # within the limit the same polygon is measured
    small = client.post("/api/area", json={**feature, "properties": {}})
    assert small.status_code == 200 and small.get_json()["parcel_count"] == 1


def test_the_body_limit_is_a_setting(store, tmp_path):
    client = make_app(store, tmp_path, max_request_bytes=2000).test_client()
    doc = {"type": "Feature", "properties": {"pad": "x" * 3000},
           "geometry": lonlat_square(0, 0, 50)}
    resp = client.post("/api/area", json=doc)
    assert resp.status_code == 413 and resp.get_json()["limit_bytes"] == 2000
    # a form is bounded too (the login form here)
    assert client.post("/auth/login", data={"username": "x" * 3000}).status_code == 413


def test_status_list_uploads_have_their_own_bound(store, tmp_path):
    app = make_app(store, tmp_path, max_upload_bytes=2 * MIB)
    client = login(app.test_client(), "lan")
    before = len(ledger(store))

    def upload(size: int):
        return client.post("/edit/upload", data={
            "field": "clearance_status", "document_no": "1/QĐ", "document_date": "2020-01-02",
            "file": (io.BytesIO(b"a" * size), "ds.txt")},
            headers={"X-CSRFToken": csrf_token(client)})

    over = upload(3 * MIB)
    assert over.status_code == 413 and over.get_json()["limit_bytes"] == 2 * MIB
    # more than the JSON bodies' 1 MiB, within the upload's own bound: read, then judged
    within = upload(MIB + MIB // 2)
    assert within.status_code == 400 and ".xlsx or .csv" in within.get_json()["error"]
    assert len(ledger(store)) == before


# --------------------------------------------------------------------------- polygons


def ring(n: int, lon=107.9, lat=14.3) -> list:
    """A closed ring of ``n`` vertices on a small circle (a valid polygon)."""
    import math

    points = [[round(lon + 0.01 * math.cos(2 * math.pi * i / (n - 1)), 7),
               round(lat + 0.01 * math.sin(2 * math.pi * i / (n - 1)), 7)] for i in range(n - 1)]
    return points + [points[0]]


def test_too_many_vertices_is_400_naming_the_cap(client):
    resp = client.post("/api/area", json={"type": "Polygon",
                                          "coordinates": [ring(service.MAX_VERTICES + 10)]})
    assert resp.status_code == 400
    assert "too many vertices" in resp.get_json()["error"]
    assert f"{service.MAX_VERTICES:,}" in resp.get_json()["error"]
    assert client.post("/api/area", json={"type": "Polygon",
                                          "coordinates": [ring(2000)]}).status_code == 200


def test_too_many_polygons_or_features_is_400_naming_the_cap(client):
    square = lonlat_square(0, 0, 10)
    many_parts = {"type": "MultiPolygon",
                  "coordinates": [square["coordinates"]] * (service.MAX_PARTS + 1)}
    resp = client.post("/api/area", json=many_parts)
    assert resp.status_code == 400 and "too many polygons" in resp.get_json()["error"]
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": square}] * (service.MAX_PARTS + 1)}
    resp = client.post("/api/area", json=features)
    assert resp.status_code == 400 and "too many features" in resp.get_json()["error"]
    assert f"at most {service.MAX_PARTS}" in resp.get_json()["error"]


# --------------------------------------------------------------------------- JSON bodies

DEEP = "[" * 1000 + "]" * 1000
SQUARE = json.dumps(lonlat_square(0, 0, 50))


@pytest.mark.parametrize("body,message", [
    (DEEP, "nested deeper than"),
    ('{"type": "Feature", "geometry": %s, "properties": {"n": "a\\u0000b"}}' % SQUARE, "NUL"),
    ('{"type": "Feature", "geometry": %s, "properties": {"a\\u0000": 1}}' % SQUARE, "NUL"),
    ('{"type": "Polygon", "coordinates": [[[NaN, 14.3], [107.9, 14.4], [108, 14.3], '
     '[NaN, 14.3]]]}', "NaN"),
    ('{"type": "FeatureCollection", "features": 5}', "features"),
    ('{"type": "MultiPolygon", "coordinates": [5, 6]}', "nested lists"),
    (b'\xff\xfe{}', "UTF-8"),
])
def test_bad_json_for_the_area_is_400_with_a_message(client, body, message):
    resp = post_json(client, "/api/area", body)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert message in resp.get_json()["error"]


EDIT = {"parcel_ids": ["23296-1-3"], "field": "clearance_status", "value": "inventoried",
        "effective_date": "2019-08-01", "document_no": "15/BB-KKHT"}


@pytest.mark.parametrize("body,message", [
    (DEEP, "nested deeper than"),
    (json.dumps({**EDIT, "document_no": "15\u0000/BB"}), "NUL"),
    (json.dumps({**EDIT, "note": "ghi\u0000chú"}), "NUL"),
    (json.dumps({**EDIT, "field": ["clearance_status"]}), "field: cần chuỗi / must be text"),
    (json.dumps({**EDIT, "value": {"a": 1}}), "value: cần chuỗi / must be text"),
    (json.dumps({**EDIT, "corrects_event_id": ["t-1"]}), "corrects_event_id"),
    (json.dumps({**EDIT, "effective_date": 20190801}), "effective_date"),
    (json.dumps({**EDIT, "polygon": {"type": "Polygon", "coordinates": 5}}), "nested lists"),
])
@pytest.mark.parametrize("route", ["/edit/preview", "/edit/status"])
def test_bad_json_for_an_edit_is_400_and_records_nothing(editor, store, route, body, message):
    before = len(ledger(store))
    resp = post_json(editor, route, body, **{"X-CSRFToken": csrf_token(editor)})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert message in resp.get_json()["error"]
    assert len(ledger(store)) == before


def test_allow_backwards_must_be_true_or_false(editor, store):
    before = len(ledger(store))
    resp = post_json(editor, "/edit/status", json.dumps({**EDIT, "allow_backwards": "no"}),
                     **{"X-CSRFToken": csrf_token(editor)})
    assert resp.status_code == 400 and "allow_backwards" in resp.get_json()["error"]
    assert len(ledger(store)) == before


def test_nul_in_a_query_or_form_parameter_is_400(client):
    resp = client.get("/api/search", query_string={"q": "tờ 1\x00 thửa 1"})
    assert resp.status_code == 400 and "NUL" in resp.get_json()["error"]
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/auth/login", data={"username": "lan\x00", "password": "x",
                                            "csrf_token": token})
    assert resp.status_code == 400 and "NUL" in resp.get_json()["error"]
