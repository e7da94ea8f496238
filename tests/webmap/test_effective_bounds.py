"""A status cannot take effect after today or before the earliest date accepted: such an edit
or list answers 400 naming the bound, and nothing is written (a status dated 9999-12-31 would
stay "latest" and hide every real edit made after it)."""

import datetime as dt

import pytest

from landgis.accounts import open_accounts
from landgis.dates import today_vn
from tests.conftest import snapshot
from webmap import create_app
from tests.workbooks import xlsx

PASSWORD = "mật-khẩu-đủ-dài"


def editor_client(store, tmp_path, **settings):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "tiles_build": "off", **settings})
    open_accounts(store.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    client = app.test_client()
    token = client.get("/auth/me").get_json()["csrf_token"]
    assert client.post("/auth/login", data={"username": "lan", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.get("/auth/me").get_json()["csrf_token"]
    return client


@pytest.fixture
def editor(store, tmp_path):
    return editor_client(store, tmp_path)


def body(effective_date, **changes):
    return {"parcel_ids": ["23296-1-3"], "field": "clearance_status", "value": "inventoried",
            "effective_date": effective_date, "document_no": "15/BB-KKHT", **changes}


def status_of(client, parcel="23296-1-3"):
    return client.get(f"/api/parcels/{parcel}").get_json()["properties"]["status"][
        "clearance_status"]


@pytest.mark.parametrize("route", ["/edit/preview", "/edit/status"])
def test_an_edit_dated_after_today_is_400_and_writes_nothing(editor, store, route):
    today = today_vn()
    for date in ("9999-12-31", (today + dt.timedelta(days=1)).strftime("%d/%m/%Y")):
        before = snapshot(store)
        resp = editor.post(route, json=body(date))
        assert resp.status_code == 400
        error = resp.get_json()["error"]
        assert error.startswith("effective_date: ")
        assert f"is after today ({today.isoformat()})" in error
        assert snapshot(store) == before


def test_today_is_accepted_and_a_later_real_edit_shows(editor, store):
    assert editor.post("/edit/status", json=body("9999-12-31")).status_code == 400
    today = today_vn().isoformat()
    assert editor.post("/edit/status", json=body(today)).status_code == 201
    assert status_of(editor) == {"value": "inventoried", "effective_date": today,
                                 "document_no": "15/BB-KKHT"}


def test_an_edit_dated_before_the_floor_is_400(editor, store):
    before = snapshot(store)
    resp = editor.post("/edit/status", json=body("31/12/1999"))
    assert resp.status_code == 400
    assert "before the earliest effective date accepted (2000-01-01)" in resp.get_json()["error"]
    assert snapshot(store) == before


def test_the_floor_is_a_setting(store, tmp_path):
    editor = editor_client(store, tmp_path, min_effective_date="01/03/2019")
    before = snapshot(store)
    resp = editor.post("/edit/status", json=body("28/02/2019"))
    assert resp.status_code == 400
    assert "before the earliest effective date accepted (2019-03-01)" in resp.get_json()["error"]
    assert snapshot(store) == before
    assert editor.post("/edit/status", json=body("01/03/2019")).status_code == 201



@pytest.mark.parametrize("dates, bound", [
    ({"document_date": "31/12/9999"}, "is after today"),
    ({"document_date": "30/06/2019", "effective_date": "31/12/9999"}, "is after today"),
    ({"document_date": "31/12/1999"}, "before the earliest effective date accepted"),
])
def test_a_status_list_dated_out_of_bounds_is_400_and_writes_nothing(editor, store, dates,
                                                                     bound):
    rows = [["Mã xã", "Tờ", "Thửa", "Trạng thái"], [23296, 1, 3, "Đã kiểm kê"]]
    before = snapshot(store)
    resp = editor.post("/edit/upload", data={
        "field": "clearance_status", "document_no": "77/BB", "confirm": "1", **dates,
        "file": (xlsx(rows), "ds.xlsx")})
    assert resp.status_code == 400 and bound in resp.get_json()["error"]
    assert snapshot(store) == before
