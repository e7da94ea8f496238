"""Uploads and edits the server cannot take: a 4xx JSON answer that says why, nothing written."""

import dataclasses
import io

import pytest

from landgis.accounts import open_accounts
from tests.webmap.test_auth_edit import PASSWORD, csrf_token, edit, ledger, login, xlsx
from webmap import create_app

FORM = {"field": "clearance_status", "document_no": "77/BB", "document_date": "2019-08-01"}


@pytest.fixture
def client(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "max_list_rows": 50, "TESTING": True})
    open_accounts(store.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    return login(app.test_client(), "lan")


def upload(client, rows=None, *, name="ds.xlsx", data=None, **form):
    body = io.BytesIO(data) if data is not None else xlsx(rows)
    return client.post("/edit/upload", data={**FORM, **form, "file": (body, name)},
                       headers={"X-CSRFToken": csrf_token(client)})


def test_a_list_over_the_cap_is_refused_with_the_cap_named(client, store):
    before = ledger(store)
    rows = [["Mã thửa", "Trạng thái"]] + [[f"23296-1-{i % 4 + 1}", "inventoried"]
                                          for i in range(51)]
    resp = upload(client, rows, confirm="1", skip_bad_rows="1")
    assert resp.status_code == 413
    error = resp.get_json()["error"]
    assert "ds.xlsx" in error and "more than 50 data rows" in error
    assert ledger(store).equals(before)
    assert upload(client, rows[:51]).status_code == 422  # 50 rows: read (and duplicates)


def test_a_parcel_repeated_6000_times_answers_a_short_report(client, store):
    before = ledger(store)
    csv = "parcel_id,status\r\n" + "23296-1-3,inventoried\r\n" * 6000
    config = client.application.config
    config["LANDGIS"] = dataclasses.replace(config["LANDGIS"], max_list_rows=50_000)
    resp = upload(client, name="lap.csv", data=csv.encode(), confirm="1")
    assert resp.status_code == 422
    assert len(resp.get_data()) < 200_000  # the table's first 500 rows, the totals
    body = resp.get_json()
    assert body["error_count"] == 6000 and body["errors"][:3] == [2, 3, 4]
    assert len(body["errors"]) == 100 and body["written"] == 0
    assert body["report"].count("also on row(s)") == 1
    assert "and 5994 more" in body["report"]
    assert ledger(store).equals(before)


def test_an_unknown_status_field_is_a_bad_request(client, store):
    before = ledger(store)
    rows = [["Mã thửa", "Trạng thái"], ["23296-1-3", "inventoried"]]
    resp = upload(client, rows, field="owner_kind", confirm="1")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert "'owner_kind'" in error and "clearance_status, auction_status" in error
    assert upload(client, rows, field="", confirm="1").status_code == 400
    assert ledger(store).equals(before)


def test_a_correction_of_an_unknown_event_is_a_bad_request(client, store):
    before = ledger(store)
    resp = edit(client, parcel_ids=["23296-1-1"], value="plan_approved",
                corrects_event_id="no-such-event")
    assert resp.status_code == 400
    assert "no event 'no-such-event' to correct" in resp.get_json()["error"]
    other = ledger(store).query("parcel_id == '23296-1-2'")["event_id"].iloc[0]
    wrong_parcel = edit(client, parcel_ids=["23296-1-1"], value="plan_approved",
                        corrects_event_id=other)
    assert wrong_parcel.status_code == 400
    assert "23296-1-2" in wrong_parcel.get_json()["error"]
    not_text = edit(client, parcel_ids=["23296-1-1"], value="plan_approved",
                    corrects_event_id=["t-2"])
    assert not_text.status_code == 400
    assert ledger(store).equals(before)


def test_a_damaged_sheet_is_a_bad_request(client, store, tmp_path):
    from tests.core.test_status_import import xlsx_with_poison_after

    path = xlsx_with_poison_after(tmp_path / "hong.xlsx", 2)  # row 4 cannot be parsed
    resp = upload(client, name="hong.xlsx", data=path.read_bytes())
    assert resp.status_code == 400
    assert "the sheet cannot be read" in resp.get_json()["error"]


def test_two_status_columns_name_the_map_field_and_the_map_chooses(client, store):
    rows = [["Mã thửa", "Tình trạng", "Tình trạng GPMB", "Số QĐ", "Ngày QĐ"],
            ["23296-1-3", "chưa", "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019"]]
    before = ledger(store)
    resp = upload(client, rows, confirm="1", document_no="", document_date="")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["field"] == "map"
    assert "'Tình trạng'" in body["error"] and "'Tình trạng GPMB'" in body["error"]
    assert "--" not in body["error"] and "«Ánh xạ cột»" in body["error"]
    assert ledger(store).equals(before)
    resp = upload(client, rows, confirm="1", document_no="", document_date="",
                  map="Tình trạng GPMB=status")
    assert resp.status_code == 201, resp.get_json()
    new = ledger(store).iloc[-1]
    assert (new["document_no"], new["document_date"]) == ("45/QĐ-UBND", "2019-03-15")
