"""The answers of the JSON API as plain Python: parsed parameters and a store in, dicts out.

The web app's views only turn a request into these calls and the result into JSON. Bad
parameters raise :class:`BadRequest` (the web answers 400 with the message); unknown ids raise
:class:`NotFound` (404) (:mod:`landgis.params`). GeoJSON in and out is :mod:`landgis.geojson`,
finding by text :mod:`landgis.search`; this module is the facade the web app calls. What is
costly to build (the land fund of 100,000 parcels, the parcels in memory) is kept per version
of the store by :mod:`landgis.dataview` (each function takes ``views``, by default the
process's), so repeated questions are answered from memory.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from landgis import areas, crs as crsmod, search as _search
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, STATUS_FIELDS
from landgis.crs import vn2000_proj4
from landgis.geojson import (
    MAX_PARTS,
    MAX_VERTICES,
    feature_collection,
    geojson_geometries,
    polygon_from_geojson,
    records,
    scalar,
)
from landgis.dataview import views_of
from landgis.landfund import LandFund
from landgis.ledger import current_status
from landgis.params import (
    MAX_BBOX_DEG,
    BadRequest,
    NotFound,
    parse_bbox,
    parse_date,
    storage_bbox,
)
from landgis.parcel_index import PARCEL_COLUMNS, parcel_index

__all__ = [  # the API facade: what the web app and the scripts call
    "MAX_BBOX_DEG", "MAX_PARTS", "MAX_VERTICES", "PARCEL_COLUMNS", "PARCEL_FILTERS",
    "BadRequest", "NotFound", "area", "cached_land_fund", "map_layers", "parcel_detail",
    "parcel_index", "parcel_statuses", "parcels_in_bbox", "parse_bbox", "parse_date",
    "polygon_from_geojson", "search", "summary", "vn2000_proj4", "zones",
]


def cached_land_fund(store, views=None) -> LandFund:
    """The store's land fund with today's statuses, built once per store version (by
    ``views``, default the process's: :mod:`landgis.dataview`)."""
    return views_of(views).current(store).land_fund()


def summary(store, *, zones=(), communes=(), statuses=(), land_uses=(), as_of=None,
            views=None) -> dict:
    """The land-fund tables, filtered, as of a date."""
    as_of = parse_date(as_of)
    view = views_of(views).current(store)
    fund, ledger = view.land_fund_and_ledger()  # one version for both, whatever moves meanwhile
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
        fund = fund.at(ledger, as_of)
    fund = fund.filtered(zone=list(zones) or None, commune=list(communes) or None,
                         land_use=list(land_uses) or None, status=list(statuses) or None)
    return {
        "as_of": as_of,
        "crs": "EPSG:9216",
        "filters": {"zone": list(zones), "commune": list(communes), "status": list(statuses),
                    "land_use": list(land_uses)},
        "tables": {name: records(table) for name, table in fund.tables().items()},
    }


def area(store, geojson, *, max_parcels: int = 5000) -> dict:
    """Plane and ellipsoidal areas of a polygon drawn in WGS 84, and the parcels it touches."""
    geom = polygon_from_geojson(geojson)
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
        "parcels": records(touched.drop(columns="polygon").head(max_parcels)),
    }


# --------------------------------------------------------------------------- features

def zones(store) -> dict:
    """The zones as GeoJSON (WGS 84)."""
    z = store.read_layer("zones")
    columns = ["zone_code", "name_vi", "name_en", "kind", "phase", "decision_no",
               "decision_date", "planned_area_ha", "status", "source"]
    for c in columns:  # an optional column the imported file did not have: empty, not absent
        if c not in z:
            z[c] = None
    fc = feature_collection(z, columns)
    for feature, area in zip(fc["features"], shapely.area(np.asarray(z.geometry.values))):
        feature["properties"]["plane_area_ha"] = float(area) / 10_000
    return fc


#: The columns ``/api/parcels`` filters on besides the statuses.
PARCEL_FILTERS = ("zone_code", "commune_code", "land_use_code")


def _isin(values: np.ndarray, wanted) -> np.ndarray:
    """Which of ``values`` are ``wanted`` (np.isin sorts, which fails on None beside text)."""
    wanted = set(wanted)
    return np.fromiter((v in wanted for v in values), dtype=bool, count=len(values))


