"""The progress tables for people (the terminal) and as files (XLSX, CSV, JSON).

The figures are :func:`landgis.progress.progress_tables`'s; this module only presents them.

- The terminal: Vietnamese headers first, money as ``1.234.567.890`` (or ``1,23 tỷ``), dates
  ``dd/mm/yyyy``, codes with their Vietnamese labels, the key columns of each table, and under
  the investments every flag with the rule that raised it and the article it cites.
- XLSX: one sheet per table with every column, bilingual headers, money as whole-đồng numbers,
  dates as date cells shown ``dd/mm/yyyy``, the flags as text with their articles; every text
  (names, notes: imported from other people's files) written as text, never a formula.
- CSV (UTF-8 with a BOM): one file per table, ``<stem>-<table>.csv``, or one table to the file
  named; plain column names, ISO dates, whole đồng, the flags as text.
- JSON: ``{"meta": …, "tables": {name: [rows]}}``, money whole đồng, ISO dates,
  ``flag_details`` as a list of objects (rule, labels, article, since, days).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Mapping

import pandas as pd

from landgis import contract
from landgis.dates import display_date
from landgis.money import format_billion, format_vnd
from landgis.numbers import vn_number
from landgis.progress.tables import json_records
from landgis.spreadsheets import csv_frame, text_cells_as_text
from landgis.vocabularies import (AUCTION_RESULT, CAPITAL_SOURCE, INVESTMENT_MILESTONES,
                                  MILESTONE, Vocabulary)

TABLES = ("projects", "investments", "auctions", "revenue_by_zone", "revenue_by_project")
TITLES = {
    "projects": "Dự án đầu tư công / public investment projects",
    "investments": "Dự án của nhà đầu tư / investor projects",
    "auctions": "Lô đấu giá / auction lots",
    "revenue_by_zone": "Thu tiền đấu giá theo khu / auction revenue by zone",
    "revenue_by_project": "Thu tiền đấu giá theo dự án được đầu tư / auction revenue by project "
                          "funded",
}
HEADERS: dict[str, str] = {
    "as_of": "Đến ngày / as of",
    "kind": "Loại dự án / kind",
    "total_investment_vnd": "Tổng mức đầu tư (đồng) / total investment (VND)",
    "investment_decision": "QĐ phê duyệt / investment decision",
    "investment_decision_date": "Ngày QĐ phê duyệt / decision date",
    "plan_year_vnd": "Kế hoạch vốn năm (đồng) / plan of the year (VND)",
    "plan_sources": "Nguồn vốn / capital sources",
    "disbursed_year_vnd": "Giải ngân trong năm (đồng) / disbursed this year (VND)",
    "disbursed_total_vnd": "Lũy kế giải ngân (đồng) / disbursed in all (VND)",
    "over_plan_events": "Lần giải ngân vượt kế hoạch / over-plan disbursements",
    "disbursed_year_pct": "Tỷ lệ giải ngân KH năm (%) / of the year's plan (%)",
    "milestones_late": "Số mốc chậm / milestones late",
    "max_days_late": "Chậm nhất (ngày) / most days late",
    "last_milestone": "Mốc đã đạt gần nhất / last milestone reached",
    "next_milestone": "Mốc kế tiếp / next milestone",
    "next_milestone_date": "Ngày mốc kế tiếp / next milestone date",
    "capital_contributed_vnd": "Vốn đã góp (đồng) / capital contributed (VND)",
    "days_behind": "Chậm (ngày) / days behind",
    "state": "Mã tình trạng / state",
    "state_label_vi": "Tình trạng tiến độ / schedule state",
    "revoked_date": "Ngày thu hồi / revoked on",
    "flags": "Cờ / flags",
    "flag_details": "Cờ và căn cứ pháp lý / flags and their articles",
    "violations": "Số vi phạm / violations",
    "inspections": "Số lần kiểm tra / inspections",
    "last_report_date": "Báo cáo gần nhất / last report",
    "last_report_note": "Nội dung báo cáo / last report note",
    "parcels": "Số thửa / parcels",
    "auction_date": "Ngày đấu giá / auction date",
    "result": "Kết quả / result",
    "starting_price_vnd": "Giá khởi điểm (đồng) / starting price (VND)",
    "winning_price_vnd": "Giá trúng (đồng) / winning price (VND)",
    "winner": "Người trúng / winner",
    "won_vnd": "Tiền trúng đấu giá (đồng) / won (VND)",
    "scheduled_vnd": "Phải nộp theo lịch (đồng) / scheduled (VND)",
    "due_vnd": "Đến hạn (đồng) / due (VND)",
    "collected_vnd": "Đã thu (đồng) / collected (VND)",
    "outstanding_vnd": "Còn phải thu (đồng) / outstanding (VND)",
    "overdue_vnd": "Quá hạn (đồng) / overdue (VND)",
    "lots_sold": "Số lô đã bán / lots sold",
}
for _m in INVESTMENT_MILESTONES:
    _vi, _en = MILESTONE.labels[_m]
    HEADERS[f"{_m}_reached"] = f"Đạt: {_vi} / reached: {_en}"
for _layer in (contract.PROJECTS, contract.INVESTMENTS, contract.AUCTION_LOTS):
    for _c in _layer.columns:
        HEADERS.setdefault(_c.name, f"{_c.label_vi[:1].upper()}{_c.label_vi[1:]} / {_c.label_en}")
HEADERS["name_vi"] = "Tên / name"

#: The columns the terminal shows (files hold them all).
SHOWN = {
    "projects": ("project_code", "name_vi", "zone_code", "total_investment_vnd",
                 "plan_year_vnd", "disbursed_year_vnd", "disbursed_year_pct",
                 "disbursed_total_vnd", "over_plan_events", "milestones_late", "max_days_late",
                 "next_milestone", "next_milestone_date"),
    "investments": ("investment_id", "investor", "zone_code", "certificate_no",
                    "certificate_date", "committed_capital_vnd", "capital_contributed_vnd",
                    "state_label_vi", "days_behind", "flags"),
    "auctions": ("lot_code", "zone_code", "auction_date", "result", "starting_price_vnd",
                 "winning_price_vnd", "winner", "won_vnd", "collected_vnd", "outstanding_vnd",
                 "overdue_vnd"),
}
_LABELLED: dict[str, Vocabulary] = {"next_milestone": MILESTONE, "last_milestone": MILESTONE,
                                    "result": AUCTION_RESULT, "plan_sources": CAPITAL_SOURCE}


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value))


def _is_date(column: str) -> bool:
    return column.endswith(("_date", "_due", "_reached")) or column == "as_of"


def flag_text(details) -> str:
    """The flags of an investment for people: each rule, its article, since when, how long."""
    if not isinstance(details, list):
        return ""
    return "; ".join(
        f"{d['label_vi']} (căn cứ / basis: {d['basis_vi']}; mốc / milestone "
        f"{MILESTONE.label(d['milestone'])}, từ / since {display_date(d.get('since'))}, "
        f"quá / over by {vn_number(d.get('days') or 0, 0)} ngày / days)" for d in details)


def _people(value, column: str, money: str) -> str:
    if _missing(value):
        return ""
    if column.endswith("_vnd"):
        return format_billion(value).removesuffix(" tỷ") if money == "ty" else format_vnd(value)
    if column.endswith("_pct"):
        return vn_number(value, 1)
    if _is_date(column):
        return display_date(value)
    if column in _LABELLED:
        vocab = _LABELLED[column]
        return "; ".join(vocab.label(c) if c in vocab else c for c in str(value).split(";"))
    if isinstance(value, float):
        return vn_number(value, 0 if value.is_integer() else 2)
    if isinstance(value, int):
        return vn_number(value, 0)
    return str(value)


def _grid(cols: list[str], rows: list[list[str]], money: str) -> str:
    """A plain table: the Vietnamese header, the English one under it, then the rows; numbers
    and dates right-aligned."""
    if not rows:
        return "(không có / none)"
    heads = [HEADERS.get(c, c).split(" / ", 1) + [""] for c in cols]
    if money == "ty":
        heads = [[h[0].replace("(đồng)", "(tỷ đồng)"), h[1].replace("(VND)", "(billion VND)")]
                 for h in heads]
    widths = [max(len(h[0]), len(h[1]), *(len(r[j]) for r in rows)) for j, h in enumerate(heads)]
    right = [c.endswith(("_vnd", "_pct", "_m2")) or _is_date(c) or c in (
        "days_behind", "max_days_late", "milestones_late", "over_plan_events", "lots_sold",
        "parcels", "violations", "inspections") for c in cols]

    def line(cells):
        return "  ".join(v.rjust(w) if r else v.ljust(w)
                         for v, w, r in zip(cells, widths, right)).rstrip()

    return "\n".join([line([h[0] for h in heads]), line([h[1] for h in heads]),
                      *(line(r) for r in rows)])


def to_text(name: str, table: pd.DataFrame, *, money: str = "dong", max_rows: int = 500) -> str:
    """One table for the terminal (its key columns) under its title; the investments' flags
    listed below with their articles."""
    cols = [c for c in SHOWN.get(name, table.columns) if c in table.columns and c != "as_of"]
    shown = table.head(max_rows)
    body = _grid(cols, [[_people(v, c, money) for c, v in zip(cols, values)]
                        for values in shown[cols].itertuples(index=False, name=None)], money)
    if len(table) > max_rows:
        body += (f"\n… {len(table) - max_rows} dòng nữa, có đủ khi ghi ra tệp / more rows, all "
                 "of them when written to a file")
    if name == "investments" and "flag_details" in table.columns:
        flagged = [(r["investment_id"], r["flag_details"]) for _, r in shown.iterrows()
                   if isinstance(r["flag_details"], list) and r["flag_details"]]
        if flagged:
            body += "\nCờ và căn cứ / flags and the rules that raised them:"
            for inv, details in flagged:
                for d in details:
                    body += f"\n  {inv}: {flag_text([d])}"
    return f"{TITLES.get(name, name)}\n{body}"


def _file_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A table's rows as plain values (whole đồng, None), the flags as text."""
    rows = pd.DataFrame(json_records(table), columns=list(table.columns))
    if "flag_details" in rows.columns:
        rows["flag_details"] = [flag_text(v) for v in rows["flag_details"]]
    return rows


