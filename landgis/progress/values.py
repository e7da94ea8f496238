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
    return f"dòng / row {label}" if not blank(label) else f"sự kiện / event {i + 1}"


def _year(value, what: str):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return int(text)
    raise ValueError(f"{what}: {value!r} không phải năm / is not a year (yyyy)")


def read_events(events: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """``events`` with the ledger's columns and values, and the problems of what was unread."""
    df = pd.DataFrame(events).copy().reset_index(drop=True)
    for c in EVENT_COLUMNS:
        if c not in df.columns:
            df[c] = None
    keep = list(EVENT_COLUMNS) + (["source_row"] if "source_row" in df.columns else [])
    df = df[keep].astype(object)
    problems: list[Problem] = []
    for i, row in df.iterrows():
        for column in EVENT_COLUMNS:
            value = row[column]
            if blank(value):
                df.at[i, column] = None
                continue
            try:
                if column in DATES:
                    value = iso_date(value, column)
                elif column in AMOUNTS:
                    value = parse_vnd(value, column)
                elif column == "year":
                    value = _year(value, column)
                elif column in CODES:
                    text = str(value).strip()
                    value = text if text in CODES[column] else \
                        (CODES[column].lookup(text) or text)
                elif isinstance(value, str):
                    value = value.strip()
            except (DateError, AmountError, ValueError) as exc:
                problems.append(Problem(LAYER, f"{row_name(row, i)}: {exc}", column=column,
                                        row=row.get("subject_id")))
                continue
            df.at[i, column] = value
    return df, problems