def parcels_in_bbox(store, bbox, *, filters=None, limit: int = 5000, views=None) -> dict:
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
    view = views_of(views).current(store)
    index, statuses = view.parcel_index(), view.parcel_statuses()
    hits = index.query(storage_bbox(box))
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
    for row, geometry in zip(rows, geojson_geometries(index.wgs84(hits))):
        features.append({"type": "Feature", "id": row[0], "properties": dict(zip(names, row)),
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features, "truncated": bool(truncated)}


def parcel_detail(store, parcel_id: str, *, views=None) -> dict:
    """One parcel with its areas, current statuses and full history."""
    found = store.read_layer("parcels", where={"parcel_id": str(parcel_id)})
    if found.empty:
        raise NotFound(f"no parcel {parcel_id!r}")
    table = areas.parcel_areas(found).iloc[0]
    ledger = views_of(views).current(store).ledger()
    history = ledger[ledger["parcel_id"] == str(parcel_id)]
    history = history.sort_values(["effective_date", "recorded_at", "event_id"])
    fc = feature_collection(found, PARCEL_COLUMNS)
    feature = fc["features"][0]
    now = current_status(history, [str(parcel_id)]).iloc[0]
    feature["properties"].update({
        "plane_area_m2": float(table["plane_area_m2"]),
        "ellipsoidal_area_m2": float(table["ellipsoidal_area_m2"]),
        "difference_m2": scalar(float(table["difference_m2"])),  # None: no legal area
        "beyond_tolerance": bool(table["beyond_tolerance"]),
        "status": {field: {"value": now[field],
                           "effective_date": scalar(now[f"{field}_date"]),
                           "document_no": scalar(now[f"{field}_document"])}
                   for field in ("clearance_status", "auction_status")},
        "history": records(history[["event_id", "field", "value", "effective_date",
                                     "document_no", "document_date", "note", "recorded_by",
                                     "recorded_at"]]),
    })
    b = crsmod.to_wgs84(found).total_bounds
    feature["bbox"] = [float(v) for v in b]
    return feature


def search(store, q: str, *, limit: int = 20, views=None) -> dict:
    """Parcels by "tờ 12 thửa 345", "12/345" or a parcel_id; zones by code or name
    (:mod:`landgis.search`)."""
    return _search.search(store, cached_land_fund(store, views), q, limit=limit)


def map_layers(store) -> dict:
    """The small layers the page embeds (GeoJSON, WGS 84) and the extent of the data (the
    projects come with their progress: :mod:`landgis.progress.geo`)."""
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
        plots_fc = feature_collection(plots, ["plot_code", "zone_code", "function",
                                               "function_vi", "lease_status", "lease_status_vi",
                                               "tenant", "max_coverage_pct", "max_height_m"])
    bounds = crsmod.to_wgs84(store.read_layer("zones")).total_bounds
    return {"zones": zone_fc, "zoning_plots": plots_fc,
            "bounds": [float(v) for v in bounds], "vn2000": vn2000_proj4()}


# --------------------------------------------------------------------------- statuses by box

def parcel_statuses(store, bbox, *, max_parcels: int = 5000, views=None) -> dict:
    """Today's clearance and auction status of the parcels meeting a WGS 84 box, by parcel id.

    For clients that know parcels by id; the page colours its tiles from the status snapshot
    (:mod:`landgis.status_snapshot`, keyed by the tiles' ``k``) instead. The box is checked by :func:`parse_bbox` (at most :data:`MAX_BBOX_DEG` a
    side); the parcels are those whose bounding box meets it, found in the tiles' in-memory index
    (:meth:`landgis.dataview.DataView.layer_index`, kept per version of the parcels layer, so a ledger
    append costs no re-read of the geometry), at most ``max_parcels`` (in layer order).
    ``{"parcels": {parcel_id: [clearance_status, auction_status]}, "truncated": bool}``.
    """
    w, s, e, n = parse_bbox(bbox)
    view = views_of(views).current(store)
    index = view.layer_index("parcels")
    if index is None:
        return {"parcels": {}, "truncated": False}
    s, n = max(s, -85.05), min(n, 85.05)  # the Web Mercator square
    xs, ys = crsmod.transformer(crsmod.WGS84, crsmod.WEB_MERCATOR).transform([w, e], [s, n])
    hits = index.query(xs[0], ys[0], xs[1], ys[1], exact=False)
    along = view.statuses_along(index)
    clearance, auction = along["clearance_status"], along["auction_status"]
    hits = hits[(clearance[hits] != None) | (auction[hits] != None)]  # noqa: E711 - elementwise
    truncated = len(hits) > max_parcels
    hits = hits[:max_parcels]
    ids = np.asarray(index.keys, dtype=object)[hits].tolist()
    return {"parcels": dict(zip(ids, map(list, zip(clearance[hits].tolist(),
                                                   auction[hits].tolist())))),
            "truncated": bool(truncated)}
