"""Parcels from cadastral CAD drawings: boundary lines plus a text label inside each parcel.

Cadastral sheets drawn in MicroStation (DGN v7) or AutoCAD (DXF) rarely hold polygons. They hold
the parcel boundaries as lines, drawn once per shared edge, and a text label inside each parcel:
parcel number, land-use code and legal area (``"345 CLN 1234,5"``, ``"345/CLN/1234.5"``, three
lines of MTEXT, sometimes with the sheet in front, ``"T12-345 …"``). This module builds the
polygons from the lines, gives each polygon the attributes of the label inside it, and reports
what a surveyor has to fix: boundaries that do not close, parcels with no label or with two,
labels outside every parcel, labels that cannot be read.

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

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely import STRtree

from landgis.contract import LAND_USE

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

# Issue kinds, with the words the terminal report uses for each.
UNCLOSED = "unclosed"
STRAY_LINE = "stray_line"
INVALID_RING = "invalid_ring"
NO_LABEL = "no_label"
SEVERAL_LABELS = "several_labels"
LABEL_OUTSIDE = "label_outside"
BAD_LABEL = "bad_label"
DUPLICATE_PARCEL = "duplicate_parcel"
NO_LINEWORK = "no_linework"

ISSUE_TITLES = {
    UNCLOSED: "boundary does not close",
    STRAY_LINE: "line encloses nothing",
    INVALID_RING: "invalid ring",
    NO_LABEL: "parcel without label",
    SEVERAL_LABELS: "parcel with several labels",
    LABEL_OUTSIDE: "label outside every parcel",
    BAD_LABEL: "label cannot be read",
    DUPLICATE_PARCEL: "parcel number used twice",
    NO_LINEWORK: "no boundary lines",
}


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class CadIssue:
    """One thing to fix in the drawing, and where it is.

    Attributes
    ----------
    kind : str
        One of the keys of :data:`ISSUE_TITLES` (``"unclosed"``, ``"no_label"`` …).
    message : str
        A sentence for the surveyor.
    x, y : float or None
        A drawing coordinate at the place (a free line end, a point inside the polygon, the
        label's insertion point); None when the issue has no place.
    """

    kind: str
    message: str
    x: float | None = None
    y: float | None = None

    def __str__(self) -> str:
        where = f" at ({self.x:.2f}, {self.y:.2f})" if self.x is not None else ""
        return f"{ISSUE_TITLES.get(self.kind, self.kind)}{where}: {self.message}"


@dataclass
class CadReport:
    """What building parcels from a drawing found wrong, issue by issue.

    Attributes
    ----------
    source : str
        The drawing's file name (or a description).
    n_polygons : int
        Polygons the boundary lines enclose.
    n_parcels : int
        Polygons that became parcels (exactly one readable label).
    issues : list of CadIssue
        Every problem, in the order: linework, polygons, labels.
    """

    source: str = ""
    n_polygons: int = 0
    n_parcels: int = 0
    issues: list[CadIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the drawing has nothing to fix."""
        return not self.issues

    def by_kind(self, kind: str) -> list[CadIssue]:
        """The issues of one kind (``"unclosed"``, ``"no_label"``, ``"several_labels"`` …)."""
        return [i for i in self.issues if i.kind == kind]

    def add(self, kind: str, message: str, x=None, y=None) -> None:
        """Append an issue."""
        self.issues.append(CadIssue(kind, message,
                                    None if x is None else float(x),
                                    None if y is None else float(y)))

    def __str__(self) -> str:
        head = (f"{self.source or 'CAD drawing'}: {self.n_polygons} polygon(s), "
                f"{self.n_parcels} parcel(s) built, ")
        if self.ok:
            return head + "no problems"
        lines = [head + f"{len(self.issues)} problem(s)"]
        counts = Counter(i.kind for i in self.issues)
        lines.append("  " + "; ".join(f"{ISSUE_TITLES.get(k, k)}: {n}"
                                      for k, n in counts.items()))
        lines += [f"  - {issue}" for issue in self.issues]
        return "\n".join(lines)


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


# --------------------------------------------------------------------------- labels

_MTEXT_CODES = re.compile(r"\\[ACcFfHQTWp][^;\\]*;|\\[LlOoKk]|[{}]")
_SHEET_PARCEL = re.compile(
    r"(?<![\w.,])(?:t(?:ờ|o)?\s*\.?\s*)?(\d+)\s*[-–]\s*(\d+)(?![\w.,])", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z]{2,4}(?:\+[A-Za-z]{2,4})*$")
_NUMBER = re.compile(r"^\d[\d.,]*$")
_UNIT = re.compile(r"(?i)(m2|m²)$")
_EXAMPLE = "e.g. '345 CLN 1234.5', '345/CLN/1.234,5' or 'T12-345 CLN 1234.5'"


def _area(token: str, text: str) -> float:
    """Read an area written ``1234.5``, ``1234,5``, ``1.234,5`` or ``1,234.5``."""
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        dec, thousands = ("," , ".") if token.rfind(",") > token.rfind(".") else (".", ",")
        if token.count(dec) > 1:
            raise ValueError(f"cannot read the area {token!r} in label {text!r}")
        whole, frac = token.split(dec)
        groups = whole.split(thousands)
    elif dots + commas == 0:
        whole, frac, groups = token, "", [token]
    elif dots + commas == 1:
        sep = "." if dots else ","
        whole, frac = token.split(sep)
        if len(frac) == 3 and 1 <= len(whole) <= 3:
            raise ValueError(
                f"the area {token!r} in label {text!r} is ambiguous (thousands or decimals?); "
                f"write it as {whole}{frac} or {whole}{frac},0"
            )
        groups = [whole]
    else:  # several of one separator: thousands grouping only
        sep = "." if dots else ","
        whole, frac, groups = token.replace(sep, ""), "", token.split(sep)
    if (not groups[0] or len(groups[0]) > 3 and len(groups) > 1
            or any(len(g) != 3 for g in groups[1:]) or (frac == "" and token[-1] in ".,")):
        raise ValueError(f"cannot read the area {token!r} in label {text!r}")
    value = float("".join(groups) + ("." + frac if frac else ""))
    if value <= 0:
        raise ValueError(f"the area in label {text!r} is zero")
    return value


def parse_label(text: str) -> dict:
    """Read a parcel label: parcel number, land-use code, legal area, and the sheet if given.

    Accepted: the three parts separated by spaces, new lines, ``/``, ``;`` or ``|`` (``"345 CLN
    1234,5"``, ``"345\\nCLN\\n1234.5"``, ``"345/CLN/1234.5"``), the parcel number first and the
    code and area in either order; the area with a decimal point or a Vietnamese decimal comma and
    optional thousands separators (``"1.234,5"``), optionally followed by ``m2``; the sheet in
    front of the parcel number as ``"T12-345"``, ``"Tờ 12-345"`` or ``"12-345"``. MTEXT
    formatting codes are ignored.

    Parameters
    ----------
    text : str
        The label as the drawing holds it.

    Returns
    -------
    dict
        ``sheet_no`` (int, or None when the label does not give it), ``parcel_no`` (int),
        ``land_use_code`` (str, upper case, a code of :data:`landgis.contract.LAND_USE`) and
        ``legal_area_m2`` (float).

    Raises
    ------
    ValueError
        When the label cannot be read or its land-use code is unknown; the message quotes it.
    """
    raw = str(text)
    s = unicodedata.normalize("NFC", raw).replace("\\P", "\n")
    s = _MTEXT_CODES.sub("", s)
    s = re.sub(r"(?i)\bS\s*=\s*", " ", s)  # "S=1234.5"
    sheet = parcel = None
    match = _SHEET_PARCEL.search(s)
    if match:
        sheet, parcel = int(match.group(1)), int(match.group(2))
        s = s[:match.start()] + " " + s[match.end():]
    # separators: white space, / ; | and commas that are not decimal commas
    s = re.sub(r"[/;|]", " ", s)
    s = re.sub(r",(?=\s|$|[^\W\d_])|(?<=[^\W\d_]),", " ", s)
    tokens = [_UNIT.sub("", t) for t in s.split()]
    tokens = [t for t in tokens if t]
    codes = [t for t in tokens if _CODE.match(t)]
    numbers = [t for t in tokens if _NUMBER.match(t)]
    other = [t for t in tokens if t not in codes and t not in numbers]
    if other:
        raise ValueError(f"cannot read label {raw!r}: unexpected {' '.join(other)!r}; {_EXAMPLE}")
    if len(codes) != 1:
        what = "no land-use code" if not codes else f"several codes ({', '.join(codes)})"
        raise ValueError(f"cannot read label {raw!r}: {what}; {_EXAMPLE}")
    if parcel is None:
        plain = [t for t in numbers if t.isdigit()]
        if len(numbers) != 2 or not plain:
            raise ValueError(
                f"cannot read label {raw!r}: expected a parcel number and an area; {_EXAMPLE}")
        parcel_token = plain[0]
        numbers.remove(parcel_token)
        parcel = int(parcel_token)
    elif len(numbers) != 1:
        raise ValueError(f"cannot read label {raw!r}: expected one area; {_EXAMPLE}")
    if parcel <= 0:
        raise ValueError(f"cannot read label {raw!r}: parcel number 0")
    code = codes[0].upper()
    if "+" in code:
        raise ValueError(f"label {raw!r} has several land-use codes ({code}); "
                         f"a parcel takes one: split it or keep the main use")
    if code not in LAND_USE:
        raise ValueError(f"label {raw!r}: unknown land-use code {code!r}")
    return {"sheet_no": sheet, "parcel_no": parcel, "land_use_code": code,
            "legal_area_m2": _area(numbers[0], raw)}


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


def _label_reading(texts: list[str]):
    """Attributes for a polygon holding ``texts`` (top line first): (attrs, used, problems).

    ``problems`` is a list of (kind, message, i) where ``i`` is the index of the text the problem
    is about, or None when it is about the polygon. ``attrs`` is None when the polygon cannot
    become a parcel.
    """
    parsed, errors = [], []
    for i, t in enumerate(texts):
        try:
            parsed.append((t, parse_label(t)))
        except ValueError as exc:
            errors.append((i, str(exc)))
    distinct = {tuple(sorted(p.items())): (t, p) for t, p in parsed}
    if len(distinct) == 1:
        t, attrs = next(iter(distinct.values()))
        return attrs, t, [(BAD_LABEL, f"{msg}; the parcel takes its attributes from {t!r}", i)
                          for i, msg in errors]
    if len(distinct) > 1:
        labels = ", ".join(repr(t) for t, _ in distinct.values())
        extra = (f" and unreadable text {', '.join(repr(texts[i]) for i, _ in errors)}"
                 if errors else "")
        return None, None, [(SEVERAL_LABELS, f"{len(distinct)} labels: {labels}{extra}", None)]
    if len(texts) > 1:  # a label split into one text per line: read them together
        joined = "\n".join(texts)
        try:
            return parse_label(joined), joined, []
        except ValueError as exc:
            quoted = ", ".join(map(repr, texts))
            return None, None, [(BAD_LABEL, f"the texts {quoted} in one parcel do not read "
                                            f"as a label, alone or together: {exc}", None)]
    return None, None, [(BAD_LABEL, msg, i) for i, msg in errors]


def polygonize_drawing(drawing: CadDrawing, *, snap_tolerance: float = 0.01
                       ) -> tuple[gpd.GeoDataFrame, CadReport]:
    """Build parcel polygons from a drawing's lines and give each the label inside it.

    The lines are snapped (ends missing another line by at most ``snap_tolerance``), noded and
    polygonized; each text is assigned to the polygon containing its insertion point. A polygon
    with exactly one readable label becomes a parcel. When a polygon holds several texts none of
    which reads alone (a label split into lines, as in DGN text nodes or block attributes), they
    are read together, top line first. Identical labels drawn twice count once.

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
        report.add(LABEL_OUTSIDE, f"label {t!r} {where}", p.x, p.y)

    if not rows:
        return empty, report
    parcels = gpd.GeoDataFrame(rows, geometry="geometry", crs=drawing.crs)
    parcels["sheet_no"] = parcels["sheet_no"].astype("Int64")
    parcels["parcel_no"] = parcels["parcel_no"].astype("int64")
    parcels = parcels[[*PARCEL_COLUMNS, "geometry"]]
    report.n_parcels = len(parcels)

    key = parcels["sheet_no"].astype("string").fillna("") + "-" + parcels["parcel_no"].astype(str)
    for _, group in parcels[key.duplicated(keep=False)].groupby(key[key.duplicated(keep=False)]):
        first = shapely.point_on_surface(group.geometry.iat[0])
        sheet = group["sheet_no"].iat[0]
        name = f"parcel {group['parcel_no'].iat[0]}" + (
            f" of sheet {sheet}" if pd.notna(sheet) else "")
        inner = shapely.point_on_surface(np.asarray(group.geometry.values))
        places = ", ".join(_fmt_xy(p.x, p.y) for p in inner)
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
