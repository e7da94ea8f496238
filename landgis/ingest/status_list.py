"""Status lists from the compensation council and the auction unit, turned into ledger events.

Three steps, kept apart so that they can be checked one by one; the web upload form and the
script call them together through :func:`landgis.ingest.status_import.import_status_list`:

1. :func:`read_status_list` (:mod:`landgis.ingest.status_files`) reads an ``.xlsx`` or ``.csv``
   file into rows, row by row up to a cap. The header row is found among the first
   :data:`HEADER_SEARCH_ROWS` rows, its names recognised in Vietnamese or English, with or
   without diacritics; normalising the values read lives in :mod:`landgis.ingest.status_read`.
   The names are importable from here too.
2. :func:`plan_status_import` checks every row against the parcels and the ledger and returns a
   :class:`StatusImportPlan` (:mod:`landgis.ingest.status_report`): the events to append and a
   report of the rows (no I/O).
3. The caller appends ``plan.events`` with ``Store.append_events`` (one transaction), or not.

Row numbers in the report are those the user sees in the spreadsheet (the header row counted).

Examples
--------
>>> rows = read_status_list("qd-123.xlsx")                              # doctest: +SKIP
>>> plan = plan_status_import(rows, "clearance_status", parcels, events,
...                           document_no="123/QĐ-UBND", document_date="30/06/2019",
...                           recorded_by="lan", recorded_at=now_vn())  # doctest: +SKIP
>>> print(plan.report())                                                # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pandas as pd

from landgis.contract import STATUS_EVENTS, STATUS_FIELDS
from landgis.dates import VN_TZ, DateError, check_effective_date, iso_date
from landgis.ingest.fields import fold
from landgis.ingest.status_files import read_status_list
from landgis.ingest.status_read import (  # re-exported: callers import them from here
    EXPECTED_HEADERS,
    HEADER_ALIASES,
    HEADER_SEARCH_ROWS,
    ROW_COLUMNS,
    StatusListError,
    StatusListTooLong,
    _commune_text,
    _int_text,
    accepted_values,
    lookup_status,
    normalise_parcel_id,
)
from landgis.ingest.status_report import KINDS, Issue, RowResult, StatusImportPlan, row_list
from landgis.ledger import current_status


def now_vn() -> str:
    """The current time as ISO text in Vietnam's time zone (``+07:00``), to the second."""
    return dt.datetime.now(VN_TZ).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- transitions

_CLEARANCE_ORDER = ("not_started", "inventoried", "plan_approved", "compensated", "handed_over")
_AUCTION_RANK = {"not_planned": 0, "planned": 1, "dossier_ready": 2, "announced": 3,
                 "sold": 4, "unsold": 4}


def is_backwards(field: str, current: str, new: str) -> bool:
    """Whether going from ``current`` to ``new`` moves a parcel backwards.

    Clearance: not_started < inventoried < plan_approved < compensated < handed_over (steps may
    be skipped); ``disputed`` may follow any status but handed_over, and any status may follow
    ``disputed``. Auction: not_planned < planned < dossier_ready < announced < sold | unsold;
    after ``unsold`` the lot may be auctioned again (planned, dossier_ready, announced, sold).
    The same status is not backwards (it is "unchanged").
    """
    if current == new:
        return False
    if field == "clearance_status":
        if current == "disputed":
            return False
        if new == "disputed":
            return current == "handed_over"
        return _CLEARANCE_ORDER.index(new) < _CLEARANCE_ORDER.index(current)
    if field == "auction_status":
        if current == "unsold":
            return new == "not_planned"
        return _AUCTION_RANK[new] <= _AUCTION_RANK[current]
    raise ValueError(f"unknown status field {field!r}; fields: {', '.join(STATUS_FIELDS)}")


# --------------------------------------------------------------------------- planning

#: Rows named in one duplicate problem; the others are counted ("and N more").
DUPLICATE_ROWS_SHOWN = 5
#: Characters of a cell shown in a message.
CELL_SHOWN = 60


