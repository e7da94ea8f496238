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
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from landgis import contract

#: Default tolerance between legal and plane areas, in per cent of the legal area. Cadastral
#: practice in Viet Nam tolerates differences of the order of 1 % between the area on the
#: record and the area recomputed from a new survey before the record must be corrected.
AREA_TOLERANCE_PCT = 1.0
#: Overlaps and gaps smaller than this (m²) are drafting noise, not findings.
SLIVER_M2 = 1.0


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

    def to_dict(self) -> dict:
        return {"layer": self.layer, "features": self.features, "ok": self.ok,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "counts": self.counts(), "notes": self.notes,
                "findings": [asdict(f) for f in self.findings]}

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
            lines.append(f"  … {len(self.findings) - limit} more (see --report)")
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr class='{e(f.severity)}'><td>{e(f.severity)}</td><td>{e(f.check)}</td>"
            f"<td>{e(f.feature or '')}</td>"
            f"<td>{'' if f.x is None else f'{f.x:.2f}, {f.y:.2f}'}</td><td>{e(f.message)}</td></tr>"
            for f in self.findings)
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


def overlapping_pairs(geoms: np.ndarray, min_area: float = SLIVER_M2,
                      candidates: np.ndarray | None = None):
    """Pairs (i, j, area, piece) of polygons whose intersection exceeds ``min_area`` m².

    ``candidates`` limits the search to pairs in which at least one polygon is a candidate.
    """
    tree = shapely.STRtree(geoms)
    idx = np.arange(len(geoms)) if candidates is None else np.flatnonzero(candidates)
    a, b = tree.query(geoms[idx], predicate="intersects")
    a = idx[a]
    pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)[a != b], axis=0)
    if len(pairs) == 0:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([]), np.array([], dtype=object)
    a, b = pairs[:, 0], pairs[:, 1]
    inter = shapely.intersection(geoms[a], geoms[b])
    area = shapely.area(inter)
    big = area > min_area
    return a[big], b[big], area[big], inter[big]


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
                                       else f"{p.column}: {p.message}", feature, x, y))
    if layer != contract.PARCELS.name or not report.ok:
        return report

    union = clean_coverage_union(geoms)
    if union is None:  # not an edge-matched coverage: find where, and measure any overlaps
        suspects = mismatched(geoms)
        report.notes.append(f"{int(suspects.sum()):,} parcels have edges that do not match "
                            "their neighbours' vertex for vertex")
        a, b, area, inter = overlapping_pairs(geoms, sliver_m2, candidates=suspects)
        for i, j, ar, g in zip(a, b, area, inter):
            report.findings.append(Finding("warning", "overlap",
                                           f"overlaps {name(j)} by {ar:,.1f} m²", name(i),
                                           *_point(g)))
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
