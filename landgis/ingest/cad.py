"""Parcels from cadastral CAD drawings: boundary lines plus a text label inside each parcel.

Cadastral sheets drawn in MicroStation (DGN v7) or AutoCAD (DXF) rarely hold polygons. They hold
the parcel boundaries as lines, drawn once per shared edge, and a text label inside each parcel:
parcel number, land-use code and legal area (``"345 CLN 1234,5"``, ``"345/CLN/1234.5"``, three
lines of MTEXT, sometimes with the sheet in front, ``"T12-345 …"``), or the parcel number alone,
with the land use and the area in a second text or nowhere (``"345"`` above ``"CLN 1234,5"``).
This module builds the polygons from the lines, gives each polygon the attributes of the texts
inside it (land use and area empty when none gives them), and reports what a surveyor has to
fix: boundaries that do not close, parcels with no number or with two, numbers outside every
parcel, labels that cannot be read.

The drawing is read with GDAL (through pyogrio): its DXF driver gives one feature per entity with
the CAD layer in ``Layer`` and text in ``Text``; its DGN driver gives the level in ``Level``.
Sheet frames, grid lines and title texts cut parcels and add stray labels: pass ``layers`` (CAD
layer names, or DGN level numbers) to keep only the boundary and label layers.

Coordinates are taken as they are in the drawing (usually metres on the VN-2000 plane, with no
CRS written in the file); set the CRS on the result before storing it.

Examples
--------
>>> from landgis.ingest.cad import parse_label
>>> parse_label("T12-345 CLN 1.234,5")
{'sheet_no': 12, 'parcel_no': 345, 'land_use_code': 'CLN', 'legal_area_m2': 1234.5}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely import STRtree

# The report and the label reader live in their own modules; their names are importable here.
from landgis.ingest.cad_labels import _label_reading, _lost, parse_label
from landgis.ingest.cad_report import (
    BAD_LABEL,
    DUPLICATE_PARCEL,
    INVALID_RING,
    ISSUE_TITLES,
    LABEL_OUTSIDE,
    NO_LABEL,
    NO_LINEWORK,
    NO_NUMBER,
    SEVERAL_LABELS,
    STRAY_LINE,
    UNCLOSED,
    CadIssue,
    CadReport,
)

__all__ = [
    "CadDrawing",
    "CadIssue",
    "CadReport",
    "cad_to_parcels",
    "parse_label",
    "polygonize_drawing",
    "read_cad",
]

#: Columns of the parcels GeoDataFrame built from a drawing (before the geometry).
PARCEL_COLUMNS = ("sheet_no", "parcel_no", "land_use_code", "legal_area_m2", "label")
#: Places named in a "parcel number used twice" issue; the others are counted.
PLACES_SHOWN = 5


# --------------------------------------------------------------------------- reading


@dataclass
class CadDrawing:
    """The linework and the texts of a CAD drawing, split for polygon building.

    Attributes
    ----------
    lines : geopandas.GeoDataFrame
        Column ``layer`` (CAD layer or DGN level, as text) and 2D LineString geometries: lines,
        polylines, arcs, and the boundaries of shapes and hatches.
    texts : geopandas.GeoDataFrame
        Columns ``layer`` and ``text`` and the 2D insertion Point of every non-empty text.
    crs : pyproj.CRS or None
        The CRS written in the file, usually none.
    source : str
        The file name.
    """

    lines: gpd.GeoDataFrame
    texts: gpd.GeoDataFrame
    crs: object = None
    source: str = ""


def _lines_of(geom) -> list:
    """The 2D LineStrings of one geometry (polygon boundaries for polygons)."""
    out = []
    for part in shapely.get_parts(shapely.force_2d(geom)):
        kind = part.geom_type
        if kind == "LineString":
            out.append(part)
        elif kind == "LinearRing":
            out.append(shapely.LineString(part.coords))
        elif kind in ("Polygon", "MultiPolygon"):
            out.extend(_lines_of(part.boundary))
        elif kind in ("MultiLineString", "GeometryCollection"):
            out.extend(_lines_of(part))
    return [g for g in out if not g.is_empty and g.length > 0]


def read_cad(path, *, layers: Sequence[str | int] | None = None) -> CadDrawing:
    """Read the linework and texts of a DXF or DGN v7 drawing.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.dxf`` or ``.dgn`` (MicroStation v7) file; any format GDAL reads with a ``Text``
        field works the same way.
    layers : list of str or int, optional
        Keep only entities on these CAD layers (DXF, compared without regard to case) or DGN
        levels (numbers). None keeps everything.

    Returns
    -------
    CadDrawing

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When none of ``layers`` is in the drawing (the message lists the layers there are).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such drawing: {path}")
    df = pyogrio.read_dataframe(path)
    crs = df.crs

    layer_field = next((c for c in ("Layer", "Level") if c in df.columns), None)
    layer = (df[layer_field].astype("string").fillna("") if layer_field
             else pd.Series("", index=df.index, dtype="string"))
    layer = layer.str.strip()
    keep = df.geometry.notna().to_numpy() & ~df.geometry.is_empty.to_numpy()
    if "PaperSpace" in df.columns:  # title blocks and viewports, not the map
        paper = pd.to_numeric(df["PaperSpace"], errors="coerce").fillna(0)
        keep &= ~paper.astype(bool).to_numpy()
    if layers is not None:
        wanted = {str(name).strip().casefold() for name in layers}
        on_layer = layer.str.casefold().isin(wanted).to_numpy()
        if not on_layer.any():
            present = sorted(set(layer[keep]), key=lambda s: (len(s), s))
            raise ValueError(
                f"{path.name} has nothing on layer(s) {', '.join(map(str, layers))}; "
                f"its {'levels' if layer_field == 'Level' else 'layers'} are: "
                f"{', '.join(present) or '(none)'}"
            )
        keep &= on_layer

    text = (df["Text"] if "Text" in df.columns else pd.Series(None, index=df.index))
    text = text.astype("string").fillna("").str.strip()
    types = df.geometry.geom_type.to_numpy()
    is_text = keep & np.isin(types, ["Point", "MultiPoint"]) & text.ne("").to_numpy()

    texts = gpd.GeoDataFrame(
        {"layer": layer[is_text].to_numpy(), "text": text[is_text].to_numpy()},
        geometry=shapely.force_2d(shapely.centroid(np.asarray(df.geometry.values[is_text]))),
        crs=crs,
    )

    geoms = np.asarray(df.geometry.values[keep & ~is_text], dtype=object)
    names = layer[keep & ~is_text].to_numpy()
    simple = shapely.get_type_id(geoms) == 1  # LineStrings, the bulk of a drawing
    keep_line = ~simple | (shapely.length(geoms) > 0)  # DGN writes bare points as 0-length lines
    geoms, names, simple = geoms[keep_line], names[keep_line], simple[keep_line]
    line_rows = list(shapely.force_2d(geoms[simple]))
    line_layers = list(names[simple])
    for geom, name in zip(geoms[~simple], names[~simple]):
        parts = _lines_of(geom)
        line_rows.extend(parts)
        line_layers.extend([name] * len(parts))
    lines = gpd.GeoDataFrame({"layer": pd.Series(line_layers, dtype="string")},
                             geometry=gpd.GeoSeries(line_rows, crs=crs).values, crs=crs)
    return CadDrawing(lines=lines, texts=texts, crs=crs, source=path.name)


