"""The review's figures equal the core's public answers for the same date, across the report.

For the demo store and recent and old periods (and one zone), every figure of every table of
:func:`build_report` is compared with ``/api/summary`` (:func:`landgis.service.summary`),
``parcel_area.py --as-of … --out x.json`` and ``progress.py --as-of … --out x.json`` run as a
planner runs them, and :func:`landgis.progress.progress_tables` for the other dates the report
reads (the previous period's ends, the quarters). Every number a sentence writes is found
among its section's table values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from landgis.config import DEFAULT_DATABASE
from landgis.dataview import DataViews
from landgis.params import BadRequest
from landgis.progress import load_book, progress_tables
from landgis.report.answer import report_json
from landgis.report.figures import build_report
from landgis.service import summary
from landgis.store import open_store
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.timedelta(days=1)
CASES = [("2019-H1", None), ("2025-H2", None), ("2025-H2", "KKT-BOY")]


def run_json(name: str, store, tmp: Path, *args) -> dict:
    out = tmp / f"{name}-{'-'.join(map(str, args))}.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / name), "--db", store.url,
                           *map(str, args), "--out", str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))["tables"]


@pytest.fixture(scope="module")
def demo():
    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    store = open_store(DEFAULT_DATABASE)
    yield store
    store.close()


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1] or 'all'}")
def case(request, demo, tmp_path_factory):
    key, zone = request.param
    report = build_report(demo, key, zone=zone, views=DataViews())
    tmp = tmp_path_factory.mktemp("answers")
    end = report.period.end.isoformat()
    zone_args = ("--zone", zone) if zone else ()
    return {"report": report, "store": demo, "zone": zone,
            "area": run_json("parcel_area.py", demo, tmp, "--as-of", end, *zone_args),
            "progress": run_json("progress.py", demo, tmp, "--as-of", end, *zone_args),
            "book": load_book(demo)}


def at(case, day: dt.date) -> dict:
    zones = [case["zone"]] if case["zone"] else []
    return summary(case["store"], as_of=day.isoformat(), zones=zones,
                   views=DataViews())["tables"]


def cell(rows, key, **where):
    """The ``key`` of the row matching ``where`` (0 when there is none: a zone the land-fund
    tables leave out has nothing)."""
    found = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(found) <= 1
    return found[0][key] if found else 0


def body(report, name):
    return report.table(name).body()


def approx(value):
    return pytest.approx(value, abs=1e-5)


# ------------------------------------------------------------------ the land fund

def test_clearance_equals_the_land_fund_answers(case):
    r = case["report"]
    end = at(case, r.period.end)
    for table in (end, case["area"]):  # /api/summary and parcel_area.py
        for row in body(r, "clearance_status"):
            z = row["zone_code"]
            for status in ("not_started", "inventoried", "plan_approved", "compensated",
                           "handed_over", "disputed"):
                assert row[status] == approx(cell(table["clearance"], "area_ha", zone_code=z,
                                                  status=status)), (z, status)
            assert row["total_ha"] == approx(cell(table["by_zone"], "area_ha", zone_code=z))
    ho = {d: at(case, d)["clearance"] for d in (r.previous.end, r.previous.start - DAY)}
    for row in body(r, "handed_over"):
        z = row["zone_code"]
        now = cell(end["clearance"], "area_ha", zone_code=z, status="handed_over")
        mid = cell(ho[r.previous.end], "area_ha", zone_code=z, status="handed_over")
        low = cell(ho[r.previous.start - DAY], "area_ha", zone_code=z, status="handed_over")
        assert row["handed_over_ha"] == approx(now)
        assert row["period_ha"] == approx(now - mid)
        assert row["previous_ha"] == approx(mid - low)
        assert row["change_ha"] == approx((now - mid) - (mid - low))
    series = body(r, "handed_over_series")
    assert series[0]["date"] <= (r.previous.start + 31 * DAY).isoformat()
    assert series[-1]["date"] == r.period.end.isoformat()
    for point in series[::5] + series[-1:]:
        rows = at(case, dt.date.fromisoformat(point["date"]))["clearance"]
        assert point["handed_over_ha"] == approx(
            sum(x["area_ha"] for x in rows if x["status"] == "handed_over"))


def test_land_fund_equals_the_land_fund_answers(case):
    r = case["report"]
    prev = at(case, r.previous.end)
    for table in (at(case, r.period.end), case["area"]):
        for row in body(r, "clean_fund"):
            z = row["zone_code"]
            assert row["area_ha"] == approx(cell(table["clean_fund"], "area_ha", zone_code=z))
            assert row["parcels"] == cell(table["clean_fund"], "parcels", zone_code=z)
            assert row["previous_area_ha"] == approx(cell(prev["clean_fund"], "area_ha",
                                                          zone_code=z))
            assert row["change_ha"] == approx(row["area_ha"] - row["previous_area_ha"])
        occupancy = body(r, "occupancy")
        assert [o["zone_code"] for o in occupancy] == [o["zone_code"]
                                                       for o in table["occupancy"]]
        for row, theirs in zip(occupancy, table["occupancy"]):
            for key in ("leasable_ha", "leased_ha", "reserved_ha", "vacant_ha",
                        "occupancy_pct"):
                assert row[key] == approx(theirs[key])


# ------------------------------------------------------------------ the progress book

def tables_at(case, day: dt.date) -> dict:
    from landgis.progress.tables import json_records

    return {name: json_records(t) for name, t in
            progress_tables(case["book"], as_of=day.isoformat(), zone=case["zone"]).items()}


def auctioned(lots, start, end):
    return [lot for lot in lots if lot["auction_date"]
            and start.isoformat() <= lot["auction_date"] <= end.isoformat()]


def test_auctions_equal_progress_answers(case):
    r, p, q = case["report"], case["report"].period, case["report"].previous
    now, before = case["progress"], tables_at(case, q.end)
    rows = body(r, "auction_lots")
    assert sum(row["lots_auctioned"] for row in rows) == len(auctioned(now["auctions"],
                                                                        p.start, p.end))
    for row in rows:
        lots = [x for x in auctioned(now["auctions"], p.start, p.end)
                if x["zone_code"] == row["zone_code"]]
        old = [x for x in auctioned(before["auctions"], q.start, q.end)
               if x["zone_code"] == row["zone_code"]]
        assert row["lots_auctioned"] == len(lots)
        assert row["lots_sold"] == sum(x["result"] == "sold" for x in lots)
        assert row["won_vnd"] == sum(x["won_vnd"] for x in lots)
        assert (row["previous_lots_auctioned"], row["previous_won_vnd"]) == (
            len(old), sum(x["won_vnd"] for x in old))
    assert body(r, "revenue_by_zone") == [
        {k: x[k] for k in ("zone_code", "lots_sold", "won_vnd", "collected_vnd",
                           "outstanding_vnd", "overdue_vnd")} for x in now["revenue_by_zone"]]
    assert body(r, "revenue_by_project") == now["revenue_by_project"]
    quarters = body(r, "revenue_quarterly")
    assert quarters[0]["key"] == f"{p.start.year}-Q1"
    for row in quarters:
        year, n = int(row["key"][:4]), int(row["key"][-1])
        start = dt.date(year, 3 * n - 2, 1)
        end = min(p.end, dt.date(year + (n == 4), 1 if n == 4 else 3 * n + 1, 1) - DAY)
        lots, low = tables_at(case, end)["auctions"], tables_at(case, start - DAY)["auctions"]
        assert row["won_vnd"] == sum(x["won_vnd"] for x in auctioned(lots, start, end))
        assert row["collected_vnd"] == (sum(x["collected_vnd"] for x in lots)
                                        - sum(x["collected_vnd"] for x in low))


def test_projects_equal_progress_answers(case):
    r, q = case["report"], case["report"].previous
    mid = {x["project_code"]: x for x in tables_at(case, q.end)["projects"]}
    low = {x["project_code"]: x for x in tables_at(case, q.start - DAY)["projects"]}
    rows = body(r, "projects")
    assert [x["project_code"] for x in rows] == [x["project_code"]
                                                 for x in case["progress"]["projects"]]
    for row, theirs in zip(rows, case["progress"]["projects"]):
        for key in ("name_vi", "zone_code", "total_investment_vnd", "plan_year_vnd",
                    "disbursed_year_vnd", "disbursed_year_pct", "disbursed_total_vnd",
                    "milestones_late", "max_days_late"):
            assert row[key] == theirs[key], key
        code = row["project_code"]
        assert row["disbursed_period_vnd"] == (theirs["disbursed_total_vnd"]
                                               - (mid[code]["disbursed_total_vnd"] or 0))
        assert row["disbursed_previous_vnd"] == ((mid[code]["disbursed_total_vnd"] or 0)
                                                 - (low[code]["disbursed_total_vnd"] or 0))


def test_investors_equal_progress_answers(case):
    r, q = case["report"], case["report"].previous
    now, before = case["progress"]["investments"], tables_at(case, q.end)["investments"]
    for row in body(r, "investor_states"):
        mine = [x["state"] for x in now if x["zone_code"] == row["zone_code"]]
        for state in ("on_schedule", "behind", "revocable", "revoked"):
            assert row[state] == mine.count(state)
        assert row["total"] == len(mine)
    for row in body(r, "investor_states_change"):
        assert row["count"] == sum(x["state"] == row["code"] for x in now)
        assert row["previous_count"] == sum(x["state"] == row["code"] for x in before)
    flagged = {x["investment_id"]: x for x in now if x["state"] in ("behind", "revocable")}
    rows = body(r, "investors_flagged")
    assert {x["investment_id"] for x in rows} == set(flagged)
    for row in rows:
        theirs = flagged[row["investment_id"]]
        assert (row["days_behind"], row["code"], row["flags"]) == (
            theirs["days_behind"], theirs["state"], theirs["flags"])
        for detail in theirs["flag_details"]:  # the rule and the article that flagged it
            assert detail["label_vi"] in row["rules"] and detail["basis_vi"] in row["rules"]
            assert detail["basis_en"] in row["rules_en"]


# ------------------------------------------------------------------ the whole report

def test_totals_are_the_sums_of_their_rows(case):
    for section in case["report"].sections:
        for table in section.tables:
            if not table.total:
                continue
            total = table.rows[-1]
            for column in table.columns:
                if column.unit in ("ha", "vnd", "count") and total[column.key] is not None:
                    assert total[column.key] == approx(sum(
                        row[column.key] or 0 for row in table.body())), (table.name, column)


NUMBER = re.compile(r"(?<![\w/.,-])\d[\d.,]*")


def numbers(sentence: str, lang: str) -> list[float]:
    out = []
    for token in NUMBER.findall(sentence):
        token = token.rstrip(".,")
        token = token.replace(".", "").replace(",", ".") if lang == "vi" else \
            token.replace(",", "")
        out.append(float(token))
    return out


def shown(value: float) -> set[float]:
    """How a table value may be written: hectares and billions with two decimals, counts,
    percentages with one decimal."""
    v = abs(float(value))
    return {round(v, 2), round(v / 1e9, 2), round(v, 1), v}


def check_sentences(report):
    for section in report.sections:
        values = set()
        for table in section.tables:
            for row in table.rows:
                for column in table.columns:
                    value = row.get(column.key)
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        values |= shown(value)
        for lang in ("vi", "en"):
            assert section.sentences(lang), (section.key, lang)
            for sentence in section.sentences(lang):
                text = sentence
                for p in (report.period, report.previous):
                    text = text.replace(p.label(lang), "")
                for number in numbers(text, lang):
                    assert number in values, (section.key, sentence, number)


def test_every_number_of_every_sentence_is_a_table_figure(case):
    check_sentences(case["report"])


def test_the_report_is_the_store_version_and_its_json(case):
    r = case["report"]
    assert r.data_version == str(case["store"].version())
    doc = report_json(r, "en")
    json.dumps(doc)  # JSON-ready
    assert [s["key"] for s in doc["sections"]] == ["clearance", "land_fund", "auctions",
                                                   "projects", "investors"]
    table = doc["sections"][0]["tables"][0]
    assert table["rows"][-1]["zone_code"] == "Total"
    assert report_json(r, "vi")["sections"][0]["tables"][0]["rows"][-1]["zone_code"] == \
        "Tổng cộng"
    names = {t["name"] for s in doc["sections"] for t in s["tables"]}
    for s in doc["sections"]:
        for chart in s["charts"]:
            assert chart["table"] in names
    assert [m["zone_code"] for m in doc["maps"]] == ([case["zone"]] if case["zone"] else
                                                     ["KCN-HB1", "KCN-HB2", "KCN-SM", "KCN-DT",
                                                      "KCN-DL"])


# ------------------------------------------------------------------ bad and empty input

def test_a_period_before_the_first_event_is_an_empty_valid_report(demo):
    r = build_report(demo, "2010-H1", views=DataViews())
    assert r.empty
    for section in r.sections:
        assert section.sentences_vi[0].startswith("Không có số liệu cho 6 tháng đầu năm 2010")
        assert section.sentences_en[0].startswith("No data for the first half of 2010")
    assert r.table("handed_over").rows[-1]["handed_over_ha"] == 0
    assert r.table("auction_lots").rows[-1]["lots_auctioned"] == 0
    assert all(row["total"] == 0 for row in r.table("investor_states").rows)
    check_sentences(r)
    assert not build_report(demo, "2019-H1", views=DataViews()).empty


def test_an_unknown_zone_or_period_is_refused(demo):
    with pytest.raises(BadRequest) as err:
        build_report(demo, "2019-H1", zone="KCN-XX", views=DataViews())
    assert "khu không rõ / unknown zone 'KCN-XX'" in str(err.value)
    assert "KCN-HB1" in str(err.value) and "KKT-BOY" in str(err.value)
    with pytest.raises(BadRequest, match="unknown period"):
        build_report(demo, "2019-H3", views=DataViews())
    with pytest.raises(BadRequest, match="ends after today"):
        build_report(demo, "2019-H1", views=DataViews(), today=dt.date(2019, 6, 29))


def test_on_both_backends(store):
    """The fixture's ledger (2019) on GeoPackage and PostGIS, no progress registers."""
    r = build_report(store, "2019-H1", views=DataViews(), today=dt.date(2026, 11, 29))
    assert not r.empty and r.data_version == str(store.version())
    tables = summary(store, as_of="2019-06-30", views=DataViews())["tables"]
    row = r.table("clearance_status").rows[0]
    assert row["zone_code"] == "KCN-T1"
    for status in ("not_started", "compensated", "disputed", "handed_over"):
        assert row[status] == approx(cell(tables["clearance"], "area_ha", zone_code="KCN-T1",
                                          status=status))
    assert row["compensated"] == approx(1.0) and row["disputed"] == approx(1.0)
    assert r.table("projects").rows[-1]["disbursed_total_vnd"] == 0
    assert r.table("auction_lots").rows[-1]["lots_auctioned"] == 0
    check_sentences(r)
