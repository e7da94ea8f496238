"""The collections and their items: what each layer holds, cut into pages in memory.

A collection is read once per store version into a :class:`Frame` (keys, storage-plane
geometries in an STRtree, properties as JSON values), kept by
:meth:`landgis.dataview.DataView.derived`. The parcels' statuses (and the investments' state)
depend on the date asked for; they are computed per date and kept the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.contract import STATUS_FIELDS
from landgis.geojson import geojson_geometries
from landgis.ogc import DEFAULT_LIMIT, MAX_LIMIT, BadRequest, NotFound
from landgis.ogc import crsparams
from landgis.params import parse_date

#: id -> (key column, Vietnamese title, English title, store layer)
COLLECTIONS = {
    "zones": ("zone_code", "Khu kinh tế, khu công nghiệp", "Economic and industrial zones"),
    "zoning_plots": ("plot_code", "Lô quy hoạch", "Zoning plots"),
    "parcels": ("parcel_id", "Thửa đất (trạng thái GPMB, đấu giá)",
                "Parcels (clearance and auction status)"),
    "projects": ("project_code", "Dự án đầu tư công", "Public investment projects"),
    "investments": ("investment_id", "Dự án của nhà đầu tư (vẽ trên lô, thửa)",
                    "Investor projects (drawn on their plots and parcels)"),
}
#: collections whose properties change with the date asked for (``datetime`` / ``as_of``)
DATED = ("parcels", "investments")
#: query parameters that are not property filters
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "as_of", "api_key"}


def _json(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, dict, np.ndarray)):
        return ", ".join(str(v) for v in value) if not isinstance(value, dict) else str(value)
    return value


def _column(series: pd.Series) -> np.ndarray:
    out = np.empty(len(series), dtype=object)
    out[:] = [_json(v) for v in series.astype(object).tolist()]
    return out


@dataclass(frozen=True)
class Frame:
    """One collection in memory: ``keys``, ``geoms`` (storage plane), ``props`` (name ->
    object array of JSON values), an STRtree, the CRS84 extent."""

    name: str
    keys: np.ndarray
    geoms: np.ndarray
    props: dict
    tree: shapely.STRtree
    extent: list | None

    @property
    def nbytes(self) -> int:
        coords = int(shapely.get_num_coordinates(self.geoms).sum())
        return coords * 16 + 120 * len(self.keys) * (1 + len(self.props))

    def with_props(self, extra: dict) -> "Frame":
        return replace(self, props={**self.props, **extra})


def _frame(name: str, keys, geoms, props: dict) -> Frame:
    geoms = np.asarray(geoms, dtype=object)
    keys = np.asarray([str(k) for k in keys], dtype=object)
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    extent = None
    if len(present):
        box = shapely.segmentize(shapely.box(*shapely.total_bounds(present)), 500.0)
        extent = [float(v) for v in shapely.bounds(
            crsmod.transform_geometries([box], crsmod.STORAGE_CRS, crsmod.WGS84)[0])]
    return Frame(name, keys, geoms, props, shapely.STRtree(geoms), extent)


def available(store) -> list[str]:
    """The collections this store holds, in :data:`COLLECTIONS` order."""
    layers = set(store.layers())
    return [c for c in COLLECTIONS if c in layers]


def _layer_frame(view, name: str) -> Frame:
    gdf = crsmod.to_storage(view.store.read_layer(name))
    key = COLLECTIONS[name][0]
    props = {c: _column(gdf[c]) for c in gdf.columns if c != gdf.geometry.name}
    return _frame(name, gdf[key], gdf.geometry.values, props)


def _investments_frame(view, day: str, rules_file) -> Frame:
    book = view.progress_book(rules_file)
    shapes = view.progress_shapes(book)
    table = book.investments(day).drop(columns=["flag_details"], errors="ignore")
    geom = dict(zip(shapes.investments["investment_id"].astype(str),
                    shapes.investments.geometry.values))
    keys = table["investment_id"].astype(str).to_numpy()
    props = {c: _column(table[c]) for c in table.columns}
    return _frame("investments", keys, [geom.get(k) for k in keys], props)


def parse_day(as_of: str | None, datetime: str | None) -> str | None:
    """The date the statuses are read at: ``as_of`` (dd/mm/yyyy or ISO) or ``datetime`` (an
    instant, RFC 3339 date or date-time); None for today. An interval is refused: a status
    has one value on a day."""
    day = parse_date(as_of) if as_of else None
    if datetime:
        text = datetime.strip()
        if "/" in text:
            raise BadRequest(f"datetime {text[:100]!r}: chỉ một thời điểm / only an instant "
                             "(a date or a date-time): the statuses as of that day")
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[Tt ][0-9:.]+(?:[Zz]|[+-]\d{2}:?\d{2})?)?",
                         text)
        if not m:
            raise BadRequest(f"datetime {text[:100]!r}: không phải ngày / not an RFC 3339 "
                             "date or date-time")
        other = parse_date(m.group(1), "datetime")
        if day is not None and day != other:
            raise BadRequest(f"as_of {as_of!r} và datetime {datetime!r} khác nhau / differ")
        day = other
    return day


def frame(view, name: str, day: str | None = None, rules_file=None) -> Frame:
    """The collection ``name`` of ``view``; parcels with their statuses as of ``day``."""
    if name not in COLLECTIONS or name not in view.store.layers():
        raise NotFound(f"không có lớp / no collection {name!r}; collections: "
                       f"{', '.join(available(view.store))}")
    if name == "investments":
        from landgis.progress.book import as_of_date

        day = as_of_date(day)
        return view.derived(f"ogc:investments:{day}:{rules_file}",
                            lambda: _investments_frame(view, day, rules_file))
    from landgis.tiles.layers import LAYERS

    if name in LAYERS:  # kept while the layer is unchanged: a status edit re-reads nothing
        base = view.cache.get_or_build((view.url, view.token, "ogc", name),
                                       lambda: _layer_frame(view, name))
    else:
        base = view.derived(f"ogc:{name}", lambda: _layer_frame(view, name))
    if name != "parcels":
        return base

    def statuses():
        from landgis.parcel_index import align_statuses

        fund = view.land_fund()
        if day is not None:
            fund = fund.at(view.ledger(), day)
        return {f: v for f, v in align_statuses(fund, base.keys).items()}

    return base.with_props(view.derived(f"ogc:parcels:status:{day}", statuses))


def parse_limit(text: str | None) -> tuple[int, bool]:
    """``(limit, capped)``: :data:`DEFAULT_LIMIT` for none, at most :data:`MAX_LIMIT`."""
    if text is None or text == "":
        return DEFAULT_LIMIT, False
    try:
        n = int(text)
    except ValueError:
        raise BadRequest(f"limit {text[:50]!r}: không phải số nguyên / not an integer") from None
    if n < 1:
        raise BadRequest(f"limit {n}: ít nhất 1 / at least 1 (at most {MAX_LIMIT})")
    return min(n, MAX_LIMIT), n > MAX_LIMIT


def parse_offset(text: str | None) -> int:
    if text is None or text == "":
        return 0
    try:
        n = int(text)
    except ValueError:
        raise BadRequest(f"offset {text[:50]!r}: không phải số nguyên / not an integer") from None
    if n < 0:
        raise BadRequest(f"offset {n}: không âm / not negative")
    return n


def _feature(fr: Frame, i: int, geometry) -> dict:
    return {"type": "Feature", "id": fr.keys[i],
            "properties": {c: v[i] for c, v in fr.props.items()}, "geometry": geometry}


def _geometries(fr: Frame, positions, crs_uri: str) -> list:
    geoms = fr.geoms[positions]
    out = [None] * len(positions)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(ok):
        for i, g in zip(ok.tolist(), geojson_geometries(crsparams.from_storage(geoms[ok],
                                                                               crs_uri))):
            out[i] = g
    return out


def items(view, name: str, args: dict, rules_file=None) -> dict:
    """A page of collection ``name``: ``args`` are the request's query parameters (one value
    each). Returns the FeatureCollection (without links) and, under ``_page``, what the web
    layer needs for its links and headers (crs, limit, offset, next and prev offsets)."""
    crs_uri = crsparams.parse_crs(args.get("crs"))
    limit, capped = parse_limit(args.get("limit"))
    offset = parse_offset(args.get("offset"))
    box = crsparams.parse_bbox(args.get("bbox"), args.get("bbox-crs"))
    day = parse_day(args.get("as_of"), args.get("datetime")) if name in DATED else None
    fr = frame(view, name, day, rules_file)
    filters = {k: v for k, v in args.items() if k not in RESERVED}
    unknown = sorted(set(filters) - set(fr.props))
    if unknown:
        raise BadRequest(f"tham số không rõ / unknown parameter(s) {', '.join(unknown)}; "
                         f"properties: {', '.join(fr.props)}")
    if box is None:
        hits = np.arange(len(fr.keys))
    else:
        hits = np.sort(fr.tree.query(box, predicate="intersects"))
    for field, wanted in filters.items():
        if field in STATUS_FIELDS and wanted not in STATUS_FIELDS[field]:
            raise BadRequest(f"{field}: giá trị không rõ / unknown value {wanted[:100]!r}; "
                             f"allowed: {', '.join(STATUS_FIELDS[field].codes)}")
        values = fr.props[field][hits]
        hits = hits[np.fromiter((v is not None and str(v) == wanted for v in values),
                                dtype=bool, count=len(values))]
    page = hits[offset:offset + limit]
    features = [_feature(fr, i, g) for i, g in zip(page.tolist(),
                                                   _geometries(fr, page, crs_uri))]
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    out = {"type": "FeatureCollection", "features": features,
           "numberMatched": int(len(hits)), "numberReturned": len(features),
           "timeStamp": stamp.replace("+00:00", "Z")}
    if name in DATED:
        out["as_of"] = day or dt.date.today().isoformat()
    out["_page"] = {"crs": crs_uri, "limit": limit, "capped": capped, "offset": offset,
                    "next": offset + limit if offset + limit < len(hits) else None,
                    "prev": max(offset - limit, 0) if offset > 0 else None}
    return out


def item(view, name: str, fid: str, args: dict, rules_file=None) -> dict:
    """One feature by its key (404 for none)."""
    crs_uri = crsparams.parse_crs(args.get("crs"))
    day = parse_day(args.get("as_of"), args.get("datetime")) if name in DATED else None
    fr = frame(view, name, day, rules_file)
    where = np.flatnonzero(fr.keys == str(fid))
    if not len(where):
        raise NotFound(f"không có / no feature {fid[:200]!r} in {name}")
    i = int(where[0])
    feature = _feature(fr, i, _geometries(fr, np.array([i]), crs_uri)[0])
    feature["_page"] = {"crs": crs_uri}
    return feature


def _json_type(values: np.ndarray) -> str:
    seen = {type(v) for v in values.tolist() if v is not None}
    if seen and seen <= {int, bool} and bool not in seen:
        return "integer"
    if seen and seen <= {int, float}:
        return "number"
    return "string"


def schema(view, name: str, base: str) -> dict:
    """A JSON Schema of the collection's properties (the ``describedby`` link): GDAL and QGIS
    take field types from it instead of guessing them from the first page (GDAL 3.6 does not:
    it guesses from the first page, and read the parcel id ``23296-1-1`` as a date unless its
    configuration option OGR_GEOJSON_DATE_AS_STRING is set)."""
    fr = frame(view, name)
    props = {c: {"type": _json_type(v), "title": c} for c, v in fr.props.items()}
    if name == "parcels":
        for field in STATUS_FIELDS:
            props[field] = {"type": "string", "title": field,
                            "enum": list(STATUS_FIELDS[field].codes)}
    return {"$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": f"{base}/collections/{name}/schema", "type": "object",
            "title": COLLECTIONS[name][2], "properties": props}