# --------------------------------------------------------------------------- polygons


def _close_near_rings(lines: np.ndarray, tol: float) -> np.ndarray:
    """Close polylines whose ends miss each other by less than ``tol``."""
    out = lines.copy()
    for i, g in enumerate(lines):
        coords = shapely.get_coordinates(g)
        if len(coords) > 3 and 0 < np.hypot(*(coords[0] - coords[-1])) <= tol:
            coords[-1] = coords[0]
            out[i] = shapely.LineString(coords)
    return out


def _snap_lines(lines: np.ndarray, tol: float) -> np.ndarray:
    """Snap line ends and vertices onto neighbouring lines closer than ``tol``.

    Lines are snapped one after the other onto the already snapped neighbours, so two ends that
    miss each other meet at one of them instead of swapping places.
    """
    if tol <= 0 or len(lines) < 2:
        return lines
    lines = _close_near_rings(lines, tol)
    left, right = STRtree(lines).query(lines, predicate="dwithin", distance=tol)
    other = left != right
    left, right = left[other], right[other]
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    starts = np.searchsorted(left, np.arange(len(lines) + 1))
    out = lines.copy()
    for i in range(len(lines)):
        nb = right[starts[i]:starts[i + 1]]
        if len(nb):
            out[i] = shapely.snap(out[i], shapely.multilinestrings(out[nb]), tol)
    return out


