"""The ``zones`` layer: the border-gate economic zone, the industrial parks and clusters.

No public polygons exist, so each zone is an irregular outline drawn around the location the
facts give, scaled about its centroid to the area it is drawn to (``drawn_area_ha`` in
``zones.csv``: the planned area unless the notes say otherwise). The outlines depend only on the
source table (each row has its own ``shape_seed``), not on the build seed: the zones are the
drawing, the same in every build.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point

from landgis.crs import STORAGE_CRS, WGS84, transformer
from landgis.dates import iso_date
from landgis.demo.geometry import GRID_M, scale_to_area, star_polygon, to_multi
from landgis.demo.sources import Sources

#: How far inside the west edge an anchor on the ``west_edge`` lies (metres).
WEST_EDGE_INSET_M = 300.0

ZONE_COLUMNS = ("zone_code", "name_vi", "name_en", "kind", "phase", "decision_no",
                "decision_date", "planned_area_ha", "status", "source", "drawn_area_ha",
                "commune_codes", "notes")


def lonlat_to_plane(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 longitude/latitude to EPSG:9216 easting/northing (pinned datum shift)."""
    x, y = transformer(WGS84, STORAGE_CRS).transform(np.asarray(lon, float),
                                                     np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def plane_point(lon: float, lat: float) -> Point:
    """The EPSG:9216 point of a WGS 84 longitude/latitude."""
    x, y = lonlat_to_plane(lon, lat)
    return Point(float(x), float(y))


def draw_outline(row: pd.Series) -> shapely.Polygon:
    """The illustrative outline of one zone row of ``zones.csv``, in EPSG:9216."""
    rng = np.random.default_rng(int(row["shape_seed"]))
    shape = star_polygon(rng, roughness=float(row["roughness"]), aspect=float(row["aspect"]),
                         angle_deg=float(row["angle_deg"]), n_vertices=64)
    shape = scale_to_area(shape, float(row["drawn_area_ha"]) * 10_000)
    centre = plane_point(row["centre_lon"], row["centre_lat"])
    c = shape.centroid
    shape = affinity.translate(shape, centre.x - c.x, centre.y - c.y)
    if row.get("anchor") == "west_edge":
        shape = _put_on_west_edge(shape, plane_point(row["anchor_lon"], row["anchor_lat"]))
    return shapely.set_precision(shape, GRID_M)


def _put_on_west_edge(shape, anchor: Point):
    """``shape`` moved east or west so ``anchor`` lies just inside its west edge."""
    minx, _, maxx, _ = shape.bounds
    across = LineString([(minx - 10, anchor.y), (maxx + 10, anchor.y)]).intersection(shape)
    if across.is_empty:
        raise ValueError("the anchor's latitude does not cross the zone outline")
    west = shapely.get_coordinates(across)[:, 0].min()
    return affinity.translate(shape, anchor.x - WEST_EDGE_INSET_M - west, 0)


def build_zones(sources: Sources) -> gpd.GeoDataFrame:
    """The ``zones`` layer from ``zones.csv``.

    Parameters
    ----------
    sources : Sources
        The source tables (see :func:`landgis.demo.sources.read_sources`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone, MultiPolygon geometry in EPSG:9216, ``source`` = ``illustrative``.

    Raises
    ------
    ValueError
        When two drawn zones overlap.
    """
    rows = sources.zones
    geoms = [to_multi(draw_outline(row)) for _, row in rows.iterrows()]
    df = pd.DataFrame({
        "zone_code": rows["zone_code"],
        "name_vi": rows["name_vi"],
        "name_en": rows["name_en"],
        "kind": rows["kind"],
        "phase": rows["phase"].astype(object).where(rows["phase"].notna(), None),
        "decision_no": rows["decision_no"].astype(object).where(rows["decision_no"].notna(), None),
        "decision_date": [iso_date(v, f"zones.csv {code}: decision_date", required=False)
                          for code, v in zip(rows["zone_code"], rows["decision_date"])],
        "planned_area_ha": rows["planned_area_ha"].astype(float),
        "status": rows["status"],
        "source": "illustrative",
        "drawn_area_ha": rows["drawn_area_ha"].astype(float),
        "commune_codes": rows["commune_codes"],
        "notes": rows["notes"],
    })
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=STORAGE_CRS).reset_index(drop=True)
    _check_no_overlap(gdf)
    return gdf


def _check_no_overlap(zones: gpd.GeoDataFrame) -> None:
    geoms = zones.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i < j and geoms[i].intersection(geoms[j]).area > 0:
            raise ValueError(
                f"zones {zones.zone_code.iloc[i]} and {zones.zone_code.iloc[j]} overlap; "
                "move or reshape one in zones.csv")


def zone_geometry(zones: gpd.GeoDataFrame, zone_code: str):
    """The geometry of ``zone_code`` (KeyError naming the known codes otherwise)."""
    match = zones.loc[zones.zone_code == zone_code, "geometry"]
    if match.empty:
        raise KeyError(f"no zone {zone_code!r}; zones: {', '.join(zones.zone_code)}")
    return match.iloc[0]
