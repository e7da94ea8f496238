"""Coordinate reference systems: the storage plane, the pinned VN-2000 datum shift, sanity checks.

Storage is EPSG:9216, VN-2000 / TM-3 107-30 (k = 0.9999), the legal plane of the former Kon Tum
province. Between VN-2000 and WGS 84 the transformation is always EPSG:6960 ("VN-2000 to WGS 84
(2)", the seven parameters of QĐ 05/2007/QĐ-BTNMT); PROJ is never left to choose, because for
EPSG:5898 and EPSG:3405 it offers EPSG:6959 too, and that lands metres away.

Coordinates that cannot be what a file claims (degrees in a metre CRS, metres labelled as degrees,
a place outside Vietnam) raise :class:`CoordinateError` with a sentence saying what the numbers
look like, for the import report.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.crs import CoordinateOperation
from pyproj.transformer import TransformerGroup

from landgis.contract import STORAGE_EPSG
from landgis.text import fold

STORAGE_CRS = CRS.from_epsg(STORAGE_EPSG)
WGS84 = CRS.from_epsg(4326)
WEB_MERCATOR = CRS.from_epsg(3857)
VN2000_TO_WGS84_EPSG = 6960

#: CRSs data arrives in, with the words a planner may use for each.
KNOWN_CRS: dict[int, tuple[str, ...]] = {
    9216: ("VN-2000 Kon Tum", "VN-2000 107.30", "VN-2000 107-30", "VN-2000 107 30",
           "TM-3 107-30", "VN-2000 / TM-3 107-30", "VN2000 KonTum"),
    5898: ("VN-2000 Quang Ngai", "VN-2000 108.00", "VN-2000 108-00", "TM-3 108-00",
           "TM-3 zone 491", "VN-2000 / TM-3 zone 491"),
    3405: ("VN-2000 UTM 48N", "VN-2000 / UTM zone 48N", "UTM 48N"),
    4756: ("VN-2000", "VN-2000 geographic", "VN-2000 lat/lon"),
    4326: ("WGS 84", "WGS84", "lat/lon", "GPS"),
}

#: Mainland Vietnam with a small margin, in degrees (lon_min, lat_min, lon_max, lat_max).
VIETNAM_BOUNDS = (102.0, 8.3, 109.6, 23.5)


class CoordinateError(ValueError):
    """Coordinates that cannot be in the CRS they are said to be in."""


_ALIASES = {fold(alias): epsg for epsg, names in KNOWN_CRS.items() for alias in names}


def resolve_crs(value: str | int | CRS) -> CRS:
    """A CRS from an EPSG code (``9216``, ``"EPSG:9216"``), a known name, or a WKT/PROJ string.

    Raises ValueError listing the accepted names when nothing fits.
    """
    if isinstance(value, CRS):
        return value
    if isinstance(value, (int, np.integer)):
        return CRS.from_epsg(int(value))
    text = str(value).strip()
    if re.fullmatch(r"(?i)(epsg:)?\d{4,6}", text):
        return CRS.from_epsg(int(text.split(":")[-1]))
    folded = fold(text)
    if folded in _ALIASES:
        return CRS.from_epsg(_ALIASES[folded])
    try:
        return CRS.from_user_input(text)
    except Exception:
        names = "; ".join(f"EPSG:{e} ({n[0]})" for e, n in KNOWN_CRS.items())
        raise ValueError(f"unknown CRS {value!r}; give an EPSG code or one of: {names}") from None


def is_vn2000(crs: CRS) -> bool:
    geodetic = crs.geodetic_crs
    return geodetic is not None and geodetic.datum.name == "Vietnam 2000"


def _is_wgs84(crs: CRS) -> bool:
    geodetic = crs.geodetic_crs
    return geodetic is not None and "World Geodetic System 1984" in geodetic.datum.name


@lru_cache(maxsize=64)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    src, dst = CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt)
    crosses_datum = (is_vn2000(src) and _is_wgs84(dst)) or (_is_wgs84(src) and is_vn2000(dst))
    if not crosses_datum:
        return Transformer.from_crs(src, dst, always_xy=True)
    pinned = CoordinateOperation.from_epsg(VN2000_TO_WGS84_EPSG).name
    accepted = {pinned, f"Inverse of {pinned}"}
    group = TransformerGroup(src, dst, always_xy=True)
    for t in group.transformers:
        if any(op.name in accepted for op in t.operations or ()):
            return t
    raise RuntimeError(
        f"PROJ offers no transformation from {src.name} to {dst.name} through "
        f"EPSG:{VN2000_TO_WGS84_EPSG} ({pinned}); check the PROJ database"
    )


def transformer(src, dst) -> Transformer:
    """A Transformer (x/y = easting/northing or lon/lat order) from ``src`` to ``dst``.

    Between VN-2000 and WGS 84 it always goes through EPSG:6960.
    """
    return _transformer(resolve_crs(src).to_wkt(), resolve_crs(dst).to_wkt())


def transform_geometries(geoms, src, dst):
    """Transform an array of shapely geometries from ``src`` to ``dst`` (pinned datum shift)."""
    t = transformer(src, dst)

    def fn(xy):
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), fn)


def to_crs(gdf, dst):
    """A copy of GeoDataFrame ``gdf`` in ``dst``, with the pinned VN-2000 datum shift."""
    if gdf.crs is None:
        raise CoordinateError("the layer has no CRS; say which one it is in")
    dst = resolve_crs(dst)
    if gdf.crs == dst:
        return gdf.copy()
    out = gdf.copy()
    out[out.geometry.name] = transform_geometries(gdf.geometry.values, gdf.crs, dst)
    return out.set_crs(dst, allow_override=True)


def to_storage(gdf):
    """``gdf`` in the storage CRS (EPSG:9216)."""
    return to_crs(gdf, STORAGE_CRS)


def to_wgs84(gdf):
    """``gdf`` in WGS 84 longitude/latitude."""
    return to_crs(gdf, WGS84)


# --------------------------------------------------------------------------- plausibility


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4f}"


def _inside_vietnam(lon, lat) -> np.ndarray:
    w, s, e, n = VIETNAM_BOUNDS
    return (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)


def _candidate_crs_for(xs, ys) -> list[CRS]:
    """Known CRSs in which these numbers fall inside Vietnam."""
    found = []
    for epsg in KNOWN_CRS:
        crs = CRS.from_epsg(epsg)
        if crs.is_geographic:
            lon, lat = xs, ys
        else:
            if np.abs(xs).max() <= 360 and np.abs(ys).max() <= 360:
                continue
            lon, lat = transformer(crs, WGS84).transform(xs, ys)
        if np.all(_inside_vietnam(np.asarray(lon), np.asarray(lat))):
            found.append(crs)
    return found


def describe_coordinates(xs, ys) -> str:
    """What a set of coordinates looks like, in words, for an error message."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    span = (f"x from {_fmt(xs.min())} to {_fmt(xs.max())}, "
            f"y from {_fmt(ys.min())} to {_fmt(ys.max())}")
    if np.abs(xs).max() <= 180 and np.abs(ys).max() <= 90:
        kind = "they look like degrees of longitude and latitude"
    else:
        kind = "they look like metres"
        if ys.min() > 100_000 and xs.max() < 100_000 < ys.max():
            kind += " with X and Y swapped (northing first, as on survey tables)"
    candidates = _candidate_crs_for(xs, ys)
    if candidates:
        names = " or ".join(f"{c.name} (EPSG:{c.to_epsg()})" for c in candidates)
        kind += f", in the range of {names}"
    elif np.abs(xs).max() > 360:
        swapped = _candidate_crs_for(ys, xs)
        if swapped:
            kind += (f"; with X and Y swapped they would be in the range of "
                     f"{swapped[0].name} (EPSG:{swapped[0].to_epsg()})")
    return f"{span}: {kind}"


