"""Which parcels make an auction lot, and the refusals.

A lot is chosen by one of:

- a list of parcels: parcel ids (``23296-12-345``) or sheet/parcel pairs (``12/345``; a pair
  found in several communes is refused, naming the parcel ids to use instead);
- a query: zones, statuses and land-use codes. Values of one filter combine with OR, the
  filters with AND; clearance statuses and auction statuses are two filters (so
  ``handed_over`` + ``planned`` means handed over *and* in the auction plan);
- a polygon (WGS 84 GeoJSON, or a GeoDataFrame in any CRS): the parcels with at least
  ``min_share`` (default half) of their plane area inside it, so that a boundary drawn by hand
  does not catch the neighbours it grazes.

Refusals raise :class:`DossierError` before anything is written: a parcel that does not exist
(:class:`UnknownParcelError`), an empty selection, more parcels than ``max_parcels`` once the
selection is made (:class:`LotTooLarge`; a zone or a polygon can hold thousands), a parcel not
yet handed over (unless ``allow_uncleared``), a parcel already sold at auction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import areas, crs as crsmod
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, LAND_USE
from landgis.ledger import current_status

#: the columns of a lot's parcels, in the order of every file
PARCEL_COLUMNS = ["parcel_id", "commune_code", "commune_name", "sheet_no", "parcel_no",
                  "land_use_code", "zone_code", "plane_area_m2", "ellipsoidal_area_m2",
                  "legal_area_m2", "clearance_status", "auction_status"]
STORE_COLUMNS = ["parcel_id", "commune_code", "commune_name", "sheet_no", "parcel_no",
                 "land_use_code", "legal_area_m2", "zone_code"]
_PAIR = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_CODE = 64


class DossierError(ValueError):
    """A dossier that cannot be made as asked; the message says why (Vietnamese / English).

    ``kind`` is one of ``unknown``, ``empty``, ``too_large``, ``refused`` (uncleared or sold
    parcels), ``request`` (bad parameters), ``output`` (where to write), ``font``;
    ``parcel_ids`` lists the parcels at fault. ``option`` names what the caller could give
    to go on (``"allow_uncleared"``), for the script to name its flag and the web its
    parameter, or is None.
    """

    def __init__(self, message: str, *, kind: str = "request", parcel_ids=(),
                 option: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.parcel_ids = list(parcel_ids)
        self.option = option


class UnknownParcelError(DossierError):
    """Parcels named that the store does not hold (the web answers 404)."""

    def __init__(self, message: str, parcel_ids=()):
        super().__init__(message, kind="unknown", parcel_ids=parcel_ids)


class LotTooLarge(DossierError):
    """A selection of more parcels than the caller allows: ``count`` parcels, at most
    ``limit``."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"lô quá lớn / too many parcels: the selection holds {count:,} "
                         f"parcels; at most {limit:,}", kind="too_large")
        self.count = count
        self.limit = limit


def check_size(count: int, max_parcels: int | None) -> None:
    """:class:`LotTooLarge` when ``count`` parcels are more than ``max_parcels`` (None: no
    cap)."""
    if max_parcels is not None and count > max_parcels:
        raise LotTooLarge(count, max_parcels)


@dataclass
class Lot:
    """An auction lot: its code and name, its parcels (storage CRS, with areas and statuses,
    ordered by commune, sheet and parcel number) and how they were chosen."""

    code: str
    name: str
    parcels: gpd.GeoDataFrame
    selection: dict = field(default_factory=dict)

    @property
    def parcel_ids(self) -> list[str]:
        return self.parcels["parcel_id"].tolist()

    def totals(self) -> dict:
        p = self.parcels
        plane = float(p["plane_area_m2"].sum())
        return {"parcel_count": int(len(p)),
                "plane_area_m2": round(plane, 2),
                "plane_area_ha": round(plane / 10_000, 4),
                "ellipsoidal_area_m2": round(float(p["ellipsoidal_area_m2"].sum()), 2),
                "legal_area_m2": round(float(p["legal_area_m2"].sum()), 2)}


