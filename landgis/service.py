"""The answers of the JSON API as plain Python: parsed parameters and a store in, dicts out.

The web app's views only turn a request into these calls and the result into JSON. Bad
parameters raise :class:`BadRequest` (the web answers 400 with the message); unknown ids raise
:class:`NotFound` (404). What is costly to build (the land fund of 100,000 parcels) is kept per
data version of the store, so repeated questions are answered from memory.
"""

from __future__ import annotations

import re
import threading
import warnings
import weakref
from collections import OrderedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from landgis import areas, crs as crsmod, tiles
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, STATUS_FIELDS
from landgis.dates import DateError, iso_date
from landgis.landfund import LandFund, load_land_fund
from landgis.ledger import current_status
from landgis.parcel_index import PARCEL_COLUMNS, align_statuses, parcel_index
from landgis.text import fold


class BadRequest(ValueError):
    """Parameters that cannot be answered; the message says why."""


class NotFound(LookupError):
    """An id that names nothing."""


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 4


def cached_land_fund(store) -> LandFund:
    """The store's land fund with today's statuses, built once per data version."""
    key = (store.url, store.version())
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key][0]
    fund = load_land_fund(store)
    events = store.read_layer("status_events")
    with _cache_lock:
        _cache[key] = (fund, events)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return fund


def _ledger(store) -> pd.DataFrame:
    cached_land_fund(store)
    with _cache_lock:
        return _cache[(store.url, store.version())][1]


def parse_date(text: str | None, name: str = "as_of") -> str | None:
    """``YYYY-MM-DD`` for a date written as :mod:`landgis.dates` reads it (day first), None
    for none; BadRequest saying the formats wanted otherwise."""
    try:
        return iso_date(text, name, required=False)
    except DateError as exc:
        raise BadRequest(str(exc)) from None


