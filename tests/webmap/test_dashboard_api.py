"""``GET /api/dashboard``: the figures of the half-year holding the date, cut at it, equal to
:func:`landgis.report.figures.build_report`'s for the same period, on both backends; kept per
version (ETag, 304) and changed by an event recorded after."""

from __future__ import annotations

import pandas as pd

from landgis.progress import record_progress
from landgis.report.answer import report_json
from landgis.report.figures import build_report
from landgis.report.period import period_to
from tests.progress_web_data import TY, seed


def test_the_figures_are_build_report_s_for_the_half_year_cut_at_the_date(client, store,
                                                                          zones_gdf):
    seed(store, zones_gdf)
    resp = client.get("/api/dashboard?as_of=10/05/2019")
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    report = build_report(store, period_to("2019-05-10"))
    assert report.period.start.isoformat() == "2019-01-01"
    assert answer["as_of"] == "2019-05-10" and answer["report"]["as_of"] == "2019-05-10"
    expected = report_json(report, "vi")
    got = answer["report"]
    assert got["period"] == expected["period"]
    for mine, theirs in zip(got["sections"], expected["sections"], strict=True):
        assert mine["sentences"] == theirs["sentences"]
        assert mine["tables"] == theirs["tables"]  # every figure, as the report writes it
    cards = {c["key"]: c for c in answer["cards"]}
    assert cards["disbursed"]["value"] == report.table("projects").rows[-1][
        "disbursed_year_vnd"] == 10 * TY  # DA-T1's 10 tỷ of 10/04/2019
    assert cards["handed_over"]["value"] == report.table("handed_over").rows[-1][
        "handed_over_ha"]
    clearance = next(c for s in got["sections"] for c in s["charts"]
                     if c["name"] == "clearance_by_zone")
    assert clearance["link"] == {"zone": True, "field": "clearance_status"}
    assert clearance["labels"] == [r["zone_code"] for r in
                                   report.table("clearance_status").rows[:-1]]


def test_a_zone_and_english(client, store, zones_gdf):
    seed(store, zones_gdf)
    answer = client.get("/api/dashboard?as_of=2019-12-31&zone=KCN-T2&lang=en").get_json()
    report = build_report(store, "2019-H2", zone="KCN-T2")
    assert answer["zone"] == "KCN-T2" and answer["lang"] == "en"
    assert answer["report"]["period"]["label"] == report.period.label_en
    assert answer["report"]["sections"][0]["title"] == report.sections[0].title_en
    assert [t["rows"] for s in answer["report"]["sections"] for t in s["tables"]] == \
        [t["rows"] for s in report_json(report, "en")["sections"] for t in s["tables"]]


def test_kept_per_version_and_replayed_after_an_event(client, store, zones_gdf):
    seed(store, zones_gdf)
    url = "/api/dashboard?as_of=30/11/2019"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    disbursed = {c["key"]: c for c in first.get_json()["cards"]}["disbursed"]["value"]
    record_progress(store, pd.DataFrame([{
        "subject_kind": "project", "subject_id": "DA-T1", "kind": "disbursement",
        "effective_date": "2019-11-20", "amount_vnd": 2 * TY, "document_no": "UNC 9/2019",
        "document_date": "2019-11-20"}]), user="lan", source_name="page")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert {c["key"]: c for c in again.get_json()["cards"]}["disbursed"]["value"] == \
        disbursed + 2 * TY


def test_a_date_in_the_future_is_refused(client, store, zones_gdf):
    seed(store, zones_gdf)
    resp = client.get("/api/dashboard?as_of=01/01/2999")
    assert resp.status_code == 400 and "2999" in resp.get_json()["error"]


def test_the_warm_start_builds_today_s_answer_before_anyone_asks(store, zones_gdf, tmp_path):
    import webmap
    from landgis.dates import today_vn
    from webmap import create_app
    from webmap.data import get_views

    seed(store, zones_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "w"),
                      "TESTING": True, "tiles_build": "off"})
    view = get_views(app).current(store)
    key = f"dashboard|None|{today_vn().isoformat()}|None|vi"
    assert view.peek(key) is None
    webmap._prepare(app)
    kept = view.peek(key)
    assert kept is not None
    assert kept == app.test_client().get("/api/dashboard").get_json()
