"""A project's milestones as of a date, one planned and reached, one planned and still open."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from landgis.progress import load_book, record_progress
from tests.conftest import X0, Y0


def test_an_open_milestone_is_listed_late_beside_one_reached(store):
    store.write_layer("projects", gpd.GeoDataFrame(
        {"project_code": ["DA-T1"], "name_vi": ["Dự án thử"], "kind": ["infrastructure"],
         "zone_code": ["KCN-T1"], "budget_vnd": [None], "disbursed_vnd": [None],
         "progress_pct": [None]},
        geometry=[shapely.Point(X0 + 50, Y0 + 50)], crs="EPSG:9216"))
    plan = dict(subject_kind="project", subject_id="DA-T1", kind="milestone_planned",
                effective_date="2021-01-20", document_no="2/QĐ-UBND")
    record_progress(store, pd.DataFrame([
        {**plan, "milestone": "construction_start", "planned_date": "2021-06-30"},
        {**plan, "milestone": "completion", "planned_date": "2023-12-31"},
        dict(subject_kind="project", subject_id="DA-T1", kind="milestone_reached",
             effective_date="2021-07-10", milestone="construction_start", document_no="BB 1"),
    ]), user="t", today="2026-11-29")
    rows = {m["milestone"]: m for m in load_book(store).project_milestones("DA-T1", "2024-01-10")}
    assert rows["construction_start"]["reached_date"] == "2021-07-10"
    assert rows["construction_start"]["reached_late_days"] == 10
    assert rows["completion"]["reached_date"] is None
    assert rows["completion"]["days_late"] == 10
