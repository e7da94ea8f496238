"""Status edits made on the map: preview, then record, never over a change the editor missed.

An edit names parcels (by id, or those a drawn polygon touches), the status field, the new
value, its effective date and the document it rests on. :func:`preview_edit` says, per parcel,
what the status is now and whether the change goes backwards; :func:`apply_edit` records one
event per parcel in one transaction, checking that each status is still the one the editor saw
(``expected``), else :class:`landgis.store.base.ConflictError` and nothing is written. That
check comes first: an edit made stale by someone else is a conflict (both versions shown), even
when against the status it finds now it would also go backwards. Both refuse an effective date
after today or before the earliest one accepted (``earliest``, the ``min_effective_date``
setting): a status dated in the future would stay "latest" and hide every real edit after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.contract import STATUS_FIELDS
from landgis.dates import DateError, check_effective_date, iso_date
from landgis.ingest.status_list import is_backwards
from landgis.ledger import current_status
from landgis.store.base import check_expected


class EditError(ValueError):
    """An edit that cannot be made as asked; the message says why (the web answers 400)."""


@dataclass
class StatusEdit:
    field: str
    value: str
    effective_date: str
    document_no: str
    parcel_ids: list[str] = field(default_factory=list)
    document_date: str | None = None
    note: str | None = None
    expected: dict[str, str] | None = None  # parcel_id -> the status the editor saw
    corrects_event_id: str | None = None


def _date(text, name: str, required: bool = True) -> str | None:
    try:
        return iso_date(text, name, required=required)
    except DateError as exc:
        raise EditError(str(exc)) from None


#: The members of an edit that are text when given (a list or an object there is refused).
_TEXT_KEYS = ("field", "value", "document_no", "effective_date", "document_date", "note",
              "corrects_event_id")


def edit_from_json(doc: dict) -> StatusEdit:
    """A :class:`StatusEdit` from the JSON the page sends, checked."""
    if not isinstance(doc, dict):
        raise EditError("send a JSON object")
    for name in _TEXT_KEYS:
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise EditError(f"{name}: cần chuỗi / must be text, not {type(doc[name]).__name__}")
    field_name = doc.get("field")
    if field_name not in STATUS_FIELDS:
        raise EditError(f"field: one of {', '.join(STATUS_FIELDS)}")
    value = doc.get("value")
    if value not in STATUS_FIELDS[field_name]:
        raise EditError(f"value {value!r} is not a {field_name}; allowed: "
                        f"{', '.join(STATUS_FIELDS[field_name].codes)}")
    document_no = str(doc.get("document_no") or "").strip()
    if not document_no:
        raise EditError("document_no: cần số văn bản / the document number is required")
    ids = doc.get("parcel_ids") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise EditError("parcel_ids: a list of parcel ids")
    expected = doc.get("expected")
    if expected is not None and not (isinstance(expected, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in expected.items())):
        raise EditError("expected: an object {parcel_id: status}")
    return StatusEdit(field_name, value, _date(doc.get("effective_date"), "effective_date"),
                      document_no[:200], list(dict.fromkeys(ids)),
                      _date(doc.get("document_date"), "document_date", required=False),
                      (str(doc["note"])[:1000] if doc.get("note") else None), expected,
                      doc.get("corrects_event_id") or None)


def parcels_touched(store, geojson_geometry) -> list[str]:
    """Ids of the parcels a drawn polygon (GeoJSON, WGS 84) overlaps."""
    from landgis.geojson import polygon_from_geojson
    from landgis.params import BadRequest

    try:
        geom = polygon_from_geojson(geojson_geometry)
    except BadRequest as exc:
        raise EditError(str(exc)) from None
    drawn = crsmod.to_storage(gpd.GeoDataFrame(geometry=[geom], crs=crsmod.WGS84))
    parcels = store.read_layer("parcels", bbox=tuple(drawn.total_bounds),
                               columns=["parcel_id"])
    hit = shapely.intersects(parcels.geometry.values, drawn.geometry.values[0])
    area = shapely.area(shapely.intersection(parcels.geometry.values[hit],
                                             drawn.geometry.values[0]))
    return sorted(parcels["parcel_id"].to_numpy()[hit][area > 0.01].tolist())


def preview_edit(store, edit: StatusEdit, *, max_parcels: int = 2000, earliest=None) -> dict:
    """Per parcel: its status now, the new one, and whether the change goes backwards.

    EditError for an effective date after today or before ``earliest`` (default
    :data:`landgis.dates.DEFAULT_MIN_EFFECTIVE_DATE`).
    """
    return _preview(store, edit, max_parcels, earliest)[0]


def _preview(store, edit: StatusEdit, max_parcels: int = 2000,
             earliest=None) -> tuple[dict, pd.DataFrame]:
    """The preview and the ledger rows of the edit's parcels it was made from."""
    try:
        check_effective_date(edit.effective_date, earliest=earliest, what="effective_date")
    except DateError as exc:
        raise EditError(str(exc)) from None
    if not edit.parcel_ids:
        raise EditError("chưa chọn thửa / no parcel selected")
    if len(edit.parcel_ids) > max_parcels:
        raise EditError(f"too many parcels at once ({len(edit.parcel_ids)}); "
                        f"at most {max_parcels}")
    found = store.read_layer("parcels", where={"parcel_id": edit.parcel_ids},
                             columns=["parcel_id", "sheet_no", "parcel_no", "commune_name"])
    unknown = sorted(set(edit.parcel_ids) - set(found["parcel_id"]))
    ledger = store.read_layer("status_events", where={"parcel_id": edit.parcel_ids})
    now = current_status(ledger, edit.parcel_ids)
    rows = []
    for pid in edit.parcel_ids:
        if pid in unknown:
            rows.append({"parcel_id": pid, "problem": "không có thửa này / no such parcel"})
            continue
        current = now.loc[pid, edit.field]
        rows.append({
            "parcel_id": pid, "current": current,
            "current_date": _scalar(now.loc[pid, f"{edit.field}_date"]),
            "current_document": _scalar(now.loc[pid, f"{edit.field}_document"]),
            "new": edit.value,
            "unchanged": current == edit.value,
            "backwards": bool(is_backwards(edit.field, current, edit.value)),
        })
    return {"field": edit.field, "value": edit.value, "effective_date": edit.effective_date,
            "document_no": edit.document_no, "parcels": rows, "unknown": unknown,
            "expected": {r["parcel_id"]: r["current"] for r in rows if "current" in r}}, ledger