def _short(text: str, limit: int = CELL_SHOWN) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis says it was cut)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _duplicate_issues(key: str, rows: list[int]) -> dict[int, Issue]:
    """Row -> its duplicate issue: the first row names the others (a few of them, and how
    many more), each later row points back to the first."""
    first, others = rows[0], rows[1:]
    shown = ", ".join(str(n) for n in others[:DUPLICATE_ROWS_SHOWN])
    more = len(others) - DUPLICATE_ROWS_SHOWN
    name = _short(key)
    issues = {first: Issue(
        "duplicate",
        f"thửa {name} lặp lại ở dòng {shown}" + (f" và {more} dòng khác" if more > 0 else ""),
        f"parcel {name} also on row(s) {shown}" + (f" and {more} more" if more > 0 else ""))}
    for n in others:
        issues[n] = Issue("duplicate", f"trùng thửa với dòng {first}",
                          f"same parcel as row {first}", listed=False)
    return issues


def _parcel_key(rec, communes_by_name: dict[str, str]) -> str | None:
    direct = str(rec.get("parcel_id") or "").strip()
    if direct:
        return normalise_parcel_id(direct)
    commune = str(rec.get("commune_code") or "").strip()
    sheet = str(rec.get("sheet_no") or "").strip()
    parcel = str(rec.get("parcel_no") or "").strip()
    if not (commune and sheet and parcel):
        return None
    code = _commune_text(commune)
    if not code.isdigit():  # a commune name ("Xã" column): map it through the parcels
        code = communes_by_name.get(fold(commune), code)
    return f"{code}-{_int_text(sheet)}-{_int_text(parcel)}"