def _fmt_xy(x, y) -> str:
    return f"({x:.2f}, {y:.2f})"


def _report_dangles(report, dangles, cuts, invalid, edges) -> None:
    """Add the unclosed boundaries, stray lines and invalid rings of polygonize_full."""
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(edges, 0)),
                      shapely.get_coordinates(shapely.get_point(edges, -1))])
    degree = Counter(map(tuple, ends))
    tree = STRtree(edges)

    parts = shapely.get_parts(dangles)
    chains = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(parts))) \
        if len(parts) else []
    for chain in chains:
        a, b = (shapely.get_coordinates(chain)[[0, -1]])
        free = [p for p in (a, b) if degree.get(tuple(p), 0) <= 1] or [a]
        x, y = free[0]
        msg = (f"a {chain.length:.2f} m boundary line from {_fmt_xy(*a)} to {_fmt_xy(*b)} "
               f"stops at {_fmt_xy(x, y)} without meeting another line")
        # how far the free end is from the nearest line that is not part of this piece
        point = shapely.Point(x, y)
        near = tree.query(point, predicate="dwithin", distance=max(chain.length, 1.0))
        near = near[~shapely.covered_by(edges[near], chain)]
        if len(near):
            gap = float(shapely.distance(point, edges[near]).min())
            msg += f" (the nearest other line is {gap:.2f} m away)"
        report.add(UNCLOSED, msg, x, y)

    for cut in shapely.get_parts(cuts):
        p = shapely.line_interpolate_point(cut, 0.5, normalized=True)
        report.add(STRAY_LINE, f"a {cut.length:.2f} m line joins boundaries but is not the "
                               f"edge of any parcel", p.x, p.y)
    for ring in shapely.get_parts(invalid):
        x, y = shapely.get_coordinates(ring)[0]
        report.add(INVALID_RING, f"a closed boundary crosses itself "
                                 f"({shapely.is_valid_reason(shapely.Polygon(ring))})", x, y)


