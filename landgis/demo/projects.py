"""The ``projects`` layer: the projects named in the Board's 2019 mid-year review.

Positions are illustrative (a point at the border gate, a point inside a park, the outline of
the park a clearance project creates). No budget, disbursement or progress figure was published,
so those columns stay empty: the demo never invents official-looking figures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis.crs import STORAGE_CRS
from landgis.demo.geometry import polygonal
from landgis.demo.sources import Sources
from landgis.demo.zones import plane_point, zone_geometry


def project_geometry(row: pd.Series, zones: gpd.GeoDataFrame):
    """The geometry of one ``projects.csv`` row, by its ``placement``.

    ``point``: the row's latitude and longitude; ``inside_zone``: a point inside the zone;
    ``zone``: the zone's outline (a Polygon when it has one part).
    """
    placement = row["placement"]
    if placement == "point":
        return plane_point(row["lon"], row["lat"])
    zone = polygonal(zone_geometry(zones, row["zone_code"]))
    if placement == "inside_zone":
        return shapely.point_on_surface(zone)
    if placement == "zone":
        parts = shapely.get_parts(zone)
        return parts[0] if len(parts) == 1 else zone
    raise ValueError(f"project {row['project_code']}: unknown placement {placement!r}")


def build_projects(sources: Sources, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``projects`` layer from ``projects.csv``.

    Parameters
    ----------
    sources : Sources
        The source tables.
    zones : geopandas.GeoDataFrame
        The ``zones`` layer.

    Returns
    -------
    geopandas.GeoDataFrame
        The contract columns plus ``name_en`` and ``notes``; Point and Polygon geometries in
        EPSG:9216; ``budget_vnd``, ``disbursed_vnd`` and ``progress_pct`` empty.
    """
    rows = sources.projects
    empty = np.full(len(rows), np.nan)
    df = pd.DataFrame({
        "project_code": rows["project_code"],
        "name_vi": rows["name_vi"],
        "kind": rows["kind"],
        "zone_code": rows["zone_code"].astype(object).where(rows["zone_code"].notna(), None),
        "budget_vnd": empty,
        "disbursed_vnd": empty.copy(),
        "progress_pct": empty.copy(),
        "name_en": rows["name_en"],
        "notes": rows["notes"],
    })
    geoms = [project_geometry(row, zones) for _, row in rows.iterrows()]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=STORAGE_CRS).reset_index(drop=True)
