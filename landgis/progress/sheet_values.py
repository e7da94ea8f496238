"""The values of a progress sheet read into ledger events or register rows.

Amounts go through :func:`landgis.money.parse_vnd` (``1.234.567.890``, ``1,2 tỷ``), dates
through :mod:`landgis.dates` (day first), codes through the vocabularies (a code, or its
Vietnamese or English label, with or without diacritics). Every cell that cannot be read is a
problem naming the sheet, the cell and its header; the row is kept out of what is checked
further. ``source_row`` is the sheet's row number (``5 [Giải ngân]``) for the core's messages.
"""

from __future__ import annotations

import re

import pandas as pd

from landgis import contract
from landgis.dates import DateError, iso_date
from landgis.ingest.status_read import _cell_text
from landgis.money import AmountError, parse_vnd
from landgis.progress.book import EVENT_COLUMNS
from landgis.progress.sheets import RawSheet
from landgis.text import fold
from landgis.vocabularies import (AUCTION_RESULT, CAPITAL_SOURCE, MILESTONE, PROGRESS_KIND,
                                  PROGRESS_SUBJECT, Vocabulary)

#: What the "Vượt kế hoạch" column may say for yes, and for no.
YES = {"x", "co", "yes", "y", "true", "1", "dung", "vuot", "vuotkehoach", "overplan"}
NO = {"", "khong", "no", "n", "false", "0"}
_VOCAB = {"source": CAPITAL_SOURCE, "milestone": MILESTONE, "result": AUCTION_RESULT,
          "kind": PROGRESS_KIND, "subject_kind": PROGRESS_SUBJECT}
_NUMBER_VN = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def vocabulary_code(vocab: Vocabulary, text: str) -> str | None:
    """The code ``text`` names: a code or a label in either language, compared without case,
    diacritics, spaces or underscores; None if none."""
    code = vocab.lookup(text)
    if code:
        return code
    key = fold(text)
    for code, (vi, en) in vocab.labels.items():
        if key and key in (fold(code), fold(vi), fold(en)):
            return code
    return None


def _accepted(vocab: Vocabulary) -> str:
    return ", ".join(f"{c} ({vi})" for c, (vi, _en) in vocab.labels.items())


