"""Importing a status list into a store: read, check, report, and write as one batch, or not.

The one workflow behind the web upload (``webmap/edit.py``) and ``scripts/import_status.py``:
each parses its input, calls :func:`import_status_list`, and presents the result.

Examples
--------
>>> result = import_status_list(store, "qd-123.xlsx", "clearance_status",
...                             document_no="123/QĐ-UBND", document_date="2019-06-30",
...                             recorded_by="lan", write=True)          # doctest: +SKIP
>>> print(result.plan.report()); result.written                        # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from landgis.contract import STATUS_FIELDS
from landgis.ingest.importer import file_sha256
from landgis.dates import DateError, iso_date
from landgis.ingest.status_list import (StatusImportPlan, StatusListError, now_vn,
                                        plan_status_import)
from landgis.ingest.status_files import DEFAULT_MAX_ROWS, read_status_list
from landgis.store.base import Batch, Store

#: The parcels' columns a list is matched against.
PARCEL_COLUMNS = ["parcel_id", "commune_code", "commune_name"]


@dataclass
class StatusImportResult:
    """A checked list (its plan and report) and what was written of it."""

    plan: StatusImportPlan
    #: Events appended to the ledger (0 when nothing was written).
    written: int
    #: Whether the rows in error were left out of what was (or would be) written.
    skip_bad_rows: bool

    @property
    def error_rows(self) -> list[int]:
        """Spreadsheet rows in error, in order."""
        return [r.row for r in self.plan.errors]

    @property
    def would_write(self) -> int:
        """Events a write would append (all good rows' changes, or none while rows are in
        error and they are not skipped)."""
        return len(self.plan.events_to_write(self.skip_bad_rows))


def _date(value, what: str) -> str:
    try:
        return iso_date(value, what)
    except DateError as exc:
        raise StatusListError(str(exc)) from None


def import_status_list(
    store: Store,
    path,
    field: str,
    *,
    document_no: str | None = None,
    document_date=None,
    effective_date=None,
    recorded_by: str,
    sheet: str | None = None,
    source_name: str | None = None,
    write: bool = False,
    skip_bad_rows: bool = False,
    max_rows: int = DEFAULT_MAX_ROWS,
    via: str | None = None,
    earliest=None,
    field_map=None,
) -> StatusImportResult:
    """Read the list at ``path``, check it against ``store``'s parcels and ledger, and with
    ``write`` append its events in one transaction, recorded as one batch.

    Nothing is written while a row is in error unless ``skip_bad_rows`` (then the good rows
    are); ``write=False`` is a dry run with the same report.

    Parameters
    ----------
    store : Store
    path : str or Path
        The ``.xlsx`` or ``.csv`` file.
    field : str
        ``clearance_status`` or ``auction_status``.
    document_no, document_date, effective_date, recorded_by
        As :func:`landgis.ingest.status_list.plan_status_import` takes them: the list's
        decision, for the rows without their own.
    sheet : str, optional
        The sheet of a workbook (default the first).
    source_name : str, optional
        The file's name as the user knows it (default the name of ``path``).
    max_rows : int
        The most data rows the list may have (the setting ``max_list_rows``).
    via : str, optional
        Where the list came in (``"web"``), kept in the batch's note.
    earliest : date or str, optional
        The earliest effective date accepted (the ``min_effective_date`` setting).
    field_map : mapping, optional
        ``{header as written: role}`` for headers not recognised by name, or to choose between
        two (:func:`landgis.ingest.status_files.read_status_list`).

    Raises
    ------
    StatusListError
        The file cannot be read, has more than ``max_rows`` rows (StatusListTooLong), or an
        argument is wrong (an unknown field, no user, a bad date, rows without a document
        when the list gives none): the message says which, ``option`` what would put it
        right. Nothing is written.
    """
    if field not in STATUS_FIELDS:
        raise StatusListError(f"trường lạ / unknown field {str(field)[:60]!r}; "
                              f"chọn / choose: {', '.join(STATUS_FIELDS)}")
    if not str(recorded_by or "").strip():
        raise StatusListError("thiếu người ghi / who records the list is required")
    if document_date not in (None, ""):
        document_date = _date(document_date, "ngày văn bản / document date")
    if effective_date not in (None, ""):
        effective_date = _date(effective_date, "ngày hiệu lực / effective date")
    path = Path(path)
    source_name = source_name or path.name

    rows = read_status_list(path, sheet, max_rows=max_rows, field_map=field_map)
    plan = _plan(store, rows, field, document_no, document_date, effective_date,
                 recorded_by, source_name, earliest)
    result = StatusImportResult(plan, 0, skip_bad_rows)
    events = plan.events_to_write(skip_bad_rows)
    if write and len(events):
        document = plan.document_no or "per-row documents"
        note = f"{field} {document}; event ids {plan.batch_id}-<row>"
        result.written = store.append_events(events, batch=Batch(
            source_name=source_name, user=str(recorded_by).strip(),
            source_sha256=file_sha256(path), action="status_list",
            counts={"events": len(events), "skipped_rows": len(plan.errors)},
            note=note + (f" ({via})" if via else "")))
    return result


def _plan(store, rows, field, document_no, document_date, effective_date, recorded_by,
          source_name, earliest) -> StatusImportPlan:
    return plan_status_import(
        rows, field, store.read_layer("parcels", columns=PARCEL_COLUMNS),
        store.read_layer("status_events"), document_no=document_no,
        document_date=document_date, effective_date=effective_date,
        recorded_by=recorded_by, recorded_at=now_vn(), source=source_name, earliest=earliest)


__all__ = ["StatusImportResult", "import_status_list"]