def plan_status_import(
    rows: pd.DataFrame,
    field: str,
    parcels: pd.DataFrame,
    events: pd.DataFrame,
    *,
    document_no: str | None = None,
    document_date=None,
    effective_date=None,
    recorded_by: str,
    recorded_at: str | None = None,
    source: str | None = None,
    batch_id: str | None = None,
    earliest=None,
) -> StatusImportPlan:
    """Check a status list against the parcels and the ledger; return the events and a report.

    Parameters
    ----------
    rows : DataFrame
        From :func:`read_status_list`, or any frame with ``row``, ``status``, optional ``note``
        and either ``parcel_id`` or ``commune_code``, ``sheet_no`` and ``parcel_no``; optional
        ``document_no`` and ``document_date``: each row's own decision.
    field : str
        ``clearance_status`` or ``auction_status``.
    parcels : DataFrame
        The parcels layer (``parcel_id``; ``commune_code`` and ``commune_name`` let a list name
        communes by name).
    events : DataFrame
        The ledger (``status_events``), for each parcel's status as of ``effective_date``.
    document_no : str, optional
        The decision or minutes the list comes with, for the rows without their own number
        (required when a row has none).
    document_date, effective_date : str or date, optional
        ``dd/mm/yyyy`` or ``YYYY-MM-DD`` (read by :mod:`landgis.dates`), for the rows without a
        date of their own (``document_date`` required when a row has none). A row takes
        effect on its own decision date, else on ``effective_date``, else ``document_date``.
        A row's own date that is not a date (``31/02/2019``) or out of bounds puts that row
        in error.
    recorded_by : str
    recorded_at : str, optional
        ISO time with offset; default now in ``+07:00``.
    source : str, optional
        The file name, kept in each event's note with its row (default ``rows.attrs['source']``).
    batch_id : str, optional
        Prefix of the event ids, ``<batch_id>-<row>`` (default a random hex string).
    earliest : date or str, optional
        The earliest effective date accepted (the ``min_effective_date`` setting; default
        :data:`landgis.dates.DEFAULT_MIN_EFFECTIVE_DATE`); the latest is today.

    Returns
    -------
    StatusImportPlan

    Raises
    ------
    ValueError
        An unknown field, an empty user, a list-level date that is not a date or an effective
        date after today or before ``earliest`` (:class:`landgis.dates.DateError`); rows
        without a document number or date of their own when the list gives none
        (:class:`StatusListError` naming the rows, ``option`` ``"document"``).
    """
    if field not in STATUS_FIELDS:
        raise ValueError(f"trường lạ / unknown field {field!r}; "
                         f"chọn / choose: {', '.join(STATUS_FIELDS)}")
    document_no = " ".join(str(document_no or "").split())
    recorded_by = str(recorded_by or "").strip()
    if not recorded_by:
        raise ValueError("thiếu người ghi / recorded_by is required")
    document_date = (iso_date(document_date, "ngày văn bản / document date")
                     if document_date not in (None, "") else None)
    effective_date = (iso_date(effective_date, "ngày hiệu lực / effective date")
                      if effective_date not in (None, "") else document_date)
    if effective_date is not None:
        check_effective_date(effective_date, earliest=earliest)
    own = row_documents(rows, document_no, document_date)
    recorded_at = recorded_at or now_vn()
    batch_id = batch_id or uuid.uuid4().hex[:16]
    source = source if source is not None else rows.attrs.get("source")
    vocab = STATUS_FIELDS[field]

    known = set(parcels["parcel_id"].astype(str))
    communes_by_name: dict[str, str] = {}
    if {"commune_code", "commune_name"} <= set(parcels.columns):
        pairs = parcels[["commune_name", "commune_code"]].drop_duplicates()
        for name, code in zip(pairs["commune_name"], pairs["commune_code"]):
            if isinstance(name, str) and name:
                communes_by_name.setdefault(fold(name), str(code))
                # "Xã Hòa Bình" and "Hòa Bình" both name it
                bare = re.sub(r"^(xa|phuong|thitran)", "", fold(name))
                if bare:
                    communes_by_name.setdefault(bare, str(code))

    records = rows.to_dict("records")
    keys = [_parcel_key(rec, communes_by_name) for rec in records]
    rows_of: dict[str, list[int]] = {}
    for rec, key in zip(records, keys):
        if key is not None:
            rows_of.setdefault(key, []).append(int(rec["row"]))
    duplicates: dict[int, Issue] = {}
    for key, numbers in rows_of.items():
        if len(numbers) > 1:
            duplicates.update(_duplicate_issues(key, numbers))

    # each row's document and effective date, or its problem with them
    docs: list[tuple[str, str | None, str | None, Issue | None]] = []
    for rec in records:
        docs.append(_row_document(rec, document_no, document_date, effective_date, earliest))
    matched = sorted({k for k in keys if k in known})
    ledger = events[events["field"] == field] if len(events) else events
    then: dict[str, dict] = {}  # effective date -> {parcel: status on that day}
    for day in sorted({d[2] for d in docs if d[2]}):
        ids = sorted({k for k, d in zip(keys, docs) if k in known and d[2] == day})
        then[day] = current_status(ledger, ids, as_of=day)[field] if ids else {}
    latest = current_status(ledger, matched) if matched else None

    results: list[RowResult] = []
    new_events = []
    for rec, key, (doc_no, doc_date, eff, doc_issue) in zip(records, keys, docs):
        row = int(rec["row"])
        text = str(rec.get("status") or "").strip()
        issues: list[Issue] = [doc_issue] if doc_issue else []
        if key is None:
            issues.append(Issue("missing_key", "thiếu mã xã, tờ hoặc thửa",
                                "commune, sheet or parcel number missing"))
        elif key not in known:
            issues.append(Issue("unmatched", f"không tìm thấy thửa {_short(key)}",
                                f"parcel {_short(key)} not found"))
        if row in duplicates and key is not None:
            issues.append(duplicates[row])
        value = lookup_status(field, text) if text else None
        if not text:
            issues.append(Issue("missing_status", "ô trạng thái trống", "empty status cell"))
        elif value is None:
            issues.append(Issue("unknown_status",
                                f"{_short(text)!r} không phải trạng thái {field}",
                                f"{_short(text)!r} is not a {field} value"))
        current = then[eff].get(key) if key in known and eff else None
        info = None
        if value is not None and current is not None and is_backwards(field, current, value):
            issues.append(Issue(
                "backwards",
                f"lùi từ {vocab.label(current)} về {vocab.label(value)}",
                f"goes back from {vocab.label(current, 'en')} to {vocab.label(value, 'en')}"))
        if not issues and value != current and latest is not None:
            later = latest.loc[key, f"{field}_date"]
            if pd.notna(later) and str(later)[:10] > eff:
                info = (f"có sự kiện sau ngày hiệu lực ({str(later)[:10]}: "
                        f"{latest.loc[key, field]}) vẫn là hiện tại / a later event stays current")
        result = RowResult(row, key, text, value, current, tuple(issues), info)
        results.append(result)
        if result.outcome == "change":
            note = str(rec.get("note") or "").strip()
            trail = f"{source}, dòng / row {row}" if source else None
            new_events.append({
                "event_id": f"{batch_id}-{row}",
                "parcel_id": key,
                "field": field,
                "value": value,
                "effective_date": eff,
                "document_no": doc_no,
                "document_date": doc_date,
                "note": " — ".join(filter(None, [note, trail])) or None,
                "recorded_by": recorded_by,
                "recorded_at": recorded_at,
            })

    frame = pd.DataFrame(new_events, columns=list(STATUS_EVENTS.column_names))
    plan = StatusImportPlan(field, document_no, document_date, effective_date, batch_id,
                            results, frame, source)
    if own:
        plan.notes.append(f"{own} dòng có số hoặc ngày quyết định riêng / {own} row(s) carry "
                          "their own decision number or date")
    return plan


