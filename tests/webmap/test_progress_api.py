"""The progress API: /api/projects, /api/investments and /api/auctions as of a date, the
histories, and editors' events (POST /api/progress/events), on both backends. The answers are
checked against the core's book of the same store."""

from __future__ import annotations

import pytest

from landgis.progress import json_records, load_book, load_rules
from tests.conftest import snapshot
from tests.progress_web_data import HOSTILE_INVESTOR, TY, seed
from tests.webmap.test_auth_edit import csrf_token, login
from landgis.accounts import open_accounts
from tests.webmap.test_auth_edit import PASSWORD
from webmap import create_app


@pytest.fixture
def app(store, tmp_path, zones_gdf):
    seed(store, zones_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "tiles_build": "off"})
    accounts = open_accounts(store.url, str(tmp_path / "instance"))
    accounts.create("xem", PASSWORD, "viewer")
    accounts.create("lan", PASSWORD, "editor", "Nguyễn Thị Lan")
    return app


@pytest.fixture
def editor(client):
    return login(client, "lan")


def post(client, token=True, **changes):
    body = {"subject_kind": "project", "subject_id": "DA-T1", "kind": "disbursement",
            "date": "15/10/2019", "amount": "1,2 tỷ", "document_no": "UNC 7",
            "document_date": "15/10/2019", "version": 5, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    headers = {"X-CSRFToken": csrf_token(client)} if token else {}
    return client.post("/api/progress/events", json=body, headers=headers)


def rows(client, table, **query):
    resp = client.get(f"/api/{table}", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("as_of", ["2019-05-01", "2019-12-31", "2020-08-15", None])
def test_tables_are_the_books(client, store, as_of):
    book = load_book(store)
    for table in ("projects", "investments", "auctions"):
        answer = rows(client, table, **({"as_of": as_of} if as_of else {}))
        expected = json_records(getattr(book, table)(as_of))
        assert answer["as_of"] == expected[0]["as_of"]
        got = [{k: v for k, v in r.items() if k != "state_label_en"} for r in answer["rows"]]
        assert got == expected
    by_zone, by_project = book.revenue(as_of)
    answer = rows(client, "auctions", **({"as_of": as_of} if as_of else {}))
    assert answer["revenue_by_zone"] == json_records(by_zone)
    assert answer["revenue_by_project"] == json_records(by_project)


def test_money_is_whole_dong_and_flags_cite_their_article(client):
    [t1, t2] = rows(client, "projects", as_of="31/12/2019")["rows"]
    assert (t1["total_investment_vnd"], t1["plan_year_vnd"], t1["disbursed_total_vnd"]) == \
        (100 * TY, 30 * TY, 15 * TY)
    assert all(type(v) is int for k, v in t1.items() if k.endswith("_vnd"))
    investments = {r["investment_id"]: r for r in rows(client, "investments")["rows"]}
    late = investments["NDT-1"]
    assert late["investor"] == HOSTILE_INVESTOR  # JSON carries the name as it is
    assert (late["state"], late["state_label_vi"], late["state_label_en"]) == \
        ("revocable", "đủ điều kiện thu hồi", "revocable")
    articles = {r.rule_id: r.basis_vi for r in load_rules()}
    assert late["flag_details"] and all(f["basis_vi"] == articles[f["rule_id"]]
                                        for f in late["flag_details"])
    assert any("Điều 81" in f["basis_vi"] for f in late["flag_details"])
    assert investments["NDT-2"]["state"] == "on_schedule"
    assert investments["NDT-2"]["flag_details"] == []


def test_as_of_counts_only_what_happened_by_then(client):
    def disbursed(as_of):
        return rows(client, "projects", as_of=as_of)["rows"][0]["disbursed_total_vnd"]

    # the second disbursement is of 10/09/2019, written day first or ISO
    assert disbursed("09/09/2019") == disbursed("2019-09-09") == 10 * TY
    assert disbursed("10/09/2019") == 15 * TY
    assert disbursed("01/01/2018") == 0
    lot = rows(client, "auctions", as_of="31/07/2020")["rows"][0]
    assert lot["result"] is None and lot["won_vnd"] == 0
    lot = rows(client, "auctions", as_of="15/08/2020")["rows"][0]
    assert (lot["won_vnd"], lot["collected_vnd"]) == (5 * TY, 0)
    assert rows(client, "investments", as_of="2018-12-31")["rows"][0]["investment_id"] == \
        "NDT-1"  # NDT-2 was registered in 2020
    assert len(rows(client, "investments", as_of="2018-12-31")["rows"]) == 1


def test_zone_and_bad_parameters(client):
    assert [r["project_code"] for r in rows(client, "projects", zone="KCN-T2")["rows"]] == \
        ["DA-T2"]
    assert [r["investment_id"] for r in rows(client, "investments", zone="KCN-T2")["rows"]] \
        == ["NDT-2"]
    for path in ("/api/projects", "/api/investments", "/api/auctions"):
        bad = client.get(path, query_string={"as_of": "31/02/2019"})
        assert bad.status_code == 400 and bad.get_json()["error"].startswith("as_of: ")
        assert "not a real date" in bad.get_json()["error"]
        bad = client.get(path, query_string={"zone": "KCN-XX"})
        assert bad.status_code == 400 and "unknown zone 'KCN-XX'" in bad.get_json()["error"]


def test_revalidated_by_etag_and_compressed(client, editor):
    first = client.get("/api/investments", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"]
    again = client.get("/api/investments", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert post(editor).status_code == 201  # the store moved: a new answer
    moved = client.get("/api/investments", headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200


def test_history_of_each_subject(client, store):
    book = load_book(store)
    for path, kind, code in (("projects", "project", "DA-T1"),
                             ("investments", "investment", "NDT-1"),
                             ("auctions", "lot", "LOT-1")):
        answer = client.get(f"/api/{path}/{code}/history").get_json()
        expected = book.history(kind, code)
        assert (answer["subject_kind"], answer["subject_id"]) == (kind, code)
        assert answer["version"] == len(answer["events"]) == len(expected)
        assert [e["event_id"] for e in answer["events"]] == list(expected["event_id"])
        for e in answer["events"]:
            assert e["kind_vi"] and e["kind_en"] and e["document_no"]
            assert e["recorded_by"] == "seed" and e["recorded_at"] and e["corrected"] is False
    lot = client.get("/api/auctions/LOT-1/history").get_json()
    result = next(e for e in lot["events"] if e["kind"] == "auction_result")
    assert (result["result_vi"], result["result_en"], result["amount_vnd"]) == \
        ("đã trúng đấu giá", "sold", 5 * TY)
    for path in ("/api/projects/DA-XX/history", "/api/investments/NDT-9/history",
                 "/api/auctions/LOT-X/history"):
        resp = client.get(path)
        assert resp.status_code == 404 and "not found" in resp.get_json()["error"]


def test_recording_needs_an_editor_and_a_token(client, store):
    before = snapshot(store)
    assert post(client).status_code == 401
    login(client, "xem")
    assert post(client).status_code == 403
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    login(client, "lan")
    assert post(client, token=False).status_code == 400
    cross = client.post("/api/progress/events", json={}, headers={
        "X-CSRFToken": csrf_token(client), "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert snapshot(store) == before


def test_recorded_and_seen_at_once(editor, store):
    assert rows(editor, "projects", as_of="31/12/2019")["rows"][0]["disbursed_total_vnd"] \
        == 15 * TY  # the answer is cached for this store version
    resp = post(editor)
    assert resp.status_code == 201, resp.get_json()
    answer = resp.get_json()
    assert answer["recorded"] is True and answer["version"] == 6
    [event] = answer["events"]
    assert (event["amount_vnd"], event["effective_date"], event["recorded_by"]) == \
        (1_200_000_000, "2019-10-15", "lan")
    assert rows(editor, "projects", as_of="31/12/2019")["rows"][0]["disbursed_total_vnd"] \
        == 15 * TY + 1_200_000_000
    history = editor.get("/api/projects/DA-T1/history").get_json()
    assert history["version"] == 6 and history["events"][-1]["event_id"] == \
        answer["event_ids"][0]
    ledger = store.read_table("progress_events")
    assert answer["event_ids"][0] in set(ledger["event_id"])


def test_a_preview_writes_nothing(editor, store):
    before = snapshot(store)
    resp = post(editor, preview=True, subject_kind="lot", subject_id="LOT-2",
                kind="auction_result", result="sold", amount="2.500.000.000",
                base="2 tỷ", party="Bà C", version=0)
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert answer["preview"] is True and answer["recorded"] is False
    assert answer["events"][0]["amount_vnd"] == 2_500_000_000
    assert answer["events"][0]["base_vnd"] == 2 * TY
    assert [(s["parcel_id"], s["field"], s["value"]) for s in answer["status_events"]] == \
        [("23296-1-2", "auction_status", "sold")]
    assert snapshot(store) == before


@pytest.mark.parametrize("changes,field,words", [
    ({"subject_kind": "lot", "subject_id": "LOT-X", "kind": "payment"}, "subject_id",
     "'LOT-X' is not in the register"),
    ({"date": "01/01/2099"}, "date", "is in the future"),
    ({"amount": "25 tỷ"}, "amount", "above the year's capital plan"),
    ({"kind": "milestone_reached", "milestone": "construction_start", "date": "01/04/2018",
      "amount": None}, "date", "before it was planned"),
    ({"amount": "abc"}, "amount", "not an amount"),
    ({"kind": "payment"}, "kind", "'payment' is not an event of a public investment project"),
    ({"document_no": None}, "document_no", "no document number"),
])
def test_refusals_name_the_field_and_write_nothing(editor, store, changes, field, words):
    before = snapshot(store)
    resp = post(editor, **changes)
    assert resp.status_code == 400, resp.get_json()
    answer = resp.get_json()
    assert answer["error"].startswith("không ghi được / not recorded: ")
    assert any(p["field"] == field and words in p["message"] for p in answer["problems"]), \
        answer["problems"]
    assert snapshot(store) == before


def test_over_the_plan_with_its_flag_is_recorded_and_reported(editor):
    resp = post(editor, amount="25 tỷ", over_plan=True)
    assert resp.status_code == 201, resp.get_json()
    assert "above the year's capital plan" in resp.get_json()["warnings"][0]
    row = rows(editor, "projects", as_of="31/12/2019")["rows"][0]
    assert row["over_plan_events"] == 1 and row["disbursed_year_vnd"] == 40 * TY


def test_a_stale_version_is_409(editor, store):
    assert post(editor, document_no="UNC 7").status_code == 201
    before = snapshot(store)
    for preview in (True, False):
        resp = post(editor, document_no="UNC 8", preview=preview)  # still version 5
        assert resp.status_code == 409
        answer = resp.get_json()
        assert answer["error"].startswith("xung đột / conflict: có người vừa ghi")
        assert answer["conflicts"] == [{"subject_kind": "project", "subject_id": "DA-T1",
                                        "seen": 5, "now": 6}]
    assert snapshot(store) == before
    assert post(editor, document_no="UNC 8", version=6).status_code == 201


def test_an_oversized_body_is_413(editor, store):
    before = snapshot(store)
    limit = editor.application.config["LANDGIS"].max_request_bytes
    resp = post(editor, note="x" * (limit + 1))
    assert resp.status_code == 413 and resp.get_json()["limit_bytes"] == limit
    assert snapshot(store) == before
