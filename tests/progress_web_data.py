"""Projects, investments, an auction lot and their progress events on a test's store, made with
the core (``record_register``, ``record_progress``) as an editor or an import would.

On the ``store`` fixture's zone and four parcels, plus a second zone ``KCN-T2``:

- ``DA-T1`` (KCN-T1): 100 tỷ approved on 02/05/2018, a 2019 plan of 30 tỷ, construction start
  planned for 01/03/2019, 10 tỷ disbursed on 10/04/2019 and 5 tỷ on 10/09/2019;
- ``DA-T2`` (KCN-T2): 50 tỷ approved, a 2019 plan of 20 tỷ;
- ``NDT-1`` (KCN-T1, parcel 23296-1-1), whose investor's name is HTML: certificate of
  01/03/2017, land handed over on 15/06/2017, nothing since (revocable long ago);
- ``NDT-2`` (KCN-T2, parcel 23296-1-2): registered on 01/01/2020, due dates years ahead;
- ``LOT-1`` (KCN-T1, parcels 23296-1-3 and 23296-1-4, funds DA-T1): sold for 5 tỷ on
  01/08/2020 to a winner whose name is HTML, 2.5 tỷ due on 01/09/2020 and paid on 20/08/2020;
- ``LOT-2`` (KCN-T1, parcel 23296-1-2): not auctioned yet.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from landgis.progress import record_progress
from landgis.progress.registers import record_register
from tests.conftest import square

HOSTILE_INVESTOR = "<img src=x onerror=alert(1)>"
HOSTILE_WINNER = "Công ty <b>B</b> & cộng sự"
TY = 1_000_000_000


def zones(zones_gdf) -> gpd.GeoDataFrame:
    second = zones_gdf.copy()
    second["zone_code"], second["name_vi"], second["name_en"] = "KCN-T2", "KCN thử 2", "Park 2"
    second["geometry"] = [shapely.MultiPolygon([square(300, 0, 200)])]
    return gpd.GeoDataFrame(pd.concat([zones_gdf, second], ignore_index=True), crs=9216)


def projects(codes=("DA-T1", "DA-T2"), zone_of=None) -> gpd.GeoDataFrame:
    zone_of = zone_of or {"DA-T1": "KCN-T1", "DA-T2": "KCN-T2"}
    return gpd.GeoDataFrame({
        "project_code": list(codes),
        "name_vi": [f"Dự án thử {c}" for c in codes],
        "kind": "infrastructure",
        "zone_code": [zone_of.get(c, "KCN-T1") for c in codes],
        "budget_vnd": None, "disbursed_vnd": None, "progress_pct": None,
    }, geometry=[shapely.Point(square(50 + 10 * i, 50).centroid) for i in range(len(codes))],
        crs=9216)


def event(subject_kind, subject_id, kind, date, document_no, **values) -> dict:
    return {"subject_kind": subject_kind, "subject_id": subject_id, "kind": kind,
            "effective_date": date, "document_no": document_no, **values}


EVENTS = [
    event("project", "DA-T1", "investment_approved", "2018-05-02", "1/QĐ-UBND",
          amount_vnd=100 * TY, document_date="2018-05-02"),
    event("project", "DA-T1", "milestone_planned", "2018-05-02", "1/QĐ-UBND",
          milestone="construction_start", planned_date="2019-03-01"),
    event("project", "DA-T1", "capital_plan", "2019-01-10", "2/QĐ-UBND", year=2019,
          source="provincial_budget", amount_vnd=30 * TY),
    event("project", "DA-T1", "disbursement", "2019-04-10", "UNC 5", amount_vnd=10 * TY),
    event("project", "DA-T1", "disbursement", "2019-09-10", "UNC 6", amount_vnd=5 * TY),
    event("project", "DA-T2", "investment_approved", "2019-02-01", "3/QĐ-UBND",
          amount_vnd=50 * TY),
    event("project", "DA-T2", "capital_plan", "2019-02-10", "4/QĐ-UBND", year=2019,
          source="central_budget", amount_vnd=20 * TY),
    event("investment", "NDT-1", "milestone_reached", "2017-06-15", "BB 9",
          milestone="land_handover"),
    event("lot", "LOT-1", "auction_result", "2020-08-01", "33/QĐ-UBND", result="sold",
          amount_vnd=5 * TY, base_vnd=4 * TY, party=HOSTILE_WINNER),
    event("lot", "LOT-1", "payment_due", "2020-08-01", "33/QĐ-UBND", planned_date="2020-09-01",
          amount_vnd=5 * TY // 2),
    event("lot", "LOT-1", "payment", "2020-08-20", "GNT 1", amount_vnd=5 * TY // 2),
]


def investments() -> pd.DataFrame:
    return pd.DataFrame([
        dict(investment_id="NDT-1", investor=HOSTILE_INVESTOR, project_name="Nhà máy X",
             approval_kind="policy_approval", certificate_no="123/QĐ-BQLKKT",
             certificate_date="2017-03-01", zone_code="KCN-T1", plot_codes=None,
             parcel_ids="23296-1-1", leased_area_m2=10_000.0, committed_capital_vnd=50 * TY,
             land_handover_due="2017-06-01", construction_start_due="2018-01-01",
             operation_due="2019-06-30", capital_due="2019-06-30", source="illustrative"),
        dict(investment_id="NDT-2", investor="Công ty TNHH Y", project_name="Kho Y",
             approval_kind="registration", certificate_no="45/GCN", certificate_date="2020-01-01",
             zone_code="KCN-T2", plot_codes=None, parcel_ids="23296-1-2",
             leased_area_m2=5_000.0, committed_capital_vnd=20 * TY,
             land_handover_due="2031-01-01", construction_start_due="2032-01-01",
             operation_due="2033-01-01", capital_due="2033-01-01", source="illustrative"),
    ])


def lots() -> pd.DataFrame:
    return pd.DataFrame([
        dict(lot_code="LOT-1", zone_code="KCN-T1", name_vi="Lô 1",
             parcel_ids="23296-1-3;23296-1-4", area_m2=20_000.0, funds_project_code="DA-T1",
             source="illustrative"),
        dict(lot_code="LOT-2", zone_code="KCN-T1", name_vi="Lô 2", parcel_ids="23296-1-2",
             area_m2=10_000.0, funds_project_code=None, source="illustrative"),
    ])


def seed(store, zones_gdf, *, extra_projects=()) -> None:
    """The registers and events above (and ``extra_projects``, codes of projects with no
    event) on ``store``."""
    store.write_layer("zones", zones(zones_gdf))
    store.write_layer("projects", projects(("DA-T1", "DA-T2", *extra_projects)))
    record_register(store, "investments", investments(), user="seed", source_name="inv.xlsx")
    record_register(store, "auction_lots", lots(), user="seed", source_name="lots.xlsx")
    record_progress(store, pd.DataFrame(EVENTS), user="seed", source_name="events.xlsx")