def row_documents(rows: pd.DataFrame, document_no: str, document_date: str | None) -> int:
    """How many rows carry their own decision number or date; StatusListError naming the
    rows that have neither their own nor the list's (``option`` ``"document"``)."""
    def cells(column):
        if column not in rows.columns:
            return pd.Series([""] * len(rows), index=rows.index)
        return rows[column].fillna("").astype(str).str.strip()

    numbers, dates = cells("document_no"), cells("document_date")
    lacking = [int(r) for r, n, d in zip(rows["row"], numbers, dates)
               if (not n and not document_no) or (not d and not document_date)]
    if lacking:
        what = [w for w, have, col in (("số văn bản / document number", document_no, numbers),
                                       ("ngày văn bản / document date", document_date, dates))
                if not have and (col == "").any()]
        shown = row_list(lacking)
        raise StatusListError(
            f"thiếu {' và '.join(w.split(' / ')[0] for w in what)} ở dòng {shown}: danh sách "
            f"không ghi và cũng không được cho chung / the {' and '.join(w.split(' / ')[1] for w in what)} "
            f"is required: row(s) {shown} have none of their own and none is given for the "
            "list", "document")
    return int(((numbers != "") | (dates != "")).sum())


def _row_document(rec, document_no, document_date, effective_date, earliest):
    """(number, date, effective date, problem) of one row: its own decision where it has one,
    else the list's; a date of its own that is not a date, or out of bounds, is its problem."""
    number = " ".join(str(rec.get("document_no") or "").split()) or document_no
    text = str(rec.get("document_date") or "").strip()
    if not text:
        return number, document_date, effective_date, None
    try:
        day = iso_date(text, "ngày quyết định / decision date")
        check_effective_date(day, earliest=earliest)
    except DateError as exc:
        detail = str(exc).split(": ", 1)[-1]  # the value and why, in both languages
        return number, None, None, Issue("bad_date", f"ngày quyết định {detail}",
                                         f"decision date {_short(text)!r} not accepted")
    return number, day, day, None


__all__ = [
    "EXPECTED_HEADERS", "HEADER_ALIASES", "KINDS", "Issue", "RowResult",
    "StatusImportPlan", "StatusListError", "StatusListTooLong", "accepted_values", "is_backwards", "lookup_status",
    "normalise_parcel_id", "now_vn", "plan_status_import", "read_status_list",
]
