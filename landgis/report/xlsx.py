"""``bao_cao.xlsx``: every table of the report as a sheet of real numbers (with number formats,
dates as dates) and every chart as a NATIVE Excel chart beside its table, so the planner can
rework both. Written with XlsxWriter (openpyxl's charts are poor); text is always written as
text, never as a formula (an imported name like ``=SUM(…)`` stays a name).

The first sheet (``bao_cao`` / ``report``) says what the workbook is: the period, the date of
the figures, the zone, the data version and each section's sentences.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from landgis.dates import DateError, parse_date
from landgis.report import fmt
from landgis.report.model import Chart, Report, Table

KINDS = {"bar": ("column", None), "stacked_bar": ("column", "stacked"), "line": ("line", None),
         "pie": ("pie", None)}
INFO = {"vi": ("bao_cao", "Kỳ báo cáo", "Số liệu đến ngày", "So sánh với", "Khu",
               "Phiên bản dữ liệu", "toàn bộ"),
        "en": ("report", "Period", "Figures as of", "Compared with", "Zone", "Data version",
               "all")}
HEAD_ROW = 2  # the header row of every table sheet (0-based); the title is row 0


def _text(ws, row, col, value, style=None):
    ws.write_string(row, col, "" if value is None else str(value), style)


def _info(wb, ws, report: Report, lang: str, bold, wrap) -> None:
    _, period, as_of, previous, zone, version, everything = INFO[lang]
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100, wrap)
    rows = [(period, report.period.label(lang)), (as_of, fmt.cell(report.as_of, "date")),
            (previous, report.previous.label(lang)), (zone, report.zone or everything),
            (version, report.data_version)]
    for r, (k, v) in enumerate(rows):
        _text(ws, r, 0, k, bold)
        _text(ws, r, 1, v)
    r = len(rows) + 1
    for section in report.sections:
        _text(ws, r, 0, section.title(lang), bold)
        r += 1
        for sentence in section.sentences(lang):
            _text(ws, r, 1, sentence, wrap)
            r += 1


def _sheet_name(name: str, used: set) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "bang"
    out, n = base, 1
    while out.lower() in used:
        n += 1
        out = f"{base[:28]}_{n}"
    used.add(out.lower())
    return out


def _table(wb, ws, table: Table, lang: str, styles: dict) -> None:
    _text(ws, 0, 0, table.title(lang), styles["title"])
    for j, col in enumerate(table.columns):
        _text(ws, HEAD_ROW, j, col.label(lang), styles["head"])
        ws.set_column(j, j, 14 if fmt.is_numeric(col.unit) or col.unit == "date" else 30)
    last = len(table.rows) - 1
    for i, row in enumerate(table.rows):
        r = HEAD_ROW + 1 + i
        total = table.total and i == last
        for j, col in enumerate(table.columns):
            value = table.cell(row, col.key, lang)
            key = (col.unit, total)
            if fmt.missing(value):
                ws.write_blank(r, j, None, styles.get(key))
            elif fmt.is_numeric(col.unit) and isinstance(value, (int, float)):
                ws.write_number(r, j, value, styles.get(key))
            elif col.unit == "date":
                try:
                    ws.write_datetime(r, j, dt.datetime.combine(parse_date(value), dt.time()),
                                      styles[("date", total)])
                except DateError:
                    _text(ws, r, j, value, styles[("text", total)])
            else:
                _text(ws, r, j, value, styles[("text", total)])
    note = table.note_vi if lang == "vi" else table.note_en
    if note:
        _text(ws, HEAD_ROW + 2 + len(table.rows), 0, note, styles["note"])


def _chart(wb, ws, sheet: str, table: Table, chart: Chart, lang: str, anchor_row: int):
    kind, subtype = KINDS.get(chart.kind, ("column", None))
    xl = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    keys = [c.key for c in table.columns]
    n = len(table.rows) - (1 if table.total and chart.kind != "line" and len(table.rows) > 1
                           else 0)
    first, last = HEAD_ROW + 1, HEAD_ROW + max(n, 1)
    cat = keys.index(chart.category)
    cats = [sheet, first, cat, last, cat]
    for key in chart.series:
        j = keys.index(key)
        series = {"name": [sheet, HEAD_ROW, j], "categories": cats,
                  "values": [sheet, first, j, last, j], "data_labels": {"value": True}}
        if kind == "pie":
            series["data_labels"] = {"value": True, "category": True}
        xl.add_series(series)
    xl.set_title({"name": chart.title(lang)})
    if kind != "pie":
        unit = fmt.UNIT_LABELS[lang].get(chart.unit, "")
        if unit:
            xl.set_y_axis({"name": unit})
    xl.set_size({"width": 720, "height": 380})
    ws.insert_chart(xl_rowcol_to_cell(anchor_row, 0), xl)


def write_xlsx(report: Report, path, *, lang: str = "vi") -> Path:
    """Write the workbook into ``path``."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    styles = {"title": wb.add_format({"bold": True, "font_size": 13}),
              "head": wb.add_format({"bold": True, "text_wrap": True, "border": 1,
                                     "align": "center", "valign": "vcenter"}),
              "note": wb.add_format({"italic": True})}
    for total in (False, True):
        for unit, num_format in [*fmt.EXCEL_FORMATS.items(), ("date", "dd/mm/yyyy"),
                                 ("text", "@")]:
            styles[(unit, total)] = wb.add_format({"num_format": num_format, "border": 1,
                                                   "bold": total})
    used = {INFO[lang][0]}
    _info(wb, wb.add_worksheet(INFO[lang][0]), report, lang, bold, wrap)
    for section in report.sections:
        for table in section.tables:
            name = _sheet_name(table.name, used)
            ws = wb.add_worksheet(name)
            _table(wb, ws, table, lang, styles)
            row = HEAD_ROW + len(table.rows) + 3
            for chart in section.charts:
                if chart.table == table.name:
                    _chart(wb, ws, name, table, chart, lang, row)
                    row += 21
    wb.close()
    return path
