"""Accounts, CSRF, status edits with preview and conflicts, and status-list uploads."""

import re

import pytest

from landgis.accounts import open_accounts
from landgis.ledger import current_status
from webmap import create_app
from tests.workbooks import xlsx

PASSWORD = "mật-khẩu-đủ-dài"


@pytest.fixture
def app(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance")})
    accounts = open_accounts(store.url, str(tmp_path / "instance"))
    accounts.create("xem", PASSWORD, "viewer")
    accounts.create("lan", PASSWORD, "editor", "Nguyễn Thị Lan")
    return app


def csrf_token(client):
    return client.get("/auth/me").get_json()["csrf_token"]


def login(client, username):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    resp = client.post("/auth/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def edit(client, **changes):
    body = {"parcel_ids": ["23296-1-3"], "field": "clearance_status", "value": "inventoried",
            "effective_date": "2019-08-01", "document_no": "15/BB-KKHT", **changes}
    return client.post("/edit/status", json=body, headers={"X-CSRFToken": csrf_token(client)})


def ledger(store):
    return store.read_layer("status_events")


def test_login_page_and_wrong_password(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Đăng nhập / Log in" in page and 'name="csrf_token"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/auth/login", data={"username": "lan", "password": "sai-mật-khẩu",
                                            "csrf_token": token})
    assert resp.status_code == 401 and "wrong user name or password" in resp.get_data(as_text=True)
    no_token = client.post("/auth/login", data={"username": "lan", "password": PASSWORD})
    assert no_token.status_code == 400


def test_writing_needs_an_editor_and_a_csrf_token(client, store):
    before = len(ledger(store))
    assert edit(client).status_code == 401                      # no login
    login(client, "xem")
    assert edit(client).status_code == 403                      # a viewer
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    login(client, "lan")
    body = {"parcel_ids": ["23296-1-3"], "field": "clearance_status", "value": "inventoried",
            "effective_date": "2019-08-01", "document_no": "15/BB-KKHT"}
    assert client.post("/edit/status", json=body).status_code == 400           # no token
    assert client.post("/edit/status", json=body,
                       headers={"X-CSRFToken": "forged"}).status_code == 400    # wrong token
    assert len(ledger(store)) == before
    resp = edit(client)
    assert resp.status_code == 201, resp.get_json()
    new = ledger(store).set_index("event_id").loc[resp.get_json()["event_ids"][0]]
    assert (new["recorded_by"], new["document_no"], new["value"]) == \
        ("lan", "15/BB-KKHT", "inventoried")


def test_session_cookie_is_http_only_and_same_site(client):
    login(client, "lan")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_preview_then_record_a_polygon_selection(client, store):
    from tests.webmap.test_api import lonlat_square

    login(client, "lan")
    body = {"polygon": lonlat_square(120, 60, 60), "field": "clearance_status",
            "value": "plan_approved", "effective_date": "2019-08-01", "document_no": "9/QĐ"}
    preview = client.post("/edit/preview", json=body,
                          headers={"X-CSRFToken": csrf_token(client)}).get_json()
    rows = {r["parcel_id"]: r for r in preview["parcels"]}
    assert set(rows) == {"23296-1-2", "23296-1-4"}
    assert rows["23296-1-2"]["current"] == "disputed" and rows["23296-1-4"]["current"] == "not_started"
    resp = client.post("/edit/status", json={**body, "expected": preview["expected"]},
                       headers={"X-CSRFToken": csrf_token(client)})
    assert resp.status_code == 201 and resp.get_json()["written"] == 2
    now = current_status(ledger(store), ["23296-1-2", "23296-1-4"])
    assert set(now["clearance_status"]) == {"plan_approved"}


def test_a_change_made_meanwhile_answers_409_with_both_versions(app, store):
    lan, other = app.test_client(), app.test_client()
    login(lan, "lan")
    login(other, "lan")
    seen = {"23296-1-3": "not_started"}
    assert edit(other, value="inventoried", expected=seen).status_code == 201
    before = len(ledger(store))
    resp = edit(lan, value="compensated", expected=seen)
    assert resp.status_code == 409
    [conflict] = resp.get_json()["conflicts"]
    assert (conflict["expected"], conflict["current"]) == ("not_started", "inventoried")
    assert conflict["current_event"]["recorded_by"] == "lan"
    assert len(ledger(store)) == before


def test_an_edit_made_stale_is_a_409_even_when_it_would_now_go_backwards(app, store):
    """Two parcels seen not started; meanwhile someone hands one over. Recording "plan
    approved" on the stale view is a conflict showing both versions, not a 400 "backwards"."""
    lan, other = app.test_client(), app.test_client()
    login(lan, "lan")
    login(other, "lan")
    pair = ["23296-1-3", "23296-1-4"]
    seen = lan.post("/edit/preview", json={
        "parcel_ids": pair, "field": "clearance_status", "value": "plan_approved",
        "effective_date": "2019-08-01", "document_no": "9/QĐ"},
        headers={"X-CSRFToken": csrf_token(lan)}).get_json()["expected"]
    assert seen == {"23296-1-3": "not_started", "23296-1-4": "not_started"}
    assert edit(other, parcel_ids=["23296-1-4"], value="handed_over", expected=seen,
                document_no="40/BB-BG").status_code == 201
    before = len(ledger(store))
    resp = edit(lan, parcel_ids=pair, value="plan_approved", expected=seen)
    assert resp.status_code == 409, resp.get_json()
    [conflict] = resp.get_json()["conflicts"]
    assert (conflict["parcel_id"], conflict["expected"], conflict["current"]) == \
        ("23296-1-4", "not_started", "handed_over")
    assert conflict["current_event"]["document_no"] == "40/BB-BG"
    assert len(ledger(store)) == before


def test_backwards_needs_a_correction(client, store):
    login(client, "lan")
    resp = edit(client, parcel_ids=["23296-1-1"], value="inventoried")  # it is compensated
    assert resp.status_code == 400 and "backwards" in resp.get_json()["error"]
    wrong = ledger(store).query("parcel_id == '23296-1-1' and value == 'compensated'")
    fixed = edit(client, parcel_ids=["23296-1-1"], value="plan_approved",
                 corrects_event_id=wrong["event_id"].iloc[0])
    assert fixed.status_code == 201
    assert current_status(ledger(store), ["23296-1-1"]).iloc[0]["clearance_status"] == \
        "plan_approved"


def test_sql_metacharacters_in_form_fields_are_data(client, store):
    login(client, "lan")
    nasty = "1'; DROP TABLE status_events; --"
    resp = edit(client, document_no=nasty, note="\" OR 1=1 --")
    assert resp.status_code == 201
    assert nasty in set(ledger(store)["document_no"])
    assert edit(client, parcel_ids=[nasty]).status_code == 400



def test_upload_shows_the_report_before_writing(client, store):
    login(client, "lan")
    rows = [["Mã xã", "Tờ", "Thửa", "Trạng thái"], [23296, 1, 3, "Đã kiểm kê"],
            [23296, 1, 4, "đã kiểm kê"]]
    form = {"field": "clearance_status", "document_no": "77/BB", "document_date": "01/08/2019"}
    before = len(ledger(store))
    headers = {"X-CSRFToken": csrf_token(client)}
    first = client.post("/edit/upload", data={**form, "file": (xlsx(rows), "ds.xlsx")},
                        headers=headers)
    assert first.status_code == 200 and first.get_json()["written"] == 0
    assert len(ledger(store)) == before
    done = client.post("/edit/upload", data={**form, "confirm": "1",
                                             "file": (xlsx(rows), "ds.xlsx")}, headers=headers)
    assert done.status_code == 201 and done.get_json()["written"] == 2
    assert store.list_batches("status_events").iloc[-1]["user"] == "lan"
    bad = rows + [[23296, 1, 9, "đã kiểm kê"]]
    refused = client.post("/edit/upload", data={**form, "confirm": "1",
                                                "file": (xlsx(bad), "ds.xlsx")}, headers=headers)
    assert refused.status_code == 422 and len(ledger(store)) == before + 2


def test_reading_can_be_closed(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "read_open": False})
    open_accounts(store.url, str(tmp_path / "i")).create("xem", PASSWORD)
    client = app.test_client()
    assert client.get("/").status_code == 302
    assert client.get("/api/summary").status_code == 401
    assert client.get("/vendor/leaflet/dist/leaflet.js").status_code == 200
    login(client, "xem")
    assert client.get("/api/summary").status_code == 200


def test_manage_users_script(store, tmp_path):
    from tests.scripts.conftest import run_script as script

    env = {"LANDGIS_NEW_PASSWORD": PASSWORD, "LANDGIS_INSTANCE_DIR": str(tmp_path / "inst")}
    out = script("manage_users.py", "add", "binh", "--role", "editor", "--db", store.url, env=env)
    assert out.returncode == 0, out.stderr
    listing = script("manage_users.py", "list", "--db", store.url, env=env).stdout
    assert "binh" in listing and "editor" in listing
    short = script("manage_users.py", "add", "an", "--db", store.url,
                   env={**env, "LANDGIS_NEW_PASSWORD": "ngắn"})
    assert short.returncode == 1 and "too short" in short.stderr
    stored = open_accounts(store.url, str(tmp_path / "inst"))
    with stored.engine.connect() as con:
        hashes = [row[0] for row in con.exec_driver_sql(
            "SELECT password_hash FROM landgis_users")]
    assert hashes and all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
