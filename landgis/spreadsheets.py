"""Imported text in the spreadsheets we write stays text, never a formula a program would run.

A parcel's name or a zone's source comes from files other people made. Written as it is, a value
such as ``=HYPERLINK("http://x","y")`` would be a live formula in the XLSX workbooks (openpyxl
takes any text starting with ``=`` for one) and in Excel's reading of our CSV files (which also
runs cells starting with ``+``, ``-``, ``@``, a tab or a carriage return). Our writers never
write formulas, so:

- :func:`text_cells_as_text` turns every cell of a workbook that openpyxl took for a formula
  back into text, marked so that Excel keeps it text when the cell is edited;
- :func:`csv_text` puts an apostrophe before a CSV text value that Excel would run (the usual
  defence: Excel shows the value, the apostrophe hidden), numbers written as text excepted.
"""

from __future__ import annotations

import re

#: What makes a spreadsheet program read a CSV cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def text_cells_as_text(workbook) -> int:
    """Make every formula cell of an openpyxl ``workbook`` a text cell showing the same
    characters; returns how many there were. Call it before saving."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def csv_text(value):
    """``value`` for a CSV cell: text Excel would take for a formula gets a leading ``'``;
    anything else (numbers, numbers written as text, other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) \
            and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_frame(frame):
    """A copy of a DataFrame whose text cells went through :func:`csv_text`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(csv_text)
    return out
