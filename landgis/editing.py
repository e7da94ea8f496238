"""Status edits made on the map: preview, then record, never over a change the editor missed.

An edit names parcels (by id, or those a drawn polygon touches), the status field, the new
value, its effective date and the document it rests on. :func:`preview_edit` says, per parcel,
what the status is now and whether the change goes backwards; :func:`apply_edit` records one
event per parcel in one transaction, checking that each status is still the one the editor saw
(``expected``), else :class:`landgis.store.base.ConflictError` and nothing is written.
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
from landgis.ingest.status_list import is_backwards
from landgis.ledger import current_status


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
    if text in (None, ""):
        if required:
            raise EditError(f"{name}: cần ngày / a date is required (YYYY-MM-DD)")
        return None
    try:
        return pd.Timestamp(str(text)).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        raise EditError(f"{name}: {text!r} không phải ngày / is not a date") from None


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
    from landgis.service import BadRequest, _polygon_from_geojson

    try:
        geom = _polygon_from_geojson(geojson_geometry)
    except BadRequest as exc:
        raise EditError(str(exc)) from None
    drawn = crsmod.to_storage(gpd.GeoDataFrame(geometry=[geom], crs=crsmod.WGS84))
    parcels = store.read_layer("parcels", bbox=tuple(drawn.total_bounds),
                               columns=["parcel_id"])
    hit = shapely.intersects(parcels.geometry.values, drawn.geometry.values[0])
    area = shapely.area(shapely.intersection(parcels.geometry.values[hit],
                                             drawn.geometry.values[0]))
    return sorted(parcels["parcel_id"].to_numpy()[hit][area > 0.01].tolist())


def preview_edit(store, edit: StatusEdit, *, max_parcels: int = 2000) -> dict:
    """Per parcel: its status now, the new one, and whether the change goes backwards."""
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
            "expected": {r["parcel_id"]: r["current"] for r in rows if "current" in r}}


def _scalar(v):
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def apply_edit(store, edit: StatusEdit, *, user: str, allow_backwards: bool = False) -> dict:
    """Record the edit; returns the events written. ConflictError if a status changed."""
    preview = preview_edit(store, edit)
    if preview["unknown"]:
        raise EditError(f"không có thửa / no such parcel: {', '.join(preview['unknown'][:5])}")
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