def polygonize_drawing(drawing: CadDrawing, *, snap_tolerance: float = 0.01
                       ) -> tuple[gpd.GeoDataFrame, CadReport]:
    """Build parcel polygons from a drawing's lines and give each the label inside it.

    The lines are snapped (ends missing another line by at most ``snap_tolerance``), noded and
    polygonized; each text is assigned to the polygon containing its insertion point. A polygon
    whose texts give exactly one parcel number becomes a parcel; its other texts may give the
    land use and the area (``"345"`` above ``"CLN 1234,5"``). When a polygon holds several
    texts none of which gives a number (a label split into lines, as in DGN text nodes or block
    attributes), they are read together, top line first. Identical labels drawn twice count
    once.

    Parameters
    ----------
    drawing : CadDrawing
        From :func:`read_cad`.
    snap_tolerance : float
        Largest gap closed silently, in drawing units (metres); 0 snaps nothing.

    Returns
    -------
    parcels : geopandas.GeoDataFrame
        Columns ``sheet_no`` (nullable int), ``parcel_no``, ``land_use_code``,
        ``legal_area_m2``, ``label`` (the text used) and Polygon geometries, in the drawing's CRS.
        ``land_use_code`` and ``legal_area_m2`` are empty where no text of the parcel gives
        them.
    report : CadReport
        Unclosed boundaries, parcels with no label or several, labels outside every parcel or
        unreadable, parcel numbers used twice.
    """
    report = CadReport(source=drawing.source)
    lines = np.asarray(drawing.lines.geometry.values, dtype=object)
    empty = gpd.GeoDataFrame(
        {"sheet_no": pd.Series([], dtype="Int64"), "parcel_no": pd.Series([], dtype="int64"),
         "land_use_code": pd.Series([], dtype=object),
         "legal_area_m2": pd.Series([], dtype="float64"), "label": pd.Series([], dtype=object)},
        geometry=gpd.GeoSeries([], crs=drawing.crs).values, crs=drawing.crs)
    if len(lines) == 0:
        report.add(NO_LINEWORK, "the drawing (or the chosen layers) holds no lines")
        for t, p in zip(drawing.texts["text"], drawing.texts.geometry):
            report.add(LABEL_OUTSIDE, f"label {t!r} is outside every parcel", p.x, p.y)
        return empty, report

    snapped = _snap_lines(lines, snap_tolerance)
    edges = shapely.get_parts(shapely.union_all(snapped))
    edges = edges[shapely.get_type_id(edges) == 1]  # LineStrings only
    polygons, cuts, dangles, invalid = shapely.polygonize_full(edges)
    polygons = shapely.get_parts(polygons)
    report.n_polygons = len(polygons)
    _report_dangles(report, dangles, cuts, invalid, edges)

    texts = drawing.texts
    points = np.asarray(texts.geometry.values, dtype=object)
    strings = texts["text"].to_numpy(dtype=object)
    tpoly = np.full(len(points), -1)
    if len(points) and len(polygons):
        ti, pi = STRtree(polygons).query(points, predicate="within")
        tpoly[ti] = pi  # a point is within at most one polygon of a planar partition
    by_poly: dict[int, list[int]] = {}
    for t_idx, p_idx in enumerate(tpoly):
        if p_idx >= 0:
            by_poly.setdefault(int(p_idx), []).append(t_idx)

    rows = []
    for p_idx, poly in enumerate(polygons):
        inside = sorted(by_poly.get(p_idx, []),
                        key=lambda i: (-round(points[i].y, 3), points[i].x))
        rep = shapely.point_on_surface(poly)
        if not inside:
            report.add(NO_LABEL, f"a parcel polygon of {poly.area:,.1f} m² has no label",
                       rep.x, rep.y)
            continue
        found = [strings[i] for i in inside]
        attrs, used, problems = _label_reading(found)
        for kind, msg, i in problems:
            p = rep if i is None else points[inside[i]]
            report.add(kind, msg, p.x, p.y)
        if attrs is not None:
            rows.append({**attrs, "label": used, "geometry": poly})

    for t_idx in np.flatnonzero(tpoly < 0):
        p = points[t_idx]
        t = strings[t_idx]
        on_line = len(polygons) and bool(shapely.intersects(p, polygons).any())
        where = "lies on a boundary line" if on_line else "is outside every parcel"
        report.add(LABEL_OUTSIDE, f"label {t!r} {where}{_lost(t)}", p.x, p.y)

    if not rows:
        return empty, report
    parcels = gpd.GeoDataFrame(rows, geometry="geometry", crs=drawing.crs)
    parcels["sheet_no"] = parcels["sheet_no"].astype("Int64")
    parcels["parcel_no"] = parcels["parcel_no"].astype("int64")
    parcels["legal_area_m2"] = parcels["legal_area_m2"].astype("float64")
    parcels["land_use_code"] = parcels["land_use_code"].astype(object)
    parcels = parcels[[*PARCEL_COLUMNS, "geometry"]]
    report.n_parcels = len(parcels)

    key = parcels["sheet_no"].astype("string").fillna("") + "-" + parcels["parcel_no"].astype(str)
    for _, group in parcels[key.duplicated(keep=False)].groupby(key[key.duplicated(keep=False)]):
        first = shapely.point_on_surface(group.geometry.iat[0])
        sheet = group["sheet_no"].iat[0]
        name = f"parcel {group['parcel_no'].iat[0]}" + (
            f" of sheet {sheet}" if pd.notna(sheet) else "")
        inner = shapely.point_on_surface(np.asarray(group.geometry.values[:PLACES_SHOWN]))
        places = ", ".join(_fmt_xy(p.x, p.y) for p in inner)
        if len(group) > PLACES_SHOWN:
            places += f" and {len(group) - PLACES_SHOWN} more"
        report.add(DUPLICATE_PARCEL, f"{name} labels {len(group)} polygons, at {places}",
                   first.x, first.y)
    return parcels.reset_index(drop=True), report


def cad_to_parcels(path, *, layers: Sequence[str | int] | None = None,
                   snap_tolerance: float = 0.01) -> tuple[gpd.GeoDataFrame, CadReport]:
    """Read a DXF or DGN drawing and build its parcels: :func:`read_cad` then
    :func:`polygonize_drawing`.

    Parameters
    ----------
    path : str or pathlib.Path
        The drawing.
    layers : list of str or int, optional
        CAD layers (DXF) or levels (DGN) holding the boundaries and the labels.
    snap_tolerance : float
        Largest gap closed silently, in drawing units.

    Returns
    -------
    parcels : geopandas.GeoDataFrame
    report : CadReport
    """
    return polygonize_drawing(read_cad(path, layers=layers), snap_tolerance=snap_tolerance)
