"""Investments and public investment projects on the map, as of a date: GeoJSON in WGS 84.

An investment is drawn on the land it occupies: the union of the zoning plots and parcels its
register row links by code (``plot_codes``, ``parcel_ids``), read from those layers, never
copied into the register. A code the layers no longer hold is named in the feature
(``missing_codes``); an investment none of whose codes is found has no geometry. A public
investment project is drawn with the geometry of the ``projects`` layer (a point or a polygon).

What is costly is built once per version of the store (:class:`MapShapes`, kept by
:meth:`landgis.dataview.DataView.progress_shapes`, beside the progress book): the unions on the
VN-2000 plane (EPSG:9216, where their areas are taken), their GeoJSON in WGS 84 through the
pinned datum shift (:mod:`landgis.crs`), and a point inside each for its label. The figures of a
date are the progress book's (:mod:`landgis.progress.book`), replayed for each answer.

:func:`map_investments` and :func:`map_projects` are the core functions behind
``/api/map/investments`` and ``/api/map/projects``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import contract
from landgis import crs as crsmod
from landgis.geojson import geojson_geometries
from landgis.params import BadRequest, parse_date
from landgis.progress.book import _ORDER, ProgressBook, _split, as_of_date, \
    investment_milestones
from landgis.progress.tables import json_records

#: How many of a subject's latest events a feature carries (its full history has its own
#: endpoint).
MAP_EVENTS = 5

#: The columns of an event on the map.
EVENT_FIELDS = ["event_id", "kind", "effective_date", "milestone", "planned_date", "year",
                "source", "amount_vnd", "base_vnd", "party", "result", "flags", "document_no",
                "document_date", "note", "corrects_event_id", "corrected"]

_PRECISION = 1e-7  # degrees, about 1 cm: as every GeoJSON answer of the API


def _empty_shapes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": pd.Series(dtype=object)}, geometry=[], crs=crsmod.STORAGE_CRS)


def _read_by_code(store, layer: str, key: str, codes) -> gpd.GeoDataFrame:
    """The features of ``layer`` whose ``key`` is one of ``codes`` (EPSG:9216), as ``code`` and
    geometry; none when the store lacks the layer or nothing is asked for."""
    codes = sorted(set(codes))
    if not codes or layer not in store.layers():
        return _empty_shapes()
    found = store.read_layer(layer, where={key: codes}, columns=[key])
    found = crsmod.to_storage(found) if found.crs is not None else found
    return gpd.GeoDataFrame({"code": found[key].astype(str).to_numpy()},
                            geometry=found.geometry.values, crs=crsmod.STORAGE_CRS)


def investment_shapes(store, register: pd.DataFrame) -> gpd.GeoDataFrame:
    """One row per investment of ``register``: ``investment_id``, the union of its zoning
    plots and parcels on the plane (EPSG:9216; None when none of its codes is found),
    ``plane_area_m2`` of that union and ``missing_codes`` (the plots and parcels it names that
    the layers do not hold)."""
    links = [(inv, kind, code)
             for inv, plots, parcels in zip(register["investment_id"].astype(str),
                                           register["plot_codes"], register["parcel_ids"])
             for kind, values in (("plot", plots), ("parcel", parcels))
             for code in _split(values)]
    plots = _read_by_code(store, contract.ZONING_PLOTS.name, "plot_code",
                          [c for _, k, c in links if k == "plot"])
    parcels = _read_by_code(store, contract.PARCELS.name, "parcel_id",
                            [c for _, k, c in links if k == "parcel"])
    geometry = {("plot", c): g for c, g in zip(plots["code"], plots.geometry.values)}
    geometry.update({("parcel", c): g for c, g in zip(parcels["code"], parcels.geometry.values)})
    parts: dict[str, list] = {}
    missing: dict[str, list[str]] = {}
    for inv, kind, code in links:
        found = geometry.get((kind, code))
        if found is None:
            missing.setdefault(inv, []).append(code)
        else:
            parts.setdefault(inv, []).append(found)
    ids = register["investment_id"].astype(str).tolist()
    unions = [shapely.union_all(parts[i]) if i in parts else None for i in ids]
    shapes = gpd.GeoDataFrame({"investment_id": ids}, geometry=unions, crs=crsmod.STORAGE_CRS)
    shapes["plane_area_m2"] = shapely.area(np.asarray(unions, dtype=object))
    shapes["missing_codes"] = [missing.get(i, []) for i in ids]
    return shapes


def _web(shapes: gpd.GeoDataFrame) -> tuple[list, list]:
    """GeoJSON geometries in WGS 84 (1e-7°) and a point inside each ([lon, lat])."""
    geoms = np.asarray(shapes.geometry.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    out: list = [None] * len(geoms)
    anchors: list = [None] * len(geoms)
    if present.any():
        which = np.flatnonzero(present)
        t = crsmod.transformer(crsmod.STORAGE_CRS, crsmod.WGS84)
        ll = crsmod.transform_geometries(geoms[which], crsmod.STORAGE_CRS, crsmod.WGS84)
        ll = shapely.set_precision(ll, _PRECISION)
        inside = shapely.point_on_surface(geoms[which])  # on the plane, then moved
        lon, lat = t.transform(shapely.get_x(inside), shapely.get_y(inside))
        for i, geometry, x, y in zip(which.tolist(), geojson_geometries(ll), lon, lat):
            out[i] = geometry
            anchors[i] = [round(float(x), 7), round(float(y), 7)]
    return out, anchors


@dataclass
class MapShapes:
    """What the map draws the progress layers on, for one version of the store."""

    investments: gpd.GeoDataFrame  # investment_shapes(), EPSG:9216
    investment_geojson: dict  # investment_id -> (GeoJSON geometry or None, anchor or None)
    projects: gpd.GeoDataFrame  # project_code, geometry (EPSG:9216)
    project_geojson: dict
    zones: frozenset

    @property
    def nbytes(self) -> int:
        from landgis.cache import estimate_bytes

        coords = sum(int(shapely.get_num_coordinates(np.asarray(g.geometry.values, dtype=object))
                         .sum()) for g in (self.investments, self.projects))
        return coords * 16 * 3 + estimate_bytes(self.investments) + 64 * (
            len(self.investment_geojson) + len(self.project_geojson))


def map_shapes(store, book: ProgressBook) -> MapShapes:
    """The shapes of the registers of ``book`` in ``store`` (see :class:`MapShapes`)."""
    inv = investment_shapes(store, book.investments_register)
    geometry, anchors = _web(inv)
    if contract.PROJECTS.name in store.layers():
        projects = store.read_layer(contract.PROJECTS.name, columns=["project_code"])
        projects = gpd.GeoDataFrame({"project_code": projects["project_code"].astype(str)},
                                    geometry=crsmod.to_storage(projects).geometry.values,
                                    crs=crsmod.STORAGE_CRS)
    else:
        projects = gpd.GeoDataFrame({"project_code": pd.Series(dtype=object)}, geometry=[],
                                    crs=crsmod.STORAGE_CRS)
    p_geometry, p_anchors = _web(projects)
    zones = frozenset()
    if contract.ZONES.name in store.layers():
        zones = frozenset(store.read_table(contract.ZONES.name, columns=["zone_code"])
                          ["zone_code"].dropna().astype(str))
    return MapShapes(
        investments=inv,
        investment_geojson=dict(zip(inv["investment_id"], zip(geometry, anchors))),
        projects=projects,
        project_geojson=dict(zip(projects["project_code"], zip(p_geometry, p_anchors))),
        zones=zones)


# --------------------------------------------------------------------------- events

def latest_events(book: ProgressBook, subject_kind: str, as_of: str,
                  n: int = MAP_EVENTS) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Per subject: its last ``n`` events taking effect by ``as_of`` (corrected ones included,
    marked ``corrected``), the latest last, and how many there are in all by then."""
    ev = book.events
    ev = ev[(ev["subject_kind"] == subject_kind) & (ev["effective_date"] <= as_of)]
    ev = ev.sort_values(_ORDER, kind="stable").copy()
    ev["corrected"] = ev["event_id"].astype(str).isin(book.corrected)
    ev["subject_id"] = ev["subject_id"].astype(str)
    ev["year"] = ev["year"].astype("Int64")  # a plan year, not a measure
    counts = ev.groupby("subject_id").size().to_dict()
    last = ev.groupby("subject_id", sort=False).tail(n)
    out: dict[str, list[dict]] = {}
    for subject, row in zip(last["subject_id"], json_records(last[EVENT_FIELDS])):
        out.setdefault(subject, []).append(row)
    return out, {k: int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- answers

def _check(shapes: MapShapes, as_of, zone) -> tuple[str, str | None]:
    day = as_of_date(parse_date(as_of))
    zone = (zone or "").strip() or None
    if zone is not None and zone not in shapes.zones:
        raise BadRequest(f"khu không có / unknown zone {zone!r}; zones: "
                         f"{', '.join(sorted(shapes.zones))}")
    return day, zone


def _collection(features: list, day: str, zone, limit: int | None) -> dict:
    truncated = limit is not None and len(features) > limit
    return {"type": "FeatureCollection", "as_of": day, "zone": zone,
            "features": features[:limit] if limit is not None else features,
            "truncated": bool(truncated)}


def investment_features(book: ProgressBook, shapes: MapShapes, *, as_of=None, zone=None,
                        limit: int | None = None, events: int = MAP_EVENTS) -> dict:
    """The investments registered by ``as_of`` (of one zone) as a FeatureCollection in WGS 84:
    each drawn on its plots and parcels, with its state as of that date (``on_schedule``,
    ``behind``, ``revocable``, ``revoked``), days behind, the flags with the rule and article
    behind each, capital committed and contributed, its milestones and last events."""
    day, zone = _check(shapes, as_of, zone)
    table = book.investments(day, zone=zone)
    last, counts = latest_events(book, "investment", day, events)
    area = dict(zip(shapes.investments["investment_id"], shapes.investments["plane_area_m2"]))
    missing = dict(zip(shapes.investments["investment_id"],
                       shapes.investments["missing_codes"]))
    flags = table["flag_details"].tolist()
    rows = json_records(table.drop(columns=["flag_details"]))
    features = []
    for (_, full), row, fired in zip(table.iterrows(), rows, flags):
        inv = str(row["investment_id"])
        geometry, anchor = shapes.investment_geojson.get(inv, (None, None))
        a = area.get(inv)
        row.update({
            "plot_codes": _split(row["plot_codes"]), "parcel_ids": _split(row["parcel_ids"]),
            "flags": fired, "milestones": investment_milestones(full),
            "plane_area_m2": None if a is None or np.isnan(a) or geometry is None
            else round(float(a), 2),
            "missing_codes": list(missing.get(inv, [])), "anchor": anchor,
            "events": last.get(inv, []), "event_count": counts.get(inv, 0),
        })
        features.append({"type": "Feature", "id": inv, "properties": row,
                         "geometry": geometry})
    return _collection(features, day, zone, limit)


def project_features(book: ProgressBook, shapes: MapShapes, *, as_of=None, zone=None,
                     limit: int | None = None, events: int = MAP_EVENTS) -> dict:
    """The public investment projects (of one zone) as a FeatureCollection in WGS 84, with
    their progress as of ``as_of``: total investment, the plan of the year, disbursed that
    year and in all, the share of the plan disbursed, milestones late and by how many days at
    most, the next milestone, every milestone and the last events."""
    day, zone = _check(shapes, as_of, zone)
    table = book.projects(day, zone=zone)
    last, counts = latest_events(book, "project", day, events)
    features = []
    for row in json_records(table):
        code = str(row["project_code"])
        geometry, anchor = shapes.project_geojson.get(code, (None, None))
        row.update({
            "plan_year": int(day[:4]),
            "plan_sources": _split(row["plan_sources"]),
            "milestones": book.project_milestones(code, day),
            "anchor": anchor, "events": last.get(code, []),
            "event_count": counts.get(code, 0),
        })
        features.append({"type": "Feature", "id": code, "properties": row,
                         "geometry": geometry})
    return _collection(features, day, zone, limit)


def map_investments(store, *, as_of=None, zone=None, limit: int | None = None, views=None,
                    rules_file: str | None = None) -> dict:
    """``/api/map/investments``: :func:`investment_features` from the progress book and the
    shapes of the store's current version (built once per version by ``views``)."""
    from landgis.dataview import views_of

    view = views_of(views).current(store)
    book = view.progress_book(rules_file)
    return investment_features(book, view.progress_shapes(book), as_of=as_of, zone=zone,
                               limit=limit)


def map_projects(store, *, as_of=None, zone=None, limit: int | None = None, views=None,
                 rules_file: str | None = None) -> dict:
    """``/api/map/projects``: :func:`project_features`, as :func:`map_investments`."""
    from landgis.dataview import views_of

    view = views_of(views).current(store)
    book = view.progress_book(rules_file)
    return project_features(book, view.progress_shapes(book), as_of=as_of, zone=zone,
                            limit=limit)
