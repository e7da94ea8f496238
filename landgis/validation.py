"""The validation report of a layer about to be imported.

Errors stop an import: anything that breaks the contract (missing columns, unknown codes,
duplicate keys, invalid or missing geometries, wrong CRS). Warnings are reported and do not stop
it unless the user asks for strictness: overlaps and gaps between parcels above a tolerance,
parcels outside every zone, and legal areas that differ from the plane area beyond a tolerance.
Each finding names the feature and gives a location on the storage plane.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import contract

#: Default tolerance between legal and plane areas, in per cent of the legal area. Cadastral
#: practice in Viet Nam tolerates differences of the order of 1 % between the area on the
#: record and the area recomputed from a new survey before the record must be corrected.
AREA_TOLERANCE_PCT = 1.0
#: Overlaps and gaps smaller than this (m²) are drafting noise, not findings.
SLIVER_M2 = 1.0
#: Overlaps measured at most: parcels stacked on one another would otherwise make every pair
#: a finding (n² of them); the report says when the search stopped.
MAX_OVERLAPS = 1000
#: Findings of one check listed in the HTML and JSON reports; the counts stay complete.
REPORT_FINDINGS = 1000
#: What a parcel id and a commune code may be made of: they name files, URLs
#: (``/api/parcels/<id>``) and spreadsheet cells, so only unaccented letters, digits, ``.``,
#: ``_`` and ``-``, starting with a letter or a digit.
IDENTIFIER_LIMITS = {"parcel_id": 64, "commune_code": 32}
_IDENTIFIER = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
#: Bad identifiers named one by one in the report; the rest are counted.
IDENTIFIERS_LISTED = 20


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    check: str
    message: str
    feature: str | None = None
    x: float | None = None
    y: float | None = None


@dataclass
class ValidationReport:
    layer: str
    features: int
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.check] = out.get(f.check, 0) + 1
        return out

    def listed(self, per_check: int = REPORT_FINDINGS) -> tuple[list[Finding], dict[str, int]]:
        """The first ``per_check`` findings of each check, in order, and per check how many
        more there are."""
        seen: dict[str, int] = {}
        shown = []
        for f in self.findings:
            seen[f.check] = seen.get(f.check, 0) + 1
            if seen[f.check] <= per_check:
                shown.append(f)
        return shown, {c: n - per_check for c, n in seen.items() if n > per_check}

    def to_dict(self, per_check: int = REPORT_FINDINGS) -> dict:
        shown, more = self.listed(per_check)
        return {"layer": self.layer, "features": self.features, "ok": self.ok,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "counts": self.counts(), "notes": self.notes,
                "findings": [asdict(f) for f in shown], "not_listed": more}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self, limit: int = 50) -> str:
        lines = [f"Lớp / layer {self.layer}: {self.features:,} đối tượng / features, "
                 f"{len(self.errors)} lỗi / errors, {len(self.warnings)} cảnh báo / warnings"]
        lines += [f"  · {n}" for n in self.notes]
        if self.findings:
            lines.append(f"  {'mức':<8}{'kiểm tra / check':<22}{'đối tượng':<22}"
                         f"{'vị trí (x, y)':<26}nội dung / message")
        for f in self.findings[:limit]:
            where = f"{f.x:,.1f}, {f.y:,.1f}" if f.x is not None else ""
            lines.append(f"  {f.severity:<8}{f.check:<22}{(f.feature or ''):<22}{where:<26}"
                         f"{f.message}")
        if len(self.findings) > limit:
            lines.append(f"  … {len(self.findings) - limit} chỗ nữa trong báo cáo đầy đủ / "
                         f"{len(self.findings) - limit} more in the full report")
        return "\n".join(lines)

    def to_html(self, per_check: int = REPORT_FINDINGS) -> str:
        e = html.escape
        shown, more = self.listed(per_check)
        rows = "".join(
            f"<tr class='{e(f.severity)}'><td>{e(f.severity)}</td><td>{e(f.check)}</td>"
            f"<td>{e(f.feature or '')}</td>"
            f"<td>{'' if f.x is None else f'{f.x:.2f}, {f.y:.2f}'}</td><td>{e(f.message)}</td></tr>"
            for f in shown)
        rows += "".join(
            f"<tr><td></td><td>{e(check)}</td><td></td><td></td><td>… {n:,} chỗ nữa không liệt "
            f"kê / {n:,} more not listed</td></tr>" for check, n in more.items())
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        return (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
            f"<title>Báo cáo kiểm tra / Validation report: {e(self.layer)}</title>"
            "<style>body{font:14px sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
            "table{border-collapse:collapse}.error{background:#fdd}.warning{background:#ffd}"
            "</style></head><body>"
            f"<h1>Báo cáo kiểm tra / Validation report: {e(self.layer)}</h1>"
            f"<p>{self.features:,} đối tượng / features · {len(self.errors)} lỗi / errors · "
            f"{len(self.warnings)} cảnh báo / warnings</p><ul>{notes}</ul>"
            "<table><tr><th>mức / severity</th><th>kiểm tra / check</th><th>đối tượng / feature"
            "</th><th>vị trí / location (EPSG:9216)</th><th>nội dung / message</th></tr>"
            f"{rows}</table></body></html>")


def _point(geom) -> tuple[float | None, float | None]:
    if geom is None or geom.is_empty:
        return None, None
    p = geom.representative_point() if geom.is_valid else geom.centroid
    return round(p.x, 3), round(p.y, 3)


def mismatched(geoms: np.ndarray) -> np.ndarray:
    """Mask of polygons whose edges do not match their neighbours' exactly (GEOS coverage check).

    A clean cadastral coverage (what survey software produces) has none; only these polygons
    can overlap a neighbour or leave a sliver gap, so only they need the costly checks.
    """
    edges = shapely.coverage_invalid_edges(geoms)
    return ~(shapely.is_missing(edges) | shapely.is_empty(edges))


def crowded(geoms: np.ndarray, per_polygon: int = 32) -> bool:
    """Whether the polygons' bounding boxes meet more than ``per_polygon`` others each on
    average (a survey's parcels meet a handful of neighbours; copies stacked on one another
    meet all the others). Counted a few polygons at a time, stopping at the bound."""
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    bound = per_polygon * n + 1000
    step = max(1, 2_000_000 // max(n, 1))
    seen = 0
    for start in range(0, n, step):
        seen += len(tree.query(geoms[start:start + step])[0])
        if seen > bound:
            return True
    return False


def overlapping_pairs(geoms: np.ndarray, min_area: float = SLIVER_M2,
                      candidates: np.ndarray | None = None, limit: int | None = None):
    """Pairs (i, j, area, piece) of polygons whose intersection exceeds ``min_area`` m².

    ``candidates`` limits the search to pairs in which at least one polygon is a candidate.
    With ``limit`` the search stops once that many pairs are found, and polygons are searched
    a few at a time so that the work stays bounded too: ``limit`` pairs back means there may
    be more.
    """
    tree = shapely.STRtree(geoms)
    wanted = np.ones(len(geoms), bool) if candidates is None else np.asarray(candidates, bool)
    idx = np.flatnonzero(wanted)
    step = max(len(idx), 1) if limit is None else 64
    slice_ = None if limit is None else 10_000
    found: list[tuple] = []
    total = 0
    for start in range(0, len(idx), step):
        chunk = idx[start:start + step]
        a, b = tree.query(geoms[chunk], predicate="intersects")
        a = chunk[a]
        keep = (a < b) | ((a > b) & ~wanted[b])  # each pair once, whichever chunk holds it
        pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)[keep], axis=0)
        for lo in range(0, len(pairs), slice_ or max(len(pairs), 1)):
            part = pairs[lo:lo + (slice_ or len(pairs))]
            inter = shapely.intersection(geoms[part[:, 0]], geoms[part[:, 1]])
            area = shapely.area(inter)
            big = area > min_area
            found.append((part[big, 0], part[big, 1], area[big], inter[big]))
            total += int(big.sum())
            if limit is not None and total >= limit:
                break
        if limit is not None and total >= limit:
            break
    if not total:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([]), np.array([], dtype=object)
    a, b, area, inter = (np.concatenate([f[k] for f in found]) for k in range(4))
    return a[:limit], b[:limit], area[:limit], inter[:limit]


def clean_coverage_union(geoms: np.ndarray):
    """The union of ``geoms`` if they form a clean coverage (edge-matched, no overlaps), else None.

    GEOS's coverage union only dissolves shared edges, so it is fast; on polygons that overlap
    or whose edges do not match it fails or returns an area different from the sum of the
    parts, which is how a dirty coverage is recognised without testing every pair.
    """
    try:
        union = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None
    total = shapely.area(geoms).sum()
    if not union.is_valid or abs(union.area - total) > 1e-9 * total + 0.01:
        return None
    return union


def holes(union, min_area: float = SLIVER_M2) -> list:
    """Interior rings of ``union`` bigger than ``min_area`` m²: gaps between parcels."""
    found = []
    for poly in getattr(union, "geoms", [union]):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            if hole.area > min_area:
                found.append(hole)
    return found


def identifier_findings(gdf) -> list[Finding]:
    """An error for each parcel whose id or commune code is not a plain identifier (see
    :data:`IDENTIFIER_LIMITS`); the first :data:`IDENTIFIERS_LISTED` by row, then a count."""
    findings: list[Finding] = []
    for column, longest in IDENTIFIER_LIMITS.items():
        if column not in gdf.columns:
            continue
        values = gdf[column]
        present = values.notna().to_numpy()  # empty values are the contract's to report
        good = {v: bool(_IDENTIFIER.fullmatch(str(v))) and len(str(v)) <= longest
                for v in pd.unique(values[present])}
        bad = np.flatnonzero(present & ~values.map(good).fillna(True).to_numpy(bool))
        for i in bad[:IDENTIFIERS_LISTED]:
            text = str(values.iloc[i])
            shown = repr(text if len(text) <= 60 else text[:59] + "…")
            x, y = _point(gdf.geometry.iloc[i]) if "geometry" in gdf else (None, None)
            findings.append(Finding(
                "error", "identifier",
                f"{column} {shown}: chỉ được gồm chữ không dấu, chữ số, '.', '_', '-' (bắt đầu "
                f"bằng chữ hoặc số, tối đa {longest} ký tự) / only unaccented letters, digits, "
                f"'.', '_' and '-', starting with a letter or a digit, at most {longest} "
                "characters", f"row {i + 1}", x, y))
        if len(bad) > IDENTIFIERS_LISTED:
            findings.append(Finding(
                "error", "identifier", f"{column}: {len(bad) - IDENTIFIERS_LISTED} giá trị sai "
                f"nữa / {len(bad) - IDENTIFIERS_LISTED} more bad values"))
    return findings


def validate(
    gdf: gpd.GeoDataFrame,
    layer: str,
    *,
    zones: gpd.GeoDataFrame | None = None,
    area_tolerance_pct: float = AREA_TOLERANCE_PCT,
    sliver_m2: float = SLIVER_M2,
) -> ValidationReport:
    """Check ``gdf`` (storage CRS) for import into ``layer`` and report every finding."""
    spec = contract.get_layer(layer)
    report = ValidationReport(layer, len(gdf))
    key = spec.key if spec.key in gdf.columns else None
    geoms = np.asarray(gdf.geometry.values, dtype=object)

    def name(i):
        return str(gdf[key].iloc[i]) if key else f"row {i + 1}"

    for p in contract.check_layer(gdf, spec):
        x = y = None
        feature = None if p.row is None else str(p.row)
        if p.row is not None and key:
            hit = np.flatnonzero(gdf[key].astype(str).to_numpy() == str(p.row))
            if len(hit):
                x, y = _point(geoms[hit[0]])
        elif p.first is not None:  # a problem of several rows, placed at the first of them
            feature, (x, y) = name(p.first), _point(geoms[p.first])
        report.findings.append(Finding("error", "contract", p.message if p.column is None
                                       else f"{p.column}: {p.message}",
                                       feature, x, y))
    if layer != contract.PARCELS.name:
        return report
    report.findings += identifier_findings(gdf)
    if not report.ok:
        return report

    union = clean_coverage_union(geoms)
    if union is None:  # not an edge-matched coverage: find where, and measure any overlaps
        if crowded(geoms):  # GEOS's edge matching would take n² time: measure overlaps only
            suspects = np.ones(len(geoms), bool)
            report.notes.append("nhiều thửa chồng lên nhau / many parcels lie on top of one "
                                "another: edges not matched vertex for vertex")
        else:
            suspects = mismatched(geoms)
            report.notes.append(f"{int(suspects.sum()):,} parcels have edges that do not "
                                "match their neighbours' vertex for vertex")
        a, b, area, inter = overlapping_pairs(geoms, sliver_m2, candidates=suspects,
                                              limit=MAX_OVERLAPS)
        for i, j, ar, g in zip(a, b, area, inter):
            report.findings.append(Finding("warning", "overlap",
                                           f"overlaps {name(j)} by {ar:,.1f} m²", name(i),
                                           *_point(g)))
        if len(a) >= MAX_OVERLAPS:
            report.notes.append(f"tìm chồng lấn dừng sau {MAX_OVERLAPS} chỗ / the search for "
                                f"overlaps stopped after the first {MAX_OVERLAPS}")
        union = shapely.union_all(geoms)
    for hole in holes(union, sliver_m2):
        report.findings.append(Finding("warning", "gap",
                                       f"gap of {hole.area:,.1f} m² between parcels", None,
                                       *_point(hole)))
    if zones is not None and len(zones):
        # each zone is prepared once and tested against the parcels' tree
        inside = shapely.STRtree(geoms).query(zones.geometry.values, predicate="intersects")
        outside = np.setdiff1d(np.arange(len(geoms)), inside[1])
        for i in outside:
            report.findings.append(Finding("warning", "outside_zones",
                                           "outside every zone", name(i), *_point(geoms[i])))
    if "legal_area_m2" in gdf.columns:
        plane = shapely.area(geoms)
        legal = gdf["legal_area_m2"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            diff_pct = (plane - legal) / legal * 100
        for i in np.flatnonzero(np.abs(diff_pct) > area_tolerance_pct):
            report.findings.append(Finding(
                "warning", "legal_area",
                f"legal {legal[i]:,.1f} m² vs plane {plane[i]:,.1f} m² "
                f"({diff_pct[i]:+.2f} %, tolerance {area_tolerance_pct} %)",
                name(i), *_point(geoms[i])))
    return report
