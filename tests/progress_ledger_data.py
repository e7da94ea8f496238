"""Small registers and progress events made in the test, for the progress ledger's tests.

Over the ``store`` fixture (zone KCN-T1, its four parcels): a second zone KKT-T2 with two
parcels of its own, three zoning plots, two public projects and helpers writing investments,
lots and ledger events. Figures are chosen so that a test can compute what it expects by hand.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from landgis import contract
from tests.conftest import square

TODAY = "2024-06-30"


def zones() -> gpd.GeoDataFrame:
    rows = [("KCN-T1", "KCN thử", square(0, 0, 200)), ("KKT-T2", "KKT thử", square(1000, 0, 200))]
    return gpd.GeoDataFrame({
        "zone_code": [r[0] for r in rows], "name_vi": [r[1] for r in rows],
        "name_en": ["Test park", "Test zone"], "kind": ["kcn", "kkt"], "phase": [None, None],
        "decision_no": [None, None], "decision_date": [None, None],
        "planned_area_ha": [4.0, 4.0], "status": ["planned", "planned"],
        "source": ["illustrative"] * 2,
    }, geometry=[shapely.MultiPolygon([r[2]]) for r in rows], crs=9216)


def plots() -> gpd.GeoDataFrame:
    """Three factory plots of KCN-T1 (P1, P2, P3)."""
    return gpd.GeoDataFrame({
        "plot_code": ["P1", "P2", "P3"], "zone_code": ["KCN-T1"] * 3,
        "function": ["factory"] * 3,
    }, geometry=[square(0, 0), square(100, 0), square(0, 100)], crs=9216)


def projects() -> gpd.GeoDataFrame:
    """DA-1 in KCN-T1 and DA-2 in KKT-T2 (no legacy figures)."""
    return gpd.GeoDataFrame({
        "project_code": ["DA-1", "DA-2"], "name_vi": ["Dự án một", "Dự án hai"],
        "kind": ["infrastructure", "infrastructure"], "zone_code": ["KCN-T1", "KKT-T2"],
        "budget_vnd": [None, None], "disbursed_vnd": [None, None],
        "progress_pct": [None, None],
    }, geometry=[shapely.Point(552_050, 1_590_050), shapely.Point(553_050, 1_590_050)],
        crs=9216)


def t2_parcels(parcels_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The fixture's parcels and two more in KKT-T2 (23296-2-1, 23296-2-2)."""
    more = parcels_gdf.iloc[:2].copy()
    more["parcel_id"] = ["23296-2-1", "23296-2-2"]
    more["sheet_no"] = 2
    more["zone_code"] = "KKT-T2"
    more["geometry"] = [square(1000, 0), square(1100, 0)]
    return gpd.GeoDataFrame(pd.concat([parcels_gdf, more], ignore_index=True), crs=9216)


def setup(store, parcels_gdf) -> None:
    """The zones, parcels, plots and projects the progress registers refer to."""
    store.write_layer("zones", zones())
    store.write_layer("parcels", t2_parcels(parcels_gdf))
    store.write_layer("zoning_plots", plots())
    store.write_layer("projects", projects())


def investment(investment_id, **kw) -> dict:
    """One row of the investments register; committed dates default to none."""
    row = {
        "investment_id": investment_id, "investor": f"Công ty {investment_id}",
        "project_name": f"Nhà máy {investment_id}", "approval_kind": "policy_approval",
        "certificate_no": f"{investment_id}/QĐ-BQL", "certificate_date": "2018-01-01",
        "zone_code": "KCN-T1", "plot_codes": None, "parcel_ids": None,
        "leased_area_m2": 10_000.0, "committed_capital_vnd": None,
        "land_handover_due": None, "construction_start_due": None, "operation_due": None,
        "capital_due": None, "source": "illustrative",
    }
    row.update(kw)
    return row


def lot(lot_code, parcel_ids, **kw) -> dict:
    row = {"lot_code": lot_code, "zone_code": "KCN-T1", "name_vi": f"Lô {lot_code}",
           "parcel_ids": parcel_ids, "area_m2": None, "funds_project_code": None,
           "source": "illustrative"}
    row.update(kw)
    return row


def register(rows, layer) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(contract.get_layer(layer).column_names))


def event(n, subject_kind, subject_id, kind, date, **kw) -> dict:
    """A complete ledger row (as the store keeps it), id ``e<n>``, recorded the day it took
    effect unless ``recorded_at`` says otherwise."""
    row = {c: None for c in contract.PROGRESS_EVENTS.column_names}
    row.update({"event_id": f"e{n}", "subject_kind": subject_kind, "subject_id": subject_id,
                "kind": kind, "effective_date": date, "document_no": f"{n}/VB",
                "recorded_by": "test", "recorded_at": f"{date}T09:00:00+07:00"})
    row.update(kw)
    return row


def events(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(contract.PROGRESS_EVENTS.column_names))
