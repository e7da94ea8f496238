"""The ``parcels`` layer (thửa đất): an illustrative cadastral map of every park and cluster.

The parcel areas of ``parcel_areas.csv`` are covered wholly: each industrial park and cluster,
two sub-areas of the Bờ Y zone being cleared and auctioned, and, when more parcels are asked for
than the default, a region around the border gate sized to about ``mean_parcel_m2`` a parcel
(capped at the whole zone, which is then filled more densely). Each area is split between its
survey communes, cut by map sheets and tessellated (see :mod:`landgis.demo.tessellate`).

Numbering follows the cadastral habit: sheets 1..k per commune from north-west to south-east;
parcels 1..n per sheet, row by row from the north-west; ``parcel_id`` is
``<commune_code>-<sheet_no>-<parcel_no>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import box

from landgis.crs import STORAGE_CRS, WGS84, transformer
from landgis.demo.geometry import bisect, clip, fit_area_within, minus, polygonal, star_polygon
from landgis.demo.landuse import assign_land_use, legal_areas, owner_kinds
from landgis.demo.sources import Sources, split_codes
from landgis.demo.tessellate import SHEET_M, allocate, clean_coverage, tessellate
from landgis.demo.zones import lonlat_to_plane, plane_point, zone_geometry

#: How far inside its zone a sub-area keeps (metres).
SUBAREA_INSET_M = 50.0
#: The columns of its area's row each parcel needs (not the whole row: a million copies).
PER_PARCEL = ("area_index", "zone_code", "area_code", "area_name", "land_use_mix", "road_lines",
              "stream_lines")


@dataclass
class Region:
    """One commune's part of a parcel area, and how many parcels it gets."""

    area_index: int
    area: pd.Series  # the parcel_areas.csv row
    commune_code: str
    commune_index: int
    geometry: object
    n: int


def subarea_outline(row: pd.Series, zone) -> object:
    """The illustrative outline of a ``subarea`` row, fitted inside ``zone`` to its area."""
    rng = np.random.default_rng(int(row["shape_seed"]))
    shape = star_polygon(rng, roughness=0.12, aspect=float(row["aspect"]),
                         angle_deg=float(row["angle_deg"]))
    centre = plane_point(row["centre_lon"], row["centre_lat"])
    shape = affinity.translate(shape, centre.x, centre.y)
    return fit_area_within(shape, zone.buffer(-SUBAREA_INSET_M), float(row["area_ha"]) * 1e4)


def area_outlines(sources: Sources, zones: gpd.GeoDataFrame) -> dict[str, object]:
    """The outline of every ``zone`` and ``subarea`` row of ``parcel_areas.csv``."""
    outlines = {}
    for _, row in sources.parcel_areas.iterrows():
        zone = polygonal(zone_geometry(zones, row["zone_code"]))
        if row["kind"] == "zone":
            outlines[row["area_code"]] = zone
        elif row["kind"] == "subarea":
            outlines[row["area_code"]] = subarea_outline(row, zone)
    return outlines


def extra_region(row: pd.Series, zone, taken, n: int):
    """The region around ``row``'s centre holding ``n`` parcels of ``mean_parcel_m2``."""
    free = minus(zone, taken) if taken is not None else zone
    wanted = n * float(row["mean_parcel_m2"])
    if wanted >= free.area:
        return free
    centre = plane_point(row["centre_lon"], row["centre_lat"])
    far = math.hypot(free.bounds[2] - free.bounds[0], free.bounds[3] - free.bounds[1])
    radius = bisect(lambda r: clip(free, centre.buffer(r, 64)).area, 1.0, 2 * far, wanted,
                    rel_tol=1e-4)
    return clip(free, centre.buffer(radius, 64))


