"""GeoJSON in and out of the API: the polygons a user draws or sends, checked and capped before
any work (:func:`polygon_from_geojson`), and layers and parcels written as GeoJSON in WGS 84
with JSON-safe values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from landgis import crs as crsmod
from landgis.params import BadRequest


def scalar(value):
    """A JSON-safe scalar: None for missing values, Python numbers for numpy ones."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def records(df: pd.DataFrame) -> list[dict]:
    out = df.astype(object).where(df.notna(), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in out.to_dict(orient="records")]


#: The most vertices (every ring of every part counted) one drawn selection may have: a
#: boundary drawn on the map has tens; 20,000 is a surveyed boundary of a whole zone. Larger
#: ones held a server thread for seconds (a million vertices: 32 s).
MAX_VERTICES = 20_000
#: The most polygons (features and the parts of multipolygons) one selection may have.
MAX_PARTS = 100


def _geometries(doc) -> list:
    """The geometries of a GeoJSON geometry, Feature or FeatureCollection (not nested)."""
    if not isinstance(doc, dict):
        raise BadRequest("send a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, (list, tuple)):
            raise BadRequest("features: cần một danh sách / must be a list of Features")
        if not features:
            raise BadRequest("the FeatureCollection has no features")
        if len(features) > MAX_PARTS:
            raise BadRequest(f"quá nhiều đối tượng / too many features: {len(features):,}; "
                             f"at most {MAX_PARTS} per request")
        return [f.get("geometry") if isinstance(f, dict) and f.get("type") == "Feature" else f
                for f in features]
    if kind == "Feature":
        return [doc.get("geometry")]
    return [doc]


_ARRAY = (list, tuple)  # JSON arrays; shapely's mapping() gives tuples


def _count_rings(geometry) -> tuple[int, list]:
    """The number of polygons of a Polygon / MultiPolygon and its rings (still GeoJSON)."""
    if not isinstance(geometry, dict):
        raise BadRequest("send a GeoJSON Polygon or MultiPolygon geometry")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise BadRequest(f"geometry type {kind!r}: send a Polygon or MultiPolygon")
    if not isinstance(coords, _ARRAY) or (kind == "MultiPolygon" and not all(
            isinstance(p, _ARRAY) for p in coords)):
        raise BadRequest(f"not a valid GeoJSON {kind}: coordinates must be nested lists")
    polygons = coords if kind == "MultiPolygon" else [coords]
    rings = [ring for polygon in polygons for ring in polygon]
    if not all(isinstance(ring, _ARRAY) for ring in rings):
        raise BadRequest(f"not a valid GeoJSON {kind}: each ring must be a list of positions")
    return len(polygons), rings


def polygon_from_geojson(doc) -> shapely.Geometry:
    """The polygon (or union of polygons) of a GeoJSON document in WGS 84, checked: at most
    :data:`MAX_PARTS` polygons and :data:`MAX_VERTICES` vertices, counted before any work."""
    geometries = _geometries(doc)
    parts = vertices = 0
    for geometry in geometries:
        n, rings = _count_rings(geometry)
        parts += n
        vertices += sum(len(ring) for ring in rings)
    if parts > MAX_PARTS:
        raise BadRequest(f"quá nhiều đa giác / too many polygons: {parts:,}; "
                         f"at most {MAX_PARTS} per request")
    if vertices > MAX_VERTICES:
        raise BadRequest(f"quá nhiều đỉnh / too many vertices: {vertices:,}; "
                         f"at most {MAX_VERTICES:,} per request")
    geoms = []
    for geometry in geometries:
        kind = geometry["type"]
        try:
            geom = shape(geometry)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError,
                shapely.errors.GEOSException) as exc:
            raise BadRequest(f"not a valid GeoJSON {kind}: {exc}") from None
        if geom.is_empty:
            raise BadRequest("the polygon is empty")
        if not geom.is_valid:
            raise BadRequest(f"the polygon is not valid: {shapely.is_valid_reason(geom)}")
        geoms.append(geom)
    return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)


def geojson_geometries(geoms) -> list[dict]:
    """GeoJSON geometries of an array of shapely geometries.

    Each is what ``shapely.geometry.mapping`` gives, with lists for its tuples (the same JSON),
    but the coordinates of the polygons are taken out of GEOS in bulk: ``mapping`` walks every
    ring in Python, which was a third of the time of a ``/api/parcels`` answer. Other
    geometries (points, lines, empty, 3D) go through ``mapping``.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = [None] * len(geoms)
    kinds = shapely.get_type_id(geoms)
    bulk = (np.isin(kinds, (3, 6)) & ~shapely.is_empty(geoms)  # Polygon, MultiPolygon
            & ~shapely.has_z(geoms))
    for i in np.flatnonzero(~bulk):
        out[i] = shapely.geometry.mapping(geoms[i])
    which = np.flatnonzero(bulk)
    parts, part_of = shapely.get_parts(geoms[which], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy = shapely.get_coordinates(rings).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(rings)).tolist()
    polygons = [[] for _ in range(len(parts))]
    start = 0
    for part, end in zip(ring_of.tolist(), ends):
        polygons[part].append(xy[start:end])
        start = end
    grouped = [[] for _ in range(len(which))]
    for geom, polygon in zip(part_of.tolist(), polygons):
        grouped[geom].append(polygon)
    for i, kind, polygon_list in zip(which.tolist(), kinds[which].tolist(), grouped):
        out[i] = ({"type": "Polygon", "coordinates": polygon_list[0]} if kind == 3
                  else {"type": "MultiPolygon", "coordinates": polygon_list})
    return out


def feature_collection(gdf, columns) -> dict:
    ll = crsmod.to_wgs84(gdf) if len(gdf) else gdf
    features = []
    geometries = geojson_geometries(shapely.set_precision(ll.geometry.values, 1e-7))
    for row, geometry in zip(records(pd.DataFrame(ll[columns])), geometries):
        features.append({"type": "Feature", "id": row.get(columns[0]), "properties": row,
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
