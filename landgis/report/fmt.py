"""How a report's values are shown to people, by unit and language (one place for every
renderer): Vietnamese ``1.234,56`` ha and ``1.234.567.890`` đồng, English ``1,234.56`` and
``1,234,567,890``; dates day first (dd/mm/yyyy) in both."""

from __future__ import annotations

import math

from landgis.dates import display_date
from landgis.money import format_vnd
from landgis.numbers import vn_number

DECIMALS = {"ha": 2, "m2": 1, "pct": 2, "count": 0, "vnd": 0}
#: the Excel number format of each unit (the cell keeps the number; Excel shows it the
#: reader's way)
EXCEL_FORMATS = {"ha": "#,##0.00", "m2": "#,##0.0", "pct": "0.00", "count": "#,##0",
                 "vnd": "#,##0"}
UNIT_LABELS = {"vi": {"ha": "ha", "m2": "m²", "vnd": "đồng", "count": "", "pct": "%",
                      "bn": "tỷ đồng"},
               "en": {"ha": "ha", "m2": "m²", "vnd": "VND", "count": "", "pct": "%",
                      "bn": "billion VND"}}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int, lang: str = "vi") -> str:
    """A number in the language's way; empty text for none."""
    if missing(value):
        return ""
    if lang == "vi":
        return vn_number(value, decimals)
    return f"{round(float(value), decimals) + 0.0:,.{decimals}f}"


def cell(value, unit: str, lang: str = "vi") -> str:
    """A table cell's text for ``unit``."""
    if missing(value):
        return ""
    if unit == "vnd":
        return format_vnd(value) if lang == "vi" else f"{int(value):,}"
    if unit in DECIMALS:
        return number(value, DECIMALS[unit], lang)
    if unit == "date":
        return display_date(value)
    return str(value)


def is_numeric(unit: str) -> bool:
    return unit in DECIMALS