def _listing(items, limit: int = 10) -> str:
    items = list(items)
    text = ", ".join(items[:limit])
    if len(items) > limit:
        text += f" và {len(items) - limit} thửa khác / and {len(items) - limit} more"
    return text


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return [v for v in value if v not in (None, "")]


def check_code(code, name=None) -> tuple[str, str]:
    """The lot code and name, stripped and checked."""
    code = " ".join(str(code or "").split())
    name = " ".join(str(name or "").split())
    if not code:
        raise DossierError("cần mã lô / the lot code is required")
    for what, text in (("mã lô / lot code", code), ("tên lô / lot name", name)):
        if len(text) > (MAX_CODE if what.startswith("mã") else 200):
            raise DossierError(f"{what} quá dài / too long: {text[:40]}…")
        if any(ord(ch) < 32 for ch in text):
            raise DossierError(f"{what}: ký tự điều khiển / control characters")
    return code, name


# --------------------------------------------------------------------------- by parcel list


def _by_list(store, tokens: list[str]) -> pd.DataFrame:
    ids, pairs = [], []
    for token in tokens:
        text = str(token).strip()
        m = _PAIR.match(text)
        if m:
            pairs.append((int(m.group(1)), int(m.group(2)), text))
        elif text:
            ids.append(text)
    found = []
    if ids:
        found.append(store.read_layer("parcels", where={"parcel_id": sorted(set(ids))},
                                      columns=STORE_COLUMNS))
    unknown = sorted(set(ids) - set(found[0]["parcel_id"])) if ids else []
    ambiguous = []
    if pairs:
        sheets = store.read_layer("parcels", where={"sheet_no": sorted({s for s, _, _ in pairs})},
                                  columns=STORE_COLUMNS)
        for sheet, number, text in pairs:
            hit = sheets[(sheets["sheet_no"].astype(int) == sheet)
                         & (sheets["parcel_no"].astype(int) == number)]
            if hit.empty:
                unknown.append(f"tờ {sheet} thửa {number} ({text})")
            elif len(hit) > 1:
                ambiguous.append(f"{text}: {', '.join(sorted(hit['parcel_id']))}")
            else:
                found.append(hit)
    if unknown:
        raise UnknownParcelError(f"không có thửa / no such parcel: {_listing(unknown)}", unknown)
    if ambiguous:
        raise DossierError("tờ/thửa có ở nhiều xã, hãy dùng mã thửa / sheet/parcel found in "
                           f"several communes, give the parcel id: {'; '.join(ambiguous)}")
    if not found:
        return pd.DataFrame(columns=STORE_COLUMNS + ["geometry"])
    out = pd.concat(found, ignore_index=True)
    return out.drop_duplicates("parcel_id", ignore_index=True)


# --------------------------------------------------------------------------- by query


def _split_statuses(statuses) -> tuple[list[str], list[str]]:
    clearance, auction, bad = [], [], []
    for s in statuses:
        if s in CLEARANCE_STATUS:
            clearance.append(s)
        elif s in AUCTION_STATUS:
            auction.append(s)
        else:
            bad.append(str(s))
    if bad:
        raise DossierError(f"trạng thái không rõ / unknown status: {', '.join(bad)}; "
                           f"allowed: {', '.join(CLEARANCE_STATUS.codes + AUCTION_STATUS.codes)}")
    return clearance, auction


def _by_query(store, zones, land_uses) -> pd.DataFrame:
    if zones:
        known = set(store.read_layer("zones", columns=["zone_code"])["zone_code"])
        bad = sorted(set(zones) - known)
        if bad:
            raise DossierError(f"khu không rõ / unknown zone: {', '.join(bad)}; zones: "
                               f"{', '.join(sorted(known))}")
    bad = sorted(set(land_uses) - set(LAND_USE.codes))
    if bad:
        raise DossierError(f"mã loại đất không rõ / unknown land-use code: {', '.join(bad)}")
    where = {}
    if zones:
        where["zone_code"] = list(zones)
    if land_uses:
        where["land_use_code"] = list(land_uses)
    return store.read_layer("parcels", where=where or None, columns=STORE_COLUMNS)