def _scalar(v):
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def _check_correction(store, edit: StatusEdit) -> None:
    """EditError unless the event the edit corrects is in the ledger, of the edit's field and
    of one of its parcels."""
    target = edit.corrects_event_id
    if not isinstance(target, str) or not target.strip():
        raise EditError("corrects_event_id: cần mã sự kiện / an event id (text) is required")
    shown = repr(target[:60])
    found = store.read_layer("status_events", where={"event_id": [target]},
                             columns=["event_id", "parcel_id", "field"])
    if found.empty:
        raise EditError(f"corrects_event_id: không có sự kiện {shown} để đính chính / "
                        f"no event {shown} to correct")
    parcel, field_name = found["parcel_id"].iloc[0], found["field"].iloc[0]
    if field_name != edit.field or parcel not in edit.parcel_ids:
        raise EditError(f"corrects_event_id: sự kiện {shown} là {field_name} của thửa {parcel}"
                        f", không thuộc lần sửa này / event {shown} is the {field_name} of "
                        f"parcel {parcel}, not one this edit changes")


def apply_edit(store, edit: StatusEdit, *, user: str, allow_backwards: bool = False,
               earliest=None) -> dict:
    """Record the edit; returns the events written. ConflictError if a status changed;
    EditError, as :func:`preview_edit`, for an effective date out of bounds."""
    preview, ledger = _preview(store, edit, earliest=earliest)
    if preview["unknown"]:
        raise EditError(f"không có thửa / no such parcel: {', '.join(preview['unknown'][:5])}")
    if edit.expected is not None:  # stale before anything else: 409 with both versions
        check_expected({(pid, edit.field): edit.expected.get(pid, "")
                        for pid in edit.parcel_ids}, ledger)
    if edit.corrects_event_id is not None:
        _check_correction(store, edit)
    backwards = [r["parcel_id"] for r in preview["parcels"] if r["backwards"]]
    if backwards and not allow_backwards and not edit.corrects_event_id:
        raise EditError(f"trạng thái lùi / the status would go backwards for "
                        f"{', '.join(backwards[:5])}; record a correction instead")
    expected = edit.expected if edit.expected is not None else preview["expected"]
    # microseconds: edits of one parcel are ordered by when they were recorded
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="microseconds")
    batch = uuid.uuid4().hex[:12]
    events = pd.DataFrame([{
        "event_id": f"web-{batch}-{i}", "parcel_id": pid, "field": edit.field,
        "value": edit.value, "effective_date": edit.effective_date,
        "document_no": edit.document_no, "document_date": edit.document_date,
        "note": edit.note, "recorded_by": user, "recorded_at": now,
        "corrects_event_id": edit.corrects_event_id,
    } for i, pid in enumerate(edit.parcel_ids, start=1)])
    store.append_events(events, expect={(pid, edit.field): expected.get(pid, "")
                                         for pid in edit.parcel_ids})
    return {"written": len(events), "event_ids": events["event_id"].tolist(),
            "recorded_at": now}