def split_communes(geom, codes: list[str], split_lon: float) -> list[tuple[str, object]]:
    """``geom`` split west/east between two communes (at ``split_lon`` or its centroid)."""
    if len(codes) == 1:
        return [(codes[0], geom)]
    if len(codes) != 2:
        raise ValueError(f"a parcel area spans one or two communes, not {codes}")
    c = geom.centroid
    if pd.isna(split_lon):
        x = c.x
    else:
        _, lat = transformer(STORAGE_CRS, WGS84).transform(c.x, c.y)
        x = float(lonlat_to_plane(split_lon, lat)[0])
    minx, miny, maxx, maxy = geom.bounds
    west = polygonal(shapely.intersection(geom, box(minx - 1, miny - 1, x, maxy + 1)))
    east = polygonal(shapely.intersection(geom, box(x, miny - 1, maxx + 1, maxy + 1)))
    return [(code, part) for code, part in zip(codes, (west, east)) if part.area > 0]


def parcel_regions(sources: Sources, zones: gpd.GeoDataFrame, n_parcels: int | None
                   ) -> list[Region]:
    """Every region to tessellate, with its parcel count."""
    outlines = area_outlines(sources, zones)
    rows = sources.parcel_areas
    default_total = int(rows.loc[rows.kind != "extra", "n_parcels"].sum())
    extra_total = max(0, (n_parcels or 0) - default_total)
    regions: list[Region] = []
    for index, row in rows.iterrows():
        if row["kind"] == "extra":
            if extra_total == 0:
                continue
            zone = polygonal(zone_geometry(zones, row["zone_code"]))
            inside = [g for code, g in outlines.items()
                      if rows.set_index("area_code").loc[code, "zone_code"] == row["zone_code"]]
            taken = shapely.union_all(inside) if inside else None
            geom, n = extra_region(row, zone, taken, extra_total), extra_total
        else:
            geom, n = outlines[row["area_code"]], int(row["n_parcels"])
        parts = split_communes(geom, split_codes(row["commune_codes"]), row["split_lon"])
        counts = allocate(np.array([g.area for _, g in parts]), n)
        for k, ((code, part), count) in enumerate(zip(parts, counts)):
            regions.append(Region(int(index), row, code, k, part, int(count)))
    return regions


def number_parcels(commune: np.ndarray, sheet_i: np.ndarray, sheet_j: np.ndarray,
                   x: np.ndarray, y: np.ndarray, area: np.ndarray) -> pd.DataFrame:
    """Sheet and parcel numbers, north-west to south-east.

    Returns a DataFrame with ``sheet_no``, ``parcel_no`` and ``order`` (the row order that
    sorts the parcels by commune, sheet and parcel number).
    """
    df = pd.DataFrame({"commune": commune, "i": sheet_i, "j": sheet_j, "x": x, "y": y,
                       "area": area})
    sheets = (df[["commune", "i", "j"]].drop_duplicates()
              .sort_values(["commune", "j", "i"], ascending=[True, False, True], kind="stable"))
    sheets["sheet_no"] = sheets.groupby("commune").cumcount() + 1
    df = df.merge(sheets, on=["commune", "i", "j"], how="left", sort=False)
    band = np.sqrt(df.groupby(["commune", "sheet_no"])["area"].transform("mean").to_numpy())
    df["row"] = np.floor(((df["j"].to_numpy() + 1) * SHEET_M - df["y"].to_numpy()) / band)
    df["index"] = np.arange(len(df))
    df = df.sort_values(["commune", "sheet_no", "row", "x"], kind="stable")
    df["parcel_no"] = df.groupby(["commune", "sheet_no"]).cumcount() + 1
    return pd.DataFrame({"order": df["index"].to_numpy(), "sheet_no": df["sheet_no"].to_numpy(),
                         "parcel_no": df["parcel_no"].to_numpy()})