# --------------------------------------------------------------------------- by polygon


def polygon_frame(polygon) -> gpd.GeoDataFrame:
    """A drawn or imported polygon in the storage CRS: a GeoJSON dict (WGS 84), a shapely
    geometry (WGS 84) or a GeoDataFrame / GeoSeries with its CRS."""
    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        frame = gpd.GeoDataFrame(geometry=polygon.geometry if isinstance(
            polygon, gpd.GeoDataFrame) else polygon, crs=polygon.crs)
        if frame.crs is None:
            raise DossierError("vùng chọn không có hệ tọa độ / the polygon has no CRS")
        kinds = set(frame.geometry.geom_type.dropna())
        if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
            raise DossierError("vùng chọn phải là đa giác / the selection must be polygons, "
                               f"not {', '.join(sorted(kinds)) or 'nothing'}")
        geom = shapely.union_all(np.asarray(frame.geometry.values))
        frame = gpd.GeoDataFrame(geometry=[geom], crs=frame.crs)
    else:
        from landgis.geojson import polygon_from_geojson
        from landgis.params import BadRequest

        if isinstance(polygon, shapely.Geometry):
            geom = polygon
        else:
            try:
                geom = polygon_from_geojson(polygon)
            except BadRequest as exc:
                raise DossierError(f"vùng chọn / polygon: {exc}") from None
        frame = gpd.GeoDataFrame(geometry=[geom], crs=crsmod.WGS84)
    xy = shapely.get_coordinates(frame.geometry.values)
    try:
        crsmod.check_coordinates(xy[:, 0], xy[:, 1], frame.crs)
    except crsmod.CoordinateError as exc:
        raise DossierError(f"vùng chọn / polygon: {exc}") from None
    return crsmod.to_storage(frame)


def _by_polygon(store, drawn: gpd.GeoDataFrame, min_share: float) -> pd.DataFrame:
    geom = drawn.geometry.values[0]
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parcels = store.read_layer("parcels", bbox=tuple(drawn.total_bounds), columns=STORE_COLUMNS)
    if parcels.empty:
        return parcels
    pg = np.asarray(parcels.geometry.values, dtype=object)
    inside = shapely.area(shapely.intersection(pg, geom))
    share = inside / np.maximum(shapely.area(pg), 1e-9)
    return parcels[share >= min_share].reset_index(drop=True)


# --------------------------------------------------------------------------- the lot


def _polygon_manifest(drawn: gpd.GeoDataFrame) -> dict:
    ll = crsmod.to_wgs84(drawn).geometry.values[0]
    ll = shapely.transform(ll, lambda xy: np.round(xy, 7))
    return shapely.geometry.mapping(ll)


