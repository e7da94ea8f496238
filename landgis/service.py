"""The answers of the JSON API as plain Python: parsed parameters and a store in, dicts out.

The web app's views only turn a request into these calls and the result into JSON. Bad
parameters raise :class:`BadRequest` (the web answers 400 with the message); unknown ids raise
:class:`NotFound` (404). What is costly to build (the land fund of 100,000 parcels) is kept per
data version of the store, so repeated questions are answered from memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from landgis import areas, crs as crsmod
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS
from landgis.landfund import LandFund, load_land_fund


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
    if text in (None, ""):
        return None
    try:
        return pd.Timestamp(str(text)).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        raise BadRequest(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


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


def _polygon_from_geojson(doc) -> shapely.Geometry:
    if not isinstance(doc, dict):
        raise BadRequest("send a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        geoms = [_polygon_from_geojson(f) for f in doc.get("features") or []]
        if not geoms:
            raise BadRequest("the FeatureCollection has no features")
        return shapely.union_all(geoms)
    if kind == "Feature":
        return _polygon_from_geojson(doc.get("geometry"))
    if kind not in ("Polygon", "MultiPolygon"):
        raise BadRequest(f"geometry type {kind!r}: send a Polygon or MultiPolygon")
    try:
        geom = shape(doc)
    except (KeyError, TypeError, ValueError, IndexError, shapely.errors.GEOSException) as exc:
        raise BadRequest(f"not a valid GeoJSON {kind}: {exc}") from None
    if geom.is_empty:
        raise BadRequest("the polygon is empty")
    if not geom.is_valid:
        raise BadRequest(f"the polygon is not valid: {shapely.is_valid_reason(geom)}")
    return geom


def area(store, geojson, *, max_parcels: int = 5000) -> dict:
    """Plane and ellipsoidal areas of a polygon drawn in WGS 84, and the parcels it touches."""
    geom = _polygon_from_geojson(geojson)
    xy = shapely.get_coordinates(geom)
    try:
        crsmod.check_coordinates(xy[:, 0], xy[:, 1], crsmod.WGS84)
    except crsmod.CoordinateError as exc:
        raise BadRequest(f"coordinates must be WGS 84 longitude/latitude: {exc}") from None
    drawn = gpd.GeoDataFrame(geometry=[geom], crs=crsmod.WGS84)
    bounds = tuple(crsmod.to_storage(drawn).total_bounds)
    parcels = store.read_layer("parcels", bbox=bounds,
                               columns=["parcel_id", "zone_code", "land_use_code",
                                        "legal_area_m2"])
    table, touched = areas.polygon_areas(drawn, parcels)
    row = table.iloc[0]
    info = parcels.set_index("parcel_id")[["zone_code", "land_use_code"]]
    touched = touched.join(info, on="parcel_id").sort_values("overlap_m2", ascending=False)
    return {
        "crs": "EPSG:9216",
        "plane_area_m2": float(row["plane_area_m2"]),
        "ellipsoidal_area_m2": float(row["ellipsoidal_area_m2"]),
        "parcel_count": int(len(touched)),
        "truncated": bool(len(touched) > max_parcels),
        "parcels": _records(touched.drop(columns="polygon").head(max_parcels)),
    }
