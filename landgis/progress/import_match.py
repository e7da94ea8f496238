"""What of a workbook the store already holds: the Board's sheets grow, and are imported again.

A sheet of events kept in Excel gets new rows at the bottom and is brought in again and again;
its old rows must not be recorded twice. An event of the sheet is *already recorded* when the
ledger holds an event with the same subject, kind, dates, document, milestone, plan year,
capital source, amounts, winner and result (its note and flags may differ): such rows are
counted and left out, one stored event for one row (two identical rows of a sheet against one
recorded event: one of them is new). A new row that shares its subject, kind, date and
document with a recorded event but differs in the rest is recorded, with a warning: if it
corrects that event, the row should name it ("Đính chính sự kiện").

A register row is *unchanged* when every column the contract names holds the same value as the
stored row of the same key; unchanged rows are not written again.
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from landgis.dates import display_date

#: The columns that make two events the same event.
IDENTITY = ("subject_kind", "subject_id", "kind", "effective_date", "document_no", "milestone",
            "planned_date", "year", "source", "amount_vnd", "base_vnd", "party", "result",
            "document_date")
#: The columns two events that look alike share.
LOOKALIKE = ("subject_kind", "subject_id", "kind", "effective_date", "document_no")


_DATES = {"effective_date", "planned_date", "document_date"}


def _norm(value, date: bool = False):
    """A value compared across the sheet and the store: None for empty, whole numbers as int,
    dates as ``YYYY-MM-DD``, text trimmed."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else round(value, 6)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return (text[:10] if date else text) or None


def _keys(frame: pd.DataFrame, columns) -> list[tuple]:
    if not len(frame):
        return []
    cols = [frame[c] if c in frame.columns else pd.Series([None] * len(frame), index=frame.index)
            for c in columns]
    dates = [c in _DATES or c.endswith(("_date", "_due")) for c in columns]
    return [tuple(_norm(v, d) for v, d in zip(values, dates)) for values in zip(*cols)]


def split_recorded(events: pd.DataFrame, stored: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The rows of ``events`` not yet in the ledger ``stored``; a mask of the rows already
    recorded (aligned with ``events``); and a warning for each new row that looks like a
    recorded event."""
    have = Counter(_keys(stored, IDENTITY))
    recorded = []
    for key in _keys(events, IDENTITY):
        if have[key] > 0:
            have[key] -= 1
            recorded.append(True)
        else:
            recorded.append(False)
    mask = pd.Series(recorded, index=events.index, dtype=bool)
    new = events[~mask]
    looks = {}
    for key, eid in zip(_keys(stored, LOOKALIKE), stored.get("event_id", [])):
        looks.setdefault(key, eid)
    warnings = []
    for key, (_, row) in zip(_keys(new, LOOKALIKE), new.iterrows()):
        if key in looks and not row.get("corrects_event_id"):
            warnings.append(
                f"dòng / row {row['source_row']}: giống sự kiện đã ghi {looks[key]} (cùng đối "
                f"tượng, loại, ngày {display_date(key[3])} và văn bản {key[4]}) nhưng khác số "
                f"liệu; nếu là đính chính, ghi mã sự kiện vào cột 'Đính chính sự kiện' / looks "
                f"like recorded event {looks[key]} (same subject, kind, date and document) with "
                "other figures; if it corrects it, name it under 'Đính chính sự kiện'")
    return new, mask, warnings


def unchanged_rows(rows: pd.DataFrame, stored: pd.DataFrame, columns, key: str) -> pd.Series:
    """A mask of the register ``rows`` equal, in ``columns``, to the stored row of their key."""
    if stored.empty:
        return pd.Series(False, index=rows.index)
    old = dict(zip((str(k) for k in stored[key]), _keys(stored, columns)))
    return pd.Series([old.get(str(k)) == new for k, new in zip(rows[key], _keys(rows, columns))],
                     index=rows.index, dtype=bool)


__all__ = ["IDENTITY", "LOOKALIKE", "split_recorded", "unchanged_rows"]
