"""The data contract: layer names, their columns and types, and the vocabularies.

Every other module takes its layer and column names and its status codes from here. Each
vocabulary code carries a Vietnamese and an English label; user-facing text shows the Vietnamese
one first.

:func:`check_layer` checks a GeoDataFrame against a layer's contract and returns *every* problem
it finds, so that an import report can list them all at once.

Examples
--------
>>> from landgis.contract import CLEARANCE_STATUS
>>> CLEARANCE_STATUS.label("handed_over")
'đã bàn giao mặt bằng'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from landgis.dates import iso_date_series
from landgis.vocabularies import (  # noqa: F401  (re-exported: the contract names them)
    Vocabulary,
    CLEARANCE_STATUS,
    AUCTION_STATUS,
    STATUS_FIELDS,
    DEFAULT_STATUS,
    ZONE_KIND,
    ZONE_STATUS,
    PLAN_FUNCTION,
    LEASE_STATUS,
    NOT_STATED,
    OWNER_KIND,
    LAND_USE,
    VOCABULARIES,
    LINEAGE_KIND,
    _NOT_STATED_LABELS,
    PROGRESS_SUBJECT,
    PROGRESS_KIND,
    MILESTONE,
    CAPITAL_SOURCE,
    AUCTION_RESULT,
    APPROVAL_KIND,
)
from landgis.contract_progress import AUCTION_LOTS, INVESTMENTS, PROGRESS_EVENTS
from landgis.layer_spec import POLYGONAL, Column, Layer, _c  # noqa: F401 (re-exported)

STORAGE_EPSG = 9216


# --------------------------------------------------------------------------- layers


ZONES = Layer(
    "zones",
    (
        _c("zone_code", "str", vi="mã khu", en="zone code"),
        _c("name_vi", "str", vi="tên", en="Vietnamese name"),
        _c("name_en", "str", vi="tên tiếng Anh", en="English name"),
        _c("kind", "str", vocabulary=ZONE_KIND, vi="loại", en="kind"),
        _c("phase", "str", required=False, vi="giai đoạn", en="phase"),
        _c("decision_no", "str", required=False, vi="số quyết định", en="decision"),
        _c("decision_date", "date", required=False, vi="ngày quyết định", en="decision date"),
        _c("planned_area_ha", "float", required=False, vi="diện tích quy hoạch (ha)",
           en="planned area (ha)"),
        _c("status", "str", vocabulary=ZONE_STATUS, vi="tình trạng", en="status"),
        _c("source", "str", vi="nguồn hình học", en="geometry source"),
    ),
    key="zone_code",
    geometry_types=POLYGONAL,
    title_vi="Khu kinh tế, khu và cụm công nghiệp",
    title_en="Economic zone, industrial parks and clusters",
)

ZONING_PLOTS = Layer(
    "zoning_plots",
    (
        _c("plot_code", "str", vi="mã lô", en="plot code"),
        _c("zone_code", "str", vi="mã khu", en="zone code"),
        _c("function", "str", vocabulary=PLAN_FUNCTION, vi="chức năng", en="plan function"),
        _c("max_coverage_pct", "float", required=False, vi="mật độ xây dựng tối đa (%)",
           en="max coverage (%)"),
        _c("max_height_m", "float", required=False, vi="chiều cao tối đa (m)",
           en="max height (m)"),
        _c("lease_status", "str", required=False, vocabulary=LEASE_STATUS,
           vi="tình trạng cho thuê", en="lease status"),
        _c("tenant", "str", required=False, vi="nhà đầu tư thuê", en="tenant"),
    ),
    key="plot_code",
    geometry_types=POLYGONAL,
    title_vi="Lô quy hoạch chi tiết",
    title_en="Zoning plots",
)

PARCELS = Layer(
    "parcels",
    (
        _c("parcel_id", "str", vi="mã thửa", en="parcel id"),
        _c("commune_code", "str", vi="mã xã (khi đo đạc)", en="commune code (at survey)"),
        _c("commune_name", "str", vi="xã (khi đo đạc)", en="commune (at survey)"),
        _c("sheet_no", "int", vi="tờ bản đồ", en="map sheet"),
        _c("parcel_no", "int", vi="số thửa", en="parcel number"),
        _c("land_use_code", "str", vocabulary=LAND_USE, vi="loại đất", en="land use"),
        _c("legal_area_m2", "float", vi="diện tích pháp lý (m²)", en="legal area (m²)",
           may_be_empty=True),
        _c("zone_code", "str", required=False, vi="mã khu", en="zone code"),
        _c("owner_kind", "str", vocabulary=OWNER_KIND, vi="đối tượng sử dụng", en="owner kind"),
        # the unit the survey commune belongs to since the 2025 merger, and from when
        _c("current_commune_code", "str", required=False, vi="mã xã (hiện nay)",
           en="commune code (current)"),
        _c("current_commune_name", "str", required=False, vi="xã (hiện nay)",
           en="commune (current)"),
        _c("current_valid_from", "date", required=False, vi="xã hiện nay từ ngày",
           en="current commune since"),
    ),
    key="parcel_id",
    geometry_types=POLYGONAL,
    title_vi="Thửa đất",
    title_en="Parcels",
)

PROJECTS = Layer(
    "projects",
    (
        _c("project_code", "str", vi="mã dự án", en="project code"),
        _c("name_vi", "str", vi="tên dự án", en="project name"),
        _c("kind", "str", vi="loại dự án", en="kind"),
        _c("zone_code", "str", required=False, vi="mã khu", en="zone code"),
        _c("budget_vnd", "float", required=False, vi="tổng mức đầu tư (đồng)", en="budget (VND)"),
        _c("disbursed_vnd", "float", required=False, vi="đã giải ngân (đồng)",
           en="disbursed (VND)"),
        _c("progress_pct", "float", required=False, vi="tiến độ (%)", en="progress (%)"),
    ),
    key="project_code",
    geometry_types=("Point", "Polygon", "MultiPolygon"),
    title_vi="Dự án",
    title_en="Projects",
)

STATUS_EVENTS = Layer(
    "status_events",
    (
        _c("event_id", "str", vi="mã sự kiện", en="event id"),
        _c("parcel_id", "str", vi="mã thửa", en="parcel id"),
        _c("field", "str", vi="trường", en="field"),
        _c("value", "str", vi="giá trị", en="value"),
        _c("effective_date", "date", vi="ngày hiệu lực", en="effective date"),
        _c("document_no", "str", vi="số văn bản", en="document number"),
        _c("document_date", "date", required=False, vi="ngày văn bản", en="document date"),
        _c("note", "str", required=False, vi="ghi chú", en="note"),
        _c("recorded_by", "str", vi="người ghi", en="recorded by"),
        _c("recorded_at", "datetime", vi="thời điểm ghi", en="recorded at"),
        _c("corrects_event_id", "str", required=False, vi="đính chính sự kiện",
           en="corrects event"),
    ),
    key="event_id",
    title_vi="Lịch sử trạng thái",
    title_en="Status history",
)


#: Which parcel of a re-survey succeeds which removed one: a child lying mostly inside one
#: parent (split, ``share`` the part of the parent's area that went to it) or covering
#: parents (merge, ``share`` the part of the child's area that came from that parent).
#: Written by the store with the update that made it, never imported.
PARCEL_LINEAGE = Layer(
    "parcel_lineage",
    (
        _c("batch_id", "int", vi="lô nhập", en="import batch"),
        _c("parent_id", "str", vi="thửa trước", en="parent parcel"),
        _c("child_id", "str", vi="thửa sau", en="child parcel"),
        _c("kind", "str", vocabulary=LINEAGE_KIND, vi="kiểu", en="kind"),
        _c("share", "float", vi="tỷ lệ diện tích", en="area share"),
    ),
    key=None,
    title_vi="Nguồn gốc thửa",
    title_en="Parcel lineage",
)

LAYERS: dict[str, Layer] = {
    layer.name: layer for layer in (ZONES, ZONING_PLOTS, PARCELS, PROJECTS, STATUS_EVENTS,
                                    PARCEL_LINEAGE, INVESTMENTS, AUCTION_LOTS, PROGRESS_EVENTS)
}

#: The layers the store records itself (the ledger, the lineage): never imported from a file.
RECORDS = (STATUS_EVENTS.name, PARCEL_LINEAGE.name, PROGRESS_EVENTS.name)


def get_layer(name: str) -> Layer:
    """The contract of layer ``name``; ValueError naming the known layers otherwise."""
    try:
        return LAYERS[name]
    except KeyError:
        raise ValueError(
            f"unknown layer {name!r}; the layers are: {', '.join(LAYERS)}"
        ) from None


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a layer: where (column and row key, if any) and what; ``first``
    is the position of the first row a problem of several rows is about (to place it)."""

    layer: str
    message: str
    column: str | None = None
    row: object = None
    first: int | None = None

    def __str__(self) -> str:
        where = self.layer
        if self.row is not None:
            where += f", {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class ContractError(ValueError):
    """A layer does not meet its contract; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"\n  … and {more} more"
        super().__init__(f"{len(self.problems)} problem(s):\n{shown}")


def _whole(s: pd.Series) -> bool:
    """Integers, or floats that are all whole numbers: how a store gives back an integer
    column with empty cells (the checks see only the values present)."""
    if pd.api.types.is_integer_dtype(s):
        return True
    return bool(pd.api.types.is_float_dtype(s) and np.isfinite(s).all()
                and (s == np.floor(s)).all())


_KIND_CHECK = {
    "int": _whole,
    "float": lambda s: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "str": lambda s: pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s),
    "date": lambda s: True,  # text or date values, checked by landgis.dates below
    "datetime": lambda s: True,
}


def _row_names(df: pd.DataFrame, layer: Layer, mask: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    if layer.key and layer.key in df.columns:
        names = [repr(df[layer.key].iloc[i]) for i in idx[:limit]]
    else:
        names = [f"row {i + 1}" for i in idx[:limit]]
    text = ", ".join(names)
    if len(idx) > limit:
        text += f" and {len(idx) - limit} more"
    return text


def check_layer(df: pd.DataFrame, layer: str | Layer, *, crs_epsg: int | None = STORAGE_EPSG
                ) -> list[Problem]:
    """Check ``df`` against the contract of ``layer`` and return every problem found.

    Checked: required columns present, column kinds, empty values in required columns,
    vocabulary codes, duplicate keys, and for spatial layers the CRS, missing, empty, invalid
    and wrongly-typed geometries.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The rows to check.
    layer : str or Layer
        The layer name or its contract.
    crs_epsg : int or None
        The EPSG code the geometries must be in; None skips the CRS check.

    Returns
    -------
    list of Problem
        Empty when the layer meets its contract.
    """
    import shapely

    layer = get_layer(layer) if isinstance(layer, str) else layer
    problems: list[Problem] = []

    def add(message, column=None, row=None, rows=None):
        first = int(np.flatnonzero(rows)[0]) if rows is not None and rows.any() else None
        problems.append(Problem(layer.name, message, column, row, first))

    for col in layer.columns:
        if col.name not in df.columns:
            if col.required:
                add("required column is missing", col.name)
            continue
        s = df[col.name]
        present = s.notna().to_numpy()
        if col.kind == "str":
            # blank text counts as empty; decided once per distinct value (codes repeat a lot)
            blanks = [v for v in pd.unique(s[present]) if not str(v).strip()]
            if blanks:
                present &= ~s.isin(blanks).to_numpy()
        if col.required and not col.may_be_empty and not present.all():
            add(f"empty value in {_row_names(df, layer, ~present)}", col.name, rows=~present)
        values = s[present]
        if len(values) and not _KIND_CHECK[col.kind](values):
            add(f"expected {col.kind} values, found {s.dtype}", col.name)
        if col.kind == "date" and len(values):  # text or date values, read as one parser does
            _iso, bad = iso_date_series(values, col.name)
            if bad:
                mask = np.zeros(len(df), bool)
                mask[np.flatnonzero(present)[[i for i, _m in bad]]] = True
                add(f"{bad[0][1]} ({_row_names(df, layer, mask)})", col.name)
        if col.vocabulary is not None and len(values):
            bad = ~values.astype(str).isin(col.vocabulary.codes)
            if bad.any():
                unknown = sorted(set(values[bad].astype(str)))[:5]
                mask = np.zeros(len(df), bool)
                mask[np.flatnonzero(present)[bad.to_numpy()]] = True
                add(
                    f"unknown code(s) {', '.join(map(repr, unknown))} in "
                    f"{_row_names(df, layer, mask)}; allowed: {', '.join(col.vocabulary.codes)}",
                    col.name, rows=mask,
                )

    if layer.key and layer.key in df.columns:
        dup = df[layer.key].duplicated(keep=False).to_numpy() & df[layer.key].notna().to_numpy()
        if dup.any():
            add(f"duplicate key in {_row_names(df, layer, dup)}", layer.key, rows=dup)

    if layer.is_spatial:
        try:
            geoms = df.geometry
        except AttributeError:
            geoms = df["geometry"] if "geometry" in df.columns else None
        if geoms is None:
            add("no geometry column")
            return problems
        if crs_epsg is not None:
            crs = getattr(df, "crs", None)
            if crs is None:
                add(f"no CRS; expected EPSG:{crs_epsg}")
            elif crs.to_epsg() != crs_epsg:
                add(f"CRS is {crs.name} (EPSG:{crs.to_epsg()}); expected EPSG:{crs_epsg}")
        arr = np.asarray(geoms.values if hasattr(geoms, "values") else geoms, dtype=object)
        missing = shapely.is_missing(arr) | shapely.is_empty(arr)
        if missing.any():
            add(f"missing or empty geometry in {_row_names(df, layer, missing)}", "geometry")
        types = np.array(
            [g.geom_type if g is not None else None for g in arr], dtype=object
        )
        wrong = ~missing & ~np.isin(types, layer.geometry_types)
        if wrong.any():
            found = sorted(set(types[wrong]))
            add(
                f"geometry type {', '.join(found)} in {_row_names(df, layer, wrong)}; "
                f"allowed: {', '.join(layer.geometry_types)}",
                "geometry", rows=wrong,
            )
        invalid = ~missing & ~shapely.is_valid(arr)
        for i in np.flatnonzero(invalid)[:20]:
            key = df[layer.key].iloc[i] if layer.key in df.columns else f"row {i + 1}"
            add(f"invalid geometry: {shapely.is_valid_reason(arr[i])}", "geometry", key)
        if invalid.sum() > 20:
            add(f"{int(invalid.sum()) - 20} more invalid geometries", "geometry")
    return problems


def validate_layer(df: pd.DataFrame, layer: str | Layer, **kwargs) -> None:
    """Raise :class:`ContractError` listing every problem, or return None."""
    problems = check_layer(df, layer, **kwargs)
    if problems:
        raise ContractError(problems)
