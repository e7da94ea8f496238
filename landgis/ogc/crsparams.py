"""The ``crs``, ``bbox`` and ``bbox-crs`` parameters: which CRS, which box on the storage plane,
and coordinates written in the CRS asked for (its axis order, to about a millimetre)."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import shapely

from landgis import crs as crsmod
from landgis.ogc import CRS84, CRS_LIST, EPSG_URI, BadRequest

_EPSG = re.compile(r"^(?:https?://www\.opengis\.net/def/crs/EPSG/0/|EPSG:|\[EPSG:|"
                   r"urn:ogc:def:crs:EPSG::)(\d{4,6})\]?$", re.I)
_CRS84 = {CRS84.lower(), "crs84", "ogc:crs84", "[ogc:crs84]", "urn:ogc:def:crs:ogc:1.3:crs84",
          "https://www.opengis.net/def/crs/ogc/1.3/crs84"}
#: where a box is cut before it is put on the plane: far outside Vietnam the projections give
#: nonsense (a world box would wrap), and nothing of ours lies there
CLIP = {"deg": (95.0, 0.0, 120.0, 30.0), "m": (-500_000.0, 0.0, 1_500_000.0, 3_500_000.0)}
#: decimals written: degrees to 1e-8 (about 1 mm), metres to the millimetre
DECIMALS = {"deg": 8, "m": 3}


def parse_crs(text: str | None, name: str = "crs") -> str:
    """The URI in :data:`CRS_LIST` that ``text`` names (a URI, ``EPSG:n`` or ``CRS84``);
    CRS84 for none; BadRequest naming the list otherwise."""
    if text is None or not str(text).strip():
        return CRS84
    value = str(text).strip()
    if value.lower() in _CRS84:
        return CRS84
    m = _EPSG.match(value)
    if m and EPSG_URI.format(int(m.group(1))) in CRS_LIST:
        return EPSG_URI.format(int(m.group(1)))
    raise BadRequest(f"{name}: hệ tọa độ không hỗ trợ / unsupported CRS {value[:200]!r}; "
                     f"supported: {', '.join(CRS_LIST)}")


def _epsg(uri: str) -> int:
    return 4326 if uri == CRS84 else int(uri.rsplit("/", 1)[1])


def lat_first(uri: str) -> bool:
    """Whether coordinates in ``uri`` are written latitude first (EPSG:4326)."""
    return uri == EPSG_URI.format(4326)


def is_degrees(uri: str) -> bool:
    return _epsg(uri) == 4326


@lru_cache(maxsize=8)
def _to(uri: str):
    return crsmod.transformer(crsmod.STORAGE_CRS, _epsg(uri))


@lru_cache(maxsize=8)
def _from(uri: str):
    return crsmod.transformer(_epsg(uri), crsmod.STORAGE_CRS)


def from_storage(geoms, uri: str):
    """Storage-plane geometries in ``uri``, in its axis order, rounded (:data:`DECIMALS`)."""
    geoms = np.asarray(geoms, dtype=object)
    if uri == EPSG_URI.format(9216):
        return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS["m"]))
    t, swap = _to(uri), lat_first(uri)
    decimals = DECIMALS["deg"] if is_degrees(uri) else DECIMALS["m"]

    def fn(xy):
        x, y = t.transform(xy[:, 0], xy[:, 1])
        out = np.column_stack([y, x] if swap else [x, y])
        return np.round(out, decimals)

    return shapely.transform(geoms, fn)


def to_storage(geoms, uri: str):
    """Geometries in ``uri`` (its axis order) on the storage plane (the inverse of
    :func:`from_storage`, for clients and tests that compare)."""
    geoms = np.asarray(geoms, dtype=object)
    if uri == EPSG_URI.format(9216):
        return geoms
    t, swap = _from(uri), lat_first(uri)

    def fn(xy):
        a, b = (xy[:, 1], xy[:, 0]) if swap else (xy[:, 0], xy[:, 1])
        x, y = t.transform(a, b)
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def parse_bbox(text: str | None, bbox_crs: str | None):
    """The storage-plane polygon of ``bbox`` (four numbers in ``bbox-crs``'s axis order,
    CRS84 by default), None for none; BadRequest for anything else (three, five or six
    numbers: no heights here)."""
    if text is None or text == "":
        if bbox_crs:
            raise BadRequest("bbox-crs: cần bbox / given without bbox")
        return None
    uri = parse_crs(bbox_crs, "bbox-crs")
    try:
        box = [float(v) for v in str(text).split(",")]
    except ValueError:
        raise BadRequest(f"bbox {text[:200]!r}: cần 4 số / four numbers separated by "
                         "commas") from None
    if len(box) != 4 or not all(np.isfinite(box)):
        raise BadRequest(f"bbox {text[:200]!r}: cần 4 số / four numbers separated by commas "
                         f"(minx,miny,maxx,maxy in {uri}), got {len(box)}")
    a0, b0, a1, b1 = box
    if lat_first(uri):
        a0, b0, a1, b1 = b0, a0, b1, a1
    if a0 > a1 or b0 > b1:
        raise BadRequest(f"bbox {text[:200]!r}: min lớn hơn max / a minimum above its maximum")
    if is_degrees(uri) and not (-180 <= a0 <= a1 <= 180 and -90 <= b0 <= b1 <= 90):
        raise BadRequest(f"bbox {text[:200]!r}: ngoài phạm vi / not degrees in {uri}")
    c0, d0, c1, d1 = CLIP["deg" if is_degrees(uri) else "m"]
    a0, b0, a1, b1 = max(a0, c0), max(b0, d0), min(a1, c1), min(b1, d1)
    if a0 > a1 or b0 > b1:
        return shapely.Polygon()  # nothing of ours lies there
    # densified, so that the curved edges of a degree box on the plane are followed
    ring = shapely.segmentize(shapely.box(a0, b0, a1, b1), max(a1 - a0, b1 - b0, 1e-9) / 16)
    if uri == EPSG_URI.format(9216):
        return ring
    t = _from(uri) if not lat_first(uri) else _from(CRS84)
    return shapely.transform(ring, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
