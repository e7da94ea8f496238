"""Status lists written as the councils send them: an .xlsx workbook made in the test."""

from __future__ import annotations

import io

import openpyxl


def xlsx(rows, path=None):
    """A workbook of one sheet holding ``rows``: saved at ``path`` (returned), or in memory as a
    file object ready to upload."""
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    if path is not None:
        wb.save(path)
        return path
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf
