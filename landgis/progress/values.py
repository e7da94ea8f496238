"""New progress events as written by people, read into the ledger's values.

:func:`read_events` gives the contract's columns (plus ``source_row``) with dates as ISO text
(read by the one parser, :mod:`landgis.dates`: ``01/03/2020`` is 1 March), amounts as whole
đồng (:func:`landgis.money.parse_vnd`: ``1.234.567.890``, ``1,2 tỷ``), the plan year as a
whole number and codes from either language's label (``giải ngân`` is ``disbursement``); and a
problem naming the row and column for every value that cannot be read, which is then left as
it was. Reading values already read changes nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landgis import contract
from landgis.contract import Problem
from landgis.dates import DateError, iso_date
from landgis.money import AmountError, parse_vnd
from landgis.vocabularies import (
    AUCTION_RESULT,
    CAPITAL_SOURCE,
    MILESTONE,
    PROGRESS_KIND,
    PROGRESS_SUBJECT,
)

LAYER = contract.PROGRESS_EVENTS.name
EVENT_COLUMNS = contract.PROGRESS_EVENTS.column_names
DATES = ("effective_date", "planned_date", "document_date")
AMOUNTS = ("amount_vnd", "base_vnd")
CODES = {"subject_kind": PROGRESS_SUBJECT, "kind": PROGRESS_KIND, "milestone": MILESTONE,
         "source": CAPITAL_SOURCE, "result": AUCTION_RESULT}


def blank(value) -> bool:
    """None, NaN, NaT, pandas.NA or blank text."""
    return value is None or value is pd.NA or value is pd.NaT or \
        (isinstance(value, float) and np.isnan(value)) or \
        (isinstance(value, str) and not value.strip())


def row_name(row, i) -> str:
    """How a message names a new event: its sheet row (``source_row``) or its position."""
    label = row.get("source_row")
    return f"row {label}" if not blank(label) else f"event {i + 1}"


def _year(value, what: str):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return int(text)
    raise ValueError(f"{what}: {value!r} không phải năm / is not a year (yyyy)")


def _read(column: str, value):
    """One value of ``column`` as the ledger keeps it (raises on what cannot be read)."""
    if column in DATES:
        return iso_date(value, column)
    if column in AMOUNTS:
        return parse_vnd(value, column)
    if column == "year":
        return _year(value, column)
    if column in CODES:
        text = str(value).strip()
        return text if text in CODES[column] else (CODES[column].lookup(text) or text)
    return value.strip() if isinstance(value, str) else value


def read_events(events: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """``events`` with the ledger's columns and values, and the problems of what was unread."""
    df = pd.DataFrame(events).copy().reset_index(drop=True)
    for c in EVENT_COLUMNS:
        if c not in df.columns:
            df[c] = None
    keep = list(EVENT_COLUMNS) + (["source_row"] if "source_row" in df.columns else [])
    df = df[keep].astype(object)
    found: list[tuple[int, int, Problem]] = []
    for k, column in enumerate(EVENT_COLUMNS):
        values = df[column].tolist()
        for i, value in enumerate(values):
            if blank(value):
                values[i] = None
                continue
            try:
                values[i] = _read(column, value)
            except (DateError, AmountError, ValueError) as exc:
                row = df.iloc[i]
                found.append((i, k, Problem(LAYER, f"{row_name(row, i)}: {exc}", column=column,
                                            row=row.get("subject_id"))))
        df[column] = pd.Series(values, index=df.index, dtype=object)
    return df, [p for _i, _k, p in sorted(found, key=lambda t: t[:2])]