def _number(value) -> float:
    """A number cell, or text written the Vietnamese way (``12.345,6``) or plainly."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = _cell_text(value).replace(" ", "")
    if _NUMBER_VN.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+([.,]\d+)?", text):
        return float(text.replace(",", "."))
    raise ValueError(f"{_cell_text(value)!r} không phải số / is not a number")


class _Reader:
    """Reads the cells of one sheet, collecting a problem for each it cannot read."""

    def __init__(self, sheet: RawSheet):
        self.sheet = sheet
        self.problems: list[str] = []
        self.bad_rows: set[int] = set()

    def fail(self, role: str, row: int, message: str) -> None:
        self.problems.append(f"{self.sheet.where} {self.sheet.cell(role, row)}: {message}")
        self.bad_rows.add(row)

    def raw(self, cells, role):
        col = self.sheet.columns.get(role)
        return None if col is None else cells[col]

    def text(self, cells, role) -> str | None:
        return _cell_text(self.raw(cells, role)) or None

    def date(self, cells, role, row) -> str | None:
        try:
            return iso_date(self.raw(cells, role), self.sheet.headers.get(role, role),
                            required=False)
        except DateError as exc:
            self.fail(role, row, str(exc))
            return None

    def money(self, cells, role, row) -> int | None:
        value = self.raw(cells, role)
        if isinstance(value, str):
            value = value.strip()
        try:
            return parse_vnd(value if value != "" else None, self.sheet.headers.get(role, role))
        except AmountError as exc:
            self.fail(role, row, f"số tiền không đọc được / not an amount: {exc}")
            return None

    def code(self, cells, role, row, vocab: Vocabulary) -> str | None:
        text = self.text(cells, role)
        if text is None:
            return None
        code = vocabulary_code(vocab, text)
        if code is None:
            self.fail(role, row, f"{text!r} không có trong danh mục / is not a known value; "
                                 f"nhận / accepted: {_accepted(vocab)}")
        return code


def _year(reader: _Reader, cells, row) -> int | None:
    value = reader.raw(cells, "year")
    text = _cell_text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    reader.fail("year", row, f"{text!r} không phải năm / is not a year (yyyy)")
    return None


def _event(reader: _Reader, cells, row) -> dict:
    sheet = reader.sheet
    out = {c: None for c in EVENT_COLUMNS}
    given = [(role, reader.text(cells, role)) for role in ("project", "investment", "lot")
             if role in sheet.columns]
    given = [(role, v) for role, v in given if v]
    subject_id = reader.text(cells, "subject_id")
    subject_kind = reader.code(cells, "subject_kind", row, PROGRESS_SUBJECT)
    if subject_id:
        given.append((subject_kind or "subject_id", subject_id))
    anchor = next((r for r in ("project", "investment", "lot", "subject_id")
                   if r in sheet.columns), None)
    if len(given) == 1 and given[0][0] == "subject_id":
        reader.fail("subject_id", row, "mã đối tượng cần cột 'Đối tượng' (project, investment, "
                                       "lot) / a subject id needs its subject kind")
    elif len(given) != 1:
        what = ("không có mã dự án, mã dự án đầu tư hay mã lô / no project, investment or lot "
                "code" if not given else
                "cần đúng một đối tượng / exactly one subject is wanted, found "
                + ", ".join(f"{r} {v!r}" for r, v in given))
        reader.fail(anchor, row, what)
    else:
        out["subject_kind"], out["subject_id"] = given[0]
    out["kind"] = reader.code(cells, "kind", row, PROGRESS_KIND)
    if not reader.text(cells, "kind"):
        reader.fail("kind", row, "thiếu loại sự kiện / no event kind")
    for role in ("effective_date", "planned_date", "document_date"):
        out[role] = reader.date(cells, role, row)
    out["year"] = _year(reader, cells, row)
    for role in ("source", "milestone", "result"):
        out[role] = reader.code(cells, role, row, _VOCAB[role])
    for role in ("amount_vnd", "base_vnd"):
        out[role] = reader.money(cells, role, row)
    winning = reader.money(cells, "winning_vnd", row)
    if winning is not None:
        if out["kind"] != "auction_result":
            reader.fail("winning_vnd", row, "giá trúng chỉ ghi ở dòng kết quả đấu giá / a "
                                            "winning price belongs on an auction result row")
        elif out["amount_vnd"] not in (None, winning):
            reader.fail("winning_vnd", row, "giá trúng khác số tiền cùng dòng / the winning "
                                            "price differs from the amount on the same row")
        else:
            out["amount_vnd"] = winning
            if out["result"] is None:
                out["result"] = "sold"
    flag = fold(reader.text(cells, "over_plan") or "")
    if flag in YES:
        out["flags"] = "over_plan"
    elif flag not in NO:
        reader.fail("over_plan", row, f"{reader.text(cells, 'over_plan')!r}: ghi / write x, "
                                      "có, yes hoặc để trống / or leave it empty")
    for role in ("party", "document_no", "note", "corrects_event_id", "event_id"):
        out[role] = reader.text(cells, role)
    return out


def events_frame(sheet: RawSheet, label_sheet: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """The events of an events sheet (the ledger's columns and ``source_row``), the rows with
    an unreadable cell left out, and the problems of those cells."""
    reader = _Reader(sheet)
    rows = []
    for number, cells in sheet.rows:
        ev = _event(reader, cells, number)
        if number not in reader.bad_rows:
            ev["source_row"] = f"{number} [{sheet.name}]" if label_sheet else number
            rows.append(ev)
    frame = pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "source_row"])
    for c in ("year", "amount_vnd", "base_vnd"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame, reader.problems


def register_frame(sheet: RawSheet, label_sheet: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """The rows of a register sheet in the contract's columns (the columns the sheet lacks
    left out, for the contract's check to name) and ``source_row``; the unreadable cells."""
    layer = contract.get_layer(sheet.kind)
    reader = _Reader(sheet)
    rows = []
    for number, cells in sheet.rows:
        rec = {}
        for col in layer.columns:
            if col.name not in sheet.columns:
                continue
            if col.kind == "date":
                rec[col.name] = reader.date(cells, col.name, number)
            elif col.name.endswith("_vnd"):
                rec[col.name] = reader.money(cells, col.name, number)
            elif col.kind in ("int", "float"):
                raw = reader.raw(cells, col.name)
                try:
                    rec[col.name] = None if not _cell_text(raw) else _number(raw)
                except ValueError as exc:
                    reader.fail(col.name, number, str(exc))
            elif col.vocabulary is not None:
                rec[col.name] = reader.code(cells, col.name, number, col.vocabulary)
            else:
                rec[col.name] = reader.text(cells, col.name)
        if number not in reader.bad_rows:
            rec["source_row"] = f"{number} [{sheet.name}]" if label_sheet else number
            rows.append(rec)
    names = [c.name for c in layer.columns if c.name in sheet.columns]
    frame = pd.DataFrame(rows, columns=[*names, "source_row"])
    for c in names:
        if frame[c].dtype == object:
            frame[c] = frame[c].where(frame[c].notna(), None)
        elif frame[c].dtype.kind == "f" and layer.column(c).kind == "int":
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame.attrs["missing"] = [c.name for c in layer.columns
                              if c.required and c.name not in sheet.columns]
    return frame, reader.problems


__all__ = ["NO", "YES", "events_frame", "register_frame", "vocabulary_code"]