def _scalar(value):
    """A JSON-safe scalar: None for missing values, Python numbers for numpy ones."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def _records(df: pd.DataFrame) -> list[dict]:
    out = df.astype(object).where(df.notna(), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in out.to_dict(orient="records")]


def summary(store, *, zones=(), communes=(), statuses=(), land_uses=(), as_of=None) -> dict:
    """The land-fund tables, filtered, as of a date."""
    as_of = parse_date(as_of)
    fund = cached_land_fund(store)
    known_zones = set(fund.parcels["zone_code"].cat.categories)
    unknown = sorted(set(zones) - known_zones)
    if unknown:
        raise BadRequest(f"unknown zone(s) {', '.join(unknown)}; zones: "
                         f"{', '.join(sorted(known_zones))}")
    allowed = set(CLEARANCE_STATUS.codes) | set(AUCTION_STATUS.codes)
    bad = sorted(set(statuses) - allowed)
    if bad:
        raise BadRequest(f"unknown status(es) {', '.join(bad)}; allowed: "
                         f"{', '.join(sorted(allowed))}")
    if as_of is not None:
        fund = fund.at(_ledger(store), as_of)
    fund = fund.filtered(zone=list(zones) or None, commune=list(communes) or None,
                         land_use=list(land_uses) or None, status=list(statuses) or None)
    return {
        "as_of": as_of,
        "crs": "EPSG:9216",
        "filters": {"zone": list(zones), "commune": list(communes), "status": list(statuses),
                    "land_use": list(land_uses)},
        "tables": {name: _records(table) for name, table in fund.tables().items()},
    }


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


def _polygon_from_geojson(doc) -> shapely.Geometry:
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


def area(store, geojson, *, max_parcels: int = 5000) -> dict:
    """Plane and ellipsoidal areas of a polygon drawn in WGS 84, and the parcels it touches."""
    geom = _polygon_from_geojson(geojson)
    xy = shapely.get_coordinates(geom)
    try:
        crsmod.check_coordinates(xy[:, 0], xy[:, 1], crsmod.WGS84)
    except crsmod.CoordinateError as exc:
        raise BadRequest(f"coordinates must be WGS 84 longitude/latitude: {exc}") from None
    drawn = gpd.GeoDataFrame(geometry=[geom], crs=crsmod.WGS84)
    table, touched = areas.polygon_report(store, drawn, columns=("zone_code", "land_use_code"))
    row = table.iloc[0]
    touched = touched.sort_values("overlap_m2", ascending=False)
    return {
        "crs": "EPSG:9216",
        "plane_area_m2": float(row["plane_area_m2"]),
        "ellipsoidal_area_m2": float(row["ellipsoidal_area_m2"]),
        "parcel_count": int(len(touched)),
        "truncated": bool(len(touched) > max_parcels),
        "parcels": _records(touched.drop(columns="polygon").head(max_parcels)),
    }


# --------------------------------------------------------------------------- features

MAX_BBOX_DEG = 0.25  # a bbox request covers at most about 27 km × 27 km


def parse_bbox(text: str | None, *, max_deg: float = MAX_BBOX_DEG) -> tuple[float, ...]:
    """``minlon,minlat,maxlon,maxlat`` in WGS 84, checked."""
    if not text:
        raise BadRequest("bbox is required: minlon,minlat,maxlon,maxlat (WGS 84)")
    try:
        box = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        raise BadRequest(f"bbox {text!r}: four numbers separated by commas") from None
    if len(box) != 4 or not all(np.isfinite(box)):
        raise BadRequest(f"bbox {text!r}: four numbers separated by commas")
    w, s, e, n = box
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise BadRequest(f"bbox {text!r}: not minlon,minlat,maxlon,maxlat in degrees")
    if e - w > max_deg or n - s > max_deg:
        raise BadRequest(f"bbox {text!r}: larger than {max_deg}° × {max_deg}°; zoom in")
    return box


def _storage_bbox(box) -> tuple[float, float, float, float]:
    w, s, e, n = box
    t = crsmod.transformer(crsmod.WGS84, crsmod.STORAGE_CRS)
    xs, ys = t.transform([w, e, w, e], [s, s, n, n])
    return min(xs), min(ys), max(xs), max(ys)


def _geojson_geometries(geoms) -> list[dict]:
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


def _feature_collection(gdf, columns) -> dict:
    ll = crsmod.to_wgs84(gdf) if len(gdf) else gdf
    features = []
    geometries = _geojson_geometries(shapely.set_precision(ll.geometry.values, 1e-7))
    for row, geometry in zip(_records(pd.DataFrame(ll[columns])), geometries):
        features.append({"type": "Feature", "id": row.get(columns[0]), "properties": row,
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def zones(store) -> dict:
    """The zones as GeoJSON (WGS 84)."""
    z = store.read_layer("zones")
    columns = ["zone_code", "name_vi", "name_en", "kind", "phase", "decision_no",
               "decision_date", "planned_area_ha", "status", "source"]
    for c in columns:  # an optional column the imported file did not have: empty, not absent
        if c not in z:
            z[c] = None
    fc = _feature_collection(z, columns)
    for feature, area in zip(fc["features"], shapely.area(np.asarray(z.geometry.values))):
        feature["properties"]["plane_area_ha"] = float(area) / 10_000
    return fc


#: The columns ``/api/parcels`` filters on besides the statuses.
PARCEL_FILTERS = ("zone_code", "commune_code", "land_use_code")


def _isin(values: np.ndarray, wanted) -> np.ndarray:
    """Which of ``values`` are ``wanted`` (np.isin sorts, which fails on None beside text)."""
    wanted = set(wanted)
    return np.fromiter((v in wanted for v in values), dtype=bool, count=len(values))


def parcels_in_bbox(store, bbox, *, filters=None, limit: int = 5000) -> dict:
    """Parcels in a WGS 84 bbox as GeoJSON, with current statuses, optionally filtered.

    The parcels are those whose geometry meets the box, in layer order, at most ``limit``;
    they come from the in-memory :func:`parcel_index` and the statuses from the cached land
    fund, so a warm request reads nothing from the store.
    """
    box = parse_bbox(bbox)
    filters = {k: v for k, v in (filters or {}).items() if v}
    for field, values in filters.items():
        if field in STATUS_FIELDS:
            bad = [v for v in values if v not in STATUS_FIELDS[field]]
            if bad:
                raise BadRequest(f"{field}: unknown value(s) {', '.join(bad)}; allowed: "
                                 f"{', '.join(STATUS_FIELDS[field].codes)}")
    index = parcel_index(store)
    statuses = index.statuses(cached_land_fund(store))
    hits = index.query(_storage_bbox(box))
    for field in (*PARCEL_FILTERS, *STATUS_FIELDS):
        if filters.get(field):
            values = index.columns[field] if field in index.columns else statuses[field]
            hits = hits[_isin(values[hits], filters[field])]
    truncated = len(hits) > limit
    hits = hits[:limit]
    names = PARCEL_COLUMNS + list(STATUS_FIELDS)
    rows = zip(*[index.columns[c][hits].tolist() for c in PARCEL_COLUMNS],
               *[statuses[f][hits].tolist() for f in STATUS_FIELDS])
    features = []
    for row, geometry in zip(rows, _geojson_geometries(index.wgs84(hits))):
        features.append({"type": "Feature", "id": row[0], "properties": dict(zip(names, row)),
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features, "truncated": bool(truncated)}


def parcel_detail(store, parcel_id: str) -> dict:
    """One parcel with its areas, current statuses and full history."""
    found = store.read_layer("parcels", where={"parcel_id": str(parcel_id)})
    if found.empty:
        raise NotFound(f"no parcel {parcel_id!r}")
    table = areas.parcel_areas(found).iloc[0]
    ledger = _ledger(store)
    history = ledger[ledger["parcel_id"] == str(parcel_id)]
    history = history.sort_values(["effective_date", "recorded_at", "event_id"])
    fc = _feature_collection(found, PARCEL_COLUMNS)
    feature = fc["features"][0]
    now = current_status(history, [str(parcel_id)]).iloc[0]
    feature["properties"].update({
        "plane_area_m2": float(table["plane_area_m2"]),
        "ellipsoidal_area_m2": float(table["ellipsoidal_area_m2"]),
        "difference_m2": _scalar(float(table["difference_m2"])),  # None: no legal area
        "beyond_tolerance": bool(table["beyond_tolerance"]),
        "status": {field: {"value": now[field],
                           "effective_date": _scalar(now[f"{field}_date"]),
                           "document_no": _scalar(now[f"{field}_document"])}
                   for field in ("clearance_status", "auction_status")},
        "history": _records(history[["event_id", "field", "value", "effective_date",
                                     "document_no", "document_date", "note", "recorded_by",
                                     "recorded_at"]]),
    })
    b = crsmod.to_wgs84(found).total_bounds
    feature["bbox"] = [float(v) for v in b]
    return feature


_SHEET_PARCEL = re.compile(
    r"^\s*(?:t[ờo]\s*(?:b[aả]n\s*đ[ồo]\s*)?(?:s[ốo]\s*)?)?(\d+)\s*"
    r"(?:[,;/\-\s]\s*|\s*th[ửu]a\s*(?:s[ốo]\s*)?)(\d+)\s*$", re.IGNORECASE)


def search(store, q: str, *, limit: int = 20) -> dict:
    """Parcels by "tờ 12 thửa 345", "12/345" or a parcel_id; zones by code or name."""
    text = " ".join(str(q or "").split())
    if not text:
        raise BadRequest("q is required: e.g. 'tờ 12 thửa 345', a parcel id or a zone")
    if len(text) > 100:
        raise BadRequest("q is too long")
    fund = cached_land_fund(store)
    parcels = fund.parcels
    hits = pd.Series(False, index=parcels.index)
    m = _SHEET_PARCEL.match(text)
    ids = parcels["parcel_id"].astype(str)
    if m:
        sheet, number = m.group(1), m.group(2)
        hits |= ids.str.endswith(f"-{sheet}-{number}")
    hits |= ids.str.upper() == text.upper()
    matched = parcels[hits].head(limit)
    results = []
    if len(matched):
        geo = store.read_layer("parcels", where={"parcel_id": list(matched["parcel_id"])})
        ll = crsmod.to_wgs84(geo)
        for row, geom in zip(_records(pd.DataFrame(ll[["parcel_id", "commune_name",
                                                          "sheet_no", "parcel_no",
                                                          "zone_code"]])), ll.geometry):
            results.append({"kind": "parcel", "id": row["parcel_id"],
                            "label": f"Tờ {row['sheet_no']} thửa {row['parcel_no']}, "
                                     f"{row['commune_name']}",
                            "bbox": [float(v) for v in geom.bounds]})
    z = store.read_layer("zones")
    key = fold(text)
    for row, geom in zip(_records(pd.DataFrame(z[["zone_code", "name_vi"]])),
                         crsmod.to_wgs84(z).geometry):
        if key and (key in fold(row["zone_code"]) or key in fold(row["name_vi"])):
            results.append({"kind": "zone", "id": row["zone_code"], "label": row["name_vi"],
                            "bbox": [float(v) for v in geom.bounds]})
    return {"q": text, "results": results[:limit]}


def vn2000_proj4() -> str:
    """A PROJ/proj4js string for the storage plane with the pinned datum shift as +towgs84.

    +towgs84 uses the position-vector convention while EPSG:6960 is given in coordinate-frame
    rotation, so the three rotations change sign here (the trap of the published strings).
    """
    from pyproj.crs import CoordinateOperation

    op = CoordinateOperation.from_epsg(crsmod.VN2000_TO_WGS84_EPSG)
    values = {p.name: p.value for p in op.params}
    towgs84 = [values["X-axis translation"], values["Y-axis translation"],
               values["Z-axis translation"], -values["X-axis rotation"],
               -values["Y-axis rotation"], -values["Z-axis rotation"],
               values["Scale difference"]]
    with warnings.catch_warnings():  # the PROJ string is for proj4js, which needs no more
        warnings.simplefilter("ignore", UserWarning)
        plane = crsmod.STORAGE_CRS.to_proj4().replace(" +type=crs", "")
    return plane + " +towgs84=" + ",".join(repr(float(v)) for v in towgs84)


def map_layers(store) -> dict:
    """The small layers the page embeds (GeoJSON, WGS 84) and the extent of the data."""
    from landgis.contract import LEASE_STATUS, PLAN_FUNCTION

    layers = store.layers()
    zone_fc = zones(store)
    empty = {"type": "FeatureCollection", "features": []}
    plots_fc = empty
    if "zoning_plots" in layers:
        plots = store.read_layer("zoning_plots")
        plots["function_vi"] = plots["function"].map(lambda f: PLAN_FUNCTION.label(f))
        plots["lease_status_vi"] = plots["lease_status"].map(
            lambda v: LEASE_STATUS.label(v) if v in LEASE_STATUS else "")
        plots_fc = _feature_collection(plots, ["plot_code", "zone_code", "function",
                                               "function_vi", "lease_status", "lease_status_vi",
                                               "tenant", "max_coverage_pct", "max_height_m"])
    projects_fc = empty
    if "projects" in layers:
        projects = store.read_layer("projects")
        projects_fc = _feature_collection(projects, ["project_code", "name_vi", "kind",
                                                     "zone_code"])
    bounds = crsmod.to_wgs84(store.read_layer("zones")).total_bounds
    return {"zones": zone_fc, "zoning_plots": plots_fc, "projects": projects_fc,
            "bounds": [float(v) for v in bounds], "vn2000": vn2000_proj4()}


# --------------------------------------------------------------------------- statuses by box

_aligned: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_aligned_lock = threading.Lock()


def statuses_along(fund: LandFund, index) -> dict[str, np.ndarray]:
    """:func:`align_statuses` for the features of the parcels' tile index, computed once per
    land fund and index (the status snapshot and ``/api/status`` ask for it on every
    request)."""
    with _aligned_lock:
        found = _aligned.get(fund)
        if found is not None and found[0] == (index.token, len(index)):
            return found[1]
    columns = align_statuses(fund, index.keys)
    with _aligned_lock:
        _aligned[fund] = ((index.token, len(index)), columns)
    return columns


def parcel_statuses(store, bbox, *, max_parcels: int = 5000) -> dict:
    """Today's clearance and auction status of the parcels meeting a WGS 84 box, by parcel id.

    For clients that know parcels by id; the page colours its tiles from the status snapshot
    (:mod:`landgis.status_snapshot`, keyed by the tiles' ``k``) instead. The box is checked by :func:`parse_bbox` (at most :data:`MAX_BBOX_DEG` a side); the parcels are
    those whose bounding box meets it, found in the tiles' in-memory index
    (:func:`landgis.tiles.layer_index`, kept per version of the parcels layer, so a ledger
    append costs no re-read of the geometry), at most ``max_parcels`` (in layer order).
    ``{"parcels": {parcel_id: [clearance_status, auction_status]}, "truncated": bool}``.
    """
    w, s, e, n = parse_bbox(bbox)
    index = tiles.layer_index(store, "parcels")
    if index is None:
        return {"parcels": {}, "truncated": False}
    s, n = max(s, -85.05), min(n, 85.05)  # the Web Mercator square
    xs, ys = crsmod.transformer(crsmod.WGS84, crsmod.WEB_MERCATOR).transform([w, e], [s, n])
    hits = index.query(xs[0], ys[0], xs[1], ys[1], exact=False)
    along = statuses_along(cached_land_fund(store), index)
    clearance, auction = along["clearance_status"], along["auction_status"]
    hits = hits[(clearance[hits] != None) | (auction[hits] != None)]  # noqa: E711 - elementwise
    truncated = len(hits) > max_parcels
    hits = hits[:max_parcels]
    ids = np.asarray(index.keys, dtype=object)[hits].tolist()
    return {"parcels": dict(zip(ids, map(list, zip(clearance[hits].tolist(),
                                                   auction[hits].tolist())))),
            "truncated": bool(truncated)}
