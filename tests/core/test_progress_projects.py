"""Public investment projects as of a date: approved total, the year's capital plan (latest per
source), disbursed this year and in all, milestones planned, re-planned, reached and late; on
both backends. Figures worked out by hand."""

import math

from landgis.dates import today_vn
from landgis.progress import load_book, progress_tables
from tests.progress_ledger_data import event, events, setup

BN = 1_000_000_000


def ledger():
    """DA-1's history (DA-2 has none)."""
    p = "project"
    return [
        event(1, p, "DA-1", "investment_approved", "2018-03-01", amount_vnd=100 * BN,
              document_no="QĐ 1", document_date="2018-03-01"),
        event(2, p, "DA-1", "investment_approved", "2021-02-01", amount_vnd=120 * BN,
              document_no="QĐ 9"),
        event(3, p, "DA-1", "capital_plan", "2019-01-05", year=2019, source="provincial_budget",
              amount_vnd=10 * BN),
        event(4, p, "DA-1", "capital_plan", "2020-01-10", year=2020, source="provincial_budget",
              amount_vnd=30 * BN),
        event(5, p, "DA-1", "capital_plan", "2020-01-10", year=2020, source="central_budget",
              amount_vnd=20 * BN),
        event(6, p, "DA-1", "capital_plan", "2020-07-01", year=2020, source="provincial_budget",
              amount_vnd=25 * BN),  # the provincial plan of 2020 cut to 25 tỷ
        event(7, p, "DA-1", "disbursement", "2019-05-01", amount_vnd=8 * BN),
        event(8, p, "DA-1", "disbursement", "2020-03-01", amount_vnd=15 * BN),
        event(9, p, "DA-1", "disbursement", "2020-08-01", amount_vnd=12 * BN),
        event(10, p, "DA-1", "disbursement", "2021-01-05", amount_vnd=5 * BN),
        event(11, p, "DA-1", "milestone_planned", "2018-03-01", milestone="construction_start",
              planned_date="2019-06-01"),
        event(12, p, "DA-1", "milestone_replanned", "2019-05-01",
              milestone="construction_start", planned_date="2020-03-01"),
        event(13, p, "DA-1", "milestone_reached", "2020-04-10", milestone="construction_start"),
        event(14, p, "DA-1", "milestone_planned", "2018-03-01", milestone="completion",
              planned_date="2021-12-31"),
    ]


def book_of(store, parcels_gdf, *more):
    setup(store, parcels_gdf)
    store.append_progress(events(*ledger()))
    for row in more:
        store.append_progress(events(row))
    return load_book(store)


def da1(book, as_of):
    return book.projects(as_of).set_index("project_code").loc["DA-1"]


def test_money_of_a_project_as_of_a_date(store, parcels_gdf):
    book = book_of(store, parcels_gdf)
    r = da1(book, "2020-06-30")
    assert (r["total_investment_vnd"], r["investment_decision"],
            r["investment_decision_date"]) == (100 * BN, "QĐ 1", "2018-03-01")
    assert r["plan_year_vnd"] == 50 * BN  # 30 provincial + 20 central
    assert r["plan_sources"] == "central_budget;provincial_budget"
    assert (r["disbursed_year_vnd"], r["disbursed_total_vnd"]) == (15 * BN, 23 * BN)
    assert r["disbursed_year_pct"] == 30.0
    r = da1(book, "2020-12-31")
    assert r["plan_year_vnd"] == 45 * BN  # the latest provincial plan: 25
    assert (r["disbursed_year_vnd"], r["disbursed_total_vnd"]) == (27 * BN, 35 * BN)
    assert r["disbursed_year_pct"] == 60.0
    r = da1(book, "2021-03-01")
    assert (r["total_investment_vnd"], r["investment_decision"]) == (120 * BN, "QĐ 9")
    assert math.isnan(r["plan_year_vnd"]) and math.isnan(r["disbursed_year_pct"])
    assert (r["disbursed_year_vnd"], r["disbursed_total_vnd"]) == (5 * BN, 40 * BN)
    r = da1(book, "2018-02-28")  # before anything
    assert math.isnan(r["total_investment_vnd"])
    assert (r["disbursed_total_vnd"], r["milestones_late"]) == (0, 0)
    empty = book.projects("2020-12-31").set_index("project_code").loc["DA-2"]
    assert (empty["disbursed_total_vnd"], empty["milestones_late"]) == (0, 0)
    assert math.isnan(empty["plan_year_vnd"])


def test_a_corrected_disbursement_counts_as_corrected(store, parcels_gdf):
    book = book_of(store, parcels_gdf, event(
        15, "project", "DA-1", "disbursement", "2020-08-01", amount_vnd=10 * BN,
        corrects_event_id="e9", recorded_at="2020-08-02T10:00:00+07:00"))
    r = da1(book, "2020-12-31")
    assert (r["disbursed_year_vnd"], r["disbursed_total_vnd"]) == (25 * BN, 33 * BN)
    assert r["disbursed_year_pct"] == round(25 / 45 * 100, 1) == 55.6


def test_milestones_planned_replanned_reached_and_late(store, parcels_gdf):
    book = book_of(store, parcels_gdf)
    r = da1(book, "2019-04-30")  # planned for 01/06/2019, not late yet
    assert (r["milestones_late"], r["next_milestone"], r["next_milestone_date"]) == (
        0, "construction_start", "2019-06-01")
    r = da1(book, "2019-07-01")  # re-planned on 01/05/2019 to 01/03/2020: not late
    assert (r["milestones_late"], r["max_days_late"], r["next_milestone_date"]) == (
        0, 0, "2020-03-01")
    r = da1(book, "2020-04-01")  # 31 days after 01/03/2020
    assert (r["milestones_late"], r["max_days_late"]) == (1, 31)
    r = da1(book, "2020-04-10")  # reached
    assert (r["milestones_late"], r["last_milestone"], r["next_milestone"]) == (
        0, "construction_start", "completion")
    r = da1(book, "2022-01-31")  # completion due 31/12/2021
    assert (r["milestones_late"], r["max_days_late"]) == (1, 31)
    rows = {m["milestone"]: m for m in book.project_milestones("DA-1", "2022-01-31")}
    assert rows["construction_start"] == {
        "milestone": "construction_start", "planned_date": "2020-03-01",
        "reached_date": "2020-04-10", "days_late": 0, "reached_late_days": 40}
    assert (rows["completion"]["days_late"], rows["completion"]["reached_date"]) == (31, None)


def test_projects_of_one_zone_and_the_five_tables(store, parcels_gdf):
    book = book_of(store, parcels_gdf)
    assert list(book.projects("2020-12-31", zone="KKT-T2")["project_code"]) == ["DA-2"]
    tables = progress_tables(book, as_of="31/12/2020")
    assert set(tables) == {"projects", "investments", "auctions", "revenue_by_zone",
                           "revenue_by_project"}
    assert set(tables["projects"]["as_of"]) == {"2020-12-31"}
    assert len(tables["investments"]) == 0 and len(tables["auctions"]) == 0
    # no date asked: today in Viet Nam (a server on UTC is a day behind after 17:00)
    assert set(progress_tables(book)["projects"]["as_of"]) == {today_vn().isoformat()}
