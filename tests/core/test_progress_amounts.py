"""Amounts of the progress ledger: disbursements against the year's capital plan (only those
that take the year above the plan need the over_plan flag, whether they come one by one or in
one sheet), and whole-đồng columns read back from the store."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landgis import contract
from landgis.progress import ProgressError, load_book, record_progress
from tests.conftest import X0, Y0, snapshot

PLAN = 10_000_000_000


@pytest.fixture
def project_store(store):
    store.write_layer("projects", gpd.GeoDataFrame(
        {"project_code": ["DA-T1"], "name_vi": ["Dự án thử"], "kind": ["infrastructure"],
         "zone_code": ["KCN-T1"], "budget_vnd": [None], "disbursed_vnd": [None],
         "progress_pct": [None]},
        geometry=[shapely.Point(X0 + 50, Y0 + 50)], crs="EPSG:9216"))
    record_progress(store, pd.DataFrame([
        dict(subject_kind="project", subject_id="DA-T1", kind="investment_approved",
             effective_date="2021-01-15", amount_vnd=50_000_000_000, document_no="1/QĐ-UBND"),
        dict(subject_kind="project", subject_id="DA-T1", kind="capital_plan",
             effective_date="2021-01-20", year=2021, source="provincial_budget",
             amount_vnd=PLAN, document_no="2/QĐ-UBND"),
    ]), user="t", today="2026-11-29")
    return store


def _pay(date, amount, flags=None, row=None):
    return dict(subject_kind="project", subject_id="DA-T1", kind="disbursement",
                effective_date=date, amount_vnd=amount, flags=flags,
                document_no=f"GRV {date}", source_row=row)


def test_a_sheet_of_the_year_flags_only_the_disbursement_that_crosses_the_plan(project_store):
    sheet = pd.DataFrame([_pay("2021-03-01", 4_000_000_000, row=2),
                          _pay("2021-06-01", 5_000_000_000, row=3),
                          _pay("2021-11-01", 2_500_000_000, "over_plan", row=4)])
    result = record_progress(project_store, sheet, user="t", today="2026-11-29")
    assert len(result.events) == 3
    assert any("above the year's capital plan" in w for w in result.warnings)
    row = load_book(project_store).projects("2021-12-31").set_index("project_code").loc["DA-T1"]
    assert row["disbursed_year_vnd"] == 11_500_000_000 and row["over_plan_events"] == 1


def test_the_unflagged_disbursement_that_crosses_the_plan_is_named_and_nothing_written(
        project_store):
    before = snapshot(project_store)
    sheet = pd.DataFrame([_pay("2021-03-01", 4_000_000_000, row=2),
                          _pay("2021-11-01", 2_500_000_000, row=4),
                          _pay("2021-06-01", 5_000_000_000, row=3)])
    with pytest.raises(ProgressError) as err:
        record_progress(project_store, sheet, user="t", today="2026-11-29")
    message = str(err.value)
    assert "row 4" in message and "over_plan" in message
    assert "row 2" not in message and "row 3" not in message
    assert snapshot(project_store) == before


def test_one_by_one_the_second_crossing_disbursement_needs_its_flag_too(project_store):
    record_progress(project_store, pd.DataFrame([_pay("2021-03-01", 9_000_000_000)]),
                    user="t", today="2026-11-29")
    with pytest.raises(ProgressError, match="over_plan"):
        record_progress(project_store, pd.DataFrame([_pay("2021-05-01", 2_000_000_000)]),
                        user="t", today="2026-11-29")
    done = record_progress(project_store,
                           pd.DataFrame([_pay("2021-05-01", 2_000_000_000, "over_plan")]),
                           user="t", today="2026-11-29")
    assert done.warnings


def test_the_ledger_read_back_meets_its_contract_with_amounts_left_empty(project_store):
    """Events without an amount (a milestone) beside events with one: the store gives the
    whole-đồng columns back as floats with gaps, still whole numbers."""
    record_progress(project_store, pd.DataFrame([
        dict(subject_kind="project", subject_id="DA-T1", kind="milestone_planned",
             effective_date="2021-01-20", milestone="completion", planned_date="2023-12-31",
             document_no="2/QĐ-UBND")]), user="t", today="2026-11-29")
    events = pd.DataFrame(project_store.read_table("progress_events"))
    assert events["amount_vnd"].isna().any() and events["amount_vnd"].notna().any()
    assert contract.check_layer(events, "progress_events", crs_epsg=None) == []
    half = events.assign(amount_vnd=events["amount_vnd"] + 0.5)
    assert any(p.column == "amount_vnd" for p in
               contract.check_layer(half, "progress_events", crs_epsg=None))