def select_lot(store, *, code, name=None, parcels=None, zones=None, statuses=None,
               land_uses=None, polygon=None, allow_uncleared: bool = False,
               min_share: float = 0.5, max_parcels: int | None = None) -> Lot:
    """The parcels of a lot, with their areas and statuses today, or :class:`DossierError`.

    Give one way of choosing: ``parcels`` (ids or ``"sheet/parcel"``), a query (``zones``,
    ``statuses``, ``land_uses``), or ``polygon`` (see :func:`polygon_frame`). More than
    ``max_parcels`` parcels selected (by whichever way; None: no cap) raise
    :class:`LotTooLarge` before their areas, files or refusals are worked out.
    """
    code, name = check_code(code, name)
    parcels, zones = _as_list(parcels), _as_list(zones)
    statuses, land_uses = _as_list(statuses), _as_list(land_uses)
    ways = [bool(parcels), bool(zones or statuses or land_uses), polygon is not None]
    if sum(ways) != 1:
        raise DossierError("chọn thửa theo một cách: danh sách thửa, truy vấn (khu, trạng thái, "
                           "loại đất) hoặc vùng vẽ / choose the parcels one way: a list, a query "
                           "(zone, status, land use) or a polygon")
    if not 0 < min_share <= 1:
        raise DossierError("min_share: between 0 and 1")
    clearance_wanted, auction_wanted = _split_statuses(statuses)
    selection = {"parcels": [str(p) for p in parcels] or None, "zone": zones,
                 "status": statuses, "land_use": land_uses, "polygon": None,
                 "allow_uncleared": bool(allow_uncleared)}
    if parcels:
        found = _by_list(store, parcels)
    elif polygon is not None:
        drawn = polygon_frame(polygon)
        found = _by_polygon(store, drawn, min_share)
        selection["polygon"] = _polygon_manifest(drawn)
        selection["polygon_min_share"] = min_share
    else:
        found = _by_query(store, zones, land_uses)
    if not (clearance_wanted or auction_wanted):  # the selection is made: no ledger to read
        check_size(len(found), max_parcels)
    ids = found["parcel_id"].astype(str).tolist()
    ledger = store.read_layer("status_events", where={"parcel_id": ids}) if ids and (
        len(ids) <= 5000) else store.read_layer("status_events")
    status = current_status(ledger, ids)
    found = found.join(status[["clearance_status", "auction_status"]], on="parcel_id")
    if clearance_wanted:
        found = found[found["clearance_status"].isin(clearance_wanted)]
    if auction_wanted:
        found = found[found["auction_status"].isin(auction_wanted)]
    if found.empty:
        raise DossierError("lô trống: không có thửa nào được chọn / empty selection: no parcel "
                           "matches", kind="empty")
    check_size(len(found), max_parcels)
    problems, at_fault = [], []
    sold = found[found["auction_status"] == "sold"]
    if len(sold):
        problems.append(f"đã trúng đấu giá / already sold: {_listing(sold['parcel_id'])}")
        at_fault += sold["parcel_id"].tolist()
    uncleared = found[(found["clearance_status"] != "handed_over")
                      & (found["auction_status"] != "sold")]
    if len(uncleared) and not allow_uncleared:
        listed = [f"{pid} ({CLEARANCE_STATUS.label(s)} / {CLEARANCE_STATUS.label(s, 'en')})"
                  for pid, s in zip(uncleared["parcel_id"], uncleared["clearance_status"])]
        problems.append(f"chưa bàn giao mặt bằng / not yet handed over: {_listing(listed)} "
                        "(xuất vẫn được khi cho phép thửa chưa bàn giao / they may be exported "
                        "when uncleared parcels are allowed)")
        at_fault += uncleared["parcel_id"].tolist()
    if problems:
        raise DossierError("không lập được hồ sơ / no dossier: " + "; ".join(problems),
                           kind="refused", parcel_ids=at_fault,
                           option="allow_uncleared" if len(uncleared) and not len(sold)
                           else None)
    gdf = gpd.GeoDataFrame(found, geometry="geometry", crs=crsmod.STORAGE_CRS)
    table = areas.parcel_areas(gdf)
    gdf = gdf.join(table.set_index("parcel_id")[["plane_area_m2", "ellipsoidal_area_m2"]],
                   on="parcel_id")
    for col in ("plane_area_m2", "ellipsoidal_area_m2"):  # the legal area stays as recorded
        gdf[col] = gdf[col].astype(float).round(2)
    gdf["legal_area_m2"] = gdf["legal_area_m2"].astype(float)
    gdf = gdf.sort_values(["commune_code", "sheet_no", "parcel_no", "parcel_id"],
                          ignore_index=True)
    gdf = gdf[PARCEL_COLUMNS + ["geometry"]]
    return Lot(code, name, gdf, selection)
