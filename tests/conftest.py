"""Shared fixtures: tiny layers made in the test, in EPSG:9216, and a temporary GeoPackage."""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landgis.store.geopackage import GeoPackageStore

REQUIRE_ALL = os.environ.get("LANDGIS_REQUIRE_ALL") == "1"

# An origin on the Kon Tum plane (EPSG:9216), near KCN Hòa Bình.
X0, Y0 = 552_000.0, 1_590_000.0


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when LANDGIS_REQUIRE_ALL=1 (CI)."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(f"required in CI (LANDGIS_REQUIRE_ALL=1): {reason}")
        pytest.skip(reason)


def square(x, y, size=100.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


@pytest.fixture
def zones_gdf():
    return gpd.GeoDataFrame(
        {
            "zone_code": ["KCN-T1"],
            "name_vi": ["KCN thử"],
            "name_en": ["Test park"],
            "kind": ["kcn"],
            "phase": [None],
            "decision_no": [None],
            "decision_date": [None],
            "planned_area_ha": [4.0],
            "status": ["planned"],
            "source": ["illustrative"],
        },
        geometry=[shapely.MultiPolygon([square(0, 0, 200)])],
        crs=9216,
    )


@pytest.fixture
def parcels_gdf():
    """Four 1-ha parcels tiling a 200 m x 200 m zone (2 x 2 squares of 100 m)."""
    rows = []
    for i, (x, y) in enumerate([(0, 0), (100, 0), (0, 100), (100, 100)], start=1):
        rows.append({
            "parcel_id": f"23296-1-{i}",
            "commune_code": "23296",
            "commune_name": "Phường Ngô Mây",
            "sheet_no": 1,
            "parcel_no": i,
            "land_use_code": "CLN",
            "legal_area_m2": 10_000.0 + i,
            "zone_code": "KCN-T1",
            "owner_kind": "household",
            "geometry": square(x, y),
        })
    return gpd.GeoDataFrame(rows, crs=9216)


def event(parcel_id, field, value, date, n, recorded_at=None):
    return {
        "event_id": f"t-{n}",
        "parcel_id": parcel_id,
        "field": field,
        "value": value,
        "effective_date": date,
        "document_no": f"{n}/QĐ-UBND",
        "document_date": date,
        "note": None,
        "recorded_by": "test",
        "recorded_at": recorded_at or f"{date}T08:00:00+07:00",
    }


@pytest.fixture
def events_df():
    return pd.DataFrame([
        event("23296-1-1", "clearance_status", "inventoried", "2019-01-10", 1),
        event("23296-1-1", "clearance_status", "compensated", "2019-05-02", 2),
        event("23296-1-2", "clearance_status", "disputed", "2019-03-01", 3),
        event("23296-1-1", "auction_status", "planned", "2019-06-01", 4),
    ])


@pytest.fixture
def store(tmp_path, zones_gdf, parcels_gdf, events_df):
    s = GeoPackageStore(tmp_path / "test.gpkg", create=True)
    s.write_layer("zones", zones_gdf)
    s.write_layer("parcels", parcels_gdf)
    s.write_layer("status_events", events_df)
    return s
