"""Import a planner's file into a layer: read, check the CRS, map fields, validate, write.

:func:`prepare_import` does everything but writing and returns an :class:`ImportPlan` whose
report says what would be written; :func:`commit_import` writes it as one atomic batch. A dry
run is a plan that is never committed. :func:`run_import` is both, with the options a planner
gives (:class:`ImportOptions`): the one call of the import script and of the web upload.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import contract, crs as crsmod
from landgis.dates import iso_date_series
from landgis.ingest.derive import (
    check_columns,
    derive_communes,
    fill_given,
    fill_not_stated,
)
from landgis.ingest.fields import apply_mapping, map_distinct, map_fields
from landgis.ingest.readers import Source, SourceError, read_source
from landgis.ingest.sheet_update import SheetUpdate, plan_sheet_update
from landgis.store.base import Batch, Store
from landgis.validation import (AREA_TOLERANCE_PCT, Finding, ValidationReport, _point,
                                validate)

Progress = Callable[[str], None]


@dataclass
class ImportPlan:
    layer: str
    source: Source
    frame: gpd.GeoDataFrame
    mapping: dict[str, str]
    report: ValidationReport
    sha256: str
    repaired: int = 0
    notes: list[str] = field(default_factory=list)
    #: for an update of the sheets the file covers (parcels): what it adds, changes, removes
    update: SheetUpdate | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok

    def counts(self) -> dict[str, int]:
        """What the batch record counts: features written, warnings, geometries repaired,
        and for an update the parcels added, changed, unchanged and removed."""
        counts = {"features": len(self.frame), "warnings": len(self.report.warnings),
                  "repaired": self.repaired}
        if self.update is not None:
            counts.update(self.update.counts())
        return counts


def file_sha256(path) -> str:
    """SHA-256 of the file, and for a bare .shp of its .shp, .shx, .dbf, .prj and .cpg too."""
    path = Path(path)
    h = hashlib.sha256()
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = [p for p in (path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg"))
                 if p.exists()]
    for part in parts:
        with open(part, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


_VN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_number(value) -> float | None:
    """A number as planners type it: ``1234.5``, ``1234,5`` or ``1.234,5``; None if empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, float, np.number)):
        return float(value)
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if _VN_NUMBER.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif "," in text and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def _land_use(value: str) -> str:
    """National codes in capitals; "not stated" by its code or label, in any case."""
    code = str(value).upper()
    if code in contract.LAND_USE:
        return code
    return contract.LAND_USE.lookup(value) or code


def _coerce(df: gpd.GeoDataFrame, layer: contract.Layer, findings: list[Finding]):
    out = df.copy()
    for col in layer.columns:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.kind in ("int", "float"):
            values = pd.to_numeric(s, errors="coerce").astype(float)
            bad = []
            for i in np.flatnonzero((values.isna() & s.notna()).to_numpy()):
                try:  # what pandas cannot read: "1.234,5", "1234,5", " "
                    values.iloc[i] = parse_number(s.iloc[i])
                except ValueError:
                    bad.append(i)
            if col.kind == "int":
                frac = values.notna() & (values % 1 != 0)
                bad += list(np.flatnonzero(frac.to_numpy()))
                values = values.where(~frac).astype("Int64")
            for i in bad:
                findings.append(Finding("error", "contract",
                                        f"{col.name}: {s.iloc[i]!r} is not a "
                                        f"{'whole number' if col.kind == 'int' else 'number'}",
                                        f"row {i + 1}", *_point(out.geometry.iloc[i])))
            out[col.name] = values
        elif col.kind == "str":
            if pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s):
                # codes read as numbers (23296.0) become their digits
                text = s.astype("Int64").astype(str).where(s.notna(), None)
            else:
                text = map_distinct(s, lambda v: str(v).strip() or None)
            if col.vocabulary is contract.LAND_USE:
                text = map_distinct(text, _land_use)
            out[col.name] = text.astype(object).where(text.notna(), None)
        elif col.kind == "date":
            # a GDAL Date field, ISO or dd/mm/yyyy text: YYYY-MM-DD text, read as everywhere;
            # what is not a date stays as it is and the contract check names it
            out[col.name] = iso_date_series(s, col.name)[0]
    return out