def check_coordinates(xs, ys, crs) -> None:
    """Raise :class:`CoordinateError` unless the coordinates can be in ``crs`` and in Vietnam."""
    crs = resolve_crs(crs)
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return
    xs, ys = xs[ok], ys[ok]
    looks_like_degrees = np.abs(xs).max() <= 180 and np.abs(ys).max() <= 90
    name = f"{crs.name} (EPSG:{crs.to_epsg()})"
    if crs.is_geographic and not looks_like_degrees:
        raise CoordinateError(
            f"the file says {name}, in degrees, but its coordinates are not degrees: "
            f"{describe_coordinates(xs, ys)}"
        )
    if not crs.is_geographic and looks_like_degrees:
        raise CoordinateError(
            f"the file says {name}, in metres, but its coordinates are degrees: "
            f"{describe_coordinates(xs, ys)}"
        )
    if crs.is_geographic:
        lon, lat = (xs, ys) if not is_vn2000(crs) else transformer(crs, WGS84).transform(xs, ys)
    else:
        lon, lat = transformer(crs, WGS84).transform(xs, ys)
    inside = _inside_vietnam(np.asarray(lon), np.asarray(lat))
    if not inside.all():
        raise CoordinateError(
            f"{int((~inside).sum())} of {len(xs)} coordinates fall outside Vietnam in {name}: "
            f"{describe_coordinates(xs, ys)}"
        )


def check_geometries(geoms, crs) -> None:
    """:func:`check_coordinates` on the bounding boxes of an array of geometries."""
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return
    w, s, e, n = shapely.total_bounds(geoms)
    try:  # the corners and edge midpoints of the whole extent answer for most files at once
        check_coordinates([w, e, w, e, (w + e) / 2, (w + e) / 2, w, e],
                          [s, s, n, n, s, n, (s + n) / 2, (s + n) / 2], crs)
        return
    except CoordinateError:
        pass  # check every feature's box, for a message that counts them
    b = shapely.bounds(geoms)
    check_coordinates(np.r_[b[:, 0], b[:, 2]], np.r_[b[:, 1], b[:, 3]], crs)


def vn2000_proj4() -> str:
    """A PROJ/proj4js string for the storage plane with the pinned datum shift as +towgs84.

    +towgs84 uses the position-vector convention while EPSG:6960 is given in coordinate-frame
    rotation, so the three rotations change sign here (the trap of the published strings).
    """
    op = CoordinateOperation.from_epsg(VN2000_TO_WGS84_EPSG)
    values = {p.name: p.value for p in op.params}
    towgs84 = [values["X-axis translation"], values["Y-axis translation"],
               values["Z-axis translation"], -values["X-axis rotation"],
               -values["Y-axis rotation"], -values["Z-axis rotation"],
               values["Scale difference"]]
    import warnings

    with warnings.catch_warnings():  # the PROJ string is for proj4js, which needs no more
        warnings.simplefilter("ignore", UserWarning)
        plane = STORAGE_CRS.to_proj4().replace(" +type=crs", "")
    return plane + " +towgs84=" + ",".join(repr(float(v)) for v in towgs84)