def build_parcels(sources: Sources, zones: gpd.GeoDataFrame, plots: gpd.GeoDataFrame,
                  seed: int, n_parcels: int | None = None) -> gpd.GeoDataFrame:
    """The ``parcels`` layer.

    Parameters
    ----------
    sources : Sources
        The source tables.
    zones, plots : geopandas.GeoDataFrame
        The ``zones`` and ``zoning_plots`` layers (the plots' roads become transport land in
        the cleared park).
    seed : int
        The build seed.
    n_parcels : int, optional
        Build about this many parcels: the default areas keep their counts and the rest go
        into the ``extra`` area. None or a number below the default count: the default set.

    Returns
    -------
    geopandas.GeoDataFrame
        The contract columns plus ``area_code``, ``area_name``, ``current_commune_code``,
        ``current_commune_name`` and ``current_valid_from``, in EPSG:9216.
    """
    regions = parcel_regions(sources, zones, n_parcels)
    geoms, si, sj, region_of = [], [], [], []
    for r, region in enumerate(regions):
        row = region.area
        lloyd = 2 if row["kind"] != "extra" else 1
        t = tessellate(region.geometry, region.n,
                       (seed, 3, region.area_index, region.commune_index), lloyd=lloyd,
                       aspect=float(row["cell_aspect"]), angle_deg=float(row["cell_angle_deg"]),
                       wkb=True)  # the cells wait as WKB, a third of the memory, until cleaned
        geoms.append(t.geoms)
        si.append(t.sheet_i)
        sj.append(t.sheet_j)
        region_of.append(np.full(len(t.geoms), r))
    # Edge-match the tessellation, as survey software does: where cells were cut along sheet
    # and area lines, neighbours get the same vertices (no T-junctions), so the parcels form a
    # valid polygon coverage. Moves vertices by at most the 1 mm snapping distance.
    si, sj = np.concatenate(si), np.concatenate(sj)
    geoms = clean_coverage(np.concatenate(geoms), si, sj, snapping_distance=0.001)
    single = shapely.get_num_geometries(geoms) == 1
    geoms[single] = shapely.get_geometry(geoms[single], 0)  # a parcel in one piece is a Polygon
    region_of = np.concatenate(region_of)
    commune = np.array([reg.commune_code for reg in regions], dtype=object)[region_of]
    points = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(points), shapely.get_y(points)
    del points
    plane = shapely.area(geoms)
    numbers = number_parcels(commune, si, sj, x, y, plane)
    order = numbers["order"].to_numpy()
    geoms, region_of, commune = geoms[order], region_of[order], commune[order]
    x, y, plane = x[order], y[order], plane[order]
    area_rows = pd.DataFrame([reg.area for reg in regions]).reset_index(drop=True)
    area_rows["area_index"] = [reg.area_index for reg in regions]
    per = area_rows[list(PER_PARCEL)].iloc[region_of].reset_index(drop=True)
    land_use = assign_land_use(per, geoms, x, y, plots, seed)
    rng = np.random.default_rng([seed, 13])
    communes = sources.communes.set_index("commune_code")
    sheet_no = numbers["sheet_no"].to_numpy()
    parcel_no = numbers["parcel_no"].to_numpy()
    parcel_id = np.array([f"{c}-{s}-{p}" for c, s, p in
                          zip(commune, sheet_no.tolist(), parcel_no.tolist())], dtype=object)
    at = communes.index.get_indexer(commune)  # each parcel's row of the commune table
    if (at < 0).any():
        raise KeyError(f"commune {commune[at < 0][0]!r} is not in communes.csv")

    def commune_column(name):
        return communes[name].to_numpy(dtype=object)[at]

    df = pd.DataFrame({
        "parcel_id": parcel_id,
        "commune_code": commune,
        "commune_name": commune_column("commune_name"),
        "sheet_no": sheet_no.astype(np.int64),
        "parcel_no": parcel_no.astype(np.int64),
        "land_use_code": land_use,
        "legal_area_m2": legal_areas(plane, rng),
        "zone_code": per["zone_code"].to_numpy(dtype=object),
        "owner_kind": owner_kinds(land_use, rng),
        "area_code": per["area_code"].to_numpy(dtype=object),
        "area_name": per["area_name"].to_numpy(dtype=object),
        "current_commune_code": commune_column("current_commune_code"),
        "current_commune_name": commune_column("current_commune_name"),
        "current_valid_from": commune_column("current_valid_from"),
    })
    del per, parcel_id, numbers, x, y, plane, region_of  # before the frame is put together
    return gpd.GeoDataFrame(df, geometry=geoms, crs=STORAGE_CRS)
