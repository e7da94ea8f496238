"""01/02/2020 is 1 February 2020 at every entry point of the web app: the API, the edit form and
its JSON, a status list uploaded (the scripts: tests/scripts/test_script_dates.py); what cannot
be read without doubt answers 400 with the formats wanted, and nothing is written."""


import pandas as pd
import pytest

from landgis.accounts import open_accounts
from landgis.dates import WANTED
from tests.conftest import event, snapshot
from webmap import create_app
from tests.workbooks import xlsx

PASSWORD = "mật-khẩu-đủ-dài"
BAD = ["31/02/2020", "12/31/2019", "01/02/20", "2020-02-01T08:00", "hôm nay"]
SOME_BAD = ["12/31/2019", "01/02/20"]  # where each try costs a request that logs in or a script


@pytest.fixture
def store_2020(store):
    """The test store with parcel 3 inventoried on 15 January 2020: between 2 January and
    1 February, the two readings of 01/02/2020."""
    store.append_events(pd.DataFrame([
        event("23296-1-3", "clearance_status", "inventoried", "2020-01-15", 20)]))
    return store


@pytest.fixture
def editor(store_2020, tmp_path):
    app = create_app({"database_url": store_2020.url,
                      "instance_dir": str(tmp_path / "instance"), "tiles_build": "off"})
    open_accounts(store_2020.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    client = app.test_client()
    token = client.get("/auth/me").get_json()["csrf_token"]
    resp = client.post("/auth/login", data={"username": "lan", "password": PASSWORD,
                                            "csrf_token": token})
    assert resp.status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.get("/auth/me").get_json()["csrf_token"]
    return client


def test_api_as_of_reads_day_first(client, store_2020):
    day_first = client.get("/api/summary?as_of=01/02/2020").get_json()
    assert day_first["as_of"] == "2020-02-01"
    assert day_first["tables"] == client.get("/api/summary?as_of=2020-02-01").get_json()["tables"]
    assert day_first["tables"] != client.get("/api/summary?as_of=2020-01-02").get_json()["tables"]


@pytest.mark.parametrize("text", BAD)
def test_api_as_of_that_is_no_date_without_doubt_is_400(client, text):
    resp = client.get("/api/summary", query_string={"as_of": text})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error.startswith("as_of: ") and repr(text) in error and WANTED in error


def edit_body(**changes):
    return {"parcel_ids": ["23296-1-4"], "field": "clearance_status", "value": "inventoried",
            "effective_date": "01/02/2020", "document_no": "15/BB-KKHT",
            "document_date": "01/02/2020", **changes}


def test_the_edit_form_reads_day_first(editor, store_2020):
    preview = editor.post("/edit/preview", json=edit_body())
    assert preview.status_code == 200 and preview.get_json()["effective_date"] == "2020-02-01"
    resp = editor.post("/edit/status", json=edit_body())
    assert resp.status_code == 201, resp.get_json()
    ledger = store_2020.read_layer("status_events").set_index("event_id")
    row = ledger.loc[resp.get_json()["event_ids"][0]]
    assert (row["effective_date"], row["document_date"]) == ("2020-02-01", "2020-02-01")
    history = editor.get("/api/parcels/23296-1-4").get_json()["properties"]["history"]
    assert [h["effective_date"] for h in history] == ["2020-02-01"]


@pytest.mark.parametrize("field", ["effective_date", "document_date"])
@pytest.mark.parametrize("text", SOME_BAD)
def test_an_edit_with_a_date_that_is_no_date_is_400_and_writes_nothing(editor, store_2020,
                                                                        field, text):
    before = snapshot(store_2020)
    resp = editor.post("/edit/status", json=edit_body(**{field: text}))
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error.startswith(f"{field}: ") and WANTED in error
    assert snapshot(store_2020) == before



ROWS = [["Mã xã", "Tờ", "Thửa", "Trạng thái"], [23296, 1, 4, "Đã kiểm kê"]]


def test_a_status_list_uploaded_reads_day_first(editor, store_2020):
    resp = editor.post("/edit/upload", data={
        "field": "clearance_status", "document_no": "77/BB", "document_date": "01/02/2020",
        "confirm": "1", "file": (xlsx(ROWS), "ds.xlsx")})
    assert resp.status_code == 201, resp.get_json()
    events = store_2020.read_layer("status_events")
    row = events[events["parcel_id"] == "23296-1-4"].iloc[-1]
    assert (row["effective_date"], row["document_date"]) == ("2020-02-01", "2020-02-01")


@pytest.mark.parametrize("text", SOME_BAD)
def test_a_status_list_with_a_date_that_is_no_date_is_400(editor, store_2020, text):
    before = snapshot(store_2020)
    resp = editor.post("/edit/upload", data={
        "field": "clearance_status", "document_no": "77/BB", "document_date": text,
        "confirm": "1", "file": (xlsx(ROWS), "ds.xlsx")})
    assert resp.status_code == 400 and WANTED in resp.get_json()["error"]
    assert snapshot(store_2020) == before