def _derive(df: gpd.GeoDataFrame, layer: str, zones: gpd.GeoDataFrame | None,
            notes: list[str]) -> gpd.GeoDataFrame:
    if layer != contract.PARCELS.name:
        return df
    parts = ("commune_code", "sheet_no", "parcel_no")
    if "parcel_id" not in df.columns and all(p in df.columns for p in parts):
        ok = df[list(parts)].notna().all(axis=1)
        df["parcel_id"] = None
        df.loc[ok, "parcel_id"] = (df.loc[ok, "commune_code"].astype(str) + "-"
                                   + df.loc[ok, "sheet_no"].astype(str) + "-"
                                   + df.loc[ok, "parcel_no"].astype(str))
        notes.append("parcel_id built from commune_code-sheet_no-parcel_no")
    if "zone_code" not in df.columns and zones is not None and len(zones):
        points = gpd.GeoDataFrame(geometry=df.geometry.representative_point(), crs=df.crs)
        hit = gpd.sjoin(points, zones[["zone_code", "geometry"]], predicate="within",
                        how="left")
        df["zone_code"] = hit.groupby(level=0)["zone_code"].first().reindex(df.index)
        notes.append("zone_code taken from the zone each parcel lies in")
    return df


def _repair(df: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    geoms = df.geometry.values
    bad = ~shapely.is_valid(geoms)
    if not bad.any():
        return df, 0
    fixed = shapely.make_valid(geoms[bad])
    # keep the polygonal part of what make_valid returns (it may add stray lines or points)
    polys = [shapely.union_all([g for g in shapely.get_parts(f)
                                if g.geom_type in ("Polygon", "MultiPolygon")]) for f in fixed]
    out = df.copy()
    out.loc[bad, out.geometry.name] = polys
    return out, int(bad.sum())


def prepare_import(
    path,
    layer: str,
    *,
    crs=None,
    encoding: str | None = None,
    field_map: Mapping[str, str] | None = None,
    constants: Mapping[str, object] | None = None,
    repair: bool = False,
    zones: gpd.GeoDataFrame | None = None,
    area_tolerance_pct: float = AREA_TOLERANCE_PCT,
    source_layer: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and check ``path`` for import into ``layer``; nothing is written.

    Raises
    ------
    SourceError
        The file cannot be read, has no CRS and none was given, or its coordinates cannot be
        in its CRS, or the field map or the values given name what is not there. The message
        names the file; ``option`` what would put it right.
    landgis.ingest.derive.MissingColumns
        A column the layer needs is neither in the file, nor given in ``constants``, nor
        derived; it names the column and the file's own columns.
    """
    step = progress or (lambda _name: None)
    spec = contract.get_layer(layer)
    path = Path(path)
    step("đọc tệp / reading")
    source = read_source(path, crs=crs, encoding=encoding, layer=source_layer)
    if source.crs is None:
        raise SourceError(
            f"{path}: tệp không nói hệ tọa độ / the file says nothing of its CRS (no .prj); "
            "its CRS must be given, e.g. VN-2000 Kon Tum (EPSG:9216)", "crs")
    try:
        crsmod.check_geometries(source.frame.geometry.values, source.crs)
    except crsmod.CoordinateError as exc:
        raise SourceError(f"{path}: {exc}", "crs") from None

    step("ánh xạ trường / mapping fields")
    columns = [c for c in source.frame.columns if c != source.frame.geometry.name]
    mapping = map_fields(columns, layer, field_map)
    frame = fill_given(apply_mapping(source.frame, mapping), layer, constants)

    step("chuyển hệ tọa độ / reprojecting")
    frame = crsmod.to_storage(frame)
    findings: list[Finding] = []
    frame = _coerce(frame, spec, findings)  # its findings placed on the storage plane
    notes = list(source.notes)
    frame = _derive(frame, layer, zones, notes)
    frame = derive_communes(frame, layer, notes, findings)
    frame = fill_not_stated(frame, layer, notes, findings)
    check_columns(frame, layer, path, columns)
    repaired = 0
    if repair:
        frame, repaired = _repair(frame)
        if repaired:
            notes.append(f"{repaired} invalid geometries repaired (as asked)")

    step("kiểm tra / validating")
    report = validate(frame, layer, zones=zones, area_tolerance_pct=area_tolerance_pct)
    report.findings[:0] = findings
    if source.cad_report is not None:
        for issue in getattr(source.cad_report, "issues", []):
            report.findings.append(Finding("error", f"cad_{issue.kind}", issue.message, None,
                                           issue.x, issue.y))
    report.notes = (notes + [f"{src} → {dst}" for src, dst in mapping.items() if src != dst]
                    + report.notes)
    return ImportPlan(layer, source, frame, mapping, report, file_sha256(path), repaired, notes)


def commit_import(store: Store, plan: ImportPlan, *, user: str) -> int:
    """Write a checked plan as one atomic batch; returns the batch id. A plan with an
    ``update`` replaces the parcels of the sheets it covers (and appends the carried statuses
    and the lineage) in one transaction; any other replaces the whole layer."""
    if not plan.ok:
        raise SourceError(f"{plan.source.path}: {len(plan.report.errors)} error(s); "
                          "nothing written")
    update = plan.update
    batch = Batch(source_name=plan.source.path.name, user=user, source_sha256=plan.sha256,
                  counts=plan.counts(),
                  note=update.history_note() if update and update.with_history else None)
    if update is not None:
        return store.update_layer(plan.layer, plan.frame, remove=update.removed,
                                  events=update.events, lineage=update.lineage, batch=batch,
                                  validate=False)
    # validate=False: the plan's frame passed the same contract check in prepare_import
    return store.write_layer(plan.layer, plan.frame, validate=False, batch=batch)


@dataclass(frozen=True)
class ImportOptions:
    """What a planner may say about a file besides the file: its CRS and text encoding when it
    says nothing of them, a field map ``{source_field: column}``, values for every feature
    ``{column: value}``, the layer (or CAD level) to read, whether to repair invalid geometries,
    whether warnings refuse the import too (``strict``), the area tolerance in per cent
    (None: the settings' ``area_tolerance_pct``), for parcels whether the file updates the
    sheets it covers (``mode="update"``, the default) or replaces the whole layer
    (``"replace"``), and whether removing parcels whose statuses no new parcel carries on is
    confirmed (``confirm_removed``)."""

    crs: str | None = None
    encoding: str | None = None
    field_map: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, object] = field(default_factory=dict)
    source_layer: str | None = None
    repair: bool = False
    strict: bool = False
    tolerance_pct: float | None = None
    mode: str = "update"
    confirm_removed: bool = False


MODES = ("update", "replace")


@dataclass
class ImportResult:
    """A checked import: the plan, whether it may be written (``refused`` says why not, in the
    words of the data; ``option`` the option that would allow it, if any), and the batch id
    once written."""

    plan: ImportPlan
    refused: str | None
    batch: int | None = None
    option: str | None = None


def _plan_update(store: Store, plan: ImportPlan, user: str) -> None:
    """Compare a parcels plan with the store: the update its sheets make, in its report."""
    current = store.read_layer(plan.layer)
    ledger = (store.read_layer(contract.STATUS_EVENTS.name)
              if contract.STATUS_EVENTS.name in store.layers() else None)
    plan.update = plan_sheet_update(plan.frame, current, ledger, user=user)
    plan.report.findings.extend(plan.update.findings)
    plan.report.notes[:0] = plan.update.notes()


def run_import(store: Store, path, layer: str, options: ImportOptions = ImportOptions(), *,
               user: str, write: bool, area_tolerance_pct: float = AREA_TOLERANCE_PCT,
               progress: Progress | None = None) -> ImportResult:
    """Check ``path`` for ``layer`` against the store's zones and, with ``write`` and nothing
    refusing it, write it as one atomic batch recorded with ``user``. Every adapter (the
    import script, the web upload) calls this. A refused or unwritten check writes nothing.

    Raises the errors of :func:`prepare_import` (a :class:`SourceError` whose ``option`` names
    what would put it right).
    """
    if options.mode not in MODES:
        raise ValueError(f"unknown import mode {options.mode!r}; modes: {', '.join(MODES)}")
    zones = store.read_layer("zones") if "zones" in store.layers() else None
    tolerance = (options.tolerance_pct if options.tolerance_pct is not None
                 else area_tolerance_pct)
    plan = prepare_import(
        path, layer, crs=options.crs or None, encoding=options.encoding or None,
        field_map=options.field_map, constants=options.constants, repair=options.repair,
        zones=zones, area_tolerance_pct=tolerance, source_layer=options.source_layer or None,
        progress=progress)
    report = plan.report
    if (layer == contract.PARCELS.name and options.mode == "update" and report.ok
            and layer in store.layers()):
        _plan_update(store, plan, user)
    refused, option = None, None
    if not report.ok:
        refused = f"{len(report.errors)} lỗi / errors"
    elif plan.update is not None and plan.update.refusal() and not options.confirm_removed:
        refused, option = plan.update.refusal(), "confirm_removed"
    elif options.strict and report.warnings:
        refused = (f"{len(report.warnings)} cảnh báo / warnings, and warnings refuse the "
                   "import (strict)")
    result = ImportResult(plan, refused, option=option)
    if write and refused is None:
        result.batch = commit_import(store, plan, user=user)
    return result
