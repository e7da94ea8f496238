"""The three progress tables as the script, the API and the report present them.

:func:`progress_tables` is the one core function behind ``progress.py``, ``/api/projects``,
``/api/investments`` and ``/api/auctions``: the same figures everywhere. :func:`json_records`
turns a table into JSON-ready rows (whole đồng as integers, no NaN).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from landgis.progress.book import ProgressBook, as_of_date, revenue_of

MONEY_SUFFIX = "_vnd"


def progress_tables(book: ProgressBook, *, as_of=None, zone: str | None = None
                    ) -> dict[str, pd.DataFrame]:
    """``projects``, ``investments``, ``auctions``, ``revenue_by_zone`` and
    ``revenue_by_project`` as of ``as_of`` (default today), optionally of one zone."""
    day = as_of_date(as_of)
    lots = book.auctions(day, zone=zone)
    by_zone, by_project = revenue_of(lots)
    return {
        "projects": book.projects(day, zone=zone),
        "investments": book.investments(day, zone=zone),
        "auctions": lots,
        "revenue_by_zone": by_zone,
        "revenue_by_project": by_project,
    }


def _plain(value, money: bool):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return int(round(value)) if money else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def json_records(df: pd.DataFrame) -> list[dict]:
    """Rows of a progress table for JSON: money (``*_vnd``) whole đồng, missing values None."""
    cols = list(df.columns)
    money = [c.endswith(MONEY_SUFFIX) for c in cols]
    return [{c: _plain(v, m) for c, v, m in zip(cols, row, money)}
            for row in df.itertuples(index=False, name=None)]
