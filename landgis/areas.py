"""Areas as a land officer computes them.

- **Plane area**: the area on the VN-2000 plane of the storage CRS (EPSG:9216, TM-3 107-30,
  k = 0.9999). This is the figure written on Vietnamese land documents.
- **Ellipsoidal area**: the geodesic area on the WGS 84 ellipsoid (pyproj's ``Geod``), after the
  pinned VN-2000 → WGS 84 shift (EPSG:6960). Near Kon Tum city the plane area is about 0.013 %
  smaller; near Bờ Y about 0.02 %.
- **Tolerance** between the legal area on the record and the plane area: by default the rule of
  the cadastral mapping regulations, ΔP = 0.0004 · M · √P m² (M the map-scale denominator, P the
  area in m²; found in the technical rules for cadastral maps, Thông tư 25/2014/TT-BTNMT, as we
  read them), with M = 2000, the usual scale for rural and industrial-park sheets. A flat
  percentage can be given instead.

Areas are never computed on degrees or on Web Mercator (about 6.5 % too large here): a layer in
such a CRS must be given a plane to compute on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from landgis import crs as crsmod
from landgis.text import fold

WGS84_GEOD = Geod(ellps="WGS84")
DEFAULT_MAP_SCALE = 2000
#: CRSs whose "areas" are not areas
NOT_A_PLANE = {3857, 900913, 3785, 102100}


def check_plane(crs) -> CRS:
    """The CRS, if areas computed on it mean something; ValueError otherwise."""
    crs = crsmod.resolve_crs(crs)
    if crs.is_geographic:
        raise ValueError(f"{crs.name} is in degrees: areas need a plane; name one "
                         "(e.g. EPSG:9216, VN-2000 / TM-3 107-30)")
    if crs.to_epsg() in NOT_A_PLANE or "Pseudo-Mercator" in crs.name:
        raise ValueError(f"{crs.name} distorts areas (about 6.5 % here); name a VN-2000 plane "
                         "(e.g. EPSG:9216)")
    return crs


def plane_area(gdf, plane=None) -> np.ndarray:
    """Areas (m²) of a GeoDataFrame's geometries on ``plane`` (default: the layer's own CRS,
    which must be a plane)."""
    if gdf.crs is None:
        raise ValueError("the layer has no CRS; say which one it is in")
    target = check_plane(plane if plane is not None else gdf.crs)
    geoms = gdf.geometry.values
    if target != gdf.crs:
        geoms = crsmod.transform_geometries(geoms, gdf.crs, target)
    return shapely.area(np.asarray(geoms, dtype=object))


#: Polygons smaller across than this (m) take the fast path of :func:`ellipsoidal_area`.
FAST_PATH_EXTENT_M = 5_000.0


def _tm_scale(lon, lat, lon0: float) -> np.ndarray:
    """Point scale factor of a transverse Mercator with k0 = 1 on WGS 84 (Snyder 8-16)."""
    e2 = WGS84_GEOD.es
    ep2 = e2 / (1 - e2)
    phi = np.radians(lat)
    a = np.radians(np.asarray(lon) - lon0) * np.cos(phi)
    t = np.tan(phi) ** 2
    c = ep2 * np.cos(phi) ** 2
    return (1 + (1 + c) * a**2 / 2 + (5 - 4 * t + 42 * c + 13 * c**2 - 28 * ep2) * a**4 / 24
            + (61 - 148 * t + 16 * t**2) * a**6 / 720)


def ellipsoidal_area(gdf) -> np.ndarray:
    """Geodesic areas (m²) on the WGS 84 ellipsoid, after the pinned datum shift.

    Polygons up to a few km across are projected onto a transverse Mercator of the ellipsoid
    and their plane area divided by the squared point scale at their centroid: this agrees with
    pyproj's ``Geod.geometry_area_perimeter`` to about 1e-7 of the area and is vectorised.
    Larger polygons (zones) go through ``Geod.geometry_area_perimeter`` itself.
    """
    if gdf.crs is None:
        raise ValueError("the layer has no CRS; say which one it is in")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    out = np.full(len(geoms), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return out
    ll = np.full(len(geoms), None, dtype=object)
    ll[present] = crsmod.transform_geometries(geoms[present], gdf.crs, crsmod.WGS84)
    bounds = shapely.bounds(ll[present])
    lon0 = float(np.round(np.median((bounds[:, 0] + bounds[:, 2]) / 2) * 2) / 2)
    local_tm = CRS.from_proj4(f"+proj=tmerc +lat_0=0 +lon_0={lon0} +k=1 +x_0=0 +y_0=0 "
                              "+ellps=WGS84 +units=m +no_defs")
    tm = np.full(len(geoms), None, dtype=object)
    tm[present] = crsmod.transform_geometries(ll[present], crsmod.WGS84, local_tm)
    tb = shapely.bounds(tm[present])
    small = np.zeros(len(geoms), bool)
    small[present] = np.maximum(tb[:, 2] - tb[:, 0], tb[:, 3] - tb[:, 1]) <= FAST_PATH_EXTENT_M
    centre = shapely.centroid(ll[small])
    k = _tm_scale(shapely.get_x(centre), shapely.get_y(centre), lon0)
    out[small] = shapely.area(tm[small]) / k**2
    for i in np.flatnonzero(present & ~small):
        # Geod's area is signed by winding: orient every part first (exteriors
        # counter-clockwise, holes clockwise) so that parts never cancel out
        oriented = shapely.orient_polygons(ll[i], exterior_cw=False)
        out[i] = WGS84_GEOD.geometry_area_perimeter(oriented)[0]
    return out


def tolerance_m2(legal_area_m2, *, map_scale: float = DEFAULT_MAP_SCALE,
                 tolerance_pct: float | None = None) -> np.ndarray:
    """How far the plane area may be from the legal area (m²) before it is flagged.

    ``tolerance_pct`` gives a flat percentage of the legal area; otherwise the cadastral rule
    ΔP = 0.0004 · M · √P with M = ``map_scale``.
    """
    legal = np.asarray(legal_area_m2, dtype=float)
    if tolerance_pct is not None:
        return np.abs(legal) * tolerance_pct / 100.0
    return 0.0004 * map_scale * np.sqrt(np.abs(legal))


def parcel_areas(parcels, *, plane=None, map_scale: float = DEFAULT_MAP_SCALE,
                 tolerance_pct: float | None = None) -> pd.DataFrame:
    """Per parcel: plane, ellipsoidal and legal areas, their difference and a flag.

    Parameters
    ----------
    parcels : GeoDataFrame
        With ``parcel_id`` and ``legal_area_m2``.
    plane : CRS-like, optional
        Where to compute plane areas (default: the layer's CRS, which must be a plane).
    map_scale, tolerance_pct
        See :func:`tolerance_m2`.

    Returns
    -------
    DataFrame
        ``parcel_id``, ``plane_area_m2``, ``ellipsoidal_area_m2``, ``legal_area_m2``,
        ``difference_m2`` (plane - legal), ``difference_pct``, ``tolerance_m2``,
        ``beyond_tolerance``.
    """
    plane_m2 = plane_area(parcels, plane)
    legal = parcels["legal_area_m2"].to_numpy(dtype=float)
    diff = plane_m2 - legal
    tol = tolerance_m2(legal, map_scale=map_scale, tolerance_pct=tolerance_pct)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(legal != 0, diff / legal * 100.0, np.nan)
    return pd.DataFrame({
        "parcel_id": parcels["parcel_id"].to_numpy(),
        "plane_area_m2": plane_m2,
        "ellipsoidal_area_m2": ellipsoidal_area(parcels),
        "legal_area_m2": legal,
        "difference_m2": diff,
        "difference_pct": pct,
        "tolerance_m2": tol,
        "beyond_tolerance": np.abs(diff) > tol,
    })


#: The most attributes of a polygon file kept beside its areas.
MAX_POLYGON_ATTRIBUTES = 10
#: Columns GDAL's KML readers add to every placemark: styling, not what the author wrote.
KML_BOILERPLATE = {"tessellate", "extrude", "visibility", "altitudeMode", "drawOrder", "icon",
                   "timestamp", "begin", "end"}
#: Attribute names that name a polygon (compared folded): the touched table's label.
LABEL_NAMES = {"name", "ten", "tenvung", "tenlo", "tenkhu", "label", "nhan"}
_AREA_COLUMNS = ("polygon", "plane_area_m2", "ellipsoidal_area_m2", "parcels", "parcel_id",
                 "overlap_m2", "parcel_area_m2")


def _text(value):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def polygon_attributes(polygons) -> pd.DataFrame:
    """A polygon file's own attributes (its names, codes…), as text, one row per polygon.

    Every non-geometry column that holds a value, in the file's order, up to
    :data:`MAX_POLYGON_ATTRIBUTES`; the styling columns a KML reader adds are left out. A name
    that one of the area or touched columns has is prefixed ``file_``. Values are text, as the file wrote
    them (numbers without a trailing ``.0``), so that a code keeps its zeros and a writer never
    takes a value for a formula.
    """
    geometry = polygons.geometry.name if hasattr(polygons, "geometry") else None
    out = {}
    for column in polygons.columns:
        if column == geometry or column in KML_BOILERPLATE:
            continue
        values = [_text(v) for v in polygons[column].tolist()]
        if not any(v not in (None, "") for v in values):
            continue
        name = f"file_{column}" if column in _AREA_COLUMNS else str(column)
        out[name] = pd.Series(values, dtype=object)
        if len(out) == MAX_POLYGON_ATTRIBUTES:
            break
    return pd.DataFrame(out, index=pd.RangeIndex(len(polygons)))


def polygon_areas(polygons, parcels=None, *, plane=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plane and ellipsoidal areas of drawn or imported polygons, and the parcels they touch.

    Parameters
    ----------
    polygons : GeoDataFrame
        Polygons in any CRS (plane areas are computed on the storage plane).
    parcels : GeoDataFrame, optional
        Parcels in the storage CRS, with ``parcel_id``.
    plane : CRS-like, optional
        The plane the areas are computed on (default: the storage plane, EPSG:9216).

    Returns
    -------
    (areas, touched)
        ``areas``: one row per polygon (``polygon`` = its position, 1-based), the file's own
        attributes as text (:func:`polygon_attributes`), ``plane_area_m2``,
        ``ellipsoidal_area_m2``, ``parcels`` (how many it touches). ``touched``: one row per
        polygon and parcel: ``polygon``, the file's name column if it has one (``Name``,
        ``Tên``…), ``parcel_id``, ``overlap_m2``, ``parcel_area_m2``.
    """
    storage = crsmod.to_storage(polygons)
    geoms = np.asarray(storage.geometry.values, dtype=object)
    areas = pd.DataFrame({
        "polygon": np.arange(1, len(geoms) + 1),
        "plane_area_m2": shapely.area(geoms) if plane is None else plane_area(storage, plane),
        "ellipsoidal_area_m2": ellipsoidal_area(storage),
    })
    touched = pd.DataFrame(columns=["polygon", "parcel_id", "overlap_m2", "parcel_area_m2"])
    if parcels is not None and len(parcels):
        pg = np.asarray(parcels.geometry.values, dtype=object)
        poly_idx, parcel_idx = shapely.STRtree(pg).query(geoms, predicate="intersects")
        overlap = shapely.area(shapely.intersection(geoms[poly_idx], pg[parcel_idx]))
        touched = pd.DataFrame({
            "polygon": poly_idx + 1,
            "parcel_id": parcels["parcel_id"].to_numpy()[parcel_idx],
            "overlap_m2": overlap,
            "parcel_area_m2": shapely.area(pg[parcel_idx]),
        }).sort_values(["polygon", "parcel_id"], ignore_index=True)
    areas["parcels"] = touched.groupby("polygon").size().reindex(areas["polygon"]) \
        .fillna(0).astype(int).to_numpy()
    own = polygon_attributes(polygons)
    if len(own.columns):
        areas = pd.concat([areas[["polygon"]], own, areas.drop(columns="polygon")], axis=1)
        label = next((c for c in own.columns if fold(c) in LABEL_NAMES), None)
        if label is not None:
            touched.insert(1, label, pd.Series(own[label].to_numpy()[touched["polygon"] - 1]
                                               if len(touched) else [], dtype=object))
    return areas, touched


def polygon_report(store, polygons, *, plane=None, columns=()) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """:func:`polygon_areas` of ``polygons`` (any CRS) against the parcels of ``store``.

    Only the parcels in the polygons' bounding box are read. ``touched`` gains the parcels'
    ``columns`` (e.g. ``zone_code``) after its own.
    """
    if polygons.crs is None:
        raise ValueError("the polygons have no CRS; say which one they are in")
    bounds = tuple(crsmod.to_storage(polygons).total_bounds)
    extra = [c for c in columns if c != "parcel_id"]
    parcels = store.read_layer("parcels", bbox=bounds, columns=["parcel_id", *extra])
    table, touched = polygon_areas(polygons, parcels, plane=plane)
    if extra:
        # a name column of the file keeps its place; the parcels' own columns follow
        clash = {c: f"file_{c}" for c in extra if c in touched.columns}
        touched = touched.rename(columns=clash).join(parcels.set_index("parcel_id")[extra],
                                                     on="parcel_id")
    return table, touched
