"""A small store for the progress layers of the map (core, API and browser tests): the test
zone KCN-T1 of ``tests.conftest`` with three zoning plots and four parcels, two public projects
(a point and a polygon), and two investments recorded through the registers and the ledger as
an editor would: ``INV-A`` on two adjacent plots (one 200 m × 100 m rectangle, 2 ha),
``INV-B`` on a parcel, revoked in 2022.

``INV-A``'s schedule, as the shipped rules read it:

- 01/01/2018: on schedule (nothing due yet);
- 01/01/2019: behind (construction start due 01/06/2018 not reached; land unused 12 months
  since the handover of 20/05/2017);
- 01/01/2021: revocable (36 months since the handover, Land Law 2024, art. 81).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from landgis.progress import record_progress
from landgis.progress.registers import record_register
from tests.conftest import square

ZONE = "KCN-T1"
#: the rectangle INV-A occupies: plots T1-CN-01 and T1-CN-02 side by side
INV_A_AREA_M2 = 20_000.0
STATE_DATES = {"2018-01-01": "on_schedule", "2019-01-01": "behind", "2021-01-01": "revocable"}


def plots_gdf() -> gpd.GeoDataFrame:
    rows = [("T1-CN-01", square(0, 0)), ("T1-CN-02", square(100, 0)),
            ("T1-CN-03", square(0, 100))]
    return gpd.GeoDataFrame(
        {"plot_code": [c for c, _ in rows], "zone_code": ZONE, "function": "factory",
         "max_coverage_pct": 60.0, "max_height_m": 20.0, "lease_status": "leased",
         "tenant": None},
        geometry=[shapely.MultiPolygon([g]) for _, g in rows], crs=9216)


def projects_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"project_code": ["DA-T1", "DA-T2"],
         "name_vi": ["Nhà máy xử lý nước thải KCN thử", "Đường trục chính KCN thử"],
         "kind": ["wastewater", "road"], "zone_code": ZONE,
         "budget_vnd": None, "disbursed_vnd": None, "progress_pct": None},
        geometry=[square(150, 150, 10).centroid, square(100, 100, 100)], crs=9216)


def investments(investor: str = "Công ty TNHH Thử") -> pd.DataFrame:
    base = dict(approval_kind="policy_approval", zone_code=ZONE, source="illustrative",
                leased_area_m2=None, parcel_ids=None, plot_codes=None)
    return pd.DataFrame([
        {**base, "investment_id": "INV-A", "investor": investor,
         "project_name": "Nhà máy chế biến gỗ", "certificate_no": "12/QĐ-BQLKKT",
         "certificate_date": "2017-01-10", "plot_codes": "T1-CN-01;T1-CN-02",
         "leased_area_m2": 20_000.0, "committed_capital_vnd": 50_000_000_000,
         "land_handover_due": "2017-06-01", "construction_start_due": "2018-06-01",
         "operation_due": "2020-12-31", "capital_due": "2020-12-31"},
        {**base, "investment_id": "INV-B", "investor": "Công ty CP Cà phê",
         "project_name": "Kho cà phê", "certificate_no": "7/GCNĐKĐT",
         "certificate_date": "2018-03-01", "approval_kind": "registration",
         "parcel_ids": "23296-1-4", "committed_capital_vnd": 8_000_000_000,
         "land_handover_due": "2018-06-01", "construction_start_due": "2019-01-01",
         "operation_due": "2020-01-01", "capital_due": "2020-01-01"},
    ])


def events() -> pd.DataFrame:
    rows = [
        dict(subject_kind="investment", subject_id="INV-A", kind="milestone_reached",
             milestone="land_handover", effective_date="2017-05-20", document_no="BB 1/2017"),
        dict(subject_kind="investment", subject_id="INV-A", kind="capital_contributed",
             effective_date="2017-08-01", amount_vnd=1_234_567_890, document_no="GNT 5"),
        dict(subject_kind="investment", subject_id="INV-A", kind="inspection",
             effective_date="2019-03-04", document_no="BB KT 3", note="chưa khởi công"),
        dict(subject_kind="investment", subject_id="INV-B", kind="milestone_reached",
             milestone="land_handover", effective_date="2018-05-15", document_no="BB 4"),
        dict(subject_kind="investment", subject_id="INV-B", kind="revocation",
             effective_date="2022-06-01", document_no="88/QĐ-UBND"),
        dict(subject_kind="project", subject_id="DA-T1", kind="investment_approved",
             effective_date="2018-05-02", amount_vnd=120_000_000_000, document_no="QĐ 1/2018"),
        dict(subject_kind="project", subject_id="DA-T1", kind="capital_plan",
             effective_date="2019-01-10", year=2019, source="provincial_budget",
             amount_vnd=30_000_000_000, document_no="QĐ 2/2019"),
        dict(subject_kind="project", subject_id="DA-T1", kind="milestone_planned",
             effective_date="2018-05-02", milestone="construction_start",
             planned_date="2019-03-01", document_no="QĐ 1/2018"),
        dict(subject_kind="project", subject_id="DA-T1", kind="disbursement",
             effective_date="2019-04-10", amount_vnd=10_000_000_000, document_no="UNC 5"),
    ]
    return pd.DataFrame(rows)


def build(store, zones_gdf, parcels_gdf, *, investor: str = "Công ty TNHH Thử",
          status_events: pd.DataFrame | None = None) -> None:
    """Write the layers into ``store``, then the registers and the events through the core."""
    store.write_layer("zones", zones_gdf)
    store.write_layer("zoning_plots", plots_gdf())
    store.write_layer("parcels", parcels_gdf)
    store.write_layer("projects", projects_gdf())
    if status_events is not None:
        store.write_layer("status_events", status_events)
    record_register(store, "investments", investments(investor), user="test",
                    source_name="investments.xlsx")
    record_progress(store, events(), user="test", source_name="events.xlsx")