def _write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, meta: Mapping) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, table in tables.items():
        ws = wb.create_sheet(name[:31])
        rows = _file_rows(table)
        ws.append([HEADERS.get(c, c) for c in rows.columns])
        for values in rows.itertuples(index=False, name=None):
            ws.append([dt.date.fromisoformat(str(v)[:10]) if _is_date(c) and v else v
                       for c, v in zip(rows.columns, values)])
        for j, c in enumerate(rows.columns, start=1):
            fmt = ("#,##0" if c.endswith("_vnd") else "0.0" if c.endswith("_pct")
                   else "DD/MM/YYYY" if _is_date(c) else None)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
    about = wb.create_sheet("about")
    for key, value in meta.items():
        about.append([key, value])
    text_cells_as_text(wb)  # names and notes come from other people's files: never formulas
    wb.save(path)


def write_progress(tables: Mapping[str, pd.DataFrame], path, *, meta: Mapping | None = None,
                   one_table: str | None = None) -> list[Path]:
    """Write ``tables`` to ``path`` by its suffix (see the module); ``one_table`` writes that
    table alone (a ``.csv`` then holds it, named as given). Returns the files written."""
    path = Path(path)
    meta = dict(meta or {})
    if one_table is not None:
        tables = {one_table: tables[one_table]}
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(tables, path, meta)
        return [path]
    if suffix == ".json":
        doc = {"meta": meta, "tables": {n: json_records(t) for n, t in tables.items()}}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str),
                        encoding="utf-8")
        return [path]
    if suffix == ".csv":
        written = []
        for name, table in tables.items():
            out = path if one_table else path.with_name(f"{path.stem}-{name}.csv")
            csv_frame(_file_rows(table)).to_csv(out, index=False, encoding="utf-8-sig")
            written.append(out)
        return written
    raise ValueError(f"{path}: ghi / write .xlsx, .csv hoặc / or .json")


__all__ = ["HEADERS", "SHOWN", "TABLES", "TITLES", "flag_text", "to_text", "write_progress"]
