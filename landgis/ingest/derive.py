"""What a survey file leaves out: given values, values derived from others, or "not stated".

Used by :func:`landgis.ingest.importer.prepare_import`, in this order:

1. :func:`fill_given` puts the values given for the whole import (one value per column) into
   the column when the file lacks it, or into its empty cells; the file's own values stay.
2. :func:`derive_communes` names the commune of the survey from its code, from the official
   list of units of the former Kon Tum province before 1 July 2025
   (:func:`landgis.communes.commune_table`), and puts the unit it belongs to now beside it.
3. :func:`check_columns` raises :class:`MissingColumns` when a column the layer needs is still
   missing, naming it and the file's own columns.
4. :func:`fill_not_stated` gives parcels whose land use or owner kind the file does not state
   the code :data:`landgis.contract.NOT_STATED`, with a warning; an empty legal area stays empty
   and is warned of too.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from landgis import contract
from landgis.communes import commune_table
from landgis.ingest.readers import SourceError
from landgis.validation import Finding, _point


class MissingColumns(SourceError):
    """A column the layer needs is neither in the file nor given nor derived.

    Attributes
    ----------
    missing : list of str
        The contract columns missing, as the layer names them.
    file_columns : list of str
        The file's own columns (as the file names them), any of which may hold the values.
    layer : str
    """

    def __init__(self, path, layer: str, missing: list[str], file_columns: list[str],
                 hints: list[str] = ()):
        self.missing, self.file_columns, self.layer = list(missing), list(file_columns), layer
        spec = contract.get_layer(layer)
        named = ", ".join(f"{c} ({spec.column(c).label_vi} / {spec.column(c).label_en})"
                          for c in missing)
        own = ", ".join(file_columns) or "(không có / none)"
        text = (f"{path}: thiếu cột / missing column(s) for layer {layer}: {named}; no column "
                f"of the file is recognised as holding it (or the one that is holds no value), "
                f"and no value was given for every feature. Các cột của tệp / the file's "
                f"columns: {own}")
        super().__init__(text + "".join(f"; {h}" for h in hints), "field_map")


def _empty(series: pd.Series) -> np.ndarray:
    """Missing values and blank text."""
    empty = series.isna().to_numpy()
    blanks = [v for v in pd.unique(series[~empty]) if isinstance(v, str) and not v.strip()]
    return empty | series.isin(blanks).to_numpy() if blanks else empty


def _name(frame, i: int) -> str:
    """The parcel id of row ``i``, or its row number when it has none."""
    key = frame["parcel_id"].iloc[i] if "parcel_id" in frame.columns else None
    return str(key) if isinstance(key, str) and key else f"row {i + 1}"


def fill_given(frame, layer: str, values: Mapping[str, object] | None):
    """``values`` (column -> one value) in the column's empty cells, or as a new column.

    Raises
    ------
    SourceError
        A column the layer does not have (``option`` ``"constants"``).
    """
    spec = contract.get_layer(layer)
    for column, value in (values or {}).items():
        if column not in spec.column_names:
            raise SourceError(f"layer {layer!r} has no column {column!r} to give a value to; "
                              f"its columns: {', '.join(spec.column_names)}", "constants")
        if column in frame.columns:
            empty = _empty(frame[column])
            if empty.any():
                frame[column] = frame[column].astype(object).where(~empty, value)
        else:
            frame[column] = value
    return frame


def derive_communes(frame, layer: str, notes: list[str], findings: list[Finding],
                    table: pd.DataFrame | None = None):
    """Parcels: the survey commune's name from its code, and the unit it belongs to now.

    ``commune_name`` is filled where the file has none (the column or a cell); the current
    unit (``current_commune_code``, ``current_commune_name``, ``current_valid_from``) is added
    when the file has no ``current_commune_code``. A code that is not a unit of the former
    Kon Tum province leaves the name empty and is an error naming its parcels.
    """
    if layer != contract.PARCELS.name or "commune_code" not in frame.columns:
        return frame
    table = commune_table() if table is None else table
    codes = frame["commune_code"]
    known = codes.isin(table.index).to_numpy()
    source = "the official list of units before 1 July 2025 (layers/sources/communes.csv)"
    if "commune_name" not in frame.columns:
        frame["commune_name"] = None
    empty = _empty(frame["commune_name"])
    if empty.any():
        fill = empty & known
        frame["commune_name"] = frame["commune_name"].astype(object)
        frame.loc[fill, "commune_name"] = table.loc[codes[fill], "commune_name"].to_numpy()
        if fill.any():
            notes.append(f"commune_name of {int(fill.sum()):,} parcel(s) taken from {source}")
        for code in pd.unique(codes[empty & ~known & codes.notna().to_numpy()]):
            rows = np.flatnonzero((codes == code).to_numpy() & empty)
            findings.append(Finding(
                "error", "commune_code",
                f"mã xã / commune code {code!r} is not a commune, ward or township of the "
                f"former Kon Tum province before 1 July 2025, so its name is not known; "
                f"{len(rows)} parcel(s), the first in row {rows[0] + 1}",
                _name(frame, rows[0]), *_point(frame.geometry.iloc[rows[0]])))
    if "current_commune_code" not in frame.columns:
        current = table.reindex(codes.to_numpy())
        for column in ("current_commune_code", "current_commune_name", "current_valid_from"):
            frame[column] = current[column].astype(object).where(current[column].notna(),
                                                                  None).to_numpy()
        unmapped = sorted(set(codes[known & current["current_commune_code"].isna().to_numpy()]))
        notes.append("current_commune_code/current_commune_name (the unit since 1 July 2025) "
                     f"taken from {source}"
                     + (f"; not determined there for {', '.join(unmapped)}" if unmapped else ""))
    return frame


def check_columns(frame, layer: str, path, file_columns: list[str]) -> None:
    """Raise :class:`MissingColumns` for the required columns still missing, or empty in
    every feature (a drawing whose labels never give the sheet)."""
    spec = contract.get_layer(layer)
    missing = [c.name for c in spec.columns if c.required and (
        c.name not in frame.columns
        or not c.may_be_empty and len(frame) and _empty(frame[c.name]).all())]
    hints = []
    if layer == contract.PARCELS.name:
        parts = ("commune_code", "sheet_no", "parcel_no")
        if "parcel_id" in missing and any(p in missing for p in parts):
            missing.remove("parcel_id")
            hints.append("parcel_id is built from commune_code, sheet_no and parcel_no")
        if "commune_name" in missing and "commune_code" in missing:
            missing.remove("commune_name")
            hints.append("commune_name follows from commune_code")
    if missing:
        raise MissingColumns(path, layer, missing, file_columns, hints)


def fill_not_stated(frame, layer: str, notes: list[str], findings: list[Finding]
                    ) -> pd.DataFrame:
    """Parcels: land use and owner kind the file does not state become "not stated".

    A file with no owner kind at all gets one warning; a parcel whose land use, legal area or
    owner kind is empty gets one warning naming what is missing, placed in the parcel. The
    legal area stays empty.
    """
    if layer != contract.PARCELS.name:
        return frame
    label = contract.OWNER_KIND.label(contract.NOT_STATED)
    label_en = contract.OWNER_KIND.label(contract.NOT_STATED, "en")
    if "owner_kind" not in frame.columns:
        frame["owner_kind"] = contract.NOT_STATED
        findings.append(Finding(
            "warning", "not_stated",
            f"tệp không có đối tượng sử dụng / the file gives no owner kind: all {len(frame):,} "
            f"parcel(s) take '{label} / {label_en}'"))
        owner_empty = np.zeros(len(frame), bool)
    else:
        owner_empty = _empty(frame["owner_kind"])
    what = {"land_use_code": ("loại đất", "land use"),
            "legal_area_m2": ("diện tích pháp lý", "legal area"),
            "owner_kind": ("đối tượng sử dụng", "owner kind")}
    empty = {c: (_empty(frame[c]) if c in frame.columns else np.zeros(len(frame), bool))
             for c in ("land_use_code", "legal_area_m2")}
    empty["owner_kind"] = owner_empty
    for column in ("land_use_code", "owner_kind"):
        if empty[column].any():
            frame[column] = frame[column].astype(object).where(~empty[column],
                                                               contract.NOT_STATED)
    labels = frame["label"] if "label" in frame.columns else None
    any_empty = empty["land_use_code"] | empty["legal_area_m2"] | empty["owner_kind"]
    for i in np.flatnonzero(any_empty):
        gone = [c for c in what if empty[c][i]]
        vi = ", ".join(what[c][0] for c in gone)
        en = ", ".join(what[c][1] for c in gone)
        said = (f" (nhãn / label {labels.iloc[i]!r})"
                if labels is not None and isinstance(labels.iloc[i], str) else "")
        x, y = _point(frame.geometry.iloc[i])
        findings.append(Finding(
            "warning", "not_stated", f"không nêu / not stated{said}: {vi} / {en}",
            _name(frame, i), x, y))
    counts = [f"{what[c][1]} of {int(empty[c].sum()):,}" for c in what if empty[c].any()]
    if counts:
        notes.append(f"not stated in the file: {', '.join(counts)} parcel(s) (land use and owner "
                     f"kind '{contract.NOT_STATED}', {label} / {label_en}; legal area empty)")
    return frame
